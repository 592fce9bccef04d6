"""What a learner reps: the three core patterns, then every autograded exercise of the course by its grade id.

Exercises are found in the course's master notebooks (``source/<week>/<week>.ipynb``) from their nbgrader
metadata: an answer cell (solution, not graded) whose grade id has test cells ``test-<id>-<aspect>``. The
notebooks are read as plain JSON here (kernel code never loads the tooling's :mod:`aieprep.notebook`).
"""

from __future__ import annotations

import ast
import inspect
import random
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from ...course import CourseError, course_root, master_notebook, weeks
from ..given import definitions
from ..wire import run_coroutine
from .cells import nbgrader_meta, read_cells, source

__all__ = ["TARGET_SECONDS", "Pattern", "TestOutcome", "draw", "find", "given_namespace", "patterns", "run_visible_tests",
           "visible_tests"]

TARGET_SECONDS = 180.0  # the cold-rep target: from memory in under 3 minutes
HIDDEN = re.compile(r"^[ \t]*### BEGIN HIDDEN TESTS.*?^[ \t]*### END HIDDEN TESTS[^\n]*\n?", re.M | re.S)
MINUTES = re.compile(r"\((\d+) minutes?\)")  # a drill's own time limit, in its title
DRILL = re.compile(r"\bDrill \d\d\b")  # a timed drill, in its title
MIXED_UP_TO = 6  # timed mixed drills are drawn from Weeks 1 to 6
HEADING = re.compile(r"^#+\s*(?:\d+[a-z]?\.\s*)?(.+?)\s*(?:\(\d+(?:\.\d+)? points?\))?\s*$", re.M)


@dataclass(frozen=True)
class Pattern:
    """One thing to rep: ``id`` is a core pattern's name or an exercise's grade id; ``exercise`` is the grade id
    whose visible tests check it (None when the course has no such exercise)."""

    id: str
    title: str
    week: str | None
    exercise: str | None
    core: bool = False
    target_seconds: float = TARGET_SECONDS  # 3 minutes, or the drill's own limit ("Drill 05 — … (10 minutes)")
    tests: tuple[str, ...] = field(default=(), compare=False)  # grade ids of the exercise's test cells


CORE = (("ingestion_loop", "Ingestion loop: iterate, validate, transform, collect", "week01_python_ds", "ingest_records"),
        ("schema_validator", "Schema validator: (ok, errors)", "week01_python_ds", "validate"),
        ("retry_backoff", "Retry with exponential backoff", "week03_system_design", "retry"))


def _cells(root: Path, week: str) -> list[dict[str, Any]]:
    return read_cells(master_notebook(root, week))


def exercises(root: Path, week: str) -> list[tuple[str, str, tuple[str, ...]]]:
    """``(grade id, title, test cell ids)`` of each autograded exercise of ``week``, in notebook order."""
    cells = _cells(root, week)
    tests: dict[str, list[str]] = {}
    for cell in cells:
        meta = nbgrader_meta(cell)
        gid = str(meta.get("grade_id", ""))
        if meta.get("grade") and not meta.get("solution") and gid.startswith("test-"):
            tests.setdefault(gid.split("-")[1], []).append(gid)
    found, title = [], ""
    for cell in cells:
        meta = nbgrader_meta(cell)
        if cell.get("cell_type") == "markdown" and (headings := HEADING.findall(source(cell))):
            title = headings[-1]
        gid = str(meta.get("grade_id", ""))
        if cell.get("cell_type") == "code" and meta.get("solution") and not meta.get("grade") and gid in tests:
            found.append((gid, title or gid, tuple(tests[gid])))
    return found


@cache
def _course_patterns(root: Path) -> tuple[Pattern, ...]:
    by_exercise: dict[str, Pattern] = {}
    for week in weeks(root):
        for gid, title, tests in exercises(root, week):
            limit = MINUTES.search(title)
            by_exercise.setdefault(gid, Pattern(gid, title, week, gid, tests=tests,
                                                target_seconds=60.0 * int(limit[1]) if limit else TARGET_SECONDS))
    core = [Pattern(pid, title, week, ex if ex in by_exercise else None, core=True,
                    tests=by_exercise[ex].tests if ex in by_exercise else ()) for pid, title, week, ex in CORE]
    return (*core, *by_exercise.values())


