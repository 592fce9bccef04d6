"""``aieprep grade``: a cohort of honest, broken and hostile submissions graded in one run.

The week has two exercises worth 7 points: ``add`` (4 points: a visible, a partly hidden and an async
test cell) and ``double`` (3 points). Each hostile submission answers wrongly (or answers ``add`` only) and attacks
the grader one way; it must score exactly what its code really earns, be flagged where that is the case,
and leave everyone else's grading alone.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import nbformat
import pytest

from aieprep.nbgrader_bridge import run_nbgrader
from aieprep.grading.outcome import Outcome
from aieprep.grading.pipeline import grade_week
from aieprep.grading.report import write_report
from aieprep.grading.sandbox import Limits
from tests.conftest import ROOT, nbgrader_meta

WEEK = "week09_judge"
HIDDEN_MARKER = "HIDDEN-MARKER-7f3a"
BACKUP = Path("/var/tmp") / f"aieprep-backup-{os.getpid()}"  # outside the course, the home and /tmp
LIMITS = Limits(cell_seconds=4, wait_seconds=8, notebook_seconds=30, memory_bytes=768 * 2**20, processes=64,
                output_bytes=256 * 2**10)

RIGHT_ADD = "def add(a, b):\n    return a + b"
HALF_DOUBLE = "def double(x):\n    return 2 * x if x < 3 else 0"  # test-double-close's 2 points, half of test-double-int
RIGHT_DOUBLE = "def double(x):\n    return 2 * x"
WRONG_ADD = "def add(a, b):\n    return a - b"
WRONG_DOUBLE = "def double(x):\n    return x + 1"


def judge_week() -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}

    def code(grade_id: str, source: str, **meta: object) -> nbformat.NotebookNode:
        cell = nbformat.v4.new_code_cell(source, id=grade_id)
        cell.metadata["nbgrader"] = nbgrader_meta(grade_id, **meta)  # type: ignore[arg-type]
        return cell

    nb.cells = [
        nbformat.v4.new_markdown_cell("# Judge week\n## 1. Add (4 points)", id="intro"),
        code("add", "def add(a, b):\n    ### BEGIN SOLUTION\n    return a + b\n    ### END SOLUTION",
             grade=False, solution=True, locked=False),
        code("test-add-visible", "from aieprep.runtime.testing import check\ncheck(add, 1, 2, expected=3)",
             grade=True, solution=False, locked=True, points=1),
        code("test-add-hidden", "from aieprep.runtime.testing import check\ncheck(add, 0, 0, expected=0)\n"
             f"### BEGIN HIDDEN TESTS\ncheck(add, -5, 2, expected=-3)  # {HIDDEN_MARKER}\n### END HIDDEN TESTS",
             grade=True, solution=False, locked=True, points=2),
        code("test-add-async", "import asyncio\nfrom aieprep.runtime.testing import check\n\n"
             "async def later(a, b):\n    await asyncio.sleep(0)\n    return add(a, b)\n\n"
             "total = await later(2, 2)\ncheck(lambda: total, expected=4)",
             grade=True, solution=False, locked=True, points=1),
        nbformat.v4.new_code_cell("print('a course cell ran')", id="course-cell"),
        nbformat.v4.new_markdown_cell("## 2. Double (3 points)", id="double-intro"),
        code("double", "def double(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION",
             grade=False, solution=True, locked=False),
        code("test-double-close", "from aieprep.runtime.testing import check_close\ncheck_close(double, 1.5, expected=3.0)",
             grade=True, solution=False, locked=True, points=2),
        code("test-double-int", "from aieprep.runtime.testing import check_items\n"
             "check_items([str(x) for x in (2, 5) if double(x) != 2 * x], 2, 'inputs')",  # partial credit per input
             grade=True, solution=False, locked=True, points=1),
    ]
    return nb


def answered(release: nbformat.NotebookNode, add: str, double: str) -> nbformat.NotebookNode:
    nb = nbformat.from_dict(json.loads(json.dumps(release)))
    for cell in nb.cells:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if grade_id == "add":
            cell.source = add
        elif grade_id == "double":
            cell.source = double
    return nb


def with_tests(release: nbformat.NotebookNode, change: str) -> nbformat.NotebookNode:
    """Wrong answers, with the test cells edited (``pass``), deleted, renamed or duplicated."""
    nb = answered(release, WRONG_ADD, WRONG_DOUBLE)
    cells = []
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if not meta.get("grade_id", "").startswith("test-"):
            cells.append(cell)
        elif change == "edit":
            cell.source = "pass"
            cells.append(cell)
        elif change == "rename":
            meta["grade_id"] = "mine-" + meta["grade_id"]
            cell.id = "mine-" + cell.id
            cell.source = "pass"
            cells.append(cell)
        elif change == "duplicate":
            fake = nbformat.from_dict(json.loads(json.dumps(cell)))
            fake.source, fake.id = "pass", cell.id + "-copy"
            cells += [fake, cell]
    nb.cells = cells
    return nb


def attack(code: str, *, right_add: bool = False) -> tuple[str, str]:
    """(add, double) answer sources: ``code`` runs first in the add cell, then wrong answers (or a right add)."""
    return f"{code}\n\n{RIGHT_ADD if right_add else WRONG_ADD}", WRONG_DOUBLE


FAKE_AGENT = """import aieprep.runtime.agent, json, socket, struct
def serve(path, namespace):
    s = socket.socket(socket.AF_UNIX)
    s.connect(path)
    while True:
        head = s.recv(4)
        if len(head) < 4:
            return
        size, data = struct.unpack('>I', head)[0], b''
        while len(data) < size:
            data += s.recv(size - len(data))
        if json.loads(data).get('op') == 'done':
            return
        reply = json.dumps({'a': {'v': ['ok', {'r': 99}, []], 't': []}}).encode()
        s.sendall(struct.pack('>I', len(reply)) + reply)
