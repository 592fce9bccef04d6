"""The practice state file: one SQLite database (WAL mode), every write one short transaction.

See the package docstring (:mod:`aieprep.runtime.practice`) for the tables, the path and the fault handling.
"""

from __future__ import annotations

import os
import sqlite3
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["CardState", "Check", "Mock", "Postmortem", "Rep", "Review", "SelfGrade", "Store", "StoreError", "Story",
           "grading", "open_store", "practice_db_path"]

SCHEMA_VERSION = 3  # 2 added self_grades, 3 stories
BUSY_TIMEOUT_MS = 15_000  # how long a writer waits for another notebook's transaction before giving up

SCHEMA = """
CREATE TABLE IF NOT EXISTS reps (
    id INTEGER PRIMARY KEY, pattern TEXT NOT NULL, at REAL NOT NULL, seconds REAL NOT NULL,
    passed INTEGER, note TEXT NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS mocks (
    id INTEGER PRIMARY KEY, prompt TEXT NOT NULL, kind TEXT NOT NULL, at REAL NOT NULL, seconds REAL NOT NULL,
    problem TEXT, pattern TEXT, bug_type TEXT, fix_rule TEXT, micro_drill TEXT, confidence INTEGER);
CREATE TABLE IF NOT EXISTS cards (
    deck TEXT NOT NULL, card TEXT NOT NULL, repetitions INTEGER NOT NULL, interval REAL NOT NULL,
    easiness REAL NOT NULL, due REAL NOT NULL, PRIMARY KEY (deck, card));
CREATE TABLE IF NOT EXISTS reviews (
    id INTEGER PRIMARY KEY, deck TEXT NOT NULL, card TEXT NOT NULL, at REAL NOT NULL, quality INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS checks (
    id INTEGER PRIMARY KEY, week TEXT NOT NULL, at REAL NOT NULL, score REAL NOT NULL, max_score REAL NOT NULL);
CREATE TABLE IF NOT EXISTS self_grades (
    id INTEGER PRIMARY KEY, week TEXT NOT NULL, grade_id TEXT NOT NULL, at REAL NOT NULL, points REAL NOT NULL,
    max_points REAL NOT NULL, levels TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS stories (
    title TEXT PRIMARY KEY, theme TEXT NOT NULL, text TEXT NOT NULL, at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS reps_by_pattern ON reps (pattern, at);
CREATE INDEX IF NOT EXISTS reviews_by_deck ON reviews (deck, at);
CREATE INDEX IF NOT EXISTS checks_by_week ON checks (week, at);
"""


class StoreError(Exception):
    """A problem with the practice store the learner can act on, reported as one line."""


@dataclass(frozen=True)
class Rep:
    """One timed cold rep: ``passed`` is None when no tests were run."""

    pattern: str
    at: float
    seconds: float
    passed: bool | None
    note: str = ""


@dataclass(frozen=True)
class Postmortem:
    """What a mock taught: the six fields of the postmortem form."""

    problem: str
    pattern: str
    bug_type: str
    fix_rule: str  # one line: the rule that would have prevented the bug
    micro_drill: str  # tomorrow's 5-minute drill
    confidence: int  # 1 (lost) … 5 (would pass it again)

    def __post_init__(self) -> None:
        if not 1 <= self.confidence <= 5:
            raise ValueError(f"confidence is 1 to 5, not {self.confidence}")
        empty = [name for name in ("problem", "pattern", "fix_rule", "micro_drill") if not getattr(self, name).strip()]
        if empty:
            raise ValueError(f"fill in: {', '.join(empty)}")
        if "\n" in self.fix_rule.strip():
            raise ValueError("the fix rule is one line")


@dataclass(frozen=True)
class Mock:
    """One timed mock interview; ``kind`` is "core" or "aie"; the postmortem may be missing."""

    prompt: str
    kind: str
    at: float
    seconds: float
    postmortem: Postmortem | None


@dataclass(frozen=True)
class CardState:
    """SM-2 state of one card: repetitions in a row recalled, the last interval (days), easiness, due time."""

    repetitions: int = 0
    interval: float = 0.0
    easiness: float = 2.5
    due: float = 0.0  # epoch seconds; 0 = new, due at once


@dataclass(frozen=True)
class Review:
    """One flashcard answer: quality 0 (blackout) … 5 (perfect)."""

    deck: str
    card: str
    at: float
    quality: int


@dataclass(frozen=True)
class Check:
    """One ``aieprep check`` result."""

    week: str
    at: float
    score: float
    max_score: float


@dataclass(frozen=True)
class SelfGrade:
    """A learner's own grade of one reflection: ``levels`` holds each rubric criterion's level, in order."""

    week: str
    grade_id: str
    at: float
    points: float
    max_points: float
    levels: tuple[str, ...]


@dataclass(frozen=True)
class Story:
    """One story of the learner's bank (Week 7): STAR(R) text under a title, with its theme."""

    title: str
    theme: str
    text: str
    at: float


