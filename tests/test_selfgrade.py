"""Self-grading the reflections against their rubrics: reading them, walking the criteria, the store, the
progress view and the widget."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import nbformat
import pytest

from aieprep.runtime.practice import progress
from aieprep.runtime.practice.selfgrade import (Criterion, SelfGrading, hand_points, model_answers, reflections,
                                                rubric)
from aieprep.runtime.practice.store import SelfGrade, Store, open_store

from .conftest import ROOT, WEEKS, tiny_week_notebook

T0 = 1_750_000_000.0
WEEK = "week01_tiny"
PROMPT = ("**Reflection (3 points).** Explain.\n\n**Rubric (3 points)**\n\n"
          "| Criterion | Points | Full | Partial (half) | None |\n|---|---:|---|---|---|\n"
          "| Mechanism | 2 | names it | vague | absent |\n| Cost | 1 | a number | no number | absent |\n")


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Store:
    monkeypatch.setenv("AIEPREP_PRACTICE_DB", str(tmp_path / "data" / "practice.sqlite3"))
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    with open_store() as s:
        yield s


@pytest.fixture
def course(tmp_path: Path) -> Path:
    """A course folder whose master is the tiny week (model answer: "A model answer.")."""
    root = tmp_path / "course"
    (root / "source" / WEEK).mkdir(parents=True)
    nbformat.write(tiny_week_notebook("w1"), root / "source" / WEEK / f"{WEEK}.ipynb")
    return root


def learner_notebook(folder: Path, answer: str | None) -> Path:
    """The tiny week as a learner saved it: the reflection as released ("YOUR ANSWER HERE") or ``answer``."""
    nb = tiny_week_notebook("w1")
    nb.cells[-1].source = "YOUR ANSWER HERE" if answer is None else answer
    path = folder / "work" / WEEK / f"{WEEK}.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def test_a_rubric_is_read_with_its_criteria() -> None:
    assert rubric(PROMPT) == (3.0, (Criterion("Mechanism", 2.0, "names it", "vague", "absent"),
                                    Criterion("Cost", 1.0, "a number", "no number", "absent")))
    assert rubric("**Reflection (3 points).** Explain.") is None


def test_a_rubric_row_without_five_cells_is_refused() -> None:
    with pytest.raises(ValueError, match="5 cells"):
        rubric(PROMPT.replace("| Cost | 1 |", "| Cost |"))


def test_reflections_are_read_from_the_notebook_as_saved(tmp_path: Path) -> None:
    (item,) = reflections(learner_notebook(tmp_path, "2x = x + x; 3 + 3 = 6."))
    assert (item.grade_id, item.points, item.answer) == ("reflect-w1", 2.0, "2x = x + x; 3 + 3 = 6.")
    assert [c.name for c in item.criteria] == ["The identity", "An example"]
    assert item.prompt.startswith("**Reflection (2 points).**") and "Rubric" not in item.prompt


def test_an_answer_as_released_is_blank(tmp_path: Path) -> None:
    (item,) = reflections(learner_notebook(tmp_path, None))
    assert (item.answer, item.written) == ("", False)


def test_a_prompt_without_a_rubric_is_graded_as_one_criterion(tmp_path: Path) -> None:
    path = learner_notebook(tmp_path, "An answer.")
    nb = nbformat.read(path, as_version=4)
    nb.cells[-2].source = "**Reflection (2 points).** Why?"
    nbformat.write(nb, path)
    (item,) = reflections(path)
    assert [(c.name, c.points) for c in item.criteria] == [("The whole answer", 2.0)]


def test_a_file_that_is_not_a_notebook_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "broken.ipynb").write_text("{not json")
    with pytest.raises(ValueError, match="cannot read the notebook"):
        reflections(tmp_path / "broken.ipynb")


def test_model_answers_come_from_the_master_and_none_without_a_course(course: Path, tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    assert model_answers(WEEK, course) == {"reflect-w1": "A model answer."}
    monkeypatch.delenv("AIEPREP_COURSE_ROOT", raising=False)
    monkeypatch.chdir(tmp_path)
    assert model_answers(WEEK, tmp_path / "no-course") == {}


def test_each_week_s_points_by_hand_add_up_its_reflections(course: Path) -> None:
    assert hand_points(course) == {WEEK: 2.0}


def test_grading_every_criterion_saves_the_points_of_the_levels(store: Store, tmp_path: Path) -> None:
    walk = SelfGrading(store, WEEK, reflections(learner_notebook(tmp_path, "An answer.")), now=lambda: T0)
    assert walk.criterion is not None and walk.criterion.name == "The identity"
    assert walk.rate("full") is None and not walk.revealed
    grade = walk.rate("partial")
    assert grade == SelfGrade(WEEK, "reflect-w1", T0, 1.5, 2.0, ("full", "partial"))
    assert walk.revealed and store.self_grades() == [grade]


def test_the_model_answer_is_revealed_only_after_the_last_criterion(store: Store, tmp_path: Path) -> None:
    walk = SelfGrading(store, WEEK, reflections(learner_notebook(tmp_path, "An answer.")))
    seen = [walk.revealed]
    walk.rate("none")
    seen.append(walk.revealed)
    walk.rate("none")
    assert seen + [walk.revealed] == [False, False, True]


def test_moving_on_before_grading_every_criterion_is_refused(store: Store, tmp_path: Path) -> None:
    walk = SelfGrading(store, WEEK, reflections(learner_notebook(tmp_path, "An answer.")))
    walk.rate("full")
    with pytest.raises(RuntimeError, match="every criterion"):
        walk.next()
    assert store.self_grades() == []


def test_an_unknown_level_is_refused(store: Store, tmp_path: Path) -> None:
    walk = SelfGrading(store, WEEK, reflections(learner_notebook(tmp_path, "An answer.")))
    with pytest.raises(ValueError, match="level is one of"):
        walk.rate("most")


def test_a_blank_answer_is_not_offered_for_grading(store: Store, tmp_path: Path) -> None:
    walk = SelfGrading(store, WEEK, reflections(learner_notebook(tmp_path, None)))
    assert (walk.current, [r.grade_id for r in walk.blank]) == (None, ["reflect-w1"])
    with pytest.raises(RuntimeError, match="nothing to grade"):
        walk.rate("full")


def test_the_latest_self_grade_of_a_reflection_counts(store: Store) -> None:
    store.add_self_grade(SelfGrade(WEEK, "reflect-w1", T0, 0.5, 2, ("partial", "none")))
    store.add_self_grade(SelfGrade(WEEK, "reflect-w1", T0 + 60, 2.0, 2, ("full", "full")))
    assert store.latest_self_grades()[(WEEK, "reflect-w1")].points == 2.0


def test_a_store_of_schema_1_gains_the_self_grades_and_keeps_its_records(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as raw:
        raw.executescript("CREATE TABLE checks (id INTEGER PRIMARY KEY, week TEXT NOT NULL, at REAL NOT NULL, "
                          "score REAL NOT NULL, max_score REAL NOT NULL);"
                          f"INSERT INTO checks (week, at, score, max_score) VALUES ('{WEEK}', {T0}, 2, 5);"
                          "PRAGMA user_version = 1;")
    raw.close()
    with Store(path) as store:
        store.add_self_grade(SelfGrade(WEEK, "reflect-w1", T0, 1, 2, ("full", "none")))
        assert [(c.week, c.score) for c in store.checks()] == [(WEEK, 2)] and len(store.self_grades()) == 1


def test_progress_counts_self_grades_apart_from_the_check(store: Store) -> None:
    from aieprep.runtime.practice.store import Check

    store.add_check(Check(WEEK, T0, 3, 5))
    store.add_self_grade(SelfGrade(WEEK, "reflect-w1", T0, 1.5, 2, ("full", "partial")))
    summary = progress.summary(store, T0, patterns=[], decks={}, hand_points={WEEK: 2.0, "week02_algorithms": 9.0})
    rows = {r.week: r for r in summary.weeks}
    assert (rows[WEEK].check.score, rows[WEEK].self_graded, rows[WEEK].by_hand) == (3, 1.5, "1.5/2")
    assert rows["week02_algorithms"].by_hand == "–/9" and rows["week03_system_design"].by_hand == "—"
    header, *lines = progress.table(summary).splitlines()
    assert "by hand (own)" in header and any(line.startswith(WEEK) and "1.5/2" in line for line in lines)


def test_the_progress_figure_draws_self_grades_beside_the_check(store: Store) -> None:
    store.add_self_grade(SelfGrade("week01_python_ds", "reflect", T0, 3, 4, ("full", "partial")))
    summary = progress.summary(store, T0, patterns=[], decks={}, hand_points={"week01_python_ds": 6.0})
    checks = progress.figure(summary).axes[0]
    own = [bar.get_height() for bar in checks.containers[1]]
    assert own[0] == pytest.approx(50.0) and [t.get_text() for t in checks.get_legend().get_texts()] == [
        "autograded (check)", "by hand (your grades)"]


def test_the_self_grading_widget_walks_the_criteria_then_shows_the_model_answer(
        store: Store, course: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from aieprep.runtime.practice.widgets import self_grade

    monkeypatch.setenv("AIEPREP_COURSE_ROOT", str(course))
    view = self_grade(learner_notebook(tmp_path, "2x = x + x."), store)
    assert "Criterion 1 of 2" in view.criterion.value and view.model.value == ""
    assert view.next_button.disabled
    view.levels["full"].click()
    assert "Criterion 2 of 2" in view.criterion.value and view.model.value == ""
    view.levels["none"].click()
    assert "1 / 2" in view.result.value and "A model answer." in view.model.value
    view.next_button.click()
    assert view.title.value.startswith("<b>Done: 1 / 2 points")
    assert [(g.grade_id, g.points) for g in store.self_grades()] == [("reflect-w1", 1.0)]


def test_without_a_course_folder_the_widget_says_no_model_answer_is_here(
        store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from aieprep.runtime.practice.selfgrade import SelfGrading as Walk
    from aieprep.runtime.practice.widgets import SelfGradeView

    walk = Walk(store, WEEK, reflections(learner_notebook(tmp_path, "An answer.")))
    view = SelfGradeView(store, WEEK, walk, {})
    view.levels["full"].click()
    view.levels["full"].click()
    assert "No model answer here" in view.model.value


def test_the_widget_draws_a_prompt_s_bold_italics_and_code_and_escapes_the_rest() -> None:
    from aieprep.runtime.practice.widgets import _text

    assert _text("**Reflection.** *Why* `x * y` <b>?") == (
        '<div style="white-space: pre-wrap"><b>Reflection.</b> <i>Why</i> <code>x * y</code> &lt;b&gt;?</div>')


@pytest.mark.parametrize("week", WEEKS)
def test_every_reflection_of_the_released_weeks_offers_its_rubric(week: str) -> None:
    """What the widget reads from a learner's copy: each reflection with the criteria of its rubric."""
    found = reflections(ROOT / "release" / week / f"{week}.ipynb")
    assert found and all(len(r.criteria) >= 2 and not r.written for r in found)
    assert set(model_answers(week, ROOT)) == {r.grade_id for r in found}
