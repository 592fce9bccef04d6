"""`aieprep check`: a learner's self-check with the hidden tests: the cohort grader (`aieprep grade`, its judge
and nbgrader's recording) run on one learner's copy."""

from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
import sys
from html import unescape
from pathlib import Path

import nbformat
import pytest

from aieprep.check import check_notebook, format_report
from aieprep.notebook import CellKind
from aieprep.runtime.practice.store import Store

from .conftest import ROOT, WEEKS


def run_check(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "aieprep.cli", "check", *map(str, args)],
                          capture_output=True, text=True)


def learner_copy(course: Path, week: str, tmp_path: Path) -> Path:
    """The released notebook, copied where a learner would work on it."""
    dest = tmp_path / "work" / f"{week}.ipynb"
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(course / "release" / week / f"{week}.ipynb", dest)
    return dest


def answer(path: Path, grade_id: str, source: str) -> None:
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
            cell.source = source
    nbformat.write(nb, path)


def test_blank_notebook_scores_zero(tiny_course: Path, tmp_path: Path) -> None:
    result = check_notebook(learner_copy(tiny_course, "week01_tiny", tmp_path))
    assert (result.score, result.max_score) == (0, 5)


def test_partly_answered_notebook_earns_that_exercise_only(tiny_course: Path, tmp_path: Path) -> None:
    nb = learner_copy(tiny_course, "week01_tiny", tmp_path)
    answer(nb, "w1_add", "def w1_add(a, b):\n    return a + b")
    result = check_notebook(nb)
    by_question = {q.question: (q.score, q.max_score) for q in result.questions if q.kind is CellKind.TEST}
    assert by_question == {"w1_add": (3, 3), "w1_double": (0, 2)}


def test_hidden_tests_take_points_the_visible_ones_give(tiny_course: Path, tmp_path: Path) -> None:
    nb = learner_copy(tiny_course, "week01_tiny", tmp_path)
    answer(nb, "w1_add", "def w1_add(a, b):\n    return abs(a + b)")  # passes the visible asserts only
    result = check_notebook(nb)
    add = next(q for q in result.questions if q.question == "w1_add")
    assert add.score == 1 and [f.split(":")[:2] for f in add.failures] == [["test-w1_add-hidden", " AssertionError"]]


