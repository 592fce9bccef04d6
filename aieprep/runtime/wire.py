"""The channel between the judge and a learner's kernel, and the values that cross it.

Only data crosses: each message is a length-prefixed JSON document. Values are encoded as

- JSON scalars for ``None``, ``bool``, ``int``, ``float`` and ``str``;
- entries of an object table for everything else, so that shared and cyclic structures (a linked list
  with a cycle) keep their shape: lists, tuples, dicts, sets, bytes, complex numbers, deques, Counters,
  numpy arrays and scalars, classes and exceptions by their importable name, and instances of the
  course's own classes (``ListNode``, ``CountingList`` …, named by the judge) by their attributes;
- **handles** for anything else (a learner's function, generator or object; a judge's callback): the
  other side gets a :class:`Remote` whose calls, attribute reads and iteration travel back as requests.

A call sends its arguments by value and the callee sends back, with the result, the state of every
mutable argument it received, which the caller writes into its own objects in place: a learner
function that mutates its input is seen to do so, and one that returns its input returns the caller's
object. Requests nest both ways (a learner's ``retry`` calls the judge's ``sleep`` recorder while the
judge waits for ``retry``).

Nothing here unpickles or evaluates what it receives: a class is looked up by name among modules
already imported on the receiving side, an exception is rebuilt with ``__new__`` and its ``args``,
and a course object with ``__new__`` and its attributes; no method of the sender's choosing runs.
"""

from __future__ import annotations

import asyncio
import base64
import collections
import collections.abc
import dataclasses
import functools
import inspect
import json
import random
import select
import socket
import struct
import sys
import threading
import types
from collections.abc import Callable
from typing import Any

__all__ = ["Channel", "ChannelClosed", "Peer", "ProtocolError", "Remote", "RemoteError", "RemoteMethod",
           "run_coroutine"]

MAX_FRAME = 64 * 2**20  # a message larger than this is refused before it is read
_HEADER = struct.Struct(">I")
_SCALARS = (type(None), bool, int, float, str)


class ProtocolError(Exception):
    """The other side sent something that is not a valid message."""


class ChannelClosed(Exception):
    """The other side went away (its kernel stopped, or it closed the channel)."""


class RemoteError(Exception):
    """An exception raised on the other side whose class does not exist here; its text is kept."""


class Channel:
    """Length-prefixed JSON frames over a connected socket. ``abort`` is polled while waiting."""

    def __init__(self, sock: socket.socket, abort: Callable[[], bool] | None = None) -> None:
        self.sock = sock
        self.abort = abort
        self.sent = 0  # messages sent: a test's traffic (bench/roundtrips.py reads the judge's count)
        sock.settimeout(None)  # never a deadline: a slow peer on a busy machine is waited for (sends included)
        self._wake_read, self._wake_write = socket.socketpair()  # wake() ends a wait for a message at once
        self._poll = select.poll()
        self._poll.register(sock, select.POLLIN)
        self._poll.register(self._wake_read, select.POLLIN)

    def wake(self) -> None:
        """Make a ``receive(idle=…)`` that is waiting look at ``idle()`` now."""
        try:
            self._wake_write.send(b"!")
        except OSError:
            pass

    def send(self, message: dict[str, Any]) -> None:
        data = json.dumps(message, separators=(",", ":"), allow_nan=True).encode()
        try:
            self.sock.sendall(_HEADER.pack(len(data)) + data)
            self.sent += 1
        except OSError as error:
            raise ChannelClosed(f"cannot send: {error}") from None

    def _exactly(self, n: int, idle: Callable[[], bool] | None = None) -> bytes | None:
        """``n`` bytes. While none has arrived, ``abort()`` (the notebook's cell ended) is looked at every 50 ms
        and ends the wait, and so does ``idle()`` between messages (returning None). Never a timeout."""
        chunks, left = [], n
        watch = idle is not None or self.abort is not None
        while left:
            if watch:
                ready = {fd for fd, _ in self._poll.poll(50)}  # poll, not select: any descriptor number
                if self._wake_read.fileno() in ready:
                    self._wake_read.recv(4096)
                if self.sock.fileno() not in ready:
                    if self.abort is not None and self.abort():
                        raise ChannelClosed("stopped waiting: the notebook's cell has ended")
                    if idle is not None and left == n and idle():
                        return None  # nothing arrived, and the caller has something else to check
                    continue
            try:
                chunk = self.sock.recv(min(left, 1 << 20))
            except OSError as error:
                raise ChannelClosed(f"cannot receive: {error}") from None
            if not chunk:
                raise ChannelClosed("the other side closed the channel")
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)

    def receive(self, idle: Callable[[], bool] | None = None) -> dict[str, Any] | None:
        """The next message; None if ``idle()`` turned true before one began to arrive."""
        header = self._exactly(_HEADER.size, idle)
        if header is None:
            return None
        (size,) = _HEADER.unpack(header)
        if size > MAX_FRAME:
            raise ProtocolError(f"a message of {size} bytes (at most {MAX_FRAME})")
        try:
            message = json.loads(self._exactly(size) or b"")
        except ValueError as error:
            raise ProtocolError(f"not JSON: {error}") from None
        if type(message) is not dict:
            raise ProtocolError("a message that is not an object")
        return message

    def close(self) -> None:
        for sock in (self.sock, self._wake_read, self._wake_write):
            try:
                sock.close()
            except OSError:
                pass


