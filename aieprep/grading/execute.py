"""Step 3 of grading: run a rebuilt notebook in a sandboxed kernel while the judge runs its tests.

Each test cell of the notebook has become a call of :func:`aieprep.runtime.agent.serve`; at that cell the
judge (:mod:`aieprep.grading.judge`), a process of its own outside the sandbox, runs the hidden test and asks
the notebook over a socket for what the test needs. A test scores only with the judge's pass.
"""

from __future__ import annotations

import asyncio
import atexit
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError

from ..nbgrader_bridge import CourseSettings
from ..notebook import PARTIAL_MESSAGE
from .outcome import Verdict
from .rebuild import index_tests
from .sandbox import (INSIDE_EMBED_MODEL, INSIDE_HOME, Limits, SandboxKernelManager, confine, kernel_cgroups,
                      release_cgroups)

__all__ = ["Execution", "GradingFailure", "Job", "KernelSetup", "font_cache", "grade_job", "run_worker"]

TRUNCATED = "\n[output truncated by the grader]\n"
JUDGE_GRACE_SECONDS = 30  # a test may go on this long after its cell ended (answers in flight), then it fails
JUDGE_ANSWER_SECONDS = 120  # a judge that does not answer a command in this long: a grading error, not a verdict
JUDGE_UID = 65534  # "nobody": the judge's user inside its sandbox
CPU_POLL_SECONDS = 0.25  # how often a running cell's CPU time is read
INTERRUPT_GRACE_SECONDS = 10  # a cell still running this long after its interrupt stops the notebook


class _CappedClient(NotebookClient):
    """nbclient with a budget for everything a kernel sends to be kept: outputs, display updates and widget
    (comm) messages all count; beyond the budget they are dropped (the kernel keeps running)."""

    output_budget: int = Limits.output_bytes
    COUNTED = ("stream", "display_data", "execute_result", "error", "update_display_data", "comm_open", "comm_msg")

    def process_message(self, msg: dict[str, Any], cell: Any, cell_index: int) -> Any:
        if msg.get("msg_type") in self.COUNTED:
            size = len(json.dumps(msg.get("content", {}), default=str))
            self.output_budget -= size
            if self.output_budget < 0:
                if not getattr(self, "_truncated", False):
                    self._truncated = True
                    cell.setdefault("outputs", []).append(
                        nbformat.v4.new_output("stream", name="stdout", text=TRUNCATED))
                return None
        return super().process_message(msg, cell, cell_index)


@dataclass
class Execution:
    notebook: nbformat.NotebookNode
    verdicts: dict[int, tuple[Verdict, str]]  # test cell index → (verdict, message), from the judge
    problems: list[str]
    tampered: bool
    shares: dict[int, float] = field(default_factory=dict)  # test cell index → share earned, for PARTIAL verdicts


