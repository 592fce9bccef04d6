"""nbgrader_config.py: the course's grading policies, proved through nbgrader's real autograder."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import nbformat
from traitlets.config.loader import PyFileConfigLoader

from aieprep.check import check_notebook

from .conftest import ROOT


def load_config(tmp_path: Path):
    shutil.copyfile(ROOT / "nbgrader_config.py", tmp_path / "nbgrader_config.py")
    return PyFileConfigLoader("nbgrader_config.py", path=str(tmp_path)).load_config()


def learner_answers(course: Path, tmp_path: Path, source: str) -> Path:
    path = tmp_path / "week01_tiny.ipynb"
    nb = nbformat.read(course / "release" / "week01_tiny" / "week01_tiny.ipynb", as_version=4)
    next(c for c in nb.cells if c.id == "w1_add").source = source
    nbformat.write(nb, path)
    return path


def add_points(path: Path) -> float:
    return next(q.score for q in check_notebook(path).questions if q.question == "w1_add")


def test_a_warning_on_stderr_does_not_zero_a_test(tiny_course: Path, tmp_path: Path) -> None:
    answer = "import warnings\ndef w1_add(a, b):\n    warnings.warn('old API', DeprecationWarning)\n    return a + b"
    assert add_points(learner_answers(tiny_course, tmp_path, answer)) == 3


def test_other_stderr_output_still_zeroes_a_test(tiny_course: Path, tmp_path: Path) -> None:
    answer = "import sys\ndef w1_add(a, b):\n    print('debug', file=sys.stderr)\n    return a + b"
    assert add_points(learner_answers(tiny_course, tmp_path, answer)) == 0


def test_an_infinite_loop_costs_only_its_own_tests(tiny_course: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("AIEPREP_CELL_TIMEOUT", "3")
    path = learner_answers(tiny_course, tmp_path, "def w1_add(a, b):\n    while True:\n        pass")
    nb = nbformat.read(path, as_version=4)
    next(c for c in nb.cells if c.id == "w1_double").source = "def w1_double(x):\n    return 2 * x"
    nbformat.write(nb, path)
    scores = {q.question: q.score for q in check_notebook(path).questions}
    assert scores["w1_add"] == 0 and scores["w1_double"] == 2


def test_warning_pattern_matches_only_warnings() -> None:
    pattern = re.compile(PyFileConfigLoader("nbgrader_config.py", path=str(ROOT)).load_config().IgnorePattern.pattern)
    assert pattern.search("/tmp/ipykernel_1/2.py:3: DeprecationWarning: old API\n  warnings.warn('old API')\n")
    assert not pattern.search("debug\n")
    assert not pattern.search("x.py:3: UserWarning: fine\n  w()\nTraceback (most recent call last):\n")


def test_exchange_root_follows_the_environment(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("AIEPREP_EXCHANGE_ROOT", "/srv/nbgrader/exchange")
    assert load_config(tmp_path).Exchange.root == "/srv/nbgrader/exchange"


def test_exchange_root_defaults_to_the_course_folder(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("AIEPREP_EXCHANGE_ROOT", raising=False)
    assert load_config(tmp_path).Exchange.root == str(tmp_path / ".exchange")


def test_every_cell_has_a_timeout_and_is_interrupted_not_killed(tmp_path: Path) -> None:
    config = load_config(tmp_path)
    assert config.Execute.timeout > 0 and config.Execute.interrupt_on_timeout is True
