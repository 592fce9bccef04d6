"""`make lab` serves JupyterLab on the learner's notebooks (work/) and the week guides, with nbgrader's learner
extensions and the widgets; `make instructor-lab` on the whole course, Formgrader included. Both offline.

The learner's lab here works on a folder of its own (``WORK=``), never the user's work/."""

from __future__ import annotations

import json
import os
import pwd
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest

from aieprep.runtime.practice.cards import decks
from aieprep.runtime.practice.patterns import find
from aieprep.runtime.practice.selfgrade import LEVELS, Reflection, model_answers, reflections
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


def started(target: str, env: dict[str, str], *make_args: str) -> Iterator[str]:
    """The URL (with token) that ``make TARGET`` prints, while its server runs."""
    port = free_port()
    proc = subprocess.Popen(
        ["make", "-s", target, f"LAB_PORT={port}", *make_args], cwd=ROOT, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, start_new_session=True, env=env,
    )
    url, seen, deadline = None, [], time.monotonic() + 90
    while url is None and time.monotonic() < deadline and proc.poll() is None:
        if select.select([proc.stdout], [], [], 1)[0]:
            line = proc.stdout.readline()
            seen.append(line)
            match = re.search(rf"(http://127\.0\.0\.1:{port}/lab\?token=\w+)", line)
            url = match and match[1]
    try:
        assert url, f"make {target} printed no URL:\n" + "".join(seen[-30:])
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


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The learner's folder the lab serves (what work/ is for `make lab`)."""
    return tmp_path_factory.mktemp("learner") / "work"


