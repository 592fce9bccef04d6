"""Plausible wrong answers to the Week 4 exercises (see tests/test_verdicts.py).

Each entry maps an answer cell's grade id to full replacement sources for that cell: what a
candidate writes under time pressure. Every one of them must make at least one of the exercise's
test cells fail. Most are small edits of the reference answer, so the bug is easy to see.
"""

from __future__ import annotations

from . import variant as _variant


_SOFTMAX = r'''
def softmax(x, axis=-1):
    """Softmax of x along axis, stable for large logits; a new float array of x's shape."""
    x = np.asarray(x, dtype=float)
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)
'''

_ATTENTION = r'''
def attention(Q, K, V, causal=True):
    """Scaled dot-product attention; returns (output (T, d_v), weights (T, S))."""
    Q, K, V = (np.asarray(a, dtype=float) for a in (Q, K, V))
    scores = Q @ K.T / np.sqrt(K.shape[-1])
    if causal:
        future = np.triu(np.ones(scores.shape, dtype=bool), k=1)
        scores = np.where(future, -np.inf, scores)
    weights = softmax(scores, axis=-1)
    return weights @ V, weights
'''

_NEXT_TOKEN_PROBS = r'''
def next_token_probs(logits, temperature=1.0, top_k=None, top_p=None):
    """Next-token probabilities after temperature, top-k and top-p (zeros for dropped tokens, sum 1)."""
    logits = np.asarray(logits, dtype=float)
    if temperature < 0:
        raise ValueError("temperature must be >= 0")
    if top_k is not None and top_k < 1:
        raise ValueError("top_k must be at least 1")
    if top_p is not None and not 0 < top_p <= 1:
        raise ValueError("top_p must be in (0, 1]")
    if temperature == 0:
        probs = np.zeros(len(logits))
        probs[np.argmax(logits)] = 1.0
        return probs
    probs = softmax(logits / temperature)
    kept = np.argsort(-probs, kind="stable")         # most probable first, ties by lower id
    if top_k is not None:
        kept = kept[:top_k]
    if top_p is not None:
        cumulative = np.cumsum(probs[kept]) / probs[kept].sum()
        kept = kept[: int(np.searchsorted(cumulative, top_p)) + 1]
    filtered = np.zeros(len(probs))
    filtered[kept] = probs[kept]
    return filtered / filtered.sum()
'''

_SAMPLE_TOKENS = r'''
def sample_tokens(logits, n, rng, **filters):
    """n token ids drawn from next_token_probs(logits, **filters) with the Generator rng."""
    probs = next_token_probs(logits, **filters)
    return rng.choice(len(probs), size=n, p=probs)
'''

_CROSS_ENTROPY = r'''
def cross_entropy(logits, targets):
    """Mean negative log-likelihood (nats) of targets under softmax(logits); logits (T, V)."""
    logits = np.asarray(logits, dtype=float)
    targets = np.asarray(targets, dtype=int)
    m = logits.max(axis=1)
    log_z = m + np.log(np.exp(logits - m[:, None]).sum(axis=1))
    return float(np.mean(log_z - logits[np.arange(len(targets)), targets]))


def perplexity(logits, targets):
    """exp(cross_entropy(logits, targets))."""
    return float(np.exp(cross_entropy(logits, targets)))
'''

_COSINE_SIMILARITY = r'''
def cosine_similarity(a, b):
    """Cosine similarity of two vectors; 0.0 if either is the zero vector."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    scale_a, scale_b = np.max(np.abs(a), initial=0.0), np.max(np.abs(b), initial=0.0)
    if scale_a == 0 or scale_b == 0:
        return 0.0
    a, b = a / scale_a, b / scale_b  # entries in [-1, 1]: the norms can neither underflow nor overflow
    return float(np.clip(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)), -1.0, 1.0))


def cosine_matrix(A, B):
    """(n, m) cosine similarities between the rows of A (n, d) and of B (m, d); 0 for zero rows."""
    def unit_rows(M):
        scale = np.max(np.abs(M), axis=1, keepdims=True, initial=0.0)
        M = np.divide(M, scale, out=np.zeros_like(M), where=scale > 0)
        norm = np.linalg.norm(M, axis=1, keepdims=True)
        return np.divide(M, norm, out=np.zeros_like(M), where=norm > 0)

    A, B = unit_rows(np.asarray(A, dtype=float)), unit_rows(np.asarray(B, dtype=float))
    return np.clip(A @ B.T, -1.0, 1.0)
'''


