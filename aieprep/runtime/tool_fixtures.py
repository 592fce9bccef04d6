"""Functions and dataclasses whose tool schemas Week 6's hidden tests check.

They are inputs, public on purpose: the learner may read every function the tests describe; the expected
schemas stay in the hidden tests. The notebook's ``schema_of_fixture(name)`` runs the learner's
``tool_schema`` on one of them. Signatures, annotations, defaults and docstrings are what the tests are about:
change none of them. No ``from __future__ import annotations``: the annotations must stay real objects.
"""

# The fixtures keep their signatures as the tests wrote them, most without a return annotation:
# mypy: disable-error-code="no-untyped-def"

import typing
from dataclasses import dataclass
from typing import Any, Literal, Optional

__all__ = [
    "Address", "Box", "Person", "Traveller",
    "ping", "send", "lonely", "rate", "ship", "store", "book_seats",
    "g_tags", "g_pair", "g_either", "g_maybe_list", "g_mixed", "g_opts", "g_anything", "g_things",
]


# test-tool_schema-docstring: descriptions from the docstring


def ping(host: str, port: int = 443):
    return host


def send(to: str, body: str, urgent: bool = False):
    """Send a message.
    Keep it short.

    Args:
        to: Recipient: a name or an e-mail address.
        urgent: Mark it urgent.
        cc: Not a parameter of this function.

    Returns:
        body: the text that was sent.
    """


def lonely(x: int):
    """Only a summary, no Args block: x is not described."""


# test-tool_schema-types: the type mapping


def rate(stars: Literal[1, 2, 3, 4, 5], weights: list[float], grid: list[list[int]], flags: list[bool] = [],
         score: typing.Optional[float] = None, count: int | None = 0, label: Optional[str] = None,
         strict: typing.Optional[bool] = None, *, ratio: float = 0.5):
    """Rate it."""


@dataclass
class Address:
    """Where to send it.

    Args:
        street: Street and number.
    """
    street: str
    zip_code: str
    country: str = "PT"


@dataclass
class Person:
    name: str
    address: Address
    vip: bool = False


def ship(people: list[Person], express: Literal[True, False] = False):
    """Ship to people."""


# test-tool_schema-errors: a TypeError naming the parameter


def g_tags(city: str, tags: set[str]):
    pass


def g_pair(city: str, pair: tuple[int, int]):
    pass


def g_either(city: str, either: int | str):
    pass


def g_maybe_list(city: str, maybe_list: list[int] | None):
    pass


def g_mixed(city: str, mixed: Literal["a", 1]):
    pass


def g_opts(city: str, **opts: int):
    pass


def g_anything(city: str, anything: object):
    pass


def g_things(city: str, things: list[Any]):
    pass


@dataclass
class Box:
    size: int
    content: set[str]


def store(box: Box):
    pass


# test-tool_schema-valid: a schema that jsonschema checks


@dataclass
class Traveller:
    name: str
    age: int
    seat: Literal["aisle", "window"] = "aisle"


def book_seats(flight_id: str, travellers: list[Traveller], note: str | None = None, priority: Literal[1, 2, 3] = 1):
    """Book seats."""
