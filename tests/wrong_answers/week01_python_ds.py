"""Plausible wrong answers to the Week 1 exercises (see tests/test_verdicts.py).

Each entry maps an answer cell's grade id to full replacement sources for that cell: what a
candidate writes under time pressure. Every one of them must make at least one of the exercise's
test cells fail. Most are written as small edits of the reference answer, so the bug is easy to see.
"""

from __future__ import annotations

from . import variant as _variant


_COMPLEXITY_RIGHT = {
    "x in list": "O(n)",
    "x in set": "O(1)",
    "d[key] on a dict": "O(1)",
    "list.append(x)": "O(1)",
    "list.pop()": "O(1)",
    "list.insert(0, x)": "O(n)",
    "list.pop(0)": "O(n)",
    "deque.popleft()": "O(1)",
    "sorted(items)": "O(n log n)",
    "binary search in a sorted list": "O(log n)",
    "compare every pair of items": "O(n^2)",
}


def _complexity(**wrong: str) -> str:
    """The COMPLEXITY cell with some answers replaced (keyword names use _ for spaces and punctuation)."""
    table = dict(_COMPLEXITY_RIGHT)
    for alias, answer in wrong.items():
        key = next(k for k in table if "".join(ch if ch.isalnum() else "_" for ch in k) == alias)
        table[key] = answer
    lines = [f"    {key!r}: {answer!r}," for key, answer in table.items()]
    return "COMPLEXITY = {\n" + "\n".join(lines) + "\n}\n"


_TWO_SUM = r'''
def two_sum(nums, target):
    """Return (i, j), i < j, with nums[i] + nums[j] == target (smallest j, then smallest i), or None."""
    first_index = {}
    for j, x in enumerate(nums):
        need = target - x
        if need in first_index:
            return (first_index[need], j)
        if x not in first_index:
            first_index[x] = j
    return None
'''


_GROUP_ANAGRAMS = r'''
def group_anagrams(words):
    """Return the anagram groups of words, in order of first appearance."""
    groups = {}
    for word in words:
        groups.setdefault("".join(sorted(word)), []).append(word)
    return list(groups.values())
'''


_MAX_WATER = r'''
def max_water(heights):
    """Largest (j - i) * min(heights[i], heights[j]) over i < j; 0 for fewer than two lines."""
    i, j = 0, len(heights) - 1
    best = 0
    while i < j:
        best = max(best, (j - i) * min(heights[i], heights[j]))
        if heights[i] < heights[j]:
            i += 1
        else:
            j -= 1
    return best
'''


_IS_PALINDROME = r'''
def is_palindrome(s):
    """True when s is a palindrome over its letters and digits, ignoring case."""
    i, j = 0, len(s) - 1
    while i < j:
        if not s[i].isalnum():
            i += 1
        elif not s[j].isalnum():
            j -= 1
        elif s[i].lower() != s[j].lower():
            return False
        else:
            i, j = i + 1, j - 1
    return True
'''


_COMPRESS = r'''
def compress(s):
    """Run-length encode s: each run becomes its character followed by its length."""
    parts = []
    i = 0
    while i < len(s):
        j = i
        while j < len(s) and s[j] == s[i]:
            j += 1
        parts.append(f"{s[i]}{j - i}")
        i = j
    return "".join(parts)
'''


_REVERSE_LIST = r'''
def reverse_list(head):
    """Reverse the linked list starting at head; return the new head."""
    prev = None
    while head is not None:
        nxt = head.next
        head.next = prev
        prev = head
        head = nxt
    return prev
'''


_HAS_CYCLE = r'''
def has_cycle(head):
    """True when the linked list starting at head contains a cycle; O(1) extra memory."""
    slow = fast = head
    while fast is not None and fast.next is not None:
        slow = slow.next
        fast = fast.next.next
        if slow is fast:
            return True
    return False
'''


_IS_BALANCED = r'''
def is_balanced(s):
    """True when the brackets ()[]{} in s are balanced; other characters are ignored."""
    pairs = {")": "(", "]": "[", "}": "{"}
    stack = []
    for ch in s:
        if ch in "([{":
            stack.append(ch)
        elif ch in pairs:
            if not stack or stack.pop() != pairs[ch]:
                return False
    return not stack
'''


