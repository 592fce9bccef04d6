"""The self-check from inside a notebook: ``from aieprep.runtime.check import check_this_notebook``.

It runs ``aieprep check`` on the notebook this kernel belongs to (as saved: save first) in a process of its
own, so the learner's kernel never loads the grader, and shows its table, a link to the feedback page and, when
the notebook has reflections, the self-grading view (:mod:`aieprep.runtime.practice.selfgrade`).
"""

from __future__ import annotations

import html
import json
import os
import subprocess
import sys
import threading
import urllib.parse
from pathlib import Path
from typing import Any

__all__ = ["check_this_notebook", "this_notebook"]


def this_notebook() -> Path:
    """The notebook of this kernel: JupyterLab names it in ``JPY_SESSION_NAME`` (relative to the server's
    root, or absolute)."""
    session = os.environ.get("JPY_SESSION_NAME", "")
    path = Path(session)
    if not session or path.suffix != ".ipynb":
        raise RuntimeError("this kernel does not know its notebook (JupyterLab tells it in JPY_SESSION_NAME): "
                           "run `aieprep check NOTEBOOK` in a terminal instead")
    if path.is_absolute():
        return path
    beside = Path.cwd() / path.name
    return beside if beside.is_file() else path.resolve()


def check_this_notebook() -> None:
    """Grade a copy of this notebook with the hidden tests, as the cohort grader does: show which cell it is
    running while it works, print the per-exercise table as soon as the scores are known, link the feedback
    page once it is written, then offer the reflections for grading by hand against their rubrics.
    Raises RuntimeError when the check cannot run."""
    path = this_notebook()
    try:
        from IPython.display import HTML, display
    except ImportError:  # outside IPython: no live line, no link
        display = HTML = None  # type: ignore[assignment,misc]

    def plain(line: str) -> dict[str, str]:  # shown as it is, not as a str's repr
        return {"text/plain": line}

    status = display(plain("starting the self-check…"), raw=True, display_id=True) if display is not None else None
    errors: list[str] = []

    def read_stderr(stream: Any) -> None:
        for line in stream:
            if line.startswith("progress: "):
                if status is not None:
                    status.update(plain(line.removeprefix("progress: ").strip()), raw=True)
            else:
                errors.append(line)

    with subprocess.Popen([sys.executable, "-m", "aieprep.cli", "check", "--progress", str(path)],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=path.parent) as process:
        assert process.stdout is not None and process.stderr is not None
        reader = threading.Thread(target=read_stderr, args=(process.stderr,), daemon=True)
        reader.start()
        for line in process.stdout:  # the table arrives before the feedback page is written
            if status is not None:  # the live line gives way to the table
                status.update(plain(""), raw=True)
                status = None
            print(line, end="", flush=True)
        process.wait()
        reader.join()
    if process.returncode != 0:
        text = "".join(errors).strip()
        raise RuntimeError(text.removeprefix("aieprep check: ") or f"aieprep check failed ({process.returncode})")
    if display is None:
        return
    address = html.escape(_served_at(path.with_name(f"{path.stem}.feedback.html")))
    display(HTML(f'<a href="{address}" target="_blank" rel="noopener">Open the feedback page</a>'))
    from .practice.selfgrade import reflections
    from .practice.widgets import self_grade

    if reflections(path):
        display(self_grade(path))


def _served_at(path: Path) -> str:
    """Where this kernel's Jupyter server serves ``path`` as a file of its own (``/files/…``, which a browser
    opens in a tab: JupyterLab would open a relative link in its HTML viewer, behind a trust prompt). The
    server is the kernel's parent, described in its ``jpserver-PID.json``; without it, the path relative to the
    notebook."""
    try:
        from jupyter_core.paths import jupyter_runtime_dir

        server = json.loads((Path(jupyter_runtime_dir()) / f"jpserver-{os.getppid()}.json").read_text())
        served = path.resolve().relative_to(Path(server["root_dir"]).resolve())
        return f"{server['base_url'].rstrip('/')}/files/{urllib.parse.quote(served.as_posix())}"
    except (ImportError, OSError, ValueError, KeyError, TypeError):
        return os.path.relpath(path, Path.cwd())
