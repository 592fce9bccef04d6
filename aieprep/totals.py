"""A notebook's score, written one way everywhere (the self-check, the feedback page, ``aieprep grade``'s table,
``grades.csv`` and the report): autograded points, then the points graded by hand.

    >>> str(Totals(5, 53, None, 9))
    'autograded 5 / 53 · by hand – / 9'
    >>> str(Totals(5.5, 53, 7, 9))
    'autograded 5.5 / 53 · by hand 7 / 9'
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Totals", "exercise_mark", "points"]


def points(value: float) -> str:
    """A number of points as a reader expects it: ``5``, ``5.5``, ``0.33``."""
    return f"{round(value, 2):g}"


def exercise_mark(score: float, max_score: float, started: bool) -> tuple[str, str]:
    """An exercise's mark and state: ✓ full marks, · not started (no points, its answer as released), ✗ points
    lost."""
    if score >= max_score:
        return "✓", "full"
    if not started and score == 0:
        return "·", "not started"
    return "✗", "points lost"


@dataclass(frozen=True)
class Totals:
    """Autograded points and their maximum; points graded by hand (None until every hand-graded answer has
    its grade) and their maximum."""

    autograded: float
    autograded_max: float
    by_hand: float | None
    by_hand_max: float

    def __str__(self) -> str:
        line = f"autograded {points(self.autograded)} / {points(self.autograded_max)}"
        if self.by_hand_max:
            done = "–" if self.by_hand is None else points(self.by_hand)
            line += f" · by hand {done} / {points(self.by_hand_max)}"
        return line