def practice_db_path() -> Path:
    """``$AIEPREP_PRACTICE_DB``, else ``practice.sqlite3`` in ``$AIEPREP_DATA_DIR``, in
    ``$XDG_DATA_HOME/aieprep`` or in ``~/.local/share/aieprep`` (the first one set)."""
    if os.environ.get("AIEPREP_PRACTICE_DB"):
        return Path(os.environ["AIEPREP_PRACTICE_DB"]).expanduser()
    base = os.environ.get("AIEPREP_DATA_DIR") or Path(
        os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "aieprep"
    return Path(base).expanduser() / "practice.sqlite3"


def _stderr(message: str) -> None:
    print(f"aieprep practice: {message}", file=sys.stderr)


def grading() -> bool:
    """True inside the autograder (nbgrader sets NBGRADER_EXECUTION): the practice tools keep nothing then."""
    return bool(os.environ.get("NBGRADER_EXECUTION"))


def open_store(path: Path | str | None = None, notify: Callable[[str], None] = _stderr) -> Store:
    """The learner's store (:func:`practice_db_path` unless ``path``); an in-memory one while grading.

    ``notify`` gets a one-line message when a damaged file was set aside (default: printed to stderr)."""
    if grading():
        return Store(":memory:", notify=notify)
    return Store(practice_db_path() if path is None else path, notify=notify)


def _is_corruption(error: sqlite3.DatabaseError) -> bool:
    name = getattr(error, "sqlite_errorname", "")
    return name in {"SQLITE_CORRUPT", "SQLITE_NOTADB"} or not isinstance(error, sqlite3.OperationalError)


class Store:
    """The practice records in one SQLite file (or ``":memory:"``); safe to share between processes, and between
    threads (ipykernel 7 runs widget callbacks on a thread of their own: one connection, used under a lock).

    ``notice`` holds the message about a damaged file set aside when this store was opened, else None.
    """

    def __init__(self, path: Path | str, notify: Callable[[str], None] = _stderr) -> None:
        self.path = None if str(path) == ":memory:" else Path(path)
        self.notice: str | None = None
        self._lock = threading.RLock()
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = self._open()
        except sqlite3.DatabaseError as error:
            if self.path is None or not _is_corruption(error):
                raise StoreError(f"cannot open the practice store {self.path}: {error}") from None
            backup = self._set_aside()
            self.notice = (f"the practice store {self.path} was damaged ({error}); it was moved to {backup.name} "
                           "and a fresh one started")
            notify(self.notice)
            self._db = self._open()

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(":memory:" if self.path is None else self.path, isolation_level=None,
                             timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
        try:
            db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            if self.path is not None:
                (check,) = db.execute("PRAGMA quick_check").fetchone()
                if check != "ok":
                    raise sqlite3.DatabaseError(f"integrity check: {check}")
                db.execute("PRAGMA journal_mode = WAL")
                db.execute("PRAGMA synchronous = FULL")
            (version,) = db.execute("PRAGMA user_version").fetchone()
            if version > SCHEMA_VERSION:
                raise StoreError(f"{self.path} was written by a newer aieprep (schema {version}); update the course")
            if version < SCHEMA_VERSION:
                db.executescript(f"BEGIN IMMEDIATE;\n{SCHEMA}\nPRAGMA user_version = {SCHEMA_VERSION};\nCOMMIT;")
        except BaseException:
            db.close()
            raise
        return db

    def _set_aside(self) -> Path:
        """Rename the damaged file (and its WAL and shared-memory files) to ``<name>.corrupt[.N]``."""
        assert self.path is not None
        n = 0
        while True:
            backup = self.path.with_name(f"{self.path.name}.corrupt" + (f".{n}" if n else ""))
            if not backup.exists():
                break
            n += 1
        os.replace(self.path, backup)
        for suffix in ("-wal", "-shm"):
            extra = self.path.with_name(self.path.name + suffix)
            if extra.exists():
                os.replace(extra, backup.with_name(backup.name + suffix))
        return backup

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic write: all of it is kept, or (on an error or a killed process) none of it."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _rows(self, sql: str, args: tuple[object, ...] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    # reps
    def add_rep(self, rep: Rep) -> None:
        with self.transaction() as db:
            db.execute("INSERT INTO reps (pattern, at, seconds, passed, note) VALUES (?, ?, ?, ?, ?)",
                       (rep.pattern, rep.at, rep.seconds, None if rep.passed is None else int(rep.passed), rep.note))

    def reps(self, pattern: str | None = None) -> list[Rep]:
        """Reps, oldest first; only ``pattern``'s when given."""
        where, args = ("WHERE pattern = ?", (pattern,)) if pattern is not None else ("", ())
        rows = self._rows(f"SELECT pattern, at, seconds, passed, note FROM reps {where} ORDER BY at, id", args)
        return [Rep(p, at, s, None if ok is None else bool(ok), note) for p, at, s, ok, note in rows]

    # mocks
    def add_mock(self, mock: Mock) -> None:
        pm = mock.postmortem
        fields = (pm.problem, pm.pattern, pm.bug_type, pm.fix_rule, pm.micro_drill, pm.confidence) if pm else (None,) * 6
        with self.transaction() as db:
            db.execute("INSERT INTO mocks (prompt, kind, at, seconds, problem, pattern, bug_type, fix_rule, micro_drill,"
                       " confidence) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", (mock.prompt, mock.kind, mock.at, mock.seconds,
                                                                            *fields))

    def mocks(self) -> list[Mock]:
        """Mocks, oldest first."""
        rows = self._rows("SELECT prompt, kind, at, seconds, problem, pattern, bug_type, fix_rule, micro_drill,"
                                " confidence FROM mocks ORDER BY at, id")
        return [Mock(prompt, kind, at, seconds, Postmortem(*pm) if pm[0] is not None else None)
                for prompt, kind, at, seconds, *pm in rows]

    # flashcards
    def card_states(self, deck: str) -> dict[str, CardState]:
        """The SM-2 state of each card of ``deck`` reviewed at least once."""
        rows = self._rows("SELECT card, repetitions, interval, easiness, due FROM cards WHERE deck = ?", (deck,))
        return {card: CardState(n, i, ef, due) for card, n, i, ef, due in rows}

    def add_review(self, review: Review, state: CardState | None) -> None:
        """Log an answer and, unless ``state`` is None (a same-day re-run), store the card's new schedule: atomically."""
        with self.transaction() as db:
            db.execute("INSERT INTO reviews (deck, card, at, quality) VALUES (?, ?, ?, ?)",
                       (review.deck, review.card, review.at, review.quality))
            if state is not None:
                db.execute("INSERT OR REPLACE INTO cards (deck, card, repetitions, interval, easiness, due)"
                           " VALUES (?, ?, ?, ?, ?, ?)", (review.deck, review.card, state.repetitions, state.interval,
                                                          state.easiness, state.due))

    def reviews(self, deck: str | None = None, since: float | None = None) -> list[Review]:
        """Answers, oldest first; only ``deck``'s and only from ``since`` when given."""
        rows = self._rows("SELECT deck, card, at, quality FROM reviews WHERE (? IS NULL OR deck = ?) AND "
                                "(? IS NULL OR at >= ?) ORDER BY at, id", (deck, deck, since, since))
        return [Review(*row) for row in rows]

    # self-checks
    def add_check(self, check: Check) -> None:
        with self.transaction() as db:
            db.execute("INSERT INTO checks (week, at, score, max_score) VALUES (?, ?, ?, ?)",
                       (check.week, check.at, check.score, check.max_score))

    def checks(self, week: str | None = None) -> list[Check]:
        """Every recorded check (of ``week``, if given), oldest first."""
        rows = self._rows("SELECT week, at, score, max_score FROM checks WHERE ? IS NULL OR week = ? "
                                "ORDER BY at, id", (week, week))
        return [Check(*row) for row in rows]

    def latest_checks(self) -> dict[str, Check]:
        """The most recent check of each week."""
        rows = self._rows("SELECT week, at, score, max_score FROM checks ORDER BY at, id")
        return {row[0]: Check(*row) for row in rows}

    # self-grades of reflections
    def add_self_grade(self, grade: SelfGrade) -> None:
        with self.transaction() as db:
            db.execute("INSERT INTO self_grades (week, grade_id, at, points, max_points, levels)"
                       " VALUES (?, ?, ?, ?, ?, ?)",
                       (grade.week, grade.grade_id, grade.at, grade.points, grade.max_points, ",".join(grade.levels)))

    def self_grades(self, week: str | None = None) -> list[SelfGrade]:
        """Every self-grade (of ``week``, if given), oldest first."""
        rows = self._rows("SELECT week, grade_id, at, points, max_points, levels FROM self_grades "
                          "WHERE ? IS NULL OR week = ? ORDER BY at, id", (week, week))
        return [SelfGrade(wk, gid, at, pts, top, tuple(levels.split(",")) if levels else ())
                for wk, gid, at, pts, top, levels in rows]

    def latest_self_grades(self, week: str | None = None) -> dict[tuple[str, str], SelfGrade]:
        """The most recent self-grade of each reflection, by (week, grade id)."""
        return {(g.week, g.grade_id): g for g in self.self_grades(week)}

    # the learner's story bank
    def save_stories(self, stories: list[Story]) -> None:
        """Keep ``stories`` at once, each replacing the story of the same title."""
        with self.transaction() as db:
            db.executemany("INSERT OR REPLACE INTO stories (title, theme, text, at) VALUES (?, ?, ?, ?)",
                           [(s.title, s.theme, s.text, s.at) for s in stories])

    def stories(self) -> list[Story]:
        """The bank, by title."""
        return [Story(*row) for row in self._rows("SELECT title, theme, text, at FROM stories ORDER BY title")]

    def delete_story(self, title: str) -> bool:
        """Remove the story ``title``; False when there was none."""
        with self.transaction() as db:
            return db.execute("DELETE FROM stories WHERE title = ?", (title,)).rowcount > 0