def test_check_prints_table_and_total_and_exits_zero(tiny_course: Path, tmp_path: Path) -> None:
    proc = run_check(learner_copy(tiny_course, "week01_tiny", tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert "w1_add" in proc.stdout and "autograded 0 / 5 · by hand 0 / 2" in proc.stdout


def test_the_report_gives_each_exercise_one_line_and_the_failures_of_those_started(tiny_course: Path,
                                                                                  tmp_path: Path) -> None:
    nb = learner_copy(tiny_course, "week01_tiny", tmp_path)
    answer(nb, "w1_add", "def w1_add(a, b):\n    return abs(a + b)")  # passes the visible asserts only
    report = format_report(check_notebook(nb, html=False))
    lines = report.splitlines()
    assert [line.split()[:2] for line in lines if line[:1] in "✓✗·" and line[:1]] == [["✗", "w1_add"], ["·", "w1_double"]]
    assert "not started" in next(line for line in lines if "w1_double" in line)
    assert "test-w1_add-hidden: AssertionError" in next(line for line in lines if "w1_add" in line)
    failing = report.split("failing tests of the exercises started:\n", 1)[1]
    assert "test-w1_add-hidden" in failing and "w1_double" not in failing


def test_an_exercise_with_full_marks_is_ticked(tiny_course: Path, tmp_path: Path) -> None:
    nb = learner_copy(tiny_course, "week01_tiny", tmp_path)
    answer(nb, "w1_double", "def w1_double(x):\n    return 2 * x")
    report = format_report(check_notebook(nb, html=False))
    assert next(line for line in report.splitlines() if "w1_double" in line).startswith("✓ w1_double")
    assert "autograded 2 / 5" in report


def test_check_never_modifies_the_learner_notebook(tiny_course: Path, tmp_path: Path) -> None:
    nb = learner_copy(tiny_course, "week01_tiny", tmp_path)
    before = (nb.read_bytes(), nb.stat().st_mtime_ns)
    check_notebook(nb)
    assert (nb.read_bytes(), nb.stat().st_mtime_ns) == before


def test_check_writes_html_feedback_beside_the_notebook(tiny_course: Path, tmp_path: Path) -> None:
    nb = learner_copy(tiny_course, "week01_tiny", tmp_path)
    result = check_notebook(nb)
    assert result.feedback == nb.with_name("week01_tiny.feedback.html")
    assert "<html" in result.feedback.read_text().lower()


def test_the_scores_are_given_before_the_feedback_page_is_written(tiny_course: Path, tmp_path: Path) -> None:
    nb = learner_copy(tiny_course, "week01_tiny", tmp_path)
    feedback = nb.with_name("week01_tiny.feedback.html")
    seen = []
    result = check_notebook(nb, scored=lambda early: seen.append((early.score, early.max_score, feedback.exists())))
    assert seen == [(0, 5, False)] and (result.score, result.feedback) == (0, feedback) and feedback.exists()


def test_the_command_tells_which_cell_it_runs_while_it_works(tiny_course: Path, tmp_path: Path) -> None:
    nb = learner_copy(tiny_course, "week01_tiny", tmp_path)
    code_cells = sum(1 for c in nbformat.read(nb, as_version=4).cells if c.cell_type == "code")
    proc = run_check(nb, "--progress")
    steps = [tuple(map(int, re.findall(r"\d+", line))) for line in proc.stderr.splitlines() if line.startswith("progress: ")]
    assert steps[0] == (1, code_cells, 0, 3) and steps[-1][:2] == (code_cells, code_cells)
    assert steps == sorted(steps) and steps[-1][2] >= 2  # in order; the last cell runs after two tests


def test_the_command_prints_the_table_before_the_feedback_line(tiny_course: Path, tmp_path: Path) -> None:
    proc = run_check(learner_copy(tiny_course, "week01_tiny", tmp_path))
    assert proc.stdout.index("autograded") < proc.stdout.index("feedback: ")


def test_invalid_json_is_one_line_error(tiny_course: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken.ipynb"
    broken.write_text('{"cells": [')
    proc = run_check(broken)
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0 and "not a notebook" in proc.stderr


def test_notebook_of_another_week_is_refused(tiny_course: Path, tmp_path: Path) -> None:
    proc = run_check(learner_copy(tiny_course, "week02_tiny", tmp_path), "--week", "week01_tiny")
    assert proc.returncode == 2
    assert "belongs to week02_tiny, not week01_tiny" in proc.stderr


def test_week_is_found_from_the_cells_when_the_file_is_renamed(tiny_course: Path, tmp_path: Path) -> None:
    renamed = tmp_path / "my copy.ipynb"
    shutil.copyfile(tiny_course / "release" / "week02_tiny" / "week02_tiny.ipynb", renamed)
    assert check_notebook(renamed).week == "week02_tiny"


def test_deleted_test_cell_is_named_in_the_error(tiny_course: Path, tmp_path: Path) -> None:
    path = learner_copy(tiny_course, "week01_tiny", tmp_path)
    nb = nbformat.read(path, as_version=4)
    nb.cells = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") != "test-w1_add-basic"]
    nbformat.write(nb, path)
    proc = run_check(path)
    assert proc.returncode == 2
    assert "test-w1_add-basic" in proc.stderr and "release/week01_tiny" in proc.stderr


def test_duplicated_cell_is_named_in_the_error(tiny_course: Path, tmp_path: Path) -> None:
    path = learner_copy(tiny_course, "week01_tiny", tmp_path)
    nb = nbformat.read(path, as_version=4)
    copy = nbformat.from_dict(json.loads(json.dumps(nb.cells[1])))
    copy.id = "another-id"
    nb.cells.insert(2, copy)
    nbformat.write(nb, path)
    proc = run_check(path)
    assert proc.returncode == 2 and "cells appear twice: w1_add" in proc.stderr


def test_notebook_without_course_cells_is_refused(tiny_course: Path, tmp_path: Path) -> None:
    path = tmp_path / "scratch.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")]), path)
    proc = run_check(path)
    assert proc.returncode == 2 and "no graded cells of any course week" in proc.stderr


def test_missing_file_is_one_line_error(tiny_course: Path, tmp_path: Path) -> None:
    proc = run_check(tmp_path / "nope.ipynb")
    assert proc.returncode == 2 and "no such file" in proc.stderr


