"""Plausible wrong answers to the Week 3 exercises (see tests/test_verdicts.py).

Each entry maps an answer cell's grade id to full replacement sources for that cell: what a
candidate writes under time pressure. Every one of them must make at least one of the exercise's
test cells fail. They are written as small edits of the reference answer, so the bug is easy to see.
"""

from __future__ import annotations

from . import variant as _variant


_RETRY = r'''
def retry(fn, *, attempts=3, base_delay=1.0, retry_on=TRANSIENT, sleep=time.sleep, jitter=0.0, rng=None,
          on_retry=None):
    """Call fn() up to `attempts` times with exponential backoff; return its result or re-raise the last error."""
    if attempts < 1:
        raise ValueError("attempts must be at least 1")
    rng = rng or random.Random()
    for attempt in range(1, attempts + 1):
        try:
            return fn()
        except retry_on as error:
            if attempt == attempts:
                raise
            delay = base_delay * 2 ** (attempt - 1)
            if jitter:
                delay *= rng.uniform(1 - jitter, 1 + jitter)
            response = getattr(error, "response", None)
            header = response.headers.get("retry-after") if response is not None else None
            if header is not None:
                try:
                    delay = max(delay, float(header))
                except ValueError:
                    pass  # an HTTP date instead of seconds: keep the backoff
            if on_retry is not None:
                on_retry(attempt, error, delay)
            sleep(delay)
'''


_RETRY_VARIANTS = r'''
def retrying(**options):
    """A decorator: each call of the decorated function goes through retry(..., **options)."""
    def decorate(func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            return retry(lambda: func(*args, **kwargs), **options)
        return wrapper
    return decorate


async def retry_async(fn, *, attempts=3, base_delay=1.0, retry_on=TRANSIENT, sleep=asyncio.sleep):
    """Await fn() up to `attempts` times with exponential backoff (await sleep(delay)); re-raise the last error."""
    if attempts < 1:
        raise ValueError("attempts must be at least 1")
    for attempt in range(1, attempts + 1):
        try:
            return await fn()
        except retry_on as error:
            if attempt == attempts:
                raise
            delay = base_delay * 2 ** (attempt - 1)
            response = getattr(error, "response", None)
            header = response.headers.get("retry-after") if response is not None else None
            if header is not None:
                delay = max(delay, float(header))
            await sleep(delay)
'''


_CALL_WITH_RETRY = r'''
def call_with_retry(fn, max_attempts=3, base_delay=1.0, sleep=time.sleep):
    """Call fn() with exponential backoff on any exception; re-raise the last one."""
    for attempt in range(1, max_attempts + 1):
        try:
            return fn()
        except Exception:
            if attempt == max_attempts:
                raise
            sleep(base_delay * 2 ** (attempt - 1))
'''


_FETCH_VALIDATED = r'''
def fetch_validated(fetch, validate, *, attempts=3, base_delay=1.0, retry_on=TRANSIENT, sleep=time.sleep):
    """Fetch JSON text with retry on transport errors, parse and validate it; return an ok/failed/invalid result."""
    for attempt in range(1, attempts + 1):
        try:
            text = fetch()
        except retry_on as error:
            if attempt == attempts:
                return {"status": "failed", "error": type(error).__name__, "attempts": attempt}
            sleep(base_delay * 2 ** (attempt - 1))
            continue
        except Exception as error:
            return {"status": "failed", "error": type(error).__name__, "attempts": attempt}
        try:
            data = json.loads(text)
        except (TypeError, ValueError):
            return {"status": "invalid", "errors": ["invalid JSON"], "attempts": attempt}
        errors = validate(data)
        if errors:
            return {"status": "invalid", "errors": list(errors), "attempts": attempt}
        return {"status": "ok", "data": data, "attempts": attempt}
'''


_CIRCUIT_BREAKER = r'''
class CircuitOpenError(Exception):
    """Raised by CircuitBreaker.call while the circuit is open."""


class CircuitBreaker:
    """Closed -> open after N consecutive failures -> half-open after reset_timeout -> closed on a success."""

    def __init__(self, failure_threshold=3, reset_timeout=30.0, clock=time.monotonic):
        self.failure_threshold = failure_threshold
        self.reset_timeout = reset_timeout
        self.clock = clock
        self.failures = 0
        self.opened_at = None

    @property
    def state(self):
        """The state at the clock's current time: "closed", "open" or "half_open"."""
        if self.opened_at is None:
            return "closed"
        if self.clock() - self.opened_at >= self.reset_timeout:
            return "half_open"
        return "open"

    def call(self, fn, *args, **kwargs):
        """Call fn(*args, **kwargs) through the breaker; CircuitOpenError while open."""
        state = self.state
        if state == "open":
            raise CircuitOpenError("circuit open: failing fast")
        try:
            result = fn(*args, **kwargs)
        except Exception:
            self.failures += 1
            if state == "half_open" or self.failures >= self.failure_threshold:
                self.opened_at = self.clock()
            raise
        self.failures = 0
        self.opened_at = None
        return result
'''


_TOKEN_BUCKET = r'''
class TokenBucket:
    """A token bucket: bursts up to capacity, sustained rate tokens per second."""

    def __init__(self, capacity, rate, clock=time.monotonic):
        self.capacity = capacity
        self.rate = rate
        self.clock = clock
        self.tokens = float(capacity)
        self.updated = clock()

    def allow(self, cost=1):
        """Take cost tokens if available (True), else False."""
        now = self.clock()
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= cost:
            self.tokens -= cost
            return True
        return False
'''