_TWO_STACK_QUEUE = r'''
class TwoStackQueue:
    """A FIFO queue built from two stacks."""

    def __init__(self):
        self._inbox = []
        self._outbox = []

    def push(self, x):
        """Add x at the back of the queue."""
        self._inbox.append(x)

    def pop(self):
        """Remove and return the front item; IndexError when empty."""
        if not self._outbox:
            while self._inbox:
                self._outbox.append(self._inbox.pop())
        if not self._outbox:
            raise IndexError("pop from an empty queue")
        return self._outbox.pop()

    def peek(self):
        """Return the front item without removing it; IndexError when empty."""
        if not self._outbox:
            while self._inbox:
                self._outbox.append(self._inbox.pop())
        if not self._outbox:
            raise IndexError("peek at an empty queue")
        return self._outbox[-1]

    def __len__(self):
        """The number of items in the queue."""
        return len(self._inbox) + len(self._outbox)
'''


_INGEST_RECORDS = r'''
def ingest_records(items):
    """Validate and clean user records; return (valid, errors, counts)."""
    valid, errors, counts = [], [], {}
    for index, item in enumerate(items):
        def fail(kind, field):
            errors.append({"index": index, "error": kind, "field": field})

        if not isinstance(item, dict):
            fail("not_a_dict", None)
            continue
        name = item.get("name")
        if name is None:
            fail("missing_field", "name")
            continue
        if not isinstance(name, str):
            fail("bad_type", "name")
            continue
        name = name.strip().lower()
        if not name:
            fail("bad_value", "name")
            continue
        age = item.get("age")
        if age is None:
            fail("missing_field", "age")
            continue
        if isinstance(age, bool) or not isinstance(age, int):
            fail("bad_type", "age")
            continue
        if age < 0:
            fail("bad_value", "age")
            continue
        category = item.get("category")
        if category is not None and not isinstance(category, str):
            fail("bad_type", "category")
            continue
        category = (category or "").strip().lower() or "unknown"
        address = item.get("address")
        if address is not None and not isinstance(address, dict):
            fail("bad_type", "address")
            continue
        city = (address or {}).get("city")
        if city is not None and not isinstance(city, str):
            fail("bad_type", "address.city")
            continue
        city = (city or "").strip() or None
        valid.append({"name": name, "age": age, "category": category, "city": city})
        counts[category] = counts.get(category, 0) + 1
    return valid, errors, counts


def iter_valid(items):
    """Yield the cleaned valid records of items one at a time (a lazy generator)."""
    for item in items:
        valid, _, _ = ingest_records([item])
        yield from valid
'''


_VALIDATE = r'''
def validate(record, schema):
    """Check record against schema; return (ok, errors)."""
    def type_name(t):
        return " or ".join(x.__name__ for x in t) if isinstance(t, tuple) else t.__name__

    def type_ok(value, t):
        types = t if isinstance(t, tuple) else (t,)
        if isinstance(value, bool):
            return bool in types
        if isinstance(value, int) and float in types:
            return True
        return isinstance(value, types)

    def walk(obj, schema, prefix, errors):
        for field, spec in schema.items():
            if not isinstance(spec, dict):
                spec = {"type": spec}
            path = prefix + field
            required = spec.get("required", True)
            if field not in obj or (obj[field] is None and not required):
                if required:
                    errors.append(f"{path}: missing")
                continue
            value, expected = obj[field], spec["type"]
            if isinstance(expected, dict):
                if not isinstance(value, dict):
                    errors.append(f"{path}: expected dict, got {type(value).__name__}")
                else:
                    walk(value, expected, path + ".", errors)
                continue
            if not type_ok(value, expected):
                errors.append(f"{path}: expected {type_name(expected)}, got {type(value).__name__}")
                continue
            message = spec["check"](value) if "check" in spec else None
            if message:
                errors.append(f"{path}: {message}")

    if not isinstance(record, dict):
        return False, [f"(root): expected dict, got {type(record).__name__}"]
    errors = []
    walk(record, schema, "", errors)
    return not errors, errors


def validate_batch(records, schema):
    """Return [(index, errors), ...] for the records that fail validate, in input order."""
    bad = []
    for index, record in enumerate(records):
        ok, errors = validate(record, schema)
        if not ok:
            bad.append((index, errors))
    return bad
'''


