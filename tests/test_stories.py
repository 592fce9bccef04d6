"""The learner's own story bank: kept in the practice store, checked by the learner's checker, themes left."""

from __future__ import annotations

from pathlib import Path

import pytest

from aieprep.runtime.practice.stories import (check_bank, forget_story, keep_stories, missing_themes, story_bank,
                                              themes)
from aieprep.runtime.practice.store import Store, open_store

STORY = ("Situation: the nightly export broke.\nTask: I owned the fix.\nAction: I rolled back and I added a test.\n"
         "Result: 3 breaking changes caught since.\nReflection: test the consumer too.")


def no_metric(text: str) -> list[str]:
    """A learner's checker, reduced to one rule: a digit in the text."""
    return [] if any(ch.isdigit() for ch in text) else ["no_metric"]


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Store:
    monkeypatch.setenv("AIEPREP_PRACTICE_DB", str(tmp_path / "practice.sqlite3"))
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    with open_store() as s:
        yield s


def test_kept_stories_survive_reopening_the_store(store: Store, tmp_path: Path) -> None:
    keep_stories({"The export I broke": ("Failure", STORY)}, store, now=lambda: 1.0)
    with Store(tmp_path / "practice.sqlite3") as again:
        (story,) = again.stories()
    assert (story.title, story.theme, story.text, story.at) == ("The export I broke", "failure", STORY, 1.0)


def test_keeping_a_title_again_replaces_its_story(store: Store) -> None:
    keep_stories({"Export": ("failure", STORY)}, store)
    keep_stories({"Export": ("failure", "Situation: shorter.")}, store)
    assert [s.text for s in store.stories()] == ["Situation: shorter."]


@pytest.mark.parametrize("entry", [("failure", ""), ("", STORY), STORY, ("failure", None)])
def test_an_incomplete_story_is_refused_and_nothing_is_kept(store: Store, entry: object) -> None:
    with pytest.raises(ValueError):
        keep_stories({"Good": ("failure", STORY), "Bad": entry}, store)  # type: ignore[dict-item]
    assert store.stories() == []


def test_each_story_is_checked_by_the_learner_s_checker(store: Store) -> None:
    keep_stories({"With a number": ("failure", STORY), "Without": ("conflict", "Situation: we talked.")}, store)
    checks = {c.title: c for c in check_bank(store, no_metric)}
    assert (checks["With a number"].passed, checks["Without"].problems) == (True, ("no_metric",))


def test_a_checker_that_raises_is_reported_on_its_story(store: Store) -> None:
    keep_stories({"Export": ("failure", STORY)}, store)

    def broken(text: str) -> list[str]:
        raise NotImplementedError("not written yet")

    (check,) = check_bank(store, broken)
    assert check.problems == ("checker raised NotImplementedError: not written yet",)


def test_the_themes_with_no_story_are_the_course_s_others(store: Store) -> None:
    first = themes()[0]
    keep_stories({"One": (first, STORY)}, store)
    assert missing_themes(check_bank(store, no_metric)) == themes()[1:]


def test_a_story_can_be_forgotten(store: Store) -> None:
    keep_stories({"Export": ("failure", STORY)}, store)
    assert forget_story("Export", store) and not forget_story("Export", store) and store.stories() == []


def test_the_bank_s_summary_names_each_story_its_verdict_and_the_missing_themes(store: Store) -> None:
    text = story_bank({"Export": ("failure", STORY), "Talk": ("conflict", "Situation: we talked.")}, no_metric, store)
    assert text.splitlines()[0] == "Your story bank: 2 stories (aim for 5–6), 1 passing your checker"
    assert any(line.split()[0] == "Talk" and line.endswith("✗ no_metric") for line in text.splitlines())
    assert text.splitlines()[-1].startswith("Themes with no story yet: ") and "failure" not in text.splitlines()[-1]


def test_while_grading_the_bank_is_kept_in_memory_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIEPREP_PRACTICE_DB", str(tmp_path / "practice.sqlite3"))
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    text = story_bank({"Export": ("failure", STORY)}, no_metric)
    assert "kept in memory only" in text and not (tmp_path / "practice.sqlite3").exists()
