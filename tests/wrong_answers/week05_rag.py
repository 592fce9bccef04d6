"""Plausible wrong answers to the Week 5 exercises (see tests/test_verdicts.py).

Each entry maps an answer cell's grade id to full replacement sources for that cell: what a
candidate writes under time pressure. Every one of them must make at least one of the exercise's
test cells fail. Most are small edits of the reference answer, so the bug is easy to see.
"""

from __future__ import annotations

from . import variant as _variant

_CHUNK_FIXED = r'''
def chunk_fixed(text, size, overlap):
    """Windows of `size` words, each starting size - overlap words after the last; the last ends at the text's end."""
    if size < 1:
        raise ValueError("size must be at least 1")
    if overlap < 0 or overlap >= size:
        raise ValueError("overlap must be at least 0 and smaller than size")
    words = text.split()
    chunks = []
    for start in range(0, len(words), size - overlap):
        chunks.append(" ".join(words[start:start + size]))
        if start + size >= len(words):
            break
    return chunks
    ### END SOLUTION
'''

_CHUNK_BY_STRUCTURE = r'''
def chunk_by_structure(sections, max_words):
    """One chunk per section (more for long ones), each text starting with its heading path."""
    if max_words < 1:
        raise ValueError("max_words must be at least 1")
    chunks = []
    for section in sections:
        heading = " > ".join(section["path"])
        words = section["text"].split()
        for start in range(0, len(words), max_words):
            piece = " ".join(words[start:start + max_words])
            chunks.append({"page": section["page"], "anchor": section["anchor"], "heading": heading,
                           "text": f"{heading}\n{piece}"})
    return chunks
    ### END SOLUTION
'''

_BM25_SCORES = r'''
def bm25_scores(query_tokens, docs_tokens, k1=1.5, b=0.75):
    """Lucene BM25 score of every document for the query (a list of floats, in document order)."""
    n = len(docs_tokens)
    if n == 0:
        return []
    avgdl = sum(len(doc) for doc in docs_tokens) / n
    df = Counter(term for doc in docs_tokens for term in set(doc))
    counts = [Counter(doc) for doc in docs_tokens]
    scores = []
    for doc, tf_of in zip(docs_tokens, counts):
        score = 0.0
        for term in query_tokens:
            tf = tf_of.get(term, 0)
            if tf == 0:
                continue
            idf = math.log(1 + (n - df[term] + 0.5) / (df[term] + 0.5))
            score += idf * tf / (tf + k1 * (1 - b + b * len(doc) / avgdl))
        scores.append(score)
    return scores
    ### END SOLUTION
'''

_FLAT_SEARCH = r'''
def normalize_rows(vectors):
    """A new float32 array: each row of `vectors` scaled to length 1 (zero rows stay zero)."""
    x = np.array(vectors, dtype=np.float32)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return np.divide(x, norms, out=np.zeros_like(x), where=norms > 0)


def search_flat(vectors, query, k):
    """(ids, scores) of the min(k, n) rows most cosine-similar to `query`, best first, via faiss.IndexFlatIP."""
    x = normalize_rows(vectors)
    q = normalize_rows(np.asarray(query, dtype=np.float32).reshape(1, -1))
    index = faiss.IndexFlatIP(x.shape[1])
    index.add(x)
    k = min(k, x.shape[0])
    scores, ids = index.search(q, k)
    return ids[0], scores[0]
    ### END SOLUTION
'''

_IVF = r'''
def build_ivf(vectors, nlist, nprobe=1):
    """A trained faiss.IndexIVFFlat (inner product) holding the normalised rows of `vectors`."""
    x = normalize_rows(vectors)
    quantizer = faiss.IndexFlatIP(x.shape[1])
    index = faiss.IndexIVFFlat(quantizer, x.shape[1], nlist, faiss.METRIC_INNER_PRODUCT)
    index.train(x)
    index.add(x)
    index.nprobe = nprobe
    return index


def smallest_nprobe(index, queries, exact_ids, k, target):
    """The smallest nprobe in 1..index.nlist whose mean recall@k against exact_ids reaches target."""
    queries = np.asarray(queries, dtype=np.float32)
    for nprobe in range(1, index.nlist + 1):
        index.nprobe = nprobe
        _, found = index.search(queries, k)
        recall = np.mean([len(set(f.tolist()) & set(e.tolist())) / k for f, e in zip(found, np.asarray(exact_ids))])
        if recall >= target:
            return nprobe
    return index.nlist
    ### END SOLUTION
'''

