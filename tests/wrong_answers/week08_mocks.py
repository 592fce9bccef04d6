"""Plausible wrong answers to the Week 8 exercises (see tests/test_verdicts.py).

Each entry maps an answer cell's grade id to full replacement sources for that cell: what a
candidate writes under mock-interview time pressure. Every one of them must make at least one of the
exercise's test cells fail. All are small edits of the reference answer, so the bug is easy to see.
"""

from __future__ import annotations

from . import variant as _variant

_LLM_APP = r'''
class LLMRequest(BaseModel):
    """The body of POST /generate."""
    prompt: str = Field(min_length=1, max_length=4000)
    temperature: float = Field(default=0.7, ge=0, le=2)
    max_tokens: int = Field(default=256, ge=1, le=4000)


class LLMAnswer(BaseModel):
    """The model's answer, as POST /generate returns it."""
    answer: str
    confidence: float = Field(ge=0, le=1)
    sources: list[str]


def make_llm_app(client, *, attempts=3, sleep=time.sleep):
    """A FastAPI app whose POST /generate asks `client`, retrying transport failures, and maps errors to codes."""
    app = FastAPI()
    transient = (openai.APIConnectionError, openai.RateLimitError, openai.InternalServerError)

    def ask(request):
        for attempt in range(1, attempts + 1):
            try:
                return client.chat.completions.create(
                    model=MODEL, messages=[{"role": "system", "content": "Reply in JSON."},
                                          {"role": "user", "content": request.prompt}],
                    temperature=request.temperature, max_tokens=request.max_tokens,
                    response_format={"type": "json_object"})
            except transient:
                if attempt == attempts:
                    raise
                sleep(2 ** (attempt - 1))

    @app.post("/generate", response_model=LLMAnswer)
    def generate(request: LLMRequest):
        try:
            completion = ask(request)
        except openai.APITimeoutError:
            raise HTTPException(status_code=504, detail="the model timed out")
        except openai.RateLimitError as error:
            raise HTTPException(status_code=429, detail="rate limited by the model provider",
                                headers={"Retry-After": error.response.headers.get("retry-after", "1")})
        except openai.APIError:
            raise HTTPException(status_code=502, detail="the model provider failed")
        try:
            return LLMAnswer.model_validate_json(completion.choices[0].message.content or "")
        except ValidationError:
            raise HTTPException(status_code=502, detail="the model returned invalid output")

    return app
'''

_PRODUCTION_APP = r'''
def make_production_app(client, *, api_key, clock, log, is_ready=lambda: True, limit=5, window=60.0):
    """An app with /health, /ready and a keyed POST /generate, behind a rate limit, request ids, JSON logs and a catch-all."""
    app = FastAPI()
    counted = defaultdict(deque)  # client IP -> clock times of its counted requests in the window

    class Prompt(BaseModel):
        prompt: str = Field(min_length=1, max_length=4000)

    def over_limit(request):
        if request.url.path == "/health":
            return None
        now, times = clock(), counted[request.client.host]
        while times and now - times[0] >= window:
            times.popleft()
        if len(times) >= limit:
            wait = math.ceil(window - (now - times[0]))
            return JSONResponse({"detail": "rate limit exceeded"}, status_code=429, headers={"Retry-After": str(wait)})
        times.append(now)
        return None

    @app.middleware("http")
    async def guard(request: Request, call_next):
        request_id = request.headers.get("x-request-id") or uuid.uuid4().hex
        start = clock()
        response = over_limit(request)
        if response is None:
            try:
                response = await call_next(request)
            except Exception:
                response = JSONResponse({"detail": "internal error"}, status_code=500)
        response.headers["X-Request-ID"] = request_id
        log(json.dumps({"request_id": request_id, "method": request.method, "path": request.url.path,
                        "status": response.status_code, "ms": (clock() - start) * 1000}))
        return response

    def require_key(x_api_key: str | None = Header(default=None)):
        if x_api_key != api_key:
            raise HTTPException(status_code=401, detail="invalid or missing API key")

    @app.get("/health")
    def health():
        return {"status": "ok"}

    @app.get("/ready")
    def ready():
        if not is_ready():
            return JSONResponse({"status": "not ready"}, status_code=503)
        return {"status": "ready"}

    @app.post("/generate", dependencies=[Depends(require_key)])
    def generate(body: Prompt):
        completion = client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": body.prompt}])
        return {"answer": completion.choices[0].message.content}

    return app
'''

