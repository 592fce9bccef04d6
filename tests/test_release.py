"""release/ and solutions/ are exactly what the build makes from source/, and release/ gives away
no answer and no hidden test."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from aieprep.build import build_release, build_solutions

from .conftest import ROOT, WEEKS

REGION = re.compile(r"### BEGIN (SOLUTION|HIDDEN TESTS)\n(.*?)### END \1", re.S)


def files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("week", WEEKS)
def test_release_equals_a_fresh_generation(week: str, tmp_path: Path) -> None:
    fresh = build_release(ROOT, week, out_root=tmp_path)
    assert files(fresh) == files(ROOT / "release" / week), "release/ is stale: run `make release`"


def comparable(path: Path) -> dict:
    """A notebook as JSON, less what differs between machines: the Python patch version and
    rendered images (matplotlib's PNGs). Everything else, outputs included, must be identical."""
    nb = nbformat.read(path, as_version=4)
    nb.metadata.get("language_info", {}).pop("version", None)
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            output.get("data", {}).pop("image/png", None)
    return nb


@pytest.mark.parametrize("week", WEEKS)
def test_solutions_equal_a_fresh_build(week: str, tmp_path: Path) -> None:
    fresh = build_solutions(ROOT, week, out_root=tmp_path) / f"{week}.ipynb"
    assert comparable(fresh) == comparable(ROOT / "solutions" / week / f"{week}.ipynb"), \
        "solutions/ is stale or not deterministic: run `make solutions` and look at what changed"


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