_ADULTS = r'''
def adults(people, min_age=18):
    """Records with an int age >= min_age, in input order."""
    result = []
    for person in people:
        if not isinstance(person, dict):
            continue
        age = person.get("age")
        if isinstance(age, int) and not isinstance(age, bool) and age >= min_age:
            result.append(person)
    return result
'''


_VALIDATE_USER = r'''
def validate_user(user):
    """Return the list of problems with user's username and email ([] when valid)."""
    if not isinstance(user, dict):
        return ["user: expected dict"]
    errors = []
    username = user.get("username")
    if username is None:
        errors.append("username: missing")
    elif not isinstance(username, str) or not (
        3 <= len(username.strip()) <= 20 and all(c.isalnum() or c == "_" for c in username.strip())
    ):
        errors.append("username: invalid")
    email = user.get("email")
    if email is None:
        errors.append("email: missing")
    else:
        ok = isinstance(email, str)
        if ok:
            email = email.strip()
            local, _, domain = email.partition("@")
            ok = (email.count("@") == 1 and local != "" and not any(c.isspace() for c in email)
                  and len(domain.split(".")) >= 2 and all(domain.split(".")))
        if not ok:
            errors.append("email: invalid")
    return errors
'''


_CLEAN_JSONL = r'''
def clean_jsonl(text, min_score=0.0):
    """Parse, validate and filter JSONL text; return {"records", "errors", "totals"}."""
    records, errors = [], []
    totals = {"lines": 0, "valid": 0, "parse": 0, "validation": 0, "filter": 0}

    def is_number(v):
        return isinstance(v, (int, float)) and not isinstance(v, bool)

    for line_no, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        totals["lines"] += 1
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as error:
            kind, detail = "parse", str(error)
        else:
            if not isinstance(obj, dict):
                kind, detail = "validation", "not an object"
            elif not isinstance(obj.get("id"), int) or isinstance(obj.get("id"), bool):
                kind, detail = "validation", "id must be an int"
            elif not isinstance(obj.get("text"), str) or not obj["text"].strip():
                kind, detail = "validation", "text must be a non-blank string"
            elif not is_number(obj.get("score")):
                kind, detail = "validation", "score must be a number"
            elif obj["score"] < min_score:
                kind, detail = "filter", f"score below {min_score}"
            else:
                records.append({"id": obj["id"], "text": obj["text"].strip(), "score": obj["score"]})
                totals["valid"] += 1
                continue
        errors.append({"line": line_no, "type": kind, "detail": detail})
        totals[kind] += 1
    return {"records": records, "errors": errors, "totals": totals}
'''


_LOAD_CONFIG = r'''
def load_config(raw, spec):
    """Return the validated config with defaults filled in; ValueError listing every problem."""
    config, problems = {}, []
    for key, rule in spec.items():
        expected = rule["type"]
        value = raw.get(key)
        if value is None:
            if rule.get("required", False):
                problems.append(f"missing required: {key}")
            else:
                config[key] = copy.deepcopy(rule.get("default"))
            continue
        if isinstance(value, bool) and expected is not bool:
            ok = False
        elif expected is float and isinstance(value, int) and not isinstance(value, bool):
            ok, value = True, float(value)
        else:
            ok = isinstance(value, expected)
        if not ok:
            problems.append(f"{key}: expected {expected.__name__}, got {type(value).__name__}")
        else:
            config[key] = value
    problems += [f"unknown key: {key}" for key in raw if key not in spec]
    if problems:
        raise ValueError("; ".join(problems))
    return config
'''