aieprep.runtime.agent.serve = serve"""

# student → (add source, double source), expected score, flagged for tampering. The judge runs the tests in a
# process of its own: whatever a submission does to its own kernel changes nothing there, so only answers
# that break the judge's protocol are flagged.
HOSTILE: dict[str, tuple[tuple[str, str], float, bool]] = {
    # Patch IPython so that a failing test cell shows no error.
    "custom_exc": (attack("get_ipython().set_custom_exc((BaseException,), lambda *a, **k: None)"), 0, False),
    "showtraceback": (attack("ip = get_ipython()\nip.showtraceback = lambda *a, **k: None\n"
                             "ip._showtraceback = lambda *a, **k: None"), 0, False),
    "transformer": (attack("get_ipython().input_transformers_post.append(lambda lines: ['pass\\n'])"), 0, False),
    "run_cell": (attack("from IPython.core.interactiveshell import InteractiveShell\n"
                        "from IPython.core.interactiveshell import ExecutionResult\n"
                        "InteractiveShell.run_cell = lambda self, *a, **k: ExecutionResult(None)"), 0, False),
    # Patch what the tests call.
    "patch_check": (attack("import aieprep.runtime.testing as t\nt.check = lambda *a, **k: None\n"
                           "t.check_close = lambda *a, **k: None"), 0, False),
    "patch_sys_modules": (attack("import sys, types\nfake = types.ModuleType('aieprep.runtime.testing')\n"
                                 "fake.check = fake.check_close = lambda *a, **k: None\n"
                                 "sys.modules['aieprep.runtime.testing'] = fake"), 0, False),
    "patch_code": (attack("import aieprep.runtime.testing as t\nt.check.__code__ = (lambda *a, **k: None).__code__\n"
                          "t.check_close.__code__ = (lambda *a, **k: None).__code__"), 0, False),
    "patch_defaults": (("import aieprep.runtime.testing as t\nt.check_close.__kwdefaults__ = {'rel_tol': 9.0, 'abs_tol': 9.0}\n"
                        + WRONG_ADD, "def double(x):\n    return 2 * x + 0.5"), 0, False),
    "patch_asyncio": (attack("import asyncio\nasyncio.run = lambda coro: coro.close()"), 0, False),
    "patch_builtins": (attack("import builtins\nbuiltins.AssertionError = type('Quiet', (Exception,), {})"), 0, False),
    "patch_stdlib": (("import math\nmath.isclose = lambda *a, **k: True\n" + WRONG_ADD,
                      "def double(x):\n    return 2 * x + 0.5"), 0, False),
    "equal_to_everything": (("class Yes(int):\n    __eq__ = lambda self, other: True\n"
                             "    __ne__ = lambda self, other: False\n    __hash__ = int.__hash__\n"
                             "def add(a, b):\n    return Yes(0)", "def double(x):\n    return Yes(0)"), 0, False),
    # Read the expected values from the test's frames, or reach the grader.
    "caller_frame": (("import sys\ndef add(a, b):\n    return sys._getframe(1).f_locals.get('expected')",
                      WRONG_DOUBLE), 0, False),
    "inspect_stack": (("import inspect\ndef add(a, b):\n    return inspect.stack()[1].frame.f_locals.get('expected')",
                       WRONG_DOUBLE), 0, False),
    "traceback_frame": (("def add(a, b):\n    try:\n        raise ValueError\n    except ValueError as e:\n"
                         "        return e.__traceback__.tb_frame.f_back.f_locals.get('expected')", WRONG_DOUBLE), 0, False),
    "gc_walk": (attack("import gc\nobjects = gc.get_objects()"), 0, False),
    "settrace": (attack("import sys\nsys.settrace(lambda *a: None)"), 0, False),
    "ctypes_memory": (attack("import ctypes\nctypes.string_at(id(1), 8)"), 0, False),
    # Raise the partial credit a test gives: from the notebook it is a plain failure.
    "forge_partial_credit": ((WRONG_ADD, "from aieprep.runtime.testing import PartialCredit\n"
                              "def double(x):\n    raise PartialCredit(0.99, 'all right')"), 0, False),
    "forge_verdicts": (attack(
        "import glob\nfor path in glob.glob('/tmp/**/verdicts', recursive=True):\n"
        "    with open(path, 'a') as f:\n"
        "        f.write(''.join(f'{k} pass  ' + '0' * 64 + '\\n' for k in range(100)))"), 0, False),
    # Crash, hang, exhaust: add is right (4 points), then the double cell misbehaves.
    "exit_kernel": ((RIGHT_ADD, "import os\nos._exit(0)"), 4, False),
    "infinite_loop": ((RIGHT_ADD, "while True:\n    pass"), 4, False),
    "loop_then_right_answer": (("while True:\n    pass", RIGHT_DOUBLE), 3, False),  # interrupted; double still runs
    "loop_ignoring_interrupt": ((RIGHT_ADD, "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\n"
                                 "while True:\n    pass"), 4, False),
    "memory_bomb": ((RIGHT_ADD, "blocks = []\nwhile True:\n    blocks.append(bytearray(64 * 2**20))"), 4, False),
    "fork_bomb": ((RIGHT_ADD, "import os\nwhile True:\n    os.fork()"), 4, False),
    "thread_bomb": ((RIGHT_ADD, "import threading, time\nfor _ in range(100000):\n"
                     "    threading.Thread(target=time.sleep, args=(60,), daemon=True).start()\n" + RIGHT_DOUBLE), 4, False),
    "huge_output": ((RIGHT_ADD, "for _ in range(16):\n    print('x' * 2**20)\n" + RIGHT_DOUBLE), 7, False),
    "display_update_flood": ((RIGHT_ADD, "from IPython.display import display\nh = display('x', display_id=True)\n"
                              "for _ in range(32):\n    h.update('y' * 2**20)\n" + RIGHT_DOUBLE), 7, False),
    "fill_dev_shm": ((RIGHT_ADD, "try:\n    with open('/dev/shm/fill', 'wb') as f:\n        for _ in range(64):\n"
                      "            f.write(b'x' * 2**24)\nexcept OSError:\n    pass\n" + RIGHT_DOUBLE), 7, False),
    # Attacks on the judge: rebind what tests use, or answer its requests with made-up data.
    "rebind_check": (attack("check = check_close = lambda *a, **k: None\nimport builtins\n"
                            "builtins.isinstance = lambda *a: True"), 0, False),
    "spoof_int": (("class Yes(int):\n    __eq__ = lambda self, other: True\n    __ne__ = lambda self, other: False\n"
                   "    __hash__ = int.__hash__\nYes.__module__, Yes.__qualname__, Yes.__name__ = 'builtins', 'int', 'int'\n"
                   "def add(a, b):\n    return Yes(0)", "def double(x):\n    return Yes(0)"), 0, False),
    "patch_library_state": (attack("import copy\ncopy._deepcopy_dispatch[int] = lambda x, memo: 3"), 0, False),
    "silent_agent": (attack("import aieprep.runtime.agent\naieprep.runtime.agent.serve = lambda *a: None", right_add=True), 0, False),
    "fake_agent": (attack(FAKE_AGENT, right_add=True), 0, True),
    "raw_memory": (attack("import ctypes, numpy, sys\nfound = []\nfor obj in list(sys.modules.values())[:50]:\n"
                          "    view = numpy.frombuffer((ctypes.c_char * 64).from_address(id(obj)), dtype=numpy.uint8)\n"
                          "    found.append(bytes(view))"), 0, False),
    "fill_boot_folder": ((RIGHT_ADD, "import glob\nfor folder in glob.glob('/tmp/aieprep-*/boot'):\n    try:\n"
                          "        with open(folder + '/fill', 'wb') as f:\n            for _ in range(64):\n"
                          "                f.write(b'x' * 2**22)\n    except OSError:\n        pass\n" + RIGHT_DOUBLE), 7, False),
}


def write_submission(root: Path, student: str, nb: nbformat.NotebookNode | None = None, *, name: str = WEEK,
                     text: str | None = None) -> Path:
    folder = root / "submitted" / student / WEEK
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "timestamp.txt").write_text("2026-11-20 10:00:00.000000 UTC")
    path = folder / f"{name}.ipynb"
    if text is not None:
        path.write_text(text)
    elif nb is not None:
        nbformat.write(nb, path)
    return path


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def released_week(folder: Path, week: str, nb: nbformat.NotebookNode,
                  files: dict[str, str] | None = None) -> tuple[Path, nbformat.NotebookNode]:
    """A course in ``folder`` with the master ``nb`` (and ``files`` beside it) released as ``week`` into its
    gradebook: (its root, the release)."""
    root = folder / "course"
    (root / "source" / week).mkdir(parents=True)
    shutil.copyfile(ROOT / "nbgrader_config.py", root / "nbgrader_config.py")
    nbformat.write(nb, root / "source" / week / f"{week}.ipynb")
    for name, text in (files or {}).items():
        (root / "source" / week / name).write_text(text)
    run_nbgrader(["generate_assignment", week], cwd=root)
    return root, nbformat.read(root / "release" / week / f"{week}.ipynb", as_version=4)


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A course with the judge week released into its gradebook."""
    return released_week(tmp_path_factory.mktemp("grade"), WEEK, judge_week(), {"numbers.txt": "1 2 3\n"})[0]


@pytest.fixture(scope="module")
def release(course: Path) -> nbformat.NotebookNode:
    return nbformat.read(course / "release" / WEEK / f"{WEEK}.ipynb", as_version=4)


