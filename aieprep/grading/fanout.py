"""Grading across machines: each submission's sandboxed run sent to the workers of a Dask cluster.

``aieprep grade WEEK --scheduler tcp://HOST:8786`` starts no kernel here: :func:`dask_worker` takes the
pipeline's jobs and submits each (the rebuilt notebook and the week's :class:`~.execute.KernelSetup`) to the
cluster, where :func:`~.execute.grade_job` runs it as a local run would; the executions come back as they finish
and this process alone records them (the gradebook and ``autograded/`` have one writer). A worker that dies
mid-run has its jobs run again on another (Dask reschedules what was running or queued there); each job is
reported once, so nothing is lost or counted twice.

Every worker machine needs the course environment, bubblewrap, and the course folder at the same path (read:
the week's data files and the judge's week profile), as ``dask worker`` runs as root for the sandbox's
cgroups. See README, "Grading on several machines".
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import replace

from .execute import Execution, GradingFailure, Job, KernelSetup, grade_job

__all__ = ["CONNECT_TIMEOUT", "dask_worker"]

CONNECT_TIMEOUT = "30s"  # how long to wait for the scheduler before every submission is a grading error


def dask_worker(scheduler: str, setup: KernelSetup, take: Callable[[], Job | None],
                report: Callable[[str, Execution | BaseException], None]) -> None:
    """Submit every job ``take()`` gives (until None) to the Dask scheduler at ``scheduler``, then
    ``report`` each one's execution, or the exception that stopped it, as it completes. When the cluster
    cannot be used (no scheduler there), every job is reported with that error: none is left waiting."""
    from distributed import Client, as_completed

    remote = replace(setup, progress=None)  # a callback of this process does not travel
    unreported: dict[str, str] = {}  # future key → student
    try:
        with Client(scheduler, set_as_default=False, timeout=CONNECT_TIMEOUT) as client:
            futures = []
            while (job := take()) is not None:
                future = client.submit(grade_job, remote, job, pure=False,
                                       key=f"aieprep-grade-{setup.week}-{uuid.uuid4().hex}")
                unreported[future.key] = job[0]
                futures.append(future)
            for future in as_completed(futures, loop=client.loop):
                try:
                    result: Execution | BaseException = future.result()
                except BaseException as error:  # noqa: BLE001 (reported for the job, which is not recorded)
                    result = error
                report(unreported.pop(future.key), result)
    except Exception as error:  # the cluster itself failed: each job still gets an answer
        reason = str(error).splitlines()[0] if str(error) else ""
        failure = GradingFailure(f"the Dask cluster at {scheduler} failed: {type(error).__name__}: {reason}"[:300])
        for student in unreported.values():
            report(student, failure)
        while (job := take()) is not None:
            report(job[0], failure)
