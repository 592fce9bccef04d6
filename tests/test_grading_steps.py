"""The pure steps of grading, without kernels or bubblewrap: what kind each cell is, the rebuild of a
submission from the course's copy, a week's profile and the run's table."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from aieprep.course import CourseError
from aieprep.grading.outcome import Outcome, Status
from aieprep.grading.profile import load_profile
from aieprep.grading.rebuild import given_code, imported_modules, rebuild, index_tests
from aieprep.grading.report import format_table
from aieprep.grading.sandbox import Limits
from aieprep.notebook import CellKind, cell_kind, grade_ids
from aieprep.totals import Totals

from .conftest import tiny_week_notebook


def release() -> nbformat.NotebookNode:
    """The tiny week as learners get it: stubs in the answers, no hidden tests."""
    nb = tiny_week_notebook("w1")
    for cell in nb.cells:
        if cell_kind(cell) is CellKind.ANSWER:
            cell.source = cell.source.split("    ### BEGIN SOLUTION")[0] + "    raise NotImplementedError()"
        if cell_kind(cell) is CellKind.TEST:
            cell.source = cell.source.split("### BEGIN HIDDEN TESTS")[0]
    return nb


def by_id(nb: nbformat.NotebookNode, grade_id: str) -> nbformat.NotebookNode:
    return next(c for c in nb.cells if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id)


@pytest.mark.parametrize(("grade_id", "kind"), [("w1_add", CellKind.ANSWER), ("test-w1_add-basic", CellKind.TEST),
                                                ("reflect-w1", CellKind.MANUAL)])
def test_cell_kinds_are_nbgrader_s(grade_id: str, kind: CellKind) -> None:
    assert cell_kind(by_id(tiny_week_notebook("w1"), grade_id)) is kind


@pytest.mark.parametrize("metadata", [{"nbgrader": "grade"}, {"nbgrader": None}, "odd", {"nbgrader": {}}])
def test_a_cell_with_odd_metadata_is_an_ordinary_cell(metadata: object) -> None:
    assert cell_kind({"cell_type": "code", "source": "x = 1", "metadata": metadata}) is CellKind.GIVEN


def test_something_that_is_not_a_cell_has_its_own_kind() -> None:
    assert cell_kind(["not", "a", "cell"]) is CellKind.OTHER
    assert cell_kind({"cell_type": "widget"}) is CellKind.OTHER


def test_grade_ids_list_tracked_cells_in_order() -> None:
    assert grade_ids(tiny_week_notebook("w1")) == ["w1_add", "test-w1_add-basic", "test-w1_add-hidden", "w1_double",
                                                   "test-w1_double-basic", "reflect-w1"]


def test_rebuild_takes_answers_from_the_submission_and_tests_from_the_master() -> None:
    submitted = release()
    by_id(submitted, "w1_add").source = "def w1_add(a, b):\n    return a - b"
    rebuilt, problems = rebuild(release(), tiny_week_notebook("w1"), submitted)
    assert by_id(rebuilt, "w1_add").source == "def w1_add(a, b):\n    return a - b"
    assert "BEGIN HIDDEN TESTS" in by_id(rebuilt, "test-w1_add-hidden").source
    assert problems == []


def test_rebuild_restores_a_deleted_cell_and_says_so() -> None:
    submitted = release()
    submitted.cells = [c for c in submitted.cells if c.get("id") != "test-w1_add-hidden"]
    rebuilt, problems = rebuild(release(), tiny_week_notebook("w1"), submitted)
    assert "test-w1_add-hidden" in grade_ids(rebuilt)
    assert problems == ["restored 1 deleted or renamed cell(s): test-w1_add-hidden"]


def test_rebuild_replaces_an_edited_test_cell_by_the_course_s() -> None:
    submitted = release()
    by_id(submitted, "test-w1_add-basic").source = "pass"
    rebuilt, problems = rebuild(release(), tiny_week_notebook("w1"), submitted)
    assert by_id(rebuilt, "test-w1_add-basic").source == by_id(tiny_week_notebook("w1"), "test-w1_add-basic").source
    assert problems == ["edited test cells were replaced by the originals: test-w1_add-basic"]


def test_rebuild_keeps_the_first_of_duplicated_cells() -> None:
    submitted = release()
    first = by_id(submitted, "w1_add")
    first.source = "def w1_add(a, b):\n    return a + b"
    copy = nbformat.from_dict(dict(first, source="def w1_add(a, b):\n    return 0"))
    submitted.cells.insert(2, copy)
    rebuilt, problems = rebuild(release(), tiny_week_notebook("w1"), submitted)
    assert by_id(rebuilt, "w1_add").source.endswith("return a + b")
    assert problems == ["ignored copies of w1_add"]


def test_rebuild_keeps_a_learner_s_own_cell_where_it_was_without_metadata() -> None:
    submitted = release()
    submitted.cells.insert(2, nbformat.v4.new_code_cell("helper = 1"))
    rebuilt, _ = rebuild(release(), tiny_week_notebook("w1"), submitted)
    index = [c.source for c in rebuilt.cells].index("helper = 1")
    assert rebuilt.cells[index - 1].metadata["nbgrader"]["grade_id"] == "w1_add"
    assert "nbgrader" not in rebuilt.cells[index].metadata


def test_steps_find_tests_given_code_and_imports() -> None:
    nb = tiny_week_notebook("w1")
    nb.cells.insert(0, nbformat.v4.new_code_cell("import numpy as np\nfrom collections import deque"))
    assert sorted(index_tests(nb).values())[0].startswith('"""Check')
    assert len(index_tests(nb)) == 3
    assert given_code(nb) == ["import numpy as np\nfrom collections import deque"]
    assert imported_modules(nb.cells) == ["collections", "numpy"]


