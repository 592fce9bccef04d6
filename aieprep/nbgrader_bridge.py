"""Every call from the course's tooling into nbgrader: its commands, its API, its gradebook, its cell
predicates and the few private functions the course relies on. When nbgrader changes, this file changes.

``import nbgrader`` loads nbgrader's Jupyter server extensions (about 3 s, the server's whole web stack);
the course's tooling never serves anything, so :func:`_nbgrader` loads the package without them.
``python -m aieprep.nbgrader_bridge ARGS`` is ``nbgrader ARGS``, started as the course's processes are
(:mod:`aieprep.startup`); :func:`run_nbgrader` runs it.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tempfile
import warnings
from collections.abc import Callable, Collection, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from . import startup  # noqa: F401, I001  (before nbformat: see there)

import nbformat

from .course import CourseError
from .totals import Totals

__all__ = ["CourseSettings", "cell_scores", "course_api", "grade_totals", "gradebook", "is_as_released", "is_grade",
           "is_locked", "is_solution", "is_task", "load_course_config", "preload_recording", "raise_for", "record_grades",
           "remove_hidden_tests", "run_nbgrader", "submission_totals", "version"]


def _nbgrader() -> ModuleType:
    """The ``nbgrader`` package, without running its ``__init__`` (which imports the server extensions) when
    nothing has imported it yet; its submodules import as usual."""
    if "nbgrader" not in sys.modules:
        spec = importlib.util.find_spec("nbgrader")
        if spec is None:
            raise CourseError("nbgrader is not installed (run make setup)")
        package = importlib.util.module_from_spec(spec)
        package.__version__ = version()  # type: ignore[attr-defined]  # all its __init__ gives submodules
        sys.modules["nbgrader"] = package
    return sys.modules["nbgrader"]


@functools.cache
def version() -> str:
    """nbgrader's version."""
    return importlib.metadata.version("nbgrader")


# --- cell predicates --------------------------------------------------------------------------------------


def _utils() -> Any:
    _nbgrader()
    import nbgrader.utils

    return nbgrader.utils


def is_grade(cell: nbformat.NotebookNode) -> bool:
    return bool(_utils().is_grade(cell))


def is_solution(cell: nbformat.NotebookNode) -> bool:
    return bool(_utils().is_solution(cell))


def is_locked(cell: nbformat.NotebookNode) -> bool:
    return bool(_utils().is_locked(cell))


def is_task(cell: nbformat.NotebookNode) -> bool:
    return bool(_utils().is_task(cell))


def is_as_released(cell: nbformat.NotebookNode) -> bool:
    """Whether an answer cell is still as released (its nbgrader checksum matches): the learner has not
    started it. nbgrader comments "No response." on such a cell."""
    checksum = cell.get("metadata", {}).get("nbgrader", {}).get("checksum")
    return checksum is not None and checksum == _utils().compute_checksum(cell)


def remove_hidden_tests(cell: nbformat.NotebookNode) -> bool:
    """Drop the ``### BEGIN HIDDEN TESTS`` … ``### END HIDDEN TESTS`` region from ``cell`` in place, as
    nbgrader's ``ClearHiddenTests`` does; True when there was one."""
    _nbgrader()
    from nbgrader.preprocessors import ClearHiddenTests

    return bool(ClearHiddenTests(enforce_metadata=False)._remove_hidden_test_region(cell))


# --- the course's configuration and nbgrader's commands ------------------------------------------------------


@dataclass
class CourseSettings:
    """What the grader needs from ``nbgrader_config.py``."""

    root: Path
    course_id: str
    db_url: str
    exchange: Path | None
    config: Any  # the traitlets Config


def load_course_config(root: Path) -> CourseSettings:
    """The course's nbgrader configuration, read the way nbgrader reads ``nbgrader_config.py``."""
    from traitlets.config.loader import PyFileConfigLoader

    _nbgrader()  # the file imports nbgrader's preprocessors: without its server extensions
    config = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
    course = config.get("CourseDirectory", {})
    db_url = course.get("db_url") or f"sqlite:///{root / 'gradebook.db'}"
    exchange = config.get("Exchange", {}).get("root")
    return CourseSettings(root, course.get("course_id", ""), db_url, Path(exchange) if exchange else None, config)


def _path_with_this_environment() -> str:
    """PATH with this interpreter's bin/ first: nbgrader runs the ``alembic`` command by name."""
    here, path = str(Path(sys.executable).parent), os.environ.get("PATH", "")
    return path if path.split(os.pathsep)[0] == here else os.pathsep.join([here, path])