_LRU_CACHE = r'''
class LRUCache:
    """A least-recently-used cache holding at most `capacity` keys."""

    def __init__(self, capacity):
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.capacity = capacity
        self._data = OrderedDict()

    def get(self, key, default=None):
        """The value for key (now most recently used), or default."""
        if key not in self._data:
            return default
        self._data.move_to_end(key)
        return self._data[key]

    def put(self, key, value):
        """Insert or update key; evict the least recently used key when over capacity."""
        self._data[key] = value
        self._data.move_to_end(key)
        if len(self._data) > self.capacity:
            self._data.popitem(last=False)

    def __len__(self):
        """The number of keys held."""
        return len(self._data)
'''


_LRU_CACHE_LIST = r'''
class LRUCache:
    """A least-recently-used cache holding at most `capacity` keys."""

    def __init__(self, capacity):
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.capacity = capacity
        self._data = {}
        self._order = []  # least recently used first

    def get(self, key, default=None):
        """The value for key (now most recently used), or default."""
        if key not in self._data:
            return default
        self._order.remove(key)
        self._order.append(key)
        return self._data[key]

    def put(self, key, value):
        """Insert or update key; evict the least recently used key when over capacity."""
        if key in self._data:
            self._order.remove(key)
        self._data[key] = value
        self._order.append(key)
        if len(self._data) > self.capacity:
            del self._data[self._order.pop(0)]

    def __len__(self):
        """The number of keys held."""
        return len(self._data)
'''


_LRU_CACHE_STAMPS = r'''
class LRUCache:
    """A least-recently-used cache holding at most `capacity` keys."""

    def __init__(self, capacity):
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.capacity = capacity
        self._data = {}
        self._used = {}  # key -> tick of its last use
        self._tick = 0

    def _touch(self, key):
        self._tick += 1
        self._used[key] = self._tick

    def get(self, key, default=None):
        """The value for key (now most recently used), or default."""
        if key not in self._data:
            return default
        self._touch(key)
        return self._data[key]

    def put(self, key, value):
        """Insert or update key; evict the least recently used key when over capacity."""
        self._data[key] = value
        self._touch(key)
        if len(self._data) > self.capacity:
            oldest = min(self._used, key=self._used.get)
            del self._data[oldest], self._used[oldest]

    def __len__(self):
        """The number of keys held."""
        return len(self._data)
'''


_FAN_OUT_AS_COMPLETED = r'''
async def fan_out(providers, prompt, *, timeout=2.0, max_concurrency=2):
    """Ask every provider concurrently (capped, each with a timeout); collect answers and errors."""
    semaphore = asyncio.Semaphore(max_concurrency)

    async def one(name, provider):
        async with semaphore:
            try:
                return name, "answer", await asyncio.wait_for(provider(prompt), timeout)
            except TimeoutError:
                return name, "error", "timeout"
            except Exception:
                return name, "error", "error"

    result = {"answers": {}, "errors": {}}
    for finished in asyncio.as_completed([one(name, provider) for name, provider in providers.items()]):
        name, kind, value = await finished
        result["answers" if kind == "answer" else "errors"][name] = value
    return result
'''


_TTL_CACHE = r'''
class TTLCache:
    """A cache whose entries expire ttl seconds after they were set."""

    def __init__(self, ttl, clock=time.monotonic):
        self.ttl = ttl
        self.clock = clock
        self._data = {}

    def set(self, key, value):
        """Store value under key, timed from now."""
        self._data[key] = (value, self.clock())

    def get(self, key, default=None):
        """The value for key if set less than ttl seconds ago, else default."""
        if key not in self._data:
            return default
        value, stored_at = self._data[key]
        if self.clock() - stored_at >= self.ttl:
            del self._data[key]
            return default
        return value

    def __len__(self):
        """The number of unexpired entries."""
        now = self.clock()
        return sum(1 for _, stored_at in self._data.values() if now - stored_at < self.ttl)
'''


_HASH_RING = r'''
class HashRing:
    """Consistent hashing with virtual nodes."""

    def __init__(self, nodes=(), vnodes=100):
        self.vnodes = vnodes
        self._points = []  # sorted (hash, node)
        for node in nodes:
            self.add(node)

    def add(self, node):
        """Place vnodes points for node on the ring."""
        for i in range(self.vnodes):
            bisect.insort(self._points, (stable_hash(f"{node}#{i}"), node))

    def remove(self, node):
        """Take node's points off the ring."""
        self._points = [point for point in self._points if point[1] != node]

    def node_for(self, key):
        """The node owning key: that of the first point at or after stable_hash(key), wrapping around."""
        if not self._points:
            raise LookupError("the ring has no nodes")
        index = bisect.bisect_left(self._points, (stable_hash(key), ""))
        return self._points[index % len(self._points)][1]
'''


_RUN_ETL = r'''
def run_etl(source, sink, checkpoint, transform, *, batch_size=3):
    """Copy transformed records to sink from the checkpoint on, idempotently; return rows written this run."""
    written = 0
    offset = checkpoint.get("offset", 0)
    while offset < len(source):
        end = min(offset + batch_size, len(source))
        rows = [transform(record) for record in source[offset:end]]
        fresh = [row for row in rows if not sink.has(row["id"])]
        sink.write(fresh)
        written += len(fresh)
        checkpoint["offset"] = offset = end
    return written
'''


