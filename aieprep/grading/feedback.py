"""Feedback that keeps hidden tests hidden (nbgrader's own feedback shows every test cell in full,
jupyter/nbgrader#1156): test cells lose their hidden region, and errors keep only their message."""

from __future__ import annotations

from typing import Any

from nbgrader.preprocessors import NbGraderPreprocessor

from ..nbgrader_bridge import remove_hidden_tests
from ..notebook import CellKind, cell_kind

__all__ = ["HideTestCode"]

HIDDEN_NOTE = "# (hidden tests: they ran when this notebook was graded)"


class HideTestCode(NbGraderPreprocessor):  # nbgrader's base: enabled by default
    """For nbgrader's GenerateFeedback: in every test cell, replace the hidden-test region by a
    one-line note and shorten each error to ``Name: message`` (a traceback quotes the failing
    line, which may be a hidden test). Outputs, points and pass/fail stay as they were."""

    def preprocess_cell(self, cell: Any, resources: dict[str, Any], index: int) -> tuple[Any, dict[str, Any]]:
        if cell_kind(cell) is not CellKind.TEST:
            return cell, resources
        original = cell.source
        if remove_hidden_tests(cell) and cell.source != original:
            cell.source = cell.source.rstrip("\n") + "\n" + HIDDEN_NOTE
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                output["traceback"] = [f"{output.get('ename', 'Error')}: {output.get('evalue', '')}"]
        return cell, resources
