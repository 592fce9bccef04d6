"""Vector search query latency: top-10 inner product over unit float32 vectors of dimension 384 (MiniLM).

Sizes N = 5,000 (about the course corpus in chunks), 50,000 (10x) and 500,000 (100x). The vectors are
synthetic but shaped like MiniLM's: a shared direction, 20 topics, 300 clusters of uneven weight, and
noise around each centre with a decaying spectrum; tuned so that the median top-1, top-10 and random-pair
cosines (0.77, 0.62, 0.17 at N = 3,000) match those of 3,000 embedded course chunks (0.78, 0.60, 0.16).
The 200 queries are held-out points drawn the same way. Seeded (numpy Generator, faiss k-means and HNSW
levels); the HNSW graph is built on all cores, so its recall can move slightly between runs.

Methods: NumPy brute force (matrix-vector product + argpartition), FAISS exact (IndexFlatIP),
IndexIVFFlat (inner product, nlist = 4*sqrt(N), k-means on a sample of 20*nlist points; nprobe 1-32) and
IndexHNSWFlat (M=32, inner product; efSearch 16-128). HNSW's efConstruction is 24, not faiss's default 40,
to keep the run near 3 minutes: at 500k the build took 80-100 s instead of ~125 s (2 shared cores) and the
best recall@10 drops from 0.978 to 0.961 (16 loses ~5 points more, at 50k).
Indexes are built on all cores; queries go one at a time (batch size 1, as in a RAG request) with FAISS
(faiss.omp_set_num_threads(1)) and BLAS on 1 thread. Prints build time, median latency per query,
queries/second (queries / total time: lower than 1000/median when some queries are slow, e.g. on long IVF
lists) and recall@10 against FAISS exact.

Target: at N = 500,000 an approximate index reaches recall@10 >= 0.95 at >= 5x the speed of FAISS exact
(fastest setting with recall >= 0.95, by median latency). Whole run: ~3 minutes on 2 busy cores.
Usage: python bench/vector_search.py [--sizes 5000,50000,500000] [--quick]
"""

from __future__ import annotations

import argparse
import math
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import NamedTuple, TypeVar

import faiss
import numpy as np
from threadpoolctl import threadpool_limits

DIM, K, SEED = 384, 10, 0
TOPICS, CENTRES = 20, 300
NPROBES = (1, 4, 8, 16, 32)
EF_SEARCHES = (16, 32, 64, 128)
HNSW_M, EF_CONSTRUCTION = 32, 24
TRAIN_PER_LIST = 20
TARGET_N, TARGET_RECALL, TARGET_SPEEDUP = 500_000, 0.95, 5.0

IndexT = TypeVar("IndexT", bound=faiss.Index)
Search = Callable[[np.ndarray], np.ndarray]  # one query, shape (1, DIM) -> the ids of its top K


class Row(NamedTuple):
    method: str
    n: int
    setting: str
    build_s: float
    median_ms: float
    qps: float
    recall: float


def unit(x: np.ndarray) -> np.ndarray:
    x = np.ascontiguousarray(x, dtype=np.float32)
    faiss.normalize_L2(x)
    return x


def embeddings(n: int, seed: int = SEED) -> np.ndarray:
    """n unit vectors: a shared direction, TOPICS topics, CENTRES clusters in them, and noise around each centre.

    The clusters are the same for every n with the same seed. The noise has a decaying spectrum over the
    dimensions (a few dozen effective ones), in a different order of axes per cluster.
    """
    rng = np.random.default_rng(seed)
    shared = unit(rng.standard_normal((1, DIM)))
    topics = unit(rng.standard_normal((TOPICS, DIM)))
    centres = unit(1.5 * topics[rng.integers(TOPICS, size=CENTRES)] + unit(rng.standard_normal((CENTRES, DIM))))
    centres = unit(centres + 0.6 * shared)
    spectrum = np.arange(1, DIM + 1, dtype=np.float32) ** -0.6
    spectrum *= 0.9 / np.linalg.norm(spectrum)
    spread = rng.uniform(0.6, 1.2, (CENTRES, 1)).astype(np.float32)
    scales = spread * rng.permuted(np.tile(spectrum, (CENTRES, 1)), axis=1)
    labels = rng.choice(CENTRES, size=n, p=rng.dirichlet(np.ones(CENTRES)))
    x = rng.standard_normal((n, DIM), dtype=np.float32)
    x *= scales[labels]
    x += centres[labels]
    return unit(x)


@contextmanager
def single_thread() -> Iterator[None]:
    """FAISS (OpenMP) and both BLAS libraries on one thread, as for one request in a server."""
    threads = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    try:
        with threadpool_limits(limits=1, user_api="blas"):
            yield
    finally:
        faiss.omp_set_num_threads(threads)


def numpy_search(base: np.ndarray) -> Search:
    def search(q: np.ndarray) -> np.ndarray:
        scores = base @ q[0]
        top = np.argpartition(-scores, K)[:K]
        return top[np.argsort(-scores[top])]

    return search


def faiss_search(index: faiss.Index) -> Search:
    return lambda q: index.search(q, K)[1][0]


def flat_index(base: np.ndarray) -> faiss.IndexFlatIP:
    index = faiss.IndexFlatIP(DIM)
    index.add(base)
    return index


