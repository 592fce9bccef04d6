"""``aieprep check``: grade a copy of a learner's notebook with the hidden tests, exactly as the cohort is graded.

The check runs :func:`aieprep.grading.grade_week` on a one-learner scratch course: the same rebuild, the same
judge and the same recording with nbgrader's preprocessors, so a test cell passes here exactly when it
passes on grading day. Its kernel runs without the sandbox by default (``--sandbox`` to use it).
"""

from __future__ import annotations

import functools
import shutil
import sys
import time
import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from .course import CourseError, course_root, master_notebook, scratch_course, weeks
from .nbgrader_bridge import (KNOWN_FAILURES, cell_scores, course_api, generate_assignment, is_as_released,
                              load_course_config, raise_for)
from .notebook import CellKind, cell_kind, error_message, grade_cells, grade_ids, metadata, read_notebook
from .totals import Totals, exercise_mark, points

__all__ = ["CheckResult", "QuestionScore", "check_notebook", "format_report", "identify_week", "record"]

STUDENT = "learner"


@dataclass
class QuestionScore:
    """Points of one exercise (its test cells added up), or of one hand-graded answer."""

    question: str
    score: float | None  # None: an answer waiting for its grade by hand
    max_score: float
    kind: CellKind  # TEST (autograded) or MANUAL
    failures: list[str] = field(default_factory=list)  # "test-id: first line of its error"
    started: bool = True  # False while its answer cell is as released


@dataclass
class CheckResult:
    week: str
    questions: list[QuestionScore]
    feedback: Path | None  # the HTML feedback page, when one was asked for
    notes: list[str] = field(default_factory=list)  # what grading reported (cells added, limits hit)

    @property
    def score(self) -> float:
        return sum(q.score or 0.0 for q in self.questions if q.kind is CellKind.TEST)

    @property
    def max_score(self) -> float:
        return sum(q.max_score for q in self.questions if q.kind is CellKind.TEST)

    @property
    def totals(self) -> Totals:
        """The score as every report writes it. A blank reflection scores 0 by hand, as nbgrader gives it; an
        answered one waits for a grade (shown as –)."""
        by_hand = [q for q in self.questions if q.kind is CellKind.MANUAL]
        pending = any(q.score is None for q in by_hand)
        return Totals(self.score, self.max_score, None if pending else sum(q.score or 0.0 for q in by_hand),
                      sum(q.max_score for q in by_hand))


def identify_week(root: Path, nb: nbformat.NotebookNode, week: str | None = None) -> str:
    """The week a learner notebook belongs to, told by its graded cells; ``week`` is checked if given."""
    learner_ids = set(grade_ids(nb))
    overlap = {w: len(learner_ids & set(grade_ids(read_notebook(master_notebook(root, w))))) for w in weeks(root)}
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
    learner_ids = grade_ids(nb)
    duplicated = sorted(i for i, n in Counter(learner_ids).items() if n > 1)
    if duplicated:
        raise CourseError(f"cells appear twice: {', '.join(duplicated)}; delete the copies (keep one of each)")
    missing = [i for i in grade_ids(master) if i not in set(learner_ids)]
    if missing:
        raise CourseError(
            f"{len(missing)} graded cell(s) deleted or changed into ordinary cells: {', '.join(missing)}; "
            f"copy them back from release/{week}/{week}.ipynb"
        )


def check_notebook(path: Path, week: str | None = None, feedback: Path | None = None,
                   sandbox: bool = False, html: bool = True,
                   scored: Callable[[CheckResult], None] | None = None,
                   progress: Callable[[int, int, int, int], None] | None = None) -> CheckResult:
    """Grade a copy of the notebook at ``path`` with the hidden tests, as ``aieprep grade`` does; the
    learner's file is only read. ``scored(result)`` is called as soon as the scores are known, before the
    feedback page is written to ``feedback`` (default: beside the notebook; none unless ``html``);
    ``progress(cells run, code cells, tests run, tests)`` before each code cell runs."""
    path = path.resolve()
    root = course_root(path.parent)
    nb = read_notebook(path)
    week = identify_week(root, nb, week)
    master_path = master_notebook(root, week)
    master = read_notebook(master_path)
    _check_cells(nb, master, week)
    feedback = (feedback or path.with_name(f"{path.stem}.feedback.html")).resolve() if html else None

    with scratch_course(root, [week]) as scratch:
        # nbgrader's API loads most of nbconvert (a second or two): only when needed, after the scores. (Not
        # in a thread beside the grading: two threads importing traitlets at once can meet a half-imported
        # module, an ImportError seen in a fresh environment.)
        api = functools.cache(lambda: course_api(scratch))
        generate_assignment(root, week, scratch, api)
        submission = scratch / "submitted" / STUDENT / week
        submission.mkdir(parents=True)
        shutil.copyfile(path, submission / master_path.name)
        from .grading.outcome import Status
        from .grading.pipeline import grade_week

        with warnings.catch_warnings():  # nbgrader's own SQLAlchemy warnings are not the learner's business
            warnings.simplefilter("ignore")
            (outcome,) = grade_week(scratch, week, jobs=1, isolate=sandbox, students=[STUDENT], force=True,
                                    cells=progress)
            if outcome.status is not Status.GRADED:
                raise CourseError("; ".join(outcome.problems) or "the notebook could not be graded")
            died = [p for p in outcome.problems if p.startswith("the kernel stopped")]
            if died:
                raise CourseError(KNOWN_FAILURES["DeadKernelError"])
            graded = read_notebook(scratch / "autograded" / STUDENT / week / master_path.name)
            scores = cell_scores(load_course_config(scratch), week, master_path.stem, STUDENT) or {}
            result = _result(week, master, graded, scores, outcome.problems)
            if scored is not None:
                scored(result)
            if feedback is not None:
                raise_for(api().generate_feedback(week, STUDENT), "generate_feedback")
                feedback.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(scratch / "feedback" / STUDENT / week / f"{master_path.stem}.html", feedback)
                result.feedback = feedback
    return result