@pytest.mark.parametrize("week", WEEKS)
def test_solution_notebook_of_each_real_week_scores_full_marks(week: str, tmp_path: Path) -> None:
    copy = tmp_path / f"{week}.ipynb"
    shutil.copyfile(ROOT / "solutions" / week / f"{week}.ipynb", copy)
    result = check_notebook(copy)
    assert result.score == result.max_score > 0, [f for q in result.questions for f in q.failures]
    page = result.feedback.read_text()  # small enough to mail: Week 3's 18 exercises and model answers, 61 KB
    assert len(page.encode()) <= 80_000 and page.count('<section class="full"') == sum(
        1 for q in result.questions if q.kind is CellKind.TEST)


def test_schema_version_read_in_process_equals_alembics_answer() -> None:
    """The self-check reads the gradebook schema version in-process; nbgrader asks `alembic heads`."""
    from nbgrader.dbutil import _temp_alembic_ini

    from aieprep.nbgrader_bridge import gradebook_schema_version

    with _temp_alembic_ini("sqlite:////nonexistent/gradebook.db") as ini:
        heads = subprocess.check_output([Path(sys.executable).parent / "alembic", "-c", ini, "heads"], text=True)
    assert gradebook_schema_version() == heads.split()[0]


def test_a_notebook_that_ends_its_kernel_gets_a_clear_error(tiny_course: Path, tmp_path: Path) -> None:
    path = learner_copy(tiny_course, "week01_tiny", tmp_path)
    answer(path, "w1_add", "import os\nos._exit(1)")
    proc = run_check(path)
    assert proc.returncode == 2
    assert "ended its own Python kernel" in proc.stderr and proc.stderr.strip().count("\n") == 0


def page_text(html: str) -> str:
    """A page as read: no markup, no style sheet."""
    return unescape(re.sub(r"<[^>]+>", "", re.sub(r"<style>.*?</style>", "", html, flags=re.S)))


def test_feedback_shows_the_error_message_but_not_the_hidden_tests(tiny_course: Path, tmp_path: Path) -> None:
    nb = learner_copy(tiny_course, "week01_tiny", tmp_path)
    answer(nb, "w1_add", "def w1_add(a, b):\n    assert a >= 0, 'negative numbers are not handled'\n    return a + b")
    text = page_text(check_notebook(nb).feedback.read_text())
    assert "negative numbers are not handled" in text  # the hidden test's failure, as a message
    assert "w1_add(-5, 2)" not in text and "BEGIN HIDDEN TESTS" not in text  # the hidden test stays hidden


def test_feedback_names_each_exercise_and_test_with_its_points(tiny_course: Path, tmp_path: Path) -> None:
    nb = learner_copy(tiny_course, "week01_tiny", tmp_path)
    answer(nb, "w1_add", "def w1_add(a, b):\n    return abs(a + b)")  # the visible tests pass, the hidden one fails
    result = check_notebook(nb)
    page = result.feedback.read_text()
    entries = re.findall(r'<section[^>]* id="([^"]+)"[^>]*>\s*<h3><span>(?:<span class="mark">(.)</span>)?(.*?)</span>\s*'
                         r'<span>(.*?)</span></h3>', page, re.S)
    assert [(anchor, mark, re.sub(r"<[^>]+>", "", title), score) for anchor, mark, title, score in entries] == [
        ("w1_add", "✗", "1. Add (w1_add, points lost)", "1 / 3"),
        ("w1_double", "·", "2. Double (w1_double, not started)", "0 / 2"),
        ("reflect-w1", "", "Reflection", "0 / 2")]
    tests = re.findall(r'<td class="id">(.*?)</td>\s*<td>(.*?)(?:<span|<div|</td>).*?<td class="pts">(.*?)</td>',
                       page, re.S)
    assert [(name, checks.strip(), score) for name, checks, score in tests] == [
        ("test-w1_add-basic", "Check small sums.", "1 / 1"), ("test-w1_add-hidden", "Check more sums.", "0 / 2"),
        ("test-w1_double-basic", "Check doubling.", "0 / 2")]
    assert "AssertionError" in page_text(page).split("Check more sums.")[1].split("Check doubling.")[0]


