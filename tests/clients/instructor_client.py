"""instructor against the course model, run with tests/clients/.venv's Python by tests/test_llm.py.

instructor cannot share the course environment (it needs jiter<0.15 and rich<15, so openai 3.3),
so it lives in its own venv and talks to a course model served by the test over loopback.
Usage: python instructor_client.py BASE_URL; prints one JSON object: case -> result or error.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from typing import Union

import instructor
import openai
from person import PERSON, Person  # beside this file
from pydantic import BaseModel


class GetWeather(BaseModel):
    """Current weather for a city."""

    city: str


class GetTime(BaseModel):
    """Current local time in a city."""

    city: str


TWO_TOOLS = "What's the weather in Paris and the time in Tokyo?"
MODES = {"tools": instructor.Mode.TOOLS, "tools_strict": instructor.Mode.TOOLS_STRICT,
         "json": instructor.Mode.JSON, "json_schema": instructor.Mode.JSON_SCHEMA,
         "md_json": instructor.Mode.MD_JSON}


def person(base_url: str, mode: instructor.Mode, streamed: bool) -> dict:
    client = instructor.from_openai(openai.OpenAI(base_url=base_url, api_key="x", max_retries=0), mode=mode)
    messages = [{"role": "user", "content": PERSON}]
    if not streamed:
        return client.chat.completions.create(model="course-model", response_model=Person, messages=messages,
                                              max_retries=0).model_dump()
    last = None
    for last in client.chat.completions.create_partial(model="course-model", response_model=Person,
                                                       messages=messages, max_retries=0):
        pass
    assert last is not None
    return last.model_dump()


def two_tools(base_url: str) -> list[list]:
    client = instructor.from_openai(openai.OpenAI(base_url=base_url, api_key="x", max_retries=0),
                                    mode=instructor.Mode.PARALLEL_TOOLS)
    calls = client.chat.completions.create(model="course-model", response_model=Iterable[Union[GetWeather, GetTime]],
                                           messages=[{"role": "user", "content": TWO_TOOLS}], max_retries=0)
    return [[type(call).__name__, call.model_dump()] for call in calls]


def main() -> None:
    base_url = sys.argv[1]
    cases = {f"person-{name}-{'stream' if streamed else 'whole'}": (person, (base_url, mode, streamed))
             for name, mode in MODES.items() for streamed in (False, True)}
    cases["parallel_tools"] = (two_tools, (base_url,))
    results = {}
    for case, (function, args) in cases.items():
        try:
            results[case] = {"ok": function(*args)}
        except Exception as error:  # noqa: BLE001 - reported to the test, which names the case
            results[case] = {"error": f"{type(error).__name__}: {error}"[:500]}
    print(json.dumps(results))


if __name__ == "__main__":
    main()
