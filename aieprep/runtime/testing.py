"""Assertion helpers for notebook test cells: every failure shows the call, what was expected and what came back.

They return None on purpose: a test cell's last expression is shown as its result, and nbgrader
reads a number shown there as partial credit. Partial credit is given one way only: :func:`check_items`, for a
test of several independent items (a table of answers), raises :class:`PartialCredit` with the share right.
"""

from __future__ import annotations

import asyncio
import copy
import dataclasses
import math
import re
import selectors
import threading
import weakref
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

__all__ = ["Card", "PartialCredit", "Raised", "check", "check_close", "check_each", "check_items", "check_raises",
           "check_unchanged", "each", "in_notebook", "replay", "run_virtual"]

# Set by the judge (aieprep.grading.judge): how to call a function of the notebook by name, how to call one
# function of the notebook on many inputs in one exchange, and how to call many methods of one of its objects.
_notebook_call: Callable[[str, tuple[Any, ...], dict[str, Any]], Any] | None = None
_notebook_map: Callable[[Callable[..., Any], list[Any], bool], Any] | None = None
_notebook_replay: Callable[[Any, list[Any]], Any] | None = None


@dataclasses.dataclass(eq=False, repr=False)
class Card:
    """A card that compares by rank only; its suit shows where it stood in the input (tests of stable
    sorting). A course record: it crosses to the notebook by value, so comparing two is never a round trip."""

    rank: int
    suit: str

    def __lt__(self, other: Card) -> bool:
        return self.rank < other.rank if isinstance(other, Card) else NotImplemented

    def __le__(self, other: Card) -> bool:
        return self.rank <= other.rank if isinstance(other, Card) else NotImplemented

    def __gt__(self, other: Card) -> bool:
        return self.rank > other.rank if isinstance(other, Card) else NotImplemented

    def __ge__(self, other: Card) -> bool:
        return self.rank >= other.rank if isinstance(other, Card) else NotImplemented

    def __repr__(self) -> str:
        return f"{self.rank}{self.suit}"


