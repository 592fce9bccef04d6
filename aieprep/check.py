"""``aieprep check``: grade a copy of a learner's notebook with the hidden tests, exactly as the cohort is graded.

The check runs :func:`aieprep.grade.grade_week` on a one-learner scratch course: the same rebuild, the same
judge and the same recording with nbgrader's preprocessors, so a test cell passes here exactly when it
passes on grading day. Its kernel runs without the sandbox by default (``--sandbox`` to use it).
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import shutil
import sys
import tempfile
import warnings
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat

from . import __version__
from .course import CourseError, course_root, grade_cells, master_notebook, read_notebook, scratch_course, weeks

__all__ = ["CheckResult", "QuestionScore", "check_notebook", "check_this_notebook", "format_report", "identify_week",
           "history_file", "record"]

STUDENT = "learner"


@dataclass
class QuestionScore:
    """Points of one exercise (its test cells added up), or of one hand-graded answer."""

    question: str
    score: float
    max_score: float
    kind: str  # "auto" or "manual"
    failures: list[str] = field(default_factory=list)  # "test-id: first line of its error"


@dataclass
class CheckResult:
    week: str
    questions: list[QuestionScore]
    feedback: Path
    notes: list[str] = field(default_factory=list)  # what grading reported (cells added, limits hit)

    @property
    def score(self) -> float:
        return sum(q.score for q in self.questions if q.kind == "auto")

    @property
    def max_score(self) -> float:
        return sum(q.max_score for q in self.questions if q.kind == "auto")


def _nbgrader_ids(nb: nbformat.NotebookNode) -> list[str]:
    ids = []
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("grade_id") and (meta.get("grade") or meta.get("solution") or meta.get("locked")):
            ids.append(meta["grade_id"])
    return ids


def identify_week(root: Path, nb: nbformat.NotebookNode, week: str | None = None) -> str:
    """The week a learner notebook belongs to, told by its graded cells; ``week`` is checked if given."""
    learner_ids = set(_nbgrader_ids(nb))
    overlap = {w: len(learner_ids & set(_nbgrader_ids(nbformat.read(master_notebook(root, w), 4)))) for w in weeks(root)}
    best = max(overlap, key=lambda w: overlap[w], default=None)
    if best is None or overlap[best] == 0:
        raise CourseError("this notebook has no graded cells of any course week; open one from release/ or work/")
    if week is not None:
        master_notebook(root, week)  # raises for an unknown week
        if overlap[week] < overlap[best]:
            raise CourseError(f"this notebook belongs to {best}, not {week}")
        return week
    return best


def _check_cells(nb: nbformat.NotebookNode, master: nbformat.NotebookNode, week: str) -> None:
    learner_ids = _nbgrader_ids(nb)
    duplicated = sorted(i for i, n in Counter(learner_ids).items() if n > 1)
    if duplicated:
        raise CourseError(f"cells appear twice: {', '.join(duplicated)}; delete the copies (keep one of each)")
    missing = [i for i in _nbgrader_ids(master) if i not in set(learner_ids)]
    if missing:
        raise CourseError(
            f"{len(missing)} graded cell(s) deleted or changed into ordinary cells: {', '.join(missing)}; "
            f"copy them back from release/{week}/{week}.ipynb"
        )


def _first_error_line(cell: nbformat.NotebookNode) -> str:
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            text = f"{output.get('ename', 'Error')}: {output.get('evalue', '')}".strip()
            return " ".join(text.split())[:200]
        if output.get("output_type") == "stream" and output.get("name") == "stderr":
            return "wrote to stderr: " + " ".join(output.get("text", "").split())[:180]
    return ""


def check_notebook(path: Path, week: str | None = None, feedback: Path | None = None,
                   sandbox: bool = False) -> CheckResult:
    """Grade a copy of the notebook at ``path`` with the hidden tests, as ``aieprep grade`` does; the
    learner's file is only read."""
    path = path.resolve()
    root = course_root(path.parent)
    nb = read_notebook(path)
    week = identify_week(root, nb, week)
    master_path = master_notebook(root, week)
    _check_cells(nb, nbformat.read(master_path, as_version=4), week)
    feedback = (feedback or path.with_name(f"{path.stem}.feedback.html")).resolve()

    with scratch_course(root, [week]) as scratch:
        api = _nbgrader_api(scratch)
        _generate_assignment(api, root, week, scratch)
        submission = scratch / "submitted" / STUDENT / week
        submission.mkdir(parents=True)
        shutil.copyfile(path, submission / master_path.name)
        from .grade import grade_week

        with warnings.catch_warnings():  # nbgrader's own SQLAlchemy warnings are not the learner's business
            warnings.simplefilter("ignore")
            (outcome,) = grade_week(scratch, week, jobs=1, isolate=sandbox, students=[STUDENT], force=True)
            if outcome.status != "graded":
                raise CourseError("; ".join(outcome.problems) or "the notebook could not be graded")
            died = [p for p in outcome.problems if p.startswith("the kernel stopped")]
            if died:
                raise CourseError(KNOWN_FAILURES["DeadKernelError"])
            _run(api.generate_feedback(week, STUDENT), "generate_feedback")
        graded = nbformat.read(scratch / "autograded" / STUDENT / week / master_path.name, as_version=4)
        scores = _scores_from_gradebook(scratch, week, master_path.stem)
        feedback.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(scratch / "feedback" / STUDENT / week / f"{master_path.stem}.html", feedback)

    errors = {}
    for cell in graded.cells:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if grade_id:
            errors[grade_id] = _first_error_line(cell)
    questions: dict[str, QuestionScore] = {}
    for cell in grade_cells(nbformat.read(master_path, as_version=4)):
        score = scores.get(cell.grade_id, 0.0)
        q = questions.setdefault(cell.question, QuestionScore(cell.question, 0.0, 0.0, cell.kind))
        q.score += score
        q.max_score += cell.points
        if cell.kind == "auto" and score < cell.points:
            q.failures.append(f"{cell.grade_id}: {errors.get(cell.grade_id) or 'failed'}")
    return CheckResult(week, list(questions.values()), feedback, outcome.problems)


