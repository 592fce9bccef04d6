"""LLM access for the notebooks: a real model when configured, else the built-in course model.

The course model is a deterministic, scripted stand-in for an LLM, served over real HTTP on
loopback in the OpenAI wire format, so that notebook code meets the real ``openai`` SDK, real
HTTP status codes and real timeouts with no network and no API key.

How it answers a chat completion (``POST /v1/chat/completions``), in order:

1. **Tool call.** When the request has ``tools``, ``tool_choice`` is not ``"none"``, and no
   tool result has arrived since the last user message: it calls one tool. A named
   ``tool_choice`` picks that tool; otherwise the tool sharing the most words with the last user
   message (its name split on ``_``, and its description) wins, the first on a tie. Arguments are
   filled from the user message: ``name=value`` or ``name: value`` for that parameter; else, in
   order, quoted strings for string parameters and numbers for numeric ones; else a declared
   default, the first enum value, or an empty value of the right type.
2. **After tool results.** Answers ``"Based on <tool>: <result>"`` for the tool messages since
   the last user message.
3. **JSON output.** With ``response_format`` ``json_schema``, returns an object that fits the
   schema: strings are the answer of step 4, a ``sources``/``citations`` array holds its
   citation numbers, ``confidence`` is 0.9 (0.0 for "I don't know."), other numbers sit at the
   middle of their bounds, other arrays hold one item, enums take their first value. With
   ``json_object``: ``{"answer": …, "confidence": …, "sources": [citation numbers]}``.
4. **Text.** If the messages hold numbered context passages (lines starting ``[1]``, ``[2]`` …),
   answers with the passage sentence sharing the most words with the question, followed by its
   citation, e.g. ``"Paris is the capital of France. [2]"``; with no passage sharing a word, or no
   passages at all, answers ``"I don't know."``.

Usage counts one token per whitespace-separated word. Faults are queued with
:meth:`CourseModel.fail_next` and consumed one per HTTP request: ``"429"`` (with ``Retry-After``),
``"400"`` (a request the API rejects: never worth retrying), ``"500"``, ``"503"``, ``"stall"`` (no answer for a while: the client's timeout trips),
``"bad-json"`` (200 OK, but the message content is truncated JSON), ``Fault("reply", content=…)``
(200 OK with exactly that message content: any malformed or off-schema output), ``"ok"``.
"""

from __future__ import annotations

import json
import math
import os
import re
import threading
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["MODEL", "CourseModel", "Fault", "client", "course_model", "using_course_model"]

COURSE_MODEL_NAME = "course-model"
FAULT_KINDS = ("400", "429", "500", "503", "stall", "bad-json", "reply", "ok")


@dataclass(frozen=True)
class Fault:
    """One scheduled fault: ``kind`` is one of ``FAULT_KINDS``; ``retry_after`` (seconds) is sent
    with a 429; ``seconds`` is how long a ``"stall"`` waits before answering; ``content`` is the
    message content of a ``"reply"``."""

    kind: str
    retry_after: float = 1.0
    seconds: float = 5.0
    content: str = ""

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {self.kind!r}; use one of {', '.join(FAULT_KINDS)}")


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]+", text.lower()) if len(w) > 2}


def _text(content: Any) -> str:
    """The text of a message's content (a string, or a list of content parts)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(part.get("text", "") for part in content if isinstance(part, dict))
    return ""


def _since_last_user(messages: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """The last user message's text and the messages after it."""
    for i in range(len(messages) - 1, -1, -1):
        if messages[i].get("role") == "user":
            return _text(messages[i].get("content")), messages[i + 1 :]
    return "", messages


def grounded_answer(messages: list[dict[str, Any]]) -> str:
    """Step 4 of the module docstring: the best-matching passage sentence with its citation."""
    question, _ = _since_last_user(messages)
    passages: list[tuple[str, str]] = []
    for message in messages:
        for match in re.finditer(r"^\s*\[(\d+)\]\s*(.+)$", _text(message.get("content")), re.M):
            passages.append((match[1], match[2]))
    asked = _words(re.sub(r"^\s*\[\d+\].*$", "", question, flags=re.M))
    best, best_overlap = "", 0
    for number, passage in passages:
        for sentence in re.split(r"(?<=[.!?])\s+", passage.strip()):
            overlap = len(asked & _words(sentence))
            if overlap > best_overlap:
                best, best_overlap = f"{sentence.strip()} [{number}]", overlap
    return best or "I don't know."


