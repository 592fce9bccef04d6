"""Where the course lives: its folder, its weeks, and a throwaway copy of it."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["CourseError", "course_root", "master_notebook", "scratch_course", "weeks"]

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
