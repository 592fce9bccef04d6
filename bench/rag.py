"""Retrieval quality of the course's retriever (aieprep.runtime.rag) and vector-search latency.

For each question of a JSONL file (lines ``{"id", "question", "pages"}``; other keys ignored; default:
the course's ground truth, aieprep/data/pydocs/questions.jsonl) BM25, dense and hybrid search rank the
chunks; their pages, best first and each once, are scored at page level: recall@1/5/10 (the share of the
question's relevant pages in the top k) and MRR (1 / rank of the first relevant page, 0 past rank 10).
Target: hybrid recall@5 >= 0.95 and MRR >= 0.85, above both single methods.

Then, unless ``--json`` or ``--no-latency``, bench/vector_search.py's latency table at the corpus size,
10x and 100x. Usage: python bench/rag.py [--questions FILE.jsonl] [--json] [--no-latency]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aieprep.runtime.embeddings import load_model  # noqa: E402
from aieprep.runtime.rag import CORPUS, Retriever, pages_of  # noqa: E402

METHODS = ("bm25", "dense", "hybrid")
DEPTH = 10  # pages ranked per question
POOL = 200  # chunks retrieved per question: a page holds many chunks, so it takes this many for DEPTH pages


def read_questions(path: Path) -> list[dict]:
    """The questions of a JSONL file; each needs a question and at least one page."""
    questions = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        record = json.loads(line)
        if not isinstance(record.get("question"), str) or not record.get("pages"):
            raise SystemExit(f"{path}:{number}: each line needs a question and a non-empty pages list")
        questions.append(record)
    return questions




def score(ranked: list[str], relevant: set[str]) -> dict[str, float]:
    first = next((rank for rank, page in enumerate(ranked, 1) if page in relevant), None)
    metrics = {f"recall@{k}": len(relevant & set(ranked[:k])) / len(relevant) for k in (1, 5, 10)}
    metrics["mrr"] = 1 / first if first else 0.0
    return metrics


def evaluate(retriever: Retriever, questions: list[dict]) -> tuple[dict[str, dict[str, float]], dict[str, float]]:
    """Mean metrics per method, and mean milliseconds per query per method."""
    results: dict[str, dict[str, float]] = {}
    timing: dict[str, float] = {}
    for method in METHODS:
        start = time.perf_counter()
        found = retriever.search_many([q["question"] for q in questions], POOL, method)  # type: ignore[arg-type]
        timing[method] = (time.perf_counter() - start) / len(questions) * 1000
        rows = [score(pages_of(hits)[:DEPTH], set(q["pages"])) for q, hits in zip(questions, found)]
        results[method] = {key: round(statistics.fmean(r[key] for r in rows), 3) for key in rows[0]}
    return results, timing


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=Path, default=CORPUS / "questions.jsonl")
    parser.add_argument("--json", action="store_true", help="print only the metrics as JSON")
    parser.add_argument("--no-latency", action="store_true", help="skip the vector-search latency table")
    args = parser.parse_args()
    questions = read_questions(args.questions)
    start = time.perf_counter()
    retriever = Retriever.course()
    load_model()  # the query encoder, so that the timings below are queries only
    loaded = time.perf_counter() - start
    results, timing = evaluate(retriever, questions)
    if args.json:
        print(json.dumps(results))
        return
    print(f"Retrieval on {args.questions.name}: {len(questions)} questions, page level "
          f"({len(retriever.chunks)} chunks; retriever loaded in {loaded:.1f} s)")
    print(f"{'method':<8} {'recall@1':>9} {'recall@5':>9} {'recall@10':>10} {'MRR':>6} {'ms/query':>9}  (queries embedded in one batch)")
    for method in METHODS:
        r = results[method]
        print(f"{method:<8} {r['recall@1']:>9.3f} {r['recall@5']:>9.3f} {r['recall@10']:>10.3f} {r['mrr']:>6.3f} "
              f"{timing[method]:>9.1f}")
    hybrid = results["hybrid"]
    above = all(hybrid[m] > results[other][m] for other in ("bm25", "dense") for m in ("recall@5", "mrr"))
    met = hybrid["recall@5"] >= 0.95 and hybrid["mrr"] >= 0.85 and above
    print(f"target: hybrid recall@5 >= 0.95 and MRR >= 0.85, above both single methods: {'PASS' if met else 'MISS'}")
    if not args.no_latency:
        import vector_search  # bench/vector_search.py

        print()
        n = len(retriever.chunks)
        vector_search.main([f"--sizes={n},{10 * n},{100 * n}"])


if __name__ == "__main__":
    main()
