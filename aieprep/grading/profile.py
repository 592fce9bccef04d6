"""A week's grading profile, kept beside the week in ``source/<week>/grading.toml``, section ``[grading]``:

- any field of :class:`aieprep.grading.sandbox.Limits` (``memory_bytes = 4294967296``, ``cell_seconds = 60``);
- ``preload``: modules the kernel imports before the notebook runs, beyond those the notebook imports;
- ``environment``: variables set in the kernel (a table of strings).

Section ``[lend]``: course classes whose objects the judge lends to learner code as handles instead of
copying them into the notebook, each with the operations a handle allows (``CountingList = ["__len__",
"__getitem__"]``): the state that decides a budget (reads counted, rows written) stays in the judge.

The course's per-cell timeout (nbgrader's ``Execute.timeout``) comes first; the week's own values override it.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from ..course import CourseError
from .sandbox import Limits

__all__ = ["Profile", "load_profile"]


@dataclass(frozen=True)
class Profile:
    limits: Limits = field(default_factory=Limits)
    preload: tuple[str, ...] = ()
    environment: dict[str, str] = field(default_factory=dict)
    lend: dict[str, list[str]] = field(default_factory=dict)


def load_profile(root: Path, week: str, nbgrader_config: Any = None) -> Profile:
    """The grading profile of ``week`` (defaults where ``grading.toml`` is silent)."""
    timeout = (nbgrader_config or {}).get("Execute", {}).get("timeout")
    limits = Limits(cell_seconds=int(timeout)) if isinstance(timeout, int) and timeout > 0 else Limits()
    path = root / "source" / week / "grading.toml"
    document = tomllib.loads(path.read_text()) if path.is_file() else {}
    table: dict[str, Any] = dict(document.get("grading", {}))
    lend = document.get("lend", {})
    if not isinstance(lend, dict) or not all(isinstance(ops, list) and all(isinstance(o, str) for o in ops)
                                             for ops in lend.values()):
        raise CourseError(f"{path.relative_to(root)}: [lend] maps class names to lists of operation names")
    known = {f.name for f in fields(Limits)}
    unknown = sorted(set(table) - known - {"preload", "environment"})
    if unknown:
        raise CourseError(f"{path.relative_to(root)}: unknown setting(s) {', '.join(unknown)} "
                          f"(known: {', '.join(sorted(known))}, preload, environment)")
    limits = replace(limits, **{k: v for k, v in table.items() if k in known})
    environment = {str(k): str(v) for k, v in table.get("environment", {}).items()}
    return Profile(limits, tuple(table.get("preload", [])), environment, {str(k): list(v) for k, v in lend.items()})