_INGEST_APP = r'''
def make_ingest_app():
    """A FastAPI app whose POST /ingest cleans a JSONL payload line by line and reports line-numbered errors."""
    app = FastAPI()

    class Payload(BaseModel):
        jsonl: str

    def classify(line):
        try:
            item = json.loads(line)
        except json.JSONDecodeError:
            return "parse", None
        if not isinstance(item, dict):
            return "validation", None
        rid, text, lang = item.get("id"), item.get("text"), item.get("lang", "en")
        if type(rid) is not int or not isinstance(text, str) or not text.strip() or not isinstance(lang, str):
            return "validation", None
        if lang.strip().lower() != "en":
            return "filter", None
        return None, {"id": rid, "text": text.strip(), "lang": "en"}

    @app.post("/ingest")
    def ingest(payload: Payload):
        records, errors, total = [], [], 0
        for number, line in enumerate(payload.jsonl.splitlines(), start=1):
            if not line.strip():
                continue
            total += 1
            kind, record = classify(line)
            if kind is None:
                records.append(record)
            else:
                errors.append({"line": number, "type": kind})
        return {"records": records, "count": len(records), "total": total, "errors": errors}

    return app
'''

_CALL_LLM = r'''
def call_llm(client, prompt, *, attempts=3, sleep=time.sleep):
    """Ask the model with retries on transport failures only; report the outcome, the attempts and a trace."""
    transient = (openai.APIConnectionError, openai.RateLimitError, openai.InternalServerError)
    trace = []
    for attempt in range(1, attempts + 1):
        try:
            completion = client.chat.completions.create(
                model=MODEL, messages=[{"role": "system", "content": "Reply in JSON."}, {"role": "user", "content": prompt}],
                response_format={"type": "json_object"})
        except transient as error:
            trace.append(type(error).__name__)
            if attempt == attempts:
                return {"status": "failed", "data": None, "attempts": attempt, "trace": trace}
            sleep(2 ** (attempt - 1))
            continue
        except openai.APIError as error:
            trace.append(type(error).__name__)
            return {"status": "failed", "data": None, "attempts": attempt, "trace": trace}
        try:
            data = json.loads(completion.choices[0].message.content or "")
        except json.JSONDecodeError:
            data = None
        confidence = data.get("confidence") if isinstance(data, dict) else None
        if not (isinstance(data, dict) and isinstance(data.get("answer"), str) and isinstance(confidence, (int, float))
                and not isinstance(confidence, bool) and 0 <= confidence <= 1):
            trace.append("invalid")
            return {"status": "invalid", "data": None, "attempts": attempt, "trace": trace}
        trace.append("ok")
        return {"status": "ok", "data": {"answer": data["answer"], "confidence": confidence}, "attempts": attempt, "trace": trace}
'''

_TICKET_APP = r'''
def make_ticket_app(clock):
    """A FastAPI app for tickets: create, get, list by status and update status; timestamps from `clock`."""
    from typing import Literal

    app = FastAPI()
    tickets = {}

    class NewTicket(BaseModel):
        model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
        title: str = Field(min_length=1, max_length=200)
        priority: Literal["low", "medium", "high"] = "medium"

    class StatusChange(BaseModel):
        model_config = ConfigDict(extra="forbid")
        status: Literal["open", "in_progress", "closed"]

    def find(ticket_id):
        if ticket_id not in tickets:
            raise HTTPException(status_code=404, detail="ticket not found")
        return tickets[ticket_id]

    @app.post("/tickets", status_code=201)
    def create(body: NewTicket):
        now = clock()
        ticket = {"id": len(tickets) + 1, "title": body.title, "priority": body.priority, "status": "open",
                  "created_at": now, "updated_at": now}
        tickets[ticket["id"]] = ticket
        return ticket

    @app.get("/tickets/{ticket_id}")
    def get(ticket_id: int):
        return find(ticket_id)

    @app.get("/tickets")
    def list_tickets(status: Literal["open", "in_progress", "closed"] | None = None):
        return [t for t in tickets.values() if status is None or t["status"] == status]

    @app.patch("/tickets/{ticket_id}")
    def update(ticket_id: int, body: StatusChange):
        ticket = find(ticket_id)
        ticket["status"], ticket["updated_at"] = body.status, clock()
        return ticket

    return app
'''

