"""Shared fixtures: the real course, and tiny throwaway courses for testing the tools quickly."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import nbformat
import pytest

from aieprep.course import weeks

ROOT = Path(__file__).resolve().parent.parent
WEEKS = weeks(ROOT)


def nbgrader_meta(grade_id: str, *, grade: bool, solution: bool, locked: bool, points: float | None = None) -> dict:
    meta = {"grade": grade, "solution": solution, "locked": locked, "grade_id": grade_id, "schema_version": 3}
    if points is not None:
        meta["points"] = points
    return meta


def tiny_week_notebook(prefix: str) -> nbformat.NotebookNode:
    """A two-exercise master notebook: ``{prefix}_add`` (3 points in two test cells) and
    ``{prefix}_double`` (2 points), plus a 2-point reflection answer."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}

    def code(grade_id: str, source: str, **meta) -> nbformat.NotebookNode:
        cell = nbformat.v4.new_code_cell(source, id=grade_id)
        cell.metadata["nbgrader"] = nbgrader_meta(grade_id, **meta)
        return cell

    add, double = f"{prefix}_add", f"{prefix}_double"
    nb.cells = [
        nbformat.v4.new_markdown_cell("# A tiny week\n## 1. Add (3 points)", id="intro"),
        code(add, f"def {add}(a, b):\n    ### BEGIN SOLUTION\n    return a + b\n    ### END SOLUTION",
             grade=False, solution=True, locked=False),
        code(f"test-{add}-basic", f'"""Check small sums."""\nassert {add}(1, 2) == 3',
             grade=True, solution=False, locked=True, points=1),
        code(f"test-{add}-hidden",
             f'"""Check more sums."""\nassert {add}(0, 0) == 0\n### BEGIN HIDDEN TESTS\nassert {add}(-5, 2) == -3\n'
             "### END HIDDEN TESTS", grade=True, solution=False, locked=True, points=2),
        nbformat.v4.new_markdown_cell("## 2. Double (2 points)", id="double-intro"),
        code(double, f"def {double}(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION",
             grade=False, solution=True, locked=False),
        code(f"test-{double}-basic", f'"""Check doubling."""\nassert {double}(4) == 8',
             grade=True, solution=False, locked=True, points=2),
    ]
    reflect = nbformat.v4.new_markdown_cell("A model answer.", id=f"reflect-{prefix}")
    reflect.metadata["nbgrader"] = nbgrader_meta(f"reflect-{prefix}", grade=True, solution=True, locked=False, points=2)
    nb.cells.append(reflect)
    return nb


@pytest.fixture(autouse=True, scope="session")
def _private_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Keep the self-check's cache of generated assignments out of the user's home."""
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("cache"))


@pytest.fixture(scope="session")
def tiny_course_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A course folder with the real nbgrader_config.py and two tiny weeks, released (built once)."""
    from aieprep.build import build_release

    root = tmp_path_factory.mktemp("tiny") / "course"
    (root / "source").mkdir(parents=True)
    shutil.copyfile(ROOT / "nbgrader_config.py", root / "nbgrader_config.py")
    for stem, prefix in [("week01_tiny", "w1"), ("week02_tiny", "w2")]:
        (root / "source" / stem).mkdir()
        nbformat.write(tiny_week_notebook(prefix), root / "source" / stem / f"{stem}.ipynb")
        build_release(root, stem)
    return root


@pytest.fixture
def tiny_course(tiny_course_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh copy of the tiny course, set as the course the ``aieprep`` tools work on."""
    root = tmp_path / "course"
    shutil.copytree(tiny_course_template, root)
    monkeypatch.setenv("AIEPREP_COURSE_ROOT", str(root))
    return root