def patterns(week: str | None = None, root: Path | None = None) -> list[Pattern]:
    """The rep list: the core patterns, then each exercise in course order; only ``week``'s when given.
    Without a course folder (a package installed on its own) it is the core patterns alone."""
    try:
        root = (root or course_root()).resolve()
    except CourseError:
        found: tuple[Pattern, ...] = tuple(Pattern(pid, title, week, None, core=True) for pid, title, week, _ in CORE)
    else:
        found = _course_patterns(root)
    return [p for p in found if week is None or p.week == week]


def find(pattern_id: str, root: Path | None = None) -> Pattern:
    """The pattern named ``pattern_id``; KeyError with the choices when there is none."""
    for p in patterns(root=root):
        if p.id == pattern_id:
            return p
    raise KeyError(f"no pattern {pattern_id!r}; choose one of aieprep.runtime.practice.patterns()")


def draw(k: int, rng: random.Random | None = None, root: Path | None = None) -> list[Pattern]:
    """``k`` different patterns drawn at random for timed mixed drills: the core patterns and the drills of Weeks 1 to
    6 that have tests (all of them, shuffled, when there are fewer)."""
    pool = [p for p in patterns(root=root) if p.tests and p.week is not None and int(p.week[4:6]) <= MIXED_UP_TO
            and (p.core or DRILL.search(p.title))]
    return (rng or random.Random()).sample(pool, min(k, len(pool)))


@cache
def _given(root: Path, week: str) -> dict[str, Any]:
    scope: dict[str, Any] = {"__name__": "__main__"}
    for cell in _cells(root, week):
        if cell.get("cell_type") == "code" and not nbgrader_meta(cell):
            try:
                exec(compile(definitions(source(cell)), f"<{week}>", "exec"), scope)
            except Exception:  # a definition that needs a learner's answer (a decorator): the tests will say so
                continue
    return scope


def given_namespace(week: str, root: Path | None = None) -> dict[str, Any]:
    """What ``week``'s given cells define (imports, helpers, constants: what the judge knows of them), as a new dict:
    the helpers its visible tests use when they run in another week's notebook."""
    return dict(_given((root or course_root()).resolve(), week))


def visible_tests(pattern: Pattern, root: Path | None = None) -> list[tuple[str, str]]:
    """``(grade id, code)`` of the pattern's test cells with their hidden blocks removed: what a learner sees."""
    if pattern.week is None or not pattern.tests:
        return []
    root = (root or course_root()).resolve()
    wanted = set(pattern.tests)
    return [(str(nbgrader_meta(c)["grade_id"]), HIDDEN.sub("", source(c))) for c in _cells(root, pattern.week)
            if nbgrader_meta(c).get("grade_id") in wanted]


@dataclass(frozen=True)
class TestOutcome:
    """The verdict of one visible test cell: ``error`` is empty when it passed."""

    grade_id: str
    error: str

    @property
    def passed(self) -> bool:
        return not self.error


def _kernel_namespace() -> dict[str, Any]:
    """The IPython kernel's namespace (the learner's code), or a fresh one outside IPython."""
    try:
        from IPython import get_ipython
    except ImportError:
        return {}
    shell = get_ipython()
    return shell.user_ns if shell is not None else {}


def _run_test(code: str, scope: dict[str, Any], name: str) -> str:
    try:
        result = eval(compile(code, name, "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT), scope)
        if inspect.iscoroutine(result):
            run_coroutine(result)
    except Exception as error:  # a failing test: its message is the verdict
        return f"{type(error).__name__}: {error}".splitlines()[0][:200]
    return ""


def run_visible_tests(pattern: Pattern, namespace: dict[str, Any] | None = None, root: Path | None = None
                      ) -> list[TestOutcome]:
    """Run the pattern's visible tests against the learner's code: in ``namespace`` when given, else in this
    IPython kernel's namespace, over the helpers of the pattern's week (so a drill of Week 1 can be checked in Week 8's
    notebook; the learner's names win). Top-level ``await`` works. Empty when the pattern has no tests."""
    tests = visible_tests(pattern, root)
    if not tests:
        return []
    scope = _kernel_namespace() if namespace is None else namespace
    assert pattern.week is not None  # visible_tests found tests
    scope = {**given_namespace(pattern.week, root), **scope}
    return [TestOutcome(gid, _run_test(code, scope, f"<{gid}>")) for gid, code in tests]
