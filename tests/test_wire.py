"""The judge's channel (aieprep.runtime.wire): what crosses by value, what stays a handle, and what is refused.

One side plays the judge, the other the notebook, over a real socket pair; the notebook serves in a thread.
"""

from __future__ import annotations

import collections
import os
import socket
import threading
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from aieprep.runtime import agent
from aieprep.runtime.llm import MODEL
from aieprep.runtime.wire import Channel, Peer, ProtocolError, Remote


class ListNode:  # a course class: the notebook and the judge each have one of this name
    def __init__(self, val: Any, next: Any = None) -> None:
        self.val, self.next = val, next


class CircuitOpenError(RuntimeError):  # a learner's own exception class (the judge has none)
    pass


def reverse(head: Any) -> Any:
    previous = None
    while head is not None:
        head.next, previous, head = previous, head, head.next
    return previous


class Queue:
    def __init__(self) -> None:
        self.items: list[Any] = []

    def push(self, item: Any) -> None:
        self.items.append(item)

    def pop(self) -> Any:
        return self.items.pop(0)


class Clock:  # a callable course class: its objects stay where they were made
    def __init__(self) -> None:
        self.now = 0

    def __call__(self) -> int:
        self.now += 1
        return self.now


def opener() -> None:
    raise CircuitOpenError("open")


class Counted(int):  # a course class with an int base (as Week 2's CountedInt)
    pass


class JudgeCounted(int):
    pass


JudgeCounted.__name__ = "Counted"


NOTEBOOK = {"ListNode": ListNode, "reverse": reverse, "Queue": Queue, "opener": opener,
            "append_one": lambda items: items.append(1), "same": lambda x: x,
            "call_twice": lambda f, x: (f(x), f(x)), "double_array": lambda a: a * 2,
            "read_twice": lambda clock: (clock(), clock()), "Clock": Clock,
            "odd": lambda source: (x for x in source if x % 2), "Yes": type("Yes", (int,), {"__eq__": lambda s, o: True,
                                                                                          "__hash__": int.__hash__})}


for _cls in (ListNode, Queue, CircuitOpenError, NOTEBOOK["Yes"]):
    _cls.__module__ = "__main__"  # as if defined in a notebook: not importable from the other side

NOTEBOOK["globals_of"] = lambda f: f.__globals__
NOTEBOOK["read"] = lambda obj, name: getattr(obj, name)
NOTEBOOK["huge_range"] = lambda: range(10**15)
NOTEBOOK["call_method"] = lambda obj, name, *args: getattr(obj, name)(*args)
NOTEBOOK["last"] = lambda seq: seq[len(seq) - 1]
NOTEBOOK["write_attr"] = lambda obj, name, value: setattr(obj, name, value)
NOTEBOOK["ask_model"] = lambda client, url: (client.chat.completions.create(
    model=MODEL, messages=[{"role": "user", "content": "Say hi"}]).choices[0].message.content,
    type(client).__module__, _fetch(client, url))
NOTEBOOK["CircuitOpenError"] = CircuitOpenError
NOTEBOOK["Counted"] = Counted
NOTEBOOK["largest_and_kinds"] = lambda items: (max(items), {type(x).__name__ for x in items}, items[0] is items[-1])


def _fetch(client: Any, url: str) -> str:
    try:
        return str(client.get(url, cast_to=str))
    except Exception as error:
        return type(error).__name__


class Tally:  # a course class the judge lends: its reads are counted where it lives
    def __init__(self, values: list[int]) -> None:
        self._values, self.reads = list(values), 0

    def __len__(self) -> int:
        return len(self._values)

    def __getitem__(self, index: int) -> int:
        self.reads += 1
        return self._values[index]

    def reset(self) -> None:
        self.reads = 0


class JudgeListNode(ListNode):
    pass


JudgeListNode.__name__ = "ListNode"


@pytest.fixture
def judge() -> Iterator[Any]:
    left, right = socket.socketpair()
    notebook = agent._peer_for(NOTEBOOK)  # the notebook's side as `serve` builds it, with its requests
    notebook.channel = Channel(right)
    notebook.set_course_names({"ListNode", "Clock", "Counted"})

    def serve() -> None:
        try:
            while True:
                notebook.serve_one(notebook.channel.receive())
        except Exception:
            pass

    threading.Thread(target=serve, daemon=True).start()
    peer = Peer(Channel(left), {"ListNode": JudgeListNode, "Clock": Clock, "Tally": Tally, "Counted": JudgeCounted}.get,
                {"ListNode", "Clock", "Tally", "Counted"}, private=True)
    peer.set_lending({"Tally": ["__len__", "__getitem__"]})
    yield lambda name: peer.request("ns", None, [name], {})
    left.close()
    right.close()
    agent._peers.clear()


