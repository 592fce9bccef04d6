"""The course's reference retriever over the Python 3.11 library reference (Week 5; Week 6's ``search_docs``).

Pipeline: the shipped sections (:func:`load_sections`) are cut into word windows that never cross a
section and carry the section's heading path (:func:`chunk_sections`); BM25 (``bm25s``, English
stop-words, Snowball stemming) and dense search (all-MiniLM-L6-v2 vectors in a FAISS inner-product
index) each rank the chunks, and hybrid search fuses the two rankings by reciprocal rank
(``Retriever._fused``). Both single methods score a chunk **in its page's context**: the chunk's own score
blended with its page's, ``(chunk + w · page) / (1 + w)`` with ``w = PAGE_WEIGHT``. For dense search
the page's vector is the normalised mean of its chunks' vectors (one FAISS search over chunk and page
halves of a 768-dimension vector does it); for BM25 a page is one document holding its chunks' words,
chunk and page scores are each divided by the query's best before blending, and only chunks sharing a
word with the query are ranked. A chunk that matches on a page about the question beats an equal match
on a page that mentions it in passing. :meth:`Retriever.course` loads the course's chunks with their
shipped vectors (``aieprep/data/pydocs/vectors.npy``, float16) and BM25 indexes (``bm25-chunks/``,
``bm25-pages/``), so only the query is embedded at run time and nothing is indexed; ``python -m
aieprep.runtime.rag`` remakes them after a change to the corpus or the chunking.
``aieprep rag "how do I …"`` prints the top passages with their page and section.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    import bm25s
    import numpy as np
    import Stemmer

__all__ = ["CORPUS", "Section", "Chunk", "Hit", "load_sections", "chunk_sections",
           "Retriever", "pages_of", "DOCS_URL", "course_chunks", "shipped_vectors",
           "shipped_keyword_indexes"]

CORPUS = Path(__file__).resolve().parent.parent / "data" / "pydocs"
DOCS_URL = "https://docs.python.org/3.11/library/"
CHUNK_WORDS = 80  # MiniLM reads at most 256 word pieces: 96% of 80-word chunks and their heading fit
CHUNK_OVERLAP = 20
PAGE_WEIGHT = 0.4  # how much a chunk's page counts in its score (module docstring)
Method = Literal["bm25", "dense", "hybrid"]


@dataclass(frozen=True)
class Section:
    """One section of a documentation page: its own text, without its subsections."""

    page: str
    anchor: str
    path: tuple[str, ...]
    text: str


@dataclass(frozen=True)
class Chunk:
    """A passage to retrieve: a window of one section's words, with where it came from."""

    id: int
    page: str
    anchor: str
    path: tuple[str, ...]
    text: str

    @property
    def heading(self) -> str:
        """The heading path, e.g. ``"json — JSON encoder and decoder > Basic Usage"``."""
        return " > ".join(self.path)

    @property
    def source(self) -> str:
        """``page#anchor``: where to read it (``DOCS_URL + page + ".html#" + anchor``)."""
        return f"{self.page}#{self.anchor}"

    def indexed_text(self) -> str:
        """What BM25 and the embedding model read: the heading path, then the text."""
        return f"{self.heading}\n{self.text}"


@dataclass(frozen=True)
class Hit:
    """A retrieved chunk, its score under the method that found it, and its 1-based rank."""

    chunk: Chunk
    score: float
    rank: int


def load_sections(corpus: Path = CORPUS) -> list[Section]:
    """The shipped sections, in page order."""
    with gzip.open(corpus / "sections.jsonl.gz", "rt", encoding="utf-8") as lines:
        return [Section(r["page"], r["anchor"], tuple(r["path"]), r["text"]) for r in map(json.loads, lines)]