@pytest.fixture(scope="module")
def cohort(course: Path, release: nbformat.NotebookNode) -> dict:
    """Every submission below, graded in one run, two at a time, sandboxed."""
    if not shutil.which("bwrap"):
        if os.environ.get("CI"):
            pytest.fail("grading needs bubblewrap (bwrap); .ci/run installs it")
        pytest.skip("grading needs bubblewrap (bwrap)")
    write_submission(course, "full", answered(release, RIGHT_ADD, RIGHT_DOUBLE))
    write_submission(course, "blank", release)
    write_submission(course, "wrong", answered(release, WRONG_ADD, WRONG_DOUBLE))
    write_submission(course, "half_double", answered(release, WRONG_ADD, HALF_DOUBLE))
    for student, ((add, double), _, _) in HOSTILE.items():
        write_submission(course, student, answered(release, add, double))
    for change in ("edit", "rename", "duplicate"):
        write_submission(course, f"tests_{change}", with_tests(release, change))
    deleted = with_tests(release, "delete")
    write_submission(course, "tests_delete", deleted)
    helper = answered(release, "def add(a, b):\n    return plus(a, b)", RIGHT_DOUBLE)
    position = next(i for i, c in enumerate(helper.cells) if c.get("id") == "add")
    helper.cells.insert(position, nbformat.v4.new_code_cell("def plus(a, b):\n    return a + b"))
    write_submission(course, "own_cell", helper)
    write_submission(course, "invalid_json", text='{"cells": [')
    write_submission(course, "misnamed", answered(release, RIGHT_ADD, RIGHT_DOUBLE), name="week9")
    write_submission(course, "no_notebook")
    other_kernel = answered(release, RIGHT_ADD, RIGHT_DOUBLE)
    other_kernel.metadata["kernelspec"] = {"name": "ir", "display_name": "R", "language": "R"}
    write_submission(course, "other_kernel", other_kernel)
    probe = (
        "import glob, os, socket\n"
        f"course = {str(course)!r}\n"
        "found = []\n"
        f"for pattern in [course + '/**/*', '/tmp/**/*', os.path.expanduser('~') + '/**/*', {str(BACKUP)!r} + '/**/*']:\n"
        "    for path in glob.glob(pattern, recursive=True):\n"
        "        try:\n"
        "            text = open(path, errors='replace').read()\n"
        "        except OSError:\n"
        "            continue\n"
        f"        found.append((path, {HIDDEN_MARKER[:7]!r} + {HIDDEN_MARKER[7:]!r} in text))\n"
        "print('FOUND', found)\n"
        "print('HISTORY', In)\n"
        "print('INTERFACES', sorted(name for _, name in socket.if_nameindex()))\n"
        "written = []\n"
        "for target in [course + '/gradebook.db', course + '/submitted/full/" + WEEK + "/" + WEEK + ".ipynb',\n"
        "               course + '/owned', '/tmp/owned', 'owned', os.path.expanduser('~/owned'), '/etc/owned']:\n"
        "    try:\n"
        "        with open(target, 'a') as f:\n"
        "            f.write('owned')\n"
        "        written.append(target)\n"
        "    except OSError as error:\n"
        "        pass\n"
        "print('WRITTEN', written)\n"
        "print('DATA', open('numbers.txt').read().split())\n"
    )
    write_submission(course, "snoop", answered(release, probe + RIGHT_ADD, RIGHT_DOUBLE))
    odd = answered(release, RIGHT_ADD, RIGHT_DOUBLE)
    odd.cells[0]["metadata"] = {"nbgrader": "not a dict", "tags": 7}
    odd.cells.append(nbformat.v4.new_code_cell("x = 1"))
    odd.cells[-1]["metadata"] = {"nbgrader": ["a", "list"]}
    write_submission(course, "odd_metadata", odd)
    path = write_submission(course, "odd_files", answered(release, RIGHT_ADD, RIGHT_DOUBLE))
    (path.parent / os.fsdecode(b"caf\xe9.txt")).write_bytes(b"latin-1 name")
    (path.parent / "mem").symlink_to("/proc/self/mem")
    (path.parent / "loop").symlink_to("loop")
    full_notebook = course / "submitted" / "full" / WEEK / f"{WEEK}.ipynb"
    linked = course / "submitted" / "linked" / WEEK
    linked.mkdir(parents=True)
    (linked / f"{WEEK}.ipynb").symlink_to(full_notebook)
    BACKUP.mkdir(parents=True, exist_ok=True)  # a second copy of the course elsewhere on the machine
    shutil.copytree(course / "source", BACKUP / "source", dirs_exist_ok=True)
    before = {p: file_digest(p) for p in [course / "gradebook.db", *(course / "submitted").rglob("*.ipynb")]}
    try:
        outcomes = grade_week(course, WEEK, jobs=2, limits=LIMITS)
    finally:
        shutil.rmtree(BACKUP, ignore_errors=True)
    after = {p: file_digest(p) for p in before if p.name != "gradebook.db"}
    return {"outcomes": {o.student: o for o in outcomes}, "before": before, "after": after}


def outcome(cohort: dict, student: str) -> Outcome:
    return cohort["outcomes"][student]


def autograded(course: Path, student: str) -> nbformat.NotebookNode:
    return nbformat.read(course / "autograded" / student / WEEK / f"{WEEK}.ipynb", as_version=4)


def auto_score(course: Path, student: str) -> float:
    with sqlite3.connect(course / "gradebook.db") as db:
        rows = db.execute(
            "SELECT grade.auto_score FROM grade JOIN submitted_notebook ON grade.notebook_id = submitted_notebook.id "
            "JOIN submitted_assignment ON submitted_notebook.assignment_id = submitted_assignment.id "
            "JOIN student ON submitted_assignment.student_id = student.id WHERE student.id = ?", (student,)).fetchall()
    return sum(r[0] or 0 for r in rows)


def test_a_right_submission_gets_every_point(course: Path, cohort: dict) -> None:
    assert (outcome(cohort, "full").status, auto_score(course, "full")) == ("graded", 7)


def test_cells_a_student_added_are_kept_in_place(course: Path, cohort: dict) -> None:
    assert (outcome(cohort, "own_cell").problems, auto_score(course, "own_cell")) == ([], 7)


def test_a_week_never_released_is_refused(course: Path, tmp_path: Path) -> None:
    from aieprep.course import CourseError

    root = tmp_path / "unreleased"
    shutil.copytree(course / "source", root / "source")
    shutil.copyfile(course / "nbgrader_config.py", root / "nbgrader_config.py")
    with pytest.raises(CourseError, match="make release"):
        grade_week(root, WEEK)


