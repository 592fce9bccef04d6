"""One vocabulary for the course's notebooks: how one is read, and what kind of nbgrader cell each cell is.

The kinds are nbgrader's own (``nbgrader.utils.is_grade``, ``is_solution``, ``is_locked``, ``is_task``),
asked of a cell whose metadata has first been checked for shape: a learner's file may hold anything, and
nbgrader's predicates assume well-formed metadata. Every module that asks "is this a test cell?" asks here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import nbformat

from .course import CourseError

__all__ = ["PARTIAL_MESSAGE", "CellKind", "GradeCell", "cell_kind", "error_message", "grade_cells", "grade_ids", "metadata",
           "question_of",
           "read_notebook"]


class CellKind(StrEnum):
    """What nbgrader makes of a cell."""

    ANSWER = "answer"  # autograded answer: solution, not graded (the learner's code)
    TEST = "test"  # autograder tests: graded code cell, not a solution
    MANUAL = "manual"  # hand-graded answer: graded and a solution (markdown or code)
    TASK = "task"  # hand-graded task description
    LOCKED = "locked"  # read-only course text or code
    GIVEN = "given"  # the course's ordinary code, run as it is
    TEXT = "text"  # ordinary markdown or raw
    OTHER = "other"  # not a cell at all (an odd shape in a learner's file)


def metadata(cell: Any) -> dict[str, Any]:
    """A cell's nbgrader metadata, or {} when the cell or its metadata has an odd shape."""
    outer = cell.get("metadata") if isinstance(cell, dict) else None
    meta = outer.get("nbgrader") if isinstance(outer, dict) else None
    return meta if isinstance(meta, dict) else {}


def cell_kind(cell: Any) -> CellKind:
    """The kind of ``cell``, by nbgrader's predicates."""
    from .nbgrader_bridge import is_grade, is_locked, is_solution, is_task

    if not isinstance(cell, dict) or cell.get("cell_type") not in {"code", "markdown", "raw"}:
        return CellKind.OTHER
    meta = metadata(cell)
    if not meta:
        return CellKind.GIVEN if cell["cell_type"] == "code" else CellKind.TEXT
    probe = nbformat.from_dict({"cell_type": cell["cell_type"], "metadata": {"nbgrader": meta}})
    if is_task(probe):
        return CellKind.TASK
    if is_grade(probe):
        return CellKind.TEST if cell["cell_type"] == "code" and not is_solution(probe) else CellKind.MANUAL
    if is_solution(probe):
        return CellKind.ANSWER
    if is_locked(probe):
        return CellKind.LOCKED
    return CellKind.GIVEN if cell["cell_type"] == "code" else CellKind.TEXT


def grade_ids(nb: nbformat.NotebookNode) -> list[str]:
    """The grade ids of the cells nbgrader tracks (answers, tests, tasks and locked cells), in order."""
    tracked = {CellKind.ANSWER, CellKind.TEST, CellKind.MANUAL, CellKind.TASK, CellKind.LOCKED}
    return [str(metadata(c)["grade_id"]) for c in nb.cells if metadata(c).get("grade_id") and cell_kind(c) in tracked]


def read_notebook(path: Path, label: str | None = None) -> nbformat.NotebookNode:
    """The notebook at ``path`` (version 4), or CourseError with a one-line reason naming it ``label``
    (default: the path)."""
    name = label or str(path)
    if not path.is_file():
        raise CourseError(f"{name}: no such file")
    try:
        nb = nbformat.read(path, as_version=4)
    except (json.JSONDecodeError, nbformat.reader.NotJSONError) as error:
        raise CourseError(f"{name}: not a notebook (invalid JSON: {str(error).splitlines()[0]})") from None
    except Exception as error:  # nbformat raises several kinds for a broken notebook
        raise CourseError(f"{name}: not a readable notebook ({type(error).__name__}: {error})") from None
    if not isinstance(nb.get("cells"), list):
        raise CourseError(f"{name}: not a notebook (no list of cells)")
    return nb


@dataclass(frozen=True)
class GradeCell:
    """An nbgrader grade cell: ``kind`` is TEST (autograded) or MANUAL (a hand-graded answer)."""

    grade_id: str
    points: float
    kind: CellKind

    @property
    def question(self) -> str:
        """The exercise a test cell belongs to: ``test-two_sum-edge`` → ``two_sum``."""
        return question_of(self.grade_id)


def question_of(grade_id: str) -> str:
    """The exercise a grade id belongs to: ``test-two_sum-edge`` → ``two_sum``; any other id is its own."""
    parts = grade_id.split("-")
    return parts[1] if parts[0] == "test" and len(parts) > 1 else grade_id


PARTIAL_MESSAGE = "text/x-aieprep-partial-credit"  # beside a test cell's points, why it earned only part of them


def error_message(cell: Any) -> str:
    """The first error a cell's outputs show, as ``Name: message``, or what it wrote to stderr, or why a test
    earned part of its points, on one line; "" when none."""
    for output in cell.get("outputs", []):
        if output.get("output_type") == "execute_result" and PARTIAL_MESSAGE in output.get("data", {}):
            return " ".join(str(output["data"][PARTIAL_MESSAGE]).split())
        if output.get("output_type") == "error":
            return " ".join(f"{output.get('ename', 'Error')}: {output.get('evalue', '')}".split())
        if output.get("output_type") == "stream" and output.get("name") == "stderr":
            return "wrote to stderr: " + " ".join(output.get("text", "").split())
    return ""


def grade_cells(nb: nbformat.NotebookNode) -> list[GradeCell]:
    """The grade cells of a notebook, in order."""
    return [GradeCell(str(metadata(c)["grade_id"]), float(metadata(c).get("points", 0)), kind)
            for c in nb.cells if (kind := cell_kind(c)) in {CellKind.TEST, CellKind.MANUAL}]
