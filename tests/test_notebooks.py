"""Every week's master notebook follows the conventions of CONTRIBUTING.md."""

from __future__ import annotations

import ast
import re
from collections import Counter

import nbformat
import pytest

from aieprep.notebook import CellKind, grade_cells
from aieprep.runtime import testing
from aieprep.runtime.practice.cards import decks
from aieprep.runtime.practice.selfgrade import rubric

from .conftest import ROOT, WEEKS


def master(week: str) -> nbformat.NotebookNode:
    return nbformat.read(ROOT / "source" / week / f"{week}.ipynb", as_version=4)


def nbgrader_cells(nb: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    return [c for c in nb.cells if "nbgrader" in c.metadata]


def test_there_is_at_least_one_week() -> None:
    assert "week01_python_ds" in WEEKS


@pytest.mark.parametrize("week", WEEKS)
def test_master_is_valid_nbformat_with_python3_kernel(week: str) -> None:
    nb = master(week)
    nbformat.validate(nb)
    assert nb.metadata["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("week", WEEKS)
def test_master_is_stored_without_outputs(week: str) -> None:
    assert [c.id for c in master(week).cells if c.cell_type == "code" and (c.outputs or c.execution_count)] == []


@pytest.mark.parametrize("week", WEEKS)
def test_grade_ids_are_unique_and_are_the_cell_ids(week: str) -> None:
    cells = nbgrader_cells(master(week))
    ids = [c.metadata.nbgrader["grade_id"] for c in cells]
    assert [i for i, n in Counter(ids).items() if n > 1] == []
    assert [c.id for c in cells if c.id != c.metadata.nbgrader["grade_id"]] == []


@pytest.mark.parametrize("week", WEEKS)
def test_cell_ids_are_meaningful(week: str) -> None:
    opaque = [c.id for c in master(week).cells if re.fullmatch(r"(cell-)?[0-9a-f]{8,}", c.id)]
    assert opaque == []


@pytest.mark.parametrize("week", WEEKS)
def test_every_test_cell_belongs_to_an_answer_cell(week: str) -> None:
    nb = master(week)
    answers = {c.metadata.nbgrader["grade_id"] for c in nbgrader_cells(nb) if c.metadata.nbgrader.get("solution")}
    orphans = [g.grade_id for g in grade_cells(nb) if g.kind is CellKind.TEST and g.question not in answers]
    assert orphans == []


@pytest.mark.parametrize("week", WEEKS)
def test_every_test_cell_is_locked_opens_with_a_docstring_and_hides_some_tests(week: str) -> None:
    for cell in nbgrader_cells(master(week)):
        meta = cell.metadata.nbgrader
        if meta.get("grade") and not meta.get("solution"):
            assert meta.get("locked"), meta["grade_id"]
            body = ast.parse(cell.source).body
            assert isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant), meta["grade_id"]
            assert "### BEGIN HIDDEN TESTS" in cell.source, meta["grade_id"]


def ends_in_a_shown_value(source: str) -> bool:
    """True when the code's last statement is an expression whose value Jupyter would show,
    other than a docstring or a call to one of the aieprep.runtime.testing helpers (they return None)."""
    body = ast.parse(source).body
    if len(body) < 2 or not isinstance(body[-1], ast.Expr):
        return False
    value = body[-1].value
    return not (isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id in testing.__all__)


@pytest.mark.parametrize("week", WEEKS)
def test_no_test_cell_ends_in_a_shown_value(week: str) -> None:
    """nbgrader reads a number shown as a test cell's result as partial credit."""
    for cell in nbgrader_cells(master(week)):
        meta = cell.metadata.nbgrader
        if meta.get("grade") and not meta.get("solution"):
            visible = re.sub(r"### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS", "", cell.source, flags=re.S)
            assert not ends_in_a_shown_value(cell.source), meta["grade_id"]
            assert not ends_in_a_shown_value(visible), meta["grade_id"]


@pytest.mark.parametrize("week", WEEKS)
def test_every_answer_cell_keeps_its_signature_outside_the_solution(week: str) -> None:
    for cell in nbgrader_cells(master(week)):
        meta = cell.metadata.nbgrader
        if cell.cell_type == "code" and meta.get("solution"):
            assert "### BEGIN SOLUTION" in cell.source, meta["grade_id"]
            assert not cell.source.lstrip().startswith("### BEGIN SOLUTION"), meta["grade_id"]


@pytest.mark.parametrize("week", WEEKS)
def test_heading_points_equal_the_test_cells_points(week: str) -> None:
    nb = master(week)
    points = Counter()
    for g in grade_cells(nb):
        if g.kind is CellKind.TEST:
            points[g.question] += g.points
    stated = {}
    heading = None
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            match = re.search(r"^#+ .*\((\d+(?:\.\d+)?) points?\)", cell.source, re.M)
            if match:
                heading = float(match[1])
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("solution") and meta["grade_id"] in points:
            stated[meta["grade_id"]] = heading
            heading = None
    assert stated == dict(points)


@pytest.mark.parametrize("week", WEEKS)
def test_week_has_at_least_eight_autograded_exercises(week: str) -> None:
    assert len({g.question for g in grade_cells(master(week)) if g.kind is CellKind.TEST}) >= 8


@pytest.mark.parametrize("week", WEEKS)
def test_week_has_reflection_prompts_graded_by_hand(week: str) -> None:
    assert [g for g in grade_cells(master(week)) if g.kind is CellKind.MANUAL]


@pytest.mark.parametrize("week", WEEKS)
def test_every_reflection_has_a_rubric_whose_points_add_up_to_its_own(week: str) -> None:
    """Shown to the learner under the prompt and to the instructor in Formgrader, right above the answer."""
    cells = master(week).cells
    for before, cell in zip(cells, cells[1:]):
        meta = cell.metadata.get("nbgrader", {})
        if not (meta.get("grade") and meta.get("solution")):
            continue
        found = rubric(before.source) if before.cell_type == "markdown" else None
        assert found is not None, f"{meta['grade_id']}: no rubric table at the end of its prompt"
        total, criteria = found
        assert 2 <= len(criteria) <= 5 and all(c.name and c.full and c.partial and c.none for c in criteria), (
            meta["grade_id"], criteria)
        assert total == sum(c.points for c in criteria) == float(meta["points"]), meta["grade_id"]


@pytest.mark.parametrize("week", WEEKS)
def test_week_links_its_practice(week: str) -> None:
    """One plain cell opens the rep timer on the week's patterns and a deck; nbval skips it (live views of the
    learner's own records) and the build stores it without output."""
    cells = [c for c in master(week).cells if c.id == "practice"]
    assert len(cells) == 1 and cells[0].cell_type == "code" and "nbgrader" not in cells[0].metadata
    assert "nbval-skip" in cells[0].metadata.get("tags", [])
    assert f'rep_timer("{week}")' in cells[0].source
    deck = re.search(r'flashcards\("(\w+)"\)', cells[0].source)
    assert deck and deck[1] in decks(), cells[0].source


def test_every_week_has_a_guide_and_the_map_links_it() -> None:
    guides = sorted(p.stem for p in (ROOT / "weeks").glob("week0*.md"))
    assert len(guides) == 8
    index = (ROOT / "weeks" / "README.md").read_text()
    assert all(f"{g}.md" in index for g in guides)


@pytest.mark.parametrize("week", WEEKS)
def test_week_guide_links_the_notebook(week: str) -> None:
    guide = (ROOT / "weeks" / f"{week}.md").read_text()
    assert f"release/{week}/{week}.ipynb" in guide
