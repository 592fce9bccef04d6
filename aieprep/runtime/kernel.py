"""The kernel of one submission: ``python -m aieprep.runtime.kernel BOOT_DIR -f CONNECTION_FILE``.

Started by :class:`aieprep.grading.sandbox.SandboxKernelManager`. Before any submitted code runs it sets the
rlimits the grader asked for (``AIEPREP_LIMITS``; they cannot be raised again), imports the modules of
``BOOT_DIR/boot.json`` (what the week's notebook imports, so that no cell pays for them and no import runs
half-way when a cell is interrupted), deletes its connection file (its key would let code forge kernel
messages) and starts ipykernel. It decides nothing about grades: the judge (:mod:`aieprep.grading.judge`) does.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from pathlib import Path

__all__ = ["main"]

# What IPython imports lazily, the first time it shows a traceback or a rich repr.
IPYTHON_LAZY = ["stack_data", "IPython.core.ultratb", "pygments", "IPython.core.display", "IPython.lib.pretty"]


def apply_limits() -> None:
    """rlimits from ``AIEPREP_LIMITS`` (see :class:`aieprep.grading.sandbox.Limits`)."""
    import resource

    spec = dict(item.split("=", 1) for item in os.environ.pop("AIEPREP_LIMITS", "").split(",") if "=" in item)
    wanted = {resource.RLIMIT_CORE: 0}
    if "cpu_seconds" in spec:
        wanted[resource.RLIMIT_CPU] = int(spec["cpu_seconds"])
    if "file_bytes" in spec:
        wanted[resource.RLIMIT_FSIZE] = int(spec["file_bytes"])
    if os.environ.pop("AIEPREP_RLIMIT_AS", "0") == "1" and "memory_bytes" in spec:
        wanted[resource.RLIMIT_AS] = int(spec["memory_bytes"])
    for which, value in wanted.items():
        resource.setrlimit(which, (value, value))


def main(argv: list[str]) -> None:
    apply_limits()
    boot_dir = Path(argv[0])
    boot = json.loads((boot_dir / "boot.json").read_text())
    (boot_dir / "boot.json").unlink()
    for name in [*boot.get("preload", []), *IPYTHON_LAZY, "aieprep.runtime.agent"]:
        try:
            importlib.import_module(name)
        except Exception:  # the notebook will show the import error itself
            pass
    from ipykernel.kernelapp import IPKernelApp

    app = IPKernelApp.instance()
    app.initialize(argv[1:])
    Path(app.connection_file).unlink(missing_ok=True)
    app.start()


if __name__ == "__main__":
    main(sys.argv[1:])
