"""Plausible wrong answers to the Week 2 exercises (see tests/test_verdicts.py).

Each entry maps an answer cell's grade id to full replacement sources for that cell: what a
candidate writes under time pressure. Every one of them must make at least one of the exercise's
test cells fail. Several are brute forces with the right results but the wrong complexity; the
tests catch those by counting element reads or comparisons, never by timing.
"""

from __future__ import annotations

from . import variant as _variant


_BINARY_SEARCH = r'''
def binary_search(nums, target):
    lo, hi = 0, len(nums)
    while lo < hi:
        mid = (lo + hi) // 2
        if nums[mid] < target:
            lo = mid + 1
        else:
            hi = mid
    if lo < len(nums) and nums[lo] == target:
        return lo
    return -1
'''

_SEARCH_ROTATED = r'''
def search_rotated(nums, target):
    lo, hi = 0, len(nums) - 1
    while lo <= hi:
        mid = (lo + hi) // 2
        middle = nums[mid]
        if middle == target:
            return mid
        left = nums[lo]
        if left <= middle:
            if left <= target < middle:
                hi = mid - 1
            else:
                lo = mid + 1
        else:
            right = nums[hi]
            if middle < target <= right:
                lo = mid + 1
            else:
                hi = mid - 1
    return -1
'''

_NUM_ISLANDS = r'''
def num_islands(grid):
    rows = len(grid)
    cols = len(grid[0]) if rows else 0
    seen = set()
    islands = 0
    for r in range(rows):
        for c in range(cols):
            if grid[r][c] != "1" or (r, c) in seen:
                continue
            islands += 1
            seen.add((r, c))
            queue = deque([(r, c)])
            while queue:
                i, j = queue.popleft()
                for a, b in ((i + 1, j), (i - 1, j), (i, j + 1), (i, j - 1)):
                    if 0 <= a < rows and 0 <= b < cols and grid[a][b] == "1" and (a, b) not in seen:
                        seen.add((a, b))
                        queue.append((a, b))
    return islands
'''

_SHORTEST_PATH = r'''
def shortest_path(graph, start, goal):
    if start == goal:
        return [start]
    parent = {start: None}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for nxt in graph.get(node, []):
            if nxt in parent:
                continue
            parent[nxt] = node
            if nxt == goal:
                path = [goal]
                while path[-1] != start:
                    path.append(parent[path[-1]])
                return path[::-1]
            queue.append(nxt)
    return None
'''

_KTH_LARGEST = r'''
def kth_largest(nums, k):
    if not 1 <= k <= len(nums):
        raise ValueError(f"k must be between 1 and {len(nums)}, got {k}")
    heap = list(nums[:k])
    heapq.heapify(heap)
    for x in nums[k:]:
        if x > heap[0]:
            heapq.heapreplace(heap, x)
    return heap[0]
'''

_MERGE_K = r'''
def merge_k_sorted(lists):
    heap = [(lst[0], i, 0) for i, lst in enumerate(lists) if lst]
    heapq.heapify(heap)
    merged = []
    while heap:
        value, i, j = heap[0]
        merged.append(value)
        if j + 1 < len(lists[i]):
            heapq.heapreplace(heap, (lists[i][j + 1], i, j + 1))
        else:
            heapq.heappop(heap)
    return merged
'''

_LONGEST_UNIQUE = r'''
def longest_unique_substring(s):
    last_seen = {}
    left = best = 0
    for right, ch in enumerate(s):
        if last_seen.get(ch, -1) >= left:
            left = last_seen[ch] + 1
        last_seen[ch] = right
        best = max(best, right - left + 1)
    return best
'''

_MAX_WINDOW = r'''
def max_window_sum(nums, k):
    if not 1 <= k <= len(nums):
        raise ValueError(f"k must be between 1 and {len(nums)}, got {k}")
    window = sum(nums[:k])
    best = window
    for i in range(k, len(nums)):
        window += nums[i] - nums[i - k]
        best = max(best, window)
    return best
'''

_MERGE_INTERVALS = r'''
def merge_intervals(intervals):
    merged = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return merged
'''

