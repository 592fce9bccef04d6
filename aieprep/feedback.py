"""Feedback that keeps hidden tests hidden (nbgrader's own feedback shows every test cell in full,
jupyter/nbgrader#1156): test cells lose their hidden region, and errors keep only their message."""

from __future__ import annotations

from typing import Any

from nbgrader.preprocessors import ClearHiddenTests, NbGraderPreprocessor

__all__ = ["HideTestCode"]

HIDDEN_NOTE = "# (hidden tests: they ran when this notebook was graded)"


class HideTestCode(NbGraderPreprocessor):  # nbgrader's base: enabled by default
    """For nbgrader's GenerateFeedback: in every test cell, replace the hidden-test region by a
    one-line note and shorten each error to ``Name: message`` (a traceback quotes the failing
    line, which may be a hidden test). Outputs, points and pass/fail stay as they were."""

    def preprocess_cell(self, cell: Any, resources: dict[str, Any], index: int) -> tuple[Any, dict[str, Any]]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell.cell_type != "code" or not meta.get("grade") or meta.get("solution"):
            return cell, resources
        clear = ClearHiddenTests(enforce_metadata=False)
        original = cell.source
        if clear._remove_hidden_test_region(cell) and cell.source != original:
            cell.source = cell.source.rstrip("\n") + "\n" + HIDDEN_NOTE
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                output["traceback"] = [f"{output.get('ename', 'Error')}: {output.get('evalue', '')}"]
        return cell, resources