def run_nbgrader(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run one of nbgrader's own commands in ``cwd``; raise CourseError with its cause when it fails."""
    env = {**os.environ, "PYTHONHASHSEED": "0", "PATH": _path_with_this_environment()}
    proc = subprocess.run([sys.executable, "-m", "aieprep.nbgrader_bridge", *args], cwd=cwd, env=env,
                          capture_output=True, text=True)
    if proc.returncode != 0:
        log = [line.strip() for line in (proc.stdout + proc.stderr).splitlines() if line.strip()]
        causes = [line for line in log if re.match(r"^\w+(Error|Exception)\b", line)]
        raise CourseError(f"nbgrader {args[0]} failed: {(causes or log or ['no output'])[-1]}")
    return proc


@functools.cache
def gradebook_schema_version() -> str:
    """The newest revision of nbgrader's gradebook schema (what ``alembic heads`` prints), read in-process."""
    from alembic.script import ScriptDirectory

    _nbgrader()
    from nbgrader.dbutil import ALEMBIC_DIR

    return str(ScriptDirectory(ALEMBIC_DIR).get_current_head())


def course_api(course: Path, release_directory: str | None = None) -> Any:
    """nbgrader's own API (what its commands and formgrader run) on ``course``, in this process
    (``release_directory``: where ``generate_assignment`` writes, instead of ``release/``)."""
    from traitlets.config.loader import PyFileConfigLoader

    _nbgrader()
    import nbgrader.api
    from nbgrader.apps.api import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    # nbgrader starts an `alembic heads` process (about 2 s) each time it opens a gradebook, to
    # learn its schema version; read the same answer from nbgrader's migration scripts, once.
    nbgrader.api.get_alembic_version = gradebook_schema_version
    os.environ["PATH"] = _path_with_this_environment()
    config = PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config()
    config.NbGraderAPI.log_level = "ERROR"
    # Talk to the kernel over Unix sockets in the course folder: no TCP port, no warning about one.
    config.KernelManager.transport = "ipc"
    config.KernelManager.ip = str(course / "kernel")  # socket path prefix: kernel-1, kernel-2 …
    config.CourseDirectory.root = str(course)  # the course's nbgrader_config.py leaves it to the working folder
    if release_directory is not None:
        config.CourseDirectory.release_directory = release_directory
    return NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)


def generate_assignment(root: Path, week: str, scratch: Path, api: Callable[[], Any] | None = None) -> None:
    """``nbgrader generate_assignment week`` in ``scratch`` (a course of that one week, made by
    :func:`aieprep.course.scratch_course` from ``root``), or a copy of its result (the gradebook and the
    release) for this exact source, course settings and nbgrader: it runs once per change of the source.
    ``api`` gives nbgrader's API on ``scratch`` (default: :func:`course_api`)."""
    from . import __version__

    digest = hashlib.sha256()
    for file in sorted((root / "source" / week).rglob("*")) + [root / "nbgrader_config.py"]:
        if file.is_file() and ".ipynb_checkpoints" not in file.parts:
            digest.update(str(file.relative_to(root)).encode() + b"\0" + file.read_bytes())
    digest.update(f"{version()}{__version__}".encode())
    cache = _cache_dir() / f"{week}-{digest.hexdigest()[:16]}"
    if (cache / "gradebook.db").is_file():
        shutil.copyfile(cache / "gradebook.db", scratch / "gradebook.db")
        shutil.copytree(cache / "release", scratch / "release")
        return
    raise_for((api or (lambda: course_api(scratch)))().generate_assignment(week), "generate_assignment")
    staging = Path(tempfile.mkdtemp(prefix=f"{week}-", dir=_cache_dir()))
    shutil.copyfile(scratch / "gradebook.db", staging / "gradebook.db")
    shutil.copytree(scratch / "release", staging / "release")
    try:
        staging.rename(cache)  # atomic: a concurrent run either sees all of it or none
    except OSError:
        shutil.rmtree(staging)


def register_assignment(root: Path, week: str) -> None:
    """Put ``week`` (its notebook and grade cells) in the course gradebook from ``source/``, as ``nbgrader
    generate_assignment`` does, generating into a throwaway folder: nbgrader would skip a week whose
    ``release/`` exists (it is committed), and that copy is left as it is. CourseError if it is not what
    ``source/`` generates (then grades would not match the learners' notebooks: run ``make release``)."""
    with tempfile.TemporaryDirectory(prefix="aieprep-register-") as tmp:
        raise_for(course_api(root, release_directory=tmp).generate_assignment(week), "generate_assignment")

        def files(folder: Path) -> dict[str, bytes]:
            return {str(f.relative_to(folder)): f.read_bytes() for f in sorted(folder.rglob("*")) if f.is_file()}

        if files(Path(tmp) / week) != files(root / "release" / week):
            raise CourseError(f"release/{week} is not what source/{week} generates: run `make release`")


