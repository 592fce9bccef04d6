"""The grading run: steps 1–5 of :mod:`aieprep.grading` for every submission of a week, N at a time."""

from __future__ import annotations

import os
import queue
import threading
import time
from collections.abc import Callable
from pathlib import Path

from ..course import CourseError, master_notebook
from ..nbgrader_bridge import (has_assignment, load_course_config, preload_recording, register_assignment,
                               submission_totals)
from ..notebook import CellKind, grade_cells, read_notebook
from .execute import Execution, Job, KernelSetup, font_cache, run_worker
from .fanout import dask_worker
from .outcome import Outcome, Status
from .profile import load_profile
from .rebuild import given_code, imported_modules, read_submission, rebuild
from .record import digest, graded_before, record
from .sandbox import Limits, remove_stale_cgroups, sandbox_available

__all__ = ["grade_week"]


def grade_week(root: Path, week: str, jobs: int = 0, isolate: bool = True, students: list[str] | None = None,
               force: bool = False, limits: Limits | None = None,
               progress: Callable[[Outcome], None] | None = None,
               cells: Callable[[int, int, int, int], None] | None = None,
               scheduler: str | None = None) -> list[Outcome]:
    """Autograde the collected submissions of ``week``; return one outcome per student, in name order.
    ``limits`` replaces the week's own (tests use it); ``progress`` hears of each outcome, ``cells`` of each
    code cell about to run (cells run, code cells, tests run, tests: see :class:`KernelSetup`). With
    ``scheduler`` (a Dask scheduler's address) the submissions run on that cluster's workers
    (:mod:`.fanout`), and ``jobs`` and ``cells`` do not apply.

    The kernels start first: what they need (the week's profile and the master's imports) is read before
    anything else, and the gradebook, the release and the submissions are read while they boot."""
    settings = load_course_config(root)
    profile = load_profile(root, week, settings.config)
    limits = limits or profile.limits
    jobs = jobs or os.cpu_count() or 1
    if isolate and not scheduler and sandbox_available():  # a cluster's workers check their own
        raise CourseError(f"cannot sandbox: {sandbox_available()} (or pass --no-sandbox to grade without isolation)")
    if isolate and not scheduler:
        remove_stale_cgroups()
    master = read_notebook(master_notebook(root, week))
    by_hand = {c.grade_id for c in grade_cells(master) if c.kind is CellKind.MANUAL}
    release_path = root / "release" / week / f"{week}.ipynb"
    if not release_path.is_file():
        raise CourseError(f"no {release_path.relative_to(root)}: run `make release` first")
    submitted = root / "submitted"
    folders = sorted(p for p in submitted.glob(f"*/{week}") if p.is_dir()) if submitted.is_dir() else []
    folders = [f for f in folders if not students or f.parent.name in students]

    outcomes: dict[str, Outcome] = {}
    unchanged: list[str] = []
    candidates: list[tuple[str, Path, str]] = []
    for folder in folders:
        student = folder.parent.name
        try:
            sha256 = digest(folder)
        except Exception as error:
            outcomes[student] = Outcome(student, Status.ERROR, problems=[
                f"cannot read the submission: {type(error).__name__}: {str(error)[:200]}"])
            continue
        if not force and graded_before(root, student, week, sha256):
            unchanged.append(student)
        else:
            candidates.append((student, folder, sha256))

    setup = KernelSetup(week, settings, limits, isolate,
                        sorted(set(imported_modules(master.cells)) | set(profile.preload)),
                        profile.environment, font_cache(), given_code(master), profile.lend, cells)
    todo: queue.Queue[Job | None] = queue.Queue()
    done: queue.Queue[tuple[str, Execution | BaseException]] = queue.Queue()
    started: dict[str, float] = {}

    def take() -> Job | None:
        job = todo.get()
        if job is not None:
            started[job[0]] = time.monotonic()
        return job

    queued: dict[str, tuple[Path, list[str], str]] = {}
    all_queued = threading.Event()

    def more() -> bool:  # False once every job is queued and taken: no kernel is started for nothing
        return not all_queued.is_set() or len(started) < len(queued)

    def report(key: str, result: Execution | BaseException) -> None:
        done.put((key, result))

    if scheduler:
        workers = [threading.Thread(target=dask_worker, name="aieprep-grade-dask", daemon=True,
                                    args=(scheduler, setup, take, report))] if candidates else []
    else:
        workers = [threading.Thread(target=run_worker, name=f"aieprep-grade-{i}", daemon=True,
                                    args=(setup, take, report, more)) for i in range(min(jobs, len(candidates)))]
    for worker in workers:
        worker.start()
    try:
        release = read_notebook(release_path)
        if not has_assignment(settings, week):  # a course's first grading of the week
            register_assignment(root, week)
        for student, folder, sha256 in candidates:
            try:  # whatever one submission holds, everyone else is graded
                nb, reason = read_submission(folder, week)
                if nb is None:
                    outcomes[student] = Outcome(student, Status.ERROR, problems=[reason or "unreadable"])
                    continue
                rebuilt, problems = rebuild(release, master, nb)
            except Exception as failure:
                outcomes[student] = Outcome(student, Status.ERROR, problems=[
                    f"cannot read the submission: {type(failure).__name__}: {str(failure)[:200]}"])
                continue
            queued[student] = (folder, problems, sha256)
            todo.put((student, rebuilt))
    except BaseException:  # nothing is graded: the booted kernels are stopped before the error is raised
        while not todo.empty():
            todo.get_nowait()
        for _ in workers:
            todo.put(None)
        for worker in workers:
            worker.join()
        raise
    all_queued.set()
    for _ in workers:
        todo.put(None)
    for student in unchanged:
        outcomes[student] = Outcome(student, Status.UNCHANGED, submission_totals(settings, week, student, by_hand))
    for outcome in outcomes.values():
        if progress:
            progress(outcome)
    preload_recording()  # while the kernels run
    for _ in queued:  # this thread alone writes the gradebook and autograded/
        student, result = done.get()
        folder, problems, sha256 = queued[student]
        try:
            if isinstance(result, BaseException):
                raise result
            record(result.notebook, student, week, folder, settings, sha256)
            outcome = Outcome(student, Status.GRADED, submission_totals(settings, week, student, by_hand),
                              problems + result.problems, result.tampered, time.monotonic() - started[student])
        except Exception as error:  # one student's failure never stops the others
            outcome = Outcome(student, Status.ERROR, problems=[f"grading failed: {type(error).__name__}: {error}"])
        outcomes[student] = outcome
        if progress:
            progress(outcome)
    for worker in workers:
        worker.join()
    return [outcomes[s] for s in sorted(outcomes)]
