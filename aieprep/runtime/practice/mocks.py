"""The mock-interview timer: the stage plan of the mock's kind with its nudges, then the postmortem, saved to the log.

A mock counts towards the gates only when it ran at least its kind's minimum time and has a postmortem
(:func:`counts`); gate 4 asks for three AIE and three core mocks that count (:data:`GATE_KINDS`)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from .store import Mock, Postmortem, Store

__all__ = ["GATE_KINDS", "KINDS", "MIN_MINUTES", "MOCK_MINUTES", "NUDGES", "PLANS", "PROMPTS", "STAGES", "MockTimer",
           "Postmortem", "Stage", "Status", "counts"]


@dataclass(frozen=True)
class Stage:
    name: str
    minutes: float


STAGES = (Stage("Restate and pick a pattern", 2), Stage("Tests first", 2), Stage("Baseline", 15),
          Stage("Edge cases", 5), Stage("Buffer", 11))
NUDGES = {4: "Minute 4: restated, pattern named, tests written? Start the baseline now.",
          10: "Minute 10: no passing baseline yet? Go brute force, make it pass, then improve it."}
BEHAVIOURAL_STAGES = (Stage("Tell me about yourself", 2), Stage("Story 1 and follow-ups", 7),
                      Stage("Story 2 and follow-ups", 7), Stage("Story 3 and follow-ups", 7), Stage("Your questions", 7))
BEHAVIOURAL_NUDGES = {3: "Minute 3: past 90 seconds of pitch? Land on why this role and stop.",
                      16: "Minute 16: second story done? Keep each under 3 minutes with a number in the result."}
DESIGN_STAGES = (Stage("Requirements with numbers", 5), Stage("API and data", 8), Stage("Retrieval and generation", 10),
                 Stage("Evaluation", 7), Stage("Cost and scale", 7), Stage("Failure modes and safety", 5),
                 Stage("Wrap-up", 3))
DESIGN_NUDGES = {5: "Minute 5: requirements stated with numbers? Move to the API.",
                 23: "Minute 23: no evaluation yet? Say how you would measure it now."}
KINDS = ("aie", "core", "behavioural", "design")
GATE_KINDS = ("aie", "core")  # readiness gate 4 asks for three of each that count (see counts)
PLANS: dict[str, tuple[tuple[Stage, ...], dict[int, str]]] = {
    "aie": (STAGES, NUDGES), "core": (STAGES, NUDGES), "behavioural": (BEHAVIOURAL_STAGES, BEHAVIOURAL_NUDGES),
    "design": (DESIGN_STAGES, DESIGN_NUDGES)}
MOCK_MINUTES = 15  # an AIE or core mock counts from this length on: a shorter one is a false start
MIN_MINUTES = {"aie": MOCK_MINUTES, "core": MOCK_MINUTES, "behavioural": 15, "design": 20}
PROMPTS = {  # the six AIE mock prompts (35–45 min); a core mock is any timed exercise or problem-bank item
    "aie-1": "JSONL pipeline endpoint: POST /ingest → valid records, count, total, line-numbered errors",
    "aie-2": "Resilient LLM call service: ≤3 attempts, retry transport failures only, report the attempt",
    "aie-3": "CRUD with validation: ticket API, create/get/filter by status, created_at/updated_at",
    "aie-4": "Async fan-out aggregator: three providers, partial failure, 2 s timeout each, total latency",
    "aie-5": "Production guardrails: latency log, per-IP rate limit, public /health, API-key dependency",
    "aie-6": "Agent tool router: TOOL:<name> ARGS:<json>, get_weather and lookup_order, ≤3 iterations",
    "design-1": "AI-system design: support assistant over 50,000 help articles, 1 M users, can open tickets",
    "behavioural-1": "Behavioural round: tell me about yourself, three stories, your questions",
}


def counts(mock: Mock) -> bool:
    """Whether a logged mock counts towards the gates: it has a postmortem and ran its kind's minimum time."""
    return mock.postmortem is not None and mock.seconds >= MIN_MINUTES.get(mock.kind, MOCK_MINUTES) * 60


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
        """The stage of this kind's plan, time left in it, and the nudge for the current minute."""
        stages, nudges = PLANS[self.kind]
        elapsed = self.elapsed()
        end = 0.0
        stage, left = None, 0.0
        for s in stages:
            end += s.minutes * 60
            if elapsed < end:
                stage, left = s, end - elapsed
                break
        reached = [m for m in nudges if elapsed >= m * 60]
        total = sum(s.minutes for s in stages) * 60
        return Status(elapsed, stage, left, nudges[max(reached)] if reached else None, max(0.0, elapsed - total))

    def finish(self) -> float:
        """Stop the clock; returns the mock's length in seconds."""
        if self.started is None:
            raise RuntimeError("the mock has not started")
        if self.seconds is None:
            self.seconds = self.clock() - self.started
        return self.seconds

    def save(self, postmortem: Postmortem | None) -> Mock:
        """Stop the clock if running and log the mock with its postmortem (None: skipped, it will not count)."""
        mock = Mock(self.prompt, self.kind, self.now(), self.finish(), postmortem)
        self.store.add_mock(mock)
        return mock