_CONTACT_BOOK = r'''
import re


class ContactBook:
    """Contacts keyed by name, ignoring case."""

    def __init__(self):
        self._by_key = {}

    def add(self, name, email=None, phone=None):
        """Validate, normalise and store a contact; return a copy of it."""
        if not isinstance(name, str) or not name.strip():
            raise ValueError("name must be a non-empty string")
        name = name.strip()
        if email is not None:
            if not isinstance(email, str) or not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email.strip()):
                raise ValueError(f"invalid email: {email!r}")
            email = email.strip().lower()
        if phone is not None:
            cleaned = re.sub(r"[\s\-.()]", "", phone) if isinstance(phone, str) else ""
            if not re.fullmatch(r"\+?\d{7,15}", cleaned):
                raise ValueError(f"invalid phone: {phone!r}")
            phone = cleaned
        if email is None and phone is None:
            raise ValueError("give an email or phone")
        key = name.casefold()
        if key in self._by_key:
            raise ValueError(f"duplicate contact: {name!r}")
        self._by_key[key] = {"name": name, "email": email, "phone": phone}
        return dict(self._by_key[key])

    def search(self, query):
        """Copies of the contacts whose name contains query (ignoring case), sorted by name ignoring case."""
        needle = query.strip().casefold()
        return [dict(self._by_key[key]) for key in sorted(self._by_key) if needle in key]

    def delete(self, name):
        """Remove the contact with this name (ignoring case and spaces); True if one was removed."""
        return self._by_key.pop(name.strip().casefold(), None) is not None

    def __len__(self):
        """The number of contacts."""
        return len(self._by_key)
'''



