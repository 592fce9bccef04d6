"""The ``aieprep`` command: self-check a notebook, build the course, set up a learner's workspace."""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from . import startup  # noqa: F401  (first: see there)
from .course import CourseError, course_root, weeks

if TYPE_CHECKING:
    from .grading.outcome import Outcome

WORKSPACE = "work"


def _check(args: argparse.Namespace) -> int:
    from .check import CheckResult, check_notebook, format_report, record

    live = sys.stderr.isatty()

    def progress(cells: int, code_cells: int, tests: int, all_tests: int) -> None:
        """On stderr: one line rewritten in a terminal, or one line each (``--progress``, for the notebook cell)."""
        line = f"running cell {cells + 1} of {code_cells}, {tests} of {all_tests} tests done"
        print(f"\r{line}" if live else f"progress: {line}", end="" if live else "\n", file=sys.stderr, flush=True)

    def scored(result: CheckResult) -> None:  # the scores first; the feedback page takes a second more
        if live:
            print("\r\x1b[K", end="", file=sys.stderr, flush=True)
        record(result)
        print(format_report(result), flush=True)

    result = check_notebook(Path(args.notebook), week=args.week, feedback=args.feedback and Path(args.feedback),
                            sandbox=args.sandbox, scored=scored, progress=progress if live or args.progress else None)
    if result.feedback is not None:
        print(f"\nfeedback: {result.feedback}")
    return 0


def _progress(args: argparse.Namespace) -> int:
    """Print the practice progress as a table: self-checks, reps, mocks, flashcards, gates."""
    import time

    from .runtime.practice.cards import DeckError
    from .runtime.practice.progress import summary, table
    from .runtime.practice.store import StoreError, open_store

    try:
        with open_store() as store:
            print(table(summary(store, time.time())))
            print(f"\n(practice records: {store.path or 'not kept while grading'})")
    except (DeckError, StoreError) as error:
        raise CourseError(str(error)) from None
    return 0


def _grade(args: argparse.Namespace) -> int:
    from .grading.outcome import Status
    from .grading.pipeline import grade_week
    from .grading.report import format_table, write_report

    root = course_root()
    _selected_weeks(root, [args.week])

    def progress(outcome: Outcome) -> None:
        if outcome.status is not Status.UNCHANGED:
            score = str(outcome.totals) if outcome.status is Status.GRADED else outcome.problems[0]
            print(f"  {outcome.student}: {score}", flush=True)

    if args.scheduler:
        print(f"on the Dask cluster at {args.scheduler} (each worker sandboxes its runs)", flush=True)
    elif not args.no_sandbox:
        from .grading.sandbox import cgroup_kind

        print(f"sandbox: bubblewrap; memory and process limits by {cgroup_kind()}", flush=True)
    outcomes = grade_week(root, args.week, jobs=args.jobs, isolate=not args.no_sandbox, students=args.student,
                          force=args.force, progress=progress, scheduler=args.scheduler)
    if not outcomes:
        raise CourseError(f"no submissions in submitted/*/{args.week}/ (run nbgrader collect {args.week} first)")
    print(format_table(outcomes))
    csv_path, html_path = write_report(root, args.week, outcomes)
    print(f"wrote {csv_path.relative_to(root)} and {html_path.relative_to(root)}")
    return 1 if any(o.status is Status.ERROR for o in outcomes) else 0


def _selected_weeks(root: Path, names: list[str]) -> list[str]:
    known = weeks(root)
    unknown = [n for n in names if n not in known]
    if unknown:
        raise CourseError(f"no such week: {', '.join(unknown)} (weeks: {', '.join(known)})")
    return names or known


def _release(args: argparse.Namespace) -> int:
    from .build import build_release

    root = course_root()
    for week in _selected_weeks(root, args.weeks):
        print(f"wrote {build_release(root, week).relative_to(root)}/")
    return 0


def _solutions(args: argparse.Namespace) -> int:
    from .build import build_solutions

    root = course_root()
    for week in _selected_weeks(root, args.weeks):
        print(f"wrote {build_solutions(root, week).relative_to(root)}/")
    return 0


def _model(args: argparse.Namespace) -> int:
    """Serve the course model in the foreground until Ctrl-C."""
    from .runtime.llm import MODEL, CourseModel

    try:
        model = CourseModel(port=args.port)
    except OSError as error:
        raise CourseError(f"cannot serve on 127.0.0.1:{args.port}: {error.strerror or error}") from None
    print(f"course model at {model.url} (model name {MODEL!r}, any API key); Ctrl-C stops it", flush=True)
    model.serve_forever()
    return 0