def _cache_dir() -> Path:
    """Where generated assignments are kept: ``$XDG_CACHE_HOME/aieprep/check`` (``~/.cache`` by default)."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    folder = base / "aieprep" / "check"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


KNOWN_FAILURES = {
    "DeadKernelError": "the notebook ended its own Python kernel (os._exit, a crash, or too much memory); "
                       "find the cell that does it, then Kernel > Restart Kernel and Run All Cells",
}


def raise_for(result: dict[str, Any], step: str) -> None:
    """Raise CourseError naming the cause when one of nbgrader's API steps failed."""
    if result.get("success"):
        return
    text = f"{result.get('log') or ''}\n{result.get('error') or ''}"
    causes = [m[1] for m in re.finditer(r"^\s*(?:[\w.]+\.)?(\w+(?:Error|Exception): .*)$", text, re.M)
              if not m[1].startswith("NbGraderException")]
    cause = causes[-1] if causes else "no cause given"
    known = next((message for name, message in KNOWN_FAILURES.items() if cause.startswith(name)), None)
    raise CourseError(known or f"nbgrader {step} failed: {cause}")


# --- the gradebook ---------------------------------------------------------------------------------------------


@contextmanager
def gradebook(settings: CourseSettings) -> Iterator[Any]:
    """nbgrader's ``Gradebook`` on the course's database (its SQLAlchemy notes silenced)."""
    _nbgrader()
    from nbgrader.api import Gradebook

    os.environ["PATH"] = _path_with_this_environment()  # a new gradebook runs `alembic stamp` by name
    warnings.filterwarnings("ignore", module="nbgrader.api")
    with Gradebook(settings.db_url, settings.course_id) as gb:
        yield gb


def has_assignment(settings: CourseSettings, week: str) -> bool:
    """Whether ``week`` is in the gradebook (``nbgrader generate_assignment`` puts it there)."""
    from nbgrader.api import MissingEntry

    with gradebook(settings) as gb:
        try:
            gb.find_assignment(week)
        except MissingEntry:
            return False
    return True


def record_grades(nb: nbformat.NotebookNode, student: str, week: str, folder: Path, settings: CourseSettings) -> None:
    """Save an executed notebook's grades with nbgrader's preprocessors, as its autograde would."""
    _nbgrader()
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.preprocessors import AssignLatePenalties, IgnorePattern, LimitOutput, SaveAutoGrades

    timestamp = CourseDirectory(config=settings.config, root=str(settings.root)).get_existing_timestamp(str(folder))
    with gradebook(settings) as gb:
        gb.update_or_create_student(student)
        if timestamp:
            gb.update_or_create_submission(week, student, timestamp=timestamp)
        else:
            gb.update_or_create_submission(week, student)
    resources = {"nbgrader": {"db_url": settings.db_url, "assignment": week, "notebook": week, "student": student}}
    for preprocessor in (IgnorePattern, LimitOutput, SaveAutoGrades, AssignLatePenalties):
        nb, resources = preprocessor(config=settings.config).preprocess(nb, resources)


def preload_recording() -> None:
    """Import what :func:`record_grades` needs (nbgrader's preprocessors, about a second), e.g. while kernels run."""
    _nbgrader()
    import nbgrader.preprocessors  # noqa: F401


def submission_totals(settings: CourseSettings, week: str, student: str, by_hand: Collection[str]) -> Totals:
    """A submission's :class:`Totals` from the gradebook; ``by_hand`` names the grade cells graded by hand."""
    with gradebook(settings) as gb:
        return grade_totals([g for nb in gb.find_submission(week, student).notebooks for g in nb.grades], by_hand)


def grade_totals(grades: Iterable[Any], by_hand: Collection[str]) -> Totals:
    """:class:`Totals` of nbgrader ``Grade`` rows: those named in ``by_hand`` are graded by hand (their points are
    None while any still needs a grade), the rest autograded."""
    auto = auto_max = hand = hand_max = 0.0
    pending = False
    for grade in grades:
        if grade.name in by_hand:
            hand += float(grade.score or 0.0)
            hand_max += float(grade.max_score)
            pending = pending or bool(grade.needs_manual_grade)
        else:
            auto += float(grade.score or 0.0)
            auto_max += float(grade.max_score)
    return Totals(auto, auto_max, None if pending else hand, hand_max)


def cell_scores(settings: CourseSettings, week: str, notebook: str, student: str) -> dict[str, float | None] | None:
    """Each grade cell's score in a submitted notebook (None for an answer still to be graded by hand), or None
    when the gradebook has no such submission."""
    from nbgrader.api import MissingEntry

    with gradebook(settings) as gb:
        try:
            submitted = gb.find_submission_notebook(notebook, week, student)
        except MissingEntry:
            return None
        return {grade.name: None if grade.needs_manual_grade else float(grade.score or 0.0)
                for grade in submitted.grades}


def submitted_students(settings: CourseSettings, week: str) -> list[str]:
    """Everyone with a submission of ``week`` in the gradebook."""
    with gradebook(settings) as gb:
        return [s.student.id for s in gb.find_assignment(week).submissions]


if __name__ == "__main__":
    _nbgrader()
    from nbgrader.apps.nbgraderapp import main

    sys.argv = ["nbgrader", *sys.argv[1:]]
    main()
