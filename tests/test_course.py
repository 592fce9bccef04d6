"""aieprep.course: finding the course and reading its notebooks."""

from __future__ import annotations

from pathlib import Path

import pytest

from aieprep.course import CourseError, course_root, master_notebook, weeks
from aieprep.notebook import CellKind, GradeCell, grade_cells

from .conftest import ROOT, tiny_week_notebook


def test_course_root_is_found_above_a_working_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AIEPREP_COURSE_ROOT", raising=False)
    assert course_root(ROOT / "weeks") == ROOT


def test_course_root_follows_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIEPREP_COURSE_ROOT", str(tmp_path))
    assert course_root() == tmp_path.resolve()


def test_weeks_are_the_source_folders_in_order(tiny_course: Path) -> None:
    assert weeks(tiny_course) == ["week01_tiny", "week02_tiny"]


def test_unknown_week_is_a_course_error(tiny_course: Path) -> None:
    with pytest.raises(CourseError, match="no such week: 'week09_x'"):
        master_notebook(tiny_course, "week09_x")


def test_grade_cells_tell_tests_from_hand_graded_answers() -> None:
    cells = grade_cells(tiny_week_notebook("w1"))
    assert [(c.grade_id, c.points, c.kind) for c in cells] == [
        ("test-w1_add-basic", 1.0, CellKind.TEST),
        ("test-w1_add-hidden", 2.0, CellKind.TEST),
        ("test-w1_double-basic", 2.0, CellKind.TEST),
        ("reflect-w1", 2.0, CellKind.MANUAL),
    ]


def test_a_test_cell_belongs_to_the_question_named_in_its_id() -> None:
    assert GradeCell("test-two_sum-edge", 2, CellKind.TEST).question == "two_sum"
    assert GradeCell("reflect-hash_vs_scan", 2, CellKind.MANUAL).question == "reflect-hash_vs_scan"
