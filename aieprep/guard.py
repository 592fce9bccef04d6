"""The guard of a grading kernel: hidden tests run out of the submission's reach, and each verdict is signed.

``aieprep grade`` starts every kernel as ``python -m aieprep.guard BOOT_DIR -f CONNECTION_FILE``.
Before any submitted code runs, the guard

1. reads ``BOOT_DIR/boot.json`` (a fresh key, the hidden tests, the modules to preload) and deletes it;
2. imports those modules and records every module attribute, builtin, class attribute and function
   default of the modules the tests use, so that a replaced one is noticed before each test;
3. installs an audit hook (PEP 578: it cannot be removed), which

   - ends the kernel, after a signed ``tamper`` record, when the submission reaches for a primitive that
     could read the guard or the tests: tracing and profiling, new audit hooks, ``gc`` object walks,
     ctypes, other threads' frames, starting processes, opening ``/proc/*/mem``, or any frame (from
     ``sys._getframe``, a traceback, a generator or coroutine) whose callers include a test or the guard,
     unless a library that never hands the frame on asked for it;
   - runs hidden test ``K`` when the cell ``__import__("sys").audit("aieprep.test", K)`` fires that event:
     in a function scope of its own, with the real builtins, outside IPython's cell machinery (so input or
     AST transformers, a patched ``run_cell`` or a swallowed traceback neither see nor change it);

4. starts ipykernel.

Verdicts are lines ``K status message-hex mac`` appended to ``BOOT_DIR/verdicts``; ``mac`` is an HMAC of the
rest under the key, which lives only in the closure of the hook, so written-in lines cannot pass as verdicts.
"""

from __future__ import annotations

import ast
import builtins
import importlib
import json
import os
import sys
import types
from pathlib import Path
from typing import Any

__all__ = ["EXIT_TAMPER", "TEST_EVENT", "main", "read_verdicts", "trigger"]

TEST_EVENT = "aieprep.test"
DONE = "__aieprep_done__"
COMPARE = "__aieprep_compare__"
EXIT_TAMPER = 70

# Always fatal, whoever asks: each could observe or rewrite the guard or a running test.
FORBIDDEN = {
    "sys.addaudithook", "sys.settrace", "sys.setprofile", "sys._current_frames",
    "gc.get_objects", "gc.get_referrers", "gc.get_referents",
    "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork", "os.forkpty", "subprocess.Popen", "pty.spawn",
}
# Events that hand out a frame: checked against the callers of that frame.
FRAME_ATTRIBUTES = {"tb_frame", "gi_frame", "cr_frame", "ag_frame", "__code__", "gi_code", "cr_code", "ag_code"}
# Attributes IPython and ipykernel themselves swap while a cell runs (input forwarding, exit, display).
KERNEL_SWAPS = {("builtins", n) for n in ("input", "raw_input", "exit", "quit", "get_ipython", "display",
                                          "copyright", "credits", "license", "help")} | {("getpass", "getpass")}
# Library code that hands frames to its caller: trusted only when another library called it.
FRAME_RETURNING_MODULES = ("inspect", "pdb", "bdb", "IPython.core.debugger")
FRAME_RETURNING = {("traceback", "walk_stack"), ("traceback", "walk_tb"), ("traceback", "extract_stack"),
                   ("traceback", "format_stack"), ("traceback", "print_stack"),
                   ("asyncio.base_tasks", "_task_get_stack"), ("logging", "<lambda>")}


def trigger(k: int) -> str:
    """The cell source that runs hidden test ``k``."""
    return f'__import__("sys").audit("{TEST_EVENT}", {k})'


def read_verdicts(path: Path, key: bytes, nonce: str) -> tuple[dict[int, tuple[str, str]], list[str]]:
    """The verdicts a guard wrote, ``{k: (status, message)}`` (the last one of each test wins), and the
    lines whose signature does not match (written by the submission)."""
    import hmac

    verdicts: dict[int, tuple[str, str]] = {}
    forged: list[str] = []
    text = path.read_bytes().decode("utf-8", "replace") if path.exists() else ""
    for line in text.splitlines():
        parts = line.split(" ")
        try:
            k, status, hexed, mac = int(parts[0]), parts[1], parts[2], parts[3]
            expected = hmac.new(key, f"{nonce} {k} {status} {hexed}".encode(), "sha256").hexdigest()
            if len(parts) != 4 or not hmac.compare_digest(expected, mac):
                raise ValueError
            verdicts[k] = (status, bytes.fromhex(hexed).decode("utf-8", "replace"))
        except (ValueError, IndexError):
            forged.append(line[:200])
    return verdicts, forged