_RRF = r'''
def rrf(rankings, k=60):
    """Reciprocal-rank fusion: [(id, score)] by score, highest first, ties by first appearance."""
    scores = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + 1.0 / (k + rank)
    return sorted(scores.items(), key=lambda pair: -pair[1])
    ### END SOLUTION
'''

_MMR = r'''
def mmr(query_vec, doc_vecs, k, lambda_=0.5):
    """Indices of min(k, n) rows picked by maximal marginal relevance, in pick order."""
    docs = np.asarray(doc_vecs, dtype=float)
    relevance = docs @ np.asarray(query_vec, dtype=float)
    picked = []
    if len(docs) == 0 or k < 1:
        return picked
    picked.append(int(np.argmax(relevance)))
    redundancy = docs @ docs[picked[0]]
    while len(picked) < min(k, len(docs)):
        value = lambda_ * relevance - (1 - lambda_) * redundancy
        value[picked] = -np.inf
        best = int(np.argmax(value))
        picked.append(best)
        redundancy = np.maximum(redundancy, docs @ docs[best])
    return picked
    ### END SOLUTION
'''

_RETRIEVAL_METRICS = r'''
def recall_at_k(ranked, relevant, k):
    """Share of the distinct relevant items found in the first k of ranked (0.0 if none are relevant)."""
    relevant = set(relevant)
    if not relevant:
        return 0.0
    return len(set(ranked[:k]) & relevant) / len(relevant)


def reciprocal_rank(ranked, relevant):
    """1 / rank of the first relevant item (rank from 1), 0.0 if none."""
    relevant = set(relevant)
    for rank, item in enumerate(ranked, start=1):
        if item in relevant:
            return 1.0 / rank
    return 0.0


def ndcg_at_k(ranked, gains, k):
    """DCG of the first k items (log2 discount) divided by the ideal DCG from gains; 0.0 if the ideal is 0."""
    seen, dcg = set(), 0.0
    for i, item in enumerate(ranked[:k], start=1):
        if item not in seen:
            dcg += gains.get(item, 0) / math.log2(i + 1)
            seen.add(item)
    ideal = sum(g / math.log2(i + 1) for i, g in enumerate(sorted(gains.values(), reverse=True)[:k], start=1))
    return dcg / ideal if ideal > 0 else 0.0
    ### END SOLUTION
'''

_BUILD_PROMPT = r'''
def build_prompt(question, hits):
    """Instructions, numbered passages "[i] page | heading | text", and the question, as one string."""
    instructions = ("Answer the question using only the numbered passages below. Cite the passage each claim "
                    "comes from as [n]. If the passages do not contain the answer, reply exactly: I don't know.")
    lines = [f"[{i}] {h.chunk.page} | {h.chunk.heading} | {' '.join(h.chunk.text.split())}"
             for i, h in enumerate(hits, start=1)]
    return "\n".join([instructions, "", *lines, "", f"Question: {question}"])
    ### END SOLUTION
'''

_EXTRACT_CITATIONS = r'''
def extract_citations(answer):
    """Sorted distinct n >= 1 of the [n] markers in answer."""
    return sorted({int(n) for n in re.findall(r"\[(\d+)\]", answer) if int(n) > 0})
    ### END SOLUTION
'''

_ANSWER_QUESTION = r'''
def answer_question(question, retriever, client, k=5, min_score=0.3):
    """{"answer", "citations", "sources"} from the top-k dense hits, or "I don't know." when retrieval is weak."""
    hits = retriever.dense(question, k)
    if not hits or hits[0].score < min_score:
        return {"answer": "I don't know.", "citations": [], "sources": []}
    reply = client.chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": build_prompt(question, hits)}])
    answer = reply.choices[0].message.content
    citations = [n for n in extract_citations(answer) if n <= len(hits)]
    return {"answer": answer, "citations": citations, "sources": [hits[n - 1].chunk.source for n in citations]}
    ### END SOLUTION
'''

