"""`make lab` serves JupyterLab on the course with nbgrader's and the widgets' extensions enabled."""

from __future__ import annotations

import json
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest

from aieprep.runtime.practice.cards import decks
from aieprep.runtime.practice.patterns import find
from aieprep.runtime.practice.store import Store

from .conftest import ROOT

BIN = Path(sys.executable).parent
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The lab's data folder: its kernels keep self-checks and practice records in ``practice.sqlite3`` here."""
    return tmp_path_factory.mktemp("aieprep-data")


@pytest.fixture(scope="module")
def lab(lab_data: Path) -> Iterator[str]:
    """The URL (with token) that `make lab` prints, while the server runs (self-checks and practice records
    kept in a temporary folder, not the user's)."""
    port = free_port()
    env = {**os.environ, "JUPYTER_NO_CONFIG": "", "AIEPREP_DATA_DIR": str(lab_data),
           "AIEPREP_PRACTICE_DB": str(lab_data / "practice.sqlite3")}
    proc = subprocess.Popen(
        ["make", "-s", "lab", f"LAB_PORT={port}"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True, start_new_session=True, env=env,
    )
    url, seen, deadline = None, [], time.monotonic() + 90
    while url is None and time.monotonic() < deadline and proc.poll() is None:
        if select.select([proc.stdout], [], [], 1)[0]:
            line = proc.stdout.readline()
            seen.append(line)
            match = re.search(rf"(http://127\.0\.0\.1:{port}/lab\?token=\w+)", line)
            url = match and match[1]
    try:
        assert url, "make lab printed no URL:\n" + "".join(seen[-30:])
        while True:  # the URL is printed as the server starts listening; wait until it answers
            try:
                get(url)
                break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, "".join(seen[-30:])
                time.sleep(0.5)
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


def get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.status, response.read().decode()


def test_lab_page_answers(lab: str) -> None:
    status, page = get(lab)
    assert status == 200 and "JupyterLab" in page


def test_lab_serves_the_course_folder(lab: str) -> None:
    base, token = lab.split("/lab?token=")
    status, body = get(f"{base}/api/contents/weeks?token={token}")
    assert status == 200 and '"README.md"' in body


def test_formgrader_answers(lab: str) -> None:
    base, token = lab.split("/lab?token=")
    status, _ = get(f"{base}/formgrader/api/assignments?token={token}")
    assert status == 200


def test_lab_gives_learners_their_own_copies_in_work(lab: str) -> None:
    for release in (ROOT / "release").glob("week*/*.ipynb"):
        assert (ROOT / "work" / release.parent.name / release.name).is_file()


def extension_listing(*args: str) -> str:
    proc = subprocess.run([BIN / "jupyter", *args], capture_output=True, text=True, cwd=ROOT)
    return ANSI.sub("", proc.stdout + proc.stderr)


@pytest.mark.parametrize("extension", ["@jupyter/nbgrader", "@jupyter-widgets/jupyterlab-manager"])
def test_lab_extension_is_enabled(extension: str) -> None:
    assert re.search(rf"{re.escape(extension)} v[\d.]+ enabled OK", extension_listing("labextension", "list"))


@pytest.mark.parametrize("extension", ["formgrader", "validate_assignment", "assignment_list"])
def test_nbgrader_server_extension_is_enabled(extension: str) -> None:
    assert f"nbgrader.server_extensions.{extension} enabled" in extension_listing("server", "extension", "list")


UI = ROOT / "tests" / "ui"
CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or ""


def visit(lab: str, notebook: str, shots: Path, *args: str) -> dict:
    """What a real browser saw in JupyterLab on ``notebook`` (tests/ui/lab.mjs; ``args``: which visit).
    Screenshots are kept in ``shots``."""
    missing = [what for what, ok in [("chromium", CHROMIUM), ("node", shutil.which("node")),
                                     ("tests/ui/node_modules (make setup)", (UI / "node_modules").is_dir())] if not ok]
    if missing:
        message = f"browser tests need {', '.join(missing)}"
        if os.environ.get("CI"):
            pytest.fail(message)  # CI installs them: a skip there would hide a broken check
        pytest.skip(message)
    proc = subprocess.run(["node", str(UI / "lab.mjs"), lab, notebook, str(shots), *args], capture_output=True,
                          text=True, timeout=600, env={**os.environ, "CHROMIUM": CHROMIUM})
    assert proc.stdout.strip(), proc.stderr[-3000:]
    seen = json.loads(proc.stdout.strip().splitlines()[-1])
    assert "error" not in seen, f"{seen['error']} (screenshots: {shots})"
    return seen


@pytest.fixture(scope="module")
def browser_visit(lab: str, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """What a real browser saw in JupyterLab on Week 1: the notebook's toolbar, the Validate dialog, the
    Nbgrader menu, a self-check. Screenshots are kept in the pytest temp folder."""
    return visit(lab, "work/week01_python_ds/week01_python_ds.ipynb", tmp_path_factory.mktemp("screenshots"))


def test_notebook_toolbar_has_the_validate_button(browser_visit: dict) -> None:
    assert browser_visit["validateButton"] is True


def test_validate_reports_the_failing_tests_of_a_blank_notebook(browser_visit: dict) -> None:
    dialog = browser_visit["validateDialog"]
    assert dialog.startswith("Validation Results") and "The following cell failed" in dialog


@pytest.mark.parametrize("item", ["Assignment List", "Formgrader"])
def test_nbgrader_menu_offers(browser_visit: dict, item: str) -> None:
    assert item in browser_visit["nbgraderMenu"]


def test_a_cell_runs_the_self_check_on_its_own_notebook(browser_visit: dict) -> None:
    report = browser_visit["selfCheck"]
    assert report.startswith("week01_python_ds: self-check with the hidden tests"), report[:300]
    assert re.search(r"^total\s+0 / \d+", report, re.M), report  # the notebook as released: nothing answered
    link = urllib.parse.urlsplit(browser_visit["feedbackLink"]).path  # JupyterLab serves it under /files/
    assert link.endswith("/files/work/week01_python_ds/week01_python_ds.feedback.html"), link


# The practice cell of the weeks' notebooks, in a live JupyterLab. Week 1's cell runs in a scratch notebook
# (in work/, which the lab serves; removed afterwards) after the course's setup cell and the answer key of the
# pattern the browser times, so that its visible tests pass in the kernel.
PRACTICE_WEEK, DECK, PATTERN = "week01_python_ds", "answer_cards_60s", "schema_validator"


@pytest.fixture(scope="module")
def practice_notebook() -> Iterator[str]:
    """A notebook in work/: Week 1's setup cell with the answer to PATTERN's exercise, then Week 1's practice
    cell (the rep timer and the flashcards)."""
    master = nbformat.read(ROOT / "source" / PRACTICE_WEEK / f"{PRACTICE_WEEK}.ipynb", as_version=4)
    cells = {c.id: c.source for c in master.cells}
    answer = re.sub(r"^[ \t]*### (BEGIN|END) SOLUTION.*\n?", "", cells[find(PATTERN).exercise], flags=re.M)
    folder = Path(tempfile.mkdtemp(prefix="ui-practice-", dir=ROOT / "work"))
    try:
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(cells["setup"] + "\n\n" + answer),
                                             nbformat.v4.new_code_cell(cells["practice"])],
                                      metadata={"kernelspec": master.metadata.kernelspec})
        nbformat.write(nb, folder / "practice.ipynb")
        yield str((folder / "practice.ipynb").relative_to(ROOT))
    finally:
        shutil.rmtree(folder)


