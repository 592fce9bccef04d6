"""Per week: Run-All time from a fresh kernel, and the time of one self-check (`aieprep check`).

Prints a table; the design targets are Run-All <= 15 s (25 s with the embedding model) and a
self-check at most the notebook's own run time + 2 s (issue #11; not met: see the README). Usage: python bench/notebooks.py [WEEK ...]
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from aieprep.build import execute_notebook
from aieprep.course import course_root, master_notebook, weeks


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


def main() -> None:
    root = course_root()
    chosen = sys.argv[1:] or weeks(root)
    print(f"{'week':<24} {'run-all s':>10} {'check cold s':>13} {'check warm s':>13} {'warm - run-all':>15}")
    with tempfile.TemporaryDirectory() as cache:
        for week in chosen:
            run_all = run_all_seconds(root, week)
            cold = check_seconds(root, week, Path(cache))
            warm = check_seconds(root, week, Path(cache))
            print(f"{week:<24} {run_all:>10.1f} {cold:>13.1f} {warm:>13.1f} {warm - run_all:>+15.1f}")
    print("cold: first check of a week (nbgrader generate_assignment runs); warm: later checks (cached)")


if __name__ == "__main__":
    main()
