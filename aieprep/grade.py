"""``aieprep grade WEEK``: autograde every collected submission of a week, several at a time, sandboxed.

For each ``submitted/<student>/<week>/<week>.ipynb`` (nbgrader's ``collect`` puts them there):

1. **Read and check** it: invalid JSON, no notebook or a misnamed one, or a kernel other than Python is a
   per-student error; everyone else is still graded.
2. **Rebuild** it from the released notebook: the student's code goes into the answer cells (found by
   grade id), and everything else (test cells, their points, given cells, metadata) comes from the course.
   Deleted or renamed cells are restored, duplicates beyond the first are dropped, and cells the student
   added are kept where they were, without nbgrader metadata. Each test cell becomes a call of
   :func:`aieprep.agent.serve`.
3. **Execute** it in a sandboxed kernel (:mod:`aieprep.sandbox`). At each test cell the judge
   (:mod:`aieprep.judge`), a process of its own, runs the hidden test and asks the notebook, over a socket,
   for what the test needs; a test scores only with the judge's pass.
4. **Record** the result with nbgrader's own preprocessors (``SaveAutoGrades``, ``AssignLatePenalties``) in
   the course gradebook, from this process only, and write ``autograded/<student>/<week>/`` as
   ``nbgrader autograde`` would, so formgrader, manual grading, feedback and export work as usual.
   A marker written last lets a second run skip what the first finished.
5. **Report**: a table on the terminal, ``reports/<week>/grades.csv`` and ``reports/<week>/index.html``.
"""

from __future__ import annotations

import ast
import asyncio
import atexit
import base64
import csv
import hashlib
import html
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from collections import Counter
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError

from . import __version__
from .course import CourseError, grade_cells, master_notebook, read_notebook
from .sandbox import Limits, SandboxKernelManager, remove_stale_cgroups, sandbox_available

__all__ = ["Outcome", "grade_week", "load_course_config", "rebuild", "write_report"]

MARKER = ".aieprep-graded.json"
TRUNCATED = "\n[output truncated by the grader]\n"


@dataclass
class Outcome:
    """What happened to one student's submission in this run."""

    student: str
    status: str  # "graded", "error" or "unchanged" (graded by an earlier run)
    score: float = 0.0
    max_score: float = 0.0
    problems: list[str] = field(default_factory=list)  # restored cells, kernel deaths, tampering, errors
    tampered: bool = False
    seconds: float = 0.0


@dataclass
class CourseSettings:
    root: Path
    course_id: str
    db_url: str
    exchange: Path | None
    config: Any


def load_course_config(root: Path) -> CourseSettings:
    """The course's nbgrader configuration, read the way nbgrader reads ``nbgrader_config.py``."""
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
    course = config.get("CourseDirectory", {})
    db_url = course.get("db_url") or f"sqlite:///{root / 'gradebook.db'}"
    exchange = config.get("Exchange", {}).get("root")
    return CourseSettings(root, course.get("course_id", ""), db_url, Path(exchange) if exchange else None, config)


# --- 1 and 2: read, check and rebuild -------------------------------------------------------------------


def _meta(cell: Any) -> dict[str, Any]:
    """A cell's nbgrader metadata, or {} when the cell or its metadata has an odd shape."""
    metadata = cell.get("metadata") if isinstance(cell, dict) else None
    meta = metadata.get("nbgrader") if isinstance(metadata, dict) else None
    return meta if isinstance(meta, dict) else {}


def _is_test(cell: Any) -> bool:
    meta = _meta(cell)
    return cell.get("cell_type") == "code" and bool(meta.get("grade")) and not meta.get("solution")


