"""Shared fixtures: the real course, and tiny throwaway courses for testing the tools quickly."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import aieprep.startup  # noqa: F401, I001  (before nbformat: see there)
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
    ``{prefix}_double`` (2 points), plus a 2-point reflection answer under its prompt and rubric."""
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
    nb.cells.append(nbformat.v4.new_markdown_cell(
        "**Reflection (2 points).** Why is doubling a number the same as adding it to itself?\n\n"
        "**Rubric (2 points)**\n\n| Criterion | Points | Full | Partial (half) | None |\n|---|---:|---|---|---|\n"
        "| The identity | 1 | states 2x = x + x | says they are alike | absent |\n"
        "| An example | 1 | a worked number | a number, not worked | absent |", id="reflect-prompt"))
    reflect = nbformat.v4.new_markdown_cell("A model answer.", id=f"reflect-{prefix}")
    reflect.metadata["nbgrader"] = nbgrader_meta(f"reflect-{prefix}", grade=True, solution=True, locked=False, points=2)
    nb.cells.append(reflect)
    return nb


# Where Jupyter, JupyterLab and IPython would look instead of the home folder, if the user set them.
HOME_OVERRIDES = ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR", "JUPYTER_PATH",
                  "JUPYTERLAB_SETTINGS_DIR", "JUPYTERLAB_WORKSPACES_DIR", "IPYTHONDIR", "AIEPREP_PRACTICE_DB",
                  "AIEPREP_DATA_DIR", "XDG_CONFIG_HOME", "XDG_DATA_HOME")


@pytest.fixture(autouse=True, scope="session")
def _private_home(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Every test, and everything it starts (JupyterLab, kernels, nbgrader), runs with a home folder of its
    own: the user's Jupyter settings and saved workspaces, caches and practice store are never read or
    written (a JupyterLab used before would otherwise reopen its saved tabs in the browser tests)."""
    home = tmp_path_factory.mktemp("home")
    for name in HOME_OVERRIDES:
        os.environ.pop(name, None)
    os.environ.update({"HOME": str(home), "XDG_CACHE_HOME": str(home / ".cache")})


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


# ``make test`` runs one pytest-xdist worker per core. A work unit is what one worker runs from start to end:
# a test file (its module fixtures built once; a notebook's nbval cells in order, in one kernel), except in
# the files below, whose module fixtures grade a course per week: there each week is its own unit.
PER_WEEK = {"tests/test_verdicts.py", "tests/test_roundtrip.py"}


def work_unit(nodeid: str) -> str:
    """The work unit of a test: its file, or its file and week for the files in ``PER_WEEK``."""
    path = nodeid.split("::", 1)[0]
    week = next((w for w in WEEKS if f"[{w}" in nodeid), None) if path in PER_WEEK else None
    return f"{path}::{week}" if week else path


def _cost_rank(unit: str) -> tuple[int, int]:
    """Longest units first (so that no worker is left alone with one at the end): the graded weeks, the
    round trips, the notebooks, each later week (with the embedding model) before the earlier ones; then
    the rest."""
    order = ("tests/test_verdicts.py::", "tests/test_roundtrip.py::", "solutions/", "")
    kind = next(i for i, prefix in enumerate(order) if unit.startswith(prefix))
    week = next((i for i, w in enumerate(WEEKS) if w in unit), -1)
    return kind, -week


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Order the tests by work unit, longest first (the order xdist hands the units out, with
    ``--no-loadscope-reorder``); within a unit, as collected."""
    position = {unit: i for i, unit in enumerate(dict.fromkeys(work_unit(item.nodeid) for item in items))}
    items.sort(key=lambda item: (_cost_rank(work_unit(item.nodeid)), position[work_unit(item.nodeid)]))


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object | None:
    """For ``--dist loadscope``: xdist's load-by-scope scheduler with ``work_unit`` as the scope. (Not
    ``--dist loadgroup``: its ``xdist_group`` marks rename node ids, which pytest 9 ignores, so the groups
    were silently lost.)"""
    if config.getvalue("dist") != "loadscope":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class WorkUnits(LoadScopeScheduling):
        # _split_scope is xdist's own extension point but not public API: pytest-xdist is pinned for it.
        def _split_scope(self, nodeid: str) -> str:
            return work_unit(nodeid)

    return WorkUnits(config, log)
