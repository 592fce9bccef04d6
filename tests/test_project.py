"""The project's entry points tell the truth: README documents every Makefile target, and CI
(.ci/run and the GitHub workflow) runs the README's test command."""

from __future__ import annotations

import os
import re

import yaml

from .conftest import ROOT


def makefile_targets() -> set[str]:
    text = (ROOT / "Makefile").read_text()
    phony = re.search(r"^\.PHONY:(.*)$", text, re.M)
    assert phony
    return set(phony[1].split())


def test_readme_documents_every_makefile_target() -> None:
    readme = (ROOT / "README.md").read_text()
    assert sorted(t for t in makefile_targets() if f"`make {t}`" not in readme) == []


def test_readme_quick_start_gives_the_two_commands() -> None:
    quick_start = (ROOT / "README.md").read_text().split("## Quick start", 1)[1].split("\n## ", 1)[0]
    assert "make lab" in quick_start and "make test" in quick_start


def test_ci_run_calls_make_test() -> None:
    script = (ROOT / ".ci" / "run").read_text()
    assert re.search(r"^\s*make test$", script, re.M) and "'ip link set lo up && make test'" in script


def test_github_workflow_runs_make_test() -> None:
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "test.yml").read_text())
    runs = [step.get("run", "") for job in workflow["jobs"].values() for step in job["steps"]]
    assert "make test" in runs


def test_jupyterlab_started_by_the_tests_keeps_its_settings_and_workspaces_in_the_tests_home() -> None:
    import pwd
    import subprocess
    import sys
    from pathlib import Path

    home = Path.home()
    assert home != Path(pwd.getpwuid(os.getuid()).pw_dir)
    out = subprocess.run([str(Path(sys.executable).parent / "jupyter"), "lab", "path"], capture_output=True,
                         text=True, check=True).stdout
    dirs = dict(line.split(": ", 1) for line in out.splitlines() if ": " in line)
    assert Path(dirs["User Settings directory"].strip()).is_relative_to(home)
    assert Path(dirs["Workspaces directory"].strip()).is_relative_to(home)
