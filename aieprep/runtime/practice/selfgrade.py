"""Self-grading the reflections: each written answer against its rubric, criterion by criterion, then the model
answer.

A reflection is an answer cell graded by hand; the markdown cell above it is its prompt, which ends with the
rubric (the shape is in CONTRIBUTING.md)::

    **Rubric (3 points)**

    | Criterion | Points | Full | Partial (half) | None |
    |---|---:|---|---|---|
    | Mechanism | 2 | names it | vague | absent |

:func:`reflections` reads them from the learner's notebook as saved, :func:`model_answers` from the course's
master (none without a course folder: a cohort's learners get theirs from the instructor).
:class:`SelfGrading` walks them; each finished reflection is one :class:`~.store.SelfGrade` in the store, which
the progress view counts apart from the autograded points. The model answer is shown only once every criterion
of a written answer has a grade. Notebooks are read as plain JSON (kernel code never loads the tooling).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ...course import CourseError, course_root, master_notebook, weeks
from .cells import nbgrader_meta, read_cells, source
from .store import SelfGrade, Store

__all__ = ["LEVELS", "Criterion", "Reflection", "SelfGrading", "hand_points", "model_answers", "reflections",
           "rubric"]

LEVELS = {"full": 1.0, "partial": 0.5, "none": 0.0}  # a criterion's share of its points at each level
BLANK = "YOUR ANSWER HERE"  # nbgrader's stub for a released text answer (nbgrader_config.py: ClearSolutions)
RUBRIC = re.compile(r"^\*\*Rubric \((\d+(?:\.\d+)?) points?\)\*\*\s*\n\s*\n"
                    r"\| Criterion \| Points \| Full \| Partial \(half\) \| None \|\n\|[-:| ]+\|\n((?:\|.*\|\n?)+)",
                    re.M)


@dataclass(frozen=True)
class Criterion:
    """One rubric row: what earns ``points`` (full), half of them (partial) and none."""

    name: str
    points: float
    full: str
    partial: str
    none: str


@dataclass(frozen=True)
class Reflection:
    """One hand-graded answer of a notebook: its prompt (rubric removed), criteria and the answer as saved
    (empty while it is blank)."""

    grade_id: str
    points: float
    prompt: str
    criteria: tuple[Criterion, ...]
    answer: str

    @property
    def written(self) -> bool:
        return bool(self.answer)


def rubric(prompt: str) -> tuple[float, tuple[Criterion, ...]] | None:
    """The rubric table at the end of a reflection's prompt: its stated total and its criteria; None when the
    prompt has none. A row whose points are not a number raises ValueError."""
    match = RUBRIC.search(prompt)
    if match is None:
        return None
    criteria = []
    for line in match[2].strip().splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) != 5:
            raise ValueError(f"a rubric row has 5 cells (criterion, points, full, partial, none): {line!r}")
        criteria.append(Criterion(cells[0], float(cells[1]), *cells[2:]))
    return float(match[1]), tuple(criteria)


def _by_hand(cell: dict[str, Any]) -> bool:
    meta = nbgrader_meta(cell)
    return bool(meta.get("grade") and meta.get("solution") and meta.get("grade_id"))


def reflections(notebook: Path | str) -> list[Reflection]:
    """The hand-graded answers of ``notebook`` as saved, in order. A prompt without a rubric is graded as one
    criterion, the whole answer. ValueError when the file is not a readable notebook."""
    cells = read_cells(Path(notebook))
    found = []
    for before, cell in zip([{}, *cells], cells):
        if not _by_hand(cell):
            continue
        meta = nbgrader_meta(cell)
        points = float(meta.get("points") or 0)
        prompt = source(before) if before.get("cell_type") == "markdown" else ""
        read = rubric(prompt)
        criteria = read[1] if read else (Criterion("The whole answer", points, "answers every part of the prompt",
                                                   "answers part of it", "misses it"),)
        answer = source(cell).strip()
        found.append(Reflection(str(meta["grade_id"]), points, RUBRIC.sub("", prompt).strip(), criteria,
                                "" if answer == BLANK else answer))
    return found


def model_answers(week: str, root: Path | None = None) -> dict[str, str]:
    """The master's answer to each hand-graded cell of ``week``, by grade id; empty without a course folder."""
    try:
        path = master_notebook((root or course_root()).resolve(), week)
    except CourseError:
        return {}
    return {str(nbgrader_meta(c)["grade_id"]): source(c).strip() for c in read_cells(path) if _by_hand(c)}


def hand_points(root: Path | None = None) -> dict[str, float]:
    """Each week's points graded by hand (its reflections), from the masters; empty without a course folder."""
    try:
        root = (root or course_root()).resolve()
    except CourseError:
        return {}
    return {week: sum(float(nbgrader_meta(c).get("points") or 0)
                      for c in read_cells(master_notebook(root, week)) if _by_hand(c)) for week in weeks(root)}


class SelfGrading:
    """Walks the written reflections of ``week``, criterion by criterion. :meth:`rate` grades the current
    criterion; after a reflection's last one its :class:`SelfGrade` is saved and :attr:`revealed` turns True
    (the model answer may be shown); :meth:`next` moves on. Blank answers are skipped: they are worth 0."""

    def __init__(self, store: Store, week: str, items: list[Reflection], now: Callable[[], float] = time.time
                 ) -> None:
        self.store, self.week, self.now = store, week, now
        self.items = [r for r in items if r.written]
        self.blank = [r for r in items if not r.written]
        self.index = 0
        self.levels: list[str] = []
        self.graded: list[SelfGrade] = []

    @property
    def current(self) -> Reflection | None:
        return self.items[self.index] if self.index < len(self.items) else None

    @property
    def criterion(self) -> Criterion | None:
        """The criterion to grade next; None once the current reflection is graded (or all are)."""
        item = self.current
        return item.criteria[len(self.levels)] if item and len(self.levels) < len(item.criteria) else None

    @property
    def revealed(self) -> bool:
        """True once every criterion of the current reflection has a grade."""
        return self.current is not None and self.criterion is None

    def rate(self, level: str) -> SelfGrade | None:
        """Grade the current criterion ``level`` ("full", "partial" or "none"); the reflection's saved grade
        after its last criterion, else None."""
        if level not in LEVELS:
            raise ValueError(f"level is one of {tuple(LEVELS)}, not {level!r}")
        item, criterion = self.current, self.criterion
        if item is None or criterion is None:
            raise RuntimeError("nothing to grade: call next()")
        self.levels.append(level)
        if self.criterion is not None:
            return None
        points = sum(c.points * LEVELS[lv] for c, lv in zip(item.criteria, self.levels))
        grade = SelfGrade(self.week, item.grade_id, self.now(), points, item.points, tuple(self.levels))
        self.store.add_self_grade(grade)
        self.graded.append(grade)
        return grade

    def next(self) -> Reflection | None:
        """Move to the next written reflection (the current one must be graded); None after the last."""
        if self.current is not None and not self.revealed:
            raise RuntimeError("grade every criterion of this answer first")
        self.index, self.levels = self.index + 1, []
        return self.current