def _code_objects(code: types.CodeType, into: set[int]) -> None:
    into.add(id(code))
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            _code_objects(const, into)


def _module_code(module: types.ModuleType, into: set[int], keep: list[Any]) -> None:
    """Ids of the code objects of a module's functions and class methods (``keep`` holds them alive)."""
    for value in list(vars(module).values()):
        found = [value]
        if isinstance(value, type) and getattr(value, "__module__", None) == module.__name__:
            found = list(vars(value).values())
        for item in found:
            func = getattr(item, "__func__", item)
            if isinstance(item, (property,)):
                func = item.fget
            code = getattr(func, "__code__", None) if isinstance(func, types.FunctionType) else None
            if code is not None:
                keep.append(code)
                _code_objects(code, into)


def _is_async(tree: ast.Module) -> bool:
    """True when the cell awaits at its top level (IPython would run it as a coroutine)."""
    stack: list[ast.AST] = list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Await, ast.AsyncFor, ast.AsyncWith)):
            return True
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            stack.extend(ast.iter_child_nodes(node))
    return False


class _StrictEquality(ast.NodeTransformer):
    """``a == b`` → ``__aieprep_compare__(a, b)`` and ``a != b`` → ``__aieprep_compare__(a, b, True)``."""

    def visit_Compare(self, node: ast.Compare) -> ast.AST:
        self.generic_visit(node)
        if len(node.ops) == 1 and isinstance(node.ops[0], (ast.Eq, ast.NotEq)):
            negate = ast.Constant(isinstance(node.ops[0], ast.NotEq))
            return ast.copy_location(ast.Call(ast.Name(COMPARE, ast.Load()), [node.left, node.comparators[0], negate], []), node)
        return node


def _compile_test(k: int, source: str, token: int) -> tuple[types.CodeType, bool, bool]:
    """Compile a test cell as the body of a function ``__aieprep_test__`` that ends by setting
    ``__aieprep_done__ = token`` and returning its locals, so that a run cut short (or an event loop
    replaced by one that never runs it) cannot pass; a cell that cannot be a function body (e.g. with
    ``import *``) is compiled as module code. Returns (code, wrapped in a function, awaits)."""
    filename = f"<aieprep-test-{k}>"  # not in linecache: tracebacks show no hidden line
    tree = _StrictEquality().visit(ast.parse(source, filename))
    is_async = _is_async(tree)
    wrapper_src = ("async def" if is_async else "def") + " __aieprep_test__():\n    pass\n"
    wrapper = ast.parse(wrapper_src)
    func = wrapper.body[0]
    done = ast.Assign([ast.Name(DONE, ast.Store())], ast.Constant(token))
    func.body = tree.body + [done, ast.Return(ast.Call(ast.Name("locals", ast.Load()), [], []))]  # type: ignore[attr-defined]
    ast.fix_missing_locations(wrapper)
    try:
        return compile(wrapper, filename, "exec"), True, is_async
    except SyntaxError:
        return compile(ast.fix_missing_locations(tree), filename, "exec"), False, False