def read_submission(folder: Path, week: str) -> tuple[nbformat.NotebookNode | None, str | None]:
    """The submitted notebook, or ``(None, reason)`` when it cannot be graded."""
    path = folder / f"{week}.ipynb"
    if path.is_symlink():
        return None, f"{week}.ipynb is a symbolic link, not a notebook: submit the notebook itself"
    if not path.is_file():
        others = sorted(os.fsdecode(p.name).encode("utf-8", "backslashreplace").decode() for p in folder.glob("*.ipynb"))
        if others:
            return None, f"no {week}.ipynb in the submission (found {', '.join(others)}): rename it and grade again"
        return None, "no notebook in the submission"
    try:
        nb = read_notebook(path, label=path.name)
    except CourseError as error:
        return None, str(error)
    kernel = nb.get("metadata", {}).get("kernelspec", {}) or {}
    language = (kernel.get("language") or nb.get("metadata", {}).get("language_info", {}).get("name") or "python")
    if str(language).lower() != "python" or not str(kernel.get("name", "python3")).startswith("python"):
        return None, (f"{path.name} uses the kernel {kernel.get('name', '?')!r} ({language}); "
                      "the course grades Python notebooks: reopen it with the Python 3 kernel and resubmit")
    return nb, None


def rebuild(release: nbformat.NotebookNode, master: nbformat.NotebookNode,
            submitted: nbformat.NotebookNode) -> tuple[nbformat.NotebookNode, list[str]]:
    """The notebook to grade: the released cells, with the student's source in answer cells and the master's
    (hidden tests included) in test cells, plus the student's own extra cells; and what had to be repaired."""
    problems: list[str] = []
    master_tests = {_meta(c)["grade_id"]: c.source for c in master.cells if _is_test(c)}
    release_ids = [_meta(c).get("grade_id") for c in release.cells]
    known = {i for i in release_ids if i}
    course_code = {c.source.strip() for c in release.cells if c.cell_type == "code" and not _meta(c)}  # run once
    answers: dict[str, str] = {}
    extras: dict[str | None, list[Any]] = {}  # student cells without course metadata, after which course cell
    previous: str | None = None
    duplicated: set[str] = set()
    changed_tests: set[str] = set()
    for cell in submitted.cells:
        if not isinstance(cell, dict) or cell.get("cell_type") not in {"code", "markdown", "raw"}:
            continue
        grade_id = _meta(cell).get("grade_id")
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        if grade_id in known:
            if grade_id in answers:
                duplicated.add(grade_id)
                continue
            template = release.cells[release_ids.index(grade_id)]
            if _is_test(template) and source.strip() not in {template.source.strip(),
                                                              master_tests.get(grade_id, "").strip()}:
                changed_tests.add(grade_id)
            answers[grade_id] = source
            previous = grade_id
        elif cell.get("cell_type") == "code" and source.strip() and source.strip() not in course_code:
            extras.setdefault(previous, []).append(nbformat.v4.new_code_cell(source))  # the learner's own cell
    cells = list(extras.get(None, []))
    missing = []
    for cell, grade_id in zip(release.cells, release_ids):
        new = nbformat.from_dict(json.loads(json.dumps(cell)))
        new.pop("outputs", None)
        if new.cell_type == "code":
            new.outputs, new.execution_count = [], None
        meta = _meta(cell)
        if grade_id and meta.get("solution"):
            if grade_id in answers:
                new.source = answers[grade_id]
            else:
                missing.append(grade_id)
        elif grade_id and _is_test(cell):
            new.source = master_tests.get(grade_id, cell.source)
            if grade_id not in answers:
                missing.append(grade_id)
        cells.append(new)
        cells.extend(extras.get(grade_id, []) if grade_id else [])
    if missing:
        problems.append(f"restored {len(missing)} deleted or renamed cell(s): {', '.join(missing[:5])}"
                        + (" …" if len(missing) > 5 else ""))
    if duplicated:
        problems.append(f"ignored copies of {', '.join(sorted(duplicated))}")
    if changed_tests:
        problems.append(f"edited test cells were replaced by the originals: {', '.join(sorted(changed_tests)[:5])}")
    nb = nbformat.v4.new_notebook(cells=cells, metadata=json.loads(json.dumps(release.metadata)))
    return nb, problems