_CHECK_ANSWER = r'''
def check_answer(answer, passages):
    """{"ok": bool, "problems": [...]}: citations in range, at least one citation, each cited passage supports its claim."""
    if answer.strip() == "I don't know.":
        return {"ok": True, "problems": []}
    problems = []
    parts = re.split(r"((?:\s*\[\d+\])+)", answer)
    if len(parts) == 1:
        problems.append("no citation: the answer cites no passage")
    for claim, markers in zip(parts[0::2], parts[1::2]):
        words = content_words(claim)
        for number in re.findall(r"\[(\d+)\]", markers):
            n = int(number)
            if not 1 <= n <= len(passages):
                problems.append(f"[{number}] does not point at a passage (there are {len(passages)})")
            elif words and len(words & content_words(passages[n - 1])) < len(words) / 2:
                problems.append(f"[{number}] does not support: {claim.strip()!r}")
    return {"ok": not problems, "problems": problems}
    ### END SOLUTION
'''

_CHECK_ANSWER_WHOLE_ANSWER = r'''
def check_answer(answer, passages):
    """{"ok": bool, "problems": [...]}: citations in range, at least one citation, each cited passage supports its claim."""
    if answer.strip() == "I don't know.":
        return {"ok": True, "problems": []}
    problems = []
    numbers = re.findall(r"\[(\d+)\]", answer)
    if not numbers:
        problems.append("no citation: the answer cites no passage")
    words = content_words(re.sub(r"\[\d+\]", " ", answer))
    for number in numbers:
        n = int(number)
        if not 1 <= n <= len(passages):
            problems.append(f"[{number}] does not point at a passage (there are {len(passages)})")
        elif words and len(words & content_words(passages[n - 1])) < len(words) / 2:
            problems.append(f"[{number}] does not support: {answer!r}")
    return {"ok": not problems, "problems": problems}
'''

_RRF_INTERSECTION = r'''
def rrf(rankings, k=60):
    """Reciprocal-rank fusion: [(id, score)] by score, highest first, ties by first appearance."""
    scores = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + 1.0 / (k + rank)
    common = [item for item in scores if all(item in ranking for ranking in rankings)]
    return sorted(((item, scores[item]) for item in common), key=lambda pair: -pair[1])
'''

_MMR_NO_REDUNDANCY = r'''
def mmr(query_vec, doc_vecs, k, lambda_=0.5):
    """Indices of min(k, n) rows picked by maximal marginal relevance, in pick order."""
    docs = np.asarray(doc_vecs, dtype=float)
    relevance = docs @ np.asarray(query_vec, dtype=float)
    return [int(i) for i in np.argsort(-relevance, kind="stable")[:k]]
'''

_ANSWER_ALWAYS_CALLS = r'''
def answer_question(question, retriever, client, k=5, min_score=0.3):
    """{"answer", "citations", "sources"} from the top-k dense hits, or "I don't know." when retrieval is weak."""
    hits = retriever.dense(question, k)
    reply = client.chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": build_prompt(question, hits)}])
    answer = reply.choices[0].message.content
    if not hits or hits[0].score < min_score:
        return {"answer": "I don't know.", "citations": [], "sources": []}
    citations = [n for n in extract_citations(answer) if n <= len(hits)]
    return {"answer": answer, "citations": citations, "sources": [hits[n - 1].chunk.source for n in citations]}
'''

