"""Flashcards: decks read from TOML files, scheduled with SuperMemo's SM-2, due cards first.

SM-2 (P. Wozniak, 1990), for an answer of quality q (0 blackout … 5 perfect) on a card with n repetitions in a
row, last interval I (days) and easiness EF:

- q ≥ 3: I = 1 when n = 0, 6 when n = 1, else round(I·EF) (halves round up); then n += 1.
- q < 3: n = 0 and I = 1 (the card starts over; its EF is kept, as step 6 says).
- Then EF' = EF + (0.1 − (5−q)(0.08 + (5−q)·0.02)), never below 1.3. The interval uses the EF before the answer.
- Step 7: within a session, a card answered below 4 comes back at the end until it scores 4 or 5; those
  re-runs are logged but do not change the schedule.

A deck is one file ``<name>.toml`` in ``aieprep/data/decks/`` (or in a folder named in ``$AIEPREP_DECKS``,
several separated by ``os.pathsep``; a file there replaces a packaged deck of the same name)::

    title = "RAG and agents"
    [[cards]]
    id = "rrf"                          # stable: the schedule is kept by deck and id, so edit text freely
    front = "Reciprocal rank fusion?"
    back = "score(d) = Σ 1/(k + rank_i(d)), k ≈ 60 …"
    gate = 5                            # optional: the readiness gate this card is evidence for
"""

from __future__ import annotations

import math
import os
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .store import CardState, Review, Store

__all__ = ["DAY", "Card", "CardState", "Deck", "DeckError", "Session", "deck_dirs", "decks", "due_cards",
           "load_deck", "sm2"]

DAY = 86_400.0
MIN_EASINESS = 1.3


class DeckError(Exception):
    """A deck file that cannot be used, with the file and the card named."""


def sm2(state: CardState, quality: int, now: float) -> CardState:
    """The card's state after an answer of ``quality`` (0–5) at ``now`` (epoch seconds), by SM-2's rules."""
    if quality not in range(6):
        raise ValueError(f"quality is an integer 0 to 5, not {quality!r}")
    if quality >= 3:
        if state.repetitions == 0:
            interval = 1.0
        elif state.repetitions == 1:
            interval = 6.0
        else:
            interval = float(math.floor(state.interval * state.easiness + 0.5))
        repetitions = state.repetitions + 1
    else:
        interval, repetitions = 1.0, 0
    miss = 5 - quality
    easiness = max(MIN_EASINESS, state.easiness + (0.1 - miss * (0.08 + miss * 0.02)))
    return CardState(repetitions, interval, easiness, now + interval * DAY)


@dataclass(frozen=True)
class Card:
    """One flashcard; ``gate`` is the readiness gate (1–6) it is evidence for, if any."""

    deck: str
    id: str
    front: str
    back: str
    gate: int | None = None
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Deck:
    name: str
    title: str
    cards: tuple[Card, ...] = field(repr=False)
    path: Path | None = None


def deck_dirs() -> list[Path]:
    """Where decks are looked for, later folders winning: the packaged decks, then ``$AIEPREP_DECKS``."""
    extra = [Path(p).expanduser() for p in os.environ.get("AIEPREP_DECKS", "").split(os.pathsep) if p]
    return [Path(__file__).resolve().parents[2] / "data" / "decks", *extra]


def load_deck(path: Path) -> Deck:
    """The deck in a TOML file; DeckError naming the file and card when a field is missing or an id repeats."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise DeckError(f"{path}: {error}") from None
    name = path.stem
    cards: list[Card] = []
    seen: set[str] = set()
    for n, raw in enumerate(data.get("cards", []), 1):
        where = f"{path}: card {n}"
        if not isinstance(raw, dict):
            raise DeckError(f"{where}: not a table")
        missing = [k for k in ("id", "front", "back") if not isinstance(raw.get(k), str) or not raw[k].strip()]
        if missing:
            raise DeckError(f"{where}: missing {', '.join(missing)}")
        if raw["id"] in seen:
            raise DeckError(f"{where}: id {raw['id']!r} used twice")
        gate = raw.get("gate")
        if gate is not None and gate not in range(1, 7):
            raise DeckError(f"{where}: gate is 1 to 6, not {gate!r}")
        seen.add(raw["id"])
        cards.append(Card(name, raw["id"], raw["front"].strip(), raw["back"].strip(), gate,
                          tuple(str(t) for t in raw.get("tags", []))))
    if not cards:
        raise DeckError(f"{path}: no [[cards]]")
    return Deck(name, str(data.get("title", name)), tuple(cards), path)


def decks() -> dict[str, Deck]:
    """Every deck by name (the file's stem), in name order."""
    files = {p.stem: p for folder in deck_dirs() if folder.is_dir() for p in sorted(folder.glob("*.toml"))}
    return {name: load_deck(files[name]) for name in sorted(files)}


def due_cards(store: Store, deck: Deck, now: float, new_per_session: int = 10) -> list[Card]:
    """The cards to study at ``now``: due reviews first (most overdue first), then up to ``new_per_session``
    never-seen cards in file order."""
    states = store.card_states(deck.name)
    due = sorted((c for c in deck.cards if c.id in states and states[c.id].due <= now), key=lambda c: states[c.id].due)
    new = [c for c in deck.cards if c.id not in states][:new_per_session]
    return due + new


class Session:
    """One sitting with a deck: ``current`` is the card to answer; ``answer(q)`` grades it (0–5), saves the
    review and moves on. Cards answered below 4 come back at the end (SM-2 step 7)."""

    def __init__(self, store: Store, deck: Deck, clock: Callable[[], float] = time.time,
                 new_per_session: int = 10) -> None:
        self.store, self.deck, self.clock = store, deck, clock
        self.queue = due_cards(store, deck, clock(), new_per_session)
        self.graded: set[str] = set()  # cards already scheduled this session (re-runs do not reschedule)
        self.answered = 0

    @property
    def current(self) -> Card | None:
        return self.queue[0] if self.queue else None

    @property
    def done(self) -> bool:
        return not self.queue

    def answer(self, quality: int) -> CardState | None:
        """Grade the current card; returns its new schedule, or None for a same-session re-run."""
        card = self.current
        if card is None:
            raise IndexError("no card left in this session")
        if quality not in range(6):
            raise ValueError(f"quality is an integer 0 to 5, not {quality!r}")
        now = self.clock()
        state = None
        if card.id not in self.graded:
            state = sm2(self.store.card_states(self.deck.name).get(card.id, CardState()), quality, now)
            self.graded.add(card.id)
        self.store.add_review(Review(self.deck.name, card.id, now, quality), state)
        self.answered += 1
        self.queue.pop(0)
        if quality < 4:
            self.queue.append(card)
        return state
