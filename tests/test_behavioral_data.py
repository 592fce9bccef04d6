"""Week 7's shipped data (aieprep/data/behavioral/) has the shape its README and the notebook rely on."""

from __future__ import annotations

import re
import tomllib
from collections import Counter

from aieprep.runtime.behavioral import (content_words, keyword_overlap, load_labelled_stories, load_questions,
                                        load_story_bank)

from .conftest import ROOT

SECTIONS = ["situation", "task", "action", "result", "reflection"]
HEADING = re.compile(r"^\s*(situation|task|action|result|reflection):", re.I | re.M)


def test_the_bank_holds_one_story_per_theme_each_with_the_five_sections_in_order() -> None:
    bank = load_story_bank()
    assert [s["theme"] for s in bank] == ["conflict", "challenge", "leadership", "cross_timezone", "failure", "success"]
    assert len({s["id"] for s in bank}) == len(bank)
    for story in bank:
        assert [h.lower() for h in HEADING.findall(story["text"])] == SECTIONS, story["id"]
        assert 100 <= len(story["text"].split()) <= 300, story["id"]  # under two minutes at 150 words a minute


def test_questions_name_a_theme_of_the_bank_or_none() -> None:
    questions = load_questions()
    themes = Counter(q["theme"] for q in questions)
    assert len({q["id"] for q in questions}) == len(questions) == 30
    assert set(themes) - {None} == {s["theme"] for s in load_story_bank()}
    assert min(n for t, n in themes.items() if t is not None) >= 4 and themes[None] >= 4


def test_held_out_questions_cover_every_theme_and_none_and_repeat_no_development_question() -> None:
    held_out = load_questions(held_out=True)
    themes = Counter(q["theme"] for q in held_out)
    assert len({q["id"] for q in held_out}) == len(held_out) == 36
    assert set(themes) - {None} == {s["theme"] for s in load_story_bank()}
    assert min(themes.values()) >= 5
    development = {q["question"].lower() for q in load_questions()}
    assert not development & {q["question"].lower() for q in held_out}


def test_hand_labels_fail_a_story_whenever_a_criterion_fails() -> None:
    stories = load_labelled_stories()
    assert len({s["id"] for s in stories}) == len(stories) == 20
    for story in stories:
        assert set(story["labels"]) == {"complete", "metric", "ownership"} and story["human"] in {"pass", "fail"}
        if not all(story["labels"].values()):
            assert story["human"] == "fail", story["id"]
    assert {s["human"] for s in stories} == {"pass", "fail"}


def test_keyword_overlap_counts_distinct_content_words() -> None:
    assert content_words("Tell me about a CONFLICT, a conflict!") == {"conflict"}
    assert keyword_overlap("a retry storm in launch week", ["Retry storm during launch week", "nothing here"]) == [4, 0]


def test_the_data_is_package_data() -> None:
    package_data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["aieprep"]
    assert "data/behavioral/*" in package_data
