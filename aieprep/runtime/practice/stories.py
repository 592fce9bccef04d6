"""The learner's own story bank (Week 7): true STAR(R) stories kept in the practice store, each checked by the
learner's own checker (their ``check_star``), and the themes of the course's example bank theirs leaves
uncovered.

In Week 7's notebook::

    MY_STORIES = {"The export I broke": ("failure", "Situation: …\\nTask: …\\nAction: …\\nResult: …\\nReflection: …")}
    print(story_bank(MY_STORIES, check_star))

A story is kept under its title (writing it again replaces it); :func:`forget_story` removes one.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from ..behavioral import load_story_bank
from .store import Store, Story, open_store

__all__ = ["BANK_SIZE", "StoryCheck", "check_bank", "forget_story", "keep_stories", "missing_themes", "story_bank",
           "themes"]

BANK_SIZE = (5, 6)  # how many stories a bank needs: one per common theme, a spare


@dataclass(frozen=True)
class StoryCheck:
    """A kept story and what the learner's checker says of it now (``problems`` empty: it passes)."""

    title: str
    theme: str
    words: int
    problems: tuple[str, ...]

    @property
    def passed(self) -> bool:
        return not self.problems


def themes() -> list[str]:
    """The themes of the course's example bank, in its order: the ones a learner's bank should cover."""
    return [str(s["theme"]) for s in load_story_bank()]


def keep_stories(stories: Mapping[str, tuple[str, str]], store: Store, now: Callable[[], float] = time.time) -> None:
    """Keep each ``title → (theme, text)`` in the store, replacing a story of the same title. ValueError, and
    nothing kept, when a title, theme or text is empty or not a string."""
    kept = []
    for title, entry in stories.items():
        if not (isinstance(entry, tuple) and len(entry) == 2):
            raise ValueError(f"{title!r}: a story is (theme, text), not {type(entry).__name__}")
        theme, text = entry
        if not all(isinstance(v, str) and v.strip() for v in (title, theme, text)):
            raise ValueError(f"{title!r}: the title, theme and text are non-empty strings")
        kept.append(Story(title.strip(), theme.strip().lower(), text.strip(), now()))
    store.save_stories(kept)


def forget_story(title: str, store: Store | None = None) -> bool:
    """Remove the story ``title`` from the bank; False when there was none."""
    return (store or open_store()).delete_story(title)


def check_bank(store: Store, check: Callable[[str], Sequence[str]]) -> list[StoryCheck]:
    """Every kept story, by title, with the problems ``check`` finds in its text now. A checker that raises
    gives the story the problem ``checker raised <Error>: <message>``."""
    found = []
    for story in store.stories():
        try:
            problems = tuple(str(p) for p in check(story.text))
        except Exception as error:  # the learner's checker: its failure is shown, not raised
            problems = (f"checker raised {type(error).__name__}: {error}"[:200],)
        found.append(StoryCheck(story.title, story.theme, len(story.text.split()), problems))
    return found


def missing_themes(checks: Sequence[StoryCheck]) -> list[str]:
    """The course's themes no kept story has."""
    have = {c.theme for c in checks}
    return [t for t in themes() if t not in have]


def story_bank(stories: Mapping[str, tuple[str, str]], check: Callable[[str], Sequence[str]],
               store: Store | None = None) -> str:
    """Keep ``stories``, then the whole bank as text: each story with its theme, length and the checker's
    verdict, how many pass, and the themes still uncovered."""
    store = store or open_store()
    keep_stories(stories, store)
    checks = check_bank(store, check)
    low, high = BANK_SIZE
    lines = [f"Your story bank: {len(checks)} stories (aim for {low}–{high}), "
             f"{sum(c.passed for c in checks)} passing your checker"]
    width = max((len(c.title) for c in checks), default=0)
    for c in checks:
        verdict = "✓" if c.passed else "✗ " + ", ".join(c.problems)
        lines.append(f"  {c.title:<{width}}  {c.theme:<12} {c.words:>4} words  {verdict}")
    missing = missing_themes(checks)
    lines.append("Themes with no story yet: " + (", ".join(missing) if missing else "none"))
    if store.path is None:
        lines.append("(kept in memory only: the practice store is not written while grading)")
    return "\n".join(lines)