def chunk_sections(sections: Iterable[Section], size: int = CHUNK_WORDS, overlap: int = CHUNK_OVERLAP) -> list[Chunk]:
    """Windows of ``size`` words of each section (never across sections), each starting ``size - overlap``
    words after the last; a section's last window ends at its end. Numbered from 0; empty sections give none.
    (Week 5's ``chunk_fixed`` exercise asks for the same windows: the learner writes their own.)"""
    if size < 1:
        raise ValueError("size must be at least 1")
    if not 0 <= overlap < size:
        raise ValueError("overlap must be at least 0 and smaller than size")
    chunks: list[Chunk] = []
    for section in sections:
        words = section.text.split()
        for start in range(0, len(words), size - overlap):
            chunks.append(Chunk(len(chunks), section.page, section.anchor, section.path,
                                " ".join(words[start:start + size])))
            if start + size >= len(words):
                break
    return chunks


def pages_of(hits: Iterable[Hit]) -> list[str]:
    """The pages of ``hits``, best first, each once."""
    return list(dict.fromkeys(hit.chunk.page for hit in hits))


def _digest(chunks: Sequence[Chunk]) -> str:
    h = hashlib.sha256()
    for chunk in chunks:
        h.update(chunk.indexed_text().encode("utf-8") + b"\0")
    return h.hexdigest()


def _stemmer() -> Stemmer.Stemmer:
    import Stemmer

    return Stemmer.Stemmer("english")


def keyword_indexes(chunks: Sequence[Chunk]) -> tuple[bm25s.BM25, bm25s.BM25]:
    """BM25 indexes of ``chunks``: one document per chunk, and one per page (its chunks' words), the pages
    in order of first appearance, as :class:`Retriever` numbers them."""
    import bm25s

    tokens = bm25s.tokenize([chunk.indexed_text() for chunk in chunks], stopwords="en", stemmer=_stemmer(),
                            show_progress=False, return_ids=False)
    pages: dict[str, list[str]] = {}  # a page is one document: its chunks' tokens
    for chunk, chunk_tokens in zip(chunks, tokens):
        pages.setdefault(chunk.page, []).extend(chunk_tokens)
    by_chunk, by_page = bm25s.BM25(), bm25s.BM25()
    by_chunk.index(tokens, show_progress=False)
    by_page.index(list(pages.values()), show_progress=False)
    return by_chunk, by_page


