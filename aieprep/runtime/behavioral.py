"""Week 7's shipped data: a bank of six STAR(R) stories, behavioural questions labelled with the theme of the
story that answers them, and stories labelled by hand against the course rubric (formats:
``aieprep/data/behavioral/README.md``). Also the keyword baseline the week's matcher is compared with.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

__all__ = ["BEHAVIORAL", "STOPWORDS", "content_words", "keyword_overlap", "load_labelled_stories", "load_questions",
           "load_story_bank"]

BEHAVIORAL = Path(__file__).resolve().parent.parent / "data" / "behavioral"

STOPWORDS = frozenset("""
a about after all an and any are as at be been before being but by can could did do does doing for from had has
have how i if in into is it its me my of on or our so some than that the their them then there these they this
those to under up us was we were what when where which while who why will with would you your yourself
tell describe give example time times ever
""".split())


def _jsonl(name: str) -> list[dict[str, Any]]:
    lines = (BEHAVIORAL / name).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def load_story_bank() -> list[dict[str, Any]]:
    """The six example stories: dicts with ``id``, ``title``, ``theme`` and ``text`` (STAR(R) headings, one a line)."""
    stories: list[dict[str, Any]] = json.loads((BEHAVIORAL / "stories.json").read_text(encoding="utf-8"))
    return stories


def load_questions(held_out: bool = False) -> list[dict[str, Any]]:
    """Behavioural questions: ``id``, ``question`` and ``theme``, the theme of the bank's story that answers it,
    or None when no story in the bank fits. ``held_out``: the 36 questions written apart from the 30 (and from
    the thresholds chosen on them), for reporting a matcher's accuracy."""
    return _jsonl("questions_heldout.jsonl" if held_out else "questions.jsonl")


def load_labelled_stories() -> list[dict[str, Any]]:
    """Stories labelled by hand: ``id``, ``text``, ``labels`` (criterion → bool) and ``human`` ("pass"/"fail")."""
    return _jsonl("labelled_stories.jsonl")


def content_words(text: str) -> set[str]:
    """The lower-case words of ``text`` (letters and digits) that are not in :data:`STOPWORDS`."""
    return {w for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in STOPWORDS}


def keyword_overlap(question: str, documents: list[str]) -> list[int]:
    """The keyword baseline: per document, how many distinct content words it shares with ``question``."""
    asked = content_words(question)
    return [len(asked & content_words(doc)) for doc in documents]