def ivf_index(base: np.ndarray) -> faiss.IndexIVFFlat:
    """nlist = 4*sqrt(N) lists; spherical k-means (faiss's default for inner product) on a sample of the data."""
    nlist = round(4 * math.sqrt(len(base)))
    index = faiss.IndexIVFFlat(faiss.IndexFlatIP(DIM), DIM, nlist, faiss.METRIC_INNER_PRODUCT)
    index.cp.seed, index.cp.min_points_per_centroid = SEED, 1  # no warning below 39 points a list
    index.train(base[:TRAIN_PER_LIST * nlist])  # the rows are i.i.d., so the first ones are a random sample
    index.add(base)
    return index


def hnsw_index(base: np.ndarray) -> faiss.IndexHNSWFlat:
    index = faiss.IndexHNSWFlat(DIM, HNSW_M, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = EF_CONSTRUCTION
    index.add(base)
    return index


def timed(build: Callable[[np.ndarray], IndexT], base: np.ndarray) -> tuple[IndexT, float]:
    start = time.perf_counter()
    index = build(base)
    return index, time.perf_counter() - start


def run_queries(search: Search, queries: np.ndarray) -> tuple[np.ndarray, list[float]]:
    """The top-K ids of each query and its latency in seconds, one query at a time after a warm-up."""
    with single_thread():
        search(queries[:1])
        ids, seconds = [], []
        for i in range(len(queries)):
            start = time.perf_counter()
            ids.append(search(queries[i:i + 1]))
            seconds.append(time.perf_counter() - start)
    return np.array(ids), seconds


def recall(found: np.ndarray, exact: np.ndarray) -> float:
    return float(np.mean([len(set(f) & set(e)) / K for f, e in zip(found.tolist(), exact.tolist())]))


def bench_size(n: int, n_queries: int) -> list[Row]:
    """All methods and settings at one size; recall is measured against FAISS exact."""
    data = embeddings(n + n_queries)
    base, queries = data[:n], data[n:]
    runs: list[tuple[str, str, float, np.ndarray, list[float]]] = []

    def measure(method: str, setting: str, build_s: float, search: Search) -> None:
        runs.append((method, setting, build_s, *run_queries(search, queries)))

    measure("NumPy brute", "-", 0.0, numpy_search(base))
    flat, build_s = timed(flat_index, base)
    measure("FAISS Flat", "-", build_s, faiss_search(flat))
    del flat
    ivf, build_s = timed(ivf_index, base)
    for nprobe in NPROBES:
        ivf.nprobe = nprobe
        measure("FAISS IVF", f"nprobe={nprobe}/{ivf.nlist}", build_s, faiss_search(ivf))
    del ivf
    hnsw, build_s = timed(hnsw_index, base)
    for ef in EF_SEARCHES:
        hnsw.hnsw.efSearch = ef
        measure("FAISS HNSW", f"efSearch={ef}", build_s, faiss_search(hnsw))
    del hnsw

    exact = runs[1][3]
    return [Row(method, n, setting, build_s, statistics.median(seconds) * 1000, len(seconds) / sum(seconds),
                recall(ids, exact)) for method, setting, build_s, ids, seconds in runs]


def best_approximate(rows: list[Row]) -> tuple[Row | None, float]:
    """The fastest approximate row with recall >= TARGET_RECALL, and its speed-up over FAISS exact."""
    exact_ms = next(r.median_ms for r in rows if r.method == "FAISS Flat")
    good = [r for r in rows if r.method in ("FAISS IVF", "FAISS HNSW") and r.recall >= TARGET_RECALL]
    best = min(good, key=lambda r: r.median_ms, default=None)
    return best, exact_ms / best.median_ms if best else 0.0


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="5000,50000,500000", help="comma-separated N (default: %(default)s)")
    parser.add_argument("--quick", action="store_true", help="50 queries instead of 200")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    n_queries = 50 if args.quick else 200
    start = time.perf_counter()
    print(f"Top-{K} inner-product search, dim {DIM}, {n_queries} queries one at a time, FAISS and BLAS on 1 thread "
          f"(builds on {faiss.omp_get_max_threads()})")
    print(f"{'method':<12} {'N':>8} {'setting':<17} {'build s':>8} {'median ms':>10} {'queries/s':>10} "
          f"{'recall@10':>10}")
    results: dict[int, list[Row]] = {}
    for n in sizes:
        results[n] = bench_size(n, n_queries)
        for row in results[n]:
            show(row)
    print(f"\nIVF: nlist = 4*sqrt(N), k-means on <= {TRAIN_PER_LIST}*nlist points. HNSW: M={HNSW_M}, "
          f"efConstruction={EF_CONSTRUCTION}.")
    for n, rows in results.items():
        best, speedup = best_approximate(rows)
        print(f"N={n:,}: " + (f"fastest with recall@10 >= {TARGET_RECALL}: {best.method} {best.setting}, "
                              f"recall {best.recall:.3f}, {speedup:.1f}x FAISS exact" if best else
                              f"no approximate setting reaches recall@10 {TARGET_RECALL}"))
    target = f"recall@10 >= {TARGET_RECALL} at >= {TARGET_SPEEDUP:.0f}x FAISS exact, N={TARGET_N:,}"
    if TARGET_N in results:
        print(f"Target ({target}): {'PASS' if best_approximate(results[TARGET_N])[1] >= TARGET_SPEEDUP else 'MISS'}")
    else:
        print(f"Target ({target}): not checked, N={TARGET_N:,} not in --sizes")
    print(f"Total {time.perf_counter() - start:.0f} s")


def show(r: Row) -> None:
    print(f"{r.method:<12} {r.n:>8,} {r.setting:<17} {r.build_s:>8.2f} {r.median_ms:>10.3f} {r.qps:>10,.0f} "
          f"{r.recall:>10.3f}")


if __name__ == "__main__":
    main()