def test_plain_data_crosses_with_its_types(judge: Any) -> None:
    value = [1, 2.5, "s", None, True, (1, 2), {"k": {3}}, frozenset({4}), b"x", 10**30, 1j,
             collections.Counter("aab"), collections.deque([1], maxlen=3)]
    assert judge("same")(value) == value
    assert [type(x) for x in judge("same")(value)] == [type(x) for x in value]


def test_a_mutated_argument_is_seen_mutated(judge: Any) -> None:
    items: list[int] = []
    judge("append_one")(items)
    assert items == [1]


def test_returning_an_argument_returns_the_caller_s_own_object(judge: Any) -> None:
    items = [3]
    assert judge("same")(items) is items


def test_course_objects_cross_by_value_with_their_links_and_cycles(judge: Any) -> None:
    head = JudgeListNode(1, JudgeListNode(2, JudgeListNode(3)))
    tail = head.next.next
    assert judge("reverse")(head) is tail and tail.next.next is head and head.next is None
    loop = JudgeListNode(1)
    loop.next = JudgeListNode(2, loop)
    assert judge("same")(loop) is loop


def test_numpy_arrays_cross_with_dtype_and_shape(judge: Any) -> None:
    result = judge("double_array")(np.arange(6, dtype=np.float32).reshape(2, 3))
    assert result.dtype == np.float32 and result.shape == (2, 3) and result[1, 2] == 10


def test_a_learner_object_is_a_handle_compared_by_identity(judge: Any) -> None:
    queue = judge("Queue")()
    queue.push([1, 2])
    assert isinstance(queue, Remote) and queue == queue and queue != [1, 2]
    assert queue.pop() == [1, 2]


def test_an_int_subclass_equal_to_everything_arrives_as_its_int(judge: Any) -> None:
    result = judge("same")(judge("Yes")(0))
    assert type(result) is int and result != 5


def test_a_judge_callable_is_called_where_it_lives(judge: Any) -> None:
    calls: list[int] = []

    def record(x: int) -> int:
        calls.append(x)
        return len(calls)

    assert judge("call_twice")(record, 7) == (1, 2) and calls == [7, 7]


def test_a_judge_generator_is_read_lazily(judge: Any) -> None:
    def endless() -> Iterator[int]:
        n = 0
        while True:
            assert n < 50, "read too far"
            yield n
            n += 1

    odd = judge("odd")(endless())
    assert [next(odd) for _ in range(3)] == [1, 3, 5]


def test_a_learner_exception_class_gets_a_stand_in_of_the_same_name(judge: Any) -> None:
    with pytest.raises(RuntimeError) as raised:
        judge("opener")()
    assert type(raised.value).__name__ == "CircuitOpenError" and str(raised.value) == "open"
    with pytest.raises(judge("CircuitOpenError")):
        judge("opener")()


def test_a_judge_object_s_private_attributes_stay_private(judge: Any) -> None:
    def secret() -> None:
        pass

    with pytest.raises(AttributeError):
        judge("globals_of")(secret)


def test_a_malformed_answer_is_a_protocol_error() -> None:
    left, right = socket.socketpair()
    peer = Peer(Channel(left), lambda n: None, set(), private=True)
    right.sendall(b"\x00\x00\x00\x05hello")
    with pytest.raises(ProtocolError):
        peer.channel.receive()
    right.sendall(b'\x00\x00\x00\x2b{"a": {"v": ["ok", {"r": 9}, []], "t": []}}')
    with pytest.raises(ProtocolError):
        peer.decode(peer.channel.receive()["a"])


@pytest.mark.parametrize("entry", [["0", []], [0, "d", None], [0, [], None, 1], "x"])
def test_a_malformed_state_sent_back_is_a_protocol_error(entry: Any) -> None:
    peer = Peer(Channel(socket.socketpair()[0]), lambda n: None, set(), private=True)
    with pytest.raises(ProtocolError):
        peer.decode({"v": [{"r": 0}], "t": [{"k": "states", "v": [entry]}]})


