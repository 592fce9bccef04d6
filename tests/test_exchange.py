"""The cohort flow with nbgrader's own commands, on a local exchange with two learner accounts:
release → fetch → submit → collect → grade (``aieprep grade``: sandboxed, parallel, into nbgrader's
gradebook) → feedback → export. The instructor's commands are README.md's, run as written on a course
as a fresh clone has it (``release/`` committed, no gradebook), with the tiny week's name for Week 1's.

nbgrader names a learner by the operating-system account running the command (``pwd``), so each
learner runs nbgrader inside bubblewrap as its own user id, with a passwd file naming it and its
own home folder: separate accounts without touching the machine's user database."""

from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
import sys
from html import unescape
from pathlib import Path

import nbformat
import pytest

from .conftest import ROOT

BIN = Path(sys.executable).parent
WEEK = "week01_tiny"


LEARNERS = {"alice": 1001, "bob": 1002}


def as_learner(name: str, home: Path, accounts: Path) -> list[str]:
    """The bubblewrap prefix that runs a command as learner ``name`` (its own uid, passwd entry and home)."""
    uid = str(LEARNERS[name])
    return ["bwrap", "--dev-bind", "/", "/", "--unshare-user", "--uid", uid, "--gid", uid,
            "--ro-bind", str(accounts / "passwd"), "/etc/passwd", "--ro-bind", str(accounts / "group"), "/etc/group",
            "--chdir", str(home), "--"]


def readme_instructor_block() -> list[str]:
    """The command lines of README.md's block for running a cohort (comments dropped)."""
    readme = (ROOT / "README.md").read_text()
    block = readme.split("Running a cohort uses nbgrader's own commands", 1)[1].split("```bash\n", 1)[1].split("```", 1)[0]
    lines = [line.split("#", 1)[0].strip() for line in block.splitlines()]
    return [line.replace("week01_python_ds", WEEK) for line in lines if line]


def run_readme_lines(lines: list[str], cwd: Path, env: dict[str, str]) -> None:
    """README lines run by bash in one shell, as a user types them."""
    script = "set -e\n" + "\n".join(lines) + "\n"
    proc = subprocess.run(["bash", "-c", script], cwd=cwd, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, f"README's commands failed:\n{script}\n{proc.stdout}\n{proc.stderr}"


def nbgrader(*args: str, cwd: Path, env: dict[str, str], prefix: list[str] | None = None) -> str:
    command = [*(prefix or []), str(BIN / "nbgrader"), *args]
    proc = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout + proc.stderr


@pytest.fixture
def cohort(tiny_course: Path, tmp_path: Path) -> dict:
    """An exchange folder, the instructor's environment, and a home, command prefix and environment per learner."""
    if not shutil.which("bwrap"):
        if os.environ.get("CI"):
            pytest.fail("the cohort flow needs bubblewrap (bwrap); .ci/run installs it")
        pytest.skip("the cohort flow needs bubblewrap (bwrap)")
    exchange = tmp_path / "exchange"
    exchange.mkdir()
    exchange.chmod(0o777)
    accounts = tmp_path / "accounts"
    accounts.mkdir()
    (accounts / "passwd").write_text("root:x:0:0:root:/root:/bin/sh\n" + "".join(
        f"{name}:x:{uid}:{uid}::{tmp_path / 'home' / name}:/bin/sh\n" for name, uid in LEARNERS.items()))
    (accounts / "group").write_text("root:x:0:\n" + "".join(f"{name}:x:{uid}:\n" for name, uid in LEARNERS.items()))
    path = f"{BIN}{os.pathsep}{os.environ['PATH']}"
    (tiny_course / ".venv").symlink_to(BIN.parent)  # where the README's block finds the environment
    instructor = {**os.environ, "AIEPREP_EXCHANGE_ROOT": str(exchange)}
    learners = {}
    for name in LEARNERS:
        home = tmp_path / "home" / name
        (home / ".jupyter").mkdir(parents=True)
        # What a JupyterHub's global learner config says (see README): where the exchange is.
        (home / ".jupyter" / "nbgrader_config.py").write_text(
            f"c = get_config()\nc.Exchange.root = {str(exchange)!r}\n")
        env = {"PATH": path, "HOME": str(home), "USER": name, "LOGNAME": name, "JUPYTER_CONFIG_DIR": str(home / ".jupyter")}
        learners[name] = (home, env, as_learner(name, home, accounts))
    return {"course": tiny_course, "instructor": instructor, "learners": learners}


def test_release_fetch_submit_collect_grade_feedback_export(cohort: dict) -> None:
    course, instructor, learners = cohort["course"], cohort["instructor"], cohort["learners"]
    block = readme_instructor_block()
    assert block[0] == ". .venv/bin/activate" and not any("generate_assignment" in line for line in block)
    collect = next(i for i, line in enumerate(block) if line.startswith("nbgrader collect"))
    run_readme_lines(block[:collect], cwd=course, env=instructor)  # activate, release_assignment

    for name, (home, env, prefix) in learners.items():
        nbgrader("fetch_assignment", WEEK, "--course", "aieprep", cwd=home, env=env, prefix=prefix)
        notebook = home / WEEK / f"{WEEK}.ipynb"
        if name == "alice":  # alice answers the first exercise; bob submits the blank notebook
            nb = nbformat.read(notebook, as_version=4)
            next(c for c in nb.cells if c.id == "w1_add").source = "def w1_add(a, b):\n    return a + b"
            nbformat.write(nb, notebook)
        nbgrader("submit", WEEK, "--course", "aieprep", cwd=home, env=env, prefix=prefix)

    run_readme_lines([block[0], *block[collect:]], cwd=course, env=instructor)  # collect … export, activated again
    assert sorted(p.name for p in (course / "submitted").iterdir()) == list(LEARNERS)
    assert (course / "reports" / WEEK / "grades.csv").is_file() and (course / "reports" / WEEK / "index.html").is_file()

    for name, (home, env, prefix) in learners.items():
        nbgrader("fetch_feedback", WEEK, "--course", "aieprep", cwd=home, env=env, prefix=prefix)
        feedback = list((home / WEEK / "feedback").rglob(f"{WEEK}.html"))
        assert feedback, f"{name} got no feedback"
        text = unescape(re.sub(r"<[^>]+>", "", feedback[0].read_text()))
        assert "w1_add(-5, 2)" not in text, "feedback shows a hidden test"
        assert "test-w1_add-hidden" in text and "autograded" in text, "feedback names its tests and totals"

    with open(course / "grades.csv") as f:
        scores = {row["student_id"]: float(row["raw_score"]) for row in csv.DictReader(f)}
    assert scores == {"alice": 3.0, "bob": 0.0}
