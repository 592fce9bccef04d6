"""The mock-interview timer: the stage plan with its nudges, then the postmortem, saved to the log."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from .store import Mock, Postmortem, Store

__all__ = ["KINDS", "NUDGES", "PROMPTS", "STAGES", "MockTimer", "Postmortem", "Stage", "Status"]


@dataclass(frozen=True)
class Stage:
    name: str
    minutes: float


STAGES = (Stage("Restate and pick a pattern", 2), Stage("Tests first", 2), Stage("Baseline", 15),
          Stage("Edge cases", 5), Stage("Buffer", 11))
NUDGES = {4: "Minute 4: restated, pattern named, tests written? Start the baseline now.",
          10: "Minute 10: no passing baseline yet? Go brute force, make it pass, then improve it."}
KINDS = ("aie", "core")  # readiness gate 4 asks for three of each, each with a postmortem
PROMPTS = {  # the six AIE mock prompts (35–45 min); a core mock is any timed exercise or problem-bank item
    "aie-1": "JSONL pipeline endpoint: POST /ingest → valid records, count, total, line-numbered errors",
    "aie-2": "Resilient LLM call service: ≤3 attempts, retry transport failures only, report the attempt",
    "aie-3": "CRUD with validation: ticket API, create/get/filter by status, created_at/updated_at",
    "aie-4": "Async fan-out aggregator: three providers, partial failure, 2 s timeout each, total latency",
    "aie-5": "Production guardrails: latency log, per-IP rate limit, public /health, API-key dependency",
    "aie-6": "Agent tool router: TOOL:<name> ARGS:<json>, get_weather and lookup_order, ≤3 iterations",
}


@dataclass(frozen=True)
class Status:
    """Where a running mock stands: the stage, its minutes left, and the latest nudge reached (or None)."""

    elapsed: float
    stage: Stage | None  # None once the plan's time is used up
    stage_left: float  # seconds left in this stage
    nudge: str | None
    over: float  # seconds past the plan's end (0 within it)


class MockTimer:
    """Runs one mock by the stage plan. ``clock`` gives seconds (``time.monotonic``), ``now`` the recorded date."""

    def __init__(self, store: Store, prompt: str, kind: str = "aie", clock: Callable[[], float] = time.monotonic,
                 now: Callable[[], float] = time.time) -> None:
        if kind not in KINDS:
            raise ValueError(f"kind is one of {KINDS}, not {kind!r}")
        if not prompt.strip():
            raise ValueError("name the prompt")
        self.store, self.prompt, self.kind, self.clock, self.now = store, prompt.strip(), kind, clock, now
        self.started: float | None = None
        self.seconds: float | None = None  # set by finish()

    def start(self) -> None:
        self.started, self.seconds = self.clock(), None

    def elapsed(self) -> float:
        if self.seconds is not None:
            return self.seconds
        return 0.0 if self.started is None else self.clock() - self.started

    def status(self) -> Status:
        """The stage, time left in it, and the nudge for the current minute."""
        elapsed = self.elapsed()
        end = 0.0
        stage, left = None, 0.0
        for s in STAGES:
            end += s.minutes * 60
            if elapsed < end:
                stage, left = s, end - elapsed
                break
        reached = [m for m in NUDGES if elapsed >= m * 60]
        total = sum(s.minutes for s in STAGES) * 60
        return Status(elapsed, stage, left, NUDGES[max(reached)] if reached else None, max(0.0, elapsed - total))

    def finish(self) -> float:
        """Stop the clock; returns the mock's length in seconds."""
        if self.started is None:
            raise RuntimeError("the mock has not started")
        if self.seconds is None:
            self.seconds = self.clock() - self.started
        return self.seconds

    def save(self, postmortem: Postmortem | None) -> Mock:
        """Stop the clock if running and log the mock with its postmortem (None: skipped, gate 4 will not count it)."""
        mock = Mock(self.prompt, self.kind, self.now(), self.finish(), postmortem)
        self.store.add_mock(mock)
        return mock