def _nbgrader_api(scratch: Path) -> Any:
    """nbgrader's own API (what its commands and formgrader run) on the scratch course, in this process."""
    import nbgrader.api
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config.loader import PyFileConfigLoader

    # nbgrader starts an `alembic heads` process (about 2 s) each time it opens a gradebook, to
    # learn its schema version; read the same answer from nbgrader's migration scripts, once.
    nbgrader.api.get_alembic_version = gradebook_schema_version
    os.environ["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    config = PyFileConfigLoader("nbgrader_config.py", path=str(scratch)).load_config()
    config.NbGraderAPI.log_level = "ERROR"
    # Talk to the kernel over Unix sockets in the scratch folder: no TCP port, no warning about one.
    config.KernelManager.transport = "ipc"
    config.KernelManager.ip = str(scratch / "kernel")  # socket path prefix: kernel-1, kernel-2 …
    return NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)


@functools.cache
def gradebook_schema_version() -> str:
    """The newest revision of nbgrader's gradebook schema (what `alembic heads` prints), read in-process."""
    from alembic.script import ScriptDirectory
    from nbgrader.dbutil import ALEMBIC_DIR

    return str(ScriptDirectory(ALEMBIC_DIR).get_current_head())


KNOWN_FAILURES = {
    "DeadKernelError": "the notebook ended its own Python kernel (os._exit, a crash, or too much memory); "
                       "find the cell that does it, then Kernel > Restart Kernel and Run All Cells",
}


def _run(result: dict[str, Any], step: str) -> None:
    """Raise CourseError naming the cause when one of nbgrader's steps failed."""
    if result.get("success"):
        return
    text = f"{result.get('log') or ''}\n{result.get('error') or ''}"
    causes = [m[1] for m in re.finditer(r"^\s*(?:[\w.]+\.)?(\w+(?:Error|Exception): .*)$", text, re.M)
              if not m[1].startswith("NbGraderException")]
    cause = causes[-1] if causes else "no cause given"
    known = next((message for name, message in KNOWN_FAILURES.items() if cause.startswith(name)), None)
    raise CourseError(known or f"nbgrader {step} failed: {cause}")


