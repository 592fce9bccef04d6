"""The grading run: steps 1–5 of :mod:`aieprep.grading` for every submission of a week, N at a time."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from pathlib import Path

import nbformat

from ..course import CourseError, master_notebook
from ..nbgrader_bridge import has_assignment, load_course_config, submission_score
from ..notebook import read_notebook
from .execute import Execution, execute, font_cache
from .outcome import Outcome, Status
from .profile import load_profile
from .rebuild import given_code, imported_modules, read_submission, rebuild
from .record import digest, graded_before, record
from .sandbox import Limits, remove_stale_cgroups, sandbox_available

__all__ = ["grade_week"]


def grade_week(root: Path, week: str, jobs: int = 0, isolate: bool = True, students: list[str] | None = None,
               force: bool = False, limits: Limits | None = None,
               progress: Callable[[Outcome], None] | None = None) -> list[Outcome]:
    """Autograde the collected submissions of ``week``; return one outcome per student, in name order.
    ``limits`` replaces the week's own (tests use it)."""
    settings = load_course_config(root)
    profile = load_profile(root, week, settings.config)
    limits = limits or profile.limits
    jobs = jobs or os.cpu_count() or 1
    if isolate and sandbox_available():
        raise CourseError(f"cannot sandbox: {sandbox_available()} (or pass --no-sandbox to grade without isolation)")
    if isolate:
        remove_stale_cgroups()
    master = read_notebook(master_notebook(root, week))
    release_path = root / "release" / week / f"{week}.ipynb"
    if not release_path.is_file():
        raise CourseError(f"no {release_path.relative_to(root)}: run nbgrader generate_assignment {week} first")
    release = read_notebook(release_path)
    if not has_assignment(settings, week):
        raise CourseError(f"{week} is not in the gradebook: run nbgrader generate_assignment {week} first")
    submitted = root / "submitted"
    folders = sorted(p for p in submitted.glob(f"*/{week}") if p.is_dir()) if submitted.is_dir() else []
    folders = [f for f in folders if not students or f.parent.name in students]
    preload = sorted(set(imported_modules(master.cells)) | set(profile.preload))
    given = given_code(master)
    fonts = font_cache()

    outcomes: dict[str, Outcome] = {}
    todo: list[tuple[str, Path, nbformat.NotebookNode, list[str], str]] = []
    for folder in folders:
        student = folder.parent.name
        try:  # whatever one submission holds, everyone else is graded
            sha256 = digest(folder)
            if not force and graded_before(root, student, week, sha256):
                score, max_score = submission_score(settings, week, student)
                outcomes[student] = Outcome(student, Status.UNCHANGED, score, max_score)
                continue
            nb, error = read_submission(folder, week)
            if nb is None:
                outcomes[student] = Outcome(student, Status.ERROR, problems=[error or "unreadable"])
                continue
            rebuilt, problems = rebuild(release, master, nb)
        except Exception as error:
            outcomes[student] = Outcome(student, Status.ERROR, problems=[
                f"cannot read the submission: {type(error).__name__}: {str(error)[:200]}"])
            continue
        todo.append((student, folder, rebuilt, problems, sha256))
    for outcome in outcomes.values():
        if progress:
            progress(outcome)

    def work(nb: nbformat.NotebookNode) -> Execution:
        return execute(nb, given, week, settings, limits, isolate, preload, profile.environment, fonts)

    started: dict[Future[Execution], tuple[str, Path, list[str], str, float]] = {}
    with ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="aieprep-grade") as pool:
        for student, folder, nb, problems, sha256 in todo:
            started[pool.submit(work, nb)] = (student, folder, problems, sha256, time.monotonic())
        pending = set(started)
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:  # this thread alone writes the gradebook and autograded/
                student, folder, problems, sha256, t0 = started[future]
                try:
                    execution = future.result()
                    record(execution.notebook, student, week, folder, settings, sha256)
                    score, max_score = submission_score(settings, week, student)
                    outcome = Outcome(student, Status.GRADED, score, max_score, problems + execution.problems,
                                      execution.tampered, time.monotonic() - t0)
                except Exception as error:  # one student's failure never stops the others
                    outcome = Outcome(student, Status.ERROR,
                                      problems=[f"grading failed: {type(error).__name__}: {error}"])
                outcomes[student] = outcome
                if progress:
                    progress(outcome)
    return [outcomes[s] for s in sorted(outcomes)]
