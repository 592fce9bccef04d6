"""``aieprep grade --scheduler``: a cohort graded on a real Dask cluster (a scheduler and two workers started
here, on loopback), one worker killed while it grades; every submission is graded once, nothing is lost."""

from __future__ import annotations

import csv
import json
import os
import re
import shlex
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest

from .conftest import ROOT

TINY = "week01_tiny"
# student → (w1_add answer, w1_double answer, autograded points): add is worth 3, double 2
ANSWERS = {f"s{n}": (add, double, points) for n, (add, double, points) in enumerate([
    ("return a + b", "return 2 * x", 5), ("return a - b", "return 2 * x", 2), ("return a + b", "return x", 3),
    ("return a + b", "return 2 * x", 5), ("return 0", "return x + x", 2), ("return a + b", "return x * 2", 5),
    ("return b + a", "return 3 * x", 3), ("return a * b", "return 0", 0)])}


def readme_block() -> list[str]:
    """README's commands for grading on several machines, as this test runs them: on loopback, a free port,
    the tiny week (comments dropped)."""
    text = (ROOT / "README.md").read_text().split("### Grading on several machines", 1)[1]
    block = text.split("```bash\n", 1)[1].split("```", 1)[0]
    port = str(free_port())
    lines = [line.split("#", 1)[0].strip() for line in block.splitlines()]
    return [line.replace("HOST", "127.0.0.1").replace("8786", port).replace("week01_python_ds", TINY)
            for line in lines if line]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(line: str, log: Path, **kwargs: object) -> subprocess.Popen[str]:
    """A README command line, with the course environment first on PATH, in a process group of its own."""
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    return subprocess.Popen(shlex.split(line), env=env, start_new_session=True, text=True,
                            **({"stdout": log.open("w"), "stderr": subprocess.STDOUT} | kwargs))  # type: ignore[call-overload]


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[tuple[str, list[subprocess.Popen[str]]]]:
    """README's scheduler and two of its workers; the grade command line."""
    pytest.importorskip("distributed")
    scheduler_line, worker_line, grade_line = readme_block()
    address = worker_line.split()[2]
    processes = [start(scheduler_line, tmp_path / "scheduler.log")]
    try:
        from distributed import Client

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", int(address.rsplit(":", 1)[1])), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        processes += [start(worker_line, tmp_path / f"worker{n}.log") for n in (1, 2)]
        with Client(address, timeout="60s") as client:
            client.wait_for_workers(2, timeout=60)
        yield grade_line, processes[1:]
    finally:
        for process in processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)


@pytest.fixture
def cohort(tiny_course: Path) -> Path:
    release = nbformat.read(tiny_course / "release" / TINY / f"{TINY}.ipynb", as_version=4)
    for student, (add, double, _) in ANSWERS.items():
        nb = nbformat.from_dict(json.loads(json.dumps(release)))
        for cell in nb.cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if grade_id == "w1_add":
                cell.source = f"def w1_add(a, b):\n    {add}"
            elif grade_id == "w1_double":
                cell.source = f"def w1_double(x):\n    {double}"
        folder = tiny_course / "submitted" / student / TINY
        folder.mkdir(parents=True)
        (folder / "timestamp.txt").write_text("2026-12-07 10:00:00.000000 UTC")
        nbformat.write(nb, folder / f"{TINY}.ipynb")
    return tiny_course


def test_a_cohort_graded_on_a_dask_cluster_survives_a_worker_killed_mid_run(
        cohort: Path, cluster: tuple[str, list[subprocess.Popen[str]]], tmp_path: Path) -> None:
    from distributed import Client

    grade_line, workers = cluster
    address = grade_line.split("--scheduler", 1)[1].split()[0]
    killed: list[str] = []  # the tasks the killed worker was running or holding
    grade = start(grade_line, tmp_path / "grade.log", stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=cohort)
    assert grade.stdout is not None
    watchdog = threading.Timer(300, grade.kill)  # a hung run fails the test instead of stalling it
    watchdog.start()
    printed = []
    with Client(address, timeout="60s") as client:
        for line in grade.stdout:  # at the first learner's line, kill a worker that has a submission in hand
            printed.append(line)
            if not killed and re.match(r"  s\d+: autograded", line):
                pids = client.run(os.getpid)
                busy = [(addr, keys) for addr, keys in client.processing().items() if keys and addr in pids]
                if busy:
                    addr, keys = busy[0]
                    os.killpg(os.getpgid(pids[addr]), signal.SIGKILL)
                    killed += [str(k) for k in keys]
    watchdog.cancel()
    assert grade.wait(timeout=30) == 0, "".join(printed)
    assert killed, "no worker was busy when the first result came in"
    deadline = time.monotonic() + 30
    while all(w.poll() is None for w in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert sorted(w.poll() or 0 for w in workers) == [-signal.SIGKILL, 0]  # one killed, the other still up
    with sqlite3.connect(cohort / "gradebook.db") as db:  # every submission recorded, each once
        rows = db.execute("SELECT student_id, COUNT(*) FROM submitted_assignment GROUP BY student_id").fetchall()
    assert dict(rows) == {s: 1 for s in ANSWERS}
    with (cohort / "reports" / TINY / "grades.csv").open() as f:
        scores = {row["student"]: float(row["autograded"]) for row in csv.DictReader(f)}
    assert scores == {s: float(points) for s, (_, _, points) in ANSWERS.items()}


def test_grade_command_takes_a_scheduler() -> None:
    proc = subprocess.run([sys.executable, "-m", "aieprep.cli", "grade", "--help"], capture_output=True, text=True)
    assert "--scheduler ADDRESS" in proc.stdout
    assert shutil.which("dask", path=str(Path(sys.executable).parent)), "the course environment has dask's command"