def _call_text(func: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
    parts = [repr(a) for a in args] + [f"{k}={v!r}" for k, v in kwargs.items()]
    text = f"{getattr(func, '__name__', 'func')}({', '.join(parts)})"
    return text if len(text) <= 300 else text[:297] + "..."


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 300 else text[:297] + "..."


def _same_kind(result: Any, expected: Any) -> bool:
    """True when ``result`` has the type of ``expected`` (a subclass is fine; int and float mix; bool is not a number)."""
    if isinstance(result, bool) or isinstance(expected, bool):
        return isinstance(result, bool) and isinstance(expected, bool)
    numbers = (int, float)
    if isinstance(result, numbers) and isinstance(expected, numbers):
        return True
    return isinstance(result, type(expected))


_PLAIN = (int, float, complex, str, bytes, bool, type(None), list, tuple, dict, set, frozenset)


def _trusted_method(method: Any, name: str) -> bool:
    """``method`` is the ``name`` of a plain type, or of collections or numpy (a Counter, a numpy scalar)."""
    if any(method is getattr(base, name) for base in _PLAIN):
        return True
    owner = getattr(method, "__objclass__", None)  # the C type of a slot wrapper
    module = getattr(owner if owner is not None else method, "__module__", None)
    return getattr(method, "__name__", None) == name and module in {"collections", "numpy"}


def _own_equality(result: Any, expected: Any, depth: int = 0) -> str | None:
    """Where ``result`` holds an object whose ``==`` is its own while ``expected`` there is plain data
    (an object equal to everything would otherwise pass any test), else None."""
    if depth > 50 or not isinstance(expected, _PLAIN):
        return None
    kind = type(result)
    if kind is not type(expected) and kind not in _PLAIN:
        for method in ("__eq__", "__ne__"):
            if not _trusted_method(getattr(kind, method, None), method):
                return f"a {kind.__name__}, whose {method} is its own"
    if isinstance(expected, (list, tuple)) and isinstance(result, (list, tuple)):
        pairs: list[tuple[Any, Any]] = list(zip(result, expected))
    elif isinstance(expected, dict) and isinstance(result, dict):
        pairs = [(result[k], v) for k, v in expected.items() if k in result]
        pairs += list(zip(result.keys(), expected.keys()))
    elif isinstance(expected, (set, frozenset)) and isinstance(result, (set, frozenset)):
        pairs = [(r, next(iter(expected))) for r in result] if expected else []
    else:
        return None
    for got, want in pairs:
        found = _own_equality(got, want, depth + 1)
        if found:
            return found
    return None


def _verify(call: Callable[[], str], result: Any, expected: Any) -> None:
    """Assert ``result`` equals ``expected`` (same kind, plain equality both ways); ``call()`` names the call."""
    if not _same_kind(result, expected):
        raise AssertionError(
            f"{call()}\n  expected a {type(expected).__name__}: {_short(expected)}\n"
            f"  got a {type(result).__name__}:      {_short(result)}"
        )
    own = _own_equality(result, expected)
    if own:
        raise AssertionError(f"{call()}\n  expected plain data: {_short(expected)}\n  got {own}")
    if not (expected == result and result == expected):
        raise AssertionError(f"{call()}\n  expected: {_short(expected)}\n  got:      {_short(result)}")


def check(func: Callable[..., Any], *args: Any, expected: Any, **kwargs: Any) -> None:
    """Call ``func(*args, **kwargs)`` on copies of the arguments and assert the result equals ``expected``."""
    call = _call_text(func, args, kwargs)
    result = func(*copy.deepcopy(args), **copy.deepcopy(kwargs))
    _verify(lambda: call, result, expected)


class PartialCredit(AssertionError):
    """A test of several items that some failed: ``share`` (0 ≤ share < 1) of the cell's points are earned.
    Raised by :func:`check_items` only; the grader gives partial credit for no other instance (one rebuilt from
    what a notebook sent is a plain failure)."""

    def __init__(self, share: float, message: str) -> None:
        super().__init__(message)
        self.share = share


_ISSUED: weakref.WeakSet[PartialCredit] = weakref.WeakSet()


def issued(error: BaseException) -> bool:
    """True when ``error`` is a :class:`PartialCredit` raised by :func:`check_items` in this process."""
    return type(error) is PartialCredit and error in _ISSUED


def check_items(wrong: Sequence[str], total: int, what: str = "items") -> None:
    """Pass when ``wrong`` is empty; else fail with partial credit, the share of the ``total`` items right,
    naming the wrong ones. For a test whose prompt asks for several independent answers."""
    if total < 1 or len(wrong) > total:
        raise ValueError(f"{len(wrong)} wrong of {total} items")
    if not wrong:
        return
    error = PartialCredit((total - len(wrong)) / total,
                          f"{len(wrong)} of {total} {what} wrong: {', '.join(map(str, wrong))}")
    _ISSUED.add(error)
    raise error


def check_each(func: Callable[..., Any], cases: Any) -> None:
    """:func:`check` for each ``(args, expected)`` of ``cases`` (``args`` a tuple), the calls made in one
    exchange with the notebook: use it for hundreds of random cases."""
    cases = [(tuple(args), expected) for args, expected in cases]
    results = each(func, copy.deepcopy([args for args, _ in cases]), star=True)
    for (args, expected), result in zip(cases, results):
        _verify(lambda: _call_text(func, args, {}), result, expected)


def check_close(
    func: Callable[..., Any], *args: Any, expected: float, rel_tol: float = 1e-9, abs_tol: float = 1e-9, **kwargs: Any
) -> None:
    """Like :func:`check` for a float result, compared with ``math.isclose``."""
    call = _call_text(func, args, kwargs)
    result = func(*copy.deepcopy(args), **copy.deepcopy(kwargs))
    if not isinstance(result, (int, float)) or isinstance(result, bool) or not math.isclose(
        result, expected, rel_tol=rel_tol, abs_tol=abs_tol
    ):
        raise AssertionError(f"{call}\n  expected about: {expected!r}\n  got:            {_short(result)}")


def check_raises(
    exception: type[BaseException], func: Callable[..., Any], *args: Any, match: str | None = None, **kwargs: Any
) -> None:
    """Assert that ``func(*args, **kwargs)`` raises ``exception`` (whose message matches ``match``, a regex, if given)."""
    call = _call_text(func, args, kwargs)
    try:
        result = func(*args, **kwargs)
    except exception as error:
        if match is not None and not re.search(match, str(error)):
            raise AssertionError(
                f"{call}\n  raised {type(error).__name__}({str(error)!r}), "
                f"but the message should match {match!r}"
            ) from None
        return
    except Exception as error:  # the wrong exception type: report it instead of a bare traceback
        raise AssertionError(
            f"{call}\n  expected {exception.__name__}, got {type(error).__name__}: {error}"
        ) from None
    raise AssertionError(f"{call}\n  expected {exception.__name__}, but it returned {_short(result)}")


def check_unchanged(func: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    """Call ``func`` on the arguments themselves and assert it did not modify them."""
    call = _call_text(func, args, kwargs)
    before = copy.deepcopy((args, kwargs))
    func(*args, **kwargs)
    if (args, kwargs) != before:
        raise AssertionError(f"{call}\n  modified its input; afterwards the arguments were: {_short((args, kwargs))}")


def each(func: Callable[..., Any], items: Any, star: bool = False) -> list[Any]:
    """``[func(item) for item in items]`` (``func(*item)`` with ``star``). When ``func`` is the learner's and
    the test runs in the judge, all the calls travel in one exchange instead of one each: use it to call a
    function hundreds of times. The first exception raised ends it, as in the loop."""
    items = list(items)
    if _notebook_map is not None:
        results = _notebook_map(func, items, star)
        if results is not NotImplemented:
            return list(results)
    return [func(*item) if star else func(item) for item in items]


class Raised:
    """What :func:`replay` gives for a step that raised: the exception, in ``error``."""

    def __init__(self, error: BaseException) -> None:
        self.error = error

    def __repr__(self) -> str:
        return f"Raised({self.error!r})"


def replay(target: Any, steps: Any) -> list[Any]:
    """Call methods of one object in turn: each step is ``(name, *args)``, e.g. ``("push", 3)`` or
    ``("__len__",)``; per step, what it returned, or :class:`Raised` if it raised (the next steps still
    run). On a learner's object under the judge, all the steps travel in one exchange."""
    steps = [(str(name), *args) for name, *args in steps]
    outcomes = NotImplemented if _notebook_replay is None else _notebook_replay(target, steps)
    if outcomes is NotImplemented:
        outcomes = run_steps(target, steps)
    return [value if ok is True else Raised(value) for ok, value in outcomes]


def run_steps(target: Any, steps: list[Any]) -> list[list[Any]]:
    """Where ``target`` lives (the notebook, for :func:`replay` under the judge): per step ``(name, *args)``,
    ``[True, what it returned]`` or ``[False, the exception it raised]``."""
    outcomes: list[list[Any]] = []
    for name, *args in steps:
        try:
            outcomes.append([True, getattr(target, name)(*args)])
        except Exception as error:
            outcomes.append([False, error])
    return outcomes


def in_notebook(func: F) -> F:
    """Mark a course helper that must run beside the learner's code (it counts comparisons, measures
    memory, drives an event loop). In a notebook it is ``func`` itself. Under the judge a call runs the
    notebook's copy of the helper, by name, and only its result comes back: a measurement taken there is
    as trustworthy as the notebook (a learner could redefine the helper), a value it returns is checked
    by the test as any other."""
    if _notebook_call is None:
        return func
    call, name = _notebook_call, func.__name__

    def remote(*args: Any, **kwargs: Any) -> Any:
        return call(name, args, kwargs)

    remote.__name__ = remote.__qualname__ = name
    remote.__doc__ = func.__doc__
    return remote  # type: ignore[return-value]


class _JumpingSelector(selectors.DefaultSelector):
    """A selector that, when asked to wait for a timer, moves its clock to that timer instead."""

    def __init__(self) -> None:
        super().__init__()
        self.now = 0.0

    def select(self, timeout: float | None = None) -> list[Any]:
        ready = super().select(0)
        if ready or timeout == 0:
            return ready
        if timeout is None:  # waiting for I/O or another thread, not for a timer: really wait a little
            return super().select(0.01)
        self.now += timeout
        return []


class _VirtualTimeLoop(asyncio.SelectorEventLoop):
    def __init__(self) -> None:
        self._jumping = _JumpingSelector()
        super().__init__(self._jumping)

    def time(self) -> float:
        return self._jumping.now


def run_virtual(coroutine: Any) -> tuple[Any, float]:
    """Run ``coroutine`` on an event loop whose clock jumps to the next timer instead of waiting, so that
    ``asyncio.sleep`` and timeouts cost no real time and every run is the same. Returns its result and the
    seconds that passed on that clock. Works inside a notebook, whose own loop is already running."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        loop = _VirtualTimeLoop()
        try:
            start = loop.time()
            outcome["value"] = (loop.run_until_complete(coroutine), loop.time() - start)
        except BaseException as error:  # noqa: BLE001 (raised again in the caller's thread)
            outcome["error"] = error
        finally:
            loop.close()

    thread = threading.Thread(target=run, name="aieprep-virtual-time")
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]