def _rag(args: argparse.Namespace) -> int:
    """Print the course retriever's top passages for a question, with page and section."""
    from .runtime.rag import DOCS_URL, Retriever

    if not args.question.strip():
        raise CourseError("ask a question, e.g. aieprep rag \"how do I read a CSV file?\"")
    hits = Retriever.course().search(args.question, k=args.k, method=args.method)
    if not hits:
        print("no passage matches")
    for hit in hits:
        chunk = hit.chunk
        print(f"[{hit.rank}] {chunk.heading}  ({hit.score:.3f})")
        print(f"    {DOCS_URL}{chunk.page}.html#{chunk.anchor}")
        text = chunk.text if len(chunk.text) <= args.width else chunk.text[:args.width].rsplit(" ", 1)[0] + " …"
        print(f"    {text}\n")
    return 0


def _workspace(args: argparse.Namespace) -> int:
    """Copy each released week into the learner's folder unless they already have it (never overwrites), and
    the week guides into its guides/ (refreshed: they are the course's, not the learner's)."""
    root = course_root()
    work = Path(args.folder) if args.folder else root / WORKSPACE
    for week in weeks(root):
        released, mine = root / "release" / week, work / week
        if released.is_dir() and not mine.exists():
            shutil.copytree(released, mine)
            print(f"new: {mine}/")
    guides = work / "guides"
    guides.mkdir(parents=True, exist_ok=True)
    for guide in sorted((root / "weeks").glob("*.md")):
        shutil.copyfile(guide, guides / guide.name)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="aieprep", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("check", help="grade a copy of your notebook with the hidden tests (your file is not changed)")
    p.add_argument("notebook", help="path to your notebook, e.g. work/week01_python_ds/week01_python_ds.ipynb")
    p.add_argument("--week", help="the week it belongs to (found from its cells when omitted)")
    p.add_argument("--feedback", help="where to write the HTML feedback (default: beside the notebook)")
    p.add_argument("--sandbox", action="store_true", help="run the notebook in the grader's sandbox (needs bubblewrap)")
    p.add_argument("--progress", action="store_true",
                   help="print 'progress: …' lines on stderr while it runs (in a terminal a live line is shown anyway)")
    p.set_defaults(run=_check)

    p = sub.add_parser("grade", help="autograde every collected submission of a week, sandboxed, N at a time")
    p.add_argument("week", help="the week, e.g. week01_python_ds")
    p.add_argument("--jobs", "-j", type=int, default=0, help="submissions graded at once (default: CPU cores)")
    p.add_argument("--student", action="append", help="grade only this student (repeatable)")
    p.add_argument("--force", action="store_true", help="regrade submissions already graded and unchanged")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="run the submissions on a Dask cluster's workers, e.g. tcp://host:8786 (README: several machines)")
    p.add_argument("--no-sandbox", action="store_true",
                   help="run kernels without bubblewrap or cgroups (only to measure what isolation costs)")
    p.set_defaults(run=_grade)

    p = sub.add_parser("release", help="regenerate release/ from source/ with nbgrader generate_assignment")
    p.add_argument("weeks", nargs="*", help="weeks to build (default: all)")
    p.set_defaults(run=_release)

    p = sub.add_parser("solutions", help="execute source/ into solutions/, outputs kept")
    p.add_argument("weeks", nargs="*", help="weeks to build (default: all)")
    p.set_defaults(run=_solutions)

    p = sub.add_parser("model", help="serve the course model (OpenAI-compatible) on 127.0.0.1 and print its base URL")
    p.add_argument("--port", type=int, default=0, help="port to listen on (default: a free one)")
    p.set_defaults(run=_model)

    p = sub.add_parser("rag", help="search the Python library docs with the course's retriever (Week 5)")
    p.add_argument("question", help='what to look for, e.g. "how do I read a CSV file?"')
    p.add_argument("-k", type=int, default=5, help="passages to print (default 5)")
    p.add_argument("--method", choices=["hybrid", "bm25", "dense"], default="hybrid", help="default: hybrid")
    p.add_argument("--width", type=int, default=300, help="characters of each passage to print (default 300)")
    p.set_defaults(run=_rag)

    p = sub.add_parser("progress", help="your practice so far: self-checks, reps, mocks, flashcards and the six gates")
    p.set_defaults(run=_progress)

    p = sub.add_parser("workspace", help="copy released weeks you do not have yet into work/, and the week guides")
    p.add_argument("folder", nargs="?", help="the learner's folder (default: work/ in the course)")
    p.set_defaults(run=_workspace)

    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except CourseError as error:
        print(f"aieprep {args.command}: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
