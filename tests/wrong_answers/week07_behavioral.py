"""Plausible wrong answers to the Week 7 exercises (see tests/test_verdicts.py).

Each entry maps an answer cell's grade id to full replacement sources for that cell: what a
candidate writes under time pressure. Every one of them must make at least one of the exercise's
test cells fail. All are small edits of the reference answer, so the bug is easy to see.
"""

from __future__ import annotations

from . import variant as _variant

_PARSE_STORY = r'''
def parse_story(text):
    """{section: text} for the STAR(R) headings that open lines of `text`, in order of appearance."""
    heading = re.compile(r"\s*(situation|task|action|result|reflection):(.*)", re.IGNORECASE)
    parts = {}
    current = None
    for line in text.splitlines():
        match = heading.match(line)
        if match:
            current = match[1].lower()
            if current in parts:
                raise ValueError(f"section {current!r} appears twice")
            parts[current] = [match[2]]
        elif current is not None:
            parts[current].append(line)
    return {name: " ".join(" ".join(lines).split()) for name, lines in parts.items()}
'''

_HAS_METRIC = r'''
def has_metric(text):
    """True when `text` holds a number (not a year) or one of NUMBER_WORDS."""
    for raw in text.split():
        word = raw.strip(".,;:!?()\"'")
        if word.lower() in NUMBER_WORDS:
            return True
        number = word.lstrip("$€£~+-")
        if number[:1].isdigit() and not re.fullmatch(r"(19|20)\d\d", number):
            return True
    return False
'''

_VOICE_COUNTS = r'''
def voice_counts(text):
    """{"i": first-person singular words, "we": first-person plural words} in `text`."""
    found = words(text)
    return {"i": sum(w in I_WORDS for w in found), "we": sum(w in WE_WORDS for w in found)}
'''

_SPEAKING = r'''
def speaking_seconds(text, wpm=150):
    """Seconds to say `text` at `wpm` words a minute."""
    if wpm <= 0:
        raise ValueError("wpm must be positive")
    return len(text.split()) * 60 / wpm


def count_fillers(text):
    """{filler: count} for each of FILLERS found in `text` (one or two consecutive words)."""
    found = words(text)
    counts = {}
    for filler in FILLERS:
        parts = filler.split()
        n = sum(found[i:i + len(parts)] == parts for i in range(len(found) - len(parts) + 1))
        if n:
            counts[filler] = n
    return counts
'''

_CHECK_STAR = r'''
def check_star(text, wpm=150, max_seconds=120, max_fillers=2):
    """The problems of a STAR(R) story, in the documented order ([] when it passes)."""
    sections = parse_story(text)
    problems = [f"missing:{name}" for name in SECTIONS if not sections.get(name)]
    if sections.get("result") and not has_metric(sections["result"]):
        problems.append("no_metric")
    if sections.get("action"):
        voice = voice_counts(sections["action"])
        if voice["i"] == 0 or voice["i"] < voice["we"]:
            problems.append("no_first_person")
    spoken = " ".join(sections.values())
    if speaking_seconds(spoken, wpm) > max_seconds:
        problems.append("too_long")
    if sum(count_fillers(spoken).values()) > max_fillers:
        problems.append("fillers")
    return problems
'''

_BEST_STORY = r'''
def best_story(question_vector, story_vectors, threshold):
    """(index of the most cosine-similar row, or None below `threshold`; its score)."""
    q = np.asarray(question_vector, dtype=float)
    m = np.asarray(story_vectors, dtype=float)
    if m.ndim != 2 or m.shape[0] == 0:
        raise ValueError("no stories to match")
    norms = np.linalg.norm(m, axis=1) * np.linalg.norm(q)
    scores = np.divide(m @ q, norms, out=np.zeros(len(m)), where=norms > 0)
    index = int(np.argmax(scores))
    score = float(scores[index])
    return (index if score >= threshold else None), score
'''