def launches(monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """Set when a kernel of the run is launched."""
    from aieprep.grading.sandbox import SandboxKernelManager

    launched = threading.Event()
    launch = SandboxKernelManager._async_launch_kernel

    async def spy(self: SandboxKernelManager, kernel_cmd: list[str], **kw: object) -> None:
        launched.set()
        await launch(self, kernel_cmd, **kw)

    monkeypatch.setattr(SandboxKernelManager, "_async_launch_kernel", spy)
    return launched


def test_kernels_boot_while_the_submissions_are_read(course: Path, cohort: dict,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    import aieprep.grading.pipeline as pipeline

    launched, booting = launches(monkeypatch), []
    read = pipeline.read_submission

    def read_submission(folder: Path, week: str) -> object:
        booting.append(launched.wait(60))
        return read(folder, week)

    monkeypatch.setattr(pipeline, "read_submission", read_submission)
    (again,) = grade_week(course, WEEK, jobs=1, limits=LIMITS, students=["full"], force=True, isolate=False)
    assert booting == [True] and (again.status, again.score) == ("graded", 7)


def _course_without_gradebook(course: Path, root: Path) -> Path:
    """A copy of ``course`` as a fresh clone has it: source/ and the committed release/, no gradebook."""
    for folder in ("source", "release"):
        shutil.copytree(course / folder, root / folder)
    shutil.copyfile(course / "nbgrader_config.py", root / "nbgrader_config.py")
    return root


def test_a_week_missing_from_the_gradebook_is_registered_from_source_and_graded(
        course: Path, release: nbformat.NotebookNode, tmp_path: Path) -> None:
    root = _course_without_gradebook(course, tmp_path / "fresh-clone")
    released = (root / "release" / WEEK / f"{WEEK}.ipynb").read_bytes()
    write_submission(root, "full", answered(release, RIGHT_ADD, RIGHT_DOUBLE))
    (outcome,) = grade_week(root, WEEK, jobs=1, limits=LIMITS, isolate=False)
    assert (outcome.status, outcome.score) == ("graded", 7)
    assert (root / "release" / WEEK / f"{WEEK}.ipynb").read_bytes() == released


def test_a_release_that_source_does_not_generate_stops_the_kernels_it_started(
        course: Path, release: nbformat.NotebookNode, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from aieprep.course import CourseError

    root = _course_without_gradebook(course, tmp_path / "stale-release")
    stale = nbformat.read(root / "release" / WEEK / f"{WEEK}.ipynb", as_version=4)
    stale.cells.append(nbformat.v4.new_markdown_cell("an edit made to release/ by hand"))
    nbformat.write(stale, root / "release" / WEEK / f"{WEEK}.ipynb")
    write_submission(root, "full", answered(release, RIGHT_ADD, RIGHT_DOUBLE))
    launched = launches(monkeypatch)
    with pytest.raises(CourseError, match="run `make release`"):
        grade_week(root, WEEK, jobs=1, limits=LIMITS, isolate=False)
    assert launched.is_set() and own_kernels() == []


def test_nothing_to_grade_starts_no_kernel(course: Path, cohort: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    launched = launches(monkeypatch)
    again = grade_week(course, WEEK, jobs=2, limits=LIMITS, students=["full", "wrong"])
    assert [o.status for o in again] == ["unchanged", "unchanged"] and not launched.is_set()


@pytest.mark.parametrize("student", ["blank", "wrong"])
def test_a_blank_or_wrong_submission_gets_nothing(course: Path, cohort: dict, student: str) -> None:
    assert (outcome(cohort, student).status, auto_score(course, student)) == ("graded", 0)


def test_a_test_of_several_items_gives_the_share_of_them_right(course: Path, cohort: dict) -> None:
    from aieprep.notebook import error_message

    assert auto_score(course, "half_double") == 2.5  # test-double-close 2, test-double-int 1 of 2 inputs: 0.5
    graded = nbformat.read(course / "autograded" / "half_double" / WEEK / f"{WEEK}.ipynb", as_version=4)
    cell = next(c for c in graded.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "test-double-int")
    assert error_message(cell) == "PartialCredit: 1 of 2 inputs wrong: 5"


@pytest.mark.parametrize("student", list(HOSTILE))
def test_an_attack_earns_only_what_the_code_earns(course: Path, cohort: dict, student: str) -> None:
    _, expected, _ = HOSTILE[student]
    assert outcome(cohort, student).status == "graded", outcome(cohort, student).problems
    assert auto_score(course, student) == expected, outcome(cohort, student).problems


@pytest.mark.parametrize("student", [s for s, (_, _, flagged) in HOSTILE.items() if flagged])
def test_an_attack_on_the_grader_is_flagged(cohort: dict, student: str) -> None:
    assert outcome(cohort, student).tampered, outcome(cohort, student).problems


@pytest.mark.parametrize("student", ["full", "wrong", "blank", "exit_kernel", "infinite_loop"])
def test_honest_work_is_not_flagged(cohort: dict, student: str) -> None:
    assert not outcome(cohort, student).tampered, outcome(cohort, student).problems


@pytest.mark.parametrize("change", ["edit", "rename", "duplicate", "delete"])
def test_changed_test_cells_are_replaced_by_the_course_s(course: Path, cohort: dict, change: str) -> None:
    student = f"tests_{change}"
    assert (outcome(cohort, student).status, auto_score(course, student)) == ("graded", 0)
    assert outcome(cohort, student).problems, "the repair is reported"


@pytest.mark.parametrize(("student", "reason"), [
    ("invalid_json", "invalid JSON"), ("misnamed", "found week9.ipynb"), ("no_notebook", "no notebook"),
    ("other_kernel", "kernel 'ir'"), ("linked", "symbolic link"),
])
def test_a_malformed_submission_gets_a_clear_error(cohort: dict, student: str, reason: str) -> None:
    assert outcome(cohort, student).status == "error"
    assert reason in outcome(cohort, student).problems[0]


@pytest.mark.parametrize("student", ["odd_metadata", "odd_files"])
def test_odd_cells_and_files_are_graded_like_any_other(course: Path, cohort: dict, student: str) -> None:
    assert (outcome(cohort, student).status, auto_score(course, student)) == ("graded", 7)


def test_hidden_tests_are_out_of_reach(course: Path, cohort: dict) -> None:
    outputs = json.dumps(autograded(course, "snoop").cells[1].outputs)
    assert "FOUND" in outputs and "', True)" not in outputs and HIDDEN_MARKER not in outputs
    assert auto_score(course, "snoop") == 7


def test_the_sandbox_has_no_network_but_loopback(course: Path, cohort: dict) -> None:
    assert "INTERFACES ['lo']" in json.dumps(autograded(course, "snoop").cells[1].outputs)


def test_the_sandbox_writes_nothing_outside_itself(course: Path, cohort: dict) -> None:
    text = json.dumps(autograded(course, "snoop").cells[1].outputs)
    written = text.split("WRITTEN ")[1].split("\\n")[0]
    assert str(course) not in written and "/etc" not in written
    assert not (course / "owned").exists() and not Path("/tmp/owned").exists()
    assert cohort["after"] == {p: d for p, d in cohort["before"].items() if p.name != "gradebook.db"}


def test_the_week_s_data_files_are_readable(course: Path, cohort: dict) -> None:
    assert "DATA ['1', '2', '3']" in json.dumps(autograded(course, "snoop").cells[1].outputs)


@pytest.mark.parametrize("student", ["huge_output", "display_update_flood"])
def test_enormous_output_is_cut(course: Path, cohort: dict, student: str) -> None:
    size = (course / "autograded" / student / WEEK / f"{WEEK}.ipynb").stat().st_size
    assert size < 2 * LIMITS.output_bytes


def test_the_autograded_notebook_keeps_the_real_test_cells(course: Path, cohort: dict) -> None:
    nb = autograded(course, "wrong")
    sources = [c.source for c in nb.cells if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "test-add-hidden"]
    assert len(sources) == 1 and HIDDEN_MARKER in sources[0]


def test_the_report_lists_everyone_with_per_question_scores(course: Path, cohort: dict) -> None:
    csv_path, html_path = write_report(course, WEEK, list(cohort["outcomes"].values()))
    lines = csv_path.read_text().splitlines()
    assert lines[0].startswith("student,status,score,autograded,autograded_max,autograded_percent,by_hand,"
                               "by_hand_max,add,double")
    assert len(lines) == 1 + len(cohort["outcomes"])
    page = html_path.read_text()  # per-question columns are narrow: their names stand upright
    assert '<th class="q">add</th>' in page and '<th class="q">double</th>' in page


def test_the_report_charts_every_graded_score_in_its_bin(course: Path, cohort: dict) -> None:
    csv_path, html_path = write_report(course, WEEK, list(cohort["outcomes"].values()))
    rows = [r for r in csv.DictReader(csv_path.open()) if r["score"]]
    page = html_path.read_text()
    assert ["Autograded (%)", "add (/4)", "double (/3)"] == re.findall(r"<figcaption>(.*?)</figcaption>", page)

    def bars(title: str) -> dict[str, int]:
        chart = page.split(f"<figcaption>{title}</figcaption>")[1].split("</figure>")[0]
        return {label: int(n) for n, label in re.findall(r'title="(\d+) with (\S+) ', chart)}

    percents = [float(r["autograded_percent"]) for r in rows]
    assert bars("Autograded (%)")["90–100"] == sum(1 for p in percents if p >= 90) > 0  # 100% is in the top bin
    assert bars("Autograded (%)")["0–10"] == sum(1 for p in percents if p < 10) > 0
    assert bars("add (/4)") == {str(k): sum(1 for r in rows if float(r["add"]) == k) for k in range(5)}


def test_a_second_run_skips_what_the_first_finished(course: Path, cohort: dict) -> None:
    again = grade_week(course, WEEK, jobs=2, limits=LIMITS, students=["full", "wrong"])
    assert [(o.student, o.status, o.score) for o in again] == [("full", "unchanged", 7), ("wrong", "unchanged", 0)]


def test_feedback_shows_results_but_not_hidden_tests(course: Path, cohort: dict) -> None:
    run_nbgrader(["generate_feedback", WEEK, "--student", "wrong"], cwd=course)
    page = (course / "feedback" / "wrong" / WEEK / f"{WEEK}.html").read_text()
    assert HIDDEN_MARKER not in page and "expected" in page


def _descends_from_us(pid: str) -> bool:
    me, seen = str(os.getpid()), 0
    while pid not in {"0", "1"} and seen < 100:
        if pid == me:
            return True
        try:
            pid = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1]
        except (OSError, IndexError):
            return False
        seen += 1
    return False


def own_kernels() -> list[str]:
    """Kernels and judges this test run started that are still alive (other runs on the machine are not ours)."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            text = cmdline.read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if ("aieprep.runtime.kernel" in text or "aieprep.grading.judge" in text) and _descends_from_us(cmdline.parent.name):
            found.append(text)
    return found


def test_no_kernel_outlives_the_run(cohort: dict) -> None:
    assert own_kernels() == []


def test_without_the_sandbox_the_judge_still_decides(course: Path, cohort: dict) -> None:
    again = grade_week(course, WEEK, jobs=2, limits=LIMITS, students=["full", "transformer", "fake_agent"],
                       force=True, isolate=False)
    assert [(o.student, o.score) for o in again] == [("fake_agent", 0), ("full", 7), ("transformer", 0)]
    assert own_kernels() == []


def test_a_killed_run_resumes_without_losing_or_double_counting(course: Path, release: nbformat.NotebookNode,
                                                                tmp_path: Path) -> None:
    root = tmp_path / "resume"
    shutil.copytree(course, root, ignore=shutil.ignore_patterns("submitted", "autograded", "feedback", "reports"))
    students = [f"resume{i}" for i in range(6)]
    for i, student in enumerate(students):
        write_submission(root, student, answered(release, RIGHT_ADD, RIGHT_DOUBLE if i % 2 else WRONG_DOUBLE))
    env = {**os.environ, "AIEPREP_COURSE_ROOT": str(root)}
    command = [sys.executable, "-m", "aieprep.cli", "grade", WEEK, "--jobs", "1"]
    run = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while len(list((root / "autograded").rglob(".aieprep-graded.json"))) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    run.kill()
    run.wait()
    finished = len(list((root / "autograded").rglob(".aieprep-graded.json")))
    assert 2 <= finished < len(students), "the run was killed halfway"
    subprocess.run(command, env=env, check=False, capture_output=True)
    with sqlite3.connect(root / "gradebook.db") as db:
        per_student = dict(db.execute("SELECT student_id, COUNT(*) FROM submitted_assignment "
                                      "WHERE student_id LIKE 'resume%' GROUP BY student_id"))
        grades = db.execute("SELECT COUNT(*) FROM grade JOIN submitted_notebook ON grade.notebook_id = submitted_notebook.id "
                            "JOIN submitted_assignment ON submitted_notebook.assignment_id = submitted_assignment.id "
                            "WHERE submitted_assignment.student_id LIKE 'resume%'").fetchone()[0]
    assert per_student == {s: 1 for s in students}
    assert grades == len(students) * 5
    assert [auto_score(root, s) for s in students] == [4, 7, 4, 7, 4, 7]


def test_the_kernel_s_environment_is_bound_after_its_private_folders(tmp_path: Path) -> None:
    from aieprep.grading.sandbox import SandboxKernelManager

    km = SandboxKernelManager()
    km.configure(boot_dir=tmp_path, data_dir=None, week=WEEK, course=tmp_path, exchange=None, limits=LIMITS,
                 isolate=True)
    try:
        command = km.format_kernel_cmd()
    finally:
        km.release()
    last_hidden = max(i for i, arg in enumerate(command) if arg == "--tmpfs")
    environment = command.index(str(Path(sys.prefix).resolve()))
    assert last_hidden < environment


def test_without_a_cgroup_rlimits_still_stop_a_memory_bomb(course: Path, cohort: dict,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    import aieprep.grading.sandbox

    monkeypatch.setattr(aieprep.grading.sandbox, "_cgroup_dirs", lambda name: [])  # as for a grader without root
    again = grade_week(course, WEEK, jobs=2, limits=LIMITS, students=["memory_bomb", "full"], force=True)
    assert [(o.student, o.score) for o in again] == [("full", 7), ("memory_bomb", 4)]
    assert own_kernels() == []


def interrupted_week() -> nbformat.NotebookNode:
    """One exercise: a test cell that calls ``add`` until the cell's time runs out, then a quick one."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    answer = nbformat.v4.new_code_cell("def add(a, b):\n    ### BEGIN SOLUTION\n    return a + b\n    ### END SOLUTION",
                                       id="add")
    answer.metadata["nbgrader"] = nbgrader_meta("add", grade=False, solution=True, locked=False)
    endless = nbformat.v4.new_code_cell("i = 0\nwhile True:\n    assert add(i, 1) == i + 1\n    i += 1",
                                        id="test-add-endless")
    endless.metadata["nbgrader"] = nbgrader_meta("test-add-endless", grade=True, solution=False, locked=True, points=1)
    quick = nbformat.v4.new_code_cell("assert add(2, 3) == 5", id="test-add-quick")
    quick.metadata["nbgrader"] = nbgrader_meta("test-add-quick", grade=True, solution=False, locked=True, points=1)
    nb.cells = [nbformat.v4.new_markdown_cell("## Add (2 points)", id="intro"), answer, endless, quick]
    return nb


def test_interrupting_honest_code_anywhere_never_flags_it(tmp_path: Path) -> None:
    """The cell timeout interrupts the kernel while it answers the judge, at a different moment for each
    submission (their add does a different amount of work, and two run at once): the endless test fails,
    the next test still passes, and no one is flagged."""
    if not shutil.which("bwrap"):
        pytest.skip("grading needs bubblewrap (bwrap)")
    week = "week09_interrupted"
    root, release = released_week(tmp_path, week, interrupted_week())
    students = [f"honest{n}" for n in range(8)]
    for n, student in enumerate(students):
        nb = nbformat.from_dict(json.loads(json.dumps(release)))
        nb.cells[1].source = f"def add(a, b):\n    sum(range({n * 37 % 200}))\n    return a + b"
        folder = root / "submitted" / student / week
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / f"{week}.ipynb")
    limits = Limits(cell_seconds=1, wait_seconds=8, notebook_seconds=60, memory_bytes=768 * 2**20, processes=64)
    outcomes = grade_week(root, week, jobs=2, limits=limits)
    assert [(o.student, o.status, o.score, o.tampered) for o in outcomes] == [(s, "graded", 1, False) for s in students], \
        [o.problems for o in outcomes]


def graded_alone(tmp_path: Path, week: str, nb: nbformat.NotebookNode, answer: str,
                 limits: Limits) -> tuple[Outcome, dict[str, list[object]]]:
    """Release ``nb``, submit it with ``answer`` as its answer cell, grade it under ``limits``: the outcome,
    and each graded cell's error values."""
    if not shutil.which("bwrap"):
        pytest.skip("grading needs bubblewrap (bwrap)")
    root, release = released_week(tmp_path, week, nb)
    release.cells[1].source = answer
    folder = root / "submitted" / "learner" / week
    folder.mkdir(parents=True)
    nbformat.write(release, folder / f"{week}.ipynb")
    (outcome,) = grade_week(root, week, jobs=1, limits=limits)
    graded = nbformat.read(root / "autograded" / "learner" / week / f"{week}.ipynb", as_version=4)
    return outcome, {c.id: [o.get("evalue") for o in c.get("outputs", []) if o.get("output_type") == "error"]
                     for c in graded.cells}


def test_the_judge_s_own_time_is_never_the_learner_s(tmp_path: Path) -> None:
    """A cell's limits are the CPU its kernel uses and the time nothing runs: a test whose judge computes
    for 2 s (as a busy grading machine would make it wait) still passes under 1 s of each; the learner's
    endless loop is still stopped."""
    nb = interrupted_week()
    slow = nbformat.v4.new_code_cell("import time\nend = time.process_time() + 2\nwhile time.process_time() < end:\n"
                                     "    pass\nassert add(2, 3) == 5", id="test-add-slow_judge")
    slow.metadata["nbgrader"] = nbgrader_meta("test-add-slow_judge", grade=True, solution=False, locked=True, points=1)
    nb.cells.append(slow)
    limits = Limits(cell_seconds=1, wait_seconds=1, notebook_seconds=60, memory_bytes=768 * 2**20, processes=64)
    outcome, errors = graded_alone(tmp_path, "week09_slow_judge", nb, "def add(a, b):\n    return a + b", limits)
    assert (outcome.status, outcome.score) == ("graded", 2), (outcome.problems, errors)
    assert errors["test-add-slow_judge"] == [] and errors["test-add-endless"], errors


def test_a_cell_that_sleeps_past_its_wait_limit_is_stopped_and_the_next_still_runs(tmp_path: Path) -> None:
    """Waiting (neither the kernel nor the judge running) has a limit of its own: an answer that sleeps
    uses no CPU, and is still interrupted after ``wait_seconds``; its test fails, the next one passes."""
    nb = interrupted_week()
    nb.cells[2].source = "assert add(7, 1) == 8"
    sleepy = "def add(a, b):\n    import time\n    if a == 7:\n        time.sleep(3600)\n    return a + b"
    limits = Limits(cell_seconds=60, wait_seconds=3, notebook_seconds=60, memory_bytes=768 * 2**20, processes=64)
    outcome, errors = graded_alone(tmp_path, "week09_sleepy", nb, sleepy, limits)
    assert (outcome.status, outcome.score) == ("graded", 1), (outcome.problems, errors)
    assert errors["test-add-endless"] and errors["test-add-quick"] == [], errors


def test_a_course_cell_runs_once(course: Path, cohort: dict) -> None:
    outputs = json.dumps([c.get("outputs", []) for c in autograded(course, "full").cells])
    assert outputs.count("a course cell ran") == 1


def test_a_long_tmpdir_changes_nothing(course: Path, cohort: dict, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    long = tmp_path / ("x" * 60) / ("y" * 60)
    long.mkdir(parents=True)
    monkeypatch.setenv("TMPDIR", str(long))
    monkeypatch.setattr("tempfile.tempdir", None)
    (again,) = grade_week(course, WEEK, jobs=1, limits=LIMITS, students=["full"], force=True)
    assert (again.status, again.score) == ("graded", 7), again.problems


def test_a_kernel_that_never_starts_is_an_error_not_a_zero(course: Path, cohort: dict,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from aieprep.grading.sandbox import SandboxKernelManager

    monkeypatch.setattr(SandboxKernelManager, "format_kernel_cmd", lambda self, extra_arguments=None: ["false"])
    (again,) = grade_week(course, WEEK, jobs=1, limits=LIMITS, students=["wrong"], force=True)
    assert again.status == "error" and "did not start" in again.problems[0], again.problems


def test_a_judge_that_cannot_start_is_an_error_for_that_learner(course: Path, cohort: dict,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from aieprep.grading import execute

    async def broken(*args: object) -> None:
        raise OSError("no judge here")

    monkeypatch.setattr(execute._JudgeProcess, "start", classmethod(lambda cls, *args: broken()))
    again = grade_week(course, WEEK, jobs=1, limits=LIMITS, students=["full", "wrong"], force=True, isolate=False)
    assert [(o.student, o.status) for o in again] == [("full", "error"), ("wrong", "error")]
    assert all("no judge here" in o.problems[0] for o in again) and own_kernels() == []


def test_each_kernel_gets_at_most_one_core(tmp_path: Path) -> None:
    """The cgroup of a kernel carries a CPU quota, so that one submission cannot starve another."""
    from aieprep.grading.sandbox import SandboxKernelManager, cgroup_kind

    if cgroup_kind() == "rlimit":
        pytest.skip("no cgroups here (not root)")
    km = SandboxKernelManager()
    km.configure(boot_dir=tmp_path, data_dir=None, week=WEEK, course=tmp_path, exchange=None, limits=LIMITS,
                 isolate=True)
    try:
        quotas = {f.name: f.read_text().strip() for d in km.sb_cgroups for f in d.iterdir()
                  if f.name in {"cpu.cfs_quota_us", "cpu.max"}}
    finally:
        km.release()
    assert quotas in ({"cpu.cfs_quota_us": "100000"}, {"cpu.max": "100000 100000"}), quotas


# --- what the judge lends: capabilities, not objects ---------------------------------------------------------
# A second week whose tests lend learner code judge objects: a generator, a model client, a course object that
# counts reads, a sink that keeps rows, and an app the judge calls over HTTP. Each hostile submission tries to
# get more out of what it was lent than the operations it was lent for.

LEND_WEEK = "week10_lend"
LEND_LIMITS = Limits(cell_seconds=4, wait_seconds=8, notebook_seconds=60, memory_bytes=768 * 2**20, processes=64,
                     output_bytes=256 * 2**10, judge_memory_bytes=384 * 2**20)
LEND_COURSE_CODE = '''import asyncio

from fastapi import FastAPI
from fastapi.testclient import TestClient

from aieprep.runtime.llm import MODEL, CourseModel
from aieprep.runtime.testing import check


class Tally:
    """A read-only sequence that counts element reads."""

    def __init__(self, values):
        self._values = list(values)
        self.reads = 0

    def __len__(self):
        return len(self._values)

    def __getitem__(self, index):
        self.reads += 1
        return self._values[index]


class Sink:
    """An append-only list of rows."""

    def __init__(self):
        self.rows = []

    def write(self, row):
        self.rows.append(row)
'''
LEND_RIGHT = {
    "total": "def total(items):\n    return sum(items)",
    "reply": "def reply(client):\n    answer = client.chat.completions.create(model=MODEL, messages=[{'role': 'user', "
             "'content': 'Say hi'}])\n    return answer.choices[0].message.content",
    "last": "def last(data):\n    return data[len(data) - 1]",
    "save": "def save(sink, rows):\n    for row in rows:\n        sink.write(row)",
    "make_app": "def make_app():\n    app = FastAPI()\n\n    @app.get('/health')\n    def health():\n"
                "        return {'ok': True}\n    return app",
}
LEND_TESTS = {
    "total": "check(total, [1, 2], expected=3)\n### BEGIN HIDDEN TESTS\n"
             "assert total(i * i for i in range(10)) == 285\n### END HIDDEN TESTS",
    "reply": "with CourseModel() as model:\n    model.script('hello there')\n"
             "    assert reply(model.client()) == 'hello there'\n    assert len(model.requests) == 1",
    "last": "data = Tally(range(1000))\nassert last(data) == 999 and data.reads == 1, f'{data.reads} reads'",
    "save": "sink = Sink()\nsave(sink, [{'id': 1}, {'id': 2}])\nassert sink.rows == [{'id': 1}, {'id': 2}], sink.rows",
    "make_app": "with TestClient(make_app()) as api:\n    assert api.get('/health').json() == {'ok': True}",
}
SECRET = "SECRET-5b1e"

FRAME_WALK = '''def total(items):
    if type(items).__name__ != "Remote":  # the visible test's list: nothing lent
        return sum(items)
    results = []
    for name in ("gi_frame", "gi_code", "gi_yieldfrom", "gi_running", "send", "throw", "close", "f_globals"):
        try:
            results.append((name, repr(getattr(items, name))[:60]))
        except Exception as error:
            results.append((name, type(error).__name__))
    peer, handle = object.__getattribute__(items, "_peer"), object.__getattribute__(items, "_handle")
    for op, args in [("getattr", ["gi_frame"]), ("callmethod", ["send", None]), ("setattr", ["x", 1]),
                     ("callmethod", ["__reduce_ex__", 2]), ("getattr", ["__dict__"]), ("getitem", [0])]:
        try:
            results.append((op + " " + str(args[0]), repr(peer.request(op, handle, args, {}))[:60]))
        except Exception as error:
            results.append((op + " " + str(args[0]), type(error).__name__))
    print("PROBE", results)
    return sum(items)
'''

CLIENT_FETCH = '''def reply(client):
    results = []
    url = "http://127.0.0.1:{port}/secret"
    gate = next(c.cell_contents for c in client._client._transport.handle_request.__func__.__closure__
                if callable(c.cell_contents)).__closure__
    gate = next(c.cell_contents for c in gate if type(c.cell_contents).__name__ == "Remote")
    attempts = [
        ("sdk get", lambda: client.get(url, cast_to=str)),
        ("http client", lambda: client._client.get(url).text),
        ("other base", lambda: client.with_options(base_url="http://127.0.0.1:{port}/").get("/secret", cast_to=str)),
        ("gate", lambda: gate("GET", url, [], b"", 5)),
        ("gate other path", lambda: gate("GET", str(client.base_url).replace("/v1/", "/secret"), [], b"", 5)),
        ("gate read", lambda: gate.__dict__),
    ]
    for what, attempt in attempts:
        try:
            results.append((what, str(attempt())[:80]))
        except Exception as error:
            results.append((what, f"{type(error).__name__} {error}"[:80]))
    print("FETCH", results)
    answer = client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "Say hi"}])
    return answer.choices[0].message.content
'''

# student → (answers other than blank, expected score, flagged for tampering)
LEND_HOSTILE: dict[str, tuple[dict[str, str], float, bool]] = {
    "frame_walk": ({"total": FRAME_WALK}, 1, False),
    "client_fetch": ({"reply": CLIENT_FETCH}, 1, False),
    "reads_private": ({"last": "def last(data):\n    return data._values[-1]"}, 0, False),
    "reads_reset": ({"last": "def last(data):\n    value = max(data[i] for i in range(len(data)))\n    try:\n"
                             "        data.reads = 1\n    except Exception as error:\n"
                             "        print('RESET', type(error).__name__)\n    return value"}, 0, False),
    "reads_redefine": ({"last": "class Tally:\n    def __init__(self, values):\n        self._values = list(values)\n"
                                "        self.reads = 0\n    def __len__(self):\n        return len(self._values)\n"
                                "    def __getitem__(self, i):\n        return self._values[i]\n\n"
                                "def last(data):\n    return max(data[i] for i in range(len(data)))"}, 0, False),
    "reads_copy": ({"last": "def last(data):\n    return sorted(list(data))[-1]"}, 0, False),
    "sink_forge": ({"save": "def save(sink, rows):\n    try:\n        sink.rows.extend(rows)\n"
                            "    except Exception as error:\n        print('SINK', type(error).__name__)"}, 0, False),
    "sink_redefine": ({"save": "class Sink:\n    rows = [{'id': 1}, {'id': 2}]\n    def write(self, row):\n"
                               "        pass\n\ndef save(sink, rows):\n    pass"}, 0, False),
    "range_bomb": ({"total": "def total(items):\n    return range(10**15)"}, 0, True),
    "frame_bomb": ({"total": "def total(items):\n    return 'x' * (150 * 2**20)"}, 0, True),
    "recorder_flood": ({"save": "def save(sink, rows):\n    for _ in range(64):\n        sink.write('x' * (16 * 2**20))",
                        "make_app": LEND_RIGHT["make_app"]}, 0, False),
    "health_never": ({"make_app": "def make_app():\n    app = FastAPI()\n\n    @app.get('/health')\n"
                                  "    async def health():\n        await asyncio.sleep(3600)\n    return app"}, 0, False),
    "html_output": ({"total": "from IPython.display import HTML, Javascript, display\n"
                              "display(HTML(\"<script>alert('owned')</script><img src=x onerror=alert('owned')>\"))\n"
                              "display(Javascript(\"alert('owned')\"))\n" + LEND_RIGHT["total"]}, 1, False),
}


def lend_week() -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_markdown_cell("# Lend week", id="intro"),
                nbformat.v4.new_code_cell(LEND_COURSE_CODE, id="course")]
    for name, right in LEND_RIGHT.items():
        header, body = right.split("\n", 1)
        answer = nbformat.v4.new_code_cell(f"{header}\n    ### BEGIN SOLUTION\n{body}\n    ### END SOLUTION", id=name)
        answer.metadata["nbgrader"] = nbgrader_meta(name, grade=False, solution=True, locked=False)
        test = nbformat.v4.new_code_cell(LEND_TESTS[name], id=f"test-{name}")
        test.metadata["nbgrader"] = nbgrader_meta(f"test-{name}", grade=True, solution=False, locked=True, points=1)
        nb.cells += [answer, test]
    return nb


def lend_answers(release: nbformat.NotebookNode, answers: dict[str, str]) -> nbformat.NotebookNode:
    nb = nbformat.from_dict(json.loads(json.dumps(release)))
    for cell in nb.cells:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            cell.source = answers[grade_id]
    return nb


@pytest.fixture(scope="module")
def secret_server() -> object:
    """A secret served on the grading machine's loopback: what no judge request may fetch for a learner."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Secret(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.end_headers()
            self.wfile.write(SECRET.encode())

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Secret)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()


@pytest.fixture(scope="module")
def lend_course(tmp_path_factory: pytest.TempPathFactory) -> Path:
    lending = '[lend]\nTally = ["__len__", "__getitem__"]\nSink = ["write"]\n'
    return released_week(tmp_path_factory.mktemp("lend"), LEND_WEEK, lend_week(), {"grading.toml": lending})[0]


@pytest.fixture(scope="module")
def lend_cohort(lend_course: Path, secret_server: object) -> dict[str, Outcome]:
    """The lend week's right, blank and hostile submissions, graded in one run, two at a time, sandboxed."""
    if not shutil.which("bwrap"):
        if os.environ.get("CI"):
            pytest.fail("grading needs bubblewrap (bwrap); .ci/run installs it")
        pytest.skip("grading needs bubblewrap (bwrap)")
    release = nbformat.read(lend_course / "release" / LEND_WEEK / f"{LEND_WEEK}.ipynb", as_version=4)
    port = secret_server.server_address[1]  # type: ignore[attr-defined]
    submissions = {"lend_full": LEND_RIGHT, "lend_blank": {},
                   **{student: {k: v.replace("{port}", str(port)) for k, v in answers.items()}
                      for student, (answers, _, _) in LEND_HOSTILE.items()}}
    for student, answers in submissions.items():
        folder = lend_course / "submitted" / student / LEND_WEEK
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "timestamp.txt").write_text("2026-11-20 10:00:00.000000 UTC")
        nbformat.write(lend_answers(release, answers), folder / f"{LEND_WEEK}.ipynb")
    outcomes = grade_week(lend_course, LEND_WEEK, jobs=2, limits=LEND_LIMITS)
    return {o.student: o for o in outcomes}


def lend_output(course: Path, student: str, grade_id: str) -> str:
    nb = nbformat.read(course / "autograded" / student / LEND_WEEK / f"{LEND_WEEK}.ipynb", as_version=4)
    (cell,) = [c for c in nb.cells if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id]
    return "".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("output_type") == "stream")


def test_lent_objects_give_full_marks_to_right_answers_and_none_to_blanks(lend_course: Path,
                                                                          lend_cohort: dict[str, Outcome]) -> None:
    assert (lend_cohort["lend_full"].status, auto_score(lend_course, "lend_full")) == ("graded", 5), \
        lend_cohort["lend_full"].problems
    assert (lend_cohort["lend_blank"].status, auto_score(lend_course, "lend_blank")) == ("graded", 0)


@pytest.mark.parametrize("student", list(LEND_HOSTILE))
def test_what_a_lent_object_allows_earns_only_what_the_code_earns(lend_course: Path, lend_cohort: dict[str, Outcome],
                                                                  student: str) -> None:
    _, expected, flagged = LEND_HOSTILE[student]
    assert lend_cohort[student].status == "graded", lend_cohort[student].problems
    assert auto_score(lend_course, student) == expected, lend_cohort[student].problems
    assert lend_cohort[student].tampered == flagged, lend_cohort[student].problems


def test_a_lent_generator_allows_iteration_only(lend_course: Path, lend_cohort: dict[str, Outcome]) -> None:
    line = next(t for t in lend_output(lend_course, "frame_walk", "test-total").splitlines() if t.startswith("PROBE"))
    results = ast_literal(line.removeprefix("PROBE "))
    assert len(results) == 14 and all(outcome in ("AttributeError", "TypeError") for _, outcome in results), results


def test_a_lent_model_client_reaches_only_its_own_model(lend_course: Path, lend_cohort: dict[str, Outcome]) -> None:
    line = next(t for t in lend_output(lend_course, "client_fetch", "test-reply").splitlines() if t.startswith("FETCH"))
    results = dict(ast_literal(line.removeprefix("FETCH ")))
    assert SECRET not in line and len(results) == 6, results
    for what in ("sdk get", "http client", "other base"):
        assert results[what].startswith(("APIConnectionError", "TransportError")), results
    for what in ("gate", "gate other path"):  # refused by the gate itself, before any connection is tried
        assert results[what].startswith("GateError") and "RequestRefused" in results[what], results
    assert results["gate read"].startswith("AttributeError"), results


def test_a_lent_course_object_keeps_its_state_in_the_judge(lend_course: Path, lend_cohort: dict[str, Outcome]) -> None:
    assert "RESET TypeError" in lend_output(lend_course, "reads_reset", "test-last") or \
        "RESET AttributeError" in lend_output(lend_course, "reads_reset", "test-last")
    assert "SINK AttributeError" in lend_output(lend_course, "sink_forge", "test-save")


def test_a_judge_over_its_memory_fails_only_that_learner(lend_course: Path, lend_cohort: dict[str, Outcome]) -> None:
    problems = " ".join(lend_cohort["recorder_flood"].problems)
    assert auto_score(lend_course, "recorder_flood") == 0 and "judge" in problems, problems
    assert own_kernels() == []


def test_an_app_that_never_answers_fails_its_test_and_the_run_goes_on(lend_course: Path,
                                                                      lend_cohort: dict[str, Outcome]) -> None:
    assert (lend_cohort["health_never"].status, auto_score(lend_course, "health_never")) == ("graded", 0)
    assert (lend_cohort["lend_full"].status, auto_score(lend_course, "lend_full")) == ("graded", 5)


def active_content(page: str) -> list[str]:
    """What in an HTML page a browser would run for the marker 'owned': scripts and event handlers."""
    from html.parser import HTMLParser

    found: list[str] = []

    class Finder(HTMLParser):
        script = False

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            self.script = tag == "script"
            found.extend(f"{tag} {name}" for name, value in attrs if name.startswith("on") and "owned" in (value or ""))

        def handle_data(self, data: str) -> None:
            if self.script and "owned" in data:
                found.append("script")

    Finder().feed(page)
    return found


def test_learner_html_is_inert_in_autograded_notebooks_and_feedback(lend_course: Path,
                                                                     lend_cohort: dict[str, Outcome]) -> None:
    nb = nbformat.read(lend_course / "autograded" / "html_output" / LEND_WEEK / f"{LEND_WEEK}.ipynb", as_version=4)
    kinds = {kind for c in nb.cells for o in c.get("outputs", []) for kind in o.get("data", {})}
    assert "owned" not in json.dumps([c.get("outputs", []) for c in nb.cells])
    assert kinds and not kinds & {"text/html", "application/javascript", "image/svg+xml"}, kinds
    run_nbgrader(["generate_feedback", LEND_WEEK, "--student", "html_output"], cwd=lend_course)
    page = (lend_course / "feedback" / "html_output" / LEND_WEEK / f"{LEND_WEEK}.html").read_text()
    assert active_content(page) == []


def test_learner_markdown_is_sanitised_where_instructors_and_learners_read_it(lend_course: Path) -> None:
    """nbconvert renders feedback and Formgrader's view: a markdown answer's scripts and handlers are not kept."""
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    from aieprep.nbgrader_bridge import load_course_config

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(
        "My answer <script>alert('owned')</script> <img src=x onerror=\"alert('owned')\">")])
    for template in ("lab", "classic"):
        page, _ = HTMLExporter(config=Config(load_course_config(lend_course).config),
                               template_name=template).from_notebook_node(nb)
        assert active_content(page) == [] and "My answer" in page, template
    unsafe, _ = HTMLExporter(template_name="classic").from_notebook_node(nb)
    assert active_content(unsafe) != [], "the probe finds what an unsanitised page runs"