def _fill(schema: dict[str, Any], answer: str, name: str = "") -> Any:
    """A value that fits the JSON schema (step 3 of the module docstring)."""
    citations = re.findall(r"\[(\d+)\]", answer)
    if name in ("sources", "citations") and schema.get("type") == "array":
        item = schema.get("items", {}).get("type", "string")
        return [int(c) for c in citations] if item == "integer" else citations
    if name == "confidence" and schema.get("type") == "number":
        return 0.0 if answer == "I don't know." else 0.9
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if "enum" in schema:
        return schema["enum"][0]
    if "default" in schema:
        return schema["default"]
    if kind == "object" or "properties" in schema:
        return {key: _fill(sub, answer, key) for key, sub in schema.get("properties", {}).items()}
    if kind == "array":
        return [_fill(schema.get("items", {"type": "string"}), answer)] * max(1, schema.get("minItems", 1))
    if kind in ("number", "integer"):
        low, high = schema.get("minimum", 0), schema.get("maximum", 1 if kind == "number" else 10)
        value = (low + high) / 2
        return math.floor(value) if kind == "integer" else value
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    return answer


def _tool_arguments(parameters: dict[str, Any], message: str) -> dict[str, Any]:
    quoted = re.findall(r"\"([^\"]+)\"|'([^']+)'", message)
    strings = deque(a or b for a, b in quoted)
    numbers = deque(re.findall(r"(?<![\w.])-?\d+(?:\.\d+)?(?![\w.])", re.sub(r"\"[^\"]*\"|'[^']*'", "", message)))
    arguments: dict[str, Any] = {}
    for name, spec in parameters.get("properties", {}).items():
        kind = spec.get("type", "string")
        named = re.search(rf"\b{re.escape(name)}\s*[=:]\s*(\"[^\"]*\"|'[^']*'|[^\s,;]+)", message)
        if named:
            raw = named[1].strip("\"'")
        elif kind == "string" and strings:
            raw = strings.popleft()
        elif kind in ("integer", "number") and numbers:
            raw = numbers.popleft()
        elif "default" in spec or "enum" in spec:
            arguments[name] = spec.get("default", spec.get("enum", [None])[0])
            continue
        else:
            raw = None
        if kind == "integer":
            arguments[name] = int(float(raw)) if raw is not None else 0
        elif kind == "number":
            arguments[name] = float(raw) if raw is not None else 0.0
        elif kind == "boolean":
            arguments[name] = str(raw).lower() in ("true", "yes", "1")
        elif kind == "array":
            arguments[name] = [] if raw is None else [raw]
        elif kind == "object":
            arguments[name] = {}
        else:
            arguments[name] = "" if raw is None else raw
    return arguments


def _pick_tool(tools: list[dict[str, Any]], tool_choice: Any, message: str) -> dict[str, Any]:
    functions = [t["function"] for t in tools if t.get("type") == "function"]
    if isinstance(tool_choice, dict):
        wanted = tool_choice.get("function", {}).get("name")
        return next(f for f in functions if f["name"] == wanted)
    asked = _words(message)

    def overlap(f: dict[str, Any]) -> int:
        return len(asked & (_words(f["name"].replace("_", " ")) | _words(f.get("description", ""))))

    return max(functions, key=overlap)  # max keeps the first of equals


def complete(body: dict[str, Any], number: int) -> dict[str, Any]:
    """The course model's answer to a chat-completions request body, as a response object."""
    messages = body.get("messages", [])
    question, after = _since_last_user(messages)
    tools, tool_choice = body.get("tools") or [], body.get("tool_choice", "auto")
    tool_results = [m for m in after if m.get("role") == "tool"]
    message: dict[str, Any] = {"role": "assistant", "content": None}
    finish = "stop"
    if tools and tool_choice != "none" and not tool_results:
        function = _pick_tool(tools, tool_choice, question)
        arguments = _tool_arguments(function.get("parameters", {}), question)
        message["tool_calls"] = [{
            "id": f"call_{number}_0", "type": "function",
            "function": {"name": function["name"], "arguments": json.dumps(arguments)},
        }]
        finish = "tool_calls"
    elif tool_results:
        names = {c["id"]: c["function"]["name"] for m in after for c in m.get("tool_calls") or []}
        message["content"] = " ".join(
            f"Based on {names.get(m.get('tool_call_id'), 'the tool')}: {_text(m.get('content'))}" for m in tool_results
        )
    else:
        answer = grounded_answer(messages)
        response_format = body.get("response_format") or {}
        if response_format.get("type") == "json_schema":
            schema = response_format.get("json_schema", {}).get("schema", {})
            message["content"] = json.dumps(_fill(schema, answer))
        elif response_format.get("type") == "json_object":
            sources = re.findall(r"\[(\d+)\]", answer)
            message["content"] = json.dumps(
                {"answer": answer, "confidence": 0.0 if answer == "I don't know." else 0.9, "sources": sources}
            )
        else:
            message["content"] = answer
    prompt_tokens = sum(len(_text(m.get("content")).split()) for m in messages)
    completion_text = message["content"] or json.dumps(message.get("tool_calls"))
    completion_tokens = len(completion_text.split())
    return {
        "id": f"chatcmpl-course-{number}",
        "object": "chat.completion",
        "created": 0,
        "model": body.get("model", COURSE_MODEL_NAME),
        "choices": [{"index": 0, "message": message, "finish_reason": finish, "logprobs": None}],
        "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                  "total_tokens": prompt_tokens + completion_tokens},
    }


