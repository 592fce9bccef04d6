"""The package's layout holds: what runs in a learner's kernel never loads the tooling, nbgrader is reached
through one module, notebooks are read in one place, and the package type-checks."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT

PACKAGE = ROOT / "aieprep"
TOOLING = ["aieprep.grading", "aieprep.check", "aieprep.build", "aieprep.cli", "aieprep.nbgrader_bridge",
           "aieprep.notebook", "nbgrader", "nbconvert", "nbclient"]


def modules(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.py"))


def imported_names(path: Path) -> set[str]:
    """Absolute names of every module ``path`` imports, anywhere in it (relative imports resolved)."""
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            names |= {module} | {f"{module}.{a.name}" for a in node.names}
    return names


def is_tooling(name: str) -> bool:
    return any(name == t or name.startswith(t + ".") for t in TOOLING)


@pytest.mark.parametrize("path", modules(PACKAGE / "runtime"), ids=lambda p: p.name)
def test_runtime_module_imports_no_tooling(path: Path) -> None:
    assert not {n for n in imported_names(path) if is_tooling(n)}


def test_importing_the_whole_runtime_loads_no_tooling() -> None:
    code = ("import json, pkgutil, importlib, sys, aieprep.runtime as r\n"
            "for m in pkgutil.iter_modules(r.__path__): importlib.import_module(f'aieprep.runtime.{m.name}')\n"
            "print(json.dumps(sorted(sys.modules)))")
    loaded = json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                                       cwd=ROOT).stdout)
    assert [name for name in loaded if is_tooling(name)] == []


def test_only_the_bridge_and_the_feedback_plugin_import_nbgrader() -> None:
    allowed = {PACKAGE / "nbgrader_bridge.py", PACKAGE / "grading" / "feedback.py"}  # feedback: a preprocessor class
    users = {p for p in modules(PACKAGE) if any(n == "nbgrader" or n.startswith("nbgrader.") for n in imported_names(p))}
    assert users <= allowed, sorted(str(p.relative_to(ROOT)) for p in users - allowed)


def test_notebooks_are_read_in_one_place() -> None:
    readers = {p for p in modules(PACKAGE) if "nbformat.read(" in p.read_text()}
    assert readers == {PACKAGE / "notebook.py"}


def test_the_package_type_checks() -> None:
    done = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-3000:]
