"""What grading says: the judge's verdict on a test cell, and the outcome of a submission."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from ..totals import Totals

__all__ = ["Outcome", "Status", "Verdict"]


class Verdict(StrEnum):
    """The judge's word on one test cell."""

    PASS = "pass"
    FAIL = "fail"
    PARTIAL = "partial"  # a test of several items, some right: its share of the points (testing.check_items)
    TAMPER = "tamper"  # the notebook answered the judge with something no honest code sends
    MISSING = "missing"  # the test never ran (the kernel stopped first)


class Status(StrEnum):
    """What happened to a submission in a run."""

    GRADED = "graded"
    UNCHANGED = "unchanged"  # graded by an earlier run, and not changed since
    ERROR = "error"  # could not be graded: see the outcome's problems


@dataclass
class Outcome:
    """What happened to one student's submission in this run."""

    student: str
    status: Status
    totals: Totals | None = None  # from the gradebook, once graded
    problems: list[str] = field(default_factory=list)  # restored cells, kernel deaths, tampering, errors
    tampered: bool = False
    seconds: float = 0.0

    @property
    def score(self) -> float:
        """The autograded points (0 when not graded)."""
        return self.totals.autograded if self.totals else 0.0