_MATCHING_REPORT = r'''
def matching_report(predicted, expected):
    """{"accuracy", "per_theme", "uncovered"} of theme predictions against labels (None = no story fits)."""
    if len(predicted) != len(expected) or not expected:
        raise ValueError("predicted and expected must be non-empty lists of the same length")
    right = [p == e for p, e in zip(predicted, expected)]
    per_theme = {}
    for theme in sorted({e for e in expected if e is not None}):
        hits = [r for r, e in zip(right, expected) if e == theme]
        per_theme[theme] = sum(hits) / len(hits)
    return {"accuracy": sum(right) / len(right), "per_theme": per_theme,
            "uncovered": sorted(t for t, share in per_theme.items() if share == 0)}
'''

_COHENS_KAPPA = r'''
def cohens_kappa(a, b):
    """Cohen's kappa between two raters' labels (1.0 when chance agreement is already 1)."""
    if len(a) != len(b) or not a:
        raise ValueError("two non-empty lists of the same length are needed")
    n = len(a)
    observed = sum(x == y for x, y in zip(a, b)) / n
    count_a, count_b = Counter(a), Counter(b)
    chance = sum(count_a[label] * count_b[label] for label in count_a) / (n * n)
    if chance == 1:
        return 1.0
    return (observed - chance) / (1 - chance)
'''

_AGREEMENT_REPORT = r'''
def agreement_report(ids, machine, human):
    """{"n", "accuracy", "kappa", "disagreements"} of a grader's labels against people's."""
    if not (len(ids) == len(machine) == len(human)) or not ids:
        raise ValueError("ids, machine and human must be non-empty lists of the same length")
    disagreements = [{"id": i, "machine": m, "human": h} for i, m, h in zip(ids, machine, human) if m != h]
    return {"n": len(ids), "accuracy": 1 - len(disagreements) / len(ids), "kappa": cohens_kappa(machine, human),
            "disagreements": disagreements}
'''

_CHECK_PITCH = r'''
def check_pitch(text, wpm=150, min_seconds=60, max_seconds=90):
    """The problems of a present/past/future pitch, in the documented order ([] when it passes)."""
    names = ("present", "past", "future")
    heading = re.compile(r"\s*(present|past|future):(.*)", re.IGNORECASE)
    parts, current = {}, None
    for line in text.splitlines():
        match = heading.match(line)
        if match:
            current = match[1].lower()
            if current in parts:
                raise ValueError(f"part {current!r} appears twice")
            parts[current] = [match[2]]
        elif current is not None:
            parts[current].append(line)
    texts = {name: " ".join(" ".join(lines).split()) for name, lines in parts.items()}
    problems = [f"missing:{name}" for name in names if not texts.get(name)]
    if list(texts) != [name for name in names if name in texts]:
        problems.append("order")
    seconds = speaking_seconds(" ".join(texts.values()), wpm)
    if seconds < min_seconds:
        problems.append("too_short")
    elif seconds > max_seconds:
        problems.append("too_long")
    return problems
'''

_CHECK_UPDATE = r'''
def check_update(text, max_words=150):
    """The problems of a done/next/blocked/asks update, in the documented order ([] when it passes)."""
    names = ("done", "next", "blocked", "asks")
    heading = re.compile(r"\s*(done|next|blocked|asks):(.*)", re.IGNORECASE)
    parts, current = {}, None
    for line in text.splitlines():
        match = heading.match(line)
        if match:
            current = match[1].lower()
            if current in parts:
                raise ValueError(f"part {current!r} appears twice")
            parts[current] = [match[2]]
        elif current is not None:
            parts[current].append(line)
    texts = {name: " ".join(" ".join(lines).split()) for name, lines in parts.items()}

    def says_nothing(part):
        value = texts[part].lower()
        return (value[:-1] if value.endswith(".") else value) in NOTHING

    problems = [f"missing:{name}" for name in names if not texts.get(name)]
    if texts.get("blocked") and texts.get("asks") and not says_nothing("blocked") and says_nothing("asks"):
        problems.append("blocked_without_ask")
    if texts.get("asks") and not says_nothing("asks") and not re.search(r"@\w", texts["asks"]):
        problems.append("ask_without_owner")
    if len(text.split()) > max_words:
        problems.append("too_long")
    return problems
'''