def ast_literal(text: str) -> list:
    import ast

    return ast.literal_eval(text)


def test_the_judge_runs_confined(lend_course: Path, secret_server: object, tmp_path: Path) -> None:
    """The second layer: were learner code ever to run in the judge, it would be nobody, without capabilities,
    network, the course folder or the grader's home, in a cgroup of its own."""
    import asyncio

    from aieprep.grading import execute
    from aieprep.nbgrader_bridge import load_course_config

    if not shutil.which("bwrap"):
        pytest.skip("the judge's sandbox needs bubblewrap (bwrap)")
    port = secret_server.server_address[1]  # type: ignore[attr-defined]
    probe = f"""import json, os, socket
facts = {{"uid": os.getuid(), "course": os.path.exists({str(lend_course)!r}), "home": os.path.exists({str(Path.home() / ".cache")!r}),
         "interfaces": sorted(name for _, name in socket.if_nameindex()),
         "caps": open("/proc/self/status").read().split("CapEff:")[1].split()[0]}}
try:
    socket.create_connection(("127.0.0.1", {port}), timeout=2).close()
    facts["host"] = "reached"
except OSError as error:
    facts["host"] = type(error).__name__
try:
    open("/tmp/../{lend_course.name}-owned", "w").close()
    open(os.getcwd() + "/owned", "w").close()
    facts["write"] = "yes"
except OSError:
    facts["write"] = "no"
raise AssertionError("FACTS " + json.dumps(facts))
"""
    setup = execute.KernelSetup(LEND_WEEK, load_course_config(lend_course), LEND_LIMITS, True, [], {}, None, [], {})
    boot = tmp_path / "boot"
    boot.mkdir(mode=0o700)

    async def run() -> dict:
        judge = await execute._JudgeProcess.start(setup, boot, tmp_path / "judge.log")
        try:
            await judge.send({"tests": {"0": probe}})
            await judge.send({"run": 0}, answer=False)
            return await judge.send({"end": 0, "grace": 20})
        finally:
            await judge.close()

    verdict = asyncio.run(run())
    facts = json.loads(verdict["message"].split("FACTS ", 1)[1])
    assert facts == {"uid": 65534, "course": False, "home": False, "interfaces": ["lo"], "caps": "0000000000000000",
                     "host": "ConnectionRefusedError", "write": "no"}, (facts, (tmp_path / "judge.log").read_text())


