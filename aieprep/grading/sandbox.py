"""An isolated, limited kernel for one submission: bubblewrap namespaces, a cgroup and rlimits.

Inside the sandbox the kernel sees only what is on a list: the system's programs and libraries and a few
files of /etc, read-only (:data:`SYSTEM_DIRS`, :data:`SYSTEM_FILES`), the interpreter, the Python environment,
the ``aieprep`` package and the embedding model's folder; no network but loopback; a private ``/tmp``, home
and ``/dev/shm`` on size-limited tmpfs; the week's data files read-only in its working folder; and its boot
folder (sockets to the grader and the judge). Nothing else of the machine exists inside: not the course
folder, not the exchange, not a second copy of the course elsewhere. Limits: memory, process count and a CPU
quota through a cgroup (when the machine lets us create one, else an address-space rlimit), CPU seconds, file
size and open files through rlimits, set before any submitted code runs.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from jupyter_client.kernelspec import KernelSpec
from jupyter_client.manager import AsyncKernelManager

from aieprep.runtime.embeddings import model_path


__all__ = ["Limits", "SandboxKernelManager", "cgroup_kind", "confine", "kernel_cgroups", "release_cgroups",
           "remove_stale_cgroups", "sandbox_available"]

INSIDE_HOME = "/home/learner"
INSIDE_EMBED_MODEL = "/opt/aieprep/embedding-model"  # where the sandbox shows the embedding model, read-only
CGROUP_V1 = Path("/sys/fs/cgroup")


@dataclass(frozen=True)
class Limits:
    """What one submission may use."""

    cell_seconds: int = 60  # CPU seconds a cell's kernel may use, then the cell is interrupted
    wait_seconds: int = 300  # seconds a cell may wait (neither kernel nor judge running), then it is interrupted
    notebook_seconds: int = 600  # wall time of cells stopped by these limits, in all; then the notebook stops
    backstop_seconds: int = 3600  # a notebook not done by then met a machine too slow: a grading error, not a zero
    cpu_seconds: int = 600  # RLIMIT_CPU of the kernel
    memory_bytes: int = 3 * 2**30  # cgroup memory, or RLIMIT_AS without a cgroup
    processes: int = 256  # cgroup pids (threads count)
    file_bytes: int = 64 * 2**20  # RLIMIT_FSIZE: the largest file it may write
    tmp_bytes: int = 256 * 2**20  # each of /tmp and the working folder
    output_bytes: int = 2 * 2**20  # outputs kept per notebook (every output, display update and widget message)
    shm_bytes: int = 64 * 2**20  # /dev/shm
    boot_bytes: int = 16 * 2**20  # the boot folder shared with the grader (sockets), a tmpfs when root
    cpu_share: float = 1.0  # cores a kernel may use at most (cgroup cpu quota), so one cannot starve the others
    judge_memory_bytes: int = 2 * 2**30  # the judge's own memory (what a submission hands it counts here)
    judge_processes: int = 64  # the judge's threads and processes


def sandbox_available() -> str | None:
    """None when bubblewrap can make a sandbox here, else why not."""
    if shutil.which("bwrap") is None:
        return "bubblewrap (bwrap) is not installed: apt-get install bubblewrap"
    return None


def _cgroup_dirs(name: str) -> list[Path]:
    """cgroup folders for a kernel (v1 memory+pids, or one v2 folder); empty when we may not create them."""
    v1 = [CGROUP_V1 / "memory", CGROUP_V1 / "pids"]
    if all((c / "cgroup.procs").exists() for c in v1):
        cpu = CGROUP_V1 / "cpu"
        bases = [c / "aieprep" for c in v1 + ([cpu] if (cpu / "cgroup.procs").exists() else [])]
    elif (CGROUP_V1 / "cgroup.controllers").exists():
        bases = [CGROUP_V1 / "aieprep"]
    else:
        return []
    try:
        dirs = []
        for base in bases:
            base.mkdir(exist_ok=True)
            if (base / "cgroup.subtree_control").exists():
                (base / "cgroup.subtree_control").write_text("+memory +pids +cpu")
            (base / name).mkdir(exist_ok=True)
            dirs.append(base / name)
        return dirs
    except OSError:
        return []


def remove_stale_cgroups(min_age_seconds: float = 600) -> None:
    """Remove kernel cgroups left empty by killed runs (a cgroup in use refuses removal; a new empty one
    is spared by its age)."""
    for base in [CGROUP_V1 / "memory" / "aieprep", CGROUP_V1 / "pids" / "aieprep", CGROUP_V1 / "cpu" / "aieprep",
                 CGROUP_V1 / "aieprep"]:
        for stale in [*base.glob("k-*"), *base.glob("j-*")] if base.is_dir() else []:
            try:
                if time.time() - stale.stat().st_mtime > min_age_seconds:
                    stale.rmdir()
            except OSError:
                pass


def cgroup_kind() -> str:
    """How memory and processes are limited on this machine: "cgroup v1", "cgroup v2" or "rlimit"."""
    probe = f"probe-{uuid.uuid4().hex[:8]}"
    dirs = _cgroup_dirs(probe)
    for d in dirs:
        d.rmdir()
    if not dirs:
        return "rlimit"
    return "cgroup v1" if len(dirs) >= 2 else "cgroup v2"


def _set_cgroup_limits(dirs: list[Path], limits: Limits) -> None:
    for d in dirs:
        for filename, value in [("memory.limit_in_bytes", limits.memory_bytes), ("memory.max", limits.memory_bytes),
                                ("memory.memsw.limit_in_bytes", limits.memory_bytes),
                                ("memory.swap.max", 0), ("pids.max", limits.processes),
                                ("cpu.max", f"{limits.cpu_share * 100000:.0f} 100000"),
                                ("cpu.cfs_period_us", 100000), ("cpu.cfs_quota_us", f"{limits.cpu_share * 100000:.0f}")]:
            if (d / filename).exists():
                try:
                    (d / filename).write_text(str(value))
                except OSError:
                    pass


# What a kernel sees of the machine, read-only: the system's programs and libraries, and the few files of
# /etc that Python and its libraries read. Everything else (home folders, the course, other checkouts,
# /srv, /var …) does not exist inside. The interpreter, the environment and aieprep are added after.
SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/opt/conda")
SYSTEM_FILES = ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/localtime", "/etc/passwd", "/etc/group",
                "/etc/nsswitch.conf", "/etc/hosts", "/etc/host.conf", "/etc/mime.types", "/etc/ssl",
                "/etc/ca-certificates", "/etc/fonts", "/etc/alternatives", "/etc/matplotlibrc")


def _system_binds() -> list[str]:
    binds: list[str] = []
    for path in SYSTEM_DIRS + SYSTEM_FILES:
        if os.path.islink(path):
            binds += ["--symlink", os.readlink(path), path]
        elif os.path.exists(path):
            binds += ["--ro-bind", path, path]
    return binds


def confine(command: list[str], *, boot_dir: Path, data_dir: Path | None, week: str, limits: Limits,
            environment: dict[str, str], embed_model: str | None, cgroups: list[Path],
            uid: int | None = None) -> list[str]:
    """``command`` inside bubblewrap: its own namespaces (no network but loopback), the read-only view of the
    machine described above, private ``/tmp``, home and ``/dev/shm``, the week's data files read-only in its
    working folder, ``boot_dir`` read-write, ``environment`` only, and the cgroups joined before it starts.
    ``uid`` runs it as that user inside, with no capabilities."""
    workdir = f"{INSIDE_HOME}/{week}"
    cmd = ["bwrap", "--unshare-all", "--die-with-parent", "--new-session", "--clearenv",
           "--dev", "/dev", "--proc", "/proc", "--size", str(limits.shm_bytes), "--tmpfs", "/dev/shm"]
    if uid is not None:
        cmd += ["--uid", str(uid), "--gid", str(uid), "--cap-drop", "ALL"]
    cmd += _system_binds()
    cmd += ["--size", str(limits.tmp_bytes), "--tmpfs", "/tmp",
            "--size", str(limits.tmp_bytes), "--tmpfs", INSIDE_HOME]
    # What the process needs back from the hidden folders (after them, or they would cover it again):
    # the interpreter, the environment, aieprep, and its own private folder.
    needed = {Path(sys.base_prefix).resolve(), Path(sys.prefix).resolve(), Path(__file__).resolve().parents[1]}
    for path in sorted(needed):
        cmd += ["--ro-bind", str(path), str(path)]
    cmd += ["--bind", str(boot_dir), str(boot_dir)]
    if embed_model and Path(embed_model).is_dir():  # at a fixed place, never inside the private /tmp or home
        cmd += ["--ro-bind", str(Path(embed_model).resolve()), INSIDE_EMBED_MODEL]
    if data_dir is not None:
        for item in sorted(data_dir.iterdir()):
            if item.suffix != ".ipynb" and not item.name.startswith("."):
                cmd += ["--ro-bind", str(item), f"{workdir}/{item.name}"]
    cmd += ["--dir", workdir, "--remount-ro", "/", "--chdir", workdir]  # the root itself takes no files
    for key, value in environment.items():
        cmd += ["--setenv", key, value]
    if cgroups:
        procs = " ".join(str(d / "cgroup.procs") for d in cgroups)
        return ["sh", "-c", f'set -e; for f in {procs}; do echo $$ > "$f"; done; exec "$@"', "sh", *cmd, "--", *command]
    return [*cmd, "--", *command]


def kernel_cgroups(prefix: str, limits: Limits) -> list[Path]:
    """New cgroups (memory, pids, cpu) for one sandboxed process, with ``limits`` set; empty when the
    machine does not let us create them (an address-space rlimit is used instead)."""
    dirs = _cgroup_dirs(f"{prefix}-{uuid.uuid4().hex[:12]}")
    _set_cgroup_limits(dirs, limits)
    return dirs


def release_cgroups(dirs: list[Path]) -> None:
    """Kill whatever is left in ``dirs`` and remove them."""
    for d in dirs:
        for _ in range(50):
            procs = (d / "cgroup.procs").read_text().split() if (d / "cgroup.procs").exists() else []
            for pid in procs:
                try:
                    os.kill(int(pid), 9)
                except (ProcessLookupError, ValueError):
                    pass
            try:
                d.rmdir()
                break
            except FileNotFoundError:
                break
            except OSError:  # still busy: the killed processes are being reaped
                time.sleep(0.05)


class SandboxKernelManager(AsyncKernelManager):
    """Starts ``python -m aieprep.runtime.kernel`` inside bubblewrap (or, with ``isolate=False``, directly: for
    measuring what the sandbox costs), over Unix sockets in a private folder."""

    def configure(self, *, boot_dir: Path, data_dir: Path | None, week: str, course: Path, exchange: Path | None,
                  limits: Limits, isolate: bool, environment: dict[str, str] | None = None) -> None:
        self.sb_extra_env = dict(environment or {})  # the week's, under the grader's own below
        self.sb_boot_dir, self.sb_data_dir, self.sb_week = boot_dir, data_dir, week
        self.sb_course, self.sb_exchange, self.sb_limits, self.sb_isolate = course, exchange, limits, isolate
        # Interrupts travel as a control message (the kernel signals itself): a signal from outside would
        # reach bubblewrap, not the kernel in its own session.
        self._kernel_spec = KernelSpec(argv=[], language="python", display_name="aieprep sandboxed kernel",
                                       interrupt_mode="message")
        self.transport = "ipc"
        self.ip = str(boot_dir / "kernel")
        self.connection_file = str(boot_dir / "kernel.json")
        self.sb_cgroups = kernel_cgroups("k", limits) if isolate else []
        self.sb_workdir = boot_dir / "work"  # used only without isolation
        # The embedding model, extracted once on the host and shown read-only (never extracted per kernel).
        self.sb_embed_model = self.sb_extra_env.get("AIEPREP_EMBED_MODEL") or model_path()
        self.sb_workdir.mkdir(exist_ok=True)

    def environment(self) -> dict[str, str]:
        home = INSIDE_HOME if self.sb_isolate else str(self.sb_boot_dir / "home")
        return {
            **self.sb_extra_env,
            "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
            "HOME": home,
            "LANG": "C.UTF-8",
            "PYTHONHASHSEED": "0",
            "PYTHONDONTWRITEBYTECODE": "1",
            "NBGRADER_EXECUTION": "autograde",
            "MPLBACKEND": "module://matplotlib_inline.backend_inline",
            "MPLCONFIGDIR": str(self.sb_boot_dir / "mpl"),
            "IPYTHONDIR": f"{home}/.ipython",
            "JUPYTER_RUNTIME_DIR": f"{home}/.runtime",
            "OMP_NUM_THREADS": "1",
            "OPENBLAS_NUM_THREADS": "1",
            "TOKENIZERS_PARALLELISM": "false",
            "HF_HUB_OFFLINE": "1",
            "AIEPREP_EMBED_MODEL": INSIDE_EMBED_MODEL if self.sb_isolate and Path(self.sb_embed_model).is_dir()
            else self.sb_embed_model,
            "AIEPREP_LIMITS": ",".join(f"{k}={v}" for k, v in asdict(self.sb_limits).items()),
            "AIEPREP_RLIMIT_AS": "0" if self.sb_cgroups else "1",
        }

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        kernel = [sys.executable, "-m", "aieprep.runtime.kernel", str(self.sb_boot_dir), "-f", self.connection_file]
        if not self.sb_isolate:
            return kernel
        return confine(kernel, boot_dir=self.sb_boot_dir, data_dir=self.sb_data_dir, week=self.sb_week,
                       limits=self.sb_limits, environment=self.environment(), embed_model=self.sb_embed_model,
                       cgroups=self.sb_cgroups)

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
        kw["env"] = self.environment() if not self.sb_isolate else {"PATH": "/usr/bin:/bin"}
        kw["cwd"] = str(self.sb_workdir) if not self.sb_isolate else "/"
        if not self.sb_isolate and self.sb_data_dir is not None:
            for item in self.sb_data_dir.iterdir():
                if item.suffix != ".ipynb" and not item.name.startswith(".") and not (self.sb_workdir / item.name).exists():
                    (self.sb_workdir / item.name).symlink_to(item)
        log = open(self.sb_boot_dir / "kernel.log", "ab")  # noqa: SIM115 (the kernel process owns it)
        kw["stdout"], kw["stderr"] = log, log
        await super()._async_launch_kernel(kernel_cmd, **kw)
        log.close()

    def release(self) -> None:
        """Kill whatever is left in the kernel's cgroups and remove them."""
        release_cgroups(self.sb_cgroups)