_PROCESS_BATCH = r'''
def process_batch(records, validate, transform, keep):
    """validate -> transform (errors caught) -> filter; return results, stage-tagged errors and stats."""
    results, errors = [], []
    stats = {"input": len(records), "invalid": 0, "failed": 0, "filtered": 0, "output": 0}
    for index, record in enumerate(records):
        problems = validate(record)
        if problems:
            errors.append({"index": index, "stage": "validate", "error": "; ".join(problems)})
            stats["invalid"] += 1
            continue
        try:
            output = transform(record)
        except Exception as error:
            errors.append({"index": index, "stage": "transform", "error": f"{type(error).__name__}: {error}"})
            stats["failed"] += 1
            continue
        if not keep(output):
            stats["filtered"] += 1
            continue
        results.append(output)
    stats["output"] = len(results)
    return {"results": results, "errors": errors, "stats": stats}
'''


_GENERATE = r'''
class GenerateRequest(BaseModel):
    """The request body of POST /generate."""
    prompt: str = Field(min_length=1, max_length=4000)
    temperature: float = Field(default=0.7, ge=0, le=2)
    max_tokens: int = Field(default=256, ge=1, le=4000)


class GenerateResponse(BaseModel):
    """The response body of POST /generate."""
    answer: str
    confidence: float = Field(ge=0, le=1)
    sources: list[str]


def make_generate_app(client):
    """A FastAPI app whose POST /generate answers through `client`, mapping LLM errors to 429/502/504."""
    app = FastAPI()

    @app.post("/generate", response_model=GenerateResponse)
    def generate(request: GenerateRequest):
        try:
            completion = client.chat.completions.create(
                model=MODEL, messages=[{"role": "system", "content": "Reply in JSON."},
                                      {"role": "user", "content": request.prompt}],
                temperature=request.temperature, max_tokens=request.max_tokens,
                response_format={"type": "json_object"},
            )
        except openai.APITimeoutError:
            raise HTTPException(status_code=504, detail="the model timed out")
        except openai.RateLimitError as error:
            retry_after = error.response.headers.get("retry-after", "1")
            raise HTTPException(status_code=429, detail="rate limited by the model provider",
                                headers={"Retry-After": retry_after})
        except openai.APIError:
            raise HTTPException(status_code=502, detail="the model provider failed")
        try:
            return GenerateResponse.model_validate_json(completion.choices[0].message.content or "")
        except ValidationError:
            raise HTTPException(status_code=502, detail="the model returned invalid output")

    return app
'''


_SERVICE = r'''
class EchoIn(BaseModel):
    message: str


def make_service_app(*, api_key, clock, limit=5, window=60.0, is_ready=lambda: True):
    """An app with /health, /ready, an API-key-protected POST /echo and a per-IP sliding-window rate limit."""
    app = FastAPI()
    allowed = defaultdict(deque)  # ip -> times of allowed requests in the window

    @app.middleware("http")
    async def rate_limit(request: Request, call_next):
        if request.url.path != "/health":
            now, times = clock(), allowed[request.client.host]
            while times and now - times[0] >= window:
                times.popleft()
            if len(times) >= limit:
                wait = math.ceil(window - (now - times[0]))
                return JSONResponse({"detail": "rate limit exceeded"}, status_code=429,
                                    headers={"Retry-After": str(wait)})
            times.append(now)
        return await call_next(request)

    def require_api_key(x_api_key: str | None = Header(default=None)):
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

    @app.post("/echo", dependencies=[Depends(require_api_key)])
    def echo(body: EchoIn):
        return {"message": body.message}

    return app
'''


_FAN_OUT = r'''
async def fan_out(providers, prompt, *, timeout=2.0, max_concurrency=2):
    """Ask every provider concurrently (capped, each with a timeout); collect answers and errors."""
    semaphore = asyncio.Semaphore(max_concurrency)

    async def one(provider):
        async with semaphore:
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
    return result
'''


_NOTES_API = r'''
class NoteIn(BaseModel):
    """A note as sent by a client."""
    title: str = Field(min_length=1, max_length=100)
    body: str = ""


def make_notes_app():
    """An in-memory notes CRUD API; notes are {"id", "title", "body"}."""
    app, notes, ids = FastAPI(), {}, itertools.count(1)  # ids never reused

    def find(note_id):
        if note_id not in notes:
            raise HTTPException(status_code=404, detail="note not found")
        return notes[note_id]

    @app.post("/notes", status_code=201)
    def create(note: NoteIn):
        note_id = next(ids)
        notes[note_id] = {"id": note_id, **note.model_dump()}
        return notes[note_id]

    @app.get("/notes")
    def list_notes(limit: int = Query(10, ge=1, le=100), offset: int = Query(0, ge=0)):
        return list(notes.values())[offset:offset + limit]

    @app.get("/notes/{note_id}")
    def read(note_id: int = Path(ge=1)):
        return find(note_id)

    @app.put("/notes/{note_id}")
    def replace(note: NoteIn, note_id: int = Path(ge=1)):
        find(note_id)
        notes[note_id] = {"id": note_id, **note.model_dump()}
        return notes[note_id]

    @app.delete("/notes/{note_id}", status_code=204)
    def delete(note_id: int = Path(ge=1)):
        del notes[find(note_id)["id"]]

    return app
'''


