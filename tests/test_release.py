"""release/ is exactly what nbgrader makes from source/ and gives away no answer and no hidden test;
solutions/ holds source/'s cells (their outputs are nbval's to check)."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from aieprep.course import scratch_course
from aieprep.nbgrader_bridge import generate_assignment

from .conftest import ROOT, WEEKS

REGION = re.compile(r"### BEGIN (SOLUTION|HIDDEN TESTS)\n(.*?)### END \1", re.S)


def files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("week", WEEKS)
def test_release_equals_a_fresh_generation(week: str) -> None:
    with scratch_course(ROOT, [week]) as scratch:
        generate_assignment(ROOT, week, scratch)  # nbgrader's, as `make release` runs it (cached per source)
        fresh = files(scratch / "release" / week)
    assert fresh == files(ROOT / "release" / week), "release/ is stale: run `make release`"


def cells(path: Path) -> list[tuple]:
    """A notebook's cells without their outputs: type, id, source and metadata."""
    nb = nbformat.read(path, as_version=4)
    return [(c.cell_type, c.get("id"), c.source, c.metadata) for c in nb.cells]


@pytest.mark.parametrize("week", WEEKS)
def test_solutions_hold_the_master_s_cells_and_files(week: str) -> None:
    """solutions/ is source/ run by ``make solutions``: the same cells and data files. That running it again
    gives the outputs it stores, exactly (but what tests/nbval_sanitize.cfg masks), is nbval's part: pytest
    runs every notebook of solutions/ with --nbval."""
    solved, master = ROOT / "solutions" / week, ROOT / "source" / week
    assert cells(solved / f"{week}.ipynb") == cells(master / f"{week}.ipynb"), "solutions/ is stale: run `make solutions`"
    data = {name: content for name, content in files(master).items() if not name.endswith(".ipynb")}
    assert {n: c for n, c in files(solved).items() if not n.endswith(".ipynb")} == data


def secret_lines(nb: nbformat.NotebookNode) -> set[str]:
    """Lines that occur only inside solution or hidden-test regions of the master."""
    inside, outside = set(), set()
    for cell in nb.cells:
        source = cell.source
        for match in REGION.finditer(source):
            inside.update(line.strip() for line in match[2].splitlines())
        outside.update(line.strip() for line in REGION.sub("", source).splitlines())
    return {line for line in inside - outside if len(line) > 12 and not line.startswith("#")}


@pytest.mark.parametrize("week", WEEKS)
def test_release_has_no_markers(week: str) -> None:
    text = (ROOT / "release" / week / f"{week}.ipynb").read_text()
    assert "### BEGIN SOLUTION" not in text and "### BEGIN HIDDEN TESTS" not in text


@pytest.mark.parametrize("week", WEEKS)
def test_release_has_no_solution_or_hidden_test_line(week: str) -> None:
    master = nbformat.read(ROOT / "source" / week / f"{week}.ipynb", as_version=4)
    released = nbformat.read(ROOT / "release" / week / f"{week}.ipynb", as_version=4)
    released_lines = {line.strip() for cell in released.cells for line in cell.source.splitlines()}
    secrets = secret_lines(master)
    assert secrets, "the master should have solution and hidden-test lines"
    assert sorted(secrets & released_lines) == []


@pytest.mark.parametrize("week", WEEKS)
def test_release_answer_cells_hold_the_stub(week: str) -> None:
    released = nbformat.read(ROOT / "release" / week / f"{week}.ipynb", as_version=4)
    answers = [c for c in released.cells if c.metadata.get("nbgrader", {}).get("solution") and c.cell_type == "code"]
    assert answers and all("raise NotImplementedError()" in c.source for c in answers)


@pytest.mark.parametrize("week", WEEKS)
def test_release_is_stored_without_outputs(week: str) -> None:
    released = nbformat.read(ROOT / "release" / week / f"{week}.ipynb", as_version=4)
    assert [c.id for c in released.cells if c.cell_type == "code" and c.outputs] == []


@pytest.mark.parametrize("week", WEEKS)
def test_release_carries_the_kernel_s_language_info(week: str) -> None:
    """JupyterLab writes the kernel's language_info into a notebook as its kernel starts: a release without it
    shows as modified before the learner has typed anything (it still does where Python's patch version
    differs from the one that made the release)."""
    released = nbformat.read(ROOT / "release" / week / f"{week}.ipynb", as_version=4).metadata.language_info
    solved = nbformat.read(ROOT / "solutions" / week / f"{week}.ipynb", as_version=4).metadata.language_info
    assert {k: v for k, v in released.items() if k != "version"} == {k: v for k, v in solved.items() if k != "version"}