def _in_notebook_helpers(nb: nbformat.NotebookNode) -> set[str]:
    import ast

    names = set()
    for cell in nb.cells:
        if cell.cell_type == "code" and "@in_notebook" in cell.source:
            try:
                tree = ast.parse(cell.source)
            except SyntaxError:
                continue
            names |= {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)
                      and any(getattr(d, "id", None) == "in_notebook" for d in node.decorator_list)}
    return names


def _code_in(value: object) -> bool:
    import ast

    if not isinstance(value, str):
        return False
    try:
        tree = ast.parse(value)
    except SyntaxError:
        return False
    return any(isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom,
                                 ast.Lambda)) for node in ast.walk(tree))


@pytest.mark.parametrize("week", sorted(p.name for p in (ROOT / "source").iterdir() if p.is_dir()))
def test_hidden_tests_send_no_code_to_the_notebook(week: str) -> None:
    """An @in_notebook helper runs in the learner's kernel: what a hidden test hands it is data, never source."""
    import ast

    from aieprep.course import master_notebook
    from aieprep.grading.rebuild import index_tests

    nb = nbformat.read(master_notebook(ROOT, week), as_version=4)
    helpers = _in_notebook_helpers(nb)
    sent = []
    for index, source in index_tests(nb).items():
        if "### BEGIN HIDDEN TESTS" not in source:
            continue
        lines = source.splitlines()
        first = next(i for i, line in enumerate(lines, 1) if "### BEGIN HIDDEN TESTS" in line)
        last = next((i for i, line in enumerate(lines, 1) if "### END HIDDEN TESTS" in line), len(lines))
        tree = ast.parse(source)
        strings = {t.id: node.value.value for node in ast.walk(tree) if isinstance(node, ast.Assign)
                   and isinstance(node.value, ast.Constant) for t in node.targets if isinstance(t, ast.Name)}
        for call in (n for n in ast.walk(tree) if isinstance(n, ast.Call) and first < n.lineno < last):
            names = [getattr(call.func, "id", None)] + [getattr(a, "id", None) for a in call.args[:2]]
            if not helpers & set(names):
                continue
            for arg in [*call.args, *(k.value for k in call.keywords)]:
                value = arg.value if isinstance(arg, ast.Constant) else strings.get(getattr(arg, "id", ""))
                if _code_in(value) or isinstance(arg, (ast.JoinedStr, ast.BinOp)) and "def " in ast.unparse(arg):
                    sent.append(f"cell {index}: {ast.unparse(call)[:80]}")
    assert sent == []


def test_the_runtime_ships_no_solution_to_a_graded_exercise() -> None:
    """No module of aieprep.runtime (importable in every kernel) defines a function named after an exercise."""
    import ast
    import importlib
    import pkgutil

    import aieprep.runtime
    from aieprep.course import master_notebook

    exercises = set()
    for week in (p.name for p in (ROOT / "source").iterdir() if p.is_dir()):
        for cell in nbformat.read(master_notebook(ROOT, week), as_version=4).cells:
            if cell.get("metadata", {}).get("nbgrader", {}).get("solution") and cell.cell_type == "code":
                try:
                    tree = ast.parse(cell.source)
                except SyntaxError:
                    continue
                exercises |= {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
    shipped = {}
    for info in pkgutil.walk_packages(aieprep.runtime.__path__, "aieprep.runtime."):
        module = importlib.import_module(info.name)
        for name in exercises & set(vars(module)):
            if getattr(vars(module)[name], "__module__", None) == module.__name__:
                shipped[name] = module.__name__
    assert shipped == {}
    assert exercises >= {"rrf", "chunk_fixed", "choose_trip"}