def _result(week: str, master: nbformat.NotebookNode, graded: nbformat.NotebookNode,
            scores: dict[str, float | None],
            notes: list[str]) -> CheckResult:
    """Per question: the points scored, and each failed test with the first line of its error."""
    errors, untouched = {}, set()
    for cell in graded.cells:
        grade_id = metadata(cell).get("grade_id")
        if grade_id:
            errors[grade_id] = error_message(cell)[:200]
            if cell_kind(cell) is CellKind.ANSWER and is_as_released(cell):
                untouched.add(grade_id)
    questions: dict[str, QuestionScore] = {}
    for cell in grade_cells(master):
        score = scores.get(cell.grade_id, 0.0)
        q = questions.setdefault(cell.question, QuestionScore(cell.question, 0.0, 0.0, cell.kind,
                                                              started=cell.question not in untouched))
        q.score = None if score is None or q.score is None else q.score + score
        q.max_score += cell.points
        if cell.kind is CellKind.TEST and (score or 0.0) < cell.points:
            q.failures.append(f"{cell.grade_id}: {errors.get(cell.grade_id) or 'failed'}")
    return CheckResult(week, list(questions.values()), None, notes)


def format_report(result: CheckResult) -> str:
    """What ``aieprep check`` prints: one line per exercise (✓ full marks, ✗ points lost, with the first
    failing test, · not started), the totals, then every failing test of the exercises started."""
    tests = [q for q in result.questions if q.kind is CellKind.TEST]
    width = max([len(q.question) for q in tests] + [8])
    lines = [f"{result.week}: self-check with the hidden tests", ""]
    failing = []  # the failures of exercises started
    for q in tests:
        mark, state = exercise_mark(q.score or 0.0, q.max_score, q.started)
        note = {"full": "", "not started": state}.get(state, q.failures[0] if q.failures else "")
        failing += [] if state == "not started" else q.failures
        line = f"{mark} {q.question.ljust(width)}  {points(q.score or 0.0):>4} / {points(q.max_score):<3}  {note}"
        lines.append(line.rstrip())
    lines += ["", str(result.totals)]
    manual = [q for q in result.questions if q.kind is CellKind.MANUAL]
    if manual:
        plural = "s" if len(manual) > 1 else ""
        lines.append(f"(by hand: {len(manual)} reflection{plural}, graded by you or your instructor)")
    if failing:
        lines += ["", "failing tests of the exercises started:"] + [f"  {f}" for f in failing]
    if result.notes:
        lines += ["", "notes:"] + [f"  {n}" for n in result.notes]
    if result.feedback is not None:
        lines += ["", f"feedback: {result.feedback}"]
    return "\n".join(lines)


def record(result: CheckResult, now: float | None = None) -> None:
    """Keep the check's score in the practice store (:mod:`aieprep.runtime.practice`; the progress view shows the
    latest per week), unless grading. A failure here never fails the check: it is one warning line on stderr."""
    from .runtime.practice.store import Check, grading, open_store

    if grading():
        return
    at = time.time() if now is None else now
    try:
        with open_store() as store:
            store.add_check(Check(result.week, at, result.score, result.max_score))
    except Exception as error:  # the check itself succeeded: say what was not kept, and go on
        print(f"aieprep check: warning: score not saved to the practice store ({type(error).__name__}: {error})",
              file=sys.stderr)