def test_changed_course_objects_come_back_with_their_new_links(judge: Any) -> None:
    nodes = [JudgeListNode(i) for i in range(3)]
    nodes[0].next, nodes[1].next = nodes[1], nodes[2]
    head = judge("reverse")(nodes[0])
    assert head is nodes[2] and nodes[2].next is nodes[1] and nodes[1].next is nodes[0] and nodes[0].next is None


def test_course_ints_cross_as_their_values_and_keep_their_identity(judge: Any) -> None:
    values = [JudgeCounted(v) for v in (5, 90, 7)]
    largest, kinds, ends_same = judge("largest_and_kinds")(values)
    assert largest is values[1] and kinds == {"Counted"} and not ends_same
    shared = JudgeCounted(3)
    assert judge("largest_and_kinds")([shared, JudgeCounted(1), shared])[2]  # one object twice stays one object


@pytest.mark.parametrize("table", [
    [{"k": "list", "cls": "Counted", "at": 1, "o": [1, 2]}, 0],  # an object without its table entry
    [{"k": "list", "cls": "Counted", "at": 1, "o": [1.5]}, 0],  # a value of another type than the base's
    [{"k": "list", "cls": "Nope", "at": 1, "o": [1]}, 0],  # an unknown class
    [{"k": "list", "cls": "Counted", "at": 1, "o": [1]}, 5],  # an entry naming another list
])
def test_a_malformed_list_of_course_ints_is_a_protocol_error(table: Any) -> None:
    peer = Peer(Channel(socket.socketpair()[0]), {"Counted": JudgeCounted}.get, {"Counted"}, private=True)
    with pytest.raises(ProtocolError):
        peer.decode({"v": [{"r": 0}], "t": table})


def test_a_callable_course_object_stays_where_it_was_made(judge: Any) -> None:
    clock = Clock()
    assert judge("read_twice")(clock) == (1, 2) and clock.now == 2


@pytest.fixture
def batched(judge: Any) -> Iterator[Any]:
    """``aieprep.runtime.testing`` wired to the notebook of ``judge``, as the judge wires it."""
    from aieprep.runtime import testing

    peer = judge("same").__getattribute__("_peer")
    testing._notebook_map = lambda func, items, star: peer.request("map", None, [func, items, star], {})
    testing._notebook_replay = lambda target, steps: peer.request("replay", None, [target, steps], {})
    sent = peer.channel.sent
    yield lambda: peer.channel.sent - sent
    testing._notebook_map = testing._notebook_replay = None


def test_many_calls_travel_in_one_exchange(judge: Any, batched: Any) -> None:
    from aieprep.runtime import testing

    queue = judge("Queue")()
    messages = batched()
    assert testing.each(judge("same"), [1, [2], "x"]) == [1, [2], "x"]
    assert testing.each(queue.push, [1, 2]) == [None, None] and queue.pop() == 1
    assert batched() - messages == 4  # one exchange per each(), one for the pop (and one for the lookup)


def test_many_calls_with_several_arguments_travel_in_one_exchange(judge: Any, batched: Any) -> None:
    from aieprep.runtime import testing

    pair = judge("call_twice")
    messages = batched()
    assert testing.each(pair, [(str, 1), (abs, -2)], star=True) == [("1", "1"), (2, 2)]
    assert batched() - messages <= 6  # the map, and the notebook calling back the judge's str and abs


def test_check_each_reports_the_first_wrong_case_with_its_call(judge: Any, batched: Any) -> None:
    from aieprep.runtime import testing

    same = judge("same")
    testing.check_each(same, [((1,), 1), (([2],), [2])])
    with pytest.raises(AssertionError, match=r"\(\[3\]\)\n  expected: \[4\]"):
        testing.check_each(same, [((1,), 1), (([3],), [4])])
    with pytest.raises(AssertionError, match="expected a int"):
        testing.check_each(same, [(("1",), 1)])


def test_replay_calls_many_methods_of_one_object_in_one_exchange(judge: Any, batched: Any) -> None:
    from aieprep.runtime import testing

    queue = judge("Queue")()
    messages = batched()
    results = testing.replay(queue, [("push", 1), ("pop",), ("pop",), ("push", 2), ("pop",)])
    assert batched() - messages == 1
    assert results[:2] == [None, 1] and isinstance(results[2], testing.Raised) and results[3:] == [None, 2]
    assert isinstance(results[2].error, IndexError)