@pytest.fixture(scope="module")
def practice_visit(lab: str, lab_data: Path, practice_notebook: str,
                   tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[dict, Store]]:
    """What the browser saw running the practice cell, timing PATTERN (Start, Stop and run tests), revealing the
    first card and rating it "4 good"; and the lab's practice store afterwards."""
    pattern = find(PATTERN)
    seen = visit(lab, practice_notebook, tmp_path_factory.mktemp("screenshots-practice"), "practice",
                 f"{pattern.id}: {pattern.title}")
    with Store(lab_data / "practice.sqlite3") as store:
        yield seen, store


def test_rep_timer_shows_as_a_live_widget(practice_visit: tuple[dict, Store]) -> None:
    view = practice_visit[0]["repTimer"]
    assert view["widgets"] > 0 and "VBox(" not in view["text"], view
    assert {"Start", "Stop and run tests", "Stop (no tests)"} <= set(view["buttons"]), view


def test_rep_timer_start_then_stop_and_run_tests_logs_a_passed_rep(practice_visit: tuple[dict, Store]) -> None:
    seen, store = practice_visit
    reps = store.reps()
    assert [(r.pattern, r.passed) for r in reps] == [(PATTERN, True)], reps
    minutes, seconds = divmod(int(reps[0].seconds), 60)
    assert seen["repResult"].startswith(f"{minutes}:{seconds:02d}, tests passed"), seen["repResult"]


def test_a_logged_rep_shows_in_the_rep_history_plot(practice_visit: tuple[dict, Store]) -> None:
    assert practice_visit[0]["repPlot"] is True


def test_flashcards_show_as_a_live_widget_with_the_first_card(practice_visit: tuple[dict, Store]) -> None:
    view, front = practice_visit[0]["flashcards"], practice_visit[0]["front"]
    assert view["widgets"] > 0 and "VBox(" not in view["text"], view
    assert {"Show answer", "0 blank", "4 good", "5 easy"} <= set(view["buttons"]), view
    assert front == decks()[DECK].cards[0].front


def test_show_answer_reveals_the_back_of_the_card(practice_visit: tuple[dict, Store]) -> None:
    assert practice_visit[0]["back"] == decks()[DECK].cards[0].back


def test_rating_a_card_logs_the_review_and_schedules_it(practice_visit: tuple[dict, Store]) -> None:
    seen, store = practice_visit
    first, second = decks()[DECK].cards[:2]
    assert [(r.card, r.quality) for r in store.reviews(DECK)] == [(first.id, 4)]
    state = store.card_states(DECK)[first.id]
    assert (state.repetitions, state.interval) == (1, 1.0)  # SM-2: a first recall comes back in a day
    assert seen["nextFront"] == second.front and "1 answered" in seen["counts"]