class Retriever:
    """BM25, dense and hybrid search over ``chunks``. ``vectors`` (one row per chunk, L2-normalised) are
    computed with the course's embedding model, and the BM25 ``indexes`` (by chunk, by page) with
    :func:`keyword_indexes`, when not given."""

    def __init__(self, chunks: Sequence[Chunk], vectors: np.ndarray | None = None,
                 page_weight: float = PAGE_WEIGHT, indexes: tuple[bm25s.BM25, bm25s.BM25] | None = None) -> None:
        import faiss
        import numpy as np

        from aieprep.runtime.embeddings import embed

        if page_weight < 0:
            raise ValueError("page_weight must be at least 0")
        self.chunks = list(chunks)
        self.page_weight = page_weight
        texts = [chunk.indexed_text() for chunk in self.chunks]
        pages = {page: i for i, page in enumerate(dict.fromkeys(chunk.page for chunk in self.chunks))}
        self._page_of = np.array([pages[chunk.page] for chunk in self.chunks], dtype=np.int64)  # chunk -> page
        self._stemmer = _stemmer()
        self._bm25, self._page_bm25 = keyword_indexes(self.chunks) if indexes is None else indexes
        matrix = embed(texts) if vectors is None else np.ascontiguousarray(vectors, dtype=np.float32)
        if matrix.shape[0] != len(self.chunks):
            raise ValueError(f"{matrix.shape[0]} vectors for {len(self.chunks)} chunks")
        centroids = np.zeros((len(pages), matrix.shape[1]), dtype=np.float32)
        np.add.at(centroids, self._page_of, matrix)
        centroids /= np.maximum(np.linalg.norm(centroids, axis=1, keepdims=True), 1e-12)
        contextual = np.hstack([matrix, page_weight * centroids[self._page_of]]) / (1 + page_weight)
        self._index = faiss.IndexFlatIP(contextual.shape[1])
        self._index.add(np.ascontiguousarray(contextual, dtype=np.float32))

    @classmethod
    def course(cls) -> Retriever:
        """The course's retriever: the shipped chunks and vectors (loaded once per process)."""
        return _course_retriever()

    def bm25(self, query: str, k: int = 5) -> list[Hit]:
        """The ``k`` chunks with the highest BM25 score for ``query`` in their page's context, each chunk's
        and page's score divided by the query's best; only chunks sharing a word with it."""
        import bm25s
        import numpy as np

        tokens = bm25s.tokenize([query], stopwords="en", stemmer=self._stemmer, show_progress=False,
                                return_ids=False)[0]
        known = [token for token in tokens if token in self._bm25.vocab_dict]
        if not known or k < 1:
            return []
        chunk = self._bm25.get_scores(known)
        page = self._page_bm25.get_scores(known)  # a page holds its chunks' words: every known token is there
        blended = (chunk / max(float(chunk.max()), 1e-12)
                   + self.page_weight * page[self._page_of] / max(float(page.max()), 1e-12)) / (1 + self.page_weight)
        matching = np.flatnonzero(chunk > 0)
        best = matching[np.lexsort((matching, -blended[matching]))][:k]
        return [Hit(self.chunks[int(i)], float(blended[i]), rank) for rank, i in enumerate(best, 1)]

    def dense(self, query: str, k: int = 5) -> list[Hit]:
        """The ``k`` chunks whose vectors are most similar to the query's in their page's context: the
        score is ``(cosine with the chunk + w · cosine with its page) / (1 + w)``, in [-1, 1]."""
        return self.search_many([query], k, "dense")[0]

    def hybrid(self, query: str, k: int = 5, pool: int = 100) -> list[Hit]:
        """Dense search's and BM25's top ``pool`` fused by reciprocal rank (dense first, so it wins ties); the fused
        score is the hit's score."""
        return self.search_many([query], k, "hybrid", pool)[0]

    def search(self, query: str, k: int = 5, method: Method = "hybrid") -> list[Hit]:
        """``bm25``, ``dense`` or ``hybrid`` (the default) search."""
        return self.search_many([query], k, method)[0]

    def search_many(self, queries: Sequence[str], k: int = 5, method: Method = "hybrid", pool: int = 100,
                    vectors: np.ndarray | None = None) -> list[list[Hit]]:
        """:meth:`search` for many queries, embedding them in one batch (or taking their ``vectors``, one
        normalised row per query, if you have them already)."""
        import numpy as np

        from aieprep.runtime.embeddings import embed

        if method not in ("bm25", "dense", "hybrid"):
            raise ValueError(f"method must be 'bm25', 'dense' or 'hybrid', not {method!r}")
        if method == "bm25":
            return [self.bm25(query, k) for query in queries]
        if not queries:
            return []
        depth = min(k if method == "dense" else pool, len(self.chunks))
        if vectors is None:
            vectors = embed(list(queries))
        elif len(vectors) != len(queries):
            raise ValueError(f"{len(vectors)} vectors for {len(queries)} queries")
        vectors = np.asarray(vectors, dtype=np.float32)
        scores, ids = self._index.search(np.ascontiguousarray(np.hstack([vectors, vectors])), depth)
        dense = [[Hit(self.chunks[int(i)], float(s), rank) for rank, (i, s) in enumerate(zip(row_ids, row_scores), 1)
                  if i >= 0] for row_ids, row_scores in zip(ids, scores)]
        if method == "dense":
            return dense
        results = []
        for query, found in zip(queries, dense):
            results.append(self._fused(found, self.bm25(query, pool), k))
        return results

    def _fused(self, dense: list[Hit], keyword: list[Hit], k: int, rrf_k: int = 60) -> list[Hit]:
        """The top ``k`` of two rankings of hits by reciprocal rank: each chunk scores the sum of
        1 / (rrf_k + rank) over the rankings it is in; ties go to dense search's order, then BM25's."""
        scores: dict[int, float] = {}
        for ranking in (dense, keyword):
            for rank, hit in enumerate(ranking, start=1):
                scores[hit.chunk.id] = scores.get(hit.chunk.id, 0.0) + 1.0 / (rrf_k + rank)
        order = {chunk_id: i for i, chunk_id in enumerate(scores)}
        best = sorted(scores.items(), key=lambda pair: (-pair[1], order[pair[0]]))[:k]
        return [Hit(self.chunks[i], score, rank) for rank, (i, score) in enumerate(best, 1)]