_TRACED_APP = r'''
def make_traced_app(*, clock, new_id, origins):
    """GET /ping with request-id and timing middleware and CORS."""
    app = FastAPI()

    @app.middleware("http")
    async def request_id_and_timing(request: Request, call_next):
        incoming = request.headers.get("x-request-id", "")
        request_id = incoming if re.fullmatch(r"[A-Za-z0-9_-]{1,64}", incoming) else new_id()
        request.state.request_id = request_id
        start = clock()
        response = await call_next(request)
        response.headers["X-Request-ID"] = request_id
        response.headers["X-Process-Time-Ms"] = f"{(clock() - start) * 1000:.1f}"
        return response

    app.add_middleware(CORSMiddleware, allow_origins=list(origins), allow_methods=["GET", "POST"],
                       allow_headers=["X-Request-ID"], expose_headers=["X-Request-ID", "X-Process-Time-Ms"])

    @app.get("/ping")
    def ping(request: Request):
        return {"request_id": request.state.request_id}

    return app
'''


_JOBS_APP = r'''
class JobIn(BaseModel):
    text: str


def make_jobs_app(work):
    """Background jobs and an SSE stream."""
    app, jobs, ids = FastAPI(), {}, itertools.count(1)

    def run(job_id, text):
        try:
            jobs[job_id].update(status="done", result=work(text))
        except Exception:
            jobs[job_id]["status"] = "failed"

    @app.post("/jobs", status_code=202)
    def submit(job: JobIn, tasks: BackgroundTasks):
        job_id = next(ids)
        jobs[job_id] = {"id": job_id, "status": "queued", "result": None}
        tasks.add_task(run, job_id, job.text)
        return {"id": job_id, "status": "queued"}

    @app.get("/jobs/{job_id}")
    def status(job_id: int):
        if job_id not in jobs:
            raise HTTPException(status_code=404, detail="job not found")
        return jobs[job_id]

    @app.get("/stream")
    def stream(prompt: str):
        def frames():
            for word in prompt.split():
                yield f"data: {json.dumps({'token': word})}\n\n"
            yield "data: [DONE]\n\n"
        return StreamingResponse(frames(), media_type="text/event-stream")

    return app
'''


_LOG_REPORT = r'''
def percentile(values, p):
    """The nearest-rank percentile."""
    if not values or not 0 < p <= 100:
        raise ValueError("percentile needs values and 0 < p <= 100")
    return sorted(values)[math.ceil(p * len(values) / 100) - 1]


def log_report(lines):
    """Counts, error rate and latency percentiles from JSON log lines."""
    records, malformed = [], 0
    for line in lines:
        try:
            r = json.loads(line)
            ok = isinstance(r["provider"], str) and type(r["latency_ms"]) in (int, float) and type(r["status"]) is int
        except (ValueError, TypeError, KeyError):  # not JSON or not an object or missing a field
            ok = False
        records += [r] if ok else []
        malformed += not ok
    everything, by_provider = [r["latency_ms"] for r in records], defaultdict(list)
    for r in records:
        by_provider[r["provider"]].append(r["latency_ms"])
    return {"requests": len(records), "malformed": malformed,
            "error_rate": sum(r["status"] >= 500 for r in records) / len(records) if records else 0.0,
            **{f"p{p}": percentile(everything, p) if records else None for p in (50, 95, 99)},
            "providers": {name: {"requests": len(v), "p50": percentile(v, 50), "p95": percentile(v, 95)}
                          for name, v in by_provider.items()}}
'''