class CourseModel:
    """The course model, served on 127.0.0.1 (a free port) from a background thread.

    ``model.client()`` gives an ``openai.OpenAI`` client for it; ``model.requests`` holds every
    request body received, one per HTTP attempt; ``model.fail_next(...)`` schedules faults.
    Use it as a context manager, or call :meth:`close`.
    """

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self._faults: deque[Fault] = deque()
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), name="course-model", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        """The base URL, as the SDK's ``base_url`` wants it."""
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def client(self, **kwargs: Any) -> Any:
        """An ``openai.OpenAI`` client for this model; SDK retries are off unless ``max_retries`` is given."""
        import openai

        kwargs.setdefault("max_retries", 0)
        return openai.OpenAI(base_url=self.url, api_key="course-model", **kwargs)

    def async_client(self, **kwargs: Any) -> Any:
        """An ``openai.AsyncOpenAI`` client for this model."""
        import openai

        kwargs.setdefault("max_retries", 0)
        return openai.AsyncOpenAI(base_url=self.url, api_key="course-model", **kwargs)

    def fail_next(self, *faults: str | Fault) -> None:
        """Queue faults for the next requests, one each, in order (``"ok"`` answers normally)."""
        with self._lock:
            self._faults.extend(f if isinstance(f, Fault) else Fault(f) for f in faults)

    def reset(self) -> None:
        """Forget received requests and pending faults."""
        with self._lock:
            self.requests.clear()
            self._faults.clear()

    def close(self) -> None:
        self._closed.set()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> CourseModel:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _next(self, body: dict[str, Any]) -> tuple[int, Fault | None]:
        with self._lock:
            self.requests.append(body)
            return len(self.requests), (self._faults.popleft() if self._faults else None)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        model = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # keep notebooks' stderr clean
                pass

            def _send(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
                data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                try:
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (its timeout)
                    pass

            def do_GET(self) -> None:
                if self.path.rstrip("/") == "/v1/models":
                    self._send(200, {"object": "list", "data": [{"id": COURSE_MODEL_NAME, "object": "model",
                                                                 "created": 0, "owned_by": "aieprep"}]})
                else:
                    self._send(404, {"error": {"message": f"no route {self.path}", "type": "not_found"}})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                try:
                    body = json.loads(self.rfile.read(length) or b"{}")
                except json.JSONDecodeError:
                    self._send(400, {"error": {"message": "request body is not JSON", "type": "invalid_request_error"}})
                    return
                if self.path.rstrip("/") != "/v1/chat/completions":
                    self._send(404, {"error": {"message": f"no route {self.path}", "type": "not_found"}})
                    return
                number, fault = model._next(body)
                kind = fault.kind if fault else "ok"
                if kind == "429":
                    self._send(429, {"error": {"message": "Rate limit reached", "type": "rate_limit_exceeded",
                                               "code": "rate_limit_exceeded"}},
                               {"Retry-After": str(math.ceil(fault.retry_after)),
                                "retry-after-ms": str(int(fault.retry_after * 1000))})
                    return
                if kind == "400":
                    self._send(400, {"error": {"message": "Invalid request: prompt is too long",
                                               "type": "invalid_request_error", "code": "context_length_exceeded"}})
                    return
                if kind in ("500", "503"):
                    self._send(int(kind), {"error": {"message": "The server had an error", "type": "server_error"}})
                    return
                if kind == "stall":
                    model._closed.wait(fault.seconds)
                response = complete(body, number)
                if kind == "bad-json":
                    text = json.dumps({"answer": grounded_answer(body.get("messages", [])), "confidence": 0.9})
                    response["choices"][0]["message"]["content"] = text[: len(text) // 2]
                elif kind == "reply":
                    response["choices"][0]["message"].update(content=fault.content, tool_calls=None)
                    response["choices"][0]["finish_reason"] = "stop"
                self._send(200, response)

        return Handler


_shared: CourseModel | None = None
_shared_lock = threading.Lock()


def course_model() -> CourseModel:
    """The course model shared by this process (started on first use)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = CourseModel()
        return _shared


def using_course_model() -> bool:
    """True unless a real model is configured (``OPENAI_API_KEY``) and this is not grading or CI."""
    grading = bool(os.environ.get("NBGRADER_EXECUTION") or os.environ.get("CI"))
    return grading or not os.environ.get("OPENAI_API_KEY")


# The model name notebooks pass: $AIEPREP_MODEL, else the course model or, with a real key, gpt-4o-mini.
MODEL = os.environ.get("AIEPREP_MODEL") or (COURSE_MODEL_NAME if using_course_model() else "gpt-4o-mini")


def client(**kwargs: Any) -> Any:
    """An ``openai.OpenAI`` client: the configured model (``OPENAI_API_KEY``, optional
    ``OPENAI_BASE_URL``) if any, else the course model. Pass ``MODEL`` as the model name."""
    if using_course_model():
        return course_model().client(**kwargs)
    import openai

    return openai.OpenAI(**kwargs)