def _generate_assignment(api: Any, root: Path, week: str, scratch: Path) -> None:
    """nbgrader generate_assignment, or its cached result (gradebook and release) for this exact source."""
    digest = hashlib.sha256()
    for file in sorted((root / "source" / week).rglob("*")) + [root / "nbgrader_config.py"]:
        if file.is_file() and ".ipynb_checkpoints" not in file.parts:
            digest.update(str(file.relative_to(root)).encode() + b"\0" + file.read_bytes())
    digest.update(f"{api.coursedir.__class__.__module__}{_nbgrader_version()}{__version__}".encode())
    cache = _cache_dir() / f"{week}-{digest.hexdigest()[:16]}"
    if (cache / "gradebook.db").is_file():
        shutil.copyfile(cache / "gradebook.db", scratch / "gradebook.db")
        shutil.copytree(cache / "release", scratch / "release")
        return
    _run(api.generate_assignment(week), "generate_assignment")
    staging = Path(tempfile.mkdtemp(prefix=f"{week}-", dir=_cache_dir()))
    shutil.copyfile(scratch / "gradebook.db", staging / "gradebook.db")
    shutil.copytree(scratch / "release", staging / "release")
    try:
        staging.rename(cache)  # atomic: a concurrent check either sees all of it or none
    except OSError:
        shutil.rmtree(staging)


def _cache_dir() -> Path:
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    folder = base / "aieprep" / "check"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _nbgrader_version() -> str:
    import nbgrader

    return str(nbgrader.__version__)


def _scores_from_gradebook(scratch: Path, week: str, notebook: str) -> dict[str, float]:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{scratch / 'gradebook.db'}") as gb:
        submitted = gb.find_submission_notebook(notebook, week, STUDENT)
        return {grade.name: float(grade.score or 0.0) for grade in submitted.grades}


def format_report(result: CheckResult) -> str:
    """The per-question table, failures and total, as printed by ``aieprep check``."""
    width = max([len(q.question) for q in result.questions] + [8])
    lines = [f"{result.week}: self-check with the hidden tests", ""]
    lines.append(f"{'question'.ljust(width)}  {'score':>11}")
    for q in result.questions:
        if q.kind == "auto":
            mark = "ok" if q.score == q.max_score else "  "
            lines.append(f"{q.question.ljust(width)}  {q.score:>5g} / {q.max_score:<3g} {mark}")
    manual = [q for q in result.questions if q.kind == "manual"]
    lines.append("-" * (width + 16))
    lines.append(f"{'total'.ljust(width)}  {result.score:>5g} / {result.max_score:<3g}")
    if manual:
        lines.append(
            f"(+ {sum(q.max_score for q in manual):g} points of reflection answers, graded by hand: "
            f"{', '.join(q.question for q in manual)})"
        )
    failures = [f for q in result.questions for f in q.failures]
    if failures:
        lines += ["", "failed tests:"] + [f"  {f}" for f in failures]
    if result.notes:
        lines += ["", "notes:"] + [f"  {n}" for n in result.notes]
    lines += ["", f"feedback: {result.feedback}"]
    return "\n".join(lines)


def history_file() -> Path:
    """Where every self-check's score is recorded, one JSON line each: ``$AIEPREP_DATA_DIR/checks.jsonl``
    (default ``~/.local/share/aieprep``). The progress view reads it; the grader never does."""
    base = os.environ.get("AIEPREP_DATA_DIR") or Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "aieprep"
    return Path(base) / "checks.jsonl"


def record(result: CheckResult, now: float | None = None) -> None:
    """Append the check's score to :func:`history_file` (one line, written at once: a crash never leaves
    half a record behind the earlier ones)."""
    import json
    import time

    path = history_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps({"week": result.week, "score": result.score, "max_score": result.max_score,
                       "time": time.time() if now is None else now,
                       "questions": {q.question: [q.score, q.max_score] for q in result.questions if q.kind == "auto"}})
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, (line + "\n").encode())
    finally:
        os.close(fd)


def check_this_notebook() -> CheckResult:
    """The self-check, from inside a notebook: grade the notebook this kernel belongs to (as saved: save
    first), print the table and link the feedback page. ``from aieprep.check import check_this_notebook``."""
    session = os.environ.get("JPY_SESSION_NAME", "")
    path = Path(session)
    if not session or path.suffix != ".ipynb":
        raise CourseError("this kernel does not know its notebook (JupyterLab tells it in JPY_SESSION_NAME): "
                          "run `aieprep check NOTEBOOK` in a terminal instead")
    if not path.is_absolute():
        path = (Path.cwd() / path.name) if (Path.cwd() / path.name).is_file() else course_root() / path
    result = check_notebook(path)
    record(result)
    print(format_report(result))
    try:
        from IPython.display import HTML, display

        relative = os.path.relpath(result.feedback, Path.cwd())
        display(HTML(f'<a href="{relative}" target="_blank">Open the feedback page</a>'))
    except ImportError:
        pass
    return result