_COMBINATION_SUM = r'''
def combination_sum(candidates, target):
    items = sorted(candidates)
    result, chosen = [], []

    def explore(start, remaining):
        if remaining == 0:
            result.append(list(chosen))
            return
        for i in range(start, len(items)):
            if items[i] > remaining:
                break
            chosen.append(items[i])
            explore(i, remaining - items[i])
            chosen.pop()

    explore(0, target)
    return result
'''

_IS_VALID_BST = r'''
def is_valid_bst(root):
    stack = [(root, -math.inf, math.inf)]
    while stack:
        node, low, high = stack.pop()
        if node is None:
            continue
        if not low < node.val < high:
            return False
        stack.append((node.left, low, node.val))
        stack.append((node.right, node.val, high))
    return True
'''

_LEVEL_ORDER = r'''
def level_order(root):
    if root is None:
        return []
    levels, queue = [], deque([root])
    while queue:
        level = []
        for _ in range(len(queue)):
            node = queue.popleft()
            level.append(node.val)
            for child in (node.left, node.right):
                if child is not None:
                    queue.append(child)
        levels.append(level)
    return levels
'''

_COURSE_ORDER = r'''
def course_order(num_courses, prerequisites):
    dependants = defaultdict(list)
    indegree = [0] * num_courses
    for course, before in prerequisites:
        dependants[before].append(course)
        indegree[course] += 1
    queue = deque(c for c in range(num_courses) if indegree[c] == 0)
    order = []
    while queue:
        course = queue.popleft()
        order.append(course)
        for nxt in dependants[course]:
            indegree[nxt] -= 1
            if indegree[nxt] == 0:
                queue.append(nxt)
    return order if len(order) == num_courses else None
'''

_COIN_CHANGE = r'''
def coin_change(coins, amount):
    best = [0] + [math.inf] * amount
    for a in range(1, amount + 1):
        for coin in coins:
            if coin <= a and best[a - coin] + 1 < best[a]:
                best[a] = best[a - coin] + 1
    return -1 if best[amount] == math.inf else best[amount]
'''

_MERGE_SORT = r'''
def merge_sort(items):
    if len(items) <= 1:
        return list(items)
    middle = len(items) // 2
    left, right = merge_sort(items[:middle]), merge_sort(items[middle:])
    merged, i, j = [], 0, 0
    while i < len(left) and j < len(right):
        if right[j] < left[i]:
            merged.append(right[j])
            j += 1
        else:
            merged.append(left[i])
            i += 1
    merged.extend(left[i:])
    merged.extend(right[j:])
    return merged
'''

_PATTERN_ANSWERS = ["binary search", "bfs", "heap", "sliding window", "intervals", "backtracking",
                    "topological sort", "dynamic programming", "two pointers", "hash map", "dfs"]


def _patterns(**changes: str) -> str:
    """The PATTERNS cell with answers replaced by position (keyword p<index>)."""
    answers = list(_PATTERN_ANSWERS)
    for key, value in changes.items():
        answers[int(key[1:])] = value
    return (
        "PATTERNS = {\n"
        '    "Find the minimum value in a rotated sorted array of distinct numbers in O(log n).": None,\n'
        '    "Fewest moves for a knight to get from one square of a chessboard to another.": None,\n'
        '    "Keep the 10 highest-scoring documents from a stream of a billion scored documents, in O(10) memory.": None,\n'
        '    "Longest stretch of consecutive log lines that contains at most 2 distinct error codes.": None,\n'
        '    "Combine overlapping calendar bookings into blocks of busy time.": None,\n'
        '    "List every way to assign 4 distinct tools to the 4 steps of an agent\'s plan.": None,\n'
        '    "Order the deployment of microservices given which ones depend on which, or report a cycle.": None,\n'
        '    "Count the ways to split a string into words from a vocabulary.": None,\n'
        '    "In a sorted array, is there a pair summing to a target, using O(1) extra memory?": None,\n'
        '    "Group log lines by request id in one pass.": None,\n'
        '    "Count the connected groups of users in a friendship graph.": None,\n'
        "}\n"
        f"PATTERNS.update(dict(zip(PATTERNS, {answers!r})))\n"
    )


