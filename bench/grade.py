"""Grading a cohort: stock ``nbgrader autograde`` (serial) against ``aieprep grade --jobs 2``, the cost
of the sandbox (``aieprep grade --no-sandbox``) and, with ``--graders …,aieprep_dask``, the overhead of a Dask
cluster of as many one-thread workers on this machine (``aieprep grade --scheduler``) against ``--jobs``.

Builds a synthetic cohort per week from the course's own notebooks: correct, partly wrong, blank, slow
(an answer that sleeps 3 s) and hostile (an IPython input transformer that empties every later cell, test cells included, an endless loop, a kernel
that exits; no fork or memory bomb, since stock nbgrader would run it unconfined on this machine) submissions, 24 per week by default. Each grader gets its own copy of the course. Every cell may run
AIEPREP_CELL_TIMEOUT seconds (10 here, for both graders).

Usage: python bench/grade.py [--students N] [--jobs N] [--graders LIST] [WEEK ...]   (default weeks: the first two)
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import aieprep.startup  # noqa: F401, I001  (before nbformat: see there)
import nbformat

from aieprep.course import course_root, weeks
from aieprep.nbgrader_bridge import run_nbgrader

KINDS = ["correct", "partly_wrong", "blank", "slow", "rewrite_tests", "endless_loop", "kernel_exit", "correct"]
HOSTILE = {
    "rewrite_tests": "get_ipython().input_transformers_post.append(lambda lines: [])\n",
    "endless_loop": "while True:\n    pass\n",
    "kernel_exit": "import os\nos._exit(1)\n",
}


def submission(release: nbformat.NotebookNode, master: nbformat.NotebookNode, kind: str) -> nbformat.NotebookNode:
    answers = {c.metadata["nbgrader"]["grade_id"]: c.source for c in master.cells
               if c.get("metadata", {}).get("nbgrader", {}).get("solution")}
    nb = nbformat.from_dict(json.loads(json.dumps(release)))
    answer_cells = [c for c in nb.cells if c.get("metadata", {}).get("nbgrader", {}).get("solution")
                    and c.cell_type == "code"]
    for index, cell in enumerate(answer_cells):
        grade_id = cell.metadata["nbgrader"]["grade_id"]
        if kind == "blank" or (kind == "partly_wrong" and index % 2):
            continue
        cell.source = answers[grade_id]
    if kind == "slow" and answer_cells:
        answer_cells[0].source = "import time\ntime.sleep(3)\n" + answer_cells[0].source
    if kind in HOSTILE and answer_cells:  # tests are emptied from the start; the others strike last
        target = answer_cells[0] if kind == "rewrite_tests" else answer_cells[-1]
        target.source = HOSTILE[kind] + target.source
    return nb


def make_course(root: Path, chosen: list[str], students: int, into: Path) -> Path:
    course = into / "course"
    (course / "source").mkdir(parents=True)
    shutil.copyfile(root / "nbgrader_config.py", course / "nbgrader_config.py")
    for week in chosen:
        shutil.copytree(root / "source" / week, course / "source" / week)
        run_nbgrader(["generate_assignment", week, "--force"], cwd=course)
        release = nbformat.read(course / "release" / week / f"{week}.ipynb", as_version=4)
        master = nbformat.read(course / "source" / week / f"{week}.ipynb", as_version=4)
        for i in range(students):
            kind = KINDS[i % len(KINDS)]
            folder = course / "submitted" / f"s{i:03d}_{kind}" / week
            folder.mkdir(parents=True)
            (folder / "timestamp.txt").write_text("2026-11-20 10:00:00.000000 UTC")
            nbformat.write(submission(release, master, kind), folder / f"{week}.ipynb")
    return course


def timed(command: list[str], cwd: Path) -> float:
    env = {**os.environ, "AIEPREP_CELL_TIMEOUT": "10", "AIEPREP_COURSE_ROOT": str(cwd),
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    start = time.perf_counter()
    proc = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        print(proc.stdout[-2000:], proc.stderr[-2000:], file=sys.stderr)
    return seconds


def scores(course: Path, week: str) -> dict[str, float]:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        return {s.student.id: s.score for s in gb.find_assignment(week).submissions}


@contextmanager
def local_cluster(workers: int) -> Iterator[str | None]:
    """A Dask cluster on this machine of ``workers`` one-thread worker processes (none when 0): its address."""
    if not workers:
        yield None
        return
    from distributed import LocalCluster

    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        yield str(cluster.scheduler_address)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("weeks", nargs="*")
    parser.add_argument("--students", type=int, default=24)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--graders", default="nbgrader,aieprep,aieprep_open",
                        help="which to run, of nbgrader, aieprep, aieprep_open (no sandbox), aieprep_dask")
    args = parser.parse_args()
    root = course_root()
    chosen = args.weeks or weeks(root)[:2]
    nb_cmd = [sys.executable, "-m", "nbgrader", "autograde", "--log-level=ERROR"]
    ai_cmd = [sys.executable, "-m", "aieprep.cli", "grade", "--jobs", str(args.jobs)]
    rows = []
    with tempfile.TemporaryDirectory(prefix="aieprep-bench-") as tmp, local_cluster(
            args.jobs if "aieprep_dask" in args.graders.split(",") else 0) as scheduler:
        template = make_course(root, chosen, args.students, Path(tmp) / "template")
        for week in chosen:
            row = {"week": week}
            for name, command in [("nbgrader", [*nb_cmd, week]), ("aieprep", [*ai_cmd, week]),
                                  ("aieprep_open", [*ai_cmd, week, "--no-sandbox"]),
                                  ("aieprep_dask", [*ai_cmd, week, "--scheduler", scheduler or ""])]:
                if name not in args.graders.split(","):
                    row[name], row[f"{name}_scores"] = float("nan"), {}
                    continue
                course = Path(tmp) / name / week
                shutil.copytree(template, course)
                row[name] = timed(command, course)
                row[f"{name}_scores"] = scores(course, week)
            rows.append(row)
    print(f"{'week':<22} {'subs':>4} {'nbgrader serial s':>18} {f'aieprep -j{args.jobs} s':>14} {'speed-up':>9} "
          f"{'no sandbox s':>13} {'sandbox cost':>13}")
    for r in rows:
        print(f"{r['week']:<22} {args.students:>4} {r['nbgrader']:>18.1f} {r['aieprep']:>14.1f} "
              f"{r['nbgrader'] / r['aieprep']:>8.2f}x {r['aieprep_open']:>13.1f} "
              f"{(r['aieprep'] - r['aieprep_open']) / r['aieprep_open'] * 100:>+12.0f}%")
    if "aieprep_dask" in args.graders.split(","):
        print(f"\n{'week':<22} {f'aieprep -j{args.jobs} s':>14} {f'Dask {args.jobs}x1 s':>12} {'overhead':>9}  same scores")
        for r in rows:
            print(f"{r['week']:<22} {r['aieprep']:>14.1f} {r['aieprep_dask']:>12.1f} "
                  f"{r['aieprep_dask'] / r['aieprep']:>8.2f}x  {r['aieprep_scores'] == r['aieprep_dask_scores']}")
    print("\nscores of the hostile submissions (nbgrader serial / aieprep):")
    for r in rows:
        for student in sorted(r["nbgrader_scores"]):
            if any(k in student for k in HOSTILE) and student.startswith(("s004", "s005", "s006")):
                print(f"  {r['week']:<22} {student:<22} {r['nbgrader_scores'][student]:>6.1f} / "
                      f"{r['aieprep_scores'].get(student, float('nan')):>6.1f}")


if __name__ == "__main__":
    main()
