"""The learner's side of the judge's channel, inside the notebook's kernel.

``aieprep grade`` replaces each test cell of a submission with ``serve(SOCKET, globals())``: the cell
connects to the judge (:mod:`aieprep.grading.judge`), which runs the hidden test in its own process, and answers
its requests (look up a name of the notebook, call a function, read an attribute …) until the judge
says the test is over. Nothing here decides a grade: the judge trusts none of what it receives.
"""

from __future__ import annotations

import os
import socket
from typing import Any

from .testing import run_steps
from .wire import Channel, Peer

__all__ = ["serve"]

_peers: dict[int, Peer] = {}  # one per notebook namespace: handles stay valid from one test to the next


def _peer_for(namespace: dict[str, Any]) -> Peer:
    peer = _peers.get(id(namespace))
    if peer is None:
        def course_class(name: str) -> type | None:
            value = namespace.get(name)
            return value if isinstance(value, type) else None

        def lookup(name: str) -> Any:
            if type(name) is not str or name not in namespace:
                raise NameError(f"name {name!r} is not defined in the notebook")
            return namespace[name]

        def in_notebook(name: str, *args: Any, **kwargs: Any) -> Any:
            return lookup(name)(*args, **kwargs)

        def hello(names: list[str]) -> int | None:
            _peers[id(namespace)].set_course_names({n for n in names if type(n) is str})
            return _pin_here()

        def done() -> None:
            _peers[id(namespace)].done = True

        def map_calls(func: Any, items: list[Any], star: bool = False) -> list[Any]:
            return [func(*item) if star else func(item) for item in items]

        def asgi_start(app: Any, path: str) -> str:
            return _serve_app(app, path)

        peer = Peer(Channel(socket.socket(socket.AF_UNIX)), course_class, set(), private=False,
                    extra_ops={"hello": hello, "ns": lookup, "notebook": in_notebook, "done": done,
                               "asgi_start": asgi_start, "map": map_calls,
                               "replay": run_steps})
        _peers[id(namespace)] = peer
    return peer


_servers: dict[int, tuple[Any, str]] = {}  # id(app): (the app, kept alive, and the socket it is served on)


def _serve_app(app: Any, path: str) -> str:
    """Serve an ASGI app of the notebook over HTTP on the Unix socket ``path`` (uvicorn, in a thread), so
    that the judge's TestClient reaches it with real requests; ``X-Forwarded-For`` names the client. An app
    is served once and until the kernel ends (stopping uvicorn takes 0.1 to 0.2 s): an app served already
    answers on its first socket, whose path is returned."""
    import threading
    import time

    import uvicorn

    served = _servers.get(id(app))
    if served is not None and served[0] is app:
        return served[1]
    config = uvicorn.Config(app, uds=path, log_level="critical", access_log=False, lifespan="auto",
                            proxy_headers=True, forwarded_allow_ips="*", timeout_keep_alive=60)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="aieprep-app", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.005)
    if not server.started:
        raise RuntimeError("the app did not start (is it an ASGI app, e.g. FastAPI()?)")
    _servers[id(app)] = (app, path)
    return path


def _pin_here() -> int | None:
    """Keep the calling thread on the CPU it runs on now, and return that CPU (None if it cannot be
    known); the judge's test thread then goes there too. A message between two processes on one core is
    answered about three times sooner than across cores, where each one has to wake the other's core."""
    try:
        with open("/proc/thread-self/stat") as stat:
            cpu = int(stat.read().rsplit(")", 1)[1].split()[36])  # field 39, "processor"
        os.sched_setaffinity(0, {cpu})
    except (OSError, ValueError, IndexError, AttributeError):
        return None
    return cpu


def serve(path: str, namespace: dict[str, Any]) -> None:
    """Answer the judge's requests for one test, then return."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(path)
    except OSError:
        sock.close()
        return
    peer = _peer_for(namespace)
    peer.channel, peer.done = Channel(sock), False
    cpus = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    try:
        peer.serve_until(lambda: peer.done)
    except Exception:  # the judge went away or sent nonsense: the test fails on its side
        pass
    finally:
        peer.channel.close()
        if cpus is not None:  # the notebook's next cells run where the scheduler likes again
            try:
                os.sched_setaffinity(0, cpus)
            except OSError:
                pass