_COSINE_UNSCALED = r'''
def cosine_similarity(a, b):
    """Cosine similarity of two vectors; 0.0 if either is the zero vector."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    norm_a, norm_b = np.linalg.norm(a), np.linalg.norm(b)
    if norm_a == 0 or norm_b == 0:
        return 0.0
    return float(np.clip(a @ b / (norm_a * norm_b), -1.0, 1.0))


def cosine_matrix(A, B):
    """(n, m) cosine similarities between the rows of A (n, d) and of B (m, d); 0 for zero rows."""
    A, B = np.asarray(A, dtype=float), np.asarray(B, dtype=float)
    norm_a = np.linalg.norm(A, axis=1, keepdims=True)
    norm_b = np.linalg.norm(B, axis=1, keepdims=True)
    A = np.divide(A, norm_a, out=np.zeros_like(A), where=norm_a > 0)
    B = np.divide(B, norm_b, out=np.zeros_like(B), where=norm_b > 0)
    return np.clip(A @ B.T, -1.0, 1.0)
'''


_SOFTMAX_TRY_NAIVE = r'''
def softmax(x, axis=-1):
    """Softmax of x along axis, stable for large logits; a new float array of x's shape."""
    x = np.asarray(x, dtype=float)
    e = np.exp(x)                        # the plain formula first, the stable one only if it broke
    if not np.all(np.isfinite(e)) or np.any(np.sum(e, axis=axis) == 0):
        e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)
'''


_SOFTMAX_IN_PLACE = r'''
def softmax(x, axis=-1):
    """Softmax of x along axis, stable for large logits; a new float array of x's shape."""
    x = np.asarray(x, dtype=float)       # the caller's own array when it already holds floats
    x -= np.max(x, axis=axis, keepdims=True)
    np.exp(x, out=x)
    x /= np.sum(x, axis=axis, keepdims=True)
    return x
'''


_ATTENTION_NAIVE_SOFTMAX = r'''
def attention(Q, K, V, causal=True):
    """Scaled dot-product attention; returns (output (T, d_v), weights (T, S))."""
    Q, K, V = (np.asarray(a, dtype=float) for a in (Q, K, V))
    scores = Q @ K.T / np.sqrt(K.shape[-1])
    if causal:
        future = np.triu(np.ones(scores.shape, dtype=bool), k=1)
        scores = np.where(future, -np.inf, scores)
    weights = np.exp(scores)                   # no max subtracted: exp(1000) overflows
    weights = weights / weights.sum(axis=-1, keepdims=True)
    return weights @ V, weights
'''


_NEXT_TOKEN_PROBS_GREEDY_FIRST = r'''
def next_token_probs(logits, temperature=1.0, top_k=None, top_p=None):
    """Next-token probabilities after temperature, top-k and top-p (zeros for dropped tokens, sum 1)."""
    logits = np.asarray(logits, dtype=float)
    if temperature == 0:                       # greedy returns before the arguments are checked
        probs = np.zeros(len(logits))
        probs[np.argmax(logits)] = 1.0
        return probs
    if temperature < 0:
        raise ValueError("temperature must be >= 0")
    if top_k is not None and top_k < 1:
        raise ValueError("top_k must be at least 1")
    if top_p is not None and not 0 < top_p <= 1:
        raise ValueError("top_p must be in (0, 1]")
    probs = softmax(logits / temperature)
    kept = np.argsort(-probs, kind="stable")
    if top_k is not None:
        kept = kept[:top_k]
    if top_p is not None:
        cumulative = np.cumsum(probs[kept]) / probs[kept].sum()
        kept = kept[: int(np.searchsorted(cumulative, top_p)) + 1]
    filtered = np.zeros(len(probs))
    filtered[kept] = probs[kept]
    return filtered / filtered.sum()
'''

