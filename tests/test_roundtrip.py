"""The autograde round trip through nbgrader's own commands and gradebook: the learner version as released
scores zero on every test cell; the master (every answer in place) scores full marks. (The same through
``aieprep grade`` and ``aieprep check``, and the wrong answers: tests/test_verdicts.py.)"""

from __future__ import annotations

import shutil

import pytest
from nbgrader.api import Gradebook

from aieprep.course import scratch_course
from aieprep.nbgrader_bridge import generate_assignment, run_nbgrader

from .conftest import ROOT, WEEKS


@pytest.fixture(scope="module", params=WEEKS)
def graded(request: pytest.FixtureRequest) -> tuple[str, dict[str, dict[str, tuple[float, float]]]]:
    """Autograde two submissions of a week, "blank" (release) and "solved" (source); return their
    scores per test cell as (score, max)."""
    week = request.param
    with scratch_course(ROOT, [week]) as course:
        generate_assignment(ROOT, week, course)  # nbgrader's, run once per change of the source
        pairs = [("blank", course / "release"), ("solved", course / "source")]
        for student, folder in pairs:
            dest = course / "submitted" / student / week
            dest.mkdir(parents=True)
            shutil.copyfile(folder / week / f"{week}.ipynb", dest / f"{week}.ipynb")
        run_nbgrader(["autograde", week, "--force"], cwd=course)  # every submission: both
        scores = {}
        with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
            for student in [s.student.id for s in gb.find_assignment(week).submissions]:
                notebook = gb.find_submission_notebook(week, week, student)
                scores[student] = {
                    g.name: (g.score, g.max_score) for g in notebook.grades if g.cell_type == "code"
                }
    return week, scores


def test_blank_scores_zero_on_every_test_cell(graded) -> None:
    _, scores = graded
    blank = scores["blank"]
    assert blank and {k: s for k, (s, _) in blank.items() if s != 0} == {}


def test_solved_scores_full_marks_on_every_test_cell(graded) -> None:
    _, scores = graded
    solved = scores["solved"]
    assert solved and {k: (s, m) for k, (s, m) in solved.items() if s != m} == {}


def test_round_trip_grades_every_test_cell_of_the_master(graded) -> None:
    from aieprep.notebook import CellKind, grade_cells
    import nbformat

    week, scores = graded
    master = nbformat.read(ROOT / "source" / week / f"{week}.ipynb", as_version=4)
    assert set(scores["solved"]) == {g.grade_id for g in grade_cells(master) if g.kind is CellKind.TEST}
