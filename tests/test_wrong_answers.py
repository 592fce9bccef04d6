"""The notebooks' tests catch plausible wrong answers.

tests/wrong_answers/<week>.py lists, for every answer cell, wrong answers a candidate writes under
time pressure. Each one replaces its answer cell in a kernel that has run the whole master; at
least one of that exercise's test cells (hidden tests included) must then fail.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator

import nbformat
import pytest
from jupyter_client.manager import start_new_kernel

from .conftest import ROOT, WEEKS


def wrong_answers(week: str) -> dict[str, list[str]]:
    try:
        return importlib.import_module(f"tests.wrong_answers.{week}").WRONG_ANSWERS
    except ModuleNotFoundError:
        return {}


CASES = [(w, g, i) for w in WEEKS for g, answers in wrong_answers(w).items() for i in range(len(answers))]


class Kernel:
    """A python3 kernel that runs code and says whether it failed (an error, or anything on stderr)."""

    def __init__(self, cwd: str) -> None:
        self.manager, self.client = start_new_kernel(kernel_name="python3", cwd=cwd)

    def run(self, code: str) -> str | None:
        """Run ``code``; return None when it passed, else what went wrong."""
        problems: list[str] = []

        def hook(msg: dict) -> None:
            content = msg["content"]
            if msg["msg_type"] == "error":
                problems.append(f"{content['ename']}: {content['evalue']}")
            elif msg["msg_type"] == "stream" and content["name"] == "stderr":
                problems.append(f"stderr: {content['text']}")

        reply = self.client.execute_interactive(code, timeout=120, output_hook=hook, store_history=False)
        if reply["content"]["status"] != "ok" and not problems:
            problems.append(reply["content"].get("ename", "error"))
        return "; ".join(problems) or None

    def close(self) -> None:
        self.client.stop_channels()
        self.manager.shutdown_kernel(now=True)


def master(week: str) -> nbformat.NotebookNode:
    return nbformat.read(ROOT / "source" / week / f"{week}.ipynb", as_version=4)


@pytest.fixture(scope="module")
def kernels() -> Iterator[dict[str, Kernel]]:
    """One kernel per week, having run that week's master top to bottom."""
    started: dict[str, Kernel] = {}

    def get(week: str) -> Kernel:
        if week not in started:
            kernel = started[week] = Kernel(cwd=str(ROOT / "source" / week))
            for cell in master(week).cells:
                if cell.cell_type == "code":
                    problem = kernel.run(cell.source)
                    assert problem is None, f"{week} cell {cell.id} failed: {problem}"
        return started[week]

    yield get
    for kernel in started.values():
        kernel.close()


@pytest.mark.parametrize("week", WEEKS)
def test_every_answer_cell_has_wrong_answers(week: str) -> None:
    answers = {c.id for c in master(week).cells if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("solution")}
    assert sorted(answers - set(wrong_answers(week))) == []


@pytest.mark.parametrize(("week", "grade_id", "index"), CASES, ids=[f"{w}-{g}-{i}" for w, g, i in CASES])
def test_wrong_answer_loses_points(kernels, week: str, grade_id: str, index: int) -> None:
    kernel = kernels(week)
    nb = master(week)
    answer = next(c for c in nb.cells if c.id == grade_id)
    tests = [c for c in nb.cells if c.id.startswith(f"test-{grade_id}-")]
    assert tests, f"no test cells for {grade_id}"
    try:
        wrong = wrong_answers(week)[grade_id][index]
        assert kernel.run(wrong) is None, "the wrong answer itself should run"
        failures = [c.id for c in tests if kernel.run(c.source) is not None]
    finally:
        assert kernel.run(answer.source) is None
    assert failures, f"no test of {grade_id} catches this wrong answer:\n{wrong}"
