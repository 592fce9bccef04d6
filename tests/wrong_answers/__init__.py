"""Plausible wrong answers per week (``WRONG_ANSWERS`` in ``<week>.py``); tests/test_verdicts.py runs them."""


def variant(base: str, *edits: tuple[str, str]) -> str:
    """``base`` with each ``(old, new)`` edit applied (every occurrence); an edit that matches nothing is a bug here."""
    for old, new in edits:
        if old not in base:
            raise ValueError(f"edit does not apply: {old!r}")
        base = base.replace(old, new)
    return base