def _install(key: bytes, nonce: str, tests: dict[int, str], fd: int, user_ns: dict[str, Any],
             watched_modules: list[str]) -> None:
    """Record the state the tests rely on, then add the audit hook; nothing returned holds the key."""
    import _hashlib
    import _thread
    import asyncio
    import threading

    hmac_digest = _hashlib.hmac_digest
    write, exit_now, realpath = os.write, os._exit, os.path.realpath
    get_ident, getframe = _thread.get_ident, sys._getframe
    real_builtins = builtins
    exception_base = BaseException

    def _sign(k: int, status: str, message: str) -> None:
        # Only C functions run here, so no submitted code can execute while the key is on the stack.
        hexed = message.encode("utf-8", "replace").hex()
        mac = hmac_digest(key, f"{nonce} {k} {status} {hexed}".encode(), "sha256").hex()
        write(fd, f"{k} {status} {hexed} {mac}\n".encode())

    # --- what a test relies on, recorded before any submitted code runs --------------------------------
    protected_code: set[int] = set()
    boot_code: set[int] = set()
    keep: list[Any] = []
    for name, module in list(sys.modules.items()):
        if isinstance(module, types.ModuleType):
            _module_code(module, boot_code, keep)
    import aieprep.testing
    _module_code(aieprep.testing, protected_code, keep)
    compare = aieprep.testing.compare
    def watched(name: str) -> bool:
        return name == "builtins" or name.split(".")[0] in watched_modules

    modules = {n: m for n, m in sys.modules.items() if isinstance(m, types.ModuleType) and watched(n)}
    attributes = {n: {a: v for a, v in vars(m).items()
                      if (callable(v) or isinstance(v, types.ModuleType)) and (n, a) not in KERNEL_SWAPS}
                  for n, m in modules.items()}
    deep: dict[str, list[tuple[Any, str, Any]]] = {}
    for name in modules:
        entries: list[tuple[Any, str, Any]] = []
        for attr, value in attributes[name].items():
            if isinstance(value, types.FunctionType):
                entries += [(value, "__code__", value.__code__), (value, "__defaults__", value.__defaults__),
                            (value, "__kwdefaults__", value.__kwdefaults__)]
            elif isinstance(value, type) and getattr(value, "__module__", None) == name:
                entries += [(value, k, v) for k, v in vars(value).items()]
        deep[name] = entries

    def _replaced() -> str | None:
        for name, module in modules.items():
            if sys.modules.get(name) is not module:
                return f"sys.modules[{name!r}] was replaced"
            current = vars(module)
            for attr, value in attributes[name].items():
                if current.get(attr, current) is not value:
                    return f"{name}.{attr} was replaced"
        for name, entries in deep.items():
            for owner, attr, value in entries:
                now = vars(owner).get(attr) if isinstance(owner, type) else getattr(owner, attr)
                if now is not value:
                    return f"{name}: {getattr(owner, '__qualname__', owner)}.{attr} was replaced"
        return None

    token = int.from_bytes(os.urandom(8), "big")
    compiled = {k: _compile_test(k, src, token) for k, src in tests.items()}
    run_coroutine, is_coroutine = asyncio.run, asyncio.iscoroutine
    for code, _, _ in compiled.values():
        keep.append(code)
        _code_objects(code, protected_code)
    overlay: dict[str, Any] = {}
    state = {"running": None}
    busy: set[int] = set()

    def _message(error: BaseException) -> str:
        try:
            text = f"{type(error).__name__}: {error}"
        except exception_base:
            text = type(error).__name__ if isinstance(type(error).__name__, str) else "Error"
        return text[:2000] if type(text) is str else "Error"

    def _run(k: int) -> None:
        if state["running"] is not None:
            _tamper(f"test {k} started inside test {state['running']}")
        state["running"] = k
        try:
            if k not in compiled:
                _sign(k, "fail", "no such test")
                return
            changed = _replaced()
            if changed:
                _sign(k, "tamper", f"the submission changed what the tests use: {changed}")
                return
            code, wrapped, awaits = compiled[k]
            scope = {**user_ns, **overlay, "__builtins__": real_builtins, "__name__": "__main__", COMPARE: compare}
            outcome: dict[str, Any] = {}

            def body() -> None:
                try:
                    exec(code, scope)
                    if wrapped:
                        result = scope["__aieprep_test__"]()
                        if is_coroutine(result):
                            result = run_coroutine(result)
                        done = result.get(DONE) if type(result) is dict else None
                        if type(done) is not int or done != token:
                            raise RuntimeError("the test did not run to its end")
                        outcome["locals"] = result
                    outcome["ok"] = True
                except exception_base as error:
                    exception_base.with_traceback(error, None)
                    outcome["error"] = _message(error)
                    del error

            if awaits:  # the kernel's own event loop is running in this thread: use a thread of its own
                runner = threading.Thread(target=body, name=f"aieprep-test-{k}", daemon=True)
                runner.start()
                runner.join()
            else:
                body()
            if outcome.get("ok"):
                if isinstance(outcome.get("locals"), dict):
                    overlay.update({n: v for n, v in outcome["locals"].items() if isinstance(n, str)})
                changed = _replaced()
                if changed:
                    _sign(k, "tamper", f"the submission changed what the tests use: {changed}")
                else:
                    _sign(k, "pass", "")
            else:
                _sign(k, "fail", outcome.get("error", "Error: the test did not finish"))
        except exception_base as error:  # KeyboardInterrupt from the grader's timeout, or a guard bug
            exception_base.with_traceback(error, None)
            _sign(k, "fail", _message(error))
        finally:
            state["running"] = None

    def _tamper(reason: str) -> None:
        _sign(-1, "tamper", reason)
        exit_now(EXIT_TAMPER)

    def _trusted(requester: Any) -> bool:
        """Library code asked (code recorded at start), and either it keeps the frame to itself or it was
        called by library code too (``traceback.format_exc`` walking a traceback is fine)."""
        code = requester.f_code
        if id(code) in guard_code:
            return True
        if id(code) not in boot_code:
            return False
        module = requester.f_globals.get("__name__", "")
        module = module if isinstance(module, str) else ""
        returns_frames = module.startswith(FRAME_RETURNING_MODULES) or (module, code.co_name) in FRAME_RETURNING
        caller = requester.f_back
        return not returns_frames or (caller is not None and id(caller.f_code) in boot_code)

    def _where(frame: Any) -> str:
        module = frame.f_globals.get("__name__", "?")
        return f"{module if isinstance(module, str) else '?'}.{frame.f_code.co_name}"

    def _reaches_protected(frame: Any) -> bool:
        depth = 0
        while frame is not None and depth < 10_000:
            if id(frame.f_code) in protected_code:
                return True
            frame, depth = frame.f_back, depth + 1
        return False

    guard_code: set[int] = set()

    def hook(event: str, args: tuple[Any, ...]) -> None:
        if event in FORBIDDEN:
            _tamper(f"the submission used {event}")
        elif event == TEST_EVENT:
            if args and type(args[0]) is int:
                _run(args[0])
        elif event == "sys._getframe" or (event == "object.__getattr__" and args[1] in FRAME_ATTRIBUTES):
            me = get_ident()
            if me in busy:
                return
            busy.add(me)
            try:
                if event == "sys._getframe":
                    frame = args[0]
                else:
                    frame = getattr(args[0], args[1], None)
                    if args[1] in {"__code__", "gi_code", "cr_code", "ag_code"}:
                        if isinstance(frame, types.CodeType) and id(frame) in protected_code | guard_code:
                            requester = getframe(1)
                            if not _trusted(requester):
                                _tamper(f"the submission read the code of a test, in {_where(requester)}")
                        return
                if isinstance(frame, types.FrameType) and _reaches_protected(frame):
                    requester = getframe(1)
                    if not _trusted(requester):
                        what = "sys._getframe" if event == "sys._getframe" else args[1]
                        _tamper(f"the submission reached the frames of a test or of the grader ({what}, "
                                f"in {_where(requester)})")
            finally:
                busy.discard(me)
        elif event.startswith("ctypes.") and event != "ctypes.dlopen":
            _tamper(f"the submission used {event}")
        elif event == "open" and isinstance(args[0], (str, bytes)):
            path = args[0].decode() if isinstance(args[0], bytes) else args[0]
            if path.startswith("/proc") or "/proc/" in realpath(path):
                parts = realpath(path).split("/")
                if len(parts) >= 4 and parts[3] in {"mem", "pagemap", "environ"}:
                    _tamper(f"the submission opened {path}")

    for func in (hook, _run, _sign, _tamper, _replaced, _message, _trusted, _reaches_protected, _where):
        _code_objects(func.__code__, guard_code)
    protected_code |= guard_code
    sys.addaudithook(hook)


