"""The course model (aieprep.llm), driven through the real openai SDK over real HTTP on loopback."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator

import openai
import pytest

from aieprep import llm
from aieprep.llm import CourseModel, Fault

CONTEXT = "Answer from the context.\n[1] Berlin is the capital of Germany. It is large.\n[2] Paris is the capital of France."
TOOLS = [
    {"type": "function", "function": {
        "name": "get_weather", "description": "Current weather for a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}, "days": {"type": "integer"}}}}},
    {"type": "function", "function": {
        "name": "lookup_order", "description": "Look up an order by its id",
        "parameters": {"type": "object", "properties": {"order_id": {"type": "string"}}}}},
]


@pytest.fixture
def model() -> Iterator[CourseModel]:
    with CourseModel() as m:
        yield m


def ask(model: CourseModel, text: str, **kwargs):
    return model.client().chat.completions.create(model="course-model", messages=[{"role": "user", "content": text}], **kwargs)


def test_answers_with_the_best_matching_passage_and_its_citation(model: CourseModel) -> None:
    reply = model.client().chat.completions.create(model="m", messages=[
        {"role": "system", "content": CONTEXT}, {"role": "user", "content": "What is the capital of France?"}])
    assert reply.choices[0].message.content == "Paris is the capital of France. [2]"


def test_says_i_dont_know_without_passages(model: CourseModel) -> None:
    assert ask(model, "What is the capital of France?").choices[0].message.content == "I don't know."


def test_says_i_dont_know_when_no_passage_matches(model: CourseModel) -> None:
    reply = model.client().chat.completions.create(model="m", messages=[
        {"role": "system", "content": CONTEXT}, {"role": "user", "content": "Who wrote Hamlet?"}])
    assert reply.choices[0].message.content == "I don't know."


def test_calls_the_tool_that_matches_the_question_with_arguments_from_it(model: CourseModel) -> None:
    reply = ask(model, 'What is the weather in "Oslo" for the next 3 days?', tools=TOOLS)
    call = reply.choices[0].message.tool_calls[0]
    assert reply.choices[0].finish_reason == "tool_calls"
    assert (call.function.name, json.loads(call.function.arguments)) == ("get_weather", {"city": "Oslo", "days": 3})


def test_named_arguments_win(model: CourseModel) -> None:
    call = ask(model, "Where is my order? order_id=A-17", tools=TOOLS).choices[0].message.tool_calls[0]
    assert (call.function.name, json.loads(call.function.arguments)) == ("lookup_order", {"order_id": "A-17"})


def test_named_tool_choice_is_obeyed(model: CourseModel) -> None:
    choice = {"type": "function", "function": {"name": "lookup_order"}}
    call = ask(model, 'weather in "Oslo"', tools=TOOLS, tool_choice=choice).choices[0].message.tool_calls[0]
    assert call.function.name == "lookup_order"


def test_tool_choice_none_answers_in_text(model: CourseModel) -> None:
    reply = ask(model, 'weather in "Oslo"', tools=TOOLS, tool_choice="none")
    assert reply.choices[0].message.tool_calls is None and reply.choices[0].message.content == "I don't know."


def test_answers_from_tool_results(model: CourseModel) -> None:
    first = ask(model, 'weather in "Oslo"', tools=TOOLS).choices[0].message
    messages = [{"role": "user", "content": 'weather in "Oslo"'}, first.model_dump(exclude_none=True),
                {"role": "tool", "tool_call_id": first.tool_calls[0].id, "content": "sunny, 20 C"}]
    reply = model.client().chat.completions.create(model="m", messages=messages, tools=TOOLS)
    assert reply.choices[0].message.content == "Based on get_weather: sunny, 20 C"


def test_json_schema_output_fits_the_schema(model: CourseModel) -> None:
    schema = {"type": "object", "properties": {
        "answer": {"type": "string"}, "confidence": {"type": "number", "minimum": 0, "maximum": 1},
        "sources": {"type": "array", "items": {"type": "integer"}}, "label": {"enum": ["yes", "no"]}}}
    reply = model.client().chat.completions.create(model="m", messages=[
        {"role": "system", "content": CONTEXT}, {"role": "user", "content": "capital of France?"}],
        response_format={"type": "json_schema", "json_schema": {"name": "answer", "schema": schema}})
    assert json.loads(reply.choices[0].message.content) == {
        "answer": "Paris is the capital of France. [2]", "confidence": 0.9, "sources": [2], "label": "yes"}


def test_json_object_output_has_answer_confidence_sources(model: CourseModel) -> None:
    reply = ask(model, "anything", response_format={"type": "json_object"})
    assert json.loads(reply.choices[0].message.content) == {"answer": "I don't know.", "confidence": 0.0, "sources": []}


def test_usage_counts_one_token_per_word(model: CourseModel) -> None:
    usage = ask(model, "one two three").usage
    assert (usage.prompt_tokens, usage.completion_tokens, usage.total_tokens) == (3, 3, 6)


def test_every_http_attempt_is_recorded(model: CourseModel) -> None:
    ask(model, "first")
    ask(model, "second")
    assert [r["messages"][0]["content"] for r in model.requests] == ["first", "second"]


def test_429_reaches_the_sdk_as_rate_limit_error_with_retry_after(model: CourseModel) -> None:
    model.fail_next(Fault("429", retry_after=2))
    with pytest.raises(openai.RateLimitError) as error:
        ask(model, "hi")
    assert error.value.status_code == 429 and error.value.response.headers["retry-after"] == "2"


def test_the_sdk_retries_a_429_by_itself(model: CourseModel) -> None:
    model.fail_next(Fault("429", retry_after=0.05))
    reply = model.client(max_retries=2).chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}])
    assert reply.choices[0].message.content == "I don't know." and len(model.requests) == 2


@pytest.mark.parametrize("status", ["500", "503"])
def test_server_errors_reach_the_sdk(model: CourseModel, status: str) -> None:
    model.fail_next(status)
    with pytest.raises(openai.InternalServerError) as error:
        ask(model, "hi")
    assert error.value.status_code == int(status)


def test_a_stall_trips_the_clients_timeout(model: CourseModel) -> None:
    model.fail_next(Fault("stall", seconds=5))
    start = time.perf_counter()
    with pytest.raises(openai.APITimeoutError):
        model.client(timeout=0.2).chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}])
    assert time.perf_counter() - start < 3


def test_bad_json_gives_truncated_json_content(model: CourseModel) -> None:
    model.fail_next("bad-json")
    content = ask(model, "hi", response_format={"type": "json_object"}).choices[0].message.content
    with pytest.raises(json.JSONDecodeError):
        json.loads(content)


def test_faults_are_used_once_each_in_order(model: CourseModel) -> None:
    model.fail_next("500", "ok", "503")
    outcomes = []
    for _ in range(4):
        try:
            ask(model, "hi")
            outcomes.append("ok")
        except openai.InternalServerError as error:
            outcomes.append(error.status_code)
    assert outcomes == [500, "ok", 503, "ok"]


def test_unknown_fault_is_refused(model: CourseModel) -> None:
    with pytest.raises(ValueError, match="unknown fault"):
        model.fail_next("418")


def test_serves_on_loopback_only(model: CourseModel) -> None:
    assert model.url.startswith("http://127.0.0.1:")


def test_async_client_works(model: CourseModel) -> None:
    async def go() -> str:
        client = model.async_client()
        reply = await client.chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}])
        await client.close()
        return reply.choices[0].message.content

    assert asyncio.run(go()) == "I don't know."


def test_course_model_is_used_without_a_key(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OPENAI_API_KEY", "NBGRADER_EXECUTION", "CI"):
        monkeypatch.delenv(name, raising=False)
    assert llm.using_course_model()


def test_course_model_is_used_when_grading_even_with_a_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-real")
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    assert llm.using_course_model()


def test_configured_server_is_used_with_a_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """OPENAI_API_KEY + OPENAI_BASE_URL (any OpenAI-compatible server; here a second course model)."""
    with CourseModel() as other:
        for name in ("NBGRADER_EXECUTION", "CI"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("OPENAI_API_KEY", "sk-real")
        monkeypatch.setenv("OPENAI_BASE_URL", other.url)
        llm.client().chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}])
        assert len(other.requests) == 1 and llm.course_model().requests == []


def test_a_scripted_reply_is_sent_as_given(model: CourseModel) -> None:
    model.fail_next(Fault("reply", content='```json\n{"answer": 1}\n```'))
    reply = ask(model, 'weather in "Oslo"', tools=TOOLS)
    assert reply.choices[0].message.content == '```json\n{"answer": 1}\n```'
    assert reply.choices[0].message.tool_calls is None


def test_400_reaches_the_sdk_as_bad_request(model: CourseModel) -> None:
    model.fail_next("400")
    with pytest.raises(openai.BadRequestError) as error:
        model.client(max_retries=2).chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}])
    assert error.value.status_code == 400 and len(model.requests) == 1  # the SDK itself never retries a 400
