"""The judge: runs a week's hidden tests in a process of its own, against a learner's kernel.

``python -m aieprep.grading.judge SOCKET`` is started by the grader for one submission. It never runs learner
code and shares no memory with the kernel that does. It reads commands from stdin, one JSON object a
line, and answers on stdout:

- ``{"given": [source, …]}``: the course's own code cells. The judge keeps their imports, functions,
  classes and upper-case constants (demos and plots are left to the notebook). Tests see these, not the
  notebook's copies, so a learner cannot rebind ``check`` or a helper.
- ``{"tests": {"K": source}}``: the hidden tests, by cell index.
- ``{"run": K}``: start test K. Its learner names (``two_sum``, ``COMPLEXITY`` …) are fetched from the
  notebook over SOCKET when the test first reads them: the notebook's cell ``aieprep.runtime.agent.serve``
  connects and answers. Values arrive as plain data (see :mod:`aieprep.runtime.wire`); learner objects and
  functions as :class:`aieprep.runtime.wire.Remote` handles whose ``==`` is identity.
- ``{"end": K}``: the notebook's cell is over; answers ``{"k": K, "status": "pass"|"fail"|"partial", "message": …}``,
  with ``"share"`` (0 ≤ share < 1, the points earned) for "partial".

A test passes when its code runs to the end without an exception, here, with the judge's builtins; it earns part
of its points when it ends in a :class:`aieprep.runtime.testing.PartialCredit` raised here by ``check_items``.
"""

from __future__ import annotations

import ast
import asyncio
import builtins
import functools
import inspect
import json
import os
import socket
import sys
import threading
import traceback
from typing import Any

from .. import startup  # noqa: F401  (before the course's imports: see there)
from ..runtime import testing
from ..runtime.given import definitions
from .outcome import Verdict
from ..runtime.wire import Channel, ChannelClosed, Peer, ProtocolError, Remote, RemoteError, RemoteMethod

__all__ = ["definitions", "main"]

_BUILTINS = vars(builtins)