WRONG_ANSWERS: dict[str, list[str]] = {
    "retry": [
        # sleeps after the last attempt, then raises
        _variant(_RETRY, ('            if attempt == attempts:\n                raise\n', '            last = error\n'), ('            sleep(delay)\n', '            sleep(delay)\n    raise last\n')),
        # retries every exception, a 400 included
        _variant(_RETRY, ('except retry_on as error:', 'except Exception as error:')),
        # ignores Retry-After
        _variant(_RETRY, ('delay = max(delay, float(header))', 'pass')),
        # no jitter
        _variant(_RETRY, ('delay *= rng.uniform(1 - jitter, 1 + jitter)', 'delay *= 1')),
        # Retry-After replaces the backoff instead of being a minimum
        _variant(_RETRY, ('delay = max(delay, float(header))', 'delay = float(header)')),
        # Retry-After honoured on a 429 only (a 503 may carry it too)
        _variant(_RETRY, ('            if header is not None:\n', '            if header is not None and isinstance(error, openai.RateLimitError):\n')),
        # jitter applied after Retry-After: the wait can drop below the header
        _variant(_RETRY, ('            if jitter:\n                delay *= rng.uniform(1 - jitter, 1 + jitter)\n', ''),
                 ('            if on_retry is not None:\n', '            if jitter:\n                delay *= rng.uniform(1 - jitter, 1 + jitter)\n            if on_retry is not None:\n')),
        # default retry_on forgets dropped connections (APITimeoutError is only one kind of APIConnectionError)
        _variant(_RETRY, ('retry_on=TRANSIENT', 'retry_on=(openai.RateLimitError, openai.InternalServerError, openai.APITimeoutError)')),
        # no default rng: jitter without an rng crashes
        _variant(_RETRY, ('    rng = rng or random.Random()\n', '')),
        # on_retry gets the backoff, not the delay actually slept
        _variant(_RETRY, ('on_retry(attempt, error, delay)', 'on_retry(attempt, error, base_delay * 2 ** (attempt - 1))')),
        # only attempts == 0 is rejected: a negative count returns None
        _variant(_RETRY, ('if attempts < 1:', 'if attempts == 0:')),
    ],
    "retry_variants": [
        # decorator without functools.wraps
        _variant(_RETRY_VARIANTS, ('        @functools.wraps(func)\n', '')),
        # async version ignores Retry-After
        _variant(_RETRY_VARIANTS, ('                delay = max(delay, float(header))', '                pass')),
        # async version: Retry-After replaces the backoff
        _variant(_RETRY_VARIANTS, ('                delay = max(delay, float(header))', '                delay = float(header)')),
        # async version: default retry_on without timeouts and dropped connections
        _variant(_RETRY_VARIANTS, ('retry_on=TRANSIENT', 'retry_on=(openai.RateLimitError, openai.InternalServerError)')),
        # async version sleeps after the last attempt
        _variant(_RETRY_VARIANTS, ('            if attempt == attempts:\n                raise\n', '            last = error\n'), ('            await sleep(delay)\n', '            await sleep(delay)\n    raise last\n')),
    ],
    "call_with_retry": [
        # sleeps after the last attempt
        _variant(_CALL_WITH_RETRY, ('            if attempt == max_attempts:\n                raise\n            sleep(base_delay * 2 ** (attempt - 1))', '            sleep(base_delay * 2 ** (attempt - 1))\n            if attempt == max_attempts:\n                raise')),
        # linear backoff
        _variant(_CALL_WITH_RETRY, ('base_delay * 2 ** (attempt - 1)', 'base_delay * attempt')),
        # re-raises the first error
        _variant(_CALL_WITH_RETRY, ('    for attempt in range(1, max_attempts + 1):\n', '    first = None\n    for attempt in range(1, max_attempts + 1):\n'), ('        except Exception:\n            if attempt == max_attempts:\n                raise\n', '        except Exception as error:\n            first = first or error\n            if attempt == max_attempts:\n                raise first\n')),
    ],
    "fetch_validated": [
        # retries invalid JSON as if it were a transport error
        _variant(_FETCH_VALIDATED, ('            return {"status": "invalid", "errors": ["invalid JSON"], "attempts": attempt}\n', '            if attempt == attempts:\n                return {"status": "invalid", "errors": ["invalid JSON"], "attempts": attempt}\n            sleep(base_delay * 2 ** (attempt - 1))\n            continue\n')),
        # retries every exception from fetch
        _variant(_FETCH_VALIDATED, ('        except retry_on as error:', '        except Exception as error:')),
        # sleeps after the last attempt
        _variant(_FETCH_VALIDATED, ('            if attempt == attempts:\n                return {"status": "failed", "error": type(error).__name__, "attempts": attempt}\n            sleep(base_delay * 2 ** (attempt - 1))\n', '            sleep(base_delay * 2 ** (attempt - 1))\n            if attempt == attempts:\n                return {"status": "failed", "error": type(error).__name__, "attempts": attempt}\n')),
        # counts attempts from 0
        _variant(_FETCH_VALIDATED, ('"attempts": attempt}', '"attempts": attempt - 1}')),
        # default retry_on: HTTP errors only, so a timeout or a dropped connection fails at once
        _variant(_FETCH_VALIDATED, ('retry_on=TRANSIENT', 'retry_on=(openai.RateLimitError, openai.InternalServerError)')),
    ],
    "circuit_breaker": [
        # never half-opens
        _variant(_CIRCUIT_BREAKER, ('        if self.clock() - self.opened_at >= self.reset_timeout:\n            return "half_open"\n', '')),
        # counts all failures, not consecutive ones
        _variant(_CIRCUIT_BREAKER, ('        self.failures = 0\n        self.opened_at = None\n        return result', '        self.opened_at = None\n        return result')),
        # a failed trial call does not reopen the circuit
        _variant(_CIRCUIT_BREAKER, ('            if state == "half_open" or self.failures >= self.failure_threshold:\n                self.opened_at = self.clock()\n', '            if self.failures >= self.failure_threshold:\n                self.opened_at = self.clock()\n                self.failures = 0\n')),
        # calls fn while open
        _variant(_CIRCUIT_BREAKER, ('            raise CircuitOpenError("circuit open: failing fast")', '            pass')),
        # times the open state from the first failure of the streak, not from the one that opened it
        _variant(_CIRCUIT_BREAKER, ('            self.failures += 1\n', '            self.failures += 1\n            if self.failures == 1:\n                self.streak_start = self.clock()\n'),
                 ('                self.opened_at = self.clock()\n', '                self.opened_at = self.clock() if state == "half_open" else self.streak_start\n')),
    ],
    "token_bucket": [
        # no cap at capacity
        _variant(_TOKEN_BUCKET, ('min(self.capacity, self.tokens + (now - self.updated) * self.rate)', 'self.tokens + (now - self.updated) * self.rate')),
        # whole tokens only: fractions lost
        _variant(_TOKEN_BUCKET, ('(now - self.updated) * self.rate)', 'int((now - self.updated) * self.rate))')),
        # starts empty
        _variant(_TOKEN_BUCKET, ('self.tokens = float(capacity)', 'self.tokens = 0.0')),
        # a refused call loses the refill
        _variant(_TOKEN_BUCKET, ('        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)\n        self.updated = now\n        if self.tokens >= cost:\n            self.tokens -= cost\n            return True\n        return False', '        available = min(self.capacity, self.tokens + (now - self.updated) * self.rate)\n        self.updated = now\n        if available >= cost:\n            self.tokens = available - cost\n            return True\n        return False')),
    ],
    "lru_cache": [
        # get does not refresh recency
        _variant(_LRU_CACHE, ('        self._data.move_to_end(key)\n        return self._data[key]', '        return self._data[key]')),
        # updating a key does not refresh recency
        _variant(_LRU_CACHE, ('        self._data[key] = value\n        self._data.move_to_end(key)\n', '        self._data[key] = value\n')),
        # evicts the most recently used key
        _variant(_LRU_CACHE, ('popitem(last=False)', 'popitem(last=True)')),
        # evicts one too early
        _variant(_LRU_CACHE, ('if len(self._data) > self.capacity:', 'if len(self._data) >= self.capacity:')),
        # recency kept in a list: remove() scans it, O(n) per operation
        _LRU_CACHE_LIST,
        # a use counter per key, evicting the min: O(n) per eviction
        _LRU_CACHE_STAMPS,
    ],
    "ttl_cache": [
        # off by one: still valid at exactly ttl
        _variant(_TTL_CACHE, ('if self.clock() - stored_at >= self.ttl:', 'if self.clock() - stored_at > self.ttl:')),
        # reads extend the entry's life
        _variant(_TTL_CACHE, ('            return default\n        return value', '            return default\n        self._data[key] = (value, self.clock())\n        return value')),
        # len counts expired entries
        _variant(_TTL_CACHE, ('return sum(1 for _, stored_at in self._data.values() if now - stored_at < self.ttl)', 'return len(self._data)')),
    ],
    "hash_ring": [
        # no virtual nodes
        _variant(_HASH_RING, ('        for i in range(self.vnodes):\n            bisect.insort(self._points, (stable_hash(f"{node}#{i}"), node))', '        bisect.insort(self._points, (stable_hash(f"{node}#0"), node))')),
        # points appended unsorted
        _variant(_HASH_RING, ('bisect.insort(self._points, (stable_hash(f"{node}#{i}"), node))', 'self._points.append((stable_hash(f"{node}#{i}"), node))')),
        # remove takes off only one point
        _variant(_HASH_RING, ('        self._points = [point for point in self._points if point[1] != node]', '        self._points.remove(next(point for point in self._points if point[1] == node))')),
        # no wrap-around: a key past the last point goes to the last point
        _variant(_HASH_RING, ('return self._points[index % len(self._points)][1]', 'return self._points[min(index, len(self._points) - 1)][1]')),
        # the first point strictly after the key's hash (bisect_right): a key exactly on a point skips it
        _variant(_HASH_RING, ('(stable_hash(key), "")', '(stable_hash(key) + 1, "")')),
        # virtual nodes placed at another hash
        _variant(_HASH_RING, ('stable_hash(f"{node}#{i}")', 'stable_hash(f"{node}-{i}")')),
        # virtual nodes numbered from 1
        _variant(_HASH_RING, ('for i in range(self.vnodes):', 'for i in range(1, self.vnodes + 1):')),
        # a linear scan of the ring instead of bisect
        _variant(_HASH_RING, ('        index = bisect.bisect_left(self._points, (stable_hash(key), ""))\n        return self._points[index % len(self._points)][1]',
                              '        h = stable_hash(key)\n        for point, node in self._points:\n            if point >= h:\n                return node\n        return self._points[0][1]')),
    ],
    "run_etl": [
        # commits the checkpoint before writing
        _variant(_RUN_ETL, ('        sink.write(fresh)\n        written += len(fresh)\n        checkpoint["offset"] = offset = end\n', '        checkpoint["offset"] = end\n        sink.write(fresh)\n        written += len(fresh)\n        offset = end\n')),
        # no idempotency check: a replayed batch is duplicated
        _variant(_RUN_ETL, ('        fresh = [row for row in rows if not sink.has(row["id"])]\n', '        fresh = rows\n')),
        # ignores the checkpoint and starts from 0
        _variant(_RUN_ETL, ('    offset = checkpoint.get("offset", 0)\n', '    offset = 0\n')),
        # saves the checkpoint only at the end
        _variant(_RUN_ETL, ('        checkpoint["offset"] = offset = end\n    return written', '        offset = end\n    checkpoint["offset"] = offset\n    return written')),
    ],
    "process_batch": [
        # transform errors not caught
        _variant(_PROCESS_BATCH, ('        try:\n            output = transform(record)\n        except Exception as error:\n            errors.append({"index": index, "stage": "transform", "error": f"{type(error).__name__}: {error}"})\n            stats["failed"] += 1\n            continue\n', '        output = transform(record)\n')),
        # every error tagged validate
        _variant(_PROCESS_BATCH, ('"stage": "transform"', '"stage": "validate"')),
        # filters the raw record instead of the output
        _variant(_PROCESS_BATCH, ('if not keep(output):', 'if not keep(record):')),
        # filtered records not counted
        _variant(_PROCESS_BATCH, ('            stats["filtered"] += 1\n', '')),
        # catches only the exceptions the examples raise
        _variant(_PROCESS_BATCH, ('except Exception as error:', 'except (KeyError, ValueError) as error:')),
        # drops the ": " when the exception has no message
        _variant(_PROCESS_BATCH, ('f"{type(error).__name__}: {error}"', 'f"{type(error).__name__}: {error}" if str(error) else type(error).__name__')),
    ],
    "generate": [
        # 500 instead of 504 for a timeout
        _variant(_GENERATE, ('raise HTTPException(status_code=504', 'raise HTTPException(status_code=500')),
        # drops the provider's Retry-After
        _variant(_GENERATE, (',\n                                headers={"Retry-After": retry_after})', ')')),
        # catches APIError before APITimeoutError: timeouts become 502
        _variant(_GENERATE, ('        except openai.APITimeoutError:\n            raise HTTPException(status_code=504, detail="the model timed out")\n', ''), ('            raise HTTPException(status_code=502, detail="the model provider failed")\n', '            raise HTTPException(status_code=502, detail="the model provider failed")\n        except openai.APITimeoutError:\n            raise HTTPException(status_code=504, detail="the model timed out")\n')),
        # catches APIConnectionError for timeouts: a dropped connection becomes a 504
        _variant(_GENERATE, ('except openai.APITimeoutError:', 'except openai.APIConnectionError:')),
        # only server errors become 502: a 400 or a dropped connection escapes as a 500
        _variant(_GENERATE, ('        except openai.APIError:\n', '        except openai.InternalServerError:\n')),
        # sources any list
        _variant(_GENERATE, ('    sources: list[str]\n', '    sources: list\n')),
        # no lower bound on confidence
        _variant(_GENERATE, ('confidence: float = Field(ge=0, le=1)', 'confidence: float = Field(le=1)')),
        # max_tokens a float
        _variant(_GENERATE, ('max_tokens: int = Field(', 'max_tokens: float = Field(')),
        # returns the model's JSON unvalidated
        _variant(_GENERATE, ('            return GenerateResponse.model_validate_json(completion.choices[0].message.content or "")\n        except ValidationError:', '            return json.loads(completion.choices[0].message.content or "")\n        except ValueError:')),
    ],
    "service": [
        # the rate limit counts /health
        _variant(_SERVICE, ('        if request.url.path != "/health":\n', '        if True:\n')),
        # a fixed window instead of a sliding one
        _variant(_SERVICE, ('            while times and now - times[0] >= window:\n                times.popleft()\n', '            while times and times[0] // window != now // window:\n                times.popleft()\n')),
        # /ready is always 200
        _variant(_SERVICE, ('        if not is_ready():\n', '        if False:\n')),
        # rejected requests are recorded too
        _variant(_SERVICE, ('            if len(times) >= limit:\n', '            times.append(now)\n            if len(times) > limit:\n'), ('                                    headers={"Retry-After": str(wait)})\n            times.append(now)\n', '                                    headers={"Retry-After": str(wait)})\n')),
    ],
    "fan_out": [
        # no semaphore
        _variant(_FAN_OUT, ('        async with semaphore:\n', '        if True:\n')),
        # awaits the providers one after another
        _variant(_FAN_OUT, ('    outcomes = await asyncio.gather(*(one(provider) for provider in providers.values()))', '    outcomes = [await one(provider) for provider in providers.values()]')),
        # only timeouts are caught
        _variant(_FAN_OUT, ('            except Exception:\n                return "error", "error"\n', '')),
        # dicts in the order the calls finished
        _FAN_OUT_AS_COMPLETED,
        # the timeout also covers the wait for the semaphore
        _variant(_FAN_OUT, ('    async def one(provider):\n        async with semaphore:\n            try:\n                return "answer", await asyncio.wait_for(provider(prompt), timeout)\n', '    async def guarded(provider):\n        async with semaphore:\n            return await provider(prompt)\n\n    async def one(provider):\n        if True:\n            try:\n                return "answer", await asyncio.wait_for(guarded(provider), timeout)\n')),
    ],
    "notes_api": [
        # ids from the store's size: after a delete an id is given out again (and overwrites a note)
        _variant(_NOTES_API, ('note_id = next(ids)', 'note_id = len(notes) + 1')),
        # limit without its upper bound
        _variant(_NOTES_API, ('Query(10, ge=1, le=100)', 'Query(10, ge=1)')),
        # note_id a plain int: 0 or -3 is a 404 instead of a 422
        _variant(_NOTES_API, ('note_id: int = Path(ge=1)', 'note_id: int')),
        # PUT creates a missing note (an upsert)
        _variant(_NOTES_API, ('        find(note_id)\n        notes[note_id] = {', '        notes[note_id] = {')),
        # DELETE answers 200 with a body
        _variant(_NOTES_API, ('@app.delete("/notes/{note_id}", status_code=204)', '@app.delete("/notes/{note_id}")'), ('        del notes[find(note_id)["id"]]\n', '        del notes[find(note_id)["id"]]\n        return {"deleted": note_id}\n')),
        # one store for every app (a module global)
        _variant(_NOTES_API, ('    app, notes, ids = FastAPI(), {}, itertools.count(1)  # ids never reused\n', '    app = FastAPI()\n'), ('def make_notes_app():\n', 'notes = {}\nids = itertools.count(1)\n\n\ndef make_notes_app():\n')),
        # title without its upper bound
        _variant(_NOTES_API, ('title: str = Field(min_length=1, max_length=100)', 'title: str = Field(min_length=1)')),
        # offset without its lower bound: -1 pages from the end
        _variant(_NOTES_API, ('offset: int = Query(0, ge=0)', 'offset: int = 0')),
    ],
    "traced_app": [
        # re.match: only the start of the id is checked (65 characters, or "abc def", pass)
        _variant(_TRACED_APP, ('re.fullmatch(r"[A-Za-z0-9_-]{1,64}", incoming)', 're.match(r"[A-Za-z0-9_-]{1,64}", incoming)')),
        # new_id() called on every request, even when the incoming id is echoed
        _variant(_TRACED_APP, (' else new_id()\n', ' else fresh\n'), ('        incoming = request.headers', '        fresh = new_id()\n        incoming = request.headers')),
        # times with the wall clock, not the injected one
        _variant(_TRACED_APP, ('start = clock()', 'start = time.perf_counter()'), ('(clock() - start)', '(time.perf_counter() - start)')),
        # seconds, not milliseconds
        _variant(_TRACED_APP, ('(clock() - start) * 1000:.1f', '(clock() - start):.1f')),
        # every origin allowed
        _variant(_TRACED_APP, ('allow_origins=list(origins)', 'allow_origins=["*"]')),
        # every method allowed
        _variant(_TRACED_APP, ('allow_methods=["GET", "POST"]', 'allow_methods=["*"]')),
        # the headers are not exposed to the page
        _variant(_TRACED_APP, (', expose_headers=["X-Request-ID", "X-Process-Time-Ms"])', ')')),
        # X-Request-ID not an allowed request header: the preflight of a page that sends it fails
        _variant(_TRACED_APP, ('allow_headers=["X-Request-ID"], ', '')),
    ],
    "jobs_app": [
        # does the work before answering instead of in a background task
        _variant(_JOBS_APP, ('tasks.add_task(run, job_id, job.text)', 'run(job_id, job.text)')),
        # an exception in work leaves the job queued forever
        _variant(_JOBS_APP, ('        try:\n            jobs[job_id].update(status="done", result=work(text))\n        except Exception:\n            jobs[job_id]["status"] = "failed"\n', '        jobs[job_id].update(status="done", result=work(text))\n')),
        # 200 instead of 202 Accepted
        _variant(_JOBS_APP, ('@app.post("/jobs", status_code=202)', '@app.post("/jobs")')),
        # no end marker
        _variant(_JOBS_APP, ('            yield "data: [DONE]\\n\\n"\n', '')),
        # frames end in one newline, not a blank line
        _variant(_JOBS_APP, ('\\n\\n"', '\\n"')),
        # the payload built by hand, not JSON-escaped
        _variant(_JOBS_APP, ('''f"data: {json.dumps({'token': word})}\\n\\n"''', '''f'data: {{"token": "{word}"}}\\n\\n\'''')),
        # split(" "): runs of spaces give empty tokens
        _variant(_JOBS_APP, ('prompt.split()', 'prompt.split(" ")')),
        # an unknown job is 200 null, not a 404
        _variant(_JOBS_APP, ('        if job_id not in jobs:\n            raise HTTPException(status_code=404, detail="job not found")\n        return jobs[job_id]', '        return jobs.get(job_id)')),
    ],
    "log_report": [
        # linear interpolation between the two nearest ranks (numpy's default), not nearest rank
        _variant(_LOG_REPORT, ('    return sorted(values)[math.ceil(p * len(values) / 100) - 1]\n', '    ordered = sorted(values)\n    position = (len(ordered) - 1) * p / 100\n    low = math.floor(position)\n    high = min(low + 1, len(ordered) - 1)\n    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)\n')),
        # the rank rounded down: one too far
        _variant(_LOG_REPORT, ('sorted(values)[math.ceil(p * len(values) / 100) - 1]', 'sorted(values)[min(int(p * len(values) / 100), len(values) - 1)]')),
        # the rank rounded to nearest, not up
        _variant(_LOG_REPORT, ('math.ceil(p * len(values) / 100)', 'max(1, round(p * len(values) / 100))')),
        # forgets to sort
        _variant(_LOG_REPORT, ('sorted(values)[', 'list(values)[')),
        # p outside (0, 100] not rejected
        _variant(_LOG_REPORT, ('if not values or not 0 < p <= 100:', 'if not values:')),
        # a boolean latency counted as a number
        _variant(_LOG_REPORT, ('type(r["latency_ms"]) in (int, float)', 'isinstance(r["latency_ms"], (int, float))')),
        # JSON that is not an object crashes the report
        _variant(_LOG_REPORT, ('except (ValueError, TypeError, KeyError):', 'except (ValueError, KeyError):')),
        # 4xx counted as errors
        _variant(_LOG_REPORT, ('r["status"] >= 500', 'r["status"] >= 400')),
        # a float or boolean status accepted as an int
        _variant(_LOG_REPORT, ('type(r["status"]) is int', 'isinstance(r["status"], (int, float))')),
    ],
}
