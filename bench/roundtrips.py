"""Per-element traffic between the judge and the notebook, per hidden test (CONTRIBUTING, "Round trips").

For each week, the answer key is self-checked (`aieprep check`, no sandbox) with the judge's log kept, and
run once in a plain kernel with cell timings. Per week it prints the test cells, the messages the judge
sent, and the tests' time in the judge against the same cells' time run in the notebook; then the tests
that the judge makes slowest. A test that calls learner code in a loop, or lends a counting object
element by element, shows here. Usage: python bench/roundtrips.py [--top N] [WEEK ...]
"""

from __future__ import annotations

import argparse
import datetime
import os
import re
import shutil
import tempfile
from pathlib import Path

import aieprep.startup  # noqa: F401, I001  (before nbformat: see there)
import nbformat
from nbclient import NotebookClient

from aieprep.check import check_notebook
from aieprep.course import course_root, master_notebook, weeks
from aieprep.notebook import metadata

LINE = re.compile(r"test (\d+): (\w+) in ([\d.]+) s, (\d+) messages")


def judged(root: Path, week: str, tmp: Path) -> dict[int, tuple[str, float, int]]:
    """Per test cell index: (status, seconds in the judge, messages the judge sent)."""
    copy = tmp / f"{week}.ipynb"
    shutil.copyfile(root / "solutions" / week / f"{week}.ipynb", copy)
    log = tmp / "judge"
    os.environ["AIEPREP_JUDGE_LOG"] = str(log)
    try:
        check_notebook(copy, week=week, html=False)
    finally:
        del os.environ["AIEPREP_JUDGE_LOG"]
    tests: dict[int, tuple[str, float, int]] = {}
    for file in tmp.glob("judge.*"):
        for match in LINE.finditer(file.read_text()):
            tests[int(match[1])] = (match[2], float(match[3]), int(match[4]))
    return tests


def in_notebook(root: Path, week: str, tmp: Path) -> dict[int, float]:
    """Per cell index: its run time in a plain kernel (visible and hidden tests run where they stand)."""
    work = tmp / "plain"
    shutil.copytree(master_notebook(root, week).parent, work)
    nb = nbformat.read(work / f"{week}.ipynb", as_version=4)
    NotebookClient(nb, timeout=600, allow_errors=True, record_timing=True,
                   resources={"metadata": {"path": str(work)}}).execute()
    seconds = {}
    for index, cell in enumerate(nb.cells):
        timing = cell.metadata.get("execution", {})
        if "iopub.execute_input" in timing and "shell.execute_reply" in timing:
            begun, ended = (datetime.datetime.fromisoformat(timing[k].replace("Z", "+00:00"))
                            for k in ("iopub.execute_input", "shell.execute_reply"))
            seconds[index] = (ended - begun).total_seconds()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--top", type=int, default=5, help="tests listed per week (most time added first)")
    parser.add_argument("weeks", nargs="*")
    args = parser.parse_args()
    root = course_root()
    rows, worst = [], []
    for week in args.weeks or weeks(root):
        with tempfile.TemporaryDirectory() as tmp:
            tests = judged(root, week, Path(tmp))
            plain = in_notebook(root, week, Path(tmp))
        cells = nbformat.read(master_notebook(root, week), as_version=4).cells
        rows.append((week, len(tests), sum(t[2] for t in tests.values()), sum(t[1] for t in tests.values()),
                     sum(plain.get(k, 0.0) for k in tests)))
        ranked = sorted(tests.items(), key=lambda kv: plain.get(kv[0], 0.0) - kv[1][1])[:args.top]
        worst += [(week, metadata(cells[k]).get("grade_id", f"cell {k}"), t[2], t[1], plain.get(k, 0.0))
                  for k, t in ranked]
    print(f"{'week':<24} {'tests':>6} {'messages':>9} {'judge s':>8} {'notebook s':>11} {'extra s':>8}")
    for week, n, messages, judge, notebook in rows:
        print(f"{week:<24} {n:>6} {messages:>9,} {judge:>8.2f} {notebook:>11.2f} {judge - notebook:>+8.2f}")
    print(f"\n{'week':<24} {'test':<42} {'messages':>9} {'judge s':>8} {'notebook s':>11}")
    for week, grade_id, messages, judge, notebook in worst:
        print(f"{week:<24} {grade_id:<42} {messages:>9,} {judge:>8.3f} {notebook:>11.3f}")
    print("judge s: the hidden tests' time in the judge (learner code included, reached over the channel); "
          "notebook s: the same cells run in a plain kernel")


if __name__ == "__main__":
    main()
