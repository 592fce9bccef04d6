"""Where a learner's self-checks are recorded: one JSON line per check, written by ``aieprep check`` and read
by the progress view. The grader never reads it."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["history_file"]


def history_file() -> Path:
    """``$AIEPREP_DATA_DIR/checks.jsonl`` (default ``$XDG_DATA_HOME/aieprep``, else ``~/.local/share/aieprep``)."""
    base = os.environ.get("AIEPREP_DATA_DIR") or Path(
        os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "aieprep"
    return Path(base) / "checks.jsonl"