def _imports(cells: list[Any]) -> list[str]:
    """Top-level module names imported by some cells (only cells that parse)."""
    names: list[str] = []
    for cell in cells:
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names += [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.append(node.module)
    return sorted(dict.fromkeys(names))


# --- 3: execute --------------------------------------------------------------------------------------------


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
    verdicts: dict[int, tuple[str, str]]  # test cell index → (status, message), from the judge
    problems: list[str]
    tampered: bool


class _JudgeProcess:
    """The judge of one submission (:mod:`aieprep.judge`), a process of its own outside the sandbox."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc

    @classmethod
    async def start(cls, socket_path: Path, cwd: Path, log: Path) -> _JudgeProcess:
        env = {**os.environ, "NBGRADER_EXECUTION": "autograde", "MPLBACKEND": "Agg", "PYTHONHASHSEED": "0",
               "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
        with open(log, "ab") as handle:
            proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "aieprep.judge", str(socket_path), stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE, stderr=handle, cwd=str(cwd), env=env, limit=2**24)
        return cls(proc)

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


async def _execute(nb: nbformat.NotebookNode, tests: dict[int, str], given: list[str], week: str,
                   settings: CourseSettings, limits: Limits, isolate: bool, workspace: Path, boot: Path,
                   preload: list[str], font_cache: Path | None) -> Execution:
    """Run the rebuilt notebook in a sandboxed kernel; at each test cell the judge runs the hidden test."""
    mounted = isolate and _small_tmpfs(boot, limits.boot_bytes)
    (boot / "boot.json").write_text(json.dumps({"preload": preload}))
    if font_cache is not None:
        shutil.copytree(font_cache, boot / "mpl")
    judge = await _JudgeProcess.start(boot / "judge.sock", settings.root / "release" / week, workspace / "judge.log")
    verdicts: dict[int, tuple[str, str]] = {}
    problems: list[str] = []
    kernel_failure = ""
    km = SandboxKernelManager()
    km.configure(boot_dir=boot, data_dir=settings.root / "release" / week, week=week, course=settings.root,
                 exchange=settings.exchange, limits=limits, isolate=isolate)
    client = _CappedClient(nb, km=km, timeout=limits.cell_seconds, allow_errors=True, interrupt_on_timeout=True,
                           record_timing=False, startup_timeout=120, shutdown_kernel="immediate",
                           iopub_timeout=10)
    client.output_budget = limits.output_bytes
    try:  # the judge reads the course's code while the kernel starts; its answers are read before the first test
        await judge.send({"given": given}, answer=False)
        await judge.send({"tests": {str(k): v for k, v in tests.items()}}, answer=False)
        unread = 2
        async with client.async_setup_kernel():
            deadline = time.monotonic() + limits.notebook_seconds
            for index, cell in enumerate(nb.cells):
                if cell.cell_type != "code":
                    continue
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    problems.append(f"stopped after {limits.notebook_seconds} s for the whole notebook")
                    break
                try:
                    if index in tests:
                        for _ in range(unread):
                            await judge.answer()
                        unread = 0
                        await judge.send({"run": index}, answer=False)
                        try:
                            await asyncio.wait_for(client.async_execute_cell(cell, index), remaining + 5)
                        finally:
                            verdict = await judge.send({"end": index})
                            verdicts[index] = (str(verdict.get("status")), str(verdict.get("message", "")))
                    else:
                        await asyncio.wait_for(client.async_execute_cell(cell, index), remaining + 5)
                except DeadKernelError:
                    problems.append(f"the kernel stopped at cell {index + 1} (it was killed or ran out of memory)")
                    break
                except (asyncio.TimeoutError, TimeoutError):
                    problems.append(f"stopped after {limits.notebook_seconds} s for the whole notebook")
                    break
                except Exception as error:  # a cell that could not even be sent or timed out twice
                    problems.append(f"cell {index + 1}: {type(error).__name__}: {str(error)[:200]}")
                    break
    except Exception as error:
        started = bool(verdicts) or client.kc is not None
        reason = f"{type(error).__name__}: {str(error).splitlines()[0][:300] if str(error) else ''}"
        if not started:  # nothing of the submission ran: an error to retry, not a zero to record
            kernel_failure = f"the kernel did not start: {reason}"
        problems.append(f"the kernel failed: {reason}")
    finally:
        atexit.unregister(client._cleanup_kernel)  # nbclient leaves it registered when the kernel did not start
        try:
            if km.has_kernel:  # nbclient leaves a kernel manager it was given running
                await km.shutdown_kernel(now=True)
        except Exception:
            pass
        km.release()
        await judge.close()
        if mounted:
            subprocess.run(["umount", "-l", str(boot)], check=False, capture_output=True)
    if os.environ.get("AIEPREP_JUDGE_LOG"):  # per-test times, for benchmarks
        shutil.copyfile(workspace / "judge.log", os.environ["AIEPREP_JUDGE_LOG"] + f".{os.getpid()}.{id(nb)}")
    if kernel_failure:
        raise GradingFailure(kernel_failure)
    reasons = Counter(message for status, message in verdicts.values() if status == "tamper")
    problems += [f"tampering: {message} ({n} test{'s' if n > 1 else ''} failed for it)" for message, n in reasons.items()]
    return Execution(nb, verdicts, problems, bool(reasons))


class GradingFailure(Exception):
    """The grader could not run a submission at all (its kernel did not start): nothing is recorded, and
    the next run tries again."""


# --- 4: record -----------------------------------------------------------------------------------------------


def _compose(executed: nbformat.NotebookNode, originals: dict[int, str], execution: Execution) -> nbformat.NotebookNode:
    """Put the real test sources back and make each test cell's outputs say what its verdict was."""
    for index, cell in enumerate(executed.cells):
        if index not in originals:
            continue
        cell.source = originals[index]
        streams = [o for o in cell.get("outputs", []) if o.get("output_type") == "stream"]
        status, message = execution.verdicts.get(index, ("missing", ""))
        if status == "pass":
            cell.outputs = streams
        else:
            if status == "missing":
                message = "the test did not run (the kernel stopped or the cell was skipped)"
            if status == "fail" and ": " in message:  # "AssertionError: add(1, 2) ..."
                name, value = message.split(": ", 1)
            else:
                name, value = "GradingError", message
            cell.outputs = streams + [nbformat.v4.new_output("error", ename=name, evalue=value,
                                                             traceback=[f"{name}: {value}"])]
    return executed


def _record(nb: nbformat.NotebookNode, student: str, week: str, folder: Path, settings: CourseSettings) -> None:
    """Save grades with nbgrader's preprocessors, as its autograde would (one writer: this process)."""
    from nbgrader.api import Gradebook
    from nbgrader.preprocessors import AssignLatePenalties, IgnorePattern, LimitOutput, SaveAutoGrades
    from nbgrader.coursedir import CourseDirectory

    coursedir = CourseDirectory(config=settings.config, root=str(settings.root))
    timestamp = coursedir.get_existing_timestamp(str(folder))
    with Gradebook(settings.db_url, settings.course_id) as gb:
        gb.update_or_create_student(student)
        if timestamp:
            gb.update_or_create_submission(week, student, timestamp=timestamp)
        else:
            gb.update_or_create_submission(week, student)
    resources = {"nbgrader": {"db_url": settings.db_url, "assignment": week, "notebook": week, "student": student}}
    for preprocessor in (IgnorePattern, LimitOutput, SaveAutoGrades, AssignLatePenalties):
        nb, resources = preprocessor(config=settings.config).preprocess(nb, resources)


def _write_autograded(nb: nbformat.NotebookNode, student: str, week: str, folder: Path, root: Path,
                      digest: str) -> None:
    dest = root / "autograded" / student / week
    dest.mkdir(parents=True, exist_ok=True)
    # As nbgrader's autograde: the submission's other files (timestamp.txt, submission_secret.txt, …),
    # then the course's own files over them.
    for base in (folder, root / "source" / week):
        for item in base.rglob("*"):
            relative = item.relative_to(base)
            if item.is_file() and not item.is_symlink() and item.suffix != ".ipynb" \
                    and not any(p.startswith(".") for p in relative.parts):
                (dest / relative).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(item, dest / relative)
    tmp = dest / f".{week}.ipynb.tmp"
    nbformat.write(nb, tmp)
    os.replace(tmp, dest / f"{week}.ipynb")
    (dest / MARKER).write_text(json.dumps({"sha256": digest, "aieprep": __version__}))


def _score(settings: CourseSettings, week: str, student: str) -> tuple[float, float]:
    from nbgrader.api import Gradebook

    warnings.filterwarnings("ignore", module="nbgrader.api")
    with Gradebook(settings.db_url, settings.course_id) as gb:
        submission = gb.find_submission(week, student)
        return float(submission.score), float(submission.max_score)


# --- the run --------------------------------------------------------------------------------------------------


def _digest(folder: Path) -> str:
    """A hash of the submission's regular files (names as bytes; links and special files are not read)."""
    h = hashlib.sha256(__version__.encode())
    for path in sorted(folder.rglob("*"), key=lambda p: os.fsencode(p)):
        if path.is_file() and not path.is_symlink():
            h.update(os.fsencode(path.relative_to(folder)) + b"\0" + path.read_bytes())
    return h.hexdigest()


def _font_cache() -> Path | None:
    """matplotlib's font list, built once here, so a sandboxed kernel need not build (or spawn) anything."""
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "aieprep" / "matplotlib"
    cache.mkdir(parents=True, exist_ok=True)
    if not any(cache.glob("fontlist-*.json")):
        import subprocess
        import sys

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


def _profile(root: Path, week: str) -> dict[str, Any]:
    """The week's grading settings, ``source/<week>/grading.toml``, section ``[grading]``: any field of
    :class:`aieprep.sandbox.Limits` (``memory_bytes = 4294967296``) and ``preload``, modules the kernel
    imports before the notebook runs (beyond those the notebook imports)."""
    import tomllib

    path = root / "source" / week / "grading.toml"
    return dict(tomllib.loads(path.read_text()).get("grading", {})) if path.is_file() else {}


def grade_week(root: Path, week: str, jobs: int = 0, isolate: bool = True, students: list[str] | None = None,
               force: bool = False, limits: Limits | None = None,
               progress: Callable[[Outcome], None] | None = None) -> list[Outcome]:
    """Autograde the collected submissions of ``week``; return one outcome per student, in name order."""
    settings = load_course_config(root)
    profile = _profile(root, week)
    if limits is None:  # the course's per-cell timeout (nbgrader's Execute.timeout), then the week's own limits
        timeout = settings.config.get("Execute", {}).get("timeout")
        limits = Limits(cell_seconds=int(timeout)) if isinstance(timeout, int) and timeout > 0 else Limits()
        known = {f.name for f in fields(Limits)}
        limits = replace(limits, **{k: v for k, v in profile.items() if k in known})
    jobs = jobs or os.cpu_count() or 1
    if isolate and sandbox_available():
        raise CourseError(f"cannot sandbox: {sandbox_available()} (or pass --no-sandbox to grade without isolation)")
    if isolate:
        remove_stale_cgroups()
    master = nbformat.read(master_notebook(root, week), as_version=4)
    release_path = root / "release" / week / f"{week}.ipynb"
    if not release_path.is_file():
        raise CourseError(f"no {release_path.relative_to(root)}: run nbgrader generate_assignment {week} first")
    release = nbformat.read(release_path, as_version=4)
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(settings.db_url, settings.course_id) as gb:
        try:
            gb.find_assignment(week)
        except MissingEntry:
            raise CourseError(f"{week} is not in the gradebook: run nbgrader generate_assignment {week} first") from None
    submitted = root / "submitted"
    folders = sorted(p for p in submitted.glob(f"*/{week}") if p.is_dir()) if submitted.is_dir() else []
    folders = [f for f in folders if not students or f.parent.name in students]
    preload = sorted(set(_imports(master.cells)) | set(profile.get("preload", [])))
    fonts = _font_cache()

    outcomes: dict[str, Outcome] = {}
    todo: list[tuple[str, Path, nbformat.NotebookNode, list[str], str]] = []
    for folder in folders:
        student = folder.parent.name
        try:  # whatever one submission holds, everyone else is graded
            digest = _digest(folder)
            marker = root / "autograded" / student / week / MARKER
            if not force and marker.exists() and json.loads(marker.read_text()).get("sha256") == digest:
                score, max_score = _score(settings, week, student)
                outcomes[student] = Outcome(student, "unchanged", score, max_score)
                continue
            nb, error = read_submission(folder, week)
            if nb is None:
                outcomes[student] = Outcome(student, "error", problems=[error or "unreadable"])
                continue
            rebuilt, problems = rebuild(release, master, nb)
        except Exception as error:
            outcomes[student] = Outcome(student, "error", problems=[
                f"cannot read the submission: {type(error).__name__}: {str(error)[:200]}"])
            continue
        todo.append((student, folder, rebuilt, problems, digest))
    for outcome in outcomes.values():
        if progress:
            progress(outcome)

    given = [c.source for c in master.cells if c.cell_type == "code" and not _meta(c).get("grade")
             and not _meta(c).get("solution")]

    def work(student: str, nb: nbformat.NotebookNode) -> Execution:
        originals = {i: c.source for i, c in enumerate(nb.cells) if _is_test(c)}
        with tempfile.TemporaryDirectory(prefix="aieprep-", dir=_short_tmp()) as tmp:
            boot = Path(tmp) / "boot"
            boot.mkdir(mode=0o700)
            for index in originals:
                nb.cells[index].source = f'__import__("aieprep.agent").agent.serve({str(boot / "judge.sock")!r}, globals())'
            execution = asyncio.run(_execute(nb, originals, given, week, settings, limits, isolate, Path(tmp), boot,
                                             preload, fonts))
        execution.notebook = _compose(execution.notebook, originals, execution)
        return execution

    started: dict[Future[Execution], tuple[str, Path, list[str], str, float]] = {}
    with ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="aieprep-grade") as pool:
        for student, folder, nb, problems, digest in todo:
            started[pool.submit(work, student, nb)] = (student, folder, problems, digest, time.monotonic())
        pending = set(started)
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:  # this thread alone writes the gradebook and autograded/
                student, folder, problems, digest, t0 = started[future]
                try:
                    execution = future.result()
                    _record(execution.notebook, student, week, folder, settings)
                    _write_autograded(execution.notebook, student, week, folder, root, digest)
                    score, max_score = _score(settings, week, student)
                    outcome = Outcome(student, "graded", score, max_score, problems + execution.problems,
                                      execution.tampered, time.monotonic() - t0)
                except Exception as error:  # one student's failure never stops the others
                    outcome = Outcome(student, "error", problems=[f"grading failed: {type(error).__name__}: {error}"])
                outcomes[student] = outcome
                if progress:
                    progress(outcome)
    return [outcomes[s] for s in sorted(outcomes)]