WRONG_ANSWERS: dict[str, list[str]] = {
    "binary_search": [
        # linear scan: right answers, O(n) reads
        "def binary_search(nums, target):\n"
        "    for i, x in enumerate(nums):\n"
        "        if x == target:\n"
        "            return i\n"
        "    return -1\n",
        # returns any occurrence, not the first
        "def binary_search(nums, target):\n"
        "    lo, hi = 0, len(nums) - 1\n"
        "    while lo <= hi:\n"
        "        mid = (lo + hi) // 2\n"
        "        if nums[mid] == target:\n"
        "            return mid\n"
        "        if nums[mid] < target:\n"
        "            lo = mid + 1\n"
        "        else:\n"
        "            hi = mid - 1\n"
        "    return -1\n",
        # finds any occurrence, then walks left: O(n) when everything equals the target
        "def binary_search(nums, target):\n"
        "    lo, hi = 0, len(nums) - 1\n"
        "    while lo <= hi:\n"
        "        mid = (lo + hi) // 2\n"
        "        if nums[mid] == target:\n"
        "            while mid > 0 and nums[mid - 1] == target:\n"
        "                mid -= 1\n"
        "            return mid\n"
        "        if nums[mid] < target:\n"
        "            lo = mid + 1\n"
        "        else:\n"
        "            hi = mid - 1\n"
        "    return -1\n",
        # <= instead of <: finds the position after the last occurrence
        _variant(_BINARY_SEARCH, ("if nums[mid] < target:", "if nums[mid] <= target:")),
        # bisect from the standard library: the contract asks for the loop itself
        "def binary_search(nums, target):\n"
        "    i = bisect.bisect_left(nums, target)\n"
        "    return i if i < len(nums) and nums[i] == target else -1\n",
    ],
    "search_rotated": [
        # < instead of <= when testing the left half: [3, 1], 1 gives -1
        _variant(_SEARCH_ROTATED, ("if left <= middle:", "if left < middle:")),
        # linear scan: O(n) reads
        "def search_rotated(nums, target):\n"
        "    for i in range(len(nums)):\n"
        "        if nums[i] == target:\n"
        "            return i\n"
        "    return -1\n",
        # finds the pivot with min(): O(n), then a correct binary search
        "def search_rotated(nums, target):\n"
        "    if not nums:\n"
        "        return -1\n"
        "    pivot = min(range(len(nums)), key=lambda i: nums[i])\n"
        "    lo, hi = (pivot, len(nums) - 1) if nums[pivot] <= target <= nums[len(nums) - 1] else (0, pivot - 1)\n"
        "    while lo <= hi:\n"
        "        mid = (lo + hi) // 2\n"
        "        if nums[mid] == target:\n"
        "            return mid\n"
        "        if nums[mid] < target:\n"
        "            lo = mid + 1\n"
        "        else:\n"
        "            hi = mid - 1\n"
        "    return -1\n",
        # plain binary search that ignores the rotation
        "def search_rotated(nums, target):\n"
        "    i = bisect.bisect_left(nums, target)\n"
        "    return i if i < len(nums) and nums[i] == target else -1\n",
    ],
    "num_islands": [
        # recursive DFS: RecursionError on the 200 x 200 island
        "def num_islands(grid):\n"
        "    seen = set()\n"
        "    def sink(r, c):\n"
        "        if not (0 <= r < len(grid) and 0 <= c < len(grid[0])) or grid[r][c] != '1' or (r, c) in seen:\n"
        "            return\n"
        "        seen.add((r, c))\n"
        "        for a, b in ((r + 1, c), (r - 1, c), (r, c + 1), (r, c - 1)):\n"
        "            sink(a, b)\n"
        "    count = 0\n"
        "    for r in range(len(grid)):\n"
        "        for c in range(len(grid[0])):\n"
        "            if grid[r][c] == '1' and (r, c) not in seen:\n"
        "                count += 1\n"
        "                sink(r, c)\n"
        "    return count\n",
        # diagonal neighbours too
        _variant(_NUM_ISLANDS, ("((i + 1, j), (i - 1, j), (i, j + 1), (i, j - 1))",
                                "((i + 1, j), (i - 1, j), (i, j + 1), (i, j - 1), (i + 1, j + 1), (i - 1, j - 1), (i + 1, j - 1), (i - 1, j + 1))")),
        # sinks the islands in the caller's grid
        _variant(_NUM_ISLANDS, ("                        seen.add((a, b))\n",
                                "                        seen.add((a, b))\n                        grid[a][b] = '0'\n")),
        # counts land cells, not islands
        "def num_islands(grid):\n"
        "    return sum(row.count('1') for row in grid)\n",
    ],
    "shortest_path": [
        # DFS with a stack: finds a path, not the shortest
        _variant(_SHORTEST_PATH, ("node = queue.popleft()", "node = queue.pop()")),
        # graph[node]: KeyError for a node without outgoing edges
        _variant(_SHORTEST_PATH, ("graph.get(node, [])", "graph[node]")),
        # forgets the start node in the path
        _variant(_SHORTEST_PATH, ("return path[::-1]", "return path[::-1][1:]")),
        # start == goal returns None instead of [start] (the loop never re-finds start)
        _variant(_SHORTEST_PATH, ("    if start == goal:\n        return [start]\n", "")),
    ],
    "kth_largest": [
        # sorts everything: right answer, O(n log n) comparisons
        "def kth_largest(nums, k):\n"
        "    if not 1 <= k <= len(nums):\n"
        "        raise ValueError('bad k')\n"
        "    return sorted(nums, reverse=True)[k - 1]\n",
        # removes duplicates first
        "def kth_largest(nums, k):\n"
        "    if not 1 <= k <= len(nums):\n"
        "        raise ValueError('bad k')\n"
        "    return heapq.nlargest(k, set(nums))[-1]\n",
        # no check of k: k = 0 gives IndexError, not ValueError
        _variant(_KTH_LARGEST, ("    if not 1 <= k <= len(nums):\n        raise ValueError(f\"k must be between 1 and {len(nums)}, got {k}\")\n", "")),
        # sorts the caller's list in place
        "def kth_largest(nums, k):\n"
        "    if not 1 <= k <= len(nums):\n"
        "        raise ValueError('bad k')\n"
        "    nums.sort()\n"
        "    return nums[-k]\n",
    ],
    "top_k_frequent": [
        # Counter.most_common: ties in order of first appearance
        "def top_k_frequent(nums, k):\n"
        "    return [value for value, _ in Counter(nums).most_common(k)]\n",
        # ties to the larger value
        "def top_k_frequent(nums, k):\n"
        "    counts = Counter(nums)\n"
        "    return sorted(counts, key=lambda v: (counts[v], v), reverse=True)[:k]\n",
        # returns (value, count) pairs
        "def top_k_frequent(nums, k):\n"
        "    counts = Counter(nums)\n"
        "    return sorted(counts.items(), key=lambda vc: (-vc[1], vc[0]))[:k]\n",
    ],
    "merge_k_sorted": [
        # merges one list after another into a growing result: O(N k) comparisons
        "def merge_k_sorted(lists):\n"
        "    merged = []\n"
        "    for lst in lists:\n"
        "        out, i, j = [], 0, 0\n"
        "        while i < len(merged) and j < len(lst):\n"
        "            if lst[j] < merged[i]:\n"
        "                out.append(lst[j]); j += 1\n"
        "            else:\n"
        "                out.append(merged[i]); i += 1\n"
        "        merged = out + merged[i:] + lst[j:]\n"
        "    return merged\n",
        # scans every head for each item: O(N k) comparisons
        "def merge_k_sorted(lists):\n"
        "    positions = [0] * len(lists)\n"
        "    merged = []\n"
        "    while True:\n"
        "        best = None\n"
        "        for i, lst in enumerate(lists):\n"
        "            if positions[i] < len(lst) and (best is None or lst[positions[i]] < lists[best][positions[best]]):\n"
        "                best = i\n"
        "        if best is None:\n"
        "            return merged\n"
        "        merged.append(lists[best][positions[best]])\n"
        "        positions[best] += 1\n",
        # pops from the caller's lists
        "def merge_k_sorted(lists):\n"
        "    heap = [(lst.pop(0), i) for i, lst in enumerate(lists) if lst]\n"
        "    heapq.heapify(heap)\n"
        "    merged = []\n"
        "    while heap:\n"
        "        value, i = heapq.heappop(heap)\n"
        "        merged.append(value)\n"
        "        if lists[i]:\n"
        "            heapq.heappush(heap, (lists[i].pop(0), i))\n"
        "    return merged\n",
        # assumes no list is empty
        _variant(_MERGE_K, ("for i, lst in enumerate(lists) if lst]", "for i, lst in enumerate(lists)]")),
        # hands back the only non-empty list itself instead of a new list
        _variant(_MERGE_K, ("    heap = [", "    nonempty = [lst for lst in lists if lst]\n"
                                         "    if len(nonempty) == 1:\n"
                                         "        return nonempty[0]\n"
                                         "    heap = [")),
    ],
    "longest_unique_substring": [
        # restarts the window after the repeated character's new position ("dvdf" gives 2)
        _variant(_LONGEST_UNIQUE, ("left = last_seen[ch] + 1", "left = right")),
        # moves left back when the earlier occurrence is outside the window ("abba" gives 3)
        _variant(_LONGEST_UNIQUE, ("if last_seen.get(ch, -1) >= left:", "if ch in last_seen:")),
        # ignores case
        _variant(_LONGEST_UNIQUE, ("enumerate(s)", "enumerate(s.lower())")),
        # looks for the repeat in a slice of the window: right answers, O(n * window) reads
        "def longest_unique_substring(s):\n"
        "    left = best = 0\n"
        "    for right in range(len(s)):\n"
        "        window = s[left:right]\n"
        "        if s[right] in window:\n"
        "            left += window.index(s[right]) + 1\n"
        "        best = max(best, right - left + 1)\n"
        "    return best\n",
        # grows a fresh set from every start: right answers, O(n * window) reads
        "def longest_unique_substring(s):\n"
        "    best = 0\n"
        "    for i in range(len(s)):\n"
        "        seen = set()\n"
        "        for j in range(i, len(s)):\n"
        "            if s[j] in seen:\n"
        "                break\n"
        "            seen.add(s[j])\n"
        "        best = max(best, len(seen))\n"
        "    return best\n",
    ],
    "max_window_sum": [
        # brute force: sums every window, O(n k) reads
        "def max_window_sum(nums, k):\n"
        "    if not 1 <= k <= len(nums):\n"
        "        raise ValueError('bad k')\n"
        "    return max(sum(nums[i:i + k]) for i in range(len(nums) - k + 1))\n",
        # starts from 0: wrong when every sum is negative
        _variant(_MAX_WINDOW, ("    best = window\n", "    best = 0\n    best = max(best, window)\n")),
        # misses the last window
        _variant(_MAX_WINDOW, ("for i in range(k, len(nums)):", "for i in range(k, len(nums) - 1):")),
        # no check of k
        _variant(_MAX_WINDOW, ("    if not 1 <= k <= len(nums):\n        raise ValueError(f\"k must be between 1 and {len(nums)}, got {k}\")\n", "")),
    ],
    "merge_intervals": [
        # doesn't sort first
        _variant(_MERGE_INTERVALS, ("in sorted(intervals):", "in intervals:")),
        # touching intervals stay apart
        _variant(_MERGE_INTERVALS, ("start <= merged[-1][1]", "start < merged[-1][1]")),
        # takes the new end instead of the larger end ([1, 10], [2, 3] gives [1, 3])
        _variant(_MERGE_INTERVALS, ("max(merged[-1][1], end)", "end")),
        # sorts and merges the caller's lists in place
        "def merge_intervals(intervals):\n"
        "    intervals.sort()\n"
        "    merged = []\n"
        "    for interval in intervals:\n"
        "        if merged and interval[0] <= merged[-1][1]:\n"
        "            merged[-1][1] = max(merged[-1][1], interval[1])\n"
        "        else:\n"
        "            merged.append(interval)\n"
        "    return merged\n",
        # keeps the caller's lists in the result when they don't merge
        "def merge_intervals(intervals):\n"
        "    merged = []\n"
        "    for interval in sorted(intervals):\n"
        "        if merged and interval[0] <= merged[-1][1]:\n"
        "            merged[-1] = [merged[-1][0], max(merged[-1][1], interval[1])]\n"
        "        else:\n"
        "            merged.append(interval)\n"
        "    return merged\n",
        # compares each interval with every merged one: right answers, O(n^2) comparisons
        "def merge_intervals(intervals):\n"
        "    merged = []\n"
        "    for start, end in sorted(intervals):\n"
        "        for interval in merged:\n"
        "            if start <= interval[1] and interval[0] <= end:\n"
        "                interval[0], interval[1] = min(interval[0], start), max(interval[1], end)\n"
        "                break\n"
        "        else:\n"
        "            merged.append([start, end])\n"
        "    return merged\n",
    ],
    "combination_sum": [
        # each candidate at most once
        _variant(_COMBINATION_SUM, ("explore(i, remaining - items[i])", "explore(i + 1, remaining - items[i])")),
        # restarts from 0: the same combination in several orders
        _variant(_COMBINATION_SUM, ("explore(i, remaining - items[i])", "explore(0, remaining - items[i])")),
        # appends the list being built, not a copy: every answer ends up []
        _variant(_COMBINATION_SUM, ("result.append(list(chosen))", "result.append(chosen)")),
        # doesn't sort the candidates: the break prunes too early and the order is off
        _variant(_COMBINATION_SUM, ("items = sorted(candidates)", "items = list(candidates)")),
    ],
    "is_valid_bst": [
        # compares each node with its children only
        "def is_valid_bst(root):\n"
        "    if root is None:\n"
        "        return True\n"
        "    if root.left is not None and not root.left.val < root.val:\n"
        "        return False\n"
        "    if root.right is not None and not root.val < root.right.val:\n"
        "        return False\n"
        "    return is_valid_bst(root.left) and is_valid_bst(root.right)\n",
        # allows duplicates
        _variant(_IS_VALID_BST, ("if not low < node.val < high:", "if not low <= node.val <= high:")),
        # in-order must be non-decreasing, not increasing
        "def is_valid_bst(root):\n"
        "    values = inorder(root)\n"
        "    return all(a <= b for a, b in zip(values, values[1:]))\n",
        # 64-bit sentinels instead of infinities: wrong for ints beyond them
        _variant(_IS_VALID_BST, ("(root, -math.inf, math.inf)", "(root, -2**63, 2**63 - 1)")),
    ],
    "level_order": [
        # one flat list
        "def level_order(root):\n"
        "    if root is None:\n"
        "        return []\n"
        "    values, queue = [], deque([root])\n"
        "    while queue:\n"
        "        node = queue.popleft()\n"
        "        values.append(node.val)\n"
        "        queue.extend(c for c in (node.left, node.right) if c is not None)\n"
        "    return values\n",
        # right to left
        _variant(_LEVEL_ORDER, ("(node.left, node.right)", "(node.right, node.left)")),
        # an empty tree gives [[]]
        _variant(_LEVEL_ORDER, ("    if root is None:\n        return []\n", "    if root is None:\n        return [[]]\n")),
        # a stack instead of a queue
        _variant(_LEVEL_ORDER, ("node = queue.popleft()", "node = queue.pop()")),
    ],
    "course_order": [
        # edges flipped: prerequisites come after their courses
        _variant(_COURSE_ORDER, ("for course, before in prerequisites:", "for before, course in prerequisites:")),
        # DFS post-order without cycle detection: an order even when there is a cycle
        "def course_order(num_courses, prerequisites):\n"
        "    needs = defaultdict(list)\n"
        "    for course, before in prerequisites:\n"
        "        needs[course].append(before)\n"
        "    done, order = set(), []\n"
        "    def visit(c):\n"
        "        if c in done:\n"
        "            return\n"
        "        done.add(c)\n"
        "        for b in needs[c]:\n"
        "            visit(b)\n"
        "        order.append(c)\n"
        "    for c in range(num_courses):\n"
        "        visit(c)\n"
        "    return order\n",
        # [] instead of None on a cycle
        _variant(_COURSE_ORDER, ("else None", "else []")),
        # only the courses that appear in a pair
        _variant(_COURSE_ORDER, ("return order if len(order) == num_courses else None",
                                 "return [c for c in order if c in {x for p in prerequisites for x in p}] if len(order) == num_courses else None")),
        # graphlib does the work the exercise asks for
        "def course_order(num_courses, prerequisites):\n"
        "    graph = {c: set() for c in range(num_courses)}\n"
        "    for course, before in prerequisites:\n"
        "        graph[course].add(before)\n"
        "    try:\n"
        "        return list(TopologicalSorter(graph).static_order())\n"
        "    except CycleError:\n"
        "        return None\n",
        # scans every course for the next one ready: O(V^2)
        "def course_order(num_courses, prerequisites):\n"
        "    dependants = defaultdict(list)\n"
        "    indegree = [0] * num_courses\n"
        "    for course, before in prerequisites:\n"
        "        dependants[before].append(course)\n"
        "        indegree[course] += 1\n"
        "    taken, order = [False] * num_courses, []\n"
        "    for _ in range(num_courses):\n"
        "        ready = next((c for c in range(num_courses) if not taken[c] and indegree[c] == 0), None)\n"
        "        if ready is None:\n"
        "            return None\n"
        "        taken[ready] = True\n"
        "        order.append(ready)\n"
        "        for nxt in dependants[ready]:\n"
        "            indegree[nxt] -= 1\n"
        "    return order\n",
        # looks through all the pairs again for each course: O(V * E)
        "def course_order(num_courses, prerequisites):\n"
        "    done, order = set(), []\n"
        "    while len(order) < num_courses:\n"
        "        ready = [c for c in range(num_courses) if c not in done\n"
        "                 and all(b in done for a, b in prerequisites if a == c)]\n"
        "        if not ready:\n"
        "            return None\n"
        "        done.update(ready)\n"
        "        order += ready\n"
        "    return order\n",
    ],
    "coin_change": [
        # greedy: biggest coin first
        "def coin_change(coins, amount):\n"
        "    count = 0\n"
        "    for coin in sorted(coins, reverse=True):\n"
        "        count += amount // coin\n"
        "        amount %= coin\n"
        "    return count if amount == 0 else -1\n",
        # memoised recursion: RecursionError at amount 3,000
        "def coin_change(coins, amount):\n"
        "    @cache\n"
        "    def best(a):\n"
        "        if a == 0:\n"
        "            return 0\n"
        "        options = [best(a - c) for c in coins if c <= a]\n"
        "        options = [o for o in options if o >= 0]\n"
        "        return 1 + min(options) if options else -1\n"
        "    return best(amount)\n",
        # 0 instead of -1 when impossible
        _variant(_COIN_CHANGE, ("return -1 if best[amount] == math.inf else best[amount]",
                                "return 0 if best[amount] == math.inf else best[amount]")),
        # returns the infinity
        _variant(_COIN_CHANGE, ("return -1 if best[amount] == math.inf else best[amount]", "return best[amount]")),
    ],
    "merge_sort": [
        # insertion sort: right result, O(n^2) comparisons
        "def merge_sort(items):\n"
        "    result = list(items)\n"
        "    for i in range(1, len(result)):\n"
        "        j = i\n"
        "        while j > 0 and result[j] < result[j - 1]:\n"
        "            result[j], result[j - 1] = result[j - 1], result[j]\n"
        "            j -= 1\n"
        "    return result\n",
        # takes from the right half on ties: not stable
        _variant(_MERGE_SORT, ("if right[j] < left[i]:", "if right[j] <= left[i]:")),
        # forgets the leftovers of the halves
        _variant(_MERGE_SORT, ("    merged.extend(left[i:])\n    merged.extend(right[j:])\n", "")),
        # returns the input itself for short lists
        _variant(_MERGE_SORT, ("        return list(items)", "        return items")),
        # the standard library does the sorting
        "def merge_sort(items):\n"
        "    return sorted(items)\n",
        # list.sort on a copy
        "def merge_sort(items):\n"
        "    result = list(items)\n"
        "    result.sort()\n"
        "    return result\n",
    ],
    "patterns": [
        # BFS and DFS swapped
        _patterns(p1="dfs", p10="bfs"),
        # a heap for the rotated array, binary search for top-k
        _patterns(p0="heap", p2="binary search"),
        # backtracking where DP is needed
        _patterns(p7="backtracking"),
        # two pointers for the window
        _patterns(p3="two pointers"),
    ],
}
