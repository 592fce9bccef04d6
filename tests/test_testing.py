"""aieprep.runtime.testing: the assertion helpers of the notebooks' test cells."""

from __future__ import annotations

import pytest

from aieprep.runtime.testing import PartialCredit, check, check_close, check_items, check_raises, check_unchanged, issued


def test_check_passes_on_equal_result() -> None:
    assert check(sorted, [3, 1, 2], expected=[1, 2, 3]) is None


def test_check_failure_shows_call_expected_and_actual() -> None:
    with pytest.raises(AssertionError) as error:
        check(sorted, [3, 1], expected=[3, 1])
    assert "sorted([3, 1])" in str(error.value)
    assert "expected: [3, 1]" in str(error.value) and "got:      [1, 3]" in str(error.value)


def test_check_refuses_a_result_of_another_type() -> None:
    with pytest.raises(AssertionError, match="expected a tuple"):
        check(lambda: [1, 2], expected=(1, 2))


def test_check_refuses_bool_for_int() -> None:
    with pytest.raises(AssertionError, match="expected a int"):
        check(lambda: True, expected=1)


def test_check_accepts_int_for_float() -> None:
    check(lambda: 2, expected=2.0)


def test_check_calls_on_copies_of_the_arguments() -> None:
    data = [3, 1, 2]
    check(lambda xs: (xs.sort(), xs)[1], data, expected=[1, 2, 3])
    assert data == [3, 1, 2]


def test_check_close_uses_a_tolerance() -> None:
    check_close(lambda: 0.1 + 0.2, expected=0.3)
    with pytest.raises(AssertionError, match="expected about"):
        check_close(lambda: 0.31, expected=0.3)


def test_check_raises_passes_on_the_right_exception() -> None:
    check_raises(ValueError, int, "x")


def test_check_raises_fails_when_nothing_is_raised() -> None:
    with pytest.raises(AssertionError, match="but it returned 5"):
        check_raises(ValueError, int, "5")


def test_check_raises_reports_the_wrong_exception() -> None:
    with pytest.raises(AssertionError, match="expected KeyError, got ValueError"):
        check_raises(KeyError, int, "x")


def test_check_raises_checks_the_message() -> None:
    with pytest.raises(AssertionError, match="should match"):
        check_raises(ValueError, int, "x", match="^nothing like it$")


def test_check_unchanged_catches_mutation() -> None:
    with pytest.raises(AssertionError, match="modified its input"):
        check_unchanged(list.sort, [2, 1])
    check_unchanged(sorted, [2, 1])


class _EqualToEverything(int):
    def __eq__(self, other: object) -> bool:
        return True

    def __ne__(self, other: object) -> bool:
        return False

    __hash__ = int.__hash__


def test_check_refuses_a_result_equal_to_everything() -> None:
    with pytest.raises(AssertionError, match="whose __eq__ is its own"):
        check(lambda: _EqualToEverything(0), expected=3)


def test_check_refuses_such_a_result_inside_a_list() -> None:
    with pytest.raises(AssertionError, match="whose __eq__ is its own"):
        check(lambda: [1, _EqualToEverything(0)], expected=[1, 2])


def test_check_accepts_a_counter_for_a_dict() -> None:
    from collections import Counter

    check(lambda: Counter("aab"), expected={"a": 2, "b": 1})


class _SwappedEquality(int):
    __eq__ = int.__ne__  # a C method under another name
    __hash__ = int.__hash__


def test_check_refuses_an_equality_borrowed_from_another_method() -> None:
    with pytest.raises(AssertionError, match="is its own"):
        check(lambda: _SwappedEquality(0), expected=3)



def test_check_items_passes_when_no_item_is_wrong() -> None:
    check_items([], 11)


def test_check_items_gives_the_share_of_items_right_and_names_the_wrong_ones() -> None:
    with pytest.raises(PartialCredit, match="^3 of 12 answers wrong: a, b, c$") as raised:
        check_items(["a", "b", "c"], 12, "answers")
    assert raised.value.share == 0.75 and issued(raised.value)


def test_a_partial_credit_not_raised_by_check_items_is_not_issued() -> None:
    """What the wire rebuilds from a notebook's exception is an instance the judge never issued."""
    assert not issued(PartialCredit(0.99, "all right"))


def test_check_items_refuses_more_wrong_items_than_there_are() -> None:
    with pytest.raises(ValueError):
        check_items(["a", "b"], 1)