# --- 5: report -------------------------------------------------------------------------------------------------


def format_table(outcomes: list[Outcome]) -> str:
    """The per-student summary printed at the end of a run."""
    rows = [("student", "status", "score", "seconds", "problems")]
    for o in outcomes:
        score = f"{o.score:g}/{o.max_score:g}" if o.status != "error" else "-"
        seconds = f"{o.seconds:.1f}" if o.seconds else ""
        flag = "TAMPERING " if o.tampered else ""
        rows.append((o.student, o.status, score, seconds, flag + "; ".join(o.problems)))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = ["  ".join(r[i].ljust(widths[i]) for i in range(4)) + "  " + r[4] for r in rows]
    return "\n".join(line.rstrip() for line in lines)


def write_report(root: Path, week: str, outcomes: list[Outcome]) -> tuple[Path, Path]:
    """``reports/<week>/grades.csv`` and ``index.html`` from the gradebook (every graded submission)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from nbgrader.api import Gradebook, MissingEntry

    settings = load_course_config(root)
    warnings.filterwarnings("ignore", module="nbgrader.api")  # SQLAlchemy notes on nbgrader's own queries
    master = nbformat.read(master_notebook(root, week), as_version=4)
    cells = [c for c in grade_cells(master) if c.kind == "auto"]
    questions = list(dict.fromkeys(c.question for c in cells))
    max_points = {q: sum(c.points for c in cells if c.question == q) for q in questions}
    by_student = {o.student: o for o in outcomes}
    rows: list[dict[str, Any]] = []
    with Gradebook(settings.db_url, settings.course_id) as gb:
        for student in sorted(set(by_student) | {s.student.id for s in gb.find_assignment(week).submissions}):
            outcome = by_student.get(student)
            row: dict[str, Any] = {"student": student, "status": outcome.status if outcome else "graded earlier"}
            try:
                notebook = gb.find_submission_notebook(week, week, student)
            except MissingEntry:
                notebook = None
            if notebook is None or (outcome and outcome.status == "error"):
                row.update({"score": "", "max_score": "", "percent": ""})
            else:
                scores = {g.name: (g.score or 0.0) for g in notebook.grades}
                total = sum(scores.get(c.grade_id, 0.0) for c in cells)
                top = sum(c.points for c in cells)
                row.update({"score": round(total, 2), "max_score": top, "percent": round(100 * total / top, 1)})
                for q in questions:
                    row[q] = round(sum(scores.get(c.grade_id, 0.0) for c in cells if c.question == q), 2)
            row["tampering"] = "yes" if outcome and outcome.tampered else ""
            row["problems"] = "; ".join(outcome.problems) if outcome else ""
            rows.append(row)
    out = root / "reports" / week
    out.mkdir(parents=True, exist_ok=True)
    columns = ["student", "status", "score", "max_score", "percent", *questions, "tampering", "problems"]
    with (out / "grades.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)

    graded = [r for r in rows if r["score"] != ""]

    def figure_png(fig: Any) -> str:
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=80, bbox_inches="tight", metadata={"Software": None})
        plt.close(fig)
        return base64.b64encode(buffer.getvalue()).decode()

    images = []
    if graded:
        fig, ax = plt.subplots(figsize=(6, 2.5))
        ax.hist([r["percent"] for r in graded], bins=[i * 10 for i in range(11)], color="#4c72b0")
        ax.set(title=f"{week}: total score", xlabel="percent", ylabel="students")
        images.append(("Total", figure_png(fig)))
        columns_per_row = 4
        rows_needed = (len(questions) + columns_per_row - 1) // columns_per_row
        fig, axes = plt.subplots(rows_needed, columns_per_row, figsize=(12, 2.2 * rows_needed), squeeze=False)
        for ax, q in zip(axes.flat, questions):
            values = [r[q] for r in graded]
            top = max_points[q]
            bins = [b - 0.5 for b in range(int(top) + 2)] if top <= 20 else 10  # one bar per point
            ax.hist(values, bins=bins, range=None if top <= 20 else (0, top), color="#55a868", rwidth=0.8)
            ax.set_title(f"{q} (/{max_points[q]:g})", fontsize=9)
            ax.tick_params(labelsize=7)
        for ax in list(axes.flat)[len(questions):]:
            ax.axis("off")
        fig.tight_layout()
        images.append(("Per question", figure_png(fig)))
    table_rows = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(r.get(c, '')))}</td>" for c in columns) + "</tr>" for r in rows)
    mean = sum(r["percent"] for r in graded) / len(graded) if graded else 0.0
    page = f"""<!doctype html><html><head><meta charset="utf-8"><title>{week} grades</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse;font-size:12px}}
td,th{{border:1px solid #ccc;padding:2px 6px}}</style></head><body>
<h1>{html.escape(week)}: grade report</h1>
<p>{len(graded)} graded, {sum(1 for r in rows if r['status'] == 'error')} with errors,
mean {mean:.1f}%, {sum(1 for r in rows if r['tampering'])} flagged for tampering.</p>
{''.join(f'<h2>{t}</h2><img alt="{t} score distribution" src="data:image/png;base64,{img}">' for t, img in images)}
<h2>Students</h2><table><tr>{''.join(f'<th>{html.escape(c)}</th>' for c in columns)}</tr>{table_rows}</table>
</body></html>"""
    (out / "index.html").write_text(page)
    return out / "grades.csv", out / "index.html"