def test_feedback_gives_the_check_s_totals(tiny_course: Path, tmp_path: Path) -> None:
    nb = learner_copy(tiny_course, "week01_tiny", tmp_path)
    answer(nb, "w1_double", "def w1_double(x):\n    return 2 * x")
    answer(nb, "reflect-w1", "Doubling is adding a number to itself.")
    result = check_notebook(nb)
    assert str(result.totals) == "autograded 2 / 5 · by hand – / 2"
    assert re.search(r'<p class="totals">(.*?)</p>', result.feedback.read_text())[1] == str(result.totals)


def test_a_blank_reflection_scores_zero_by_hand_as_nbgrader_gives_it(tiny_course: Path, tmp_path: Path) -> None:
    result = check_notebook(learner_copy(tiny_course, "week01_tiny", tmp_path), html=False)
    assert str(result.totals) == "autograded 0 / 5 · by hand 0 / 2"


def test_feedback_has_no_scripts_and_draws_formulas_as_mathml(tiny_course: Path, tmp_path: Path) -> None:
    nb = learner_copy(tiny_course, "week01_tiny", tmp_path)
    answer(nb, "reflect-w1", "The sum is $a + b$ <script>alert('owned')</script> [x](javascript:alert(1)) "
                             "$\\href{javascript:alert(2)}{y}$")  # latex2mathml keeps a formula's link as it is
    page = check_notebook(nb).feedback.read_text()
    assert "<script" not in page and "javascript:" not in page  # (the script's text stays, as inert text)
    assert "<math display=\"inline\"><mrow><mi>a</mi><mo>+</mo><mi>b</mi></mrow></math>" in page


def test_check_and_grade_give_the_same_verdict_on_every_test_cell(tiny_course: Path, tmp_path: Path) -> None:
    """One meaning of pass: the check's score and failing cells equal the cohort grader's for the same file."""
    from nbgrader.api import Gradebook

    from aieprep.nbgrader_bridge import run_nbgrader
    from aieprep.grading.pipeline import grade_week

    path = learner_copy(tiny_course, "week01_tiny", tmp_path)
    answer(path, "w1_add", "def w1_add(a, b):\n    return abs(a + b)")  # visible tests pass, a hidden one fails
    answer(path, "w1_double", "def w1_double(x):\n    return x + x")
    checked = check_notebook(path)
    run_nbgrader(["generate_assignment", "week01_tiny", "--force"], cwd=tiny_course)
    folder = tiny_course / "submitted" / "alice" / "week01_tiny"
    folder.mkdir(parents=True)
    shutil.copyfile(path, folder / "week01_tiny.ipynb")
    (outcome,) = grade_week(tiny_course, "week01_tiny", jobs=1, isolate=False, students=["alice"])
    with Gradebook(f"sqlite:///{tiny_course / 'gradebook.db'}") as gb:
        graded = {g.name: g.score for g in gb.find_submission_notebook("week01_tiny", "week01_tiny", "alice").grades
                  if g.cell_type == "code"}
    failing = sorted(name for name, score in graded.items() if score == 0)
    assert sorted(f.split(":")[0] for q in checked.questions for f in q.failures) == failing == ["test-w1_add-hidden"]
    assert checked.score == outcome.score == 3  # (the gradebook's maximum also counts the reflection answer)


def test_every_check_is_recorded_for_the_progress_view(tiny_course: Path, tmp_path: Path) -> None:
    path = learner_copy(tiny_course, "week01_tiny", tmp_path)
    env = {**__import__("os").environ, "AIEPREP_DATA_DIR": str(tmp_path / "data")}
    for _ in range(2):
        subprocess.run([sys.executable, "-m", "aieprep.cli", "check", str(path)], env=env, check=True,
                       capture_output=True)
    with Store(tmp_path / "data" / "practice.sqlite3") as store:
        checks = store.checks()
    assert [(c.week, c.score, c.max_score) for c in checks] == [("week01_tiny", 0, 5)] * 2