class Judge:
    """The judge's state for one submission."""

    def __init__(self, socket_path: str) -> None:
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(socket_path)
        self.listener.listen(8)
        self.listener.settimeout(0.05)
        self.namespace = _Namespace(self)
        self.namespace.update({"__name__": "__main__", "__builtins__": builtins})
        self.course_classes: dict[str, type] = {}
        self.peer = Peer(Channel(socket.socket(socket.AF_UNIX)), self.course_classes.get, set(), private=True)
        self.tests: dict[int, str] = {}
        self.stuck = False
        self.http_timeout = 60.0  # seconds a request to a notebook's app may take
        self.cell_over = threading.Event()
        self.connected = False
        self.running: threading.Thread | None = None
        self.outcome: dict[str, Any] = {}
        self.app_sockets: set[str] = set()  # the sockets this judge named for the notebook's apps
        self.socket_dir = os.path.dirname(socket_path)
        self.cpus = os.sched_getaffinity(0) if hasattr(os, "sched_setaffinity") else set()
        testing._notebook_call = self.in_notebook
        testing._notebook_map = self.map_calls
        testing._notebook_replay = self.replay

    # --- the course's code -------------------------------------------------------------------------------

    def given(self, sources: list[str]) -> list[str]:
        errors = []
        for source in sources:
            code = definitions(source)
            for node in ast.parse(code).body if code else []:
                try:
                    exec(compile(ast.Module(body=[node], type_ignores=[]), "<course>", "exec"), self.namespace)
                except Exception as error:  # a constant built from the learner's names: left to the notebook
                    errors.append(f"{type(error).__name__}: {error}"[:200])
        self.course_classes.clear()
        self.course_classes.update({name: value for name, value in self.namespace.items()
                                    if isinstance(value, type) and value.__module__ == "__main__"})
        self.peer.set_course_names(set(self.course_classes))
        if getattr(self.namespace.get("TestClient"), "__module__", "").startswith(("starlette.", "fastapi.")):
            self.namespace["TestClient"] = self.test_client  # an app of the notebook is reached over HTTP
        return errors

    def test_client(self, app: Any, *args: Any, **kwargs: Any) -> Any:
        """Starlette's TestClient for a course app; for an app of the notebook, :class:`NotebookTestClient`."""
        from fastapi.testclient import TestClient

        if isinstance(app, Remote):
            return NotebookTestClient(self, app, **kwargs)
        return TestClient(app, *args, **kwargs)

    def serve_app(self, app: Remote) -> str:
        """The socket on which the notebook serves ``app``: a new one, or the one it was first served on."""
        path = os.path.join(self.socket_dir, f"app-{len(self.app_sockets)}.sock")
        self.app_sockets.add(path)
        served = self.connect().request("asgi_start", None, [app, path], {})
        if type(served) is not str or served not in self.app_sockets:  # only sockets the judge named itself
            raise ProtocolError("an app served on a socket the judge did not name")
        return served

    # --- the channel to the notebook -----------------------------------------------------------------------

    def connect(self) -> Peer:
        """The channel of the running test, accepting the notebook's connection on first use."""
        if not self.connected:
            while True:
                try:
                    conn, _ = self.listener.accept()
                    break
                except TimeoutError:
                    if self.cell_over.is_set():
                        raise ChannelClosed("the notebook did not answer the judge (its test cell ended)") from None
            self.peer.channel = Channel(conn, abort=self.cell_over.is_set)
            self.connected = True
            cpu = self.peer.request("hello", None, [sorted(self.course_classes)], {})
            if type(cpu) is int and cpu in self.cpus:  # the test thread joins the notebook's core
                os.sched_setaffinity(0, {cpu})
        return self.peer

    def lookup(self, name: str) -> Any:
        return self.connect().request("ns", None, [name], {})

    def in_notebook(self, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        return self.connect().request("notebook", None, [name, *args], kwargs)

    def map_calls(self, func: Any, items: list[Any], star: bool) -> Any:
        if not isinstance(func, (Remote, RemoteMethod)):
            return NotImplemented
        return self.connect().request("map", None, [func, items, star], {})

    def replay(self, target: Any, steps: list[Any]) -> Any:
        if not isinstance(target, Remote):
            return NotImplemented
        outcomes = self.connect().request("replay", None, [target, steps], {})
        if type(outcomes) is not list or not all(type(o) is list and len(o) == 2 and type(o[0]) is bool
                                                 and (o[0] or isinstance(o[1], BaseException)) for o in outcomes) \
                or len(outcomes) != len(steps):
            raise ProtocolError("a bad replay")
        return outcomes

    def finish_channel(self) -> int:
        """Tell the notebook the test is over (accepting its connection first if it has not been); the
        number of messages the judge sent during the test."""
        try:
            peer = self.connect()
            peer.channel.send({"op": "done", "h": None, "a": peer.encode([{}])[0], "id": 0})
        except (ChannelClosed, ProtocolError, OSError):
            pass
        finally:
            sent = self.peer.channel.sent
            self.peer.channel.close()
            self.peer.release_handles()  # what this test lent is gone with it
            self.connected = False
        return sent

    # --- tests ---------------------------------------------------------------------------------------------

    def run(self, k: int) -> None:
        self.cell_over.clear()
        self.outcome = {}
        self.running = threading.Thread(target=self._test, args=(k,), name=f"test-{k}", daemon=True)
        self.running.start()

    def _test(self, k: int) -> None:
        import time
        started = time.perf_counter()
        try:
            source = self.tests[k]
            code = compile(source, f"<hidden test {k}>", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
            result = eval(code, self.namespace)
            if inspect.iscoroutine(result):
                asyncio.run(_awaited(result))
            self.outcome = {"status": Verdict.PASS, "message": ""}
        except KeyboardInterrupt:
            self.outcome = {"status": Verdict.FAIL, "message": "TimeoutError: the notebook was interrupted: the code "
                            "under test ran past the time limit of a cell"}
        except ChannelClosed as error:
            self.outcome = {"status": Verdict.FAIL, "message": f"GradingError: {error}"}
        except ProtocolError as error:
            self.outcome = {"status": Verdict.TAMPER, "message": f"the notebook answered the judge with {error}"}
        except BaseException as error:  # noqa: BLE001 (the verdict says what went wrong)
            self.outcome = {"status": Verdict.FAIL, "message": _message(error)}
            if testing.issued(error):  # some items right: a share of the points
                self.outcome.update(status=Verdict.PARTIAL, share=float(getattr(error, "share")))
        finally:
            sent = self.finish_channel()
            print(f"test {k}: {self.outcome.get('status')} in {time.perf_counter() - started:.3f} s, "
                  f"{sent} messages", file=sys.stderr)

    def end(self, k: int, grace: float) -> dict[str, Any]:
        """The verdict of test K, once its notebook cell is over. A test still running ``grace`` seconds
        later (stuck on something of the learner's) fails, and the judge ends after answering."""
        self.cell_over.set()
        if self.running is not None:
            self.running.join(grace)
            if self.running.is_alive():
                self.stuck = True
                return {"k": k, "status": Verdict.FAIL, "message": f"TimeoutError: the test was still waiting on the "
                        f"notebook {grace:.0f} s after its cell ended"}
        self.running = None
        return {"k": k, **(self.outcome or {"status": Verdict.FAIL, "message": "the test did not run"})}


class NotebookTestClient:
    """What a test's ``TestClient(app)`` is when ``app`` lives in the notebook: the notebook serves it with
    uvicorn on a Unix socket and the judge sends real HTTP requests (httpx), serving the notebook's calls
    back (an app's LLM client is the judge's) while it waits. Responses are httpx responses, as
    TestClient's are; ``client=(host, port)`` becomes ``X-Forwarded-For``."""

    def __init__(self, judge: Judge, app: Remote, base_url: str = "http://testserver",
                 client: tuple[str, int] = ("testclient", 50000), headers: dict[str, str] | None = None,
                 **ignored: Any) -> None:
        self.judge, self.app, self.base_url = judge, app, base_url
        self.headers = {"X-Forwarded-For": str(client[0]), **(headers or {})}
        self.http: Any = None

    def _start(self) -> None:
        import httpx

        if self.http is None:
            path = self.judge.serve_app(self.app)
            self.http = httpx.Client(transport=httpx.HTTPTransport(uds=path), base_url=self.base_url,
                                     headers=self.headers, timeout=self.judge.http_timeout)

    def __enter__(self) -> NotebookTestClient:
        self._start()
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.http is not None:
            self.http.close()

    def request(self, method: str, url: str, **kwargs: Any) -> Any:
        from concurrent.futures import ThreadPoolExecutor

        self._start()
        pool = ThreadPoolExecutor(1)
        try:
            future = pool.submit(self.http.request, method, url, **kwargs)
            future.add_done_callback(lambda _: self.judge.peer.channel.wake())
            self.judge.peer.serve_until(future.done)
            return future.result()
        finally:
            pool.shutdown(wait=False)  # an app that never answers holds its thread, never the judge

    get = functools.partialmethod(request, "GET")
    post = functools.partialmethod(request, "POST")
    put = functools.partialmethod(request, "PUT")
    patch = functools.partialmethod(request, "PATCH")
    delete = functools.partialmethod(request, "DELETE")
    head = functools.partialmethod(request, "HEAD")
    options = functools.partialmethod(request, "OPTIONS")


async def _awaited(coroutine: Any) -> Any:
    return await coroutine


def _message(error: BaseException) -> str:
    try:
        text = str(error)
    except Exception:
        text = ""
    name = type(error).__name__ if not isinstance(error, RemoteError) else "Error"
    if isinstance(error, AssertionError) and not text:
        frames = traceback.extract_tb(error.__traceback__)
        line = next((f.lineno for f in reversed(frames) if f.filename.startswith("<hidden test")), None)
        text = f"an assert failed (line {line} of the test)" if line else "an assert failed"
    return f"{name}: {text}"[:4000] if text else name


class _Namespace(dict[str, Any]):
    """The tests' globals: the course's names first, then builtins, then the notebook's names, fetched
    from the notebook while a test runs."""

    def __init__(self, judge: Judge) -> None:
        super().__init__()
        self.judge = judge

    def __missing__(self, name: str) -> Any:
        if name in _BUILTINS or name.startswith("__") or self.judge.running is None \
                or threading.current_thread() is threading.main_thread():
            raise KeyError(name)
        try:
            return self.judge.lookup(name)
        except NameError:
            raise KeyError(name) from None


def main(argv: list[str]) -> None:
    from ..runtime.kernel import apply_limits

    apply_limits()  # CPU seconds, file size (and memory, where no cgroup limits it), before any test runs
    judge = Judge(argv[0])
    out = sys.stdout
    sys.stdout = sys.stderr  # prints of the course's code never corrupt the answers
    for line in sys.stdin:
        command = json.loads(line)
        if "given" in command:
            reply: dict[str, Any] = {"errors": judge.given(command["given"])}
        elif "tests" in command:
            judge.tests.update({int(k): v for k, v in command["tests"].items()})
            reply = {"ok": True}
        elif "run" in command:
            judge.run(int(command["run"]))
            continue
        elif "end" in command:
            reply = judge.end(int(command["end"]), float(command.get("grace", 30)))
        elif "lend" in command:
            judge.peer.set_lending(command["lend"])
            judge.http_timeout = float(command.get("http_timeout", judge.http_timeout))
            continue
        else:
            break
        out.write(json.dumps(reply) + "\n")
        out.flush()
        if judge.stuck:
            break
    os._exit(0)


if __name__ == "__main__":
    main(sys.argv[1:])
