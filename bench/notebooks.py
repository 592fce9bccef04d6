"""Per week: Run-All time from a fresh kernel, the time of one self-check (`aieprep check`), and of
grading one submission (the answer key) with `aieprep grade` (sandboxed when bubblewrap is here).

Prints a table; the design targets are Run-All <= 15 s (25 s with the embedding model), a self-check at
most the notebook's own run time + 2 s (issue #11; not met: see the README), and one submission graded in
at most Run-All + 5 s (issue #13). Run-All is the median of three runs (the slowest is printed too: the
embedding model's import varies by seconds). Usage: python bench/notebooks.py [WEEK ...]
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


def check_seconds(root: Path, week: str, cache: Path) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / f"{week}.ipynb"
        shutil.copyfile(root / "solutions" / week / f"{week}.ipynb", copy)
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "aieprep.cli", "check", str(copy)], check=True,
                       capture_output=True, env={**os.environ, "XDG_CACHE_HOME": str(cache)})
        return time.perf_counter() - start


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
    print(f"{'week':<24} {'run-all s':>10} {'slowest s':>10} {'check cold s':>13} {'check warm s':>13} "
          f"{'warm - run-all':>15} {'grade s':>8} {'grade - run-all':>16}")
    with tempfile.TemporaryDirectory() as cache:
        for week in chosen:
            runs = [run_all_seconds(root, week) for _ in range(3)]
            run_all = statistics.median(runs)
            cold = check_seconds(root, week, Path(cache))
            warm = check_seconds(root, week, Path(cache))
            grade = grade_seconds(root, week)
            print(f"{week:<24} {run_all:>10.1f} {max(runs):>10.1f} {cold:>13.1f} {warm:>13.1f} "
                  f"{warm - run_all:>+15.1f} "
                  f"{grade:>8.1f} {grade - run_all:>+16.1f}")
    print("cold: first check of a week (nbgrader generate_assignment runs); warm: later checks (cached); "
          "grade: aieprep grade on one submission, command start to end")


if __name__ == "__main__":
    main()
