"""A notebook's cells read as plain JSON, for the practice tools (kernel code never loads the tooling's
:mod:`aieprep.notebook`): the cells, a cell's nbgrader metadata and its source."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

__all__ = ["nbgrader_meta", "read_cells", "source"]


def read_cells(path: Path) -> list[dict[str, Any]]:
    """The cells of the notebook at ``path``; ValueError when it is not a readable notebook."""
    try:
        cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
    except (OSError, ValueError, AttributeError) as error:
        raise ValueError(f"cannot read the notebook {path}: {error}") from None
    return [c for c in cells if isinstance(c, dict)] if isinstance(cells, list) else []


def nbgrader_meta(cell: dict[str, Any]) -> dict[str, Any]:
    """The cell's nbgrader metadata ({} when it has none)."""
    meta = cell.get("metadata")
    nbgrader = meta.get("nbgrader") if isinstance(meta, dict) else None
    return nbgrader if isinstance(nbgrader, dict) else {}


def source(cell: dict[str, Any]) -> str:
    text = cell.get("source", "")
    return "".join(map(str, text)) if isinstance(text, list) else str(text)