def write_profile(root: Path, text: str) -> None:
    (root / "source" / "week05_rag").mkdir(parents=True)
    (root / "source" / "week05_rag" / "grading.toml").write_text(text)


def test_a_week_without_a_profile_gets_the_defaults_and_the_course_timeout(tmp_path: Path) -> None:
    profile = load_profile(tmp_path, "week05_rag", {"Execute": {"timeout": 30}})
    assert profile.limits == Limits(cell_seconds=30) and profile.preload == () and profile.environment == {}


def test_a_week_s_profile_overrides_limits_and_adds_preloads_and_environment(tmp_path: Path) -> None:
    write_profile(tmp_path, '[grading]\nmemory_bytes = 4294967296\npreload = ["faiss"]\n'
                            '[grading.environment]\nHF_HUB_OFFLINE = "1"\n')
    profile = load_profile(tmp_path, "week05_rag", {"Execute": {"timeout": 30}})
    assert (profile.limits.memory_bytes, profile.limits.cell_seconds) == (4294967296, 30)
    assert profile.preload == ("faiss",) and profile.environment == {"HF_HUB_OFFLINE": "1"}


def test_an_unknown_profile_setting_is_a_clear_error(tmp_path: Path) -> None:
    write_profile(tmp_path, "[grading]\nmemory = 1\n")
    with pytest.raises(CourseError, match="unknown setting.*memory"):
        load_profile(tmp_path, "week05_rag")


def test_the_run_s_table_shows_scores_errors_and_flags() -> None:
    table = format_table([Outcome("ada", Status.GRADED, Totals(7, 7, None, 2), seconds=3.25),
                          Outcome("bob", Status.ERROR, problems=["not a notebook"]),
                          Outcome("eve", Status.GRADED, Totals(0, 7, 1.5, 2), ["tampering: x"], tampered=True)])
    lines = table.splitlines()
    assert re.split(r"\s{2,}", lines[1]) == ["ada", "graded", "autograded 7 / 7 · by hand – / 2", "3.2"]
    assert "autograded 0 / 7 · by hand 1.5 / 2" in lines[3]
    assert lines[2].split()[:3] == ["bob", "error", "-"] and lines[2].endswith("not a notebook")
    assert "TAMPERING tampering: x" in lines[3]