_AGGREGATE = r'''
async def aggregate(providers, prompt, *, timeout=2.0, clock=time.monotonic):
    """Ask every provider concurrently, each under `timeout`; collect answers, errors and the total latency."""
    start = clock()

    async def one(provider):
        try:
            return "answer", await asyncio.wait_for(provider(prompt), timeout)
        except TimeoutError:
            return "error", "timeout"
        except Exception:
            return "error", "error"

    outcomes = await asyncio.gather(*(one(provider) for provider in providers.values()))
    result = {"answers": {}, "errors": {}}
    for name, (kind, value) in zip(providers, outcomes):
        result["answers" if kind == "answer" else "errors"][name] = value
    result["latency"] = clock() - start
    return result
'''

_GUARDED_APP = r'''
def make_guarded_app(answer, *, keys, clock, capacity=3, refill=1.0):
    """An app with a public /health and /metrics, and GET /answer behind API keys and per-tenant token buckets."""
    app = FastAPI()
    buckets = {}  # tenant -> (tokens, clock time of the last update)
    statuses = defaultdict(int)
    latencies = []

    @app.middleware("http")
    async def measure(request: Request, call_next):
        start = clock()
        response = await call_next(request)
        if request.url.path == "/answer":
            statuses[str(response.status_code)] += 1
            if response.status_code == 200:
                latencies.append((clock() - start) * 1000)
        return response

    def take_token(tenant):
        now = clock()
        tokens, last = buckets.get(tenant, (capacity, now))
        tokens = min(capacity, tokens + (now - last) * refill)
        if tokens < 1:
            buckets[tenant] = (tokens, now)
            raise HTTPException(status_code=429, detail="rate limit exceeded",
                                headers={"Retry-After": str(math.ceil((1 - tokens) / refill))})
        buckets[tenant] = (tokens - 1, now)

    def tenant(x_api_key: str | None = Header(default=None)):
        if x_api_key not in keys:
            raise HTTPException(status_code=401, detail="invalid or missing API key")
        return keys[x_api_key]

    @app.get("/health")
    def health():
        return {"status": "ok"}

    @app.get("/answer")
    def get_answer(q: str, who: str = Depends(tenant)):
        take_token(who)
        return {"answer": answer(q)}

    @app.get("/metrics")
    def metrics():
        ranked = sorted(latencies)
        p95 = ranked[math.ceil(0.95 * len(ranked)) - 1] if ranked else None
        return {"requests": dict(statuses), "p95_ms": p95}

    return app
'''

_ROUTE = r'''
def route(model, question, tools, *, max_iterations=3):
    """A text tool router: ask the model, run the tool it names, feed back the observation; stop on FINAL, a loop or the cap."""
    history, calls, last = [question], [], None
    for _ in range(max_iterations):
        reply = model(history).strip()
        history.append(reply)
        if reply.startswith("FINAL:"):
            return {"answer": reply[len("FINAL:"):].strip(), "stop": "answer", "calls": calls}
        match = re.fullmatch(r"TOOL:(\w+) ARGS:(.*)", reply, flags=re.DOTALL)
        try:
            args = json.loads(match[2]) if match else None
        except json.JSONDecodeError:
            args = None
        if not isinstance(args, dict):
            observation = "error: bad format"
        elif match[1] not in tools:
            observation = f"error: unknown tool {match[1]}"
        elif last == (match[1], args):
            return {"answer": None, "stop": "loop", "calls": calls}
        else:
            last = (match[1], args)
            calls.append({"tool": match[1], "args": args})
            try:
                observation = json.dumps(tools[match[1]](**args))
            except Exception as error:
                observation = f"error: {type(error).__name__}"
        history.append("Observation: " + observation)
    return {"answer": None, "stop": "max_iterations", "calls": calls}
'''