WRONG_ANSWERS: dict[str, list[str]] = {
    "complexity": [
        # a list as if it were a deque: front operations "O(1)"
        _complexity(list_insert_0__x_="O(1)", list_pop_0_="O(1)"),
        # a set as if it were a search tree
        _complexity(x_in_set="O(log n)"),
        # sorting as if it compared every pair
        _complexity(sorted_items_="O(n^2)"),
    ],
    "two_sum": [
        # overwrites the index of a repeated value, so [1, 1, 5], 6 gives (1, 2)
        _variant(_TWO_SUM, ("        if x not in first_index:\n            first_index[x] = j", "        first_index[x] = j")),
        # inserts before looking up: an element pairs with itself ([3, 4], 6 gives (0, 0))
        _variant(_TWO_SUM, ("        need = target - x\n", "        need = target - x\n        first_index.setdefault(x, j)\n")),
        # returns a list, not the tuple the contract asks for
        _variant(_TWO_SUM, ("return (first_index[need], j)", "return [first_index[need], j]")),
        # brute force ordered by i first: [1, 3, 2, 4], 5 gives (0, 3), not the smallest j (1, 2)
        "def two_sum(nums, target):\n"
        "    for i in range(len(nums)):\n"
        "        for j in range(i + 1, len(nums)):\n"
        "            if nums[i] + nums[j] == target:\n"
        "                return (i, j)\n"
        "    return None\n",
        # brute force checking every pair, in the right order (smallest j, then i): O(n^2) reads
        "def two_sum(nums, target):\n"
        "    for j in range(len(nums)):\n"
        "        for i in range(j):\n"
        "            if nums[i] + nums[j] == target:\n"
        "                return (i, j)\n"
        "    return None\n",
    ],
    "group_anagrams": [
        # a set of letters ignores counts: "aab" and "abb" end up together
        _variant(_GROUP_ANAGRAMS, ('"".join(sorted(word))', "frozenset(word)")),
        # groups sorted by key instead of in order of first appearance
        _variant(_GROUP_ANAGRAMS, ("return list(groups.values())", "return [groups[key] for key in sorted(groups)]")),
        # drops duplicate words
        _variant(_GROUP_ANAGRAMS, ("for word in words:", "for word in dict.fromkeys(words):")),
        # ignores case
        _variant(_GROUP_ANAGRAMS, ("sorted(word)", "sorted(word.lower())")),
    ],
    "max_water": [
        # moves the taller line
        _variant(_MAX_WATER, ("if heights[i] < heights[j]:", "if heights[i] > heights[j]:")),
        # width off by one
        _variant(_MAX_WATER, ("(j - i) *", "(j - i + 1) *")),
        # moves both pointers every step
        _variant(_MAX_WATER, ("        if heights[i] < heights[j]:\n            i += 1\n        else:\n            j -= 1",
                              "        i += 1\n        j -= 1")),
        # brute force over every pair: right answers, O(n^2) reads
        "def max_water(heights):\n"
        "    best = 0\n"
        "    for j in range(len(heights)):\n"
        "        for i in range(j):\n"
        "            best = max(best, (j - i) * min(heights[i], heights[j]))\n"
        "    return best\n",
    ],
    "is_palindrome": [
        # no filtering of punctuation and spaces
        "def is_palindrome(s):\n    return s.lower() == s.lower()[::-1]\n",
        # case-sensitive comparison
        _variant(_IS_PALINDROME, ("elif s[i].lower() != s[j].lower():", "elif s[i] != s[j]:")),
        # letters only: digits are skipped ("0P" passes)
        _variant(_IS_PALINDROME, (".isalnum()", ".isalpha()")),
    ],
    "compress": [
        # leaves out the count of single characters ("a3bc2")
        _variant(_COMPRESS, ('parts.append(f"{s[i]}{j - i}")', 'parts.append(s[i] if j - i == 1 else f"{s[i]}{j - i}")')),
        # counts characters overall instead of runs ("aabaa" -> "a4b1")
        "def compress(s):\n"
        "    counts = {}\n"
        "    for ch in s:\n"
        "        counts[ch] = counts.get(ch, 0) + 1\n"
        '    return "".join(f"{ch}{n}" for ch, n in counts.items())\n',
        # forgets to write the last run
        "def compress(s):\n"
        "    parts = []\n"
        "    count = 1\n"
        "    for i in range(1, len(s)):\n"
        "        if s[i] == s[i - 1]:\n"
        "            count += 1\n"
        "        else:\n"
        '            parts.append(f"{s[i - 1]}{count}")\n'
        "            count = 1\n"
        '    return "".join(parts)\n',
    ],
    "reverse_list": [
        # returns the old cursor (None) instead of the new head
        _variant(_REVERSE_LIST, ("    return prev", "    return head")),
        # recursive: fails on 10,000 nodes
        "def reverse_list(head):\n"
        "    if head is None or head.next is None:\n"
        "        return head\n"
        "    new_head = reverse_list(head.next)\n"
        "    head.next.next = head\n"
        "    head.next = None\n"
        "    return new_head\n",
        # stops one node early and loses the last node
        _variant(_REVERSE_LIST, ("while head is not None:", "while head is not None and head.next is not None:")),
        # builds a reversed copy out of new nodes (a single node is returned as it is)
        "def reverse_list(head):\n"
        "    if head is None or head.next is None:\n"
        "        return head\n"
        "    prev = None\n"
        "    while head is not None:\n"
        "        prev = ListNode(head.val, prev)\n"
        "        head = head.next\n"
        "    return prev\n",
        # relinks the nodes, but keeps them all in a Python list first: O(n) extra memory
        "def reverse_list(head):\n"
        "    nodes = []\n"
        "    while head is not None:\n"
        "        nodes.append(head)\n"
        "        head = head.next\n"
        "    for i in range(len(nodes) - 1, 0, -1):\n"
        "        nodes[i].next = nodes[i - 1]\n"
        "    if nodes:\n"
        "        nodes[0].next = None\n"
        "    return nodes[-1] if nodes else None\n",
    ],
    "has_cycle": [
        # remembers values, not nodes: repeated values look like a cycle
        "def has_cycle(head):\n"
        "    seen = set()\n"
        "    while head is not None:\n"
        "        if head.val in seen:\n"
        "            return True\n"
        "        seen.add(head.val)\n"
        "        head = head.next\n"
        "    return False\n",
        # correct answers, but O(n) memory: a set of visited nodes
        "def has_cycle(head):\n"
        "    seen = set()\n"
        "    while head is not None:\n"
        "        if id(head) in seen:\n"
        "            return True\n"
        "        seen.add(id(head))\n"
        "        head = head.next\n"
        "    return False\n",
        # compares before moving: slow is fast at the start
        "def has_cycle(head):\n"
        "    slow = fast = head\n"
        "    while fast is not None and fast.next is not None:\n"
        "        if slow is fast:\n"
        "            return True\n"
        "        slow = slow.next\n"
        "        fast = fast.next.next\n"
        "    return False\n",
        # does not guard against an empty list
        _variant(_HAS_CYCLE, ("while fast is not None and fast.next is not None:",
                              "while fast.next is not None and fast.next.next is not None:")),
    ],
    "is_balanced": [
        # counts depth only, ignoring the kind of bracket ("([)]" passes)
        "def is_balanced(s):\n"
        "    depth = 0\n"
        "    for ch in s:\n"
        '        if ch in "([{":\n'
        "            depth += 1\n"
        '        elif ch in ")]}":\n'
        "            depth -= 1\n"
        "            if depth < 0:\n"
        "                return False\n"
        "    return depth == 0\n",
        # forgets that brackets left open at the end mean unbalanced
        _variant(_IS_BALANCED, ("    return not stack", "    return True")),
        # treats every other character as a closing bracket
        _variant(_IS_BALANCED, ("        elif ch in pairs:", "        else:"), ("pairs[ch]", "pairs.get(ch)")),
        # counts < and > as brackets too
        _variant(_IS_BALANCED, ('pairs = {")": "(", "]": "[", "}": "{"}', 'pairs = {")": "(", "]": "[", "}": "{", ">": "<"}'),
                 ('if ch in "([{":', 'if ch in "([{<":')),
        # removes innermost pairs recursively: RecursionError on deep nesting
        "def is_balanced(s):\n"
        "    def reduce(t):\n"
        "        shorter = t.replace('()', '').replace('[]', '').replace('{}', '')\n"
        "        return shorter == '' if shorter == t else reduce(shorter)\n"
        "    return reduce(''.join(c for c in s if c in '()[]{}'))\n",
    ],
    "two_stack_queue": [
        # one stack only: last in, first out
        "class TwoStackQueue:\n"
        "    def __init__(self):\n"
        "        self._inbox = []\n"
        "    def push(self, x):\n"
        "        self._inbox.append(x)\n"
        "    def pop(self):\n"
        "        if not self._inbox:\n"
        '            raise IndexError("pop from an empty queue")\n'
        "        return self._inbox.pop()\n"
        "    def peek(self):\n"
        "        if not self._inbox:\n"
        '            raise IndexError("peek at an empty queue")\n'
        "        return self._inbox[-1]\n"
        "    def __len__(self):\n"
        "        return len(self._inbox)\n",
        # moves the inbox over even when the outbox still holds older items
        _variant(_TWO_STACK_QUEUE, (
            "        if not self._outbox:\n            while self._inbox:\n                self._outbox.append(self._inbox.pop())\n",
            "        while self._inbox:\n            self._outbox.append(self._inbox.pop())\n")),
        # returns None from an empty queue instead of raising IndexError
        _variant(_TWO_STACK_QUEUE, ('raise IndexError("pop from an empty queue")', "return None")),
        # counts only the inbox
        _variant(_TWO_STACK_QUEUE, ("return len(self._inbox) + len(self._outbox)", "return len(self._inbox)")),
        # one list with pop(0): right order, but not two stacks, and O(n) per pop
        "class TwoStackQueue:\n"
        "    def __init__(self):\n"
        "        self._items = []\n"
        "    def push(self, x):\n"
        "        self._items.append(x)\n"
        "    def pop(self):\n"
        "        if not self._items:\n"
        '            raise IndexError("pop from an empty queue")\n'
        "        return self._items.pop(0)\n"
        "    def peek(self):\n"
        "        if not self._items:\n"
        '            raise IndexError("peek at an empty queue")\n'
        "        return self._items[0]\n"
        "    def __len__(self):\n"
        "        return len(self._items)\n",
        # two stacks, but pours everything back after each pop and peek: O(n) per operation
        _variant(_TWO_STACK_QUEUE,
                 ("        return self._outbox.pop()\n",
                  "        item = self._outbox.pop()\n"
                  "        while self._outbox:\n"
                  "            self._inbox.append(self._outbox.pop())\n"
                  "        return item\n"),
                 ("        return self._outbox[-1]\n",
                  "        item = self._outbox[-1]\n"
                  "        while self._outbox:\n"
                  "            self._inbox.append(self._outbox.pop())\n"
                  "        return item\n"),
                 ("        if not self._outbox:\n            while self._inbox:", "        if True:\n            while self._inbox:")),
        # a deque: a fine queue, but not the two stacks the exercise is about
        "class TwoStackQueue:\n"
        "    def __init__(self):\n"
        "        self._items = deque()\n"
        "    def push(self, x):\n"
        "        self._items.append(x)\n"
        "    def pop(self):\n"
        "        return self._items.popleft()\n"
        "    def peek(self):\n"
        "        if not self._items:\n"
        '            raise IndexError("peek at an empty queue")\n'
        "        return self._items[0]\n"
        "    def __len__(self):\n"
        "        return len(self._items)\n",
        # moves the inbox over by reversing a slice instead of popping
        _variant(_TWO_STACK_QUEUE, ("            while self._inbox:\n                self._outbox.append(self._inbox.pop())\n",
                                    "            self._outbox, self._inbox = self._inbox[::-1], []\n")),
    ],
    "ingest_records": [
        # bool accepted as an int age
        _variant(_INGEST_RECORDS, ("if isinstance(age, bool) or not isinstance(age, int):", "if not isinstance(age, int):")),
        # lower-cases names but does not trim them
        _variant(_INGEST_RECORDS, ("name = name.strip().lower()", "name = name.lower()")),
        # silently skips non-dict items: they are neither valid nor errors
        _variant(_INGEST_RECORDS, ('            fail("not_a_dict", None)\n            continue', "            continue")),
        # the "generator" reads the whole stream first
        _variant(_INGEST_RECORDS, ("    for item in items:\n        valid, _, _ = ingest_records([item])\n        yield from valid",
                                   "    yield from ingest_records(list(items))[0]")),
        # checks the address before the category: reports the wrong first problem
        _variant(_INGEST_RECORDS,
                 ('        category = item.get("category")\n'
                  "        if category is not None and not isinstance(category, str):\n"
                  '            fail("bad_type", "category")\n'
                  "            continue\n"
                  '        category = (category or "").strip().lower() or "unknown"\n', ""),
                 ('        city = (city or "").strip() or None\n',
                  '        city = (city or "").strip() or None\n'
                  '        category = item.get("category")\n'
                  "        if category is not None and not isinstance(category, str):\n"
                  '            fail("bad_type", "category")\n'
                  "            continue\n"
                  '        category = (category or "").strip().lower() or "unknown"\n')),
        # the "generator" reads the stream in batches of 100
        _variant(_INGEST_RECORDS, ("    for item in items:\n        valid, _, _ = ingest_records([item])\n        yield from valid",
                                   "    batch = []\n"
                                   "    for item in items:\n"
                                   "        batch.append(item)\n"
                                   "        if len(batch) == 100:\n"
                                   "            yield from ingest_records(batch)[0]\n"
                                   "            batch = []\n"
                                   "    yield from ingest_records(batch)[0]")),
    ],
    "validate": [
        # bool accepted as int (isinstance(True, int) is True)
        _variant(_VALIDATE, ("        if isinstance(value, bool):\n            return bool in types\n", "")),
        # nested errors lose their dotted path ("city: missing")
        _variant(_VALIDATE, ('walk(value, expected, path + ".", errors)', 'walk(value, expected, "", errors)')),
        # runs the custom check before the type check
        _variant(_VALIDATE, (
            "            if not type_ok(value, expected):\n"
            '                errors.append(f"{path}: expected {type_name(expected)}, got {type(value).__name__}")\n'
            "                continue\n"
            '            message = spec["check"](value) if "check" in spec else None\n',
            '            message = spec["check"](value) if "check" in spec else None\n'
            "            if not type_ok(value, expected):\n"
            '                errors.append(f"{path}: expected {type_name(expected)}, got {type(value).__name__}")\n'
            "                continue\n")),
        # batch indices counted from 1
        _variant(_VALIDATE, ("for index, record in enumerate(records):", "for index, record in enumerate(records, start=1):")),
    ],
    "adults": [
        # > instead of >=: an 18-year-old is left out
        _variant(_ADULTS, ("age >= min_age", "age > min_age")),
        # bool accepted as an int age
        _variant(_ADULTS, ("isinstance(age, int) and not isinstance(age, bool) and", "isinstance(age, int) and")),
        # assumes every item is a dict with an age
        "def adults(people, min_age=18):\n    return [p for p in people if p[\"age\"] >= min_age]\n",
        # converts numeric strings
        _variant(_ADULTS, ('        age = person.get("age")\n',
                           '        age = person.get("age")\n        if isinstance(age, str) and age.isdigit():\n'
                           "            age = int(age)\n")),
    ],
    "validate_user": [
        # "has an @ and a dot" is not an email check
        _variant(_VALIDATE_USER, (
            '            ok = (email.count("@") == 1 and local != "" and not any(c.isspace() for c in email)\n'
            '                  and len(domain.split(".")) >= 2 and all(domain.split(".")))',
            '            ok = "@" in email and "." in email')),
        # does not trim the username
        _variant(_VALIDATE_USER, ("len(username.strip())", "len(username)"), ("for c in username.strip()", "for c in username")),
        # length bound off by one: 20 characters rejected
        _variant(_VALIDATE_USER, ("<= len(username.strip()) <= 20", "<= len(username.strip()) < 20")),
        # crashes on a non-string email
        _variant(_VALIDATE_USER, ("        ok = isinstance(email, str)\n", "        ok = True\n")),
        # ASCII letters only: "José_9" is rejected
        _variant(_VALIDATE_USER, ('all(c.isalnum() or c == "_" for c in username.strip())',
                                  'all(c.isascii() and (c.isalnum() or c == "_") for c in username.strip())')),
    ],
    "clean_jsonl": [
        # line numbers from 0
        _variant(_CLEAN_JSONL, ("enumerate(text.splitlines(), start=1)", "enumerate(text.splitlines())")),
        # numbers only the non-blank lines
        _variant(_CLEAN_JSONL, ("enumerate(text.splitlines(), start=1)",
                                "enumerate([l for l in text.splitlines() if l.strip()], start=1)")),
        # bool accepted as a score
        _variant(_CLEAN_JSONL, ("return isinstance(v, (int, float)) and not isinstance(v, bool)",
                                "return isinstance(v, (int, float))")),
        # drops a score equal to min_score
        _variant(_CLEAN_JSONL, ('elif obj["score"] < min_score:', 'elif obj["score"] <= min_score:')),
        # splits on "\\n" only: a lone "\\r" does not end a line
        _variant(_CLEAN_JSONL, ("enumerate(text.splitlines(), start=1)", 'enumerate(text.split("\\n"), start=1)')),
    ],
    "load_config": [
        # stops at the first problem
        _variant(_LOAD_CONFIG, ('problems.append(f"missing required: {key}")', 'raise ValueError(f"missing required: {key}")')),
        # ignores unknown keys (typos pass silently)
        _variant(_LOAD_CONFIG, ('    problems += [f"unknown key: {key}" for key in raw if key not in spec]\n', "")),
        # shares the default object between configs
        _variant(_LOAD_CONFIG, ('copy.deepcopy(rule.get("default"))', 'rule.get("default")')),
        # bool accepted as an int
        _variant(_LOAD_CONFIG, ("        if isinstance(value, bool) and expected is not bool:\n            ok = False\n        elif", "        if")),
        # a shallow copy of the default: a list inside a dict default is shared
        _variant(_LOAD_CONFIG, ('copy.deepcopy(rule.get("default"))', 'copy.copy(rule.get("default"))')),
    ],
    "contact_book": [
        # case-sensitive search
        _variant(_CONTACT_BOOK, ("return [dict(self._by_key[key]) for key in sorted(self._by_key) if needle in key]",
                                 'return [dict(c) for key, c in sorted(self._by_key.items()) if query.strip() in c["name"]]')),
        # duplicates checked with case: "ada" and "Ada" both stored
        _variant(_CONTACT_BOOK, ("key = name.casefold()", "key = name")),
        # results in insertion order
        _variant(_CONTACT_BOOK, ("for key in sorted(self._by_key)", "for key in self._by_key")),
        # hands out the stored dicts: callers can change the book
        _variant(_CONTACT_BOOK, ("return [dict(self._by_key[key]) for key in", "return [self._by_key[key] for key in")),
        # add hands out the stored dict: callers can change the book
        _variant(_CONTACT_BOOK, ("        return dict(self._by_key[key])\n", "        return self._by_key[key]\n")),
    ],
}
