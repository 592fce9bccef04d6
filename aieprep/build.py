"""Regenerate ``release/`` (nbgrader's generate_assignment) and ``solutions/`` (source executed) from ``source/``."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbconvert.preprocessors import CoalesceStreamsPreprocessor

from .course import master_notebook, scratch_course
from .nbgrader_bridge import run_nbgrader
from .notebook import read_notebook

__all__ = ["build_release", "build_solutions", "execute_notebook", "SKIP_TAG", "VARIES_TAG"]

# Cells whose output truly varies between runs (wall-clock timings) carry this tag: their
# outputs are not stored in solutions/ and nbval does not compare them.
VARIES_TAG = "nbval-ignore-output"
# Cells nbval does not run at all (the practice widgets: live views over the learner's own records) carry
# this one: the build runs them (a broken one stops it) and stores them without output too.
SKIP_TAG = "nbval-skip"
CELL_TIMEOUT = 120


def _replace_tree(src: Path, dest: Path) -> None:
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(src, dest)


def build_release(root: Path, week: str, out_root: Path | None = None) -> Path:
    """Generate the learner version of ``week`` with ``nbgrader generate_assignment`` into
    ``out_root/release/week`` (``out_root`` defaults to the course) and return that folder."""
    out = (out_root or root) / "release" / week
    with scratch_course(root, [week]) as scratch:
        run_nbgrader(["generate_assignment", week, "--force"], cwd=scratch)
        _replace_tree(scratch / "release" / week, out)
    return out


def execute_notebook(nb: nbformat.NotebookNode, cwd: Path, timeout: int = CELL_TIMEOUT) -> nbformat.NotebookNode:
    """Run every cell of ``nb`` in a fresh python3 kernel started in ``cwd``; stop at the first error.
    The practice tools write to a throwaway store, never the learner's."""
    client = NotebookClient(
        nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(cwd)}},
        record_timing=False,  # no timestamps in the stored notebook
        store_widget_state=False,  # widget models have random ids
    )
    with tempfile.TemporaryDirectory(prefix="aieprep-kernel-") as sockets:
        env = {**os.environ, "PYTHONHASHSEED": "0", "MPLBACKEND": "module://matplotlib_inline.backend_inline",
               "AIEPREP_PRACTICE_DB": str(Path(sockets) / "practice.sqlite3")}
        client.km = client.create_kernel_manager()
        client.km.transport, client.km.ip = "ipc", str(Path(sockets) / "kernel")  # Unix sockets, no TCP port
        client.execute(cwd=str(cwd), env=env)
    # How many stream outputs a cell's prints arrive in depends on timing; store one per stream.
    nb, _ = CoalesceStreamsPreprocessor().preprocess(nb, {})
    return nb


def build_solutions(root: Path, week: str, out_root: Path | None = None) -> Path:
    """Execute the master of ``week`` from a fresh kernel and store it, outputs kept, as
    ``out_root/solutions/week/week.ipynb`` (with the week's data files); return that folder."""
    source = master_notebook(root, week)
    out = (out_root or root) / "solutions" / week
    with tempfile.TemporaryDirectory(prefix="aieprep-solutions-") as tmp:
        work = Path(tmp) / week
        shutil.copytree(source.parent, work, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
        nb = execute_notebook(read_notebook(work / source.name), cwd=work)
        for cell in nb.cells:
            if cell.cell_type == "code" and {VARIES_TAG, SKIP_TAG} & set(cell.metadata.get("tags", [])):
                cell.outputs = []
        nbformat.write(nb, work / source.name)
        _replace_tree(work, out)
    return out