class Remote:
    """An object that lives on the other side. Calls, attribute reads, ``len``, iteration, indexing,
    ``with`` and ``await`` are requests; equality and hashing are by identity, never the owner's."""

    __slots__ = ("_peer", "_handle", "_info", "__weakref__")
    __doc__ = property(lambda self: self._ask("getattr", "__doc__"))

    def __init__(self, peer: Peer, handle: int, info: dict[str, Any]) -> None:
        object.__setattr__(self, "_peer", peer)
        object.__setattr__(self, "_handle", handle)
        object.__setattr__(self, "_info", info)

    def _ask(self, op: str, *args: Any, **kwargs: Any) -> Any:
        return self._peer.request(op, self._handle, list(args), kwargs)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self._info.get("coro_fn"):
            return self._peer.deferred_call(self._handle, args, kwargs)
        return self._ask("call", *args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") and name.endswith("__") and name not in _PUBLIC_DUNDERS:
            raise AttributeError(name)
        if name in self._info.get("m", ()):
            return RemoteMethod(self, name)
        if name == "__name__" and "name" in self._info:
            return self._info["name"]
        return self._ask("getattr", name)

    def __setattr__(self, name: str, value: Any) -> None:
        self._ask("setattr", name, value)

    def __len__(self) -> int:
        result = self._ask("len")
        if type(result) is not int:
            raise TypeError("len() of a remote object did not return an int")
        return result

    def __bool__(self) -> bool:
        return self._ask("bool") is True

    def __iter__(self) -> Any:
        return self._ask("iter")

    def __next__(self) -> Any:
        return self._ask("next")

    def __getitem__(self, key: Any) -> Any:
        return self._ask("getitem", key)

    def __setitem__(self, key: Any, value: Any) -> None:
        self._ask("setitem", key, value)

    def __contains__(self, item: Any) -> bool:
        return self._ask("contains", item) is True

    def __enter__(self) -> Any:
        return self._ask("enter")

    def __exit__(self, *exc: Any) -> Any:
        return self._ask("exit", *exc)

    def __await__(self) -> Any:
        return self._ask("await")
        yield  # noqa: unreachable; makes this a generator, so `await remote` works

    def __repr__(self) -> str:
        text = self._ask("repr")
        return text[:1000] if type(text) is str else f"<{self._info.get('type', 'object')} from the notebook>"

    def __str__(self) -> str:
        text = self._ask("str")
        return text[:1000] if type(text) is str else repr(self)

    def __lt__(self, other: Any) -> Any:
        return self._ask("lt", other)

    def __le__(self, other: Any) -> Any:
        return self._ask("le", other)

    def __gt__(self, other: Any) -> Any:
        return self._ask("gt", other)

    def __ge__(self, other: Any) -> Any:
        return self._ask("ge", other)

    def __eq__(self, other: object) -> bool:
        return self is other

    def __ne__(self, other: object) -> bool:
        return self is not other

    def __hash__(self) -> int:
        return id(self)

    def __copy__(self) -> Remote:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Remote:
        return self


class RemoteMethod:
    """A method of a remote object, called in one request (``q.push(x)``)."""

    __slots__ = ("_owner", "_name", "__name__")

    def __init__(self, owner: Remote, name: str) -> None:
        self._owner, self._name, self.__name__ = owner, name, name

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._owner._ask("callmethod", self._name, *args, **kwargs)

    def __repr__(self) -> str:
        return f"<method {self._name} of a notebook object>"


def _qualified(cls: type) -> str:
    return f"{cls.__module__}:{cls.__qualname__}"


def _lookup_class(name: Any) -> Any:
    """A class named ``module:qualname`` from a module this process has already imported, or None."""
    if type(name) is not str or ":" not in name:
        return None
    module_name, qualname = name.split(":", 1)
    value: Any = sys.modules.get(module_name)
    for part in qualname.split("."):
        if value is None or part.startswith("<"):
            return None
        value = getattr(value, part, None) if isinstance(value, (types.ModuleType, type)) else None
    return value if isinstance(value, type) else None


def _numpy() -> Any:
    return sys.modules.get("numpy")


# Requests a side serves for the objects it owns. The judge serves only these for its callbacks; "getattr"
# on a judge object is limited to public names (no __globals__, no _private state).
_PUBLIC_DUNDERS = {"__name__", "__qualname__", "__doc__", "__module__"}
_ORDER: dict[str, Callable[[Any, Any], Any]] = {"lt": lambda a, b: a < b, "le": lambda a, b: a <= b,
                                               "gt": lambda a, b: a > b, "ge": lambda a, b: a >= b}
_OPS = {"lt", "le", "gt", "ge", "call", "callmethod", "getattr", "setattr", "len", "bool", "iter", "next", "getitem", "setitem", "contains",
        "enter", "exit", "await", "repr", "str"}
# The request each special method answers, for the capabilities of a lent object.
_PROTOCOL = {"__call__": "call", "__len__": "len", "__getitem__": "getitem", "__iter__": "iter", "__next__": "next",
             "__contains__": "contains", "__bool__": "bool", "__lt__": "lt", "__le__": "le", "__gt__": "gt", "__ge__": "ge",
             "__enter__": "enter", "__exit__": "exit"}
_CALLABLES = (types.FunctionType, types.BuiltinFunctionType, types.MethodType, types.BuiltinMethodType,
              types.MethodWrapperType, functools.partial)
# Library objects a test may lend, with the methods they are lent for (a seeded random.Random for jitter).
_RANDOM_METHODS = frozenset({"random", "uniform", "randint", "randrange", "choice", "choices", "gauss", "sample",
                             "shuffle", "getrandbits"})
_NUMPY_RANDOM_METHODS = frozenset({"random", "choice", "integers", "uniform", "normal", "permutation", "shuffle",
                                   "standard_normal"})


def _library_lending() -> list[tuple[type, frozenset[str]]]:
    np = _numpy()
    lent: list[tuple[type, frozenset[str]]] = [(random.Random, _RANDOM_METHODS)]
    if np is not None:
        lent.append((np.random.Generator, _NUMPY_RANDOM_METHODS))
    return lent


MAX_RANGE = 1_000_000  # items a range received may hold (it expands when used)


class Capability:
    """What a handle to one of the judge's objects allows: the requests (``ops``) and the public methods
    (``methods``) the object was lent for. Nothing else is served: no attribute reads, no writes."""

    __slots__ = ("ops", "methods")

    def __init__(self, ops: frozenset[str], methods: frozenset[str] = frozenset()) -> None:
        self.ops, self.methods = ops, methods


class Peer:
    """One side of the channel: encodes values, makes requests and serves the other side's.

    ``course_classes`` maps class names to the classes whose instances cross by value (the judge passes
    its own course classes; the learner's side looks the names up in the notebook's namespace).
    ``private`` objects (the judge's) may be called and iterated but their private attributes not read.
    """

    def __init__(self, channel: Channel, course_classes: Callable[[str], Any],
                 course_names: set[str], private: bool, extra_ops: dict[str, Callable[..., Any]] | None = None) -> None:
        self.channel = channel
        self.course_classes = course_classes
        self.course_names = course_names
        self.private = private
        self.extra_ops = extra_ops or {}
        self.lend: dict[str, frozenset[str]] = {}  # course classes lent, not copied, and the operations lent
        self.handles: dict[int, Any] = {}
        self._caps: dict[int, Capability] = {}
        self._handle_ids: dict[int, int] = {}
        self._stand_ins: dict[str, type] = {}
        self._course_kinds: dict[type, bool] = {}
        self.done = False
        self._turn = threading.Condition()
        self._reading = False
        self._replies: dict[int, dict[str, Any]] = {}
        self._last_id = 0

    def set_lending(self, lend: dict[str, list[str]]) -> None:
        """Course classes whose objects this side lends as handles instead of copying them, each with the
        operations a handle allows (special methods such as ``__getitem__``, or public method names)."""
        self.lend = {str(name): frozenset(map(str, ops)) for name, ops in lend.items()}
        self._course_kinds.clear()

    def release_handles(self) -> None:
        """Forget every object handed out so far (the end of a test): the other side's handles go dead."""
        self.handles.clear()
        self._handle_ids.clear()
        self._caps.clear()

    def capability(self, value: Any) -> Capability:
        """What a handle to ``value``, an object of this (private) side, allows: the operations its lending
        names for a lent course class; for a class of the tests or the course, its public methods and the
        special methods it defines; next() for an iterator; a call for a function; else repr() and str()."""
        kind = type(value)
        shown = frozenset({"repr", "str"})
        course = self.course_classes(kind.__name__) is kind
        lent = self.lend.get(kind.__name__) if course else None
        if lent is None and (course or kind.__module__ == "__main__"):
            lent = frozenset(name for cls in kind.__mro__ if cls.__module__ == kind.__module__
                             for name, member in vars(cls).items()
                             if callable(member) and (name in _PROTOCOL or not name.startswith("_")))
        if lent is not None:
            ops = {_PROTOCOL[name] for name in lent if name in _PROTOCOL and callable(getattr(kind, name, None))}
            methods = frozenset(name for name in lent if not name.startswith("_") and callable(getattr(kind, name, None)))
            return Capability(shown | ops | ({"callmethod"} if methods else set()), methods)
        if isinstance(value, collections.abc.Iterator):
            return Capability(shown | {"iter", "next"})
        for cls, methods in _library_lending():
            if isinstance(value, cls):
                return Capability(shown | {"callmethod"}, methods)
        if isinstance(value, _CALLABLES) or isinstance(value, (type, _HttpGate)):
            return Capability(shown | {"call"})
        return Capability(shown)

    def set_course_names(self, names: set[str]) -> None:
        """The names of the course's classes, whose instances cross by value."""
        self.course_names = set(names)
        self._course_kinds.clear()

    # --- encoding ----------------------------------------------------------------------------------------

    def _handle(self, value: Any) -> dict[str, Any]:
        key = id(value)
        handle = self._handle_ids.get(key)
        if handle is None or self.handles.get(handle) is not value:
            handle = len(self.handles) + 1
            self.handles[handle] = value
            self._handle_ids[key] = handle
            if self.private:
                self._caps[handle] = self.capability(value)
        info: dict[str, Any] = {"type": type(value).__name__[:100]}
        name = getattr(value, "__name__", None) if isinstance(value, (types.FunctionType, types.MethodType, type)) else None
        if type(name) is str:
            info["name"] = name[:200]  # for messages: check() names the function it calls
        if inspect.iscoroutinefunction(value):
            info["coro_fn"] = True
        elif self.private:
            if self._caps[handle].methods:
                info["m"] = sorted(self._caps[handle].methods)
        elif not callable(value) or isinstance(type(value), type) and not isinstance(value, (types.FunctionType, type)):
            methods = {name for cls in type(value).__mro__[:-1] for name, member in vars(cls).items()
                       if isinstance(member, types.FunctionType) and not name.startswith("__")
                       and not inspect.iscoroutinefunction(member)}
            if methods:
                info["m"] = sorted(methods)[:200]
        return {"k": "handle", "h": handle, "info": info}

    def encode(self, roots: list[Any], back: dict[int, int] | None = None) -> tuple[dict[str, Any], dict[int, Any]]:
        """``{"v": [node, …], "t": table}`` for the values ``roots``, and the object behind each table index.
        ``back`` maps ids of objects received from the other side in this exchange to their index there:
        such an object is sent back as a reference to the sender's own."""
        table: list[Any] = []
        seen: dict[int, int] = {}
        keep: list[Any] = []
        work: list[tuple[int, Any]] = []

        def node(value: Any) -> Any:
            kind = type(value)
            if kind in _SCALARS and (kind is not int or abs(value) < 1 << 63):
                return value
            key = id(value)
            if back is not None and key in back:
                return {"b": back[key]}
            if key in seen:
                return {"r": seen[key]}
            index = len(table)
            seen[key] = index
            keep.append(value)
            table.append(None)
            work.append((index, value))
            return {"r": index}

        course_kinds = self._course_kinds

        def is_course(kind: type) -> bool:
            course = course_kinds.get(kind)
            if course is None:
                course = course_kinds[kind] = (kind.__name__ in self.course_names
                                               and kind.__name__ not in self.lend
                                               and self.course_classes(kind.__name__) is kind
                                               and not issubclass(kind, BaseException)
                                               and not any("__call__" in vars(c) for c in kind.__mro__))
            return course

        def plain_objects(value: list[Any]) -> dict[str, Any] | None:
            """A list of stateless course objects of one class with an int, float or str base (Week 2's
            CountedInt) as one entry of their plain values: each object still gets its own table index
            (an entry holding the list's index), so that it keeps its identity in both directions."""
            cls = type(value[0])
            if cls in _SCALARS or not is_course(cls) or _plain_base_of(cls) not in _FLAT_BASES:
                return None
            base, tag = _plain_base_of(cls)  # type: ignore[misc]
            ids = {id(x) for x in value}
            if len(ids) != len(value) or any(type(x) is not cls or getattr(x, "__dict__", None) for x in value) \
                    or any(i in seen for i in ids) or (back is not None and any(i in back for i in ids)):
                return None
            plain: Callable[[Any], Any] = {int: int.__int__, float: float.__float__, str: str.__str__}[base]
            values = [plain(x) for x in value]  # the base type's own method, never a class's override
            if tag == "int" and not all(abs(v) < 1 << 63 for v in values):
                return None
            owner, first = seen[id(value)], len(table)
            for x in value:
                seen[id(x)] = len(table)
                keep.append(x)
                table.append(owner)
            return {"k": "list", "cls": cls.__name__, "at": first, "o": values}

        def entry(value: Any) -> dict[str, Any]:
            kind = type(value)
            if is_course(kind):  # the course's own data classes cross by value; its callables stay where they are
                return self._course_object(value, node)
            if kind is _States:  # one entry for every changed object: [index, attributes, base] or [index, contents]
                return {"k": "states", "v": [
                    [index, [[name, node(v)] for name, v in contents.state.items()], node(contents.base)]
                    if type(contents) is _State else [index, node(contents)] for index, contents in value.pairs]}
            if kind is int:
                return {"k": "bigint", "x": format(value, "x")}  # hex: str() refuses ints of over 4,300 digits
            if kind is list:
                if all(type(x) in _PLAIN_SCALARS for x in value):  # a list of plain values: as it is
                    return {"k": "list", "s": value}
                flat = plain_objects(value)
                if flat is not None:
                    return flat
                return {"k": "list", "v": [node(x) for x in value]}
            if kind is tuple:
                return {"k": "tuple", "v": [node(x) for x in value]}
            if kind is dict:
                return {"k": "dict", "v": [[node(k), node(v)] for k, v in value.items()]}
            if kind is set or kind is frozenset:
                return {"k": kind.__name__, "v": [node(x) for x in value]}
            if kind is bytes or kind is bytearray:
                return {"k": kind.__name__, "v": base64.b64encode(value).decode()}
            if kind is complex:
                return {"k": "complex", "v": [value.real, value.imag]}
            if kind is range:
                return {"k": "range", "v": [value.start, value.stop, value.step]}
            if kind is slice:
                return {"k": "slice", "v": [node(value.start), node(value.stop), node(value.step)]}
            if kind.__module__.startswith("aieprep.") and dataclasses.is_dataclass(kind):  # a course record (Hit)
                return {"k": "record", "cls": _qualified(kind),
                        "d": [[f.name, node(getattr(value, f.name))] for f in dataclasses.fields(value)]}
            if kind.__name__ in ("Response", "Request") and kind.__module__.split(".")[0] in ("httpx", "httpx2"):
                return _http_message(value, node)
            if self.private and _is_llm_client(value):  # lent as the real SDK over a gate to its server
                return {"k": "llm", "async": _is_async_client(value), "base": str(value.base_url),
                        "retries": int(value.max_retries), "gate": node(_HttpGate(value))}
            if kind is collections.deque:
                return {"k": "deque", "v": [node(x) for x in value], "max": value.maxlen}
            if kind is collections.Counter or kind is collections.OrderedDict:
                return {"k": kind.__name__, "v": [[node(k), node(v)] for k, v in value.items()]}
            if kind is collections.defaultdict:
                factory = value.default_factory
                named = _qualified(factory) if isinstance(factory, type) and _lookup_class(_qualified(factory)) else None
                return {"k": "defaultdict", "f": named, "v": [[node(k), node(v)] for k, v in value.items()]}
            if isinstance(value, BaseException):
                return self._exception(value, node)
            np = _numpy()
            if np is not None and isinstance(value, np.ndarray) and kind is np.ndarray:
                if value.dtype.kind in "biufc" and not value.dtype.hasobject:
                    data = np.ascontiguousarray(value)
                    return {"k": "ndarray", "dtype": data.dtype.str, "shape": list(data.shape),
                            "v": base64.b64encode(data.tobytes()).decode()}
                return {"k": "ndarray-list", "dtype": value.dtype.str if not value.dtype.hasobject else "O",
                        "v": node(value.tolist())}
            if np is not None and isinstance(value, np.generic) and value.dtype.kind in "biufc":
                return {"k": "npscalar", "dtype": value.dtype.str, "v": node(value.item())}
            if isinstance(value, type) and isinstance(getattr(value, "_aieprep_original", None), str):
                return {"k": "class", "v": getattr(value, "_aieprep_original"), "own": True}
            if isinstance(value, type) and self._class(_qualified(value)) is value:
                return {"k": "class", "v": _qualified(value)}
            if isinstance(value, type) and issubclass(value, BaseException):
                return {"k": "class", "v": _qualified(value), "mro": [_qualified(c) for c in value.__mro__[1:8]]}
            if isinstance(value, Remote) and value._peer is self:
                return {"k": "yours", "h": value._handle}
            if isinstance(value, RemoteMethod) and value._owner._peer is self:
                return {"k": "yours", "h": value._owner._handle, "m": value._name}
            plain = self._plain_base(value)
            if plain is not None:
                return entry(plain)
            return self._handle(value)

        root_nodes = [node(root) for root in roots]
        while work:
            index, value = work.pop()
            table[index] = entry(value)
        return {"v": root_nodes, "t": table}, dict(enumerate(keep))

    def _class(self, name: Any) -> Any:
        """A class by ``module:qualname``: the course's own classes for ``__main__``, else an imported one."""
        if type(name) is str and name.startswith("__main__:"):
            qualname = name.split(":", 1)[1]
            found = self.course_classes(qualname) if qualname in self.course_names else None
            return found if isinstance(found, type) else None
        return _lookup_class(name)

    def _stand_in(self, name: Any, mro: Any) -> type | None:
        """A class standing in for an exception class of the other side that does not exist here (a
        learner's ``CircuitOpenError``): same name, the nearest base known here; one per name."""
        if type(name) is not str or type(mro) is not list:
            return None
        if name not in self._stand_ins:
            bases = [c for c in (self._class(n) for n in mro[:8]) if isinstance(c, type) and issubclass(c, BaseException)]
            if not bases:
                return None
            short = name.split(":", 1)[-1].split(".")[-1][:100]
            if not short.isidentifier():
                short = "RemoteException"
            self._stand_ins[name] = type(short, (bases[0],), {"_aieprep_original": name, "__module__": "notebook"})
        return self._stand_ins[name]

    def _course_object(self, value: Any, node: Callable[[Any], Any]) -> dict[str, Any]:
        cls = type(value)
        out: dict[str, Any] = {"k": "obj", "cls": cls.__name__}
        state = getattr(value, "__dict__", None)
        out["d"] = [[name, node(v)] for name, v in state.items()] if type(state) is dict else []
        plain = _plain_base_of(cls)
        if plain is not None:
            base, tag = plain
            out["base"] = [tag, node(base(value) if base is not dict else dict(value.items()))]
        return out

    def _exception(self, error: BaseException, node: Callable[[Any], Any]) -> dict[str, Any]:
        attrs = {}
        for name, value in list(vars(error).items())[:20] if hasattr(error, "__dict__") else []:
            if isinstance(name, str) and not name.startswith("_"):
                attrs[name] = value
        try:
            text = str(error)[:4000]
        except Exception:
            text = type(error).__name__
        original = getattr(type(error), "_aieprep_original", None)
        return {"k": "exc", "cls": original if isinstance(original, str) else _qualified(type(error)),
                "mro": [_qualified(c) for c in type(error).__mro__[1:8]], "name": type(error).__name__,
                "args": node(tuple(error.args) if isinstance(error.args, tuple) else ()),
                "msg": text, "d": [[k, node(v)] for k, v in attrs.items()]}

    @staticmethod
    def _plain_base(value: Any) -> Any:
        """The plain value inside an instance of a subclass of a plain type (a namedtuple, an IntEnum, a
        learner's ``class Ids(list)``), taken with the base type's own methods; None for other objects."""
        bases: tuple[type[Any], ...] = (bool, int, float, str, bytes, tuple, list, dict, set, frozenset)
        for base in bases:
            if isinstance(value, base):
                if base is dict:
                    return dict(dict.items(value))
                if base in (list, tuple, set, frozenset):
                    return base(base.__iter__(value))
                if base is int:
                    return int.__int__(value)
                if base is float:
                    return float.__float__(value)
                if base is str:
                    return str.__str__(value)
                if base is bytes:
                    return bytes.__bytes__(value) if hasattr(bytes, "__bytes__") else bytes(value)
                return base(value)
        return None

    # --- decoding ----------------------------------------------------------------------------------------

    def decode(self, message: Any, sent: dict[int, Any] | None = None,
               received: dict[int, int] | None = None, mutable: list[tuple[int, Any]] | None = None) -> list[Any]:
        """The values of an encoded message. ``sent`` maps the ids this side used in the exchange to its own
        objects (so "back" references resolve to them); ``received`` collects, for the reply, the ids of
        what was rebuilt here; ``mutable`` collects ``(their id, object)`` for mutable objects rebuilt."""
        if type(message) is not dict or "v" not in message or type(message.get("t")) is not list:
            raise ProtocolError("a value without its table")
        table: list[Any] = message["t"]
        built: dict[int, Any] = {}
        building: set[int] = set()
        np = _numpy()
        fill: list[tuple[Any, dict[str, Any]]] = []

        def value_of(node: Any) -> Any:
            kind = type(node)
            if kind is dict:
                index = node.get("r")
                if type(index) is int and index in built:
                    return built[index]
            elif kind in _SCALARS:
                return node
            if type(node) is dict and "b" in node:
                if sent is None or type(node["b"]) is not int or node["b"] not in sent:
                    raise ProtocolError("a reference back to an object this side never sent")
                return sent[node["b"]]
            if type(node) is not dict or type(node.get("r")) is not int or not 0 <= node["r"] < len(table):
                raise ProtocolError(f"a bad value node: {str(node)[:80]}")
            return build(node["r"])

        def objects(owner: int) -> list[Any]:
            """The course objects of a list sent as their plain values (``"o"``), each built once and filed
            under its own table index (whose entry is the list's index)."""
            item = table[owner]
            values, first, name = item.get("o"), item.get("at"), item.get("cls")
            cls: Any = self.course_classes(name) if isinstance(name, str) else None
            plain = _plain_base_of(cls) if isinstance(cls, type) else None
            if plain is None or type(values) is not list or type(first) is not int or plain not in _FLAT_BASES \
                    or not 0 <= first <= len(table) - len(values) \
                    or any(type(table[first + j]) is not int or table[first + j] != owner for j in range(len(values))) \
                    or not all(type(v) is plain[0] for v in values):
                raise ProtocolError("a bad list of course objects")
            out = []
            for j, v in enumerate(values):
                obj = cls.__new__(cls, v)
                built[first + j] = obj
                if received is not None:
                    received[id(obj)] = first + j
                out.append(obj)
            return out

        def build(index: int) -> Any:
            if index in built:
                return built[index]
            if index in building:
                raise ProtocolError("an immutable value that contains itself")
            item = table[index]
            if type(item) is int and 0 <= item < len(table) and type(table[item]) is dict and "o" in table[item]:
                build(item)  # an object of a list sent as plain values: built with the list
                if index not in built:
                    raise ProtocolError("a bad reference into a list of course objects")
                return built[index]
            if type(item) is not dict or type(item.get("k")) is not str:
                raise ProtocolError("a bad table entry")
            kind = item["k"]
            base = item.get("base")
            immutable_obj = kind == "obj" and isinstance(base, list) and bool(base) and base[0] in _IMMUTABLE_BASES
            if kind in _MUTABLE_KINDS and not immutable_obj:
                shell = self._shell(item)
                built[index] = shell
                if received is not None:
                    received[id(shell)] = index
                if mutable is not None:
                    mutable.append((index, shell))
                if kind == "list" and "o" in item:
                    shell.extend(objects(index))
                else:
                    fill.append((shell, item))
                return shell
            building.add(index)
            try:
                result = self._immutable(item, value_of, np, sent)
            finally:
                building.discard(index)
            built[index] = result
            if received is not None and kind not in ("class", "yours", "states"):
                received[id(result)] = index
            if mutable is not None and kind == "ndarray":
                mutable.append((index, result))
            return result

        if type(message["v"]) is not list:
            raise ProtocolError("a message without its values")
        roots = [value_of(node) for node in message["v"]]
        while fill:
            shell, item = fill.pop()
            self._fill(shell, item, value_of)
        return roots

    def _shell(self, item: dict[str, Any]) -> Any:
        kind = item["k"]
        if kind == "obj":
            name = item.get("cls")
            cls = self.course_classes(name) if isinstance(name, str) else None
            if cls is None:
                raise ProtocolError(f"an object of an unknown course class {str(item.get('cls'))[:80]!r}")
            return cls.__new__(cls)
        if kind == "deque":
            maxlen = item.get("max")
            return collections.deque(maxlen=maxlen if type(maxlen) is int and maxlen >= 0 else None)
        if kind == "defaultdict":
            factory = _lookup_class(item.get("f"))
            return collections.defaultdict(factory if factory in (list, int, set, dict, float, str, tuple) else None)
        return {"list": list, "dict": dict, "set": set, "Counter": collections.Counter,
                "OrderedDict": collections.OrderedDict, "bytearray": bytearray}[kind]()

    def _fill(self, shell: Any, item: dict[str, Any], value_of: Callable[[Any], Any]) -> None:
        kind, v = item["k"], item.get("v")
        if kind == "list" and "s" in item:
            values = item["s"]
            if type(values) is not list or not all(type(x) in _PLAIN_SCALARS for x in values):
                raise ProtocolError("a bad list of plain values")
            shell.extend(values)
            return
        if kind in ("list", "deque", "set"):
            if type(v) is not list:
                raise ProtocolError("a bad container")
            (shell.extend if kind != "set" else shell.update)(value_of(x) for x in v)
        elif kind in ("dict", "Counter", "OrderedDict", "defaultdict"):
            if type(v) is not list:
                raise ProtocolError("a bad mapping")
            for pair in v:
                if type(pair) is not list or len(pair) != 2:
                    raise ProtocolError("a bad mapping entry")
                dict.__setitem__(shell, value_of(pair[0]), value_of(pair[1]))
        elif kind == "bytearray":
            shell.extend(base64.b64decode(str(v)))
        elif kind == "obj":
            state = item.get("d")
            if type(state) is not list:
                raise ProtocolError("a bad object state")
            target = shell
            base = item.get("base")
            if isinstance(base, list) and len(base) == 2:
                value = value_of(base[1])
                if isinstance(shell, list) and type(value) is list:
                    list.extend(shell, value)
                elif isinstance(shell, dict) and type(value) is dict:
                    dict.update(shell, value)
                elif isinstance(shell, set) and type(value) is set:
                    set.update(shell, value)
            namespace = getattr(target, "__dict__", None)
            if isinstance(namespace, dict):
                for pair in state:
                    if type(pair) is list and len(pair) == 2 and type(pair[0]) is str:
                        namespace[pair[0]] = value_of(pair[1])

    def _immutable(self, item: dict[str, Any], value_of: Callable[[Any], Any], np: Any,
                   sent: dict[int, Any] | None) -> Any:
        kind, v = item["k"], item.get("v")
        if kind == "tuple":
            return tuple(value_of(x) for x in v) if type(v) is list else _bad(kind)
        if kind == "frozenset":
            return frozenset(value_of(x) for x in v) if type(v) is list else _bad(kind)
        if kind == "bigint":
            digits = item.get("x")
            if type(digits) is not str or len(digits) > 1_000_000:
                raise ProtocolError("a bad big int")
            return int(digits, 16)
        if kind == "bytes":
            return base64.b64decode(str(v))
        if kind == "complex":
            return complex(float(v[0]), float(v[1])) if type(v) is list and len(v) == 2 else _bad(kind)
        if kind == "range":
            if type(v) is not list or len(v) != 3 or not all(type(x) is int for x in v):
                return _bad(kind)
            span = range(*v)
            if len(span) > MAX_RANGE:
                raise ProtocolError(f"a range of {len(span):,} items (at most {MAX_RANGE:,} may cross)")
            return span
        if kind in ("response", "request"):
            return _rebuild_http(item, value_of)
        if kind == "record":
            cls = _lookup_class(item.get("cls"))
            fields = item.get("d")
            if not isinstance(cls, type) or not cls.__module__.startswith("aieprep.") \
                    or not dataclasses.is_dataclass(cls) or type(fields) is not list:
                raise ProtocolError("a bad record")
            names = {f.name for f in dataclasses.fields(cls)}
            record = object.__new__(cls)
            for pair in fields:
                if type(pair) is list and len(pair) == 2 and pair[0] in names:
                    object.__setattr__(record, pair[0], value_of(pair[1]))
            return record
        if kind == "slice":
            return slice(*(value_of(x) for x in v)) if type(v) is list and len(v) == 3 else _bad(kind)
        if kind == "llm":
            gate = value_of(item.get("gate"))
            if not isinstance(gate, Remote) or type(item.get("base")) is not str or type(item.get("retries")) is not int:
                raise ProtocolError("a bad model client")
            return lent_client(gate, item["base"], item["retries"], item.get("async") is True)
        if kind == "ndarray":
            dtype = _numeric_dtype(np, item)
            shape = tuple(int(x) for x in item.get("shape", []))
            return np.frombuffer(base64.b64decode(str(v)), dtype=dtype).reshape(shape).copy()
        if kind == "ndarray-list":
            if np is None:
                raise ProtocolError("a numpy array where numpy is not imported")
            dtype = str(item.get("dtype"))
            return np.array(value_of(v), dtype=object if dtype == "O" else np.dtype(dtype))
        if kind == "npscalar":
            return _numeric_dtype(np, item).type(value_of(v))
        if kind == "class":
            if item.get("own") is True and type(v) is str and v.startswith("__main__:"):
                found = self.course_classes(v.split(":", 1)[1])  # our class, which the other side stood in for
                if isinstance(found, type):
                    return found
            cls = self._class(v) or self._stand_in(v, item.get("mro"))
            return cls if cls is not None else RemoteClass(str(v))
        if kind == "exc":
            return self._rebuild_exception(item, value_of)
        if kind == "handle":
            handle, info = item.get("h"), item.get("info")
            if type(handle) is not int or type(info) is not dict:
                raise ProtocolError("a bad handle")
            return Remote(self, handle, info)
        if kind == "yours":
            handle, method = item.get("h"), item.get("m")
            if type(handle) is not int or handle not in self.handles:
                raise ProtocolError("a reference to an object this side never sent")
            if method is None:
                return self.handles[handle]
            if type(method) is not str or (self.private and method not in self._caps[handle].methods):
                raise ProtocolError("a bad method reference")
            return getattr(self.handles[handle], method)
        if kind == "states":
            if type(v) is not list:
                raise ProtocolError("bad states")
            states: list[list[Any]] = []
            for entry in v:
                if type(entry) is not list or len(entry) not in (2, 3) or type(entry[0]) is not int:
                    raise ProtocolError("a bad state")
                if len(entry) == 2:
                    states.append([entry[0], value_of(entry[1])])
                    continue
                if type(entry[1]) is not list:
                    raise ProtocolError("a bad object state")
                pairs = {p[0]: value_of(p[1]) for p in entry[1] if type(p) is list and len(p) == 2 and type(p[0]) is str}
                states.append([entry[0], _State(pairs, value_of(entry[2]))])
            return states
        if kind == "obj":  # a course object with an immutable base (an int subclass …)
            name = item.get("cls")
            cls = self.course_classes(name) if isinstance(name, str) else None
            base = item.get("base")
            if cls is None or not (isinstance(base, list) and len(base) == 2):
                raise ProtocolError("a bad course object")
            obj = cls.__new__(cls, value_of(base[1]))
            namespace = getattr(obj, "__dict__", None)
            if isinstance(namespace, dict):
                for pair in item.get("d") or []:
                    if type(pair) is list and len(pair) == 2 and type(pair[0]) is str:
                        namespace[pair[0]] = value_of(pair[1])
            return obj
        raise ProtocolError(f"an unknown kind of value {kind[:40]!r}")

    def _rebuild_exception(self, item: dict[str, Any], value_of: Callable[[Any], Any]) -> BaseException:
        cls: Any = self._class(item.get("cls")) or self._stand_in(item.get("cls"), item.get("mro"))
        args = value_of(item.get("args"))
        args = args if type(args) is tuple else ()
        message = str(item.get("msg", ""))[:4000]
        if cls is None or not issubclass(cls, BaseException):
            error: BaseException = RemoteError(f"{str(item.get('name', 'Error'))[:100]}: {message}")
        else:
            try:
                error = cls.__new__(cls)
                error.args = args
            except Exception:
                return RemoteError(f"{cls.__name__}: {message}")
            for pair in item.get("d") or []:
                if type(pair) is list and len(pair) == 2 and type(pair[0]) is str and not pair[0].startswith("_"):
                    try:
                        object.__setattr__(error, pair[0], value_of(pair[1]))
                    except Exception:
                        pass
        return error

    # --- requests ----------------------------------------------------------------------------------------

    def request(self, op: str, handle: int | str | None, args: list[Any], kwargs: dict[str, Any]) -> Any:
        """Ask the other side to do ``op`` on its object ``handle``; serve its requests while waiting.
        Several threads may wait at once (an app the notebook serves calls back while the judge waits
        for its HTTP answer): replies carry the number of their request."""
        with self._turn:
            self._last_id += 1
            number = self._last_id
        if all(_is_scalar(a) for a in args) and all(_is_scalar(v) for v in kwargs.values()):
            sent: dict[int, Any] = {}  # the fast path: plain values only, no table
            self.channel.send({"op": op, "h": handle, "s": list(args), "kw": kwargs, "id": number})
        else:
            payload, sent = self.encode([*args, kwargs])
            self.channel.send({"op": op, "h": handle, "a": payload, "id": number})
        message = self._pump(lambda: number in self._replies, number)
        if "s" in message:
            if not _is_scalar(message["s"]):
                raise ProtocolError("a bad plain reply")
            return message["s"]
        result = self.decode(message.get("a"), sent=sent)
        if len(result) != 3:
            raise ProtocolError("a bad reply")
        status, value, states = result
        self._write_back(sent, states)
        if status == "ok":
            return value
        if status == "raise" and isinstance(value, BaseException):
            raise value
        raise ProtocolError("a bad reply status")

    def serve_until(self, finished: Callable[[], bool]) -> None:
        """Serve the other side's requests until ``finished()``."""
        self._pump(finished, None)

    def _pump(self, finished: Callable[[], bool], number: int | None) -> dict[str, Any]:
        """Read messages (one reader at a time), serve requests, file replies, until ``finished()``; return
        the reply numbered ``number``."""
        while True:
            with self._turn:
                while not finished() and self._reading:
                    self._turn.wait(0.05)
                if finished():
                    return self._replies.pop(number) if number is not None else {}
                self._reading = True
            try:
                message = self.channel.receive(idle=finished)
            finally:
                with self._turn:
                    self._reading = False
                    self._turn.notify_all()
            if message is None:
                continue
            if "op" in message:
                self.serve_one(message)
                continue
            if type(message.get("re")) is not int:
                raise ProtocolError("a reply to no request")
            with self._turn:
                self._replies[message["re"]] = message
                self._turn.notify_all()

    def deferred_call(self, handle: int, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """Calling the other side's coroutine function: a coroutine that makes the call when awaited, from a
        worker thread, so that the caller's event loop keeps running meanwhile."""

        async def call() -> Any:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(None, lambda: self.request("call", handle, list(args), kwargs))

        return call()

    def _write_back(self, sent: dict[int, Any], states: Any) -> None:
        """Put the other side's final state of each mutable object we sent into our object, in place."""
        if type(states) is not list:
            raise ProtocolError("bad states")
        for pair in states:
            if type(pair) is not list or len(pair) != 2 or pair[0] not in sent:
                raise ProtocolError("a bad state")
            _assign(sent[pair[0]], pair[1])

    def serve_one(self, message: dict[str, Any]) -> None:
        """Do what one request asks and send the reply (the result, or the exception raised)."""
        op, handle = message.get("op"), message.get("h")
        snapshots: list[tuple[int, Any, Any]] = []
        received: dict[int, int] = {}
        mutable: list[tuple[int, Any]] = []
        try:
            if "s" in message:
                args, kwargs = message["s"], message.get("kw")
                if type(args) is not list or type(kwargs) is not dict or not all(map(_is_scalar, args)) \
                        or not all(_is_scalar(v) for v in kwargs.values()):
                    raise ProtocolError("bad plain arguments")
            else:
                *args, kwargs = self.decode(message.get("a"), received=received, mutable=mutable)
            snapshots = [(index, obj, _snapshot(obj)) for index, obj in mutable]
            if type(kwargs) is not dict or not all(type(k) is str for k in kwargs):
                raise ProtocolError("bad arguments")
            if op in self.extra_ops:
                value = self.extra_ops[op](*args, **kwargs)
            elif op in _OPS and type(handle) is int and handle in self.handles:
                if self.private:
                    self._check_lent(op, handle, args)
                value = self._do(op, self.handles[handle], args, kwargs)
            else:
                raise ProtocolError(f"an unknown request {str(op)[:40]!r}")
            status = "ok"
        except ProtocolError:
            raise
        except BaseException as error:  # noqa: BLE001 (the other side sees what went wrong)
            if isinstance(error, ChannelClosed):
                raise
            value, status = error.with_traceback(None), "raise"
        states = _States([(index, self._contents(obj)) for index, obj, before in snapshots if _changed(obj, before)])
        if status == "ok" and not states.pairs and _is_scalar(value):
            self.channel.send({"s": value, "re": message.get("id")})
            return
        self.channel.send({"a": self.encode([status, value, states], back=received)[0], "re": message.get("id")})

    def _contents(self, obj: Any) -> Any:
        """A fresh container holding what a received mutable object holds now (sent back by value)."""
        if type(obj).__name__ in self.course_names and self.course_classes(type(obj).__name__) is type(obj):
            base: Any = None
            if isinstance(obj, dict):
                base = dict(dict.items(obj))
            elif isinstance(obj, list):
                base = list(obj)
            elif isinstance(obj, set):
                base = set(obj)
            state = vars(obj) if isinstance(getattr(obj, "__dict__", None), dict) else {}
            return _State(dict(state), base)
        np = _numpy()
        if np is not None and isinstance(obj, np.ndarray):
            return obj.copy()
        if isinstance(obj, collections.deque):
            return list(obj)
        if isinstance(obj, dict):
            return dict(dict.items(obj))
        if isinstance(obj, bytearray):
            return bytes(obj)
        if isinstance(obj, list):
            return list(obj)
        if isinstance(obj, set):
            return set(obj)
        return None

    def _check_lent(self, op: str, handle: int, args: list[Any]) -> None:
        """Refuse what a handle to one of this side's objects was not lent for."""
        cap = self._caps[handle]
        if op == "getattr" and args and args[0] in _PUBLIC_DUNDERS:
            return
        if op == "callmethod" and args and args[0] in cap.methods:
            return
        if op == "bool" or op in cap.ops and op not in ("getattr", "setattr", "setitem", "callmethod"):
            return
        name = type(self.handles[handle]).__name__
        if op in ("getattr", "callmethod"):
            raise AttributeError(f"{str(args[0] if args else '')[:80]!r} is not lent with this {name} object "
                                 f"(it allows: {', '.join(sorted(cap.methods | cap.ops - {'repr', 'str'})) or 'nothing'})")
        raise TypeError(f"a test's {name} object is not lent for {op}")

    def _do(self, op: str, target: Any, args: list[Any], kwargs: dict[str, Any]) -> Any:
        if op == "call":
            result = target(*args, **kwargs)
            if inspect.iscoroutine(result):
                result = run_coroutine(result)
            return result
        if op == "callmethod":
            name = args[0] if args else None
            if type(name) is not str or (self.private and name.startswith("_")):
                raise AttributeError(f"{str(name)[:80]!r} cannot be called on a test's object")
            result = getattr(target, name)(*args[1:], **kwargs)
            return run_coroutine(result) if inspect.iscoroutine(result) else result
        if op == "getattr":
            name = args[0] if args else None
            if type(name) is not str or (self.private and name not in _PUBLIC_DUNDERS):
                raise AttributeError(f"{str(name)[:80]!r} cannot be read from a test's object")
            value = getattr(target, name)
            if self.private and type(value) is not str:
                raise AttributeError(f"{name!r} cannot be read from a test's object")
            return value
        if op == "setattr":
            if self.private:
                raise AttributeError("a test's objects are read-only")
            setattr(target, args[0], args[1])
            return None
        if op == "len":
            return len(target)
        if op == "bool":
            return bool(target)
        if op == "iter":
            return iter(target)
        if op == "next":
            return next(target)
        if op == "getitem":
            return target[args[0]]
        if op == "setitem":
            if self.private:
                raise TypeError("a test's objects are read-only")
            target[args[0]] = args[1]
            return None
        if op == "contains":
            return args[0] in target
        if op == "enter":
            return target.__enter__()
        if op == "exit":
            return target.__exit__(*args)
        if op == "await":
            if not inspect.iscoroutine(target) and not hasattr(target, "__await__"):
                raise TypeError(f"object {type(target).__name__} can't be used in 'await' expression")
            return run_coroutine(target)
        if op in _ORDER:
            return _ORDER[op](target, args[0])
        if op == "repr":
            return repr(target)[:1000]
        if op == "str":
            return str(target)[:1000]
        raise ProtocolError(f"an unknown request {op!r}")


class RemoteClass:
    """A class of the other side that does not exist here (compares by name only)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"<class {self.name.replace(':', '.')} (from the other side)>"


_IMMUTABLE_BASES = ("int", "float", "str", "tuple")
_PLAIN_SCALARS = frozenset({int, str, float, bool, type(None)})
_MUTABLE_KINDS = frozenset({"list", "dict", "set", "deque", "Counter", "OrderedDict", "defaultdict", "bytearray", "obj"})
_PLAIN_BASES: dict[type, tuple[type, str] | None] = {}
_FLAT_BASES = ((int, "int"), (float, "float"), (str, "str"))  # bases of course objects sent as plain values


def _plain_base_of(cls: type) -> tuple[type, str] | None:
    """The plain type a course class derives from, with its tag on the wire (None: a plain object)."""
    if cls not in _PLAIN_BASES:
        _PLAIN_BASES[cls] = next(((base, tag) for base, tag in ((list, "list"), (dict, "dict"), (int, "int"),
                                  (float, "float"), (str, "str"), (tuple, "tuple"), (set, "set"))
                                  if issubclass(cls, base)), None)
    return _PLAIN_BASES[cls]


class _State:
    """The attributes (and plain contents) of a course object, sent back after a call."""

    __slots__ = ("state", "base")

    def __init__(self, state: dict[str, Any], base: Any) -> None:
        self.state, self.base = state, base


class _States:
    """What the received mutable objects a call changed hold now: ``pairs`` of (the other side's index of
    the object, its contents: a :class:`_State` or a plain container). They cross as one table entry."""

    __slots__ = ("pairs",)

    def __init__(self, pairs: list[tuple[int, Any]]) -> None:
        self.pairs = pairs


def _is_scalar(value: Any) -> bool:
    kind = type(value)
    return kind in _SCALARS and (kind is not int or abs(value) < 1 << 63)


def _numeric_dtype(np: Any, item: dict[str, Any]) -> Any:
    """The numeric numpy dtype an array or scalar entry names (nothing else is rebuilt from bytes)."""
    if np is None:
        raise ProtocolError("a numpy value where numpy is not imported")
    try:
        dtype = np.dtype(str(item.get("dtype")))
    except TypeError:
        raise ProtocolError("a numpy value of an unknown dtype") from None
    if dtype.kind not in "biufc":
        raise ProtocolError("a numpy value of a non-numeric dtype")
    return dtype


def _bad(kind: str) -> Any:
    raise ProtocolError(f"a bad {kind}")


def _snapshot(obj: Any) -> Any:
    """What ``obj`` holds now, by reference (shallow), to tell later whether it changed."""
    np = _numpy()
    if np is not None and isinstance(obj, np.ndarray):
        return obj.copy()
    state = getattr(obj, "__dict__", None)
    parts: list[Any] = [[x for pair in state.items() for x in pair] if isinstance(state, dict) else None]
    if isinstance(obj, dict):
        parts.append([x for pair in dict.items(obj) for x in pair])
    elif isinstance(obj, (list, collections.deque, set, bytearray)):
        parts.append(list(obj) if not isinstance(obj, bytearray) else bytes(obj))
    return parts


def _changed(obj: Any, before: Any) -> bool:
    np = _numpy()
    if np is not None and isinstance(obj, np.ndarray):
        return before.shape != obj.shape or not np.array_equal(before, obj, equal_nan=obj.dtype.kind in "fc")
    after = _snapshot(obj)
    if len(after) != len(before):
        return True
    for old, new in zip(before, after):
        if type(old) is bytes or old is None or new is None:
            if old != new:
                return True
            continue
        if len(old) != len(new) or any(a is not b for a, b in zip(old, new)):
            return True
    return False


def _assign(mine: Any, contents: Any) -> None:
    """Make ``mine`` hold ``contents`` (see ``Peer._contents``), in place; contents of another kind are
    ignored."""
    if type(contents) is _State:
        state, base = contents.state, contents.base
        if type(state) is dict and isinstance(getattr(mine, "__dict__", None), dict) and not isinstance(mine, type):
            vars(mine).clear()
            vars(mine).update({k: v for k, v in state.items() if type(k) is str})
        if base is not None:
            _assign_plain(mine, base)
        return
    _assign_plain(mine, contents)


def _assign_plain(mine: Any, contents: Any) -> None:
    np = _numpy()
    if np is not None and isinstance(mine, np.ndarray):
        if isinstance(contents, np.ndarray) and contents.shape == mine.shape and mine.flags.writeable:
            mine[...] = contents
    elif isinstance(mine, collections.deque) and type(contents) is list:
        mine.clear()
        mine.extend(contents)
    elif isinstance(mine, list) and type(contents) is list:
        list.__setitem__(mine, slice(None), contents)
    elif isinstance(mine, dict) and type(contents) is dict:
        dict.clear(mine)
        dict.update(mine, contents)
    elif isinstance(mine, set) and type(contents) is set:
        set.clear(mine)
        set.update(mine, contents)
    elif isinstance(mine, bytearray) and type(contents) is bytes:
        mine[:] = contents


def run_coroutine(coroutine: Any) -> Any:
    """Run a coroutine to its end on an event loop of its own (in a thread: the caller's loop may be busy)."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        async def wrap() -> Any:
            return await coroutine

        try:
            outcome["value"] = asyncio.run(wrap())
        except BaseException as error:  # noqa: BLE001
            outcome["error"] = error

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        run()
    else:
        thread = threading.Thread(target=run, name="aieprep-await", daemon=True)
        thread.start()
        thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


# --- model clients: lent as the real SDK, whose only way out is one HTTP request to its own server ------------

class GateError(Exception):
    """A lent model client's request did not reach its server: ``args`` are (kind, name, message), kind one
    of "timeout", "connect" or "transport"."""


def _is_llm_client(value: Any) -> bool:
    openai = sys.modules.get("openai")
    return openai is not None and isinstance(value, (openai.OpenAI, openai.AsyncOpenAI))


def _is_async_client(value: Any) -> bool:
    openai = sys.modules.get("openai")
    return openai is not None and isinstance(value, openai.AsyncOpenAI)


_GATE_METHODS = frozenset({"GET", "POST", "DELETE"})
_HOP_HEADERS = frozenset({"host", "content-length", "connection", "transfer-encoding", "accept-encoding",
                          "content-encoding", "keep-alive"})


class _HttpGate:
    """The judge's side of a lent model client: sends one HTTP request to the origin and path of the
    client's ``base_url`` (through the client's own transport, so a test's injected network faults apply)
    and answers plain data. Any other URL is refused: the gate fetches nothing else."""

    def __init__(self, client: Any) -> None:
        from urllib.parse import urlsplit

        self._client = client
        base = urlsplit(str(client.base_url))
        self._origin = (base.scheme, base.hostname, base.port)
        self._path = base.path.rstrip("/")
        self._sync: Any = None

    def _http(self) -> Any:
        if not _is_async_client(self._client):
            return self._client._client
        if self._sync is None:
            import httpx2

            self._sync = httpx2.Client()
        return self._sync

    def __call__(self, method: Any, url: Any, headers: Any, body: Any, timeout: Any) -> list[Any]:
        from urllib.parse import urlsplit

        if type(method) is not str or method.upper() not in _GATE_METHODS or type(url) is not str:
            raise GateError("transport", "RequestRefused", "only GET, POST and DELETE to the model's own URL")
        target = urlsplit(url)
        if (target.scheme, target.hostname, target.port) != self._origin or \
                not (target.path + "/").startswith(self._path + "/"):
            raise GateError("transport", "RequestRefused", "a lent model client reaches only its own model")
        if type(headers) is not list or not all(type(p) is list and len(p) == 2 and all(type(x) is str for x in p)
                                                 for p in headers) or type(body) is not bytes:
            raise GateError("transport", "RequestRefused", "a malformed request")
        seconds = float(timeout) if isinstance(timeout, (int, float)) and 0 < timeout < 120 else 120.0
        kept = [(k, v) for k, v in headers if k.lower() not in _HOP_HEADERS]
        try:
            response = self._http().request(method.upper(), url, headers=kept, content=body, timeout=seconds)
        except Exception as error:  # noqa: BLE001 (the SDK on the other side turns it into its own error)
            name = type(error).__name__
            kind = "timeout" if "Timeout" in name else "connect" if "Connect" in name else "transport"
            raise GateError(kind, name[:60], str(error)[:300]) from None
        out = [[k, v] for k, v in response.headers.items() if k.lower() not in _HOP_HEADERS]
        return [int(response.status_code), out, bytes(response.content)]


def lent_client(gate: Any, base_url: str, max_retries: int, is_async: bool) -> Any:
    """An ``openai.OpenAI`` (or ``AsyncOpenAI``) client whose HTTP requests travel through ``gate`` (a test's
    model client, lent by the judge): the learner's code gets the real SDK, the judge keeps the server."""
    import openai
    import httpx2

    def forward(request: Any, body: bytes) -> Any:
        timeout = (request.extensions.get("timeout") or {}).get("read")
        try:
            status, headers, content = gate(request.method, str(request.url), [list(p) for p in request.headers.items()],
                                            body, timeout)
        except GateError as error:
            kind, name, message = (list(error.args) + ["", "", ""])[:3]
            cls = {"timeout": httpx2.ReadTimeout, "connect": httpx2.ConnectError}.get(kind, httpx2.TransportError)
            raise cls(f"{name}: {message}", request=request) from None
        if type(status) is not int or type(content) is not bytes or type(headers) is not list:
            raise httpx2.TransportError("a bad answer from the model's gate", request=request)
        return httpx2.Response(status, headers=[tuple(p) for p in headers], content=content, request=request)

    class Forward(httpx2.BaseTransport):
        def handle_request(self, request: Any) -> Any:
            return forward(request, request.read())

    class AsyncForward(httpx2.AsyncBaseTransport):
        async def handle_async_request(self, request: Any) -> Any:
            body = await request.aread()
            return await asyncio.to_thread(forward, request, body)

    if is_async:
        return openai.AsyncOpenAI(base_url=base_url, api_key="course-model", max_retries=max_retries,
                                  http_client=httpx2.AsyncClient(transport=AsyncForward()))
    return openai.OpenAI(base_url=base_url, api_key="course-model", max_retries=max_retries,
                         http_client=httpx2.Client(transport=Forward()))


def _http_message(value: Any, node: Callable[[Any], Any]) -> dict[str, Any]:
    """An httpx response or request as data (an API error's ``response``: status, headers, body)."""
    request = value if type(value).__name__ == "Request" else getattr(value, "_request", None)
    out: dict[str, Any] = {"k": type(value).__name__.lower(),
                           "method": str(getattr(request, "method", "GET"))[:20] if request is not None else None,
                           "url": str(getattr(request, "url", ""))[:2000] if request is not None else None}
    if out["k"] == "response":
        try:
            body = bytes(value.content)
        except Exception:  # a stream not read: its body stays where it is
            body = b""
        out.update(status=int(value.status_code), headers=[[str(k), str(v)] for k, v in value.headers.items()][:200],
                   body=base64.b64encode(body[:1 << 20]).decode())
    return out


def _rebuild_http(item: dict[str, Any], value_of: Callable[[Any], Any]) -> Any:
    http: Any = sys.modules.get("httpx2") or sys.modules.get("httpx")
    if http is None:
        import httpx2 as http
    method, url = item.get("method"), item.get("url")
    request = http.Request(str(method), str(url)) if type(method) is str and type(url) is str else None
    if item["k"] == "request":
        return request if request is not None else _bad("request")
    status, headers = item.get("status"), item.get("headers")
    if type(status) is not int or type(headers) is not list:
        return _bad("response")
    pairs = [(str(p[0]), str(p[1])) for p in headers if type(p) is list and len(p) == 2]
    return http.Response(status, headers=pairs, content=base64.b64decode(str(item.get("body", ""))), request=request)
