"""Course model latency under concurrency: 1, 50 and 200 requests at once.

Each level sends N chat completions at the same moment (asyncio.gather) to one CourseModel, three
rounds after a warm-up, from the same process (as a notebook does), with two clients: the openai
SDK's AsyncOpenAI and plain httpx. Prints answered/sent, median, p95 and max latency per request,
and requests per second. Target: 200/200 answered, p95 under 100 ms. Usage: python bench/llm.py
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402
import openai  # noqa: E402

from aieprep.llm import CourseModel  # noqa: E402

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


async def measure(model: CourseModel, kind: str) -> list[tuple[str, int, int, int, float, float, float, float]]:
    rows = []
    limits = httpx.Limits(max_connections=400, max_keepalive_connections=400)
    if kind == "AsyncOpenAI":
        client = openai.AsyncOpenAI(base_url=model.url, api_key="x", max_retries=0, timeout=30,
                                    http_client=httpx.AsyncClient(limits=limits, timeout=30))

        async def send() -> None:
            reply = await client.chat.completions.create(model="course-model", messages=MESSAGES)
            assert reply.choices[0].message.content

        close = client.close
    else:
        http = httpx.AsyncClient(limits=limits, timeout=30)
        body = {"model": "course-model", "messages": MESSAGES}

        async def send() -> None:
            response = await http.post(model.url + "/chat/completions", json=body)
            assert response.status_code == 200

        close = http.aclose
    for n in LEVELS:
        await one_round(send, n)  # warm-up: connections opened
        latencies: list[float] = []
        sent = answered = 0
        start = time.perf_counter()
        for _ in range(ROUNDS):
            got, total = await one_round(send, n)
            latencies += got
            sent += total
            answered += len(got)
        elapsed = time.perf_counter() - start
        latencies.sort()
        p95 = latencies[max(0, int(round(0.95 * len(latencies))) - 1)] if latencies else float("nan")
        rows.append((kind, n, answered // ROUNDS, sent // ROUNDS, statistics.median(latencies) * 1000, p95 * 1000,
                     latencies[-1] * 1000, answered / elapsed))
    await close()
    return rows


def main() -> None:
    print("Course model latency (one process: server thread + asyncio clients; 3 rounds after a warm-up)")
    print(f"{'client':<12} {'concurrent':>10} {'answered':>10} {'median ms':>10} {'p95 ms':>8} {'max ms':>8} {'req/s':>7}")
    for kind in ("AsyncOpenAI", "httpx"):
        with CourseModel() as model:
            for client, n, answered, sent, median, p95, worst, rate in asyncio.run(measure(model, kind)):
                print(f"{client:<12} {n:>10} {f'{answered}/{sent}':>10} {median:>10.1f} {p95:>8.1f} {worst:>8.1f} {rate:>7.0f}")


if __name__ == "__main__":
    main()
