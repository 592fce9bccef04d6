"""A week's grading profile, kept beside the week in ``source/<week>/grading.toml``, section ``[grading]``:

- any field of :class:`aieprep.grading.sandbox.Limits` (``memory_bytes = 4294967296``, ``cell_seconds = 60``);
- ``preload``: modules the kernel imports before the notebook runs, beyond those the notebook imports;
- ``environment``: variables set in the kernel (a table of strings).

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


def load_profile(root: Path, week: str, nbgrader_config: Any = None) -> Profile:
    """The grading profile of ``week`` (defaults where ``grading.toml`` is silent)."""
    timeout = (nbgrader_config or {}).get("Execute", {}).get("timeout")
    limits = Limits(cell_seconds=int(timeout)) if isinstance(timeout, int) and timeout > 0 else Limits()
    path = root / "source" / week / "grading.toml"
    table: dict[str, Any] = dict(tomllib.loads(path.read_text()).get("grading", {})) if path.is_file() else {}
    known = {f.name for f in fields(Limits)}
    unknown = sorted(set(table) - known - {"preload", "environment"})
    if unknown:
        raise CourseError(f"{path.relative_to(root)}: unknown setting(s) {', '.join(unknown)} "
                          f"(known: {', '.join(sorted(known))}, preload, environment)")
    limits = replace(limits, **{k: v for k, v in table.items() if k in known})
    environment = {str(k): str(v) for k, v in table.get("environment", {}).items()}
    return Profile(limits, tuple(table.get("preload", [])), environment)
