"""The cold-rep timer: start, write the pattern from memory, stop; the time and the test verdict are logged."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from .patterns import TARGET_SECONDS, Pattern, TestOutcome, run_visible_tests
from .store import Rep, Store

__all__ = ["RepTimer", "history_figure"]


class RepTimer:
    """Times one pattern's reps. ``clock`` returns seconds (``time.monotonic`` by default); ``now`` gives the
    recorded date (``time.time``)."""

    def __init__(self, store: Store, pattern: Pattern, clock: Callable[[], float] = time.monotonic,
                 now: Callable[[], float] = time.time) -> None:
        self.store, self.pattern, self.clock, self.now = store, pattern, clock, now
        self.started: float | None = None
        self.last_tests: list[TestOutcome] = []

    @property
    def running(self) -> bool:
        return self.started is not None

    def start(self) -> None:
        """Start (or restart) the clock."""
        self.started = self.clock()
        self.last_tests = []

    def elapsed(self) -> float:
        """Seconds since start; 0 when stopped."""
        return 0.0 if self.started is None else self.clock() - self.started

    def stop(self, passed: bool | None = None, note: str = "") -> Rep:
        """Stop the clock and log the rep; ``passed`` is whether its tests passed (None: not run)."""
        if self.started is None:
            raise RuntimeError("the timer is not running: start it first")
        rep = Rep(self.pattern.id, self.now(), self.elapsed(), passed, note)
        self.started = None
        self.store.add_rep(rep)
        return rep

    def stop_and_test(self, namespace: dict[str, Any] | None = None, note: str = "") -> Rep:
        """Stop the clock, run the pattern's visible tests on the learner's code, and log the rep with the
        verdict (None when the pattern has no tests). The tests' run time is not counted."""
        if self.started is None:
            raise RuntimeError("the timer is not running: start it first")
        seconds = self.elapsed()
        self.last_tests = run_visible_tests(self.pattern, namespace)
        passed = all(t.passed for t in self.last_tests) if self.last_tests else None
        rep = Rep(self.pattern.id, self.now(), seconds, passed, note)
        self.started = None
        self.store.add_rep(rep)
        return rep

    def history(self) -> list[Rep]:
        return self.store.reps(self.pattern.id)


def history_figure(reps: list[Rep], title: str = "", target: float = TARGET_SECONDS) -> Any:
    """A matplotlib Figure of rep times in order (passed ●, failed ✕, untested ○) with the target as a line."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    fig = Figure(figsize=(6, 3))
    ax = fig.add_subplot()
    xs = list(range(1, len(reps) + 1))
    ax.plot(xs, [r.seconds for r in reps], color="0.6", linewidth=1)
    for passed, marker, label in ((True, "o", "tests passed"), (False, "x", "tests failed"), (None, "o", "not tested")):
        points = [(x, r.seconds) for x, r in zip(xs, reps) if r.passed is passed]
        if points:
            ax.scatter(*zip(*points), marker=marker, label=label,
                       facecolors="none" if passed is None else None, edgecolors="C0" if passed is None else None)
    ax.axhline(target, color="C3", linestyle="--", label=f"target {target / 60:g} min")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))  # reps are counted: no tick at rep 0.96
    ax.set_xlabel("rep")
    ax.set_ylabel("seconds")
    ax.set_title(title or "rep times")
    ax.legend(loc="upper right", fontsize="small")
    fig.tight_layout()
    return fig
