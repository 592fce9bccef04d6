"""Per week: Run-All time from a fresh kernel, the time of one self-check (`aieprep check`), and of
grading one submission (the answer key) with `aieprep grade` (sandboxed when bubblewrap is here).

Prints a table; the design targets are Run-All <= 15 s (25 s with the embedding model), and a self-check's
scores and one submission graded each at most Run-All + 2 s (issue #25). Every time is the median of three
runs (the slowest Run-All is printed too: the embedding model's import varies by seconds, and a shared
virtual machine's timings by a second or more from one run to the next).
Usage: python bench/notebooks.py [WEEK ...]
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aieprep.startup  # noqa: F401, I001  (before nbformat: see there)
import nbformat

from aieprep.build import execute_notebook
from aieprep.course import course_root, master_notebook, scratch_course, weeks
from aieprep.grading.sandbox import sandbox_available
from aieprep.nbgrader_bridge import run_nbgrader


def run_all_seconds(root: Path, week: str) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / week
        shutil.copytree(master_notebook(root, week).parent, work)
        nb = nbformat.read(work / f"{week}.ipynb", as_version=4)
        start = time.perf_counter()
        execute_notebook(nb, cwd=work)
        return time.perf_counter() - start


def check_seconds(root: Path, week: str, cache: Path) -> tuple[float, float]:
    """``aieprep check`` of the answer key: (seconds until its table of scores is printed, until it ends)."""
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / f"{week}.ipynb"
        shutil.copyfile(root / "solutions" / week / f"{week}.ipynb", copy)
        start = time.perf_counter()
        scored = None
        with subprocess.Popen([sys.executable, "-m", "aieprep.cli", "check", str(copy)], stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True,
                              env={**os.environ, "XDG_CACHE_HOME": str(cache)}) as process:
            assert process.stdout is not None
            for line in process.stdout:
                if scored is None and line.startswith("autograded"):
                    scored = time.perf_counter() - start
        if process.returncode != 0 or scored is None:
            raise RuntimeError(f"aieprep check {week} failed")
        return scored, time.perf_counter() - start


def grade_seconds(root: Path, week: str) -> float:
    """``aieprep grade WEEK`` on a scratch course holding one submission, from the command's start to its end."""
    with scratch_course(root, [week]) as course:
        run_nbgrader(["generate_assignment", week, "--force"], cwd=course)
        folder = course / "submitted" / "learner" / week
        folder.mkdir(parents=True)
        shutil.copyfile(root / "solutions" / week / f"{week}.ipynb", folder / f"{week}.ipynb")
        flags = [] if sandbox_available() is None else ["--no-sandbox"]
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "aieprep.cli", "grade", week, *flags], check=True, capture_output=True,
                       cwd=course, env={**os.environ, "AIEPREP_COURSE_ROOT": str(course)})
        return time.perf_counter() - start


def main() -> None:
    root = course_root()
    chosen = sys.argv[1:] or weeks(root)
    print(f"{'week':<24} {'run-all s':>10} {'slowest s':>10} {'check cold s':>13} {'scores s':>9} "
          f"{'scores - run-all':>17} {'check warm s':>13} {'grade s':>8} {'grade - run-all':>16}")
    with tempfile.TemporaryDirectory() as cache:
        for week in chosen:
            runs = [run_all_seconds(root, week) for _ in range(3)]
            run_all = statistics.median(runs)
            _, cold = check_seconds(root, week, Path(cache))
            checks = [check_seconds(root, week, Path(cache)) for _ in range(3)]
            scored, warm = (statistics.median(c[i] for c in checks) for i in (0, 1))
            grade = statistics.median(grade_seconds(root, week) for _ in range(3))
            print(f"{week:<24} {run_all:>10.1f} {max(runs):>10.1f} {cold:>13.1f} {scored:>9.1f} "
                  f"{scored - run_all:>+17.1f} {warm:>13.1f} {grade:>8.1f} {grade - run_all:>+16.1f}")
    print("cold: first check of a week (nbgrader generate_assignment runs); scores: a later check (cached) until its "
          "table is printed; check warm: until it has also written the feedback page; grade: aieprep grade on one "
          "submission, command start to end")


if __name__ == "__main__":
    main()