def course_chunks() -> list[Chunk]:
    """The course's chunks: every shipped section cut with the course's window and overlap (a new list
    each call; the chunks themselves are made once per process)."""
    return list(_course_chunks())


@lru_cache(maxsize=1)
def _course_chunks() -> tuple[Chunk, ...]:
    return tuple(chunk_sections(load_sections()))


def shipped_vectors(chunks: Sequence[Chunk], corpus: Path = CORPUS) -> np.ndarray:
    """The shipped vectors of ``chunks`` as float32; an error if they were made for other chunks."""
    import numpy as np

    meta = json.loads((corpus / "vectors.json").read_text(encoding="utf-8"))
    if meta["chunks"] != len(chunks) or meta["sha256"] != _digest(chunks):
        raise ValueError("aieprep/data/pydocs/vectors.npy was made for other chunks: run python -m aieprep.runtime.rag")
    return np.load(corpus / "vectors.npy").astype(np.float32)


KEYWORD_INDEXES = ("bm25-chunks", "bm25-pages")  # folders in the corpus, as bm25s saves an index


def shipped_keyword_indexes(chunks: Sequence[Chunk], corpus: Path = CORPUS) -> tuple[bm25s.BM25, bm25s.BM25]:
    """The shipped BM25 indexes of ``chunks`` (by chunk, by page); an error if they were made for other chunks."""
    import bm25s

    meta = json.loads((corpus / "bm25.json").read_text(encoding="utf-8"))
    if meta["chunks"] != len(chunks) or meta["sha256"] != _digest(chunks):
        raise ValueError("aieprep/data/pydocs/bm25-* was made for other chunks: run python -m aieprep.runtime.rag")
    by_chunk, by_page = (bm25s.BM25.load(corpus / name, show_progress=False, verbosity=0) for name in KEYWORD_INDEXES)
    return by_chunk, by_page


@lru_cache(maxsize=1)
def _course_retriever() -> Retriever:
    chunks = course_chunks()
    return Retriever(chunks, shipped_vectors(chunks), indexes=shipped_keyword_indexes(chunks))


def write_vectors(corpus: Path = CORPUS) -> dict[str, object]:
    """Embed the course's chunks and ship them: ``vectors.npy`` (float16) and ``vectors.json`` (what they are)."""
    import numpy as np

    from aieprep.runtime.embeddings import EMBEDDING_MODEL, embed

    chunks = course_chunks()
    vectors = embed([chunk.indexed_text() for chunk in chunks])
    np.save(corpus / "vectors.npy", vectors.astype(np.float16))
    meta = {"model": EMBEDDING_MODEL, "chunk_words": CHUNK_WORDS, "chunk_overlap": CHUNK_OVERLAP,
            "chunks": len(chunks), "dimensions": int(vectors.shape[1]), "dtype": "float16", "sha256": _digest(chunks)}
    (corpus / "vectors.json").write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
    return meta


def write_keyword_indexes(corpus: Path = CORPUS) -> dict[str, object]:
    """Index the course's chunks and ship the indexes: ``bm25-chunks/``, ``bm25-pages/`` and ``bm25.json``."""
    import bm25s

    chunks = course_chunks()
    for name, index in zip(KEYWORD_INDEXES, keyword_indexes(chunks)):
        index.save(corpus / name, show_progress=False)
    meta = {"bm25s": bm25s.__version__, "chunk_words": CHUNK_WORDS, "chunk_overlap": CHUNK_OVERLAP,
            "chunks": len(chunks), "sha256": _digest(chunks)}
    (corpus / "bm25.json").write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
    return meta


if __name__ == "__main__":
    print(write_vectors())
    print(write_keyword_indexes())