def test_replay_in_the_notebook_itself_raises_nothing_either() -> None:
    from aieprep.runtime import testing

    results = testing.replay([3], [("pop",), ("pop",), ("__len__",)])
    assert results[0] == 3 and isinstance(results[1], testing.Raised) and results[2] == 0


def test_a_judge_generator_lends_iteration_and_nothing_else(judge: Any) -> None:
    def numbers() -> Iterator[int]:
        yield 1

    for name in ("gi_frame", "gi_code", "send", "throw", "close"):
        with pytest.raises(AttributeError, match="not lent|cannot be read"):
            judge("read")(numbers(), name)


def test_a_judge_function_lends_calls_and_nothing_else(judge: Any) -> None:
    def record(x: int) -> int:
        return x

    record.calls = 3  # type: ignore[attr-defined]
    with pytest.raises(AttributeError):
        judge("read")(record, "calls")
    with pytest.raises(AttributeError):
        judge("read")(record, "__globals__")


def test_a_callable_course_object_lends_no_attributes(judge: Any) -> None:
    with pytest.raises(AttributeError):
        judge("read")(Clock(), "now")


def test_a_lent_course_object_is_counted_in_the_judge(judge: Any) -> None:
    data = Tally(list(range(100)))
    assert judge("last")(data) == 99 and data.reads == 1
    with pytest.raises(AttributeError):
        judge("read")(data, "_values")
    with pytest.raises(AttributeError):
        judge("call_method")(data, "reset")  # a public method, but not lent
    with pytest.raises(TypeError):
        judge("write_attr")(data, "reads", 0)
    assert data.reads == 1


def test_a_model_client_crosses_as_the_real_sdk_and_reaches_only_its_model(judge: Any) -> None:
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from aieprep.runtime.llm import CourseModel

    class Secret(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"SECRET")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Secret)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with CourseModel() as model:
            model.script("hello")
            text, module, fetched = judge("ask_model")(model.client(), f"http://127.0.0.1:{server.server_port}/")
            assert (text, module.split(".")[0], len(model.requests)) == ("hello", "openai", 1)
            assert fetched == "APIConnectionError"
    finally:
        server.shutdown()


def test_a_range_too_long_to_expand_is_refused(judge: Any) -> None:
    with pytest.raises(ProtocolError, match="range"):
        judge("huge_range")()


def test_huge_ints_and_slices_cross(judge: Any) -> None:
    assert judge("same")(7**9000) == 7**9000
    assert judge("same")(slice(1, None, 2)) == slice(1, None, 2)


def test_a_slow_reader_is_waited_for_not_timed_out() -> None:
    """On a busy machine the other side may not read for a while: a send (here 4 MB, far more than a socket
    buffer) waits for it, even on the judge's side, whose channel watches for the end of the cell."""
    left, right = socket.socketpair()
    sender, receiver = Channel(left, abort=lambda: False), Channel(right)
    received: list[Any] = []

    def read_later() -> None:
        threading.Event().wait(0.3)  # the reader is descheduled for longer than any deadline would allow
        received.append(receiver.receive())

    reader = threading.Thread(target=read_later)
    reader.start()
    sender.send({"blob": "x" * (4 * 2**20)})
    reader.join()
    assert len(received[0]["blob"]) == 4 * 2**20
    sender.close()
    receiver.close()


def test_a_test_keeps_the_notebook_on_one_cpu_and_gives_it_back_after(tmp_path: Any) -> None:
    """The notebook's side of a test stays on the CPU it started on (the judge's test thread goes there
    too: a round trip on one core is about three times quicker here); its next cells may use every CPU."""
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(str(tmp_path / "judge.sock"))
    listener.listen(1)
    before = os.sched_getaffinity(0)
    seen: list[Any] = []

    def judge_side() -> None:
        conn, _ = listener.accept()
        peer = Peer(Channel(conn), lambda n: None, set(), private=True)
        seen.append(peer.request("hello", None, [[]], {}))
        seen.append(peer.request("notebook", None, ["cpus"], {}))
        peer.channel.send({"op": "done", "h": None, "a": peer.encode([{}])[0], "id": 0})

    thread = threading.Thread(target=judge_side)
    thread.start()
    namespace: dict[str, Any] = {"cpus": lambda: os.sched_getaffinity(0)}
    agent.serve(str(tmp_path / "judge.sock"), namespace)
    thread.join()
    agent._peers.pop(id(namespace))
    assert type(seen[0]) is int and seen[0] in before and seen[1] == {seen[0]}
    assert os.sched_getaffinity(0) == before
