"""One meaning of pass, on the real weeks.

For each week a cohort is graded by ``aieprep grade`` (sandboxed when bubblewrap is here, as in CI): the
release as handed out ("blank"), the master ("master"), and "wrong-K" submissions, the master with the K-th
wrong answer of ``tests/wrong_answers/<week>.py`` in every answer cell that has one (so each wrong answer is
graded once, beside right answers everywhere else). Then:

- the blank scores zero on every test cell, the master full marks, nothing flagged;
- every wrong answer loses points in its own exercise, and a wrong-K submission loses none elsewhere
  (but in exercises whose answers or tests use a wrong one's functions);
- ``aieprep check`` (no sandbox, as a learner runs it) fails exactly the test cells the grader failed, on
  the blank and wrong-1 (a wrong answer in every exercise); that it passes every cell of the answer key is
  tests/test_check.py's. Checking every wrong-K as well would double this file's time for no new code
  path: the check is the grader's run.
"""

from __future__ import annotations

import ast
import importlib
import os
import re
import shutil
from contextlib import ExitStack
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest

from aieprep.check import check_notebook
from aieprep.course import scratch_course
from aieprep.grading.outcome import Status
from aieprep.grading.pipeline import grade_week
from aieprep.grading.sandbox import sandbox_available
from aieprep.nbgrader_bridge import cell_scores, generate_assignment, load_course_config
from aieprep.notebook import CellKind, cell_kind, grade_cells, metadata, read_notebook

from .conftest import ROOT, WEEKS


def wrong_answers(week: str) -> dict[str, list[str]]:
    try:
        return dict(importlib.import_module(f"tests.wrong_answers.{week}").WRONG_ANSWERS)
    except ModuleNotFoundError:
        return {}


def master(week: str) -> nbformat.NotebookNode:
    return read_notebook(ROOT / "source" / week / f"{week}.ipynb")


def packed(week: str) -> int:
    """How many wrong-K submissions the week needs (the most wrong answers of any one exercise)."""
    return max((len(a) for a in wrong_answers(week).values()), default=0)


def users(week: str) -> dict[str, set[str]]:
    """For each exercise, the exercises whose master answer or test cells use what it defines (directly or
    through others): a wrong answer there may rightly cost points in those too."""
    nb = master(week)
    defined = {metadata(c)["grade_id"]: {n.name for n in ast.parse(c.source).body
                                         if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}
               for c in nb.cells if cell_kind(c) is CellKind.ANSWER}
    code = {g: "\n".join(c.source for c in nb.cells if metadata(c).get("grade_id") == g
                         or metadata(c).get("grade_id", "").startswith(f"test-{g}-")) for g in defined}
    direct = {a: {b for b in defined if b != a and any(re.search(rf"\b{n}\b", code[b]) for n in defined[a])}
              for a in defined}
    closure = {a: set(direct[a]) for a in defined}
    for _ in defined:
        for a in defined:
            closure[a] |= {c for b in closure[a] for c in direct[b]}
    return closure


def submission(week: str, k: int) -> nbformat.NotebookNode:
    """The master with the k-th wrong answer (1-based) in every answer cell that has that many."""
    nb = master(week)
    for cell in nb.cells:
        answers = wrong_answers(week).get(metadata(cell).get("grade_id", ""), [])
        if cell_kind(cell) is CellKind.ANSWER and len(answers) >= k:
            cell.source = answers[k - 1]
    return nb


class Cohort:
    """A graded week: per student, the test cells the grader failed and those the check failed."""

    def __init__(self, week: str, course: Path) -> None:
        self.week, self.course = week, course
        self.points = {g.grade_id: g.points for g in grade_cells(master(week)) if g.kind is CellKind.TEST}
        self.grader_failed: dict[str, set[str]] = {}
        self.check_failed: dict[str, set[str]] = {}
        self.outcomes: dict[str, Any] = {}


_cohorts: dict[str, Cohort] = {}


@pytest.fixture(scope="module")
def cohorts() -> Iterator[Any]:
    with ExitStack() as stack:
        def get(week: str) -> Cohort:
            if week not in _cohorts:
                _cohorts[week] = grade_cohort(week, stack.enter_context(scratch_course(ROOT, [week])))
            return _cohorts[week]

        yield get
        _cohorts.clear()