WRONG_ANSWERS: dict[str, list[str]] = {
    "parse_story": [
        # headings matched in lower case only
        _variant(_PARSE_STORY, (", re.IGNORECASE)", ")")),
        # any line starting with a section word opens it, colon or not ("Result of the meeting: …")
        _variant(_PARSE_STORY, ('reflection):(.*)"', 'reflection)\\W*(.*)"')),
        # a repeated section silently replaces the first
        _variant(_PARSE_STORY, ("            if current in parts:\n                raise ValueError(f\"section {current!r} appears twice\")\n", "")),
    ],
    "has_metric": [
        # any digit anywhere counts (Q3, GPT-4, v2)
        _variant(_HAS_METRIC, ("        number = word.lstrip(\"$€£~+-\")\n        if number[:1].isdigit()",
                               "        number = word\n        if any(ch.isdigit() for ch in word)")),
        # years count as results
        _variant(_HAS_METRIC, (' and not re.fullmatch(r"(19|20)\\d\\d", number)', "")),
        # only sentence punctuation stripped: a number in quotes or brackets is missed
        _variant(_HAS_METRIC, ("word = raw.strip(\".,;:!?()\\\"'\")", "word = raw.strip(\".,;:!?\")")),
        # number words found inside other words ("often" holds "ten")
        _variant(_HAS_METRIC, ("        if word.lower() in NUMBER_WORDS:", "        if any(n in word.lower() for n in NUMBER_WORDS):")),
    ],
    "voice_counts": [
        # split on whitespace: "I," and "us." keep their punctuation and are missed
        _variant(_VOICE_COUNTS, ("found = words(text)", "found = text.lower().split()")),
        # substrings: "our" in "hour", "we" in "went"
        _variant(_VOICE_COUNTS, ('return {"i": sum(w in I_WORDS for w in found), "we": sum(w in WE_WORDS for w in found)}',
                                 'return {"i": sum(text.lower().count(w) for w in I_WORDS if len(w) > 1) + found.count("i"),\n'
                                 '            "we": sum(text.lower().count(w) for w in WE_WORDS)}')),
        # only the bare pronouns "i" and "we"
        _variant(_VOICE_COUNTS, ('sum(w in I_WORDS for w in found)', 'found.count("i")'),
                 ('sum(w in WE_WORDS for w in found)', 'found.count("we")')),
    ],
    "speaking": [
        # minutes, not seconds
        _variant(_SPEAKING, ("return len(text.split()) * 60 / wpm", "return len(text.split()) / wpm")),
        # one-word fillers only: "you know", "kind of" are never found
        _variant(_SPEAKING, ("        parts = filler.split()\n", "        parts = filler.split()\n        if len(parts) > 1:\n            continue\n")),
        # whole seconds: floor division returns an int
        _variant(_SPEAKING, ("return len(text.split()) * 60 / wpm", "return len(text.split()) * 60 // wpm")),
        # substring counts: "umbrella" holds "um", "factually" holds "actually"
        _variant(_SPEAKING, ("        n = sum(found[i:i + len(parts)] == parts for i in range(len(found) - len(parts) + 1))",
                             "        n = \" \".join(found).count(filler)")),
    ],
    "check_star": [
        # a missing result is also reported as a result with no metric
        _variant(_CHECK_STAR, ('    if sections.get("result") and not has_metric(sections["result"]):',
                               '    if not has_metric(sections.get("result", "")):')),
        # "we" may outnumber "I" as long as "I" appears once
        _variant(_CHECK_STAR, (' or voice["i"] < voice["we"]', "")),
        # the budget counts the title and the headings too
        _variant(_CHECK_STAR, ("    if speaking_seconds(spoken, wpm) > max_seconds:", "    if speaking_seconds(text, wpm) > max_seconds:")),
    ],
    "best_story": [
        # raw dot product: long rows win whatever their direction
        _variant(_BEST_STORY, ("    scores = np.divide(m @ q, norms, out=np.zeros(len(m)), where=norms > 0)\n", "    scores = m @ q\n")),
        # a score equal to the threshold is rejected
        _variant(_BEST_STORY, ("if score >= threshold", "if score > threshold")),
        # zero vectors give nan
        _variant(_BEST_STORY, ("    scores = np.divide(m @ q, norms, out=np.zeros(len(m)), where=norms > 0)\n",
                               "    with np.errstate(invalid=\"ignore\", divide=\"ignore\"):\n        scores = (m @ q) / norms\n")),
    ],
    "matching_report": [
        # accuracy over the answerable questions only
        _variant(_MATCHING_REPORT, ('"accuracy": sum(right) / len(right)',
                                    '"accuracy": sum(r for r, e in zip(right, expected) if e is not None) / max(1, sum(e is not None for e in expected))')),
        # uncovered = themes never predicted (right or wrong)
        _variant(_MATCHING_REPORT, ('sorted(t for t, share in per_theme.items() if share == 0)',
                                    'sorted(t for t in per_theme if t not in predicted)')),
        # lists of different lengths are zipped short
        _variant(_MATCHING_REPORT, ("    if len(predicted) != len(expected) or not expected:\n", "    if not expected:\n")),
    ],
    "cohens_kappa": [
        # chance agreement from one rater's marginals only
        _variant(_COHENS_KAPPA, ("count_a[label] * count_b[label]", "count_a[label] * count_a[label]")),
        # no division by 1 - p_e
        _variant(_COHENS_KAPPA, ("    return (observed - chance) / (1 - chance)", "    return observed - chance")),
        # p_e = 1 divides by zero
        _variant(_COHENS_KAPPA, ("    if chance == 1:\n        return 1.0\n", "")),
    ],
    "agreement_report": [
        # disagreements sorted by id
        _variant(_AGREEMENT_REPORT, ("if m != h]", "if m != h]\n    disagreements.sort(key=lambda d: str(d[\"id\"]))")),
        # accuracy as the disagreement rate
        _variant(_AGREEMENT_REPORT, ('"accuracy": 1 - len(disagreements) / len(ids)', '"accuracy": len(disagreements) / len(ids)')),
        # lengths not checked: zip stops at the shortest
        _variant(_AGREEMENT_REPORT, ("    if not (len(ids) == len(machine) == len(human)) or not ids:\n", "    if not ids:\n")),
    ],
    "check_pitch": [
        # order never checked
        _variant(_CHECK_PITCH, ('    if list(texts) != [name for name in names if name in texts]:\n        problems.append("order")\n', "")),
        # 60 s exactly counts as too short
        _variant(_CHECK_PITCH, ("    if seconds < min_seconds:", "    if seconds <= min_seconds:")),
        # the budget counts the headings too
        _variant(_CHECK_PITCH, ('    seconds = speaking_seconds(" ".join(texts.values()), wpm)', "    seconds = speaking_seconds(text, wpm)")),
    ],
    "check_update": [
        # "None." and "NONE" not read as nothing
        _variant(_CHECK_UPDATE, ("        value = texts[part].lower()\n        return (value[:-1] if value.endswith(\".\") else value) in NOTHING",
                                 "        return texts[part] in NOTHING")),
        # any "@" counts as naming someone
        _variant(_CHECK_UPDATE, ('not re.search(r"@\\w", texts["asks"])', '"@" not in texts["asks"]')),
        # a blocker with no Asks part at all is also reported as a blocker without an ask
        _variant(_CHECK_UPDATE, ('    if texts.get("blocked") and texts.get("asks") and not says_nothing("blocked") and says_nothing("asks"):',
                                 '    if texts.get("blocked") and not says_nothing("blocked") and (not texts.get("asks") or says_nothing("asks")):')),
    ],
}
