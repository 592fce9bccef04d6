"""Course model latency under concurrency: 1, 50 and 200 requests at once.

Each level sends N chat completions at the same moment (asyncio.gather) to one CourseModel, three
rounds after a warm-up, with three clients: the openai SDK's AsyncOpenAI and plain httpx from the
same process (as a notebook does: client and server share the interpreter), AsyncOpenAI from a
separate process (the SDK's own cost, no shared GIL), and raw HTTP/1.1 over N kept-alive sockets
from a separate process on uvloop against ``aieprep model`` (the server's own capacity, as a tool
pointed at it meets it; the load generator takes as little of the two cores as it can; the target
applies to this row). Prints answered/sent, median, p95 and max latency per request, and requests per
second. Target: 200/200 answered, p95
under 100 ms. Usage: python bench/llm.py
"""

from __future__ import annotations

import asyncio
import gc
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402
import openai  # noqa: E402

from aieprep.runtime.llm import CourseModel  # noqa: E402

LEVELS = (1, 50, 200)
ROUNDS = 3
MESSAGES = [{"role": "system", "content": "[1] Berlin is the capital of Germany.\n[2] Paris is the capital of France."},
            {"role": "user", "content": "What is the capital of France?"}]


async def one_round(send, n: int) -> tuple[list[float], int]:
    async def timed() -> float | None:
        start = time.perf_counter()
        try:
            await send()
        except Exception:  # noqa: BLE001 - counted as unanswered
            return None
        return time.perf_counter() - start

    results = await asyncio.gather(*[timed() for _ in range(n)])
    return [r for r in results if r is not None], n


def summary(kind: str, n: int, latencies: list[float], sent: int, elapsed: float) -> tuple:
    latencies = sorted(latencies)
    p95 = latencies[max(0, int(round(0.95 * len(latencies))) - 1)] if latencies else float("nan")
    return (kind, n, len(latencies) // ROUNDS, sent // ROUNDS, statistics.median(latencies) * 1000, p95 * 1000,
            latencies[-1] * 1000, len(latencies) / elapsed)


async def raw_load(port: int, n: int) -> tuple:
    """N kept-alive connections, one request each per round (run in a separate process)."""
    body = json.dumps({"model": "course-model", "messages": MESSAGES}).encode()
    request = (b"POST /v1/chat/completions HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n"
               b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
    connections = await asyncio.gather(*[asyncio.open_connection("127.0.0.1", port) for _ in range(n)])

    async def one(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> float | None:
        start = time.perf_counter()
        try:
            writer.write(request)
            await writer.drain()
            head = await reader.readuntil(b"\r\n\r\n")
            length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length"))
            await reader.readexactly(length)
        except (OSError, asyncio.IncompleteReadError):
            return None
        return time.perf_counter() - start if head.startswith(b"HTTP/1.1 200") else None

    await asyncio.gather(*[one(r, w) for r, w in connections])  # warm-up
    latencies: list[float] = []
    start = time.perf_counter()
    for _ in range(ROUNDS):
        latencies += [t for t in await asyncio.gather(*[one(r, w) for r, w in connections]) if t is not None]
    elapsed = time.perf_counter() - start
    for _, writer in connections:
        writer.close()
    return summary("raw → model", n, latencies, n * ROUNDS, elapsed)


async def measure(url: str, kind: str) -> list[tuple[str, int, int, int, float, float, float, float]]:
    rows = []
    limits = httpx.Limits(max_connections=400, max_keepalive_connections=400)
    if kind != "httpx":
        client = openai.AsyncOpenAI(base_url=url, api_key="x", max_retries=0, timeout=30,
                                    http_client=httpx.AsyncClient(limits=limits, timeout=30))

        async def send() -> None:
            reply = await client.chat.completions.create(model="course-model", messages=MESSAGES)
            assert reply.choices[0].message.content

        close = client.close
    else:
        http = httpx.AsyncClient(limits=limits, timeout=30)
        body = {"model": "course-model", "messages": MESSAGES}

        async def send() -> None:
            response = await http.post(url + "/chat/completions", json=body)
            assert response.status_code == 200

        close = http.aclose
    for n in LEVELS:
        await one_round(send, n)  # warm-up: connections opened
        latencies: list[float] = []
        start = time.perf_counter()
        for _ in range(ROUNDS):
            got, _ = await one_round(send, n)
            latencies += got
        rows.append(summary(kind, n, latencies, n * ROUNDS, time.perf_counter() - start))
    await close()
    return rows


def main() -> None:
    if sys.argv[1:2] == ["--load"]:  # the separate load process (no GC pauses of its own in the numbers)
        gc.disable()
        import uvloop  # the load generator takes as little CPU from the server as it can

        print(json.dumps(uvloop.run(raw_load(int(sys.argv[2]), int(sys.argv[3])))))
        return
    if sys.argv[1:2] == ["--sdk"]:  # the SDK in a separate process: its own cost, without sharing the GIL
        print(json.dumps(asyncio.run(measure(sys.argv[2], "SDK, 2nd proc"))))
        return
    print("Course model latency: N requests at once, 3 rounds after a warm-up")
    print(f"{'client':<13} {'concurrent':>10} {'answered':>10} {'median ms':>10} {'p95 ms':>8} {'max ms':>8} {'req/s':>7}")
    for kind in ("AsyncOpenAI", "httpx"):
        with CourseModel() as model:
            for row in asyncio.run(measure(model.url, kind)):
                show(row)
    with CourseModel() as model:
        out = subprocess.run([sys.executable, __file__, "--sdk", model.url], capture_output=True, text=True,
                             check=True).stdout
        for row in json.loads(out):
            show(tuple(row))
    server = subprocess.Popen([sys.executable, "-m", "aieprep.cli", "model", "--port", "0"], stdout=subprocess.PIPE,
                              text=True)
    try:
        assert server.stdout is not None
        url = server.stdout.readline().split()[3]  # "course model at http://127.0.0.1:PORT/v1 (…"
        port = int(url.rsplit(":", 1)[1].split("/")[0])
        for n in LEVELS:
            out = subprocess.run([sys.executable, __file__, "--load", str(port), str(n)], capture_output=True,
                                 text=True, check=True).stdout
            show(tuple(json.loads(out)))
    finally:
        server.terminate()
        server.wait(10)


def show(row: tuple) -> None:
    client, n, answered, sent, median, p95, worst, rate = row
    print(f"{client:<13} {n:>10} {f'{answered}/{sent}':>10} {median:>10.1f} {p95:>8.1f} {worst:>8.1f} {rate:>7.0f}")


if __name__ == "__main__":
    main()