def test_a_notebook_checks_itself(tiny_course: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    """What the one-line cell does in JupyterLab, which names the kernel's notebook in JPY_SESSION_NAME."""
    from aieprep.runtime.check import check_this_notebook

    path = learner_copy(tiny_course, "week01_tiny", tmp_path)
    answer(path, "w1_double", "def w1_double(x):\n    return 2 * x")
    monkeypatch.setenv("JPY_SESSION_NAME", str(path))
    monkeypatch.setenv("AIEPREP_DATA_DIR", str(tmp_path / "data"))
    check_this_notebook()
    with Store(tmp_path / "data" / "practice.sqlite3") as store:
        (latest,) = store.latest_checks().values()
    assert (latest.week, latest.score) == ("week01_tiny", 2)
    assert "autograded 2 / 5" in capsys.readouterr().out


def test_a_check_leaves_no_open_descriptor_or_thread_behind(tiny_course: Path, tmp_path: Path) -> None:
    """A cohort's worth of checks in one process (the test suite, a service) must not run out of files."""
    import os
    import threading

    path = learner_copy(tiny_course, "week01_tiny", tmp_path)
    check_notebook(path, html=False)  # the first one may create process-wide singletons (zmq, asyncio)
    before = (len(os.listdir("/proc/self/fd")), threading.active_count())
    for _ in range(2):
        check_notebook(path, html=False)
    assert (len(os.listdir("/proc/self/fd")), threading.active_count()) == before


def test_the_feedback_link_is_the_page_s_address_on_the_notebook_s_server(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """A /files/ address opens in a browser tab; JupyterLab would open a relative link behind a trust prompt."""
    import os

    from aieprep.runtime.check import _served_at

    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path / "runtime"))
    (tmp_path / "runtime").mkdir()
    (tmp_path / "runtime" / f"jpserver-{os.getppid()}.json").write_text(
        json.dumps({"root_dir": str(tmp_path), "base_url": "/user/ada/"}))
    assert _served_at(tmp_path / "week 1" / "w.feedback.html") == "/user/ada/files/week%201/w.feedback.html"


def test_without_its_server_the_feedback_link_is_relative(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from aieprep.runtime.check import _served_at

    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path / "runtime"))
    monkeypatch.chdir(tmp_path)
    assert _served_at(tmp_path / "week1" / "w.feedback.html") == "week1/w.feedback.html"


def test_the_check_the_grade_table_and_the_report_give_one_total(tiny_course: Path, tmp_path: Path) -> None:
    """The same words for the same score everywhere, and the points by hand once they are given."""
    from nbgrader.api import Gradebook

    from aieprep.grading.pipeline import grade_week
    from aieprep.grading.report import format_table, write_report
    from aieprep.nbgrader_bridge import run_nbgrader

    path = learner_copy(tiny_course, "week01_tiny", tmp_path)
    answer(path, "w1_double", "def w1_double(x):\n    return 2 * x")
    answer(path, "reflect-w1", "Doubling adds a number to itself.")
    checked = check_notebook(path, html=False)
    run_nbgrader(["generate_assignment", "week01_tiny", "--force"], cwd=tiny_course)
    folder = tiny_course / "submitted" / "alice" / "week01_tiny"
    folder.mkdir(parents=True)
    shutil.copyfile(path, folder / "week01_tiny.ipynb")
    (outcome,) = grade_week(tiny_course, "week01_tiny", jobs=1, isolate=False, students=["alice"])
    csv_path, html_path = write_report(tiny_course, "week01_tiny", [outcome])
    expected = "autograded 2 / 5 · by hand – / 2"
    assert str(checked.totals) == str(outcome.totals) == expected and expected in format_table([outcome])
    row = next(csv.DictReader(csv_path.open()))
    assert (row["score"], row["by_hand"], row["reflect-w1"]) == (expected, "", "")
    assert f"<td>{expected}</td>" in html_path.read_text()

    with Gradebook(f"sqlite:///{tiny_course / 'gradebook.db'}") as gb:  # what Formgrader does with a grade
        grade = gb.find_grade("reflect-w1", "week01_tiny", "week01_tiny", "alice")
        grade.manual_score, grade.needs_manual_grade = 1.5, False
        gb.db.commit()
    (again,) = grade_week(tiny_course, "week01_tiny", jobs=1, isolate=False, students=["alice"])
    csv_path, _ = write_report(tiny_course, "week01_tiny", [again])
    row = next(csv.DictReader(csv_path.open()))
    assert (str(again.totals), row["by_hand"], row["reflect-w1"]) == ("autograded 2 / 5 · by hand 1.5 / 2", "1.5", "1.5")