_PRECISION_RECALL_F1 = r'''
def precision_recall_f1(y_true, y_pred):
    """(precision, recall, f1) for the positive class 1; 0.0 where a denominator is 0."""
    y_true, y_pred = list(y_true), list(y_pred)
    if len(y_true) != len(y_pred):
        raise ValueError(f"y_true has {len(y_true)} labels, y_pred {len(y_pred)}")
    tp = sum(1 for t, p in zip(y_true, y_pred) if t == 1 and p == 1)
    fp = sum(1 for t, p in zip(y_true, y_pred) if t != 1 and p == 1)
    fn = sum(1 for t, p in zip(y_true, y_pred) if t == 1 and p != 1)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1
'''

_POLY_ERRORS = r'''
def poly_errors(x_train, y_train, x_val, y_val, degrees):
    """(train_mse, val_mse) arrays: a polynomial of each degree fitted on the training data."""
    train_mse, val_mse = [], []
    for degree in degrees:
        coeffs = np.polyfit(x_train, y_train, degree)
        train_mse.append(np.mean((np.polyval(coeffs, x_train) - y_train) ** 2))
        val_mse.append(np.mean((np.polyval(coeffs, x_val) - y_val) ** 2))
    return np.array(train_mse), np.array(val_mse)


def best_degree(degrees, val_mse):
    """The degree with the lowest validation error; the smallest such degree on a tie."""
    return min(zip(val_mse, degrees))[1]
'''

_BPE_MERGE = r'''
def bpe_merge(corpus):
    """One BPE merge step: returns (merged pair, new corpus), or (None, a copy) when nothing can merge."""
    counts = Counter()
    for word, freq in corpus.items():
        for pair in zip(word, word[1:]):
            counts[pair] += freq
    if not counts:
        return None, dict(corpus)
    best = min(counts, key=lambda pair: (-counts[pair], pair))
    merged = {}
    for word, freq in corpus.items():
        out, i = [], 0
        while i < len(word):
            if i + 1 < len(word) and (word[i], word[i + 1]) == best:
                out.append(word[i] + word[i + 1])
                i += 2
            else:
                out.append(word[i])
                i += 1
        merged[tuple(out)] = merged.get(tuple(out), 0) + freq
    return best, merged
'''

_PARSE_ANSWER = r'''
def parse_answer(text):
    """Parse a model reply as JSON and validate it: (True, data) or (False, errors)."""
    text = text.strip()
    fenced = re.fullmatch(r"```[A-Za-z]*\s*(.*?)\s*```", text, re.S)
    if fenced:
        text = fenced[1]
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        return False, [f"(root): invalid JSON ({error})"]
    if not isinstance(data, dict):
        return False, [f"(root): expected an object, got {type(data).__name__}"]
    errors = []
    if "answer" not in data:
        errors.append("answer: missing")
    elif not isinstance(data["answer"], str):
        errors.append(f"answer: expected str, got {type(data['answer']).__name__}")
    elif not data["answer"].strip():
        errors.append("answer: must not be blank")
    if "confidence" not in data:
        errors.append("confidence: missing")
    elif isinstance(data["confidence"], bool) or not isinstance(data["confidence"], (int, float)):
        errors.append(f"confidence: expected a number, got {type(data['confidence']).__name__}")
    elif not 0 <= data["confidence"] <= 1:
        errors.append("confidence: must be between 0 and 1")
    if "sources" not in data:
        errors.append("sources: missing")
    elif not isinstance(data["sources"], list):
        errors.append(f"sources: expected list, got {type(data['sources']).__name__}")
    elif not all(isinstance(s, str) for s in data["sources"]):
        errors.append("sources: must be a list of str")
    return (False, errors) if errors else (True, data)
'''

_ASK_JSON = r'''
def ask_json(client, messages, *, attempts=3):
    """Ask for a JSON answer; re-ask on an invalid reply; return the valid data or raise ValueError."""
    if attempts < 1:
        raise ValueError("attempts must be at least 1")
    errors = []
    for _ in range(attempts):
        reply = client.chat.completions.create(model=MODEL, messages=messages,
                                               response_format={"type": "json_object"})
        ok, result = parse_answer(reply.choices[0].message.content or "")
        if ok:
            return result
        errors = result
    raise ValueError(f"no valid answer in {attempts} attempts; last errors: {errors}")
'''

