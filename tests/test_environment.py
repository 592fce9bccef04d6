"""The environment is pinned, and pyproject.toml, environment.yml and requirements.lock agree."""

from __future__ import annotations

import re
import tomllib

import yaml

from .conftest import ROOT

PIN = re.compile(r"^([A-Za-z0-9_.\-\[\]]+)==([^\s;]+)$")


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(requirements: list[str]) -> dict[str, str]:
    found = {}
    for line in requirements:
        match = PIN.match(line.strip())
        assert match, f"not pinned with ==: {line!r}"
        found[normalize(match[1])] = match[2]
    return found


def direct_pins() -> dict[str, str]:
    return pins(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"])


def test_every_direct_dependency_is_pinned_exactly() -> None:
    assert direct_pins()


def test_environment_yml_pins_equal_pyproject_pins() -> None:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert pins([r for r in pip_section if r != "-e ."]) == direct_pins()


def test_environment_yml_uses_the_same_python() -> None:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert "python=3.11" in env["dependencies"]


def test_lock_pins_every_direct_dependency_at_the_same_version() -> None:
    lines = [ln for ln in (ROOT / "requirements.lock").read_text().splitlines() if ln and not ln.startswith("#")]
    locked = pins(lines)
    assert {name: locked.get(name) for name in direct_pins()} == direct_pins()


def test_torch_is_the_cpu_build() -> None:
    import torch

    assert torch.__version__.split("+")[0] == direct_pins()["torch"]
    assert torch.version.cuda is None