WRONG_ANSWERS: dict[str, list[str]] = {
    "chunk_fixed": [
        # a last window made only of overlap
        _variant(_CHUNK_FIXED, ("        if start + size >= len(words):\n            break\n", "")),
        # overlap not validated
        _variant(_CHUNK_FIXED, ("    if overlap < 0 or overlap >= size:\n        raise ValueError(\"overlap must be at least 0 and smaller than size\")\n", "")),
        # steps one word too far
        _variant(_CHUNK_FIXED, ("range(0, len(words), size - overlap)", "range(0, len(words), size - overlap + 1)")),
        # windows one word too long
        _variant(_CHUNK_FIXED, ("words[start:start + size]", "words[start:start + size + 1]")),
        # drops the tail that does not fill a whole window
        _variant(_CHUNK_FIXED, ("range(0, len(words), size - overlap)", "range(0, len(words) - size + 1, size - overlap)")),
        # splits on single spaces: newlines and runs of spaces survive
        _variant(_CHUNK_FIXED, ("words = text.split()", "words = [w for w in text.split(\" \") if w]")),
        # empty text returns before the sizes are checked
        _variant(_CHUNK_FIXED, ("    if size < 1:\n", "    if not text.split():\n        return []\n    if size < 1:\n")),
    ],
    "chunk_by_structure": [
        # the heading only in the first piece of a long section
        _variant(_CHUNK_BY_STRUCTURE, ('"text": f"{heading}\\n{piece}"', '"text": f"{heading}\\n{piece}" if start == 0 else piece')),
        # pieces one word too long
        _variant(_CHUNK_BY_STRUCTURE, ("words[start:start + max_words]", "words[start:start + max_words + 1]")),
        # keeps empty sections as heading-only chunks
        _variant(_CHUNK_BY_STRUCTURE, ("for start in range(0, len(words), max_words):", "for start in range(0, max(len(words), 1), max_words):")),
        # heading path joined with a slash
        _variant(_CHUNK_BY_STRUCTURE, ('heading = " > ".join(section["path"])', 'heading = " / ".join(section["path"])')),
        # only the last heading, not the path
        _variant(_CHUNK_BY_STRUCTURE, ('heading = " > ".join(section["path"])', 'heading = section["path"][-1]')),
        # no ValueError for max_words < 1
        _variant(_CHUNK_BY_STRUCTURE, ('    if max_words < 1:\n        raise ValueError("max_words must be at least 1")\n',
                                       '    max_words = max(max_words, 1)\n')),
        # keeps the section's own whitespace
        _variant(_CHUNK_BY_STRUCTURE, ('piece = " ".join(words[start:start + max_words])',
                                       'piece = " ".join(words[start:start + max_words]) if len(words) > max_words else section["text"]')),
    ],
    "bm25_scores": [
        # the classic idf, negative for common terms
        _variant(_BM25_SCORES, ("math.log(1 + (n - df[term] + 0.5) / (df[term] + 0.5))", "math.log((n - df[term] + 0.5) / (df[term] + 0.5))")),
        # no length normalisation
        _variant(_BM25_SCORES, ("tf + k1 * (1 - b + b * len(doc) / avgdl)", "tf + k1")),
        # the classic (k1 + 1) factor kept
        _variant(_BM25_SCORES, ("score += idf * tf / (", "score += idf * tf * (k1 + 1) / (")),
        # a repeated query term counted once
        _variant(_BM25_SCORES, ("for term in query_tokens:", "for term in set(query_tokens):")),
        # document frequency counts occurrences, not documents
        _variant(_BM25_SCORES, ("Counter(term for doc in docs_tokens for term in set(doc))", "Counter(term for doc in docs_tokens for term in doc)")),
        # absent terms computed anyway: 0 / 0 when k1 = 0
        _variant(_BM25_SCORES, ("            if tf == 0:\n                continue\n", "            if term not in df:\n                continue\n")),
        # b and k1 swapped
        _variant(_BM25_SCORES, ("k1 * (1 - b + b * len(doc) / avgdl)", "b * (1 - k1 + k1 * len(doc) / avgdl)")),
        # avgdl over the non-empty documents only
        _variant(_BM25_SCORES, ("avgdl = sum(len(doc) for doc in docs_tokens) / n",
                                "avgdl = sum(len(doc) for doc in docs_tokens) / max(1, sum(1 for doc in docs_tokens if doc))")),
    ],
    "flat_search": [
        # searches raw vectors: long vectors win
        _variant(_FLAT_SEARCH, ("    x = normalize_rows(vectors)\n    q = normalize_rows(", "    x = np.asarray(vectors, dtype=np.float32)\n    q = (")),
        # zero rows become nan
        _variant(_FLAT_SEARCH, ("return np.divide(x, norms, out=np.zeros_like(x), where=norms > 0)", "return x / norms")),
        # normalises in place
        _variant(_FLAT_SEARCH, ("    x = np.array(vectors, dtype=np.float32)\n    norms = np.linalg.norm(x, axis=1, keepdims=True)\n    return np.divide(x, norms, out=np.zeros_like(x), where=norms > 0)",
                                "    x = np.asarray(vectors, dtype=np.float32)\n    norms = np.linalg.norm(x, axis=1, keepdims=True)\n    np.divide(x, norms, out=x, where=norms > 0)\n    return x")),
        # float64 result
        _variant(_FLAT_SEARCH, ("    x = np.array(vectors, dtype=np.float32)\n    norms", "    x = np.array(vectors, dtype=np.float64)\n    norms")),
        # k larger than n: faiss pads with -1
        _variant(_FLAT_SEARCH, ("    k = min(k, x.shape[0])\n", "")),
        # scores of the unnormalised query
        _variant(_FLAT_SEARCH, ("    q = normalize_rows(np.asarray(query, dtype=np.float32).reshape(1, -1))", "    q = np.asarray(query, dtype=np.float32).reshape(1, -1)")),
        # row numbers as floats
        _variant(_FLAT_SEARCH, ("    return ids[0], scores[0]", "    return ids[0].astype(np.float32), scores[0]")),
        # lists instead of arrays
        _variant(_FLAT_SEARCH, ("    return ids[0], scores[0]", "    return ids[0].tolist(), scores[0].tolist()")),
        # zero rows: 0 / 0 = nan, then cleaned up, with a RuntimeWarning on the way
        _variant(_FLAT_SEARCH, ("return np.divide(x, norms, out=np.zeros_like(x), where=norms > 0)", "return np.nan_to_num(x / norms)")),
    ],
    "ivf": [
        # indexes the raw vectors
        _variant(_IVF, ("    x = normalize_rows(vectors)\n    quantizer", "    x = np.asarray(vectors, dtype=np.float32)\n    quantizer")),
        # L2 metric
        _variant(_IVF, ("index = faiss.IndexIVFFlat(quantizer, x.shape[1], nlist, faiss.METRIC_INNER_PRODUCT)",
                        "index = faiss.IndexIVFFlat(faiss.IndexFlatL2(x.shape[1]), x.shape[1], nlist)")),
        # nprobe left at faiss's default
        _variant(_IVF, ("    index.nprobe = nprobe\n    return index", "    return index")),
        # nprobe off by one: returns the last nprobe that missed the target
        _variant(_IVF, ("        if recall >= target:\n            return nprobe", "        if recall >= target:\n            return max(nprobe - 1, 1)")),
        # strictly above the target
        _variant(_IVF, ("if recall >= target:", "if recall > target:")),
        # starts at nprobe 2
        _variant(_IVF, ("for nprobe in range(1, index.nlist + 1):", "for nprobe in range(2, index.nlist + 1):")),
        # recall over found ids counted with repeats against k + 1
        _variant(_IVF, ("/ k for f, e in", "/ (k + 1) for f, e in")),
    ],
    "rrf": [
        # ranks counted from 0
        _variant(_RRF, ("enumerate(ranking, start=1)", "enumerate(ranking)")),
        # only ids found by every ranking
        _RRF_INTERSECTION,
        # ties broken by id, not first appearance
        _variant(_RRF, ("key=lambda pair: -pair[1])", "key=lambda pair: (-pair[1], str(pair[0])))")),
        # k ignored
        _variant(_RRF, ("1.0 / (k + rank)", "1.0 / (60 + rank)")),
        # ties broken by last appearance
        _variant(_RRF, ("return sorted(scores.items(), key=lambda pair: -pair[1])", "return sorted(reversed(list(scores.items())), key=lambda pair: -pair[1])")),
        # the best rank instead of the sum
        _variant(_RRF, ("scores[item] = scores.get(item, 0.0) + 1.0 / (k + rank)", "scores[item] = max(scores.get(item, 0.0), 1.0 / (k + rank))")),
    ],
    "mmr": [
        # no redundancy term: plain top-k
        _MMR_NO_REDUNDANCY,
        # the mean similarity to the picked rows, not the max
        _variant(_MMR, ("    redundancy = docs @ docs[picked[0]]\n", "    total = docs @ docs[picked[0]]\n    redundancy = total\n"),
                 ("        redundancy = np.maximum(redundancy, docs @ docs[best])", "        total = total + docs @ docs[best]\n        redundancy = total / len(picked)")),
        # only the last pick counts as redundancy
        _variant(_MMR, ("redundancy = np.maximum(redundancy, docs @ docs[best])", "redundancy = docs @ docs[best]")),
        # lambda on the wrong term
        _variant(_MMR, ("value = lambda_ * relevance - (1 - lambda_) * redundancy", "value = (1 - lambda_) * relevance - lambda_ * redundancy")),
        # k larger than n fails
        _variant(_MMR, ("while len(picked) < min(k, len(docs)):", "while len(picked) < k:")),
        # always picks the most similar row: one pick for k = 0, a crash on no rows
        _variant(_MMR, ("    if len(docs) == 0 or k < 1:\n        return picked\n", "")),
    ],
    "retrieval_metrics": [
        # recall@k looks at k + 1 items
        _variant(_RETRIEVAL_METRICS, ("len(set(ranked[:k]) & relevant)", "len(set(ranked[:k + 1]) & relevant)")),
        # precision@k instead of recall@k
        _variant(_RETRIEVAL_METRICS, ("return len(set(ranked[:k]) & relevant) / len(relevant)", "return len(set(ranked[:k]) & relevant) / k")),
        # reciprocal rank counts the last relevant hit
        _variant(_RETRIEVAL_METRICS, ("    for rank, item in enumerate(ranked, start=1):\n        if item in relevant:\n            return 1.0 / rank\n    return 0.0",
                                      "    found = [rank for rank, item in enumerate(ranked, start=1) if item in relevant]\n    return 1.0 / found[-1] if found else 0.0")),
        # ranks from 0 in the reciprocal rank (guarded against 1 / 0)
        _variant(_RETRIEVAL_METRICS, ("    for rank, item in enumerate(ranked, start=1):\n        if item in relevant:\n            return 1.0 / rank",
                                      "    for rank, item in enumerate(ranked):\n        if item in relevant:\n            return 1.0 / (rank or 1)")),
        # the ideal DCG from the retrieved items only
        _variant(_RETRIEVAL_METRICS, ("sorted(gains.values(), reverse=True)[:k]", "sorted((gains.get(i, 0) for i in ranked[:k]), reverse=True)")),
        # discount log2(i) + 1 instead of log2(i + 1)
        _variant(_RETRIEVAL_METRICS, ("dcg += gains.get(item, 0) / math.log2(i + 1)", "dcg += gains.get(item, 0) / (math.log2(i) + 1)")),
        # the ideal not cut at k
        _variant(_RETRIEVAL_METRICS, ("sorted(gains.values(), reverse=True)[:k]", "sorted(gains.values(), reverse=True)")),
        # a repeated item counted again in nDCG
        _variant(_RETRIEVAL_METRICS, ("        if item not in seen:\n            dcg += gains.get(item, 0) / math.log2(i + 1)\n            seen.add(item)",
                                      "        dcg += gains.get(item, 0) / math.log2(i + 1)")),
    ],
    "build_prompt": [
        # passages numbered from 0
        _variant(_BUILD_PROMPT, ("enumerate(hits, start=1)", "enumerate(hits)")),
        # heading left out
        _variant(_BUILD_PROMPT, ("{h.chunk.page} | {h.chunk.heading} | ", "{h.chunk.page} | ")),
        # newlines kept inside a passage
        _variant(_BUILD_PROMPT, ("{' '.join(h.chunk.text.split())}", "{h.chunk.text}")),
        # no "I don't know." instruction
        _variant(_BUILD_PROMPT, ("reply exactly: I don't know.", "say so.")),
        # the question before the passages
        _variant(_BUILD_PROMPT, ('return "\\n".join([instructions, "", *lines, "", f"Question: {question}"])',
                                 'return "\\n".join([instructions, f"Question: {question}", "", *lines])')),
    ],
    "extract_citations": [
        # [0] counted
        _variant(_EXTRACT_CITATIONS, (" if int(n) > 0}", "}")),
        # negative numbers read as citations
        _variant(_EXTRACT_CITATIONS, (r're.findall(r"\[(\d+)\]", answer) if int(n) > 0', r're.findall(r"\[(-?\d+)\]", answer) if int(n) != 0')),
        # repeated citations kept, in order of appearance
        _variant(_EXTRACT_CITATIONS, ("return sorted({int(n) for n in", "return [int(n) for n in"), ("if int(n) > 0})", "if int(n) > 0]")),
        # spaces inside the brackets accepted
        _variant(_EXTRACT_CITATIONS, (r're.findall(r"\[(\d+)\]", answer)', r're.findall(r"\[\s*(\d+)\s*\]", answer)')),
        # strings, not ints
        _variant(_EXTRACT_CITATIONS, ("return sorted({int(n) for n in", "return sorted({n for n in")),
    ],
    "answer_question": [
        # calls the model even when retrieval is weak
        _ANSWER_ALWAYS_CALLS,
        # strict threshold: a top score equal to min_score counts as weak
        _variant(_ANSWER_QUESTION, ("hits[0].score < min_score", "hits[0].score <= min_score")),
        # k not passed to the retriever
        _variant(_ANSWER_QUESTION, ("hits = retriever.dense(question, k)", "hits = retriever.dense(question)")),
        # citations beyond the passages kept (and their sources looked up modulo)
        _variant(_ANSWER_QUESTION, ("if n <= len(hits)]", "]"), ("hits[n - 1].chunk.source", "hits[(n - 1) % len(hits)].chunk.source")),
        # sources as pages, not page#anchor
        _variant(_ANSWER_QUESTION, ("hits[n - 1].chunk.source", "hits[n - 1].chunk.page")),
        # checks the last hit's score, not the top one
        _variant(_ANSWER_QUESTION, ("hits[0].score < min_score", "hits[-1].score < min_score")),
        # refuses on the mean of the hits' scores, not the top one
        _variant(_ANSWER_QUESTION, ("hits[0].score < min_score", "sum(h.score for h in hits) / len(hits) < min_score")),
    ],
    "check_answer": [
        # ignores out-of-range citations
        _variant(_CHECK_ANSWER, ("            if not 1 <= n <= len(passages):\n                problems.append(f\"[{number}] does not point at a passage (there are {len(passages)})\")\n            elif words",
                                 "            if not 1 <= n <= len(passages):\n                continue\n            elif words")),
        # [0] accepted: passages[-1]
        _variant(_CHECK_ANSWER, ("if not 1 <= n <= len(passages):", "if n > len(passages):")),
        # "I don't know." flagged for having no citation
        _variant(_CHECK_ANSWER, ("    if answer.strip() == \"I don't know.\":\n        return {\"ok\": True, \"problems\": []}\n", "")),
        # support measured on the whole answer, not the claim
        _CHECK_ANSWER_WHOLE_ANSWER,
        # more than half required
        _variant(_CHECK_ANSWER, ("< len(words) / 2", "<= len(words) / 2")),
        # no problem for an uncited answer
        _variant(_CHECK_ANSWER, ("    if len(parts) == 1:\n        problems.append(\"no citation: the answer cites no passage\")\n", "")),
        # a run of markers: only the first marker checked
        _variant(_CHECK_ANSWER, ('for number in re.findall(r"\\[(\\d+)\\]", markers):', 'for number in re.findall(r"\\[(\\d+)\\]", markers)[:1]:')),
        # case-sensitive words
        _variant(_CHECK_ANSWER, ("        words = content_words(claim)\n", "        words = {w for w in re.findall(r\"[A-Za-z0-9]+\", claim) if w.lower() not in STOP_WORDS}\n")),
    ],
}