def _apply_limits() -> None:
    """rlimits from ``AIEPREP_LIMITS`` (see :class:`aieprep.sandbox.Limits`); they cannot be raised again."""
    import resource

    spec = dict(item.split("=", 1) for item in os.environ.pop("AIEPREP_LIMITS", "").split(",") if "=" in item)
    wanted = {resource.RLIMIT_CORE: 0}
    if "cpu_seconds" in spec:
        wanted[resource.RLIMIT_CPU] = int(spec["cpu_seconds"])
    if "file_bytes" in spec:
        wanted[resource.RLIMIT_FSIZE] = int(spec["file_bytes"])
    if os.environ.pop("AIEPREP_RLIMIT_AS", "0") == "1" and "memory_bytes" in spec:
        wanted[resource.RLIMIT_AS] = int(spec["memory_bytes"])
    for which, value in wanted.items():
        resource.setrlimit(which, (value, value))


def main(argv: list[str]) -> None:
    _apply_limits()
    boot_dir = Path(argv[0])
    boot = json.loads((boot_dir / "boot.json").read_text())
    (boot_dir / "boot.json").unlink()
    fd = os.open(boot_dir / "verdicts", os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    for name in boot["preload"]:
        try:
            importlib.import_module(name)
        except Exception:  # the notebook will show the import error itself
            pass
    from ipykernel.kernelapp import IPKernelApp

    app = IPKernelApp.instance()
    app.initialize(argv[1:])
    Path(app.connection_file).unlink(missing_ok=True)  # its session key would let code forge kernel messages
    if boot["tests"]:  # else the judge (aieprep.judge) runs the tests, in a process of its own
        _install(bytes.fromhex(boot["key"]), boot["nonce"], {int(k): v for k, v in boot["tests"].items()}, fd,
                 app.shell.user_ns, boot["watch"])
    del boot
    app.start()


if __name__ == "__main__":
    main(sys.argv[1:])
