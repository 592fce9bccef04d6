"""Step 2 of grading: read a submission and rebuild it from the course's copy.

The notebook graded is the released one, with the learner's source in the answer cells (found by grade id)
and the master's in the test cells (hidden tests included); deleted or renamed cells are restored,
duplicates beyond the first are dropped, and cells the learner added are kept in place without metadata.
"""

from __future__ import annotations

import ast
import json
import os
from pathlib import Path
from typing import Any

import nbformat

from ..course import CourseError
from ..notebook import CellKind, cell_kind, metadata, read_notebook

__all__ = ["given_code", "imported_modules", "read_submission", "rebuild", "index_tests"]


def index_tests(nb: nbformat.NotebookNode) -> dict[int, str]:
    """The test cells of ``nb`` by index, with their sources."""
    return {i: c.source for i, c in enumerate(nb.cells) if cell_kind(c) is CellKind.TEST}


def given_code(nb: nbformat.NotebookNode) -> list[str]:
    """The sources of the course's own code cells (neither answers nor tests), in order."""
    return [c.source for c in nb.cells if cell_kind(c) is CellKind.GIVEN]


def read_submission(folder: Path, week: str) -> tuple[nbformat.NotebookNode | None, str | None]:
    """The submitted notebook, or ``(None, reason)`` when it cannot be graded."""
    path = folder / f"{week}.ipynb"
    if path.is_symlink():
        return None, f"{week}.ipynb is a symbolic link, not a notebook: submit the notebook itself"
    if not path.is_file():
        others = sorted(os.fsdecode(p.name).encode("utf-8", "backslashreplace").decode() for p in folder.glob("*.ipynb"))
        if others:
            return None, f"no {week}.ipynb in the submission (found {', '.join(others)}): rename it and grade again"
        return None, "no notebook in the submission"
    try:
        nb = read_notebook(path, label=path.name)
    except CourseError as error:
        return None, str(error)
    kernel = nb.get("metadata", {}).get("kernelspec", {}) or {}
    language = (kernel.get("language") or nb.get("metadata", {}).get("language_info", {}).get("name") or "python")
    if str(language).lower() != "python" or not str(kernel.get("name", "python3")).startswith("python"):
        return None, (f"{path.name} uses the kernel {kernel.get('name', '?')!r} ({language}); "
                      "the course grades Python notebooks: reopen it with the Python 3 kernel and resubmit")
    return nb, None


def rebuild(release: nbformat.NotebookNode, master: nbformat.NotebookNode,
            submitted: nbformat.NotebookNode) -> tuple[nbformat.NotebookNode, list[str]]:
    """The notebook to grade: the released cells, with the student's source in answer cells and the master's
    (hidden tests included) in test cells, plus the student's own extra cells; and what had to be repaired."""
    problems: list[str] = []
    master_tests = {metadata(c)["grade_id"]: c.source for c in master.cells if cell_kind(c) is CellKind.TEST}
    release_ids = [metadata(c).get("grade_id") for c in release.cells]
    known = {i for i in release_ids if i}
    course_code = {c.source.strip() for c in release.cells if cell_kind(c) is CellKind.GIVEN}  # run once
    answers: dict[str, str] = {}
    extras: dict[str | None, list[Any]] = {}  # student cells without course metadata, after which course cell
    previous: str | None = None
    duplicated: set[str] = set()
    changed_tests: set[str] = set()
    for cell in submitted.cells:
        if not isinstance(cell, dict) or cell.get("cell_type") not in {"code", "markdown", "raw"}:
            continue
        grade_id = metadata(cell).get("grade_id")
        grade_id = grade_id if isinstance(grade_id, str) else None
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        if grade_id is not None and grade_id in known:
            if grade_id in answers:
                duplicated.add(grade_id)
                continue
            template = release.cells[release_ids.index(grade_id)]
            if cell_kind(template) is CellKind.TEST and source.strip() not in {template.source.strip(),
                                                              master_tests.get(grade_id, "").strip()}:
                changed_tests.add(grade_id)
            answers[grade_id] = source
            previous = grade_id
        elif cell.get("cell_type") == "code" and source.strip() and source.strip() not in course_code:
            extras.setdefault(previous, []).append(nbformat.v4.new_code_cell(source))  # the learner's own cell
    cells = list(extras.get(None, []))
    missing = []
    for cell, grade_id in zip(release.cells, release_ids):
        new = nbformat.from_dict(json.loads(json.dumps(cell)))
        new.pop("outputs", None)
        if new.cell_type == "code":
            new.outputs, new.execution_count = [], None
        kind = cell_kind(cell)
        if grade_id and kind in {CellKind.ANSWER, CellKind.MANUAL}:
            if grade_id in answers:
                new.source = answers[grade_id]
            else:
                missing.append(grade_id)
        elif grade_id and kind is CellKind.TEST:
            new.source = master_tests.get(grade_id, cell.source)
            if grade_id not in answers:
                missing.append(grade_id)
        cells.append(new)
        cells.extend(extras.get(grade_id, []) if grade_id else [])
    if missing:
        problems.append(f"restored {len(missing)} deleted or renamed cell(s): {', '.join(missing[:5])}"
                        + (" …" if len(missing) > 5 else ""))
    if duplicated:
        problems.append(f"ignored copies of {', '.join(sorted(duplicated))}")
    if changed_tests:
        problems.append(f"edited test cells were replaced by the originals: {', '.join(sorted(changed_tests)[:5])}")
    nb = nbformat.v4.new_notebook(cells=cells, metadata=json.loads(json.dumps(release.metadata)))
    return nb, problems


def imported_modules(cells: list[Any]) -> list[str]:
    """Top-level module names imported by some cells (only cells that parse)."""
    names: list[str] = []
    for cell in cells:
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names += [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.append(node.module)
    return sorted(dict.fromkeys(names))
