"""The self-check from inside a notebook: ``from aieprep.runtime.check import check_this_notebook``.

It runs ``aieprep check`` on the notebook this kernel belongs to (as saved: save first) in a process of its
own, so the learner's kernel never loads the grader, and shows its table and a link to the feedback page.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

__all__ = ["check_this_notebook"]


def _this_notebook() -> Path:
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
    """Grade a copy of this notebook with the hidden tests, as the cohort grader does; print the
    per-question table as soon as the scores are known and link the feedback page once it is written.
    Raises RuntimeError when the check cannot run."""
    path = _this_notebook()
    with tempfile.TemporaryFile("w+") as stderr, subprocess.Popen(
            [sys.executable, "-m", "aieprep.cli", "check", str(path)], stdout=subprocess.PIPE, stderr=stderr,
            text=True, cwd=path.parent) as process:
        assert process.stdout is not None
        for line in process.stdout:  # the table arrives before the feedback page is written
            print(line, end="", flush=True)
        process.wait()
        stderr.seek(0)
        errors = stderr.read()
    if process.returncode != 0:
        raise RuntimeError(errors.strip().removeprefix("aieprep check: ") or f"aieprep check failed ({process.returncode})")
    try:
        from IPython.display import HTML, display
    except ImportError:
        return
    feedback = path.with_name(f"{path.stem}.feedback.html")
    relative = os.path.relpath(feedback, Path.cwd())
    display(HTML(f'<a href="{relative}" target="_blank">Open the feedback page</a>'))
