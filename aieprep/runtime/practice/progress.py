"""The progress view's numbers: self-checks per week, reps, mocks, flashcard retention and the six gates.

:func:`summary` computes them from the store at ``now``; :func:`figure` plots them and :func:`table` prints them
(``aieprep progress``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .cards import DAY, Deck
from .mocks import GATE_KINDS, KINDS, MOCK_MINUTES, counts
from .patterns import TARGET_SECONDS, Pattern
from .store import Check, Mock, Rep, SelfGrade, Store

__all__ = ["GATES", "WEEKS", "DeckStats", "Gate", "Progress", "WeekRow", "figure", "mmss", "summary", "table"]

WEEKS = ("week01_python_ds", "week02_algorithms", "week03_system_design", "week04_ml_llm", "week05_rag",
         "week06_agents", "week07_behavioral", "week08_mocks")
GATES = {1: "Core patterns cold (<3 min each)", 2: "FastAPI: validated POST endpoint (<5 min)",
         3: "Drills 05–08 timed, no references", 4: "Mocks: ≥3 core + ≥3 AIE with postmortems",
         5: "Agents: ReAct in 60 s, tool router, safety controls", 6: "DevOps: health/readiness, containers, targets"}
CORE_IDS = ("ingestion_loop", "schema_validator", "retry_backoff")
FASTAPI_EXERCISE, FASTAPI_SECONDS = "generate", 300.0
AGENTS_WEEK, AGENTS_SHARE = "week06_agents", 0.8
DRILLS = re.compile(r"\bDrill 0[5-8]\b")
MOCKS_PER_KIND = 3
RECALLED = 3  # an answer of quality ≥ 3 counts as recalled (SM-2's "correct")
KNOWN = 4  # a gate's cards count as known when their latest answer is 4 or 5


@dataclass(frozen=True)
class WeekRow:
    week: str
    check: Check | None  # the latest self-check
    reps: int
    reps_passed: int
    self_graded: float | None = None  # the learner's own grades of the reflections (the latest of each), if any
    by_hand_max: float = 0.0  # the week's points graded by hand

    @property
    def by_hand(self) -> str:
        """The self-graded points as "2.5/9", "–/9" before the first, "—" for a week without reflections."""
        if not self.by_hand_max:
            return "—"
        return f"{'–' if self.self_graded is None else format(self.self_graded, 'g')}/{self.by_hand_max:g}"


@dataclass(frozen=True)
class DeckStats:
    """``retention``: share of recalled answers (each card's first answer of a day) in the window; None if none."""

    deck: str
    cards: int
    seen: int
    due: int
    retention: float | None


@dataclass(frozen=True)
class Gate:
    number: int
    title: str
    passed: bool
    detail: str


@dataclass(frozen=True)
class Progress:
    now: float
    weeks: list[WeekRow]
    reps: dict[str, list[Rep]]  # by pattern id, oldest first
    mocks: list[Mock]
    decks: list[DeckStats]
    gates: list[Gate]


def mmss(seconds: float) -> str:
    """Seconds as m:ss (95 → "1:35")."""
    return f"{int(seconds) // 60}:{int(seconds) % 60:02d}"


def _latest_within(reps: list[Rep], limit: float) -> tuple[bool, str]:
    if not reps:
        return False, "no rep"
    last = reps[-1]
    ok = last.passed is True and last.seconds <= limit
    verdict = "passed" if last.passed else "not tested" if last.passed is None else "failed"
    return ok, f"{mmss(last.seconds)} {verdict}"


def _cards_known(store: Store, decks: Mapping[str, Deck], gate: int) -> tuple[bool, str]:
    cards = [c for d in decks.values() for c in d.cards if c.gate == gate]
    if not cards:
        return False, "no cards for this gate"
    latest = {(r.deck, r.card): r.quality for r in store.reviews()}
    known = sum(latest.get((c.deck, c.id), -1) >= KNOWN for c in cards)
    return known == len(cards), f"{known}/{len(cards)} cards known"


def _gates(store: Store, reps: dict[str, list[Rep]], mocks: list[Mock], checks: dict[str, Check],
           patterns: list[Pattern], decks: Mapping[str, Deck]) -> list[Gate]:
    def gate(n: int, passed: bool, detail: str) -> Gate:
        return Gate(n, GATES[n], passed, detail)

    core = {pid: _latest_within(reps.get(pid, []), TARGET_SECONDS) for pid in CORE_IDS}
    fastapi = _latest_within(reps.get(FASTAPI_EXERCISE, []), FASTAPI_SECONDS)
    fastapi_cards = _cards_known(store, decks, 2)
    drills = {p.id: _latest_within(reps.get(p.id, []), p.target_seconds) for p in patterns if DRILLS.search(p.title)}
    done = {k: sum(1 for m in mocks if m.kind == k and counts(m)) for k in GATE_KINDS}
    short = sum(1 for m in mocks if m.kind in GATE_KINDS and m.postmortem is not None and not counts(m))
    agents_check = checks.get(AGENTS_WEEK)
    agents_ok = bool(agents_check and agents_check.max_score and
                     agents_check.score >= AGENTS_SHARE * agents_check.max_score)
    react = _cards_known(store, decks, 5)
    return [
        gate(1, all(ok for ok, _ in core.values()), ", ".join(f"{k} {d}" for k, (_, d) in core.items())),
        gate(2, fastapi[0] and fastapi_cards[0], f"{FASTAPI_EXERCISE} {fastapi[1]}, {fastapi_cards[1]}"),
        gate(3, bool(drills) and all(ok for ok, _ in drills.values()),
             ", ".join(f"{k} {d}" for k, (_, d) in drills.items()) or "no drills in the course"),
        gate(4, all(n >= MOCKS_PER_KIND for n in done.values()), ", ".join(f"{n} {k}" for k, n in done.items())
             + (f" ({short} under {MOCK_MINUTES} min not counted)" if short else "")),
        gate(5, agents_ok and react[0], (f"week 6 check {agents_check.score:g}/{agents_check.max_score:g}"
                                         if agents_check else "week 6 not checked") + f", {react[1]}"),
        gate(6, *_cards_known(store, decks, 6)),
    ]


def _retention(store: Store, deck: str, since: float) -> float | None:
    first: dict[tuple[str, int], int] = {}
    for r in store.reviews(deck, since):
        first.setdefault((r.card, int(r.at // DAY)), r.quality)
    return sum(q >= RECALLED for q in first.values()) / len(first) if first else None


def summary(store: Store, now: float, patterns: list[Pattern] | None = None,
            decks: Mapping[str, Deck] | None = None, window_days: float = 30,
            hand_points: Mapping[str, float] | None = None) -> Progress:
    """Everything the progress view shows, at ``now`` (epoch seconds); retention over the last ``window_days``.
    ``patterns``, ``decks`` and ``hand_points`` (each week's points graded by hand) default to the course's."""
    if patterns is None:
        from .patterns import patterns as course_patterns

        patterns = course_patterns()
    if decks is None:
        from .cards import decks as course_decks

        decks = course_decks()
    if hand_points is None:
        from .selfgrade import hand_points as course_hand_points

        hand_points = course_hand_points()
    week_of = {p.id: p.week for p in patterns}
    reps: dict[str, list[Rep]] = {}
    for rep in store.reps():
        reps.setdefault(rep.pattern, []).append(rep)
    checks = store.latest_checks()
    graded: dict[str, list[SelfGrade]] = {}
    for (week, _), grade in store.latest_self_grades().items():
        graded.setdefault(week, []).append(grade)
    rows = []
    for week in sorted(set(WEEKS) | set(checks)):
        mine = [r for pid, rs in reps.items() if week_of.get(pid) == week for r in rs]
        own = sum(g.points for g in graded[week]) if week in graded else None
        rows.append(WeekRow(week, checks.get(week), len(mine), sum(r.passed is True for r in mine), own,
                            hand_points.get(week, 0.0)))
    deck_stats = []
    for name, deck in decks.items():
        states = store.card_states(name)
        seen = [c for c in deck.cards if c.id in states]
        deck_stats.append(DeckStats(name, len(deck.cards), len(seen), sum(states[c.id].due <= now for c in seen),
                                    _retention(store, name, now - window_days * DAY)))
    mocks = store.mocks()
    return Progress(now, rows, reps, mocks, deck_stats, _gates(store, reps, mocks, checks, patterns, decks))


def table(progress: Progress) -> str:
    """The progress as plain text: a row per week, then mocks, decks and gates."""
    lines = [f"{'week':<22} {'self-check':>12} {'by hand (own)':>14} {'reps':>5} {'passed':>7}"]
    for row in progress.weeks:
        check = f"{row.check.score:g}/{row.check.max_score:g}" if row.check else "—"
        lines.append(f"{row.week:<22} {check:>12} {row.by_hand:>14} {row.reps:>5} {row.reps_passed:>7}")
    with_pm = sum(m.postmortem is not None for m in progress.mocks)
    lines += ["", f"mocks: {len(progress.mocks)} ({with_pm} with a postmortem)"]
    for m in progress.mocks[-5:]:
        pm = m.postmortem
        lines.append(f"  {m.kind:<11} {mmss(m.seconds):>6}  {m.prompt[:40]:<40}  "
                     + (f"confidence {pm.confidence}, fix: {pm.fix_rule[:40]}" if pm else "no postmortem"))
    lines += ["", f"{'deck':<22} {'cards':>5} {'seen':>5} {'due':>5} {'retention':>10}"]
    for d in progress.decks:
        retention = f"{d.retention:.0%}" if d.retention is not None else "—"
        lines.append(f"{d.deck:<22} {d.cards:>5} {d.seen:>5} {d.due:>5} {retention:>10}")
    lines += ["", "gates:"]
    for g in progress.gates:
        lines.append(f"  [{'x' if g.passed else ' '}] {g.number}. {g.title}: {g.detail}")
    return "\n".join(lines)


def figure(progress: Progress, patterns: int = 6) -> Any:
    """A matplotlib Figure: per week the latest self-check's share of the autograded points beside the learner's
    share of the points graded by hand; rep times of the ``patterns`` most repped patterns with the 3-minute line;
    mock confidence over time; and retention per deck."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    fig = Figure(figsize=(11, 7))
    checks, reps, mocks, cards = fig.subplots(2, 2).flat
    weeks = [r.week for r in progress.weeks]
    shares = [100 * r.check.score / r.check.max_score if r.check and r.check.max_score else 0.0
              for r in progress.weeks]
    own = [100 * (r.self_graded or 0.0) / r.by_hand_max if r.by_hand_max else 0.0 for r in progress.weeks]
    checks.bar([i - 0.2 for i in range(len(weeks))], shares, width=0.4, color="C0", label="autograded (check)")
    checks.bar([i + 0.2 for i in range(len(weeks))], own, width=0.4, color="C1", label="by hand (your grades)")
    checks.set_xticks(range(len(weeks)), [w[4:6] for w in weeks])
    checks.set_ylim(0, 125)  # room for the legend above the bars
    checks.set_yticks(range(0, 101, 25))
    checks.set(title="latest self-check and self-grades", xlabel="week", ylabel="% of points")
    checks.legend(fontsize="x-small", loc="upper left")

    most = sorted(progress.reps, key=lambda pid: (-len(progress.reps[pid]), pid))[:patterns]
    for pid in most:
        times = [r.seconds for r in progress.reps[pid]]
        reps.plot(range(1, len(times) + 1), times, marker="o", label=pid)
    for counted in (reps, mocks):  # reps and mocks are counted: no tick at 0.96
        counted.xaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))
    reps.axhline(TARGET_SECONDS, color="C3", linestyle="--", label="3 min")
    reps.set(title="rep times", xlabel="rep", ylabel="seconds")
    reps.legend(fontsize="x-small")

    for n, kind in enumerate(KINDS):
        points = [(i, m.postmortem.confidence) for i, m in enumerate(progress.mocks, 1)
                  if m.kind == kind and m.postmortem]
        if points:
            mocks.scatter(*zip(*points), label=kind, color=f"C{n}")
    mocks.set_ylim(0.5, 5.5)
    mocks.set(title=f"mocks: {len(progress.mocks)}", xlabel="mock", ylabel="confidence (1–5)")
    if progress.mocks:
        mocks.legend(fontsize="small")

    names = [d.deck for d in progress.decks]
    cards.bar(range(len(names)), [100 * (d.retention or 0.0) for d in progress.decks], color="C2")
    cards.set_xticks(range(len(names)), names, rotation=20, fontsize="small")
    cards.set_ylim(0, 100)
    cards.set(title="flashcard retention", ylabel="% recalled")
    fig.tight_layout()
    return fig