class _JudgeProcess:
    """The judge of one submission (:mod:`aieprep.grading.judge`), a process of its own: sandboxed like the
    kernel (its own namespaces, no network but loopback, a read-only view of the machine, the week's data
    files, its own cgroup with :attr:`Limits.judge_memory_bytes`), as an unprivileged user with no
    capabilities. It never sees the course folder: the hidden tests reach it on its stdin."""

    def __init__(self, proc: asyncio.subprocess.Process, cgroups: list[Path]) -> None:
        self.proc = proc
        self.cgroups = cgroups

    @classmethod
    async def start(cls, setup: KernelSetup, boot: Path, log: Path) -> _JudgeProcess:
        limits = setup.limits
        data_dir = setup.settings.root / "release" / setup.week
        command = [sys.executable, "-m", "aieprep.grading.judge", str(boot / "judge.sock")]
        env = {"LANG": "C.UTF-8", "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1",
               "NBGRADER_EXECUTION": "autograde", "MPLBACKEND": "Agg", "HF_HUB_OFFLINE": "1",
               "TOKENIZERS_PARALLELISM": "false", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
               "AIEPREP_LIMITS": f"cpu_seconds={limits.cpu_seconds},file_bytes={limits.file_bytes},"
                                 f"memory_bytes={limits.judge_memory_bytes}"}
        cgroups: list[Path] = []
        cwd: Path | None = data_dir
        if setup.isolate:
            from aieprep.runtime.embeddings import model_path

            cgroups = kernel_cgroups("j", replace(limits, memory_bytes=limits.judge_memory_bytes,
                                                  processes=limits.judge_processes))
            model = setup.environment.get("AIEPREP_EMBED_MODEL") or model_path()
            env.update({**setup.environment, "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
                        "HOME": INSIDE_HOME, "MPLCONFIGDIR": "/tmp/matplotlib",
                        "AIEPREP_EMBED_MODEL": INSIDE_EMBED_MODEL if Path(model).is_dir() else model,
                        "AIEPREP_RLIMIT_AS": "0" if cgroups else "1"})
            command = confine(command, boot_dir=boot, data_dir=data_dir, week=setup.week, limits=limits,
                              environment=env, embed_model=model, cgroups=cgroups, uid=JUDGE_UID)
            env, cwd = {"PATH": "/usr/bin:/bin"}, None
        else:
            env = {**os.environ, **setup.environment, **env}
        try:
            with open(log, "ab") as handle:
                proc = await asyncio.create_subprocess_exec(
                    *command, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=handle,
                    cwd=str(cwd) if cwd else None, env=env, limit=2**24)
        except BaseException:
            release_cgroups(cgroups)
            raise
        return cls(proc, cgroups)

    async def send(self, command: dict[str, Any], answer: bool = True) -> dict[str, Any]:
        assert self.proc.stdin is not None
        self.proc.stdin.write((json.dumps(command) + "\n").encode())
        await self.proc.stdin.drain()
        return await self.answer() if answer else {}

    async def answer(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        line = await self.proc.stdout.readline()
        if not line:
            raise RuntimeError("the judge stopped (see judge.log)")
        return dict(json.loads(line))

    async def close(self) -> None:
        if self.proc.returncode is None:
            self.proc.kill()
        await self.proc.wait()
        release_cgroups(self.cgroups)


@dataclass(frozen=True)
class KernelSetup:
    """What every kernel of a week's grading run is started with, known before any submission is read."""

    week: str
    settings: CourseSettings
    limits: Limits
    isolate: bool
    preload: list[str]  # modules the kernel imports before the notebook runs
    environment: dict[str, str]
    fonts: Path | None
    given: list[str]  # the course's code cells, for the judge
    lend: dict[str, list[str]]  # course classes the judge lends as handles (the week's profile)
    # Called after each code cell a kernel ran: (cells run, code cells, tests run, tests) of its submission.
    progress: Callable[[int, int, int, int], None] | None = None


Job = tuple[str, nbformat.NotebookNode]  # (a key of the caller's, the rebuilt notebook)


def grade_job(setup: KernelSetup, job: Job) -> Execution:
    """One job graded as :func:`run_worker` grades it, where it is called (a Dask worker: see
    :mod:`.fanout`), with this machine's font cache; raises what stopped it."""
    setup = replace(setup, fonts=font_cache())
    queued: list[Job | None] = [job, None]
    results: list[Execution | BaseException] = []
    run_worker(setup, lambda: queued.pop(0), lambda _, result: results.append(result), more=lambda: False)
    (result,) = results
    if isinstance(result, BaseException):
        raise result
    return result


def run_worker(setup: KernelSetup, take: Callable[[], Job | None],
               report: Callable[[str, Execution | BaseException], None],
               more: Callable[[], bool] = lambda: True) -> None:
    """Grade jobs until ``take()`` returns None: for each, a kernel and a judge are started first and the
    job is taken while the kernel boots, so that its imports overlap whatever the caller is still preparing.
    After a job, no kernel is started when ``more()`` says no job is left. Every job taken is reported
    exactly once, with its execution or the exception that stopped it."""
    first = True
    while first or more():
        first = False
        taken: list[Job | None] = []  # what take() gave this round: it is asked once

        def take_once() -> Job | None:
            taken.append(take())
            return taken[0]

        with tempfile.TemporaryDirectory(prefix="aieprep-", dir=_short_tmp(), ignore_cleanup_errors=True) as tmp:
            try:
                result: Execution | BaseException | None = asyncio.run(_grade_one(setup, take_once, Path(tmp)))
            except BaseException as error:  # noqa: BLE001 (reported for the job, which is not recorded)
                result = error
        job = taken[0] if taken else take_once()  # a boot that failed before taking: the next job gets it
        if job is None:
            return
        assert result is not None  # a job taken is always run
        report(job[0], result)


async def _grade_one(setup: KernelSetup, take: Callable[[], Job | None], workspace: Path) -> Execution | None:
    """Start a kernel and its judge, take a job (None: there is none, and nothing more is done), run it."""
    limits = setup.limits
    boot = workspace / "boot"
    boot.mkdir(mode=0o700)
    mounted = setup.isolate and _small_tmpfs(boot, limits.boot_bytes)
    (boot / "boot.json").write_text(json.dumps({"preload": setup.preload}))
    if setup.fonts is not None:
        shutil.copytree(setup.fonts, boot / "mpl")
    root = setup.settings.root
    try:
        judge = await _JudgeProcess.start(setup, boot, workspace / "judge.log")
    except BaseException:
        if mounted:
            subprocess.run(["umount", "-l", str(boot)], check=False, capture_output=True)
        raise
    km = SandboxKernelManager()
    km.configure(boot_dir=boot, data_dir=root / "release" / setup.week, week=setup.week, course=root,
                 exchange=setup.settings.exchange, limits=limits, isolate=setup.isolate,
                 environment=setup.environment)
    booting = asyncio.ensure_future(km.start_kernel())
    client: _CappedClient | None = None
    try:
        await judge.send({"lend": setup.lend, "http_timeout": limits.wait_seconds}, answer=False)
        await judge.send({"given": setup.given}, answer=False)  # the judge reads it while the kernel boots
        job = await asyncio.to_thread(take)
        if job is None:
            return None
        nb = job[1]
        tests = index_tests(nb)
        serve = f'__import__("aieprep.runtime.agent").runtime.agent.serve({str(boot / "judge.sock")!r}, globals())'
        for index in tests:
            nb.cells[index].source = serve
        await judge.send({"tests": {str(k): v for k, v in tests.items()}}, answer=False)
        client = _CappedClient(nb, km=km, timeout=None, allow_errors=True, interrupt_on_timeout=True,
                               record_timing=False, startup_timeout=120, shutdown_kernel="immediate",
                               iopub_timeout=10)
        client.output_budget = limits.output_bytes
        execution = await _run(nb, tests, client, judge, booting, limits, ProcessUse(km.sb_cgroups, lambda: _pid(km)),
                               setup.progress)
        execution.notebook = _compose(execution.notebook, tests, execution)
        return execution
    finally:
        await asyncio.gather(booting, return_exceptions=True)  # a launch is never cut half-way
        if client is not None:
            atexit.unregister(client._cleanup_kernel)  # nbclient leaves it registered when the kernel did not start
        try:
            if km.has_kernel:  # nbclient leaves a kernel manager it was given running
                await km.shutdown_kernel(now=True)
        except Exception:
            pass
        if client is not None and client.kc is not None:  # its heartbeat thread would outlive the run
            client.kc.stop_channels()
        km.release()
        await judge.close()
        if mounted:
            subprocess.run(["umount", "-l", str(boot)], check=False, capture_output=True)
        if os.environ.get("AIEPREP_JUDGE_LOG") and (workspace / "judge.log").exists():  # per-test times
            shutil.copyfile(workspace / "judge.log", os.environ["AIEPREP_JUDGE_LOG"] + f".{os.getpid()}.{id(boot)}")


async def _run(nb: nbformat.NotebookNode, tests: dict[int, str], client: _CappedClient, judge: _JudgeProcess,
               booting: asyncio.Future[Any], limits: Limits, kernel: ProcessUse,
               progress: Callable[[int, int, int, int], None] | None = None) -> Execution:
    """Run the notebook's cells in the booted kernel; at each test cell the judge runs the hidden test.

    A cell is stopped by its own limits (:func:`_execute`); the wall time of cells so stopped is the learner's,
    and past ``limits.notebook_seconds`` of it the rest of the notebook is not run. The whole run has a
    backstop, ``limits.backstop_seconds``: a notebook whose own cells stopped nothing and still did not finish
    by then met a machine too slow to grade it, which is a :class:`GradingFailure` (nothing recorded, graded
    again on the next run), never a lost test."""
    verdicts: dict[int, tuple[Verdict, str]] = {}
    shares: dict[int, float] = {}
    problems: list[str] = []
    judge_use = ProcessUse(judge.cgroups, lambda: judge.proc.pid)
    try:  # the judge's answers to "given" and "tests" are read before the first test
        unread = 2
        await booting
        async with client.async_setup_kernel():
            started, learners = time.monotonic(), 0.0  # learners: wall time of cells their limits stopped
            code_cells, ran = sum(1 for c in nb.cells if c.cell_type == "code"), 0
            for index, cell in enumerate(nb.cells):
                if cell.cell_type != "code":
                    continue
                if progress is not None:
                    progress(ran, code_cells, len(verdicts), len(tests))
                ran += 1
                if learners > limits.notebook_seconds:
                    problems.append(f"stopped: cells ran into their limits for {limits.notebook_seconds} s in all")
                    break
                if time.monotonic() - started > limits.backstop_seconds:
                    raise GradingFailure(f"the grading machine was too slow: the notebook did not finish in "
                                         f"{limits.backstop_seconds} s, and none of its cells ran into a limit")
                begun = time.monotonic()
                try:
                    if index in tests:
                        if judge.proc.returncode is not None:
                            problems.append(f"the judge stopped before cell {index + 1} (a test it ran never ended)")
                            break
                        for _ in range(unread):
                            await _judge_answer(judge.answer(), JUDGE_ANSWER_SECONDS)
                        unread = 0
                        await judge.send({"run": index}, answer=False)
                        try:
                            stopped = await _execute(client, cell, index, limits, kernel, judge_use)
                        finally:
                            try:
                                verdict = await _judge_answer(judge.send({"end": index, "grace": JUDGE_GRACE_SECONDS}),
                                                              JUDGE_GRACE_SECONDS + JUDGE_ANSWER_SECONDS)
                            except (RuntimeError, OSError):  # the judge died (its memory limit): the test fails
                                await judge.close()
                                verdict = {"status": Verdict.FAIL, "message": "GradingError: the judge did not finish "
                                           "this test (it was stopped)"}
                            verdicts[index] = (Verdict(str(verdict.get("status"))), str(verdict.get("message", "")))
                            if verdicts[index][0] is Verdict.PARTIAL:
                                shares[index] = min(max(float(verdict.get("share", 0.0)), 0.0), 1.0)
                    else:
                        stopped = await _execute(client, cell, index, limits, kernel, judge_use)
                    if stopped:
                        learners += time.monotonic() - begun
                except GradingFailure:
                    raise
                except DeadKernelError:
                    problems.append(f"the kernel stopped at cell {index + 1} (it was killed or ran out of memory)")
                    break
                except Exception as error:  # a cell that could not even be sent, or ignored its interrupt
                    problems.append(f"cell {index + 1}: {type(error).__name__}: {str(error)[:200]}")
                    break
    except GradingFailure:
        raise
    except Exception as error:
        reason = f"{type(error).__name__}: {str(error).splitlines()[0][:300] if str(error) else ''}"
        if not verdicts and client.kc is None:  # nothing of the submission ran: an error to retry, not a zero
            raise GradingFailure(f"the kernel did not start: {reason}") from None
        problems.append(f"the kernel failed: {reason}")
    reasons = Counter(message for status, message in verdicts.values() if status is Verdict.TAMPER)
    problems += [f"tampering: {message} ({n} test{'s' if n > 1 else ''} failed for it)" for message, n in reasons.items()]
    return Execution(nb, verdicts, problems, bool(reasons), shares)


def _pid(km: SandboxKernelManager) -> int | None:
    process = getattr(getattr(km, "provisioner", None), "process", None)
    return None if process is None else int(process.pid)


class ProcessUse:
    """What a sandboxed program (a kernel, a judge) is doing, read from outside it (``/proc``), so that
    nothing it does can change it: the processes of its cgroup, or else the process tree under its
    launcher's ``pid()``. A cell's limits measure this, never the grading machine's load."""

    TICK = os.sysconf("SC_CLK_TCK")
    TREE_SECONDS = 2.0  # without a cgroup, the process tree is looked up again after this long

    def __init__(self, cgroups: list[Path], pid: Callable[[], int | None]) -> None:
        self.cgroups, self.pid = cgroups, pid
        self._tree: tuple[float, list[int]] = (0.0, [])

    def _pids(self) -> list[int]:
        for folder in sorted(self.cgroups, key=lambda d: "/pids/" not in str(d)):  # v1 pids, or v2's one
            procs = folder / "cgroup.procs"
            if procs.exists():
                return [int(pid) for pid in procs.read_text().split()]
        if time.monotonic() - self._tree[0] > self.TREE_SECONDS:
            self._tree = (time.monotonic(), self._process_tree())
        return self._tree[1]

    def _process_tree(self) -> list[int]:
        root = self.pid()
        if root is None:
            return []
        children: dict[int, list[int]] = {}
        for stat in Path("/proc").glob("[0-9]*/stat"):
            fields = _stat_fields(stat)
            if fields:
                children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
        found, todo = [], [root]
        while todo:
            pid = todo.pop()
            found.append(pid)
            todo += children.get(pid, [])
        return found

    def cpu_seconds(self) -> float:
        """CPU used by its processes (all their threads; children that ended are not counted)."""
        total = 0
        for pid in self._pids():
            fields = _stat_fields(Path(f"/proc/{pid}/stat"))
            if fields:
                total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / self.TICK

    def runnable(self) -> bool:
        """Whether one of its threads is running or waiting for a CPU (state R): it is working, not waiting."""
        return any(fields and fields[0] == "R" for pid in self._pids()
                   for fields in map(_stat_fields, Path(f"/proc/{pid}/task").glob("*/stat")))


def _stat_fields(stat: Path) -> list[str]:
    """The fields of a ``/proc/…/stat`` after the command's name (state first); empty if it is gone."""
    try:
        return stat.read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return []


class CellStuck(Exception):
    """A cell went on after its interrupt (it ignores Ctrl-C): the rest of the notebook is not run."""


async def _execute(client: _CappedClient, cell: Any, index: int, limits: Limits, kernel: ProcessUse,
                   judge: ProcessUse) -> bool:
    """Run one cell. It is interrupted once its kernel has used ``limits.cell_seconds`` of CPU during it (the
    learner's computation), or has waited ``limits.wait_seconds`` (sleeps, blocking calls: time in which
    neither the kernel nor the judge had a thread running or ready to run, sampled every
    ``CPU_POLL_SECONDS``). Load on the machine changes neither. True when a limit stopped it;
    :class:`CellStuck` if it ignored the interrupt."""
    task = asyncio.ensure_future(client.async_execute_cell(cell, index))
    start_cpu: float | None = None  # read from the first tick on: most cells end before it
    waited, last = 0.0, time.monotonic()
    interrupted: float | None = None
    while not (await asyncio.wait({task}, timeout=CPU_POLL_SECONDS))[0]:
        now, used = time.monotonic(), kernel.cpu_seconds()
        start_cpu = used if start_cpu is None else start_cpu
        if not kernel.runnable() and not judge.runnable():
            waited += now - last
        last = now
        if interrupted is None:
            if used - start_cpu > limits.cell_seconds or waited > limits.wait_seconds:
                interrupted = now
                assert isinstance(client.km, SandboxKernelManager)
                await client.km.interrupt_kernel()
        elif now - interrupted > INTERRUPT_GRACE_SECONDS:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            raise CellStuck(f"it went on {INTERRUPT_GRACE_SECONDS} s after being interrupted")
    await task
    return interrupted is not None


async def _judge_answer(answer: Any, seconds: float) -> dict[str, Any]:
    """The judge's answer to a command; a judge that gives none in ``seconds`` (a machine too slow, or a
    broken judge: a test stuck on learner code is answered after its grace) is a :class:`GradingFailure`."""
    try:
        return dict(await asyncio.wait_for(answer, seconds))
    except (asyncio.TimeoutError, TimeoutError):
        raise GradingFailure(f"the judge did not answer in {seconds:.0f} s: the grading machine is too slow, "
                             "or the judge is broken (see judge.log)") from None


class GradingFailure(Exception):
    """The grader could not run a submission at all (its kernel did not start): nothing is recorded, and
    the next run tries again."""


# Output types a browser renders as text or pictures; anything else a learner displays (HTML, JavaScript, SVG,
# Markdown with raw HTML …) could run in the instructor's Formgrader or the learner's feedback page.
INERT_MIMETYPES = frozenset({"text/plain", "image/png", "image/jpeg", "image/gif", "application/json",
                             "application/vnd.jupyter.widget-view+json"})


def inert(outputs: list[Any]) -> list[Any]:
    """``outputs`` with every rich representation that could carry active content dropped; an output left
    with nothing to show says so in plain text."""
    for output in outputs:
        data = output.get("data") if isinstance(output, dict) else None
        if not isinstance(data, dict):
            continue
        dropped = sorted(k for k in data if k not in INERT_MIMETYPES)
        for key in dropped:
            del data[key]
        if dropped and "text/plain" not in data:
            data["text/plain"] = f"[{', '.join(dropped)[:200]} output, not shown by the grader]"
    return outputs


def _compose(executed: nbformat.NotebookNode, originals: dict[int, str], execution: Execution) -> nbformat.NotebookNode:
    """Put the real test sources back, make each test cell's outputs say what its verdict was, and make
    every output inert (:func:`inert`)."""
    for index, cell in enumerate(executed.cells):
        if cell.get("cell_type") == "code":
            inert(cell.get("outputs", []))
        if index not in originals:
            continue
        cell.source = originals[index]
        streams = [o for o in cell.get("outputs", []) if o.get("output_type") == "stream"]
        status, message = execution.verdicts.get(index, (Verdict.MISSING, ""))
        if status is Verdict.PASS:
            cell.outputs = streams
        elif status is Verdict.PARTIAL:  # nbgrader reads the number a test cell shows as its points
            points = execution.shares.get(index, 0.0) * float(cell.metadata.get("nbgrader", {}).get("points", 0))
            cell.outputs = streams + [nbformat.v4.new_output("execute_result", execution_count=None,
                                                             data={"text/plain": f"{points:.6g}",
                                                                   PARTIAL_MESSAGE: message})]
        else:
            if status is Verdict.MISSING:
                message = "the test did not run (the kernel stopped or the cell was skipped)"
            if status is Verdict.FAIL and ": " in message:  # "AssertionError: add(1, 2) ..."
                name, value = message.split(": ", 1)
            else:
                name, value = "GradingError", message
            cell.outputs = streams + [nbformat.v4.new_output("error", ename=name, evalue=value,
                                                             traceback=[f"{name}: {value}"])]
    return executed


def font_cache() -> Path | None:
    """matplotlib's font list, built once here, so a sandboxed kernel need not build (or spawn) anything."""
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "aieprep" / "matplotlib"
    cache.mkdir(parents=True, exist_ok=True)
    if not any(cache.glob("fontlist-*.json")):
        subprocess.run([sys.executable, "-c", "import matplotlib.font_manager"], check=False,
                       env={**os.environ, "MPLCONFIGDIR": str(cache)}, capture_output=True)
    return cache if any(cache.glob("fontlist-*.json")) else None


def _small_tmpfs(folder: Path, size: int) -> bool:
    """Mount a tmpfs of ``size`` bytes on ``folder`` (root only), so that what a kernel writes into its boot
    folder cannot fill the grader's disk. False when it cannot be done here."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        return False
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=700", "tmpfs", str(folder)],
                          check=False, capture_output=True)
    return done.returncode == 0


def _short_tmp() -> str | None:
    """A folder for sockets whose paths must stay under 108 bytes, whatever TMPDIR is."""
    return "/tmp" if os.path.isdir("/tmp") and os.access("/tmp", os.W_OK) else None
