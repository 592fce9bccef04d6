"""Where the course lives and what its week notebooks contain."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import nbformat

__all__ = [
    "CourseError",
    "GradeCell",
    "course_root",
    "grade_cells",
    "master_notebook",
    "nbgrader",
    "read_notebook",
    "scratch_course",
    "weeks",
]

WEEK_PATTERN = re.compile(r"^week\d\d_[a-z0-9_]+$")


class CourseError(Exception):
    """A problem the user can fix, reported as one line."""


def course_root(start: Path | None = None) -> Path:
    """The course folder: ``$AIEPREP_COURSE_ROOT``, else the nearest folder above ``start`` (or the
    working directory) holding ``nbgrader_config.py`` and ``source/``, else the checkout this package is in."""
    if os.environ.get("AIEPREP_COURSE_ROOT"):
        return Path(os.environ["AIEPREP_COURSE_ROOT"]).resolve()
    here = (start or Path.cwd()).resolve()
    for folder in [here, *here.parents]:
        if (folder / "nbgrader_config.py").is_file() and (folder / "source").is_dir():
            return folder
    package_parent = Path(__file__).resolve().parent.parent
    if (package_parent / "nbgrader_config.py").is_file():
        return package_parent
    raise CourseError("cannot find the course folder (one with nbgrader_config.py and source/); set AIEPREP_COURSE_ROOT")


def weeks(root: Path) -> list[str]:
    """The week names (``week01_python_ds`` …) that have a master notebook in ``source/``, in order."""
    return sorted(p.parent.name for p in (root / "source").glob("week*/week*.ipynb") if p.stem == p.parent.name)


def master_notebook(root: Path, week: str) -> Path:
    """The master (solutions and hidden tests) of ``week``."""
    path = root / "source" / week / f"{week}.ipynb"
    if not path.is_file():
        raise CourseError(f"no such week: {week!r} (weeks: {', '.join(weeks(root)) or 'none'})")
    return path


def read_notebook(path: Path, label: str | None = None) -> nbformat.NotebookNode:
    """The notebook at ``path`` (version 4), or CourseError with a one-line reason naming it ``label``
    (default: the path)."""
    name = label or str(path)
    if not path.is_file():
        raise CourseError(f"{name}: no such file")
    try:
        nb = nbformat.read(path, as_version=4)
    except (json.JSONDecodeError, nbformat.reader.NotJSONError) as error:
        raise CourseError(f"{name}: not a notebook (invalid JSON: {str(error).splitlines()[0]})") from None
    except Exception as error:  # nbformat raises several kinds for a broken notebook
        raise CourseError(f"{name}: not a readable notebook ({type(error).__name__}: {error})") from None
    if not isinstance(nb.get("cells"), list):
        raise CourseError(f"{name}: not a notebook (no list of cells)")
    return nb


@dataclass(frozen=True)
class GradeCell:
    """An nbgrader grade cell: ``kind`` is "auto" (a test cell) or "manual" (a hand-graded answer)."""

    grade_id: str
    points: float
    kind: str

    @property
    def question(self) -> str:
        """The exercise a test cell belongs to: ``test-two_sum-edge`` → ``two_sum``."""
        parts = self.grade_id.split("-")
        return parts[1] if parts[0] == "test" and len(parts) > 1 else self.grade_id


def grade_cells(nb: nbformat.NotebookNode) -> list[GradeCell]:
    """The grade cells of a notebook, in order."""
    cells = []
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("grade"):
            kind = "manual" if meta.get("solution") else "auto"
            cells.append(GradeCell(meta["grade_id"], float(meta.get("points", 0)), kind))
    return cells


def nbgrader(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run one of nbgrader's own commands in ``cwd``; raise CourseError with its cause when it fails."""
    # nbgrader runs the `alembic` command of its environment by name, so that bin/ goes first on PATH.
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    env = {**os.environ, "PYTHONHASHSEED": "0", "PATH": path}
    proc = subprocess.run(
        [sys.executable, "-m", "nbgrader", *args], cwd=cwd, env=env, capture_output=True, text=True
    )
    if proc.returncode != 0:
        log = [line.strip() for line in (proc.stdout + proc.stderr).splitlines() if line.strip()]
        causes = [line for line in log if re.match(r"^\w+(Error|Exception)\b", line)]
        raise CourseError(f"nbgrader {args[0]} failed: {(causes or log or ['no output'])[-1]}")
    return proc


@contextmanager
def scratch_course(root: Path, course_weeks: list[str]) -> Iterator[Path]:
    """A throwaway nbgrader course with the course's settings and copies of ``course_weeks`` in ``source/``.

    Its gradebook and exchange are its own, so nothing here touches the real course's state.
    """
    with tempfile.TemporaryDirectory(prefix="aieprep-") as tmp:
        scratch = Path(tmp)
        for week in course_weeks:
            shutil.copytree(master_notebook(root, week).parent, scratch / "source" / week,
                            ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
        (scratch / "nbgrader_config.py").write_text(
            "c = get_config()\n"
            f"load_subconfig({str(root / 'nbgrader_config.py')!r})\n"
            f"c.CourseDirectory.root = {str(scratch)!r}\n"
            f"c.CourseDirectory.db_url = {'sqlite:///' + str(scratch / 'gradebook.db')!r}\n"
            f"c.Exchange.root = {str(scratch / 'exchange')!r}\n"
        )
        yield scratch