_GROUNDED_MESSAGES = r'''
def grounded_messages(question, passages):
    """[system instructions, user message with numbered passages and the question]."""
    system = ("Answer the question using only the numbered passages below. After each claim, cite the "
              "passage it comes from as [n]. If the passages do not contain the answer, reply exactly: I don't know.")
    lines = [f"[{i}] {' '.join(passage.split())}" for i, passage in enumerate(passages, start=1)]
    user = "\n".join(lines + ["", f"Question: {question}"])
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]
'''

_ATTENTION_MASK_AFTER = r'''
def attention(Q, K, V, causal=True):
    """Scaled dot-product attention; returns (output (T, d_v), weights (T, S))."""
    Q, K, V = (np.asarray(a, dtype=float) for a in (Q, K, V))
    scores = Q @ K.T / np.sqrt(K.shape[-1])
    weights = softmax(scores, axis=-1)
    if causal:
        weights = np.tril(weights)          # zeroed after the softmax: rows no longer sum to 1
    return weights @ V, weights
'''

_CROSS_ENTROPY_LOG_SOFTMAX = r'''
def cross_entropy(logits, targets):
    """Mean negative log-likelihood (nats) of targets under softmax(logits); logits (T, V)."""
    probs = softmax(np.asarray(logits, dtype=float), axis=-1)
    return float(-np.mean(np.log(probs[np.arange(len(targets)), targets])))


def perplexity(logits, targets):
    """exp(cross_entropy(logits, targets))."""
    return float(np.exp(cross_entropy(logits, targets)))
'''

_BPE_MERGE_STRING_REPLACE = r'''
def bpe_merge(corpus):
    """One BPE merge step: returns (merged pair, new corpus), or (None, a copy) when nothing can merge."""
    counts = Counter()
    for word, freq in corpus.items():
        for pair in zip(word, word[1:]):
            counts[pair] += freq
    if not counts:
        return None, dict(corpus)
    best = min(counts, key=lambda pair: (-counts[pair], pair))
    merged = {}
    for word, freq in corpus.items():
        key = tuple(" ".join(word).replace(" ".join(best), "".join(best)).split(" "))
        merged[key] = merged.get(key, 0) + freq
    return best, merged
'''

_ASK_JSON_DECODE_ONLY = r'''
def ask_json(client, messages, *, attempts=3):
    """Ask for a JSON answer; re-ask on an invalid reply; return the valid data or raise ValueError."""
    if attempts < 1:
        raise ValueError("attempts must be at least 1")
    last = None
    for _ in range(attempts):
        reply = client.chat.completions.create(model=MODEL, messages=messages,
                                               response_format={"type": "json_object"})
        try:
            return json.loads(reply.choices[0].message.content)
        except json.JSONDecodeError as error:
            last = error
    raise ValueError(f"no valid JSON in {attempts} attempts: {last}")
'''

_ASK_JSON_RETRIES_EVERYTHING = r'''
def ask_json(client, messages, *, attempts=3):
    """Ask for a JSON answer; re-ask on an invalid reply; return the valid data or raise ValueError."""
    if attempts < 1:
        raise ValueError("attempts must be at least 1")
    errors = []
    for _ in range(attempts):
        try:
            reply = client.chat.completions.create(model=MODEL, messages=messages,
                                                   response_format={"type": "json_object"})
        except Exception as error:
            errors = [str(error)]
            continue
        ok, result = parse_answer(reply.choices[0].message.content or "")
        if ok:
            return result
        errors = result
    raise ValueError(f"no valid answer in {attempts} attempts; last errors: {errors}")
'''

_GROUNDED_QUESTION_IN_SYSTEM = r'''
def grounded_messages(question, passages):
    """[system instructions, user message with numbered passages and the question]."""
    system = (f"Answer this question: {question} Use only the numbered passages and cite them as [n]. "
              "If they do not contain the answer, reply exactly: I don't know.")
    lines = [f"[{i}] {' '.join(passage.split())}" for i, passage in enumerate(passages, start=1)]
    return [{"role": "system", "content": system}, {"role": "user", "content": "\n".join(lines)}]
'''

