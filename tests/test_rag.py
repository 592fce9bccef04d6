"""Week 5's corpus, embeddings and the course's reference retriever (aieprep.runtime.rag)."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from collections import Counter
from pathlib import Path

import numpy
import pytest

from aieprep.runtime.embeddings import DIMENSIONS, embed
from aieprep.runtime.rag import (CORPUS, Chunk, Hit, Retriever, Section, chunk_sections, course_chunks,
                                 keyword_indexes, load_sections, pages_of, shipped_keyword_indexes,
                                 shipped_vectors)

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def sections() -> list[Section]:
    return load_sections()


@pytest.fixture(scope="module")
def retriever() -> Retriever:
    return Retriever.course()


def questions(name: str) -> list[dict]:
    return [json.loads(line) for line in (CORPUS / name).read_text(encoding="utf-8").splitlines() if line.strip()]


# --- the corpus --------------------------------------------------------------------------------

def test_the_corpus_holds_every_library_page(sections: list[Section]) -> None:
    pages = {s.page for s in sections}
    assert len(pages) == 317 and {"json", "asyncio-task", "collections", "pathlib", "re"} <= pages
    assert sum(len(s.text.split()) for s in sections) > 700_000


def test_every_section_has_a_heading_path_and_an_anchor_unique_in_its_page(sections: list[Section]) -> None:
    assert all(s.path and s.anchor for s in sections)
    assert max(Counter((s.page, s.anchor) for s in sections).values()) == 1


def test_a_section_keeps_its_own_text_not_its_subsections(sections: list[Section]) -> None:
    basic = next(s for s in sections if (s.page, s.anchor) == ("json", "basic-usage"))
    assert basic.path == ("json — JSON encoder and decoder", "Basic Usage")
    assert basic.text.startswith("json.dump(obj, fp, *, skipkeys=False")
    assert "Character Encodings" not in basic.text


def test_the_psf_licence_ships_with_the_corpus() -> None:
    assert "PSF LICENSE AGREEMENT" in (CORPUS / "LICENSE.txt").read_text(encoding="utf-8").upper()


# --- chunking ----------------------------------------------------------------------------------

def _windows(text: str, size: int, overlap: int) -> list[str]:
    return [chunk.text for chunk in chunk_sections([Section("p", "a", ("P",), text)], size, overlap)]


def test_chunks_are_overlapping_windows_that_end_at_the_text_end() -> None:
    words = " ".join(f"w{i}" for i in range(10))
    assert _windows(words, 4, 1) == ["w0 w1 w2 w3", "w3 w4 w5 w6", "w6 w7 w8 w9"]
    assert _windows(words, 4, 2) == ["w0 w1 w2 w3", "w2 w3 w4 w5", "w4 w5 w6 w7", "w6 w7 w8 w9"]


def test_chunking_edge_cases() -> None:
    assert _windows("", 5, 1) == [] and _windows("   ", 5, 1) == []
    assert _windows("just three words", 5, 1) == ["just three words"]
    for size, overlap in ((5, 5), (5, 6), (0, 0), (5, -1)):
        with pytest.raises(ValueError):
            _windows("a b c", size, overlap)


def test_chunks_never_cross_a_section_and_carry_its_heading() -> None:
    sections = [Section("p", "a", ("P", "A"), "one two three"), Section("p", "b", ("P", "B"), ""),
                Section("q", "c", ("Q",), "four five six seven")]
    chunks = chunk_sections(sections, size=3, overlap=1)
    assert chunks == [Chunk(0, "p", "a", ("P", "A"), "one two three"), Chunk(1, "q", "c", ("Q",), "four five six"),
                      Chunk(2, "q", "c", ("Q",), "six seven")]
    assert chunks[0].indexed_text() == "P > A\none two three" and chunks[0].source == "p#a"


# --- fusion ------------------------------------------------------------------------------------

def _hits(ids: list[int]) -> list[Hit]:
    return [Hit(Chunk(i, "p", "a", ("P",), f"chunk {i}"), 0.0, rank) for rank, i in enumerate(ids, 1)]


def _fused(dense: list[int], keyword: list[int], k: int = 10) -> list[tuple[int, float]]:
    retriever = Retriever([Chunk(i, "p", "a", ("P",), f"chunk {i}") for i in range(10)], numpy.zeros((10, DIMENSIONS), "float32"))
    return [(hit.chunk.id, hit.score) for hit in retriever._fused(_hits(dense), _hits(keyword), k)]


def test_fusion_adds_reciprocal_ranks_and_keeps_chunks_found_by_one_ranking() -> None:
    fused = _fused([1, 2, 3], [3, 1, 4])
    assert [item for item, _ in fused] == [1, 3, 2, 4]
    assert fused[0][1] == pytest.approx(1 / 61 + 1 / 62) and fused[-1][1] == pytest.approx(1 / 63)


def test_fusion_breaks_ties_by_dense_order() -> None:
    assert [item for item, _ in _fused([5, 6], [6, 5])] == [5, 6]


# --- shipped vectors ---------------------------------------------------------------------------

def test_the_shipped_vectors_belong_to_the_course_chunks() -> None:
    chunks = course_chunks()
    vectors = shipped_vectors(chunks)
    assert vectors.shape == (len(chunks), DIMENSIONS)
    assert numpy.allclose(numpy.linalg.norm(vectors, axis=1), 1.0, atol=2e-3)


def test_the_shipped_vectors_are_what_the_shipped_model_gives() -> None:
    chunks = course_chunks()
    sample = random.Random(5).sample(range(len(chunks)), 16)
    stored = shipped_vectors(chunks)[sample]
    fresh = embed([chunks[i].indexed_text() for i in sample])
    cosines = numpy.sum(stored * fresh, axis=1) / numpy.linalg.norm(stored, axis=1)
    assert cosines.min() >= 0.999, cosines.min()


def test_vectors_made_for_other_chunks_are_refused() -> None:
    chunks = course_chunks()
    with pytest.raises(ValueError, match="other chunks"):
        shipped_vectors(chunks[:-1])


def test_the_shipped_keyword_indexes_are_the_ones_the_chunks_give() -> None:
    chunks = course_chunks()
    shipped, built = shipped_keyword_indexes(chunks), keyword_indexes(chunks)
    for stored, fresh in zip(shipped, built):
        assert set(stored.vocab_dict) == set(fresh.vocab_dict)  # the ids may differ: bm25s numbers a set
        words = random.Random(7).sample(sorted(fresh.vocab_dict), 40)
        assert numpy.array_equal(stored.get_scores(words), fresh.get_scores(words))


def test_keyword_indexes_made_for_other_chunks_are_refused() -> None:
    with pytest.raises(ValueError, match="other chunks"):
        shipped_keyword_indexes(course_chunks()[1:])


# --- retrieval ---------------------------------------------------------------------------------

def test_bm25_finds_an_exact_error_name(retriever: Retriever) -> None:
    assert "json" in pages_of(retriever.bm25("JSONDecodeError", 5))[:2]


def test_dense_search_finds_a_paraphrase(retriever: Retriever) -> None:
    hits = retriever.dense("copy a whole folder with everything inside it", 10)
    assert "shutil" in pages_of(hits)[:3]


def test_hybrid_ranks_are_one_based_and_scores_fall(retriever: Retriever) -> None:
    hits = retriever.hybrid("how do I pretty-print JSON with sorted keys?", 5)
    assert [h.rank for h in hits] == [1, 2, 3, 4, 5] and pages_of(hits)[0] == "json"
    assert all(a.score >= b.score for a, b in zip(hits, hits[1:]))


def test_a_query_of_only_stop_words_finds_nothing_with_bm25(retriever: Retriever) -> None:
    assert retriever.bm25("the of and", 5) == []


# --- page context ------------------------------------------------------------------------------

def unit(*rows: list[float]) -> numpy.ndarray:
    matrix = numpy.array(rows, dtype=numpy.float32)
    return matrix / numpy.linalg.norm(matrix, axis=1, keepdims=True)


TWO_PAGES = [Chunk(0, "a", "x", ("A",), "alpha beta"), Chunk(1, "a", "y", ("A",), "alpha gamma"),
             Chunk(2, "b", "z", ("B",), "delta beta")]
TWO_PAGE_VECTORS = unit([1, 0, 0], [0, 1, 0], [0.6, 0, 0.8])


def test_dense_scores_blend_the_chunks_cosine_with_its_pages() -> None:
    query = unit([1, 0.5, 0.2])
    retriever = Retriever(TWO_PAGES, TWO_PAGE_VECTORS, page_weight=0.4)
    page_a = unit(TWO_PAGE_VECTORS[0] + TWO_PAGE_VECTORS[1])[0]
    expected = {0: (query[0] @ TWO_PAGE_VECTORS[0] + 0.4 * query[0] @ page_a) / 1.4,
                1: (query[0] @ TWO_PAGE_VECTORS[1] + 0.4 * query[0] @ page_a) / 1.4,
                2: (query[0] @ TWO_PAGE_VECTORS[2] + 0.4 * query[0] @ TWO_PAGE_VECTORS[2]) / 1.4}
    hits = retriever.search_many(["q"], 3, "dense", vectors=query)[0]
    assert {h.chunk.id: round(h.score, 5) for h in hits} == {i: round(float(v), 5) for i, v in expected.items()}
    assert [h.chunk.id for h in hits] == sorted(expected, key=lambda i: -expected[i])


def test_page_weight_zero_is_plain_cosine_similarity() -> None:
    query = unit([0.2, 1, 0.3])
    hits = Retriever(TWO_PAGES, TWO_PAGE_VECTORS, page_weight=0).search_many(["q"], 3, "dense", vectors=query)[0]
    assert {h.chunk.id: round(h.score, 5) for h in hits} == {i: round(float(TWO_PAGE_VECTORS[i] @ query[0]), 5)
                                                             for i in range(3)}


def test_the_page_decides_between_chunks_that_match_equally_well() -> None:
    # both chunks say "beta" once in two words; page b says it twice, page a once
    chunks = [Chunk(0, "a", "x", ("A",), "beta alpha"), Chunk(1, "b", "y", ("B",), "beta delta"),
              Chunk(2, "b", "z", ("B",), "beta gamma")]
    vectors = unit([1, 0, 0], [0, 1, 0], [0, 0, 1])
    plain, in_context = Retriever(chunks, vectors, page_weight=0), Retriever(chunks, vectors, page_weight=0.4)
    assert [h.chunk.id for h in plain.bm25("beta", 2)] == [0, 1]  # a tie, broken by chunk id
    assert [h.chunk.id for h in in_context.bm25("beta", 2)] == [1, 2]
    assert in_context.bm25("beta", 1)[0].score == pytest.approx(1.0)  # the best chunk on the best page scores 1


def test_a_negative_page_weight_is_refused() -> None:
    with pytest.raises(ValueError, match="page_weight"):
        Retriever(TWO_PAGES, TWO_PAGE_VECTORS, page_weight=-0.1)


def test_search_many_refuses_vectors_that_do_not_match_the_queries() -> None:
    with pytest.raises(ValueError, match="2 vectors for 1 queries"):
        Retriever(TWO_PAGES, TWO_PAGE_VECTORS).search_many(["q"], 3, "dense", vectors=unit([1, 0, 0], [0, 1, 0]))


def test_search_many_with_the_queries_vectors_equals_embedding_them(retriever: Retriever) -> None:
    queries = ["how do I read a CSV file?", "copy a folder"]
    given = retriever.search_many(queries, 5, "hybrid", vectors=embed(queries))
    assert [[h.chunk.id for h in hits] for hits in given] == \
        [[h.chunk.id for h in hits] for hits in retriever.search_many(queries, 5, "hybrid")]


def page_metrics(found: list[list], records: list[dict]) -> dict[str, float]:
    """Mean page-level recall@5 and MRR (first relevant page within 10) of ``found`` for ``records``."""
    recall, mrr = [], []
    for hits, record in zip(found, records):
        ranked, relevant = pages_of(hits)[:10], set(record["pages"])
        recall.append(len(relevant & set(ranked[:5])) / len(relevant))
        mrr.append(next((1 / rank for rank, page in enumerate(ranked, 1) if page in relevant), 0.0))
    return {"recall@5": sum(recall) / len(recall), "mrr": sum(mrr) / len(mrr)}


@pytest.fixture(scope="module")
def ground_truth_metrics(retriever: Retriever) -> dict[str, dict[str, float]]:
    records = questions("questions.jsonl")
    return {method: page_metrics(retriever.search_many([r["question"] for r in records], 200, method), records)
            for method in ("bm25", "dense", "hybrid")}


def test_retrieval_on_the_ground_truth_keeps_its_measured_level(ground_truth_metrics: dict) -> None:
    # Floors at the measured values (bench/rag.py prints them against the targets): a regression fails.
    floors = {"bm25": (0.885, 0.79), "dense": (0.95, 0.85), "hybrid": (0.955, 0.88)}
    for method, (recall, mrr) in floors.items():
        got = ground_truth_metrics[method]
        assert got["recall@5"] >= recall and got["mrr"] >= mrr, (method, got)


def test_hybrid_beats_either_method_alone_on_recall_at_5_and_mrr(ground_truth_metrics: dict) -> None:
    for metric in ("recall@5", "mrr"):
        assert ground_truth_metrics["hybrid"][metric] > max(ground_truth_metrics[m][metric] for m in ("bm25", "dense"))


def test_search_many_equals_one_search_at_a_time(retriever: Retriever) -> None:
    queries = ["how do I read a CSV file?", "JSONDecodeError", "copy a folder"]
    for method in ("bm25", "dense", "hybrid"):
        many = retriever.search_many(queries, 5, method)
        single = [retriever.search(q, 5, method) for q in queries]
        assert [[h.chunk.id for h in hits] for hits in many] == [[h.chunk.id for h in hits] for hits in single]


def test_an_unknown_method_is_refused(retriever: Retriever) -> None:
    with pytest.raises(ValueError, match="method"):
        retriever.search("json", method="tfidf")  # type: ignore[arg-type]


def test_aieprep_rag_prints_passages_with_page_and_section() -> None:
    done = subprocess.run([sys.executable, "-m", "aieprep.cli", "rag", "how do I read a CSV file?", "-k", "3"],
                          capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    assert done.stdout.count("https://docs.python.org/3.11/library/") == 3 and "[1] csv" in done.stdout


def test_loading_the_embedding_model_writes_nothing_to_stderr(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-c", "from aieprep.runtime.embeddings import embed; embed(['x' * 3000])"],
                          capture_output=True, text=True, timeout=300, env={"PATH": "/usr/bin:/bin",
                                                                           "HOME": str(tmp_path)})
    assert done.returncode == 0 and done.stdout == "" and done.stderr == ""


# --- the ground truth ----------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "per_style"), [("questions.jsonl", 35), ("questions_heldout.jsonl", 12)])
def test_the_question_sets_are_well_formed(sections: list[Section], name: str, per_style: int) -> None:
    records = questions(name)
    anchors = {f"{s.page}#{s.anchor}" for s in sections}
    assert len({r["id"] for r in records}) == len(records)
    assert Counter(r["style"] for r in records) == {s: per_style for s in
                                                    ("how-to", "error", "concept", "paraphrase", "rare-term")}
    assert all(set(r["sections"]) <= anchors and {a.split("#")[0] for a in r["sections"]} == set(r["pages"])
               for r in records)


def test_the_held_out_questions_are_new() -> None:
    assert not {r["question"] for r in questions("questions.jsonl")} & {r["question"] for r in questions("questions_heldout.jsonl")}