WRONG_ANSWERS: dict[str, list[str]] = {
    "llm_app": [
        # every API error retried, a 400 included
        _variant(_LLM_APP, ("    transient = (openai.APIConnectionError, openai.RateLimitError, openai.InternalServerError)\n",
                            "    transient = (openai.APIError,)\n")),
        # sleeps after the last attempt too
        _variant(_LLM_APP, ("                if attempt == attempts:\n                    raise\n                sleep(2 ** (attempt - 1))",
                            "                sleep(2 ** (attempt - 1))\n                if attempt == attempts:\n                    raise")),
        # a dropped connection caught first: timeouts (a kind of connection error) become 502s
        _variant(_LLM_APP, ("        except openai.APITimeoutError:\n",
                            "        except openai.APIConnectionError:\n            raise HTTPException(status_code=502, detail=\"network\")\n"
                            "        except openai.APITimeoutError:\n")),
        # Retry-After invented instead of passed on
        _variant(_LLM_APP, ('headers={"Retry-After": error.response.headers.get("retry-after", "1")}', 'headers={"Retry-After": "1"}')),
    ],
    "production_app": [
        # /health counted by the limiter like any path
        _variant(_PRODUCTION_APP, ('        if request.url.path == "/health":\n            return None\n', "")),
        # rejected requests counted: a client over the limit stays locked out
        _variant(_PRODUCTION_APP, ("        if len(times) >= limit:", "        times.append(now)\n        if len(times) > limit:"),
                 ("            return JSONResponse({\"detail\": \"rate limit exceeded\"}, status_code=429, headers={\"Retry-After\": str(wait)})\n        times.append(now)\n",
                  "            return JSONResponse({\"detail\": \"rate limit exceeded\"}, status_code=429, headers={\"Retry-After\": str(wait)})\n")),
        # ms logged in seconds
        _variant(_PRODUCTION_APP, ('"ms": (clock() - start) * 1000', '"ms": clock() - start')),
        # the catch-all echoes the exception's message
        _variant(_PRODUCTION_APP, ("            except Exception:\n                response = JSONResponse({\"detail\": \"internal error\"}, status_code=500)",
                                   "            except Exception as error:\n                response = JSONResponse({\"detail\": f\"internal error: {error}\"}, status_code=500)")),
    ],
    "ingest_app": [
        # blank lines dropped before numbering: later line numbers shift
        _variant(_INGEST_APP, ("        for number, line in enumerate(payload.jsonl.splitlines(), start=1):\n            if not line.strip():\n                continue\n",
                               "        for number, line in enumerate([l for l in payload.jsonl.splitlines() if l.strip()], start=1):\n")),
        # True is an int to isinstance: a bool id passes
        _variant(_INGEST_APP, ("if type(rid) is not int", "if not isinstance(rid, int)")),
        # lang compared as sent: " EN" is filtered out
        _variant(_INGEST_APP, ('        if lang.strip().lower() != "en":', '        if lang != "en":')),
        # a payload with no valid line answered 422
        _variant(_INGEST_APP, ('        return {"records": records, "count": len(records), "total": total, "errors": errors}',
                               '        if errors and not records:\n            raise HTTPException(status_code=422, detail="no valid lines")\n'
                               '        return {"records": records, "count": len(records), "total": total, "errors": errors}')),
    ],
    "call_llm": [
        # a schema failure retried like a transport failure
        _variant(_CALL_LLM, ('            trace.append("invalid")\n            return {"status": "invalid", "data": None, "attempts": attempt, "trace": trace}',
                             '            trace.append("invalid")\n            if attempt == attempts:\n'
                             '                return {"status": "invalid", "data": None, "attempts": attempt, "trace": trace}\n'
                             '            sleep(2 ** (attempt - 1))\n            continue')),
        # sleeps after the last attempt before giving up
        _variant(_CALL_LLM, ("            trace.append(type(error).__name__)\n            if attempt == attempts:\n",
                             "            trace.append(type(error).__name__)\n            sleep(2 ** (attempt - 1))\n            if attempt == attempts:\n"),
                 ("                return {\"status\": \"failed\", \"data\": None, \"attempts\": attempt, \"trace\": trace}\n            sleep(2 ** (attempt - 1))\n",
                  "                return {\"status\": \"failed\", \"data\": None, \"attempts\": attempt, \"trace\": trace}\n")),
        # True passes as a confidence of 1
        _variant(_CALL_LLM, ("\n                and not isinstance(confidence, bool) and 0 <= confidence <= 1", " and 0 <= confidence <= 1")),
        # the trace keeps failures only
        _variant(_CALL_LLM, ('        trace.append("ok")\n', "")),
    ],
    "ticket_app": [
        # unknown fields silently ignored: a client's created_at or status is dropped without a 422
        _variant(_TICKET_APP, ('        model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)\n',
                               '        model_config = ConfigDict(str_strip_whitespace=True)\n'),
                 ('        model_config = ConfigDict(extra="forbid")\n', "")),
        # the title's length checked before stripping
        _variant(_TICKET_APP, ('        model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)',
                               '        model_config = ConfigDict(extra="forbid")'),
                 ('"title": body.title,', '"title": body.title.strip(),')),
        # PATCH changes the status but not updated_at
        _variant(_TICKET_APP, ('        ticket["status"], ticket["updated_at"] = body.status, clock()', '        ticket["status"] = body.status')),
        # ids from one counter for every app
        _variant(_TICKET_APP, ("def make_ticket_app(clock):", "TICKET_IDS = itertools.count(1)\n\n\ndef make_ticket_app(clock):"),
                 ('ticket = {"id": len(tickets) + 1,', 'ticket = {"id": next(TICKET_IDS),')),
    ],
    "aggregate": [
        # one provider after another: latency is the sum
        _variant(_AGGREGATE, ("    outcomes = await asyncio.gather(*(one(provider) for provider in providers.values()))",
                              "    outcomes = [await one(provider) for provider in providers.values()]")),
        # one timeout around all the calls: a slow provider loses every answer
        _variant(_AGGREGATE, ('            return "answer", await asyncio.wait_for(provider(prompt), timeout)',
                              '            return "answer", await provider(prompt)'),
                 ("    outcomes = await asyncio.gather(*(one(provider) for provider in providers.values()))",
                  "    try:\n        outcomes = await asyncio.wait_for(asyncio.gather(*(one(p) for p in providers.values())), timeout)\n"
                  "    except TimeoutError:\n        outcomes = [(\"error\", \"timeout\")] * len(providers)")),
        # latency from the wall clock, not the clock given
        _variant(_AGGREGATE, ("    start = clock()", "    start = time.monotonic()"), ('    result["latency"] = clock() - start', '    result["latency"] = time.monotonic() - start')),
        # a timeout reported as a plain error
        _variant(_AGGREGATE, ('        except TimeoutError:\n            return "error", "timeout"\n', "")),
    ],
    "guarded_app": [
        # one bucket per key, not per tenant
        _variant(_GUARDED_APP, ("        return keys[x_api_key]", "        return x_api_key")),
        # the bucket refills past its capacity
        _variant(_GUARDED_APP, ("        tokens = min(capacity, tokens + (now - last) * refill)", "        tokens = tokens + (now - last) * refill")),
        # Retry-After rounded down: 0.25 s becomes 0
        _variant(_GUARDED_APP, ('str(math.ceil((1 - tokens) / refill))', 'str(int((1 - tokens) / refill))')),
        # p95 one rank too high
        _variant(_GUARDED_APP, ("ranked[math.ceil(0.95 * len(ranked)) - 1]", "ranked[min(len(ranked) - 1, math.ceil(0.95 * len(ranked)))]")),
    ],
    "route": [
        # TOOL: found anywhere in the reply
        _variant(_ROUTE, ('match = re.fullmatch(r"TOOL:(\\w+) ARGS:(.*)", reply, flags=re.DOTALL)',
                          'match = re.search(r"TOOL:(\\w+) ARGS:(\\{.*\\})", reply, flags=re.DOTALL | re.IGNORECASE)')),
        # no loop guard: a repeated call runs again until the cap
        _variant(_ROUTE, ("        elif last == (match[1], args):\n            return {\"answer\": None, \"stop\": \"loop\", \"calls\": calls}\n", "")),
        # the exception's message goes into the observation
        _variant(_ROUTE, ('observation = f"error: {type(error).__name__}"', 'observation = f"error: {type(error).__name__}: {error}"')),
        # any earlier identical call counts as a loop, not only the one just made
        _variant(_ROUTE, ("    history, calls, last = [question], [], None", "    history, calls, last = [question], [], []"),
                 ("        elif last == (match[1], args):", "        elif (match[1], args) in last:"),
                 ("            last = (match[1], args)", "            last.append((match[1], args))")),
    ],
}