_GROUNDED_ONE_MESSAGE = r'''
def grounded_messages(question, passages):
    """[system instructions, user message with numbered passages and the question]."""
    lines = [f"[{i}] {' '.join(passage.split())}" for i, passage in enumerate(passages, start=1)]
    text = "\n".join(["Answer only from these passages, cite them as [n], else say: I don't know.", *lines,
                      "", f"Question: {question}"])
    return [{"role": "user", "content": text}]
'''


WRONG_ANSWERS: dict[str, list[str]] = {
    "softmax": [
        # the textbook formula: overflows on logits like 1000
        _variant(_SOFTMAX, ("np.exp(x - np.max(x, axis=axis, keepdims=True))", "np.exp(x)")),
        # always the last axis, whatever axis says
        _variant(_SOFTMAX, ("axis=axis", "axis=-1")),
        # max without keepdims: broadcasts against the wrong axis of a batch
        _variant(_SOFTMAX, ("np.max(x, axis=axis, keepdims=True)", "np.max(x, axis=axis)")),
        # normalises by the sum over the whole batch
        _variant(_SOFTMAX, ("np.sum(e, axis=axis, keepdims=True)", "np.sum(e)")),
        # the plain formula first: right values, but overflow warnings on logits like 1000
        _SOFTMAX_TRY_NAIVE,
        # works in place: modifies and returns the caller's float array
        _SOFTMAX_IN_PLACE,
        # returns a list, not an array
        _variant(_SOFTMAX, ("return e / np.sum(e, axis=axis, keepdims=True)", "return (e / np.sum(e, axis=axis, keepdims=True)).tolist()")),
    ],
    "attention": [
        # no sqrt(d_k) scaling
        _variant(_ATTENTION, ("Q @ K.T / np.sqrt(K.shape[-1])", "Q @ K.T")),
        # divides by d_k instead of its square root
        _variant(_ATTENTION, ("np.sqrt(K.shape[-1])", "K.shape[-1]")),
        # masks after the softmax
        _ATTENTION_MASK_AFTER,
        # off by one: each query also sees the next key
        _variant(_ATTENTION, ("k=1", "k=2")),
        # its own softmax without the max: scores of 1000 overflow
        _ATTENTION_NAIVE_SOFTMAX,
    ],
    "next_token_probs": [
        # top-p drops the token that crosses the threshold
        _variant(_NEXT_TOKEN_PROBS, ("int(np.searchsorted(cumulative, top_p)) + 1", "int(np.searchsorted(cumulative, top_p))")),
        # top-p measured on the mass before top-k, not renormalised
        _variant(_NEXT_TOKEN_PROBS, ("np.cumsum(probs[kept]) / probs[kept].sum()", "np.cumsum(probs[kept])")),
        # greedy takes the last of tied maxima
        _variant(_NEXT_TOKEN_PROBS, ("probs[np.argmax(logits)] = 1.0", "probs[len(logits) - 1 - np.argmax(logits[::-1])] = 1.0")),
        # temperature applied to the probabilities: the renormalisation undoes it
        _variant(_NEXT_TOKEN_PROBS, ("probs = softmax(logits / temperature)", "probs = softmax(logits) / temperature")),
        # top_p = 1 rejected
        _variant(_NEXT_TOKEN_PROBS, ("not 0 < top_p <= 1", "not 0 < top_p < 1")),
        # only top_k = 0 rejected, not a negative top_k
        _variant(_NEXT_TOKEN_PROBS, ("if top_k is not None and top_k < 1:", "if top_k == 0:")),
        # greedy returns before the arguments are checked
        _NEXT_TOKEN_PROBS_GREEDY_FIRST,
    ],
    "sample_tokens": [
        # a fresh generator: not reproducible from the caller's seed
        _variant(_SAMPLE_TOKENS, ("rng.choice(", "np.random.default_rng().choice(")),
        # the global NumPy generator
        _variant(_SAMPLE_TOKENS, ("rng.choice(", "np.random.choice(")),
        # forgets the filters
        _variant(_SAMPLE_TOKENS, ("next_token_probs(logits, **filters)", "softmax(np.asarray(logits, dtype=float))")),
        # token ids as floats
        _variant(_SAMPLE_TOKENS, ("rng.choice(len(probs), size=n, p=probs)", "rng.choice(len(probs), size=n, p=probs).astype(float)")),
    ],
    "cross_entropy": [
        # log(softmax): log(0) = -inf for very confident logits
        _CROSS_ENTROPY_LOG_SOFTMAX,
        # sums instead of averaging over positions
        _variant(_CROSS_ENTROPY, ("np.mean(", "np.sum(")),
        # perplexity in base 2 while the loss is in nats
        _variant(_CROSS_ENTROPY, ("float(np.exp(cross_entropy(logits, targets)))", "float(2 ** cross_entropy(logits, targets))")),
        # no max subtraction in log-sum-exp
        _variant(_CROSS_ENTROPY, ("m = logits.max(axis=1)", "m = np.zeros(len(logits))")),
    ],
    "cosine_similarity": [
        # no zero-vector case: 0 / 0
        _variant(_COSINE_SIMILARITY, ("    if scale_a == 0 or scale_b == 0:\n        return 0.0\n", "")),
        # a raw dot product
        _variant(_COSINE_SIMILARITY, ("float(np.clip(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)), -1.0, 1.0))", "float(a @ b)")),
        # the matrix transposed: (m, n)
        _variant(_COSINE_SIMILARITY, ("np.clip(A @ B.T, -1.0, 1.0)", "np.clip(B @ A.T, -1.0, 1.0)")),
        # normalises the columns instead of the rows
        _variant(_COSINE_SIMILARITY, ("axis=1, keepdims=True", "axis=0, keepdims=True")),
        # norms of the raw vectors: 1e-200 squared underflows to 0, 1e200 squared overflows
        _COSINE_UNSCALED,
        # no clip: parallel vectors give 1.0000000000000002
        _variant(_COSINE_SIMILARITY, ("float(np.clip(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)), -1.0, 1.0))",
                                      "float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))")),
        # a zero vector found by the nan it produces: right value, with a RuntimeWarning
        _variant(_COSINE_SIMILARITY, ("    if scale_a == 0 or scale_b == 0:\n        return 0.0\n    a, b = a / scale_a, b / scale_b  # entries in [-1, 1]: the norms can neither underflow nor overflow\n    return float(np.clip(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)), -1.0, 1.0))",
                                      "    a, b = a / max(scale_a, 1e-300), b / max(scale_b, 1e-300)\n    cosine = a @ b / (np.linalg.norm(a) * np.linalg.norm(b))\n    return 0.0 if np.isnan(cosine) else float(np.clip(cosine, -1.0, 1.0))")),
        # cosine_matrix loops over the pairs
        _variant(_COSINE_SIMILARITY, ("    A, B = unit_rows(np.asarray(A, dtype=float)), unit_rows(np.asarray(B, dtype=float))\n    return np.clip(A @ B.T, -1.0, 1.0)",
                                      "    A, B = np.asarray(A, dtype=float), np.asarray(B, dtype=float)\n    return np.array([[cosine_similarity(a, b) for b in B] for a in A]).reshape(len(A), len(B))")),
    ],
    "precision_recall_f1": [
        # precision and recall swapped
        _variant(_PRECISION_RECALL_F1, ("return precision, recall, f1", "return recall, precision, f1")),
        # F1 as the arithmetic mean
        _variant(_PRECISION_RECALL_F1, ("2 * precision * recall / (precision + recall)", "(precision + recall) / 2")),
        # no zero-division contract
        _variant(_PRECISION_RECALL_F1, ("tp / (tp + fp) if tp + fp else 0.0", "tp / (tp + fp)"),
                 ("tp / (tp + fn) if tp + fn else 0.0", "tp / (tp + fn)")),
        # an int 0 where a denominator is 0
        _variant(_PRECISION_RECALL_F1, ("if tp + fp else 0.0", "if tp + fp else 0"), ("if tp + fn else 0.0", "if tp + fn else 0"),
                 ("if precision + recall else 0.0", "if precision + recall else 0")),
        # no length check: zip silently truncates
        _variant(_PRECISION_RECALL_F1, ("    if len(y_true) != len(y_pred):\n"
                                        "        raise ValueError(f\"y_true has {len(y_true)} labels, y_pred {len(y_pred)}\")\n", "")),
    ],
    "poly_errors": [
        # the two arrays swapped
        _variant(_POLY_ERRORS, ("return np.array(train_mse), np.array(val_mse)", "return np.array(val_mse), np.array(train_mse)")),
        # fits on training and validation data together
        _variant(_POLY_ERRORS, ("np.polyfit(x_train, y_train, degree)",
                                "np.polyfit(np.concatenate([x_train, x_val]), np.concatenate([y_train, y_val]), degree)")),
        # returns the index of the best degree, not the degree
        _variant(_POLY_ERRORS, ("return min(zip(val_mse, degrees))[1]", "return int(np.argmin(val_mse))")),
        # two lists, not two float arrays
        _variant(_POLY_ERRORS, ("return np.array(train_mse), np.array(val_mse)", "return train_mse, val_mse")),
        # the largest degree on a tie
        _variant(_POLY_ERRORS, ("return min(zip(val_mse, degrees))[1]",
                                "return max(d for v, d in zip(val_mse, degrees) if v == min(val_mse))")),
    ],
    "bpe_merge": [
        # counts each word once, ignoring its frequency
        _variant(_BPE_MERGE, ("counts[pair] += freq", "counts[pair] += 1")),
        # ties go to the pair seen first
        _variant(_BPE_MERGE, ("min(counts, key=lambda pair: (-counts[pair], pair))", "max(counts, key=counts.get)")),
        # merges with a string replace, across symbol boundaries
        _BPE_MERGE_STRING_REPLACE,
        # words that become equal overwrite each other's counts
        _variant(_BPE_MERGE, ("merged[tuple(out)] = merged.get(tuple(out), 0) + freq", "merged[tuple(out)] = freq")),
        # nothing to merge: returns the corpus itself, not a copy
        _variant(_BPE_MERGE, ("return None, dict(corpus)", "return None, corpus")),
        # merges into the caller's corpus and returns it
        _variant(_BPE_MERGE, ("    return best, merged", "    corpus.clear()\n    corpus.update(merged)\n    return best, corpus")),
    ],
    "parse_answer": [
        # no repair of a Markdown fence
        _variant(_PARSE_ANSWER, ('    fenced = re.fullmatch(r"```[A-Za-z]*\\s*(.*?)\\s*```", text, re.S)\n'
                                 "    if fenced:\n        text = fenced[1]\n", "")),
        # a bool passes as a number
        _variant(_PARSE_ANSWER, ('isinstance(data["confidence"], bool) or not isinstance', "not isinstance")),
        # lets the JSONDecodeError escape
        _variant(_PARSE_ANSWER, ("    try:\n        data = json.loads(text)\n    except json.JSONDecodeError as error:\n"
                                 '        return False, [f"(root): invalid JSON ({error})"]\n', "    data = json.loads(text)\n")),
        # finds a fence anywhere in the reply, not only around it
        _variant(_PARSE_ANSWER, ("re.fullmatch(", "re.search(")),
        # reports only the first problem
        _variant(_PARSE_ANSWER, ("return (False, errors) if errors", "return (False, errors[:1]) if errors")),
    ],
    "ask_json": [
        # re-asks on bad JSON only, never validates the schema
        _ASK_JSON_DECODE_ONLY,
        # one attempt too few
        _variant(_ASK_JSON, ("for _ in range(attempts):", "for _ in range(attempts - 1):")),
        # gives up silently
        _variant(_ASK_JSON, ('raise ValueError(f"no valid answer in {attempts} attempts; last errors: {errors}")', "return None")),
        # also re-asks after API errors
        _ASK_JSON_RETRIES_EVERYTHING,
        # reports the first reply's errors, not the last's
        _variant(_ASK_JSON, ("        errors = result\n", "        errors = errors or result\n")),
    ],
    "grounded_messages": [
        # numbers the passages from 0
        _variant(_GROUNDED_MESSAGES, ("enumerate(passages, start=1)", "enumerate(passages)")),
        # keeps newlines inside a passage
        _variant(_GROUNDED_MESSAGES, ("' '.join(passage.split())", "passage.strip()")),
        # the question goes into the system message
        _GROUNDED_QUESTION_IN_SYSTEM,
        # everything in one user message
        _GROUNDED_ONE_MESSAGE,
    ],
}