def grade_cohort(week: str, course: Path) -> Cohort:
    cohort = Cohort(week, course)
    generate_assignment(ROOT, week, course)  # cached: nbgrader runs once per change of the source
    notebooks = {"blank": read_notebook(course / "release" / week / f"{week}.ipynb"), "master": master(week)}
    notebooks |= {f"wrong-{k}": submission(week, k) for k in range(1, packed(week) + 1)}
    for student, nb in notebooks.items():
        folder = course / "submitted" / student / week
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / f"{week}.ipynb")
    for outcome in grade_week(course, week, jobs=JOBS, isolate=sandbox_available() is None):
        cohort.outcomes[outcome.student] = outcome
    settings = load_course_config(course)
    for student in notebooks:
        scores = cell_scores(settings, week, week, student) or {}
        cohort.grader_failed[student] = {g for g, top in cohort.points.items() if scores.get(g, 0.0) < top}
        if student not in CHECKED:
            continue
        copy = course / "learners" / student / f"{week}.ipynb"
        copy.parent.mkdir(parents=True)
        shutil.copyfile(course / "submitted" / student / week / f"{week}.ipynb", copy)
        result = check_notebook(copy, week=week, html=False)
        cohort.check_failed[student] = {f.split(":")[0] for q in result.questions for f in q.failures}
    return cohort


CHECKED = ["blank", "wrong-1"]
# Two kernels per core left to each pytest-xdist worker (make test runs one worker per core): grading waits
# on round trips between kernel and judge more than it computes. Four Week 2 submissions one at a time:
# 80 s, 0.37 cores busy; two at a time: 36 s.
JOBS = max(1, 2 * (os.cpu_count() or 1) // int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1")))
CASES = [(w, g, i) for w in WEEKS for g, answers in wrong_answers(w).items() for i in range(len(answers))]
STUDENTS = [(w, s) for w in WEEKS for s in ["blank", "master", *(f"wrong-{k}" for k in range(1, packed(w) + 1))]]


@pytest.mark.parametrize("week", WEEKS)
def test_every_answer_cell_has_wrong_answers(week: str) -> None:
    answers = {metadata(c)["grade_id"] for c in master(week).cells if cell_kind(c) is CellKind.ANSWER}
    assert sorted(answers - set(wrong_answers(week))) == []


@pytest.mark.parametrize("week", WEEKS)
def test_the_release_scores_zero_and_the_master_full_marks(cohorts: Any, week: str) -> None:
    cohort = cohorts(week)
    assert cohort.grader_failed["blank"] == set(cohort.points)
    assert cohort.grader_failed["master"] == set()
    assert not [o for o in cohort.outcomes.values() if o.status is not Status.GRADED or o.tampered]


@pytest.mark.parametrize(("week", "grade_id", "index"), CASES, ids=[f"{w}-{g}-{i}" for w, g, i in CASES])
def test_wrong_answer_loses_points(cohorts: Any, week: str, grade_id: str, index: int) -> None:
    failed = cohorts(week).grader_failed[f"wrong-{index + 1}"]
    assert {g for g in failed if g.startswith(f"test-{grade_id}-")}, \
        f"no test of {grade_id} catches this wrong answer:\n{wrong_answers(week)[grade_id][index]}"


@pytest.mark.parametrize(("week", "student"), [c for c in STUDENTS if c[1].startswith("wrong")],
                         ids=[f"{w}-{s}" for w, s in STUDENTS if s.startswith("wrong")])
def test_wrong_answers_cost_points_only_in_their_own_exercises(cohorts: Any, week: str, student: str) -> None:
    k = int(student.split("-")[1])
    wrong = {g for g, answers in wrong_answers(week).items() if len(answers) >= k}
    wrong |= {user for g in wrong for user in users(week)[g]}
    elsewhere = {g for g in cohorts(week).grader_failed[student] if g.split("-")[1] not in wrong}
    assert elsewhere == set(), "a wrong answer in one exercise failed another's tests (a crash? shared state?)"


@pytest.mark.parametrize(("week", "student"), [(w, s) for w in WEEKS for s in CHECKED],
                         ids=[f"{w}-{s}" for w in WEEKS for s in CHECKED])
def test_the_check_fails_exactly_the_cells_the_grader_fails(cohorts: Any, week: str, student: str) -> None:
    cohort = cohorts(week)
    assert cohort.check_failed[student] == cohort.grader_failed[student]
