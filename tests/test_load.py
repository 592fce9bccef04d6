"""Machine load never changes a verdict: every week's master and blank graded by ``aieprep grade`` while busy
processes share the core the grading runs on. The test asserts verdicts, never durations."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator

import pytest

from aieprep.course import master_notebook, scratch_course
from aieprep.grading.outcome import Outcome
from aieprep.grading.pipeline import grade_week
from aieprep.grading.sandbox import sandbox_available
from aieprep.nbgrader_bridge import generate_assignment
from aieprep.notebook import CellKind, grade_cells, read_notebook

from .conftest import ROOT, WEEKS

BUSY = 1  # a busy loop beside the grading saturates its core (the grading gets about half of it)
BUSY_SECONDS = 1200  # each ends by itself after this, whatever happens to the test


@pytest.fixture(scope="module")
def busy_core() -> Iterator[tuple[int, list[subprocess.Popen[bytes]]]]:
    """One core, shared by this process (and so by every kernel and judge it starts) and BUSY busy loops."""
    if not hasattr(os, "sched_setaffinity"):
        pytest.skip("no CPU affinity here")
    before = os.sched_getaffinity(0)
    core = min(before)
    loop = f"import os, time\nos.sched_setaffinity(0, {{{core}}})\nend = time.monotonic() + {BUSY_SECONDS}\n" \
           "while time.monotonic() < end:\n    pass\n"
    busy = [subprocess.Popen([sys.executable, "-c", loop]) for _ in range(BUSY)]
    os.sched_setaffinity(0, {core})
    try:
        yield core, busy
    finally:
        os.sched_setaffinity(0, before)
        for process in busy:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def loaded(busy_core: tuple[int, list[subprocess.Popen[bytes]]]) -> Iterator[dict[str, dict[str, Outcome]]]:
    """Each week's master ("master") and release ("blank") graded on the busy core, one at a time."""
    yield {week: graded(week) for week in WEEKS}


def graded(week: str) -> dict[str, Outcome]:
    with scratch_course(ROOT, [week]) as course:
        generate_assignment(ROOT, week, course)  # cached: nbgrader runs once per change of the source
        for student, folder in (("master", "source"), ("blank", "release")):
            dest = course / "submitted" / student / week
            dest.mkdir(parents=True)
            shutil.copyfile(course / folder / week / f"{week}.ipynb", dest / f"{week}.ipynb")
            (dest / "timestamp.txt").write_text("2026-12-07 10:00:00.000000 UTC")
        return {o.student: o for o in grade_week(course, week, jobs=1, isolate=sandbox_available() is None)}


@pytest.mark.parametrize("week", WEEKS)
def test_a_master_keeps_full_marks_on_a_busy_core(loaded: dict[str, dict[str, Outcome]], week: str) -> None:
    autograded = sum(cell.points for cell in grade_cells(read_notebook(master_notebook(ROOT, week)))
                     if cell.kind is CellKind.TEST)
    master = loaded[week]["master"]
    assert (master.status, master.score, master.problems) == ("graded", autograded, [])


@pytest.mark.parametrize("week", WEEKS)
def test_a_blank_scores_zero_on_a_busy_core(loaded: dict[str, dict[str, Outcome]], week: str) -> None:
    blank = loaded[week]["blank"]
    assert (blank.status, blank.score) == ("graded", 0)


def test_the_busy_loops_shared_the_grading_core(loaded: dict[str, dict[str, Outcome]],
                                                busy_core: tuple[int, list[subprocess.Popen[bytes]]]) -> None:
    """The load was real: the busy loops ran on the grading's core until every week was graded."""
    core, busy = busy_core
    assert [(p.poll(), os.sched_getaffinity(p.pid)) for p in busy] == [(None, {core})] * BUSY