@pytest.fixture(scope="module")
def exchange(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The nbgrader exchange between the instructor and the lab's learner."""
    folder = tmp_path_factory.mktemp("exchange")
    folder.chmod(0o777)
    return folder


@pytest.fixture(scope="module")
def learner_config(exchange: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A learner's Jupyter config folder (``JUPYTER_CONFIG_DIR``) for nbgrader's commands run in the learner's
    folder: what a JupyterHub's learner config says (see README), where the exchange is."""
    folder = tmp_path_factory.mktemp("learner-config")
    (folder / "nbgrader_config.py").write_text(f"c = get_config()\nc.Exchange.root = {str(exchange)!r}\n")
    return folder


@pytest.fixture(scope="module")
def lab(lab_data: Path, work: Path, exchange: Path) -> Iterator[str]:
    """The URL (with token) that `make lab` prints, while the server runs (self-checks and practice records
    kept in a temporary folder, not the user's; its Assignment List on the test's exchange, which it finds as
    the course's nbgrader_config.py says)."""
    env = {**os.environ, "AIEPREP_DATA_DIR": str(lab_data), "AIEPREP_PRACTICE_DB": str(lab_data / "practice.sqlite3"),
           "AIEPREP_EXCHANGE_ROOT": str(exchange)}
    yield from started("lab", env, f"WORK={work}")


@pytest.fixture(scope="module")
def instructor_lab() -> Iterator[str]:
    yield from started("instructor-lab", dict(os.environ))


def get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.status, response.read().decode()


def test_lab_page_answers(lab: str) -> None:
    status, page = get(lab)
    assert status == 200 and "JupyterLab" in page


def contents(lab: str, path: str = "") -> tuple[int, dict]:
    base, token = lab.split("/lab?token=")
    try:
        status, body = get(f"{base}/api/contents/{path}?token={token}")
    except urllib.error.HTTPError as error:
        return error.code, {}
    return status, json.loads(body)


def test_the_learner_s_lab_shows_their_notebooks_and_the_week_guides_only(lab: str, work: Path) -> None:
    status, listing = contents(lab)
    names = {item["name"] for item in listing["content"]}
    assert status == 200 and names == {"guides", *(p.parent.name for p in (ROOT / "release").glob("week*/*.ipynb"))}
    assert contents(lab, "guides/README.md")[0] == 200
    assert [contents(lab, path)[0] for path in ("../source", "source", "solutions")] == [404, 404, 404]


def test_lab_gives_learners_their_own_copies(lab: str, work: Path) -> None:
    for release in (ROOT / "release").glob("week*/*.ipynb"):
        assert (work / release.parent.name / release.name).is_file()


def page_config(lab: str) -> dict:
    """What JupyterLab tells its page: the extensions turned off, the extension manager."""
    _, page = get(lab)
    return json.loads(re.search(r'<script id="jupyter-config-data" type="application/json">(.*?)</script>', page, re.S)[1])


def test_the_learner_s_lab_has_no_instructor_panels(lab: str) -> None:
    disabled = page_config(lab)["disabledExtensions"]
    assert {"@jupyter/nbgrader:create-assignment", "@jupyter/nbgrader:formgrader",
            "@jupyter/nbgrader:course-list"} <= set(disabled)
    base, token = lab.split("/lab?token=")
    with pytest.raises(urllib.error.HTTPError):
        get(f"{base}/formgrader/api/assignments?token={token}")


def test_the_instructor_s_lab_has_formgrader_on_the_whole_course(instructor_lab: str) -> None:
    assert not any(name.startswith("@jupyter/nbgrader") for name in page_config(instructor_lab)["disabledExtensions"])
    base, token = instructor_lab.split("/lab?token=")
    assert get(f"{base}/formgrader/api/assignments?token={token}")[0] == 200
    assert {"source", "release", "weeks"} <= {item["name"] for item in contents(instructor_lab)[1]["content"]}


@pytest.mark.parametrize("which", ["lab", "instructor_lab"])
def test_no_lab_asks_a_package_index_for_extensions(which: str, request: pytest.FixtureRequest) -> None:
    manager = page_config(request.getfixturevalue(which))["extensionManager"]
    assert manager["name"] == "read-only" and manager["can_install"] is False


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
VISITED = "week04_ml_llm"  # the week the browser visits: its exercises build on formulas
CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or ""


SHOTS = os.environ.get("AIEPREP_SCREENSHOTS")  # `make screenshots`: keep the visits' screenshots there


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
    if SHOTS:
        shots = Path(SHOTS)
        shots.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(["node", str(UI / "lab.mjs"), lab, notebook, str(shots), *args], capture_output=True,
                          text=True, timeout=600, env={**os.environ, "CHROMIUM": CHROMIUM})
    assert proc.stdout.strip(), proc.stderr[-3000:]
    seen = json.loads(proc.stdout.strip().splitlines()[-1])
    assert "error" not in seen, f"{seen['error']} (screenshots: {shots})"
    return seen


@pytest.fixture(scope="module")
def browser_visit(lab: str, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """What a real browser saw in JupyterLab on Week 4 (whose pages have formulas): the notebook's toolbar, the
    Validate dialog, the Nbgrader menu, a self-check and its feedback page. Screenshots are kept in the pytest
    temp folder."""
    return visit(lab, f"{VISITED}/{VISITED}.ipynb", tmp_path_factory.mktemp("screenshots"))


def test_notebook_toolbar_has_the_validate_button(browser_visit: dict) -> None:
    assert browser_visit["validateButton"] is True


def test_validate_reports_every_failing_test_of_a_blank_notebook(browser_visit: dict) -> None:
    dialog = browser_visit["validateDialog"]
    assert dialog.startswith("Validation Results") and "The following cell failed" in dialog
    master = nbformat.read(ROOT / "source" / VISITED / f"{VISITED}.ipynb", as_version=4)
    tests = sum(1 for c in master.cells if c.get("metadata", {}).get("nbgrader", {}).get("grade") and c.cell_type == "code"
                and not c.metadata.nbgrader.get("solution"))
    # Not only the first: every test cell of a blank notebook (and the read-only cells that call its stubs)
    assert browser_visit["validateFailures"] >= tests


def test_the_learner_s_nbgrader_menu_offers_the_assignment_list_only(browser_visit: dict) -> None:
    assert browser_visit["nbgraderMenu"] == ["Assignment List"]


def test_a_cell_runs_the_self_check_on_its_own_notebook(browser_visit: dict) -> None:
    report = browser_visit["selfCheck"]
    assert report.startswith(f"{VISITED}: self-check with the hidden tests"), report[:300]
    assert re.search(r"^autograded 0 / \d+", report, re.M), report  # the notebook as released: nothing answered


def test_after_the_check_the_reflections_are_offered_for_grading_by_hand(browser_visit: dict) -> None:
    offer = browser_visit["selfGradeOffer"]
    count = len(model_answers(VISITED))  # the week's reflections
    assert offer.startswith(f"Grade your reflections: {VISITED}, 0 of {count} written"), offer  # blank as released


def test_the_self_check_shows_which_cell_it_runs_while_it_works(browser_visit: dict) -> None:
    assert re.fullmatch(r"running cell \d+ of \d+, \d+ of \d+ tests done", browser_visit["progressLine"].strip())


def test_the_self_check_gives_up_the_live_line_for_its_table(browser_visit: dict) -> None:
    cell = browser_visit["selfCheckCell"]
    assert "self-check with the hidden tests" in cell and not re.search(r"running cell|^''$", cell, re.M), cell[:300]


def test_the_feedback_link_opens_the_page_in_a_browser_tab_of_its_own(browser_visit: dict) -> None:
    """Not JupyterLab's HTML viewer, which would ask to trust the page first."""
    tab = browser_visit["feedbackTab"]
    assert tab["url"] == browser_visit["feedbackLink"] == f"/files/{VISITED}/{VISITED}.feedback.html"
    assert (tab["title"], tab["insideLab"], tab["scripts"]) == (f"{VISITED}: feedback", False, 0)


def test_the_feedback_page_gives_the_check_s_total_and_names_each_exercise(browser_visit: dict) -> None:
    tab = browser_visit["feedbackTab"]
    assert re.search(r"^autograded .*$", browser_visit["selfCheck"], re.M)[0] == tab["totals"]
    master = nbformat.read(ROOT / "source" / VISITED / f"{VISITED}.ipynb", as_version=4)
    headings = [re.sub(r" \(\d+ points\)$", "", c.source.splitlines()[0].removeprefix("### "))
                for c in master.cells if c.cell_type == "markdown" and c.source.startswith("### Exercise")]
    assert headings and [e for e in tab["entries"] if e.startswith("Exercise")] == headings
    assert tab["tests"] > len(headings)


def test_the_feedback_page_draws_its_formulas_offline(browser_visit: dict) -> None:
    tab = browser_visit["feedbackTab"]
    assert tab["formulas"] > 0 and tab["formulasDrawn"] == tab["formulas"]
    assert "math" in tab["mathDisplay"]  # laid out by the browser's MathML engine, not as unknown inline tags


# The practice cell of the weeks' notebooks, in a live JupyterLab. Week 1's cell runs in a scratch notebook
# (in the learner's folder, which the lab serves) after the course's setup cell and the answer key of the
# pattern the browser times, so that its visible tests pass in the kernel.
PRACTICE_WEEK, DECK, PATTERN = "week01_python_ds", "answer_cards_60s", "schema_validator"


@pytest.fixture(scope="module")
def practice_notebook(lab: str, work: Path) -> Iterator[str]:
    """A notebook in the learner's folder: Week 1's setup cell with the answer to PATTERN's exercise, then Week 1's practice
    cell (the rep timer and the flashcards)."""
    master = nbformat.read(ROOT / "source" / PRACTICE_WEEK / f"{PRACTICE_WEEK}.ipynb", as_version=4)
    cells = {c.id: c.source for c in master.cells}
    answer = re.sub(r"^[ \t]*### (BEGIN|END) SOLUTION.*\n?", "", cells[find(PATTERN).exercise], flags=re.M)
    folder = Path(tempfile.mkdtemp(prefix="ui-practice-", dir=work))
    try:
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(cells["setup"] + "\n\n" + answer),
                                             nbformat.v4.new_code_cell(cells["practice"])],
                                      metadata={"kernelspec": master.metadata.kernelspec})
        nbformat.write(nb, folder / "practice.ipynb")
        yield str((folder / "practice.ipynb").relative_to(work))
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


# Self-grading in the learner's lab: a copy of the visited week's reflections (prompt and answer cells, the
# first answer written), then a cell that grades them and one that shows the progress.
PRESSED = tuple(LEVELS)  # "full", "partial", "none": pressed in turn, one per criterion
SELF_GRADED = "Overfitting shows as a gap: training error keeps falling while validation error rises."


@pytest.fixture(scope="module")
def self_grade_visit(lab: str, lab_data: Path, work: Path, tmp_path_factory: pytest.TempPathFactory
                     ) -> Iterator[tuple[dict, list[Reflection], Store]]:
    """What the browser saw grading the first reflection (Full, then Partial, …) and the progress view after;
    the reflections it graded; and the lab's practice store."""
    release = nbformat.read(ROOT / "release" / VISITED / f"{VISITED}.ipynb", as_version=4)
    kept = []
    for prompt, answer in zip(release.cells, release.cells[1:]):
        meta = answer.metadata.get("nbgrader", {})
        if meta.get("grade") and meta.get("solution") and answer.cell_type == "markdown":
            kept += [prompt, answer]
    kept[1].source = SELF_GRADED
    kept += [nbformat.v4.new_code_cell("from aieprep.runtime.practice.widgets import progress_view, self_grade\n"
                                       "self_grade()"), nbformat.v4.new_code_cell("progress_view()")]
    folder = Path(tempfile.mkdtemp(prefix="ui-selfgrade-", dir=work))
    try:
        path = folder / f"{VISITED}.ipynb"
        nbformat.write(nbformat.v4.new_notebook(cells=kept, metadata={"kernelspec": release.metadata.kernelspec}),
                       path)
        graded = reflections(path)
        levels = [PRESSED[n % 3].capitalize() for n in range(len(graded[0].criteria))]
        seen = visit(lab, str(path.relative_to(work)), tmp_path_factory.mktemp("screenshots-selfgrade"), "selfgrade",
                     ",".join(levels))
        with Store(lab_data / "practice.sqlite3") as store:
            yield seen, graded, store
    finally:
        shutil.rmtree(folder)


def test_self_grading_shows_the_widget_without_the_model_answer_first(
        self_grade_visit: tuple[dict, list[Reflection], Store]) -> None:
    seen, graded, _ = self_grade_visit
    assert {"Full", "Partial", "None", "Next reflection"} <= set(seen["selfGrade"]["buttons"]), seen["selfGrade"]
    assert SELF_GRADED in seen["selfGrade"]["text"] and seen["modelBefore"] == 0


def test_self_grading_walks_the_rubric_criterion_by_criterion(
        self_grade_visit: tuple[dict, list[Reflection], Store]) -> None:
    seen, graded, _ = self_grade_visit
    criteria = graded[0].criteria
    assert seen["criteria"] == [f"Criterion {n} of {len(criteria)}: {c.name} ({c.points:g} points)"
                                for n, c in enumerate(criteria, 1)]


def test_self_grading_saves_the_points_then_shows_the_model_answer(
        self_grade_visit: tuple[dict, list[Reflection], Store]) -> None:
    seen, graded, store = self_grade_visit
    item = graded[0]
    levels = [PRESSED[n % 3] for n in range(len(item.criteria))]  # as the browser pressed them
    points = sum(c.points * LEVELS[level] for c, level in zip(item.criteria, levels))
    (saved,) = store.self_grades(VISITED)
    assert (saved.grade_id, saved.levels, saved.points, saved.max_points) == (item.grade_id, tuple(levels), points,
                                                                            item.points)
    assert seen["result"] == f"{points:g} / {item.points:g} by your grades (saved)"
    model = model_answers(VISITED)[item.grade_id]
    assert seen["model"].startswith("Model answer") and model.splitlines()[0][:60] in seen["model"]


def test_the_progress_view_counts_the_self_grade_apart_from_the_check(
        self_grade_visit: tuple[dict, list[Reflection], Store]) -> None:
    seen, graded, store = self_grade_visit
    (saved,) = store.self_grades(VISITED)
    row = next(line for line in seen["progressTable"].splitlines() if line.startswith(VISITED))
    assert f"{saved.points:g}/{sum(r.points for r in graded):g}" in row.split(), row
    assert seen["done"].startswith(f"Done: {saved.points:g} / {saved.max_points:g} points")


# The cohort flow around Formgrader: the tiny week is released to the lab's exchange, fetched and submitted by the
# lab's learner, collected and graded; Formgrader shows the autograded scores and saves a manual grade and a
# comment typed in; the feedback is generated and released, and the learner fetches it in the lab's Assignment
# List.
TINY = "week01_tiny"
STUDENT = pwd.getpwuid(os.getuid()).pw_name  # nbgrader names a learner by the account running its commands


def nbgrader(*args: str, cwd: Path, env: dict[str, str]) -> None:
    """An nbgrader command as README's users run it: with the course environment activated (on PATH)."""
    bin_dir = Path(sys.executable).parent
    proc = subprocess.run([str(bin_dir / "nbgrader"), *args], cwd=cwd, capture_output=True, text=True,
                          env={**env, "PATH": f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"})
    assert proc.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}"


@pytest.fixture(scope="module")
def graded_course(tiny_course_template: Path, exchange: Path, learner_config: Path, lab: str, work: Path,
                  tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny course after the lab's learner submitted w1_double answered and the reflection written, graded."""
    from aieprep.grading.pipeline import grade_week

    root = tmp_path_factory.mktemp("formgrader") / "course"
    shutil.copytree(tiny_course_template, root)
    instructor = {**os.environ, "AIEPREP_EXCHANGE_ROOT": str(exchange)}
    learner = {**os.environ, "JUPYTER_CONFIG_DIR": str(learner_config)}
    nbgrader("release_assignment", TINY, cwd=root, env=instructor)
    nbgrader("fetch_assignment", TINY, "--course", "aieprep", cwd=work, env=learner)
    nb = nbformat.read(work / TINY / f"{TINY}.ipynb", as_version=4)
    answers = {"w1_double": "def w1_double(x):\n    return 2 * x", "reflect-w1": "Doubling adds a number to itself."}
    for cell in nb.cells:
        cell.source = answers.get(cell.metadata.get("nbgrader", {}).get("grade_id"), cell.source)
    nbformat.write(nb, work / TINY / f"{TINY}.ipynb")
    nbgrader("submit", TINY, "--course", "aieprep", cwd=work, env=learner)
    nbgrader("collect", TINY, cwd=root, env=instructor)
    (outcome,) = grade_week(root, TINY, jobs=1, isolate=False)
    assert str(outcome.totals) == "autograded 2 / 5 · by hand – / 2"
    return root


@pytest.fixture(scope="module")
def formgrader_visit(graded_course: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{graded_course / 'gradebook.db'}") as gb:
        submission = gb.find_submission_notebook(TINY, TINY, STUDENT).id
    server = started("instructor-lab", dict(os.environ), f"COURSE={graded_course}")
    try:
        return visit(next(server), f"formgrader/submissions/{submission}/",
                     tmp_path_factory.mktemp("screenshots-formgrader"), "formgrader", "reflect-w1", "1.5", COMMENT)
    finally:
        server.close()  # stops the lab


COMMENT = "Clear and short; name a case where it overflows."


def test_formgrader_shows_the_autograded_scores(formgrader_visit: dict) -> None:
    assert formgrader_visit["autograded"] == {"test-w1_add-basic": "0", "test-w1_add-hidden": "0",
                                              "test-w1_double-basic": "2", "reflect-w1": None}


def test_formgrader_shows_the_rubric_beside_the_answer_it_grades(formgrader_visit: dict) -> None:
    assert formgrader_visit["rubric"] == {"header": ["Criterion", "Points", "Full", "Partial (half)", "None"],
                                          "rows": 2, "besideAnswer": True}


def test_formgrader_saves_a_manual_grade_and_comment_into_the_gradebook(formgrader_visit: dict,
                                                                       graded_course: Path) -> None:
    from nbgrader.api import Gradebook

    assert (formgrader_visit["gradeSaved"], formgrader_visit["commentSaved"]) == (200, 200)
    with Gradebook(f"sqlite:///{graded_course / 'gradebook.db'}") as gb:
        grade = gb.find_grade("reflect-w1", TINY, TINY, STUDENT)
        comment = gb.find_comment("reflect-w1", TINY, TINY, STUDENT)
        assert (grade.manual_score, grade.needs_manual_grade, comment.manual_comment) == (1.5, False, COMMENT)


@pytest.fixture(scope="module")
def fetched_feedback(formgrader_visit: dict, graded_course: Path, exchange: Path, lab: str, work: Path,
                     tmp_path_factory: pytest.TempPathFactory) -> dict:
    """After the manual grade: the instructor generates and releases the feedback (README's commands); what the
    browser saw fetching it in the learner's Assignment List."""
    instructor = {**os.environ, "AIEPREP_EXCHANGE_ROOT": str(exchange)}
    nbgrader("generate_feedback", TINY, cwd=graded_course, env=instructor)
    nbgrader("release_feedback", TINY, cwd=graded_course, env=instructor)
    return visit(lab, TINY, tmp_path_factory.mktemp("screenshots-feedback"), "feedback")


def test_a_manual_grade_reaches_the_totals_and_the_feedback_page(fetched_feedback: dict, graded_course: Path) -> None:
    from aieprep.grading.pipeline import grade_week

    (outcome,) = grade_week(graded_course, TINY, jobs=1, isolate=False)  # unchanged: the totals from the gradebook
    assert str(outcome.totals) == "autograded 2 / 5 · by hand 1.5 / 2"
    page = (graded_course / "feedback" / STUDENT / TINY / f"{TINY}.html").read_text()
    assert f'<p class="totals">{outcome.totals}</p>' in page and COMMENT in page


def test_the_learner_fetches_the_released_feedback_in_the_assignment_list(fetched_feedback: dict) -> None:
    assert "feedback available to fetch" in fetched_feedback["before"], fetched_feedback["before"]
    assert "(view feedback)" in fetched_feedback["after"], fetched_feedback["after"]


def test_the_fetched_feedback_is_the_instructor_s_page_in_the_learner_s_folder(
        fetched_feedback: dict, graded_course: Path, work: Path) -> None:
    (page,) = (work / TINY / "feedback").rglob(f"{TINY}.html")
    assert page.read_bytes() == (graded_course / "feedback" / STUDENT / TINY / f"{TINY}.html").read_bytes()
    # "(view feedback)" took the file browser to the fetched page's folder: feedback/<submission time>/
    assert f"{TINY}.html" in fetched_feedback["files"]
    assert f"/feedback/{page.parent.name}/" in fetched_feedback["folder"], fetched_feedback["folder"]
