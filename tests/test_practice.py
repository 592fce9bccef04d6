"""The practice tools (aieprep.runtime.practice): the state file and its faults, SM-2 and the decks, the rep and
mock timers, the progress figures, ``aieprep progress`` and check recording, and the widgets driven by clicks.
Every clock is injected; no test reads the wall clock."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import tomllib
from pathlib import Path

import nbformat
import pytest

from aieprep.runtime.practice import cards, mocks, patterns, progress
from aieprep.runtime.practice.cards import DAY, Card, CardState, Deck, DeckError, Session, sm2
from aieprep.runtime.practice.mocks import MockTimer, Postmortem
from aieprep.runtime.practice.reps import RepTimer, history_figure
from aieprep.runtime.practice.store import Check, Mock, Rep, Review, Store, StoreError, open_store, practice_db_path

from .conftest import ROOT, WEEKS, tiny_week_notebook

T0 = 1_750_000_000.0  # a fixed "now" for every record (epoch seconds)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, t: float = 0.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "data" / "practice.sqlite3"
    monkeypatch.setenv("AIEPREP_PRACTICE_DB", str(path))
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    return path


@pytest.fixture
def store(db: Path) -> Store:
    with open_store() as s:
        yield s


def child(code: str, db: Path) -> subprocess.Popen[str]:
    """A Python process running ``code`` with ``s``, a Store on ``db``, and ``Rep`` in scope."""
    prelude = ("import sys, time\nfrom aieprep.runtime.practice.store import Rep, Store\n"
               f"s = Store({str(db)!r})\n")
    return subprocess.Popen([sys.executable, "-c", prelude + code], stdout=subprocess.PIPE, text=True, cwd=ROOT)


# the state file

def test_store_path_follows_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AIEPREP_PRACTICE_DB", "AIEPREP_DATA_DIR", "XDG_DATA_HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert practice_db_path() == tmp_path / "home" / ".local" / "share" / "aieprep" / "practice.sqlite3"
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert practice_db_path() == tmp_path / "xdg" / "aieprep" / "practice.sqlite3"
    monkeypatch.setenv("AIEPREP_DATA_DIR", str(tmp_path / "data"))
    assert practice_db_path() == tmp_path / "data" / "practice.sqlite3"
    monkeypatch.setenv("AIEPREP_PRACTICE_DB", str(tmp_path / "mine.db"))
    assert practice_db_path() == tmp_path / "mine.db"


def test_records_survive_closing_and_reopening(db: Path) -> None:
    with open_store() as s:
        s.add_rep(Rep("two_sum", T0, 95.5, True, "from memory"))
        s.add_check(Check("week01_python_ds", T0, 40, 50))
    with open_store() as s:
        assert s.reps() == [Rep("two_sum", T0, 95.5, True, "from memory")]
        assert s.latest_checks() == {"week01_python_ds": Check("week01_python_ds", T0, 40, 50)}
        assert s.notice is None


def test_the_store_file_is_in_wal_mode(store: Store, db: Path) -> None:
    with sqlite3.connect(db) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_failed_write_is_rolled_back(store: Store) -> None:
    with pytest.raises(ZeroDivisionError), store.transaction() as tx:
        tx.execute("INSERT INTO reps (pattern, at, seconds) VALUES ('x', 1, 1)")
        1 / 0
    assert store.reps() == []


def test_two_processes_writing_at_once_lose_no_record(store: Store, db: Path) -> None:
    code = "for i in range(150):\n    s.add_rep(Rep('{name}', float(i), 1.0, True))\n"
    writers = [child(code.replace("{name}", name), db) for name in ("left", "right")]
    for writer in writers:
        writer.communicate(timeout=120)
        assert writer.returncode == 0
    assert len(store.reps("left")) == len(store.reps("right")) == 150
    assert [r.at for r in store.reps("left")] == [float(i) for i in range(150)]


def test_threads_share_a_store_and_lose_no_record(store: Store) -> None:
    """ipykernel 7 runs a widget's button callbacks on a thread other than the cell's that opened the store."""
    errors: list[BaseException] = []

    def write(name: str) -> None:
        try:
            for i in range(100):
                store.add_rep(Rep(name, float(i), 1.0, True))
                store.reps(name)
        except BaseException as error:  # reported below: an exception in a thread would pass unseen
            errors.append(error)

    writers = [threading.Thread(target=write, args=(name,)) for name in ("left", "right")]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join(timeout=120)
    assert errors == []
    assert [r.at for r in store.reps("left")] == [r.at for r in store.reps("right")] == [float(i) for i in range(100)]


def test_a_process_killed_inside_a_transaction_loses_only_that_write(store: Store, db: Path) -> None:
    store.add_rep(Rep("kept", T0, 10.0, True))
    code = ("s.add_rep(Rep('also kept', 1.0, 1.0, None))\n"
            "with s.transaction() as tx:\n"
            "    tx.executemany('INSERT INTO reps (pattern, at, seconds) VALUES (?, ?, ?)', [('lost', i, 1) for i in range(500)])\n"
            "    print('inside', flush=True)\n"
            "    time.sleep(120)\n")
    writer = child(code, db)
    assert writer.stdout is not None and writer.stdout.readline() == "inside\n"
    writer.send_signal(signal.SIGKILL)
    writer.wait(timeout=30)
    with open_store() as again:
        assert again.notice is None
        assert [r.pattern for r in again.reps()] == ["also kept", "kept"]
        again.add_rep(Rep("after", T0 + 1, 1.0, True))  # the lock died with the process
        assert len(again.reps()) == 3


def test_a_process_killed_while_writing_keeps_every_committed_record(store: Store, db: Path) -> None:
    code = "i = 0\nwhile True:\n    s.add_rep(Rep('loop', float(i), 1.0, True))\n    print(i, flush=True)\n    i += 1\n"
    writer = child(code, db)
    assert writer.stdout is not None
    committed = [int(writer.stdout.readline()) for _ in range(40)]
    writer.send_signal(signal.SIGKILL)
    writer.wait(timeout=30)
    with open_store() as again:
        ats = [int(r.at) for r in again.reps("loop")]
        assert ats[:40] == committed and ats == list(range(len(ats)))
        with sqlite3.connect(db) as raw:
            assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_a_file_that_is_not_a_database_is_set_aside_with_a_message(db: Path, capsys: pytest.CaptureFixture[str]
                                                                  ) -> None:
    db.parent.mkdir(parents=True)
    db.write_bytes(b"these are not the bytes of a database\n" * 100)
    with open_store() as s:
        assert s.notice is not None and "practice.sqlite3.corrupt" in s.notice
        s.add_rep(Rep("fresh", T0, 1.0, True))
        assert [r.pattern for r in s.reps()] == ["fresh"]
    assert (db.parent / "practice.sqlite3.corrupt").read_bytes().startswith(b"these are not")
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "damaged" in err and "Traceback" not in err


def test_a_database_with_a_damaged_page_is_set_aside_and_kept(db: Path) -> None:
    with open_store() as s:
        for i in range(300):
            s.add_rep(Rep(f"rep-{i}", float(i), 1.0, True, "x" * 200))
    with sqlite3.connect(db) as raw:
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(db.read_bytes())
    page = 4096
    data[2 * page: 4 * page] = b"\xff" * (2 * page)  # two table pages overwritten, the header intact
    db.write_bytes(bytes(data))
    with open_store(notify=lambda message: None) as s:
        assert s.notice is not None
        assert s.reps() == []
    assert (db.parent / "practice.sqlite3.corrupt").read_bytes() == bytes(data)


def test_a_second_corrupt_file_gets_its_own_backup_name(db: Path) -> None:
    db.parent.mkdir(parents=True)
    for n in range(2):
        db.write_bytes(f"garbage {n}".encode() * 200)
        open_store(notify=lambda message: None).close()
    assert (db.parent / "practice.sqlite3.corrupt").read_bytes().startswith(b"garbage 0")
    assert (db.parent / "practice.sqlite3.corrupt.1").read_bytes().startswith(b"garbage 1")


def test_a_store_from_a_newer_course_is_refused_clearly(db: Path) -> None:
    db.parent.mkdir(parents=True)
    with sqlite3.connect(db) as raw:
        raw.execute("PRAGMA user_version = 99")
    with pytest.raises(StoreError, match="newer aieprep"):
        open_store()
    assert db.exists() and not (db.parent / "practice.sqlite3.corrupt").exists()


def test_while_grading_the_store_is_in_memory_and_the_file_untouched(db: Path, monkeypatch: pytest.MonkeyPatch
                                                                      ) -> None:
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    with open_store() as s:
        s.add_rep(Rep("two_sum", T0, 1.0, True))
        assert s.path is None and len(s.reps()) == 1
    assert not db.exists() and not db.parent.exists()


# SM-2

def test_sm2_intervals_are_1_then_6_then_the_interval_times_easiness() -> None:
    state, intervals = CardState(), []
    for _ in range(5):
        state = sm2(state, 4, T0)  # quality 4 keeps EF at 2.5
        intervals.append(state.interval)
    assert intervals == [1, 6, 15, 38, 95]  # 6·2.5 = 15, 15·2.5 = 37.5 → 38, 38·2.5 = 95
    assert [state.repetitions, state.easiness] == [5, 2.5]


@pytest.mark.parametrize("quality", range(6))
def test_sm2_easiness_follows_the_published_formula(quality: int) -> None:
    ef = 2.5
    expected = max(1.3, ef + (0.1 - (5 - quality) * (0.08 + (5 - quality) * 0.02)))
    assert sm2(CardState(easiness=ef), quality, T0).easiness == pytest.approx(expected)
    assert sm2(CardState(easiness=ef), quality, T0).easiness == pytest.approx(
        {5: 2.6, 4: 2.5, 3: 2.36, 2: 2.18, 1: 1.96, 0: 1.7}[quality])


def test_sm2_easiness_never_drops_below_1_3() -> None:
    state = CardState(easiness=1.4)
    for _ in range(3):
        state = sm2(state, 0, T0)
    assert state.easiness == 1.3


def test_sm2_an_answer_below_3_restarts_the_repetitions_keeping_the_lowered_easiness() -> None:
    learned = CardState(repetitions=4, interval=38, easiness=2.5)
    failed = sm2(learned, 2, T0)
    assert (failed.repetitions, failed.interval, failed.easiness) == (0, 1, pytest.approx(2.18))
    again = sm2(sm2(failed, 4, T0), 4, T0)
    assert (again.repetitions, again.interval) == (2, 6)


def test_sm2_the_interval_uses_the_easiness_before_the_answer() -> None:
    state = sm2(CardState(repetitions=2, interval=6, easiness=2.0), 5, T0)
    assert (state.interval, state.easiness) == (12, pytest.approx(2.1))


def test_sm2_a_card_is_due_its_interval_in_days_after_the_answer() -> None:
    assert sm2(CardState(repetitions=1, interval=1), 5, T0).due == T0 + 6 * DAY


@pytest.mark.parametrize("quality", [-1, 6, 2.5])
def test_sm2_rejects_a_quality_outside_0_to_5(quality: int) -> None:
    with pytest.raises(ValueError, match="0 to 5"):
        sm2(CardState(), quality, T0)


# decks

def test_the_four_packaged_decks_load_with_at_least_20_cards_each(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AIEPREP_DECKS", raising=False)
    found = cards.decks()
    assert sorted(found) == ["answer_cards_60s", "ml_llm", "rag_agents", "system_design_devops"]
    assert all(len(d.cards) >= 20 for d in found.values())
    assert {c.gate for d in found.values() for c in d.cards} >= {2, 5, 6}


def test_the_decks_are_package_data() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "data/decks/*" in config["tool"]["setuptools"]["package-data"]["aieprep"]
    assert "aieprep.runtime.practice" in config["tool"]["setuptools"]["packages"]


def test_an_instructor_deck_in_aieprep_decks_is_found_and_may_replace_a_packaged_one(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "extra.toml").write_text('title = "Extra"\n[[cards]]\nid = "a"\nfront = "Q?"\nback = "A."\n')
    (tmp_path / "ml_llm.toml").write_text('[[cards]]\nid = "only"\nfront = "Q?"\nback = "A."\n')
    monkeypatch.setenv("AIEPREP_DECKS", str(tmp_path))
    found = cards.decks()
    assert found["extra"].cards == (Card("extra", "a", "Q?", "A."),) and found["extra"].title == "Extra"
    assert [c.id for c in found["ml_llm"].cards] == ["only"]


@pytest.mark.parametrize("text, message", [
    ('[[cards]]\nid = "a"\nfront = "Q?"\n', "card 1: missing back"),
    ('[[cards]]\nid = "a"\nfront = "Q"\nback = "A"\n[[cards]]\nid = "a"\nfront = "R"\nback = "B"\n', "card 2: id 'a' used twice"),
    ('[[cards]]\nid = "a"\nfront = "Q"\nback = "A"\ngate = 7\n', "gate is 1 to 6"),
    ('title = "no cards"\n', "no \\[\\[cards\\]\\]"),
    ('[[cards]\n', "deck.toml"),
])
def test_a_broken_deck_file_is_named_in_the_error(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "deck.toml").write_text(text)
    with pytest.raises(DeckError, match=message):
        cards.load_deck(tmp_path / "deck.toml")


def small_deck(n: int = 4) -> Deck:
    return Deck("d", "D", tuple(Card("d", f"c{i}", f"front {i}", f"back {i}") for i in range(n)))


def test_due_cards_come_first_most_overdue_first_then_new_ones(store: Store) -> None:
    deck = small_deck(5)
    store.add_review(Review("d", "c3", T0, 4), CardState(1, 1, 2.5, T0 - 10))
    store.add_review(Review("d", "c1", T0, 4), CardState(1, 1, 2.5, T0 - 99))
    store.add_review(Review("d", "c0", T0, 4), CardState(1, 1, 2.5, T0 + 10))  # not due yet
    assert [c.id for c in cards.due_cards(store, deck, T0, new_per_session=1)] == ["c1", "c3", "c2"]


def test_a_session_brings_back_cards_answered_below_4_without_rescheduling_them(store: Store) -> None:
    clock = Clock(T0)
    session = Session(store, small_deck(2), clock)
    assert session.answer(2) == CardState(0, 1, pytest.approx(2.18), T0 + DAY)  # c0 scheduled once
    session.answer(5)  # c1
    assert session.current is not None and session.current.id == "c0"
    clock.t += 60
    assert session.answer(4) is None and session.done
    assert store.card_states("d")["c0"].due == T0 + DAY
    assert [(r.card, r.quality) for r in store.reviews("d")] == [("c0", 2), ("c1", 5), ("c0", 4)]


def test_the_next_day_only_due_cards_come_back(store: Store) -> None:
    first = Session(store, small_deck(3), Clock(T0), new_per_session=2)
    while not first.done:
        first.answer(5)
    assert [c.id for c in Session(store, small_deck(3), Clock(T0 + DAY), new_per_session=0).queue] == ["c0", "c1"]
    assert Session(store, small_deck(3), Clock(T0 + DAY - 1), new_per_session=0).done


# patterns

@pytest.fixture
def tiny_root(tmp_path: Path) -> Path:
    root = tmp_path / "course"
    (root / "source" / "week01_tiny").mkdir(parents=True)
    nbformat.write(tiny_week_notebook("w1"), root / "source" / "week01_tiny" / "week01_tiny.ipynb")
    return root


def test_patterns_are_the_core_three_then_every_autograded_exercise_by_grade_id() -> None:
    from aieprep.notebook import CellKind, grade_cells, read_notebook

    found = patterns.patterns(root=ROOT)
    assert [p.id for p in found[:3]] == ["ingestion_loop", "schema_validator", "retry_backoff"]
    expected = [c.question for w in WEEKS for c in grade_cells(read_notebook(ROOT / "source" / w / f"{w}.ipynb"))
                if c.kind is CellKind.TEST]
    assert [p.id for p in found[3:]] == list(dict.fromkeys(expected))
    assert all(p.exercise and p.tests for p in found)


def test_a_drill_keeps_its_own_time_limit_as_target(tiny_root: Path) -> None:
    assert patterns.find("process_batch", root=ROOT).target_seconds == 15 * 60
    assert {p.id: p.target_seconds for p in patterns.patterns(root=tiny_root)}["w1_add"] == 180


def test_visible_tests_are_the_released_test_cells(tiny_root: Path) -> None:
    released = {}
    for week in WEEKS:
        for cell in json.loads((ROOT / "release" / week / f"{week}.ipynb").read_text())["cells"]:
            gid = cell["metadata"].get("nbgrader", {}).get("grade_id", "")
            if gid.startswith("test-"):
                released[gid] = "".join(cell["source"]).strip()
    mine = {gid: code.strip() for p in patterns.patterns(root=ROOT) for gid, code in patterns.visible_tests(p, ROOT)}
    assert mine == {gid: released[gid] for gid in mine} and len(mine) == len(released)


def test_run_visible_tests_passes_a_right_answer_and_fails_a_wrong_one(tiny_root: Path) -> None:
    add = patterns.find("w1_add", root=tiny_root)
    right = patterns.run_visible_tests(add, {"w1_add": lambda a, b: a + b}, tiny_root)
    assert [(t.grade_id, t.passed) for t in right] == [("test-w1_add-basic", True), ("test-w1_add-hidden", True)]
    wrong = patterns.run_visible_tests(add, {"w1_add": lambda a, b: a - b}, tiny_root)
    assert [t.passed for t in wrong] == [False, True]  # 0 - 0 == 0: the hidden -5 + 2 is not run
    assert wrong[0].error.startswith("AssertionError")


@pytest.mark.parametrize("in_a_loop", [False, True])
def test_a_visible_test_may_await_at_top_level(tiny_root: Path, in_a_loop: bool) -> None:
    import asyncio

    path = tiny_root / "source" / "week01_tiny" / "week01_tiny.ipynb"
    nb = nbformat.read(path, as_version=4)
    cell = nbformat.v4.new_code_cell("import asyncio\nasync def later(a, b):\n    await asyncio.sleep(0)\n"
                                     "    return w1_add(a, b)\nassert await later(1, 2) == 3", id="test-w1_add-async")
    cell.metadata["nbgrader"] = {"grade": True, "solution": False, "locked": True, "points": 1,
                                 "grade_id": "test-w1_add-async", "schema_version": 3}
    nb.cells.append(cell)
    nbformat.write(nb, path)

    def run(answer: object) -> dict[str, bool]:
        found = patterns.run_visible_tests(patterns.find("w1_add", root=tiny_root), {"w1_add": answer}, tiny_root)
        return {t.grade_id: t.passed for t in found}

    async def in_kernel(answer: object) -> dict[str, bool]:  # a Jupyter kernel runs an event loop already
        return run(answer)

    for answer, passed in ((lambda a, b: a + b, True), (lambda a, b: a - b, False)):
        outcomes = asyncio.run(in_kernel(answer)) if in_a_loop else run(answer)
        assert outcomes["test-w1_add-async"] is passed


# reps

def test_a_rep_records_the_seconds_of_the_injected_clock(store: Store, tiny_root: Path) -> None:
    clock = Clock(100.0)
    timer = RepTimer(store, patterns.find("w1_add", root=tiny_root), clock, now=lambda: T0)
    timer.start()
    clock.t = 242.5
    assert timer.stop(passed=True) == Rep("w1_add", T0, 142.5, True)
    assert store.reps("w1_add") == [Rep("w1_add", T0, 142.5, True)] and not timer.running


def test_stop_and_test_logs_the_visible_tests_verdict(store: Store, tiny_root: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIEPREP_COURSE_ROOT", str(tiny_root))
    clock = Clock()
    timer = RepTimer(store, patterns.find("w1_add", root=tiny_root), clock, now=lambda: T0)
    for answer in (lambda a, b: a * b, lambda a, b: a + b):
        timer.start()
        clock.t += 60
        timer.stop_and_test({"w1_add": answer})
    assert [r.passed for r in store.reps("w1_add")] == [False, True]


def test_stopping_a_timer_that_is_not_running_is_an_error(store: Store, tiny_root: Path) -> None:
    with pytest.raises(RuntimeError, match="start it first"):
        RepTimer(store, patterns.find("w1_add", root=tiny_root), Clock()).stop()


def test_the_rep_history_plot_has_the_3_minute_target_line() -> None:
    reps = [Rep("p", T0 + i, s, ok) for i, (s, ok) in enumerate([(300, False), (200, True), (150, None)])]
    ax = history_figure(reps, "p").axes[0]
    target = [line for line in ax.lines if list(line.get_ydata()) == [180, 180]]
    assert len(target) == 1
    assert [list(line.get_ydata()) for line in ax.lines if line not in target] == [[300, 200, 150]]


# mocks

def test_the_mock_plan_is_2_2_15_5_11_minutes() -> None:
    assert [(s.name, s.minutes) for s in mocks.STAGES] == [
        ("Restate and pick a pattern", 2), ("Tests first", 2), ("Baseline", 15), ("Edge cases", 5), ("Buffer", 11)]


@pytest.mark.parametrize("minute, stage, left", [(0, "Restate and pick a pattern", 120), (3, "Tests first", 60),
                                                 (4, "Baseline", 900), (20, "Edge cases", 240), (34.5, "Buffer", 30)])
def test_the_mock_status_names_the_stage_and_its_time_left(store: Store, minute: float, stage: str, left: float
                                                          ) -> None:
    clock = Clock()
    timer = MockTimer(store, "aie-1", clock=clock)
    timer.start()
    clock.t = minute * 60
    status = timer.status()
    assert status.stage is not None and (status.stage.name, status.stage_left) == (stage, left)


def test_nudges_come_at_minutes_4_and_10_and_overtime_is_counted(store: Store) -> None:
    clock = Clock()
    timer = MockTimer(store, "aie-1", clock=clock)
    timer.start()
    seen = []
    for minute in (3.9, 4, 9.9, 10, 36):
        clock.t = minute * 60
        seen.append(timer.status().nudge)
    assert seen == [None, mocks.NUDGES[4], mocks.NUDGES[4], mocks.NUDGES[10], mocks.NUDGES[10]]
    assert timer.status().stage is None and timer.status().over == 60


@pytest.mark.parametrize("fields, message", [
    (dict(confidence=0), "confidence is 1 to 5"), (dict(confidence=6), "confidence is 1 to 5"),
    (dict(fix_rule="check empty input\nand None"), "one line"), (dict(micro_drill=" "), "micro_drill"),
])
def test_a_postmortem_needs_its_fields(fields: dict[str, object], message: str) -> None:
    base: dict[str, object] = dict(problem="p", pattern="two pointers", bug_type="off by one",
                                   fix_rule="loop to len - 1", micro_drill="5 reps", confidence=3)
    with pytest.raises(ValueError, match=message):
        Postmortem(**{**base, **fields})  # type: ignore[arg-type]


def test_a_saved_mock_keeps_its_time_and_postmortem(store: Store) -> None:
    clock = Clock()
    timer = MockTimer(store, "Agent tool router", "aie", clock, now=lambda: T0)
    timer.start()
    clock.t = 38 * 60
    pm = Postmortem("router", "strict parser", "missed ARGS not JSON", "parse, then validate, then call",
                    "rewrite the parser from memory", 4)
    timer.save(pm)
    assert store.mocks() == [Mock("Agent tool router", "aie", T0, 38 * 60, pm)]


def test_a_mock_kind_is_aie_core_behavioural_or_design(store: Store) -> None:
    with pytest.raises(ValueError, match="kind"):
        MockTimer(store, "x", "behavioral")
    assert [MockTimer(store, "x", kind).kind for kind in ("aie", "core", "behavioural", "design")] == list(mocks.KINDS)


@pytest.mark.parametrize("kind, minute, stage, left, nudge", [
    ("design", 4, "Requirements with numbers", 60, None), ("design", 6, "API and data", 420, 5),
    ("design", 44, "Wrap-up", 60, 23), ("behavioural", 1, "Tell me about yourself", 60, None),
    ("behavioural", 3, "Story 1 and follow-ups", 360, 3), ("behavioural", 29, "Your questions", 60, 16)])
def test_behavioural_and_design_mocks_follow_their_own_plans(store: Store, kind: str, minute: float, stage: str,
                                                             left: float, nudge: int | None) -> None:
    clock = Clock()
    timer = MockTimer(store, "a prompt", kind, clock=clock)
    timer.start()
    clock.t = minute * 60
    status = timer.status()
    plan, nudges = mocks.PLANS[kind]
    assert status.stage is not None and (status.stage.name, status.stage_left) == (stage, left)
    assert status.nudge == (nudges[nudge] if nudge is not None else None)
    assert sum(s.minutes for s in plan) == {"design": 45, "behavioural": 30}[kind]


@pytest.mark.parametrize("kind, minutes, with_postmortem, counted", [
    ("aie", 15, True, True), ("aie", 14.9, True, False), ("core", 40, False, False), ("design", 19.9, True, False),
    ("design", 20, True, True), ("behavioural", 14, True, False), ("behavioural", 15, True, True)])
def test_a_mock_counts_only_with_a_postmortem_and_its_kinds_minimum_time(kind: str, minutes: float, with_postmortem: bool,
                                                                         counted: bool) -> None:
    pm = Postmortem("p", "q", "r", "s", "t", 3) if with_postmortem else None
    assert mocks.counts(Mock("m", kind, T0, minutes * 60, pm)) is counted


def test_behavioural_and_design_mocks_do_not_count_towards_gate_4(store: Store) -> None:
    pm = Postmortem("p", "q", "r", "s", "t", 3)
    for i in range(3):
        for kind in ("aie", "design", "behavioural"):
            store.add_mock(Mock(f"{kind} {i}", kind, T0 + i, 45 * 60, pm))
    store.add_mock(Mock("design short", "design", T0 + 9, 60, pm))  # short, but not a gate-4 kind: not reported
    gate = progress.summary(store, T0, patterns=[], decks={}).gates[3]
    assert (gate.passed, gate.detail) == (False, "3 aie, 0 core")


def test_the_mock_timer_opens_on_a_prompt_and_its_kind(store: Store) -> None:
    from aieprep.runtime.practice.widgets import mock_timer

    view = mock_timer(store, prompt="design-1")
    assert (view.kind.value, view.prompt.value) == ("design", mocks.PROMPTS["design-1"])
    view = mock_timer(store, prompt="aie-4")
    assert (view.kind.value, view.prompt.value) == ("aie", mocks.PROMPTS["aie-4"])
    view = mock_timer(store, prompt="Merge intervals", kind="core")
    assert (view.kind.value, view.prompt.value) == ("core", "Merge intervals")


# timed mixed drills

def test_mixed_drills_are_drills_or_core_patterns_of_weeks_1_to_6_drawn_without_repeats() -> None:
    import random

    pool = patterns.draw(1000, random.Random(0), root=ROOT)
    assert len({p.id for p in pool}) == len(pool) >= 8
    assert all((p.core or patterns.DRILL.search(p.title)) and p.tests and int(p.week[4:6]) <= 6 for p in pool)
    assert {"adults", "clean_jsonl", "call_with_retry", "process_batch", "retry_backoff"} <= {p.id for p in pool}
    assert not {p.id for p in pool} & {"llm_app", "production_app"}  # Week 8's own drills are this week's reps
    draws = [[p.id for p in patterns.draw(3, random.Random(seed), root=ROOT)] for seed in range(20)]
    assert all(len(d) == len(set(d)) == 3 for d in draws) and len({tuple(d) for d in draws}) > 10


CALL_WITH_RETRY = """
def call_with_retry(fn, max_attempts=3, base_delay=1.0, sleep=None):
    for attempt in range(1, max_attempts + 1):
        try:
            return fn()
        except Exception:
            if attempt == max_attempts:
                raise
            sleep(base_delay * 2 ** (attempt - 1))
"""


@pytest.mark.parametrize("edit, passed", [((), [True, True]),
                                          (("if attempt == max_attempts:\n                raise\n            ", ""), [True, False])])
def test_a_drawn_drill_is_checked_with_its_own_weeks_helpers(edit: tuple[str, str], passed: list[bool]) -> None:
    """Week 3's visible tests of drill 03 use its helper flaky(); a Week 8 kernel has none, the learner's answer only."""
    learner: dict[str, object] = {}
    exec(CALL_WITH_RETRY.replace(*edit) if edit else CALL_WITH_RETRY, learner)
    outcomes = patterns.run_visible_tests(patterns.find("call_with_retry", root=ROOT), learner, root=ROOT)
    assert [o.passed for o in outcomes] == passed, outcomes  # a final sleep fails "no sleep after the last attempt"
    assert "flaky" not in learner  # the week's helpers are lent to the tests, not left in the learner's namespace


def test_the_rep_timer_offers_a_draw_of_mixed_drills(store: Store) -> None:
    from aieprep.runtime.practice.widgets import rep_timer

    view = rep_timer(store=store, draw=3)
    assert len(view.pattern.options) == 3 == len(view.patterns)
    assert all(int(view.patterns[value].week[4:6]) <= 6 for _, value in view.pattern.options)


# progress

def test_progress_lists_the_eight_weeks_with_each_ones_latest_check(store: Store) -> None:
    store.add_check(Check("week01_python_ds", T0, 30, 50))
    store.add_check(Check("week01_python_ds", T0 + 60, 45, 50))
    store.add_check(Check("week05_rag", T0, 20, 40))
    summary = progress.summary(store, T0 + DAY, patterns=[], decks={})
    assert len(summary.weeks) == 8 and summary.weeks[-1].week == "week08_mocks"
    latest = {r.week: (r.check.score if r.check else None) for r in summary.weeks}
    assert (latest["week01_python_ds"], latest["week05_rag"], latest["week02_algorithms"]) == (45, 20, None)


def test_retention_counts_each_cards_first_answer_of_a_day(store: Store) -> None:
    deck = small_deck(3)
    for card, at, quality in [("c0", T0, 5), ("c0", T0 + 60, 5), ("c1", T0, 2), ("c1", T0 + 60, 4),
                              ("c2", T0 - 40 * DAY, 0)]:  # c2: outside the 30 days
        store.add_review(Review("d", card, at, quality), None)
    (stats,) = progress.summary(store, T0 + 1, patterns=[], decks={"d": deck}).decks
    assert stats.retention == 0.5


def test_the_progress_figure_plots_check_shares_rep_times_mocks_and_retention(store: Store) -> None:
    store.add_check(Check("week02_algorithms", T0, 30, 40))
    for i, seconds in enumerate([250, 170]):
        store.add_rep(Rep("two_sum", T0 + i, seconds, True))
    store.add_mock(Mock("m", "core", T0, 1800, Postmortem("p", "q", "r", "s", "t", 2)))
    store.add_review(Review("d", "c0", T0, 5), None)
    fig = progress.figure(progress.summary(store, T0 + 1, patterns=[], decks={"d": small_deck()}))
    checks, reps, mock_ax, retention = fig.axes
    assert [bar.get_height() for bar in checks.containers[0]] == [0, 75, 0, 0, 0, 0, 0, 0]
    assert [list(line.get_ydata()) for line in reps.lines] == [[250, 170], [180, 180]]
    assert [list(map(list, c.get_offsets())) for c in mock_ax.collections] == [[[1, 2]]]
    assert [bar.get_height() for bar in retention.patches] == [100]


def test_gate_1_needs_each_core_pattern_last_passed_within_3_minutes(store: Store) -> None:
    def gate1() -> bool:
        return progress.summary(store, T0, patterns=[], decks={}).gates[0].passed

    store.add_rep(Rep("ingestion_loop", T0, 170, True))
    store.add_rep(Rep("schema_validator", T0, 150, True))
    store.add_rep(Rep("retry_backoff", T0, 175, False))
    assert not gate1()
    store.add_rep(Rep("retry_backoff", T0 + 1, 181, True))
    assert not gate1()
    store.add_rep(Rep("retry_backoff", T0 + 2, 179, True))
    assert gate1()


def test_gate_3_needs_drills_05_to_08_within_their_own_limits(store: Store) -> None:
    drills = [p for p in patterns.patterns(root=ROOT) if progress.DRILLS.search(p.title)]
    assert sorted(p.id for p in drills) == ["clean_jsonl", "fetch_validated", "load_config", "process_batch"]
    for p in drills:
        store.add_rep(Rep(p.id, T0, p.target_seconds - 1, True))
    assert progress.summary(store, T0, patterns=drills, decks={}).gates[2].passed
    store.add_rep(Rep("process_batch", T0 + 1, 15 * 60 + 1, True))
    assert not progress.summary(store, T0, patterns=drills, decks={}).gates[2].passed


def test_gate_4_needs_three_mocks_of_each_kind_with_postmortems(store: Store) -> None:
    pm = Postmortem("p", "q", "r", "s", "t", 3)
    for kind in ("aie", "core"):
        for i in range(3):
            store.add_mock(Mock(f"{kind} {i}", kind, T0 + i, 2000, pm if (kind, i) != ("core", 2) else None))
    gate = progress.summary(store, T0, patterns=[], decks={}).gates[3]
    assert (gate.passed, gate.detail) == (False, "3 aie, 2 core")
    store.add_mock(Mock("core 3", "core", T0 + 5, 2000, pm))
    assert progress.summary(store, T0, patterns=[], decks={}).gates[3].passed


def test_a_mock_shorter_than_15_minutes_does_not_count_towards_gate_4(store: Store) -> None:
    pm = Postmortem("p", "q", "r", "s", "t", 3)
    for kind in ("aie", "core"):
        for i in range(3):
            store.add_mock(Mock(f"{kind} {i}", kind, T0 + i, 9 if (kind, i) == ("aie", 0) else 15 * 60, pm))
    gate = progress.summary(store, T0, patterns=[], decks={}).gates[3]
    assert (gate.passed, gate.detail) == (False, "2 aie, 3 core (1 under 15 min not counted)")


def whole_ticks(ax) -> list[float]:
    """The x ticks an axis shows within its limits."""
    low, high = ax.get_xlim()
    return [float(t) for t in ax.get_xticks() if low <= t <= high]


def test_the_progress_figure_counts_reps_and_mocks_in_whole_numbers(store: Store) -> None:
    store.add_rep(Rep("two_sum", T0, 100.0, True))
    store.add_mock(Mock("aie 1", "aie", T0, 2000, Postmortem("p", "q", "r", "s", "t", 3)))
    fig = progress.figure(progress.summary(store, T0, patterns=[], decks={}))
    _, reps, mocks, _ = fig.axes
    for ax in (reps, mocks):
        assert whole_ticks(ax) == [1.0]


def test_the_rep_history_after_one_rep_has_one_tick_at_rep_1() -> None:
    from aieprep.runtime.practice.reps import history_figure

    assert whole_ticks(history_figure([Rep("two_sum", T0, 100.0, True)]).axes[0]) == [1.0]


def test_gates_5_and_6_need_their_cards_known(store: Store) -> None:
    deck = Deck("d", "D", (Card("d", "react", "f", "b", gate=5), Card("d", "probes", "f", "b", gate=6),
                           Card("d", "docker", "f", "b", gate=6)))
    store.add_check(Check("week06_agents", T0, 50, 57))
    store.add_review(Review("d", "react", T0, 4), None)
    store.add_review(Review("d", "probes", T0, 5), None)
    store.add_review(Review("d", "docker", T0, 5), None)
    store.add_review(Review("d", "docker", T0 + 1, 3), None)  # the latest answer counts
    gates = progress.summary(store, T0 + 2, patterns=[], decks={"d": deck}).gates
    assert (gates[4].passed, gates[5].passed, gates[5].detail) == (True, False, "1/2 cards known")


def test_aieprep_progress_prints_a_table(store: Store, capsys: pytest.CaptureFixture[str]) -> None:
    from aieprep.cli import main

    store.add_check(Check("week03_system_design", T0, 12.5, 60))
    assert main(["progress"]) == 0
    out = capsys.readouterr().out
    assert "week03_system_design" in out and "12.5/60" in out and "6. DevOps" in out and "ml_llm" in out


# aieprep check records into the store

def check_result(week: str = "week01_python_ds", score: float = 7) -> object:
    from aieprep.check import CheckResult, QuestionScore
    from aieprep.notebook import CellKind

    return CheckResult(week, [QuestionScore("two_sum", score, 10, CellKind.TEST)], None)


def test_a_check_records_its_score_in_the_store(db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from aieprep.check import record

    record(check_result(score=7), now=T0)  # type: ignore[arg-type]
    record(check_result(score=9), now=T0 + 1)  # type: ignore[arg-type]
    with open_store() as s:
        assert s.latest_checks() == {"week01_python_ds": Check("week01_python_ds", T0 + 1, 9, 10)}


def test_a_check_that_cannot_reach_the_store_warns_in_one_line_and_goes_on(
        db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from aieprep.check import record

    db.mkdir(parents=True)  # a folder where the file should be
    record(check_result(), now=T0)  # type: ignore[arg-type]
    err = capsys.readouterr().err
    assert err.startswith("aieprep check: warning: score not saved") and err.count("\n") == 1


def test_a_check_while_grading_records_nothing_in_the_store(db: Path, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from aieprep.check import record

    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    record(check_result(), now=T0)  # type: ignore[arg-type]
    assert not db.exists()


# widgets, driven by their buttons

def test_the_rep_timer_widget_logs_a_tested_rep(store: Store, tiny_root: Path, monkeypatch: pytest.MonkeyPatch
                                                ) -> None:
    from aieprep.runtime.practice.widgets import RepTimerView

    monkeypatch.setenv("AIEPREP_COURSE_ROOT", str(tiny_root))
    clock = Clock()
    view = RepTimerView(store, "week01_tiny", clock, now=lambda: T0, namespace={"w1_add": lambda a, b: a + b})
    view.pattern.value = "w1_add"
    view.start_button.click()
    clock.t = 95
    view.refresh()
    assert "1:35" in view.clock_label.value
    view.test_button.click()
    assert store.reps() == [Rep("w1_add", T0, 95, True)]
    assert "tests passed" in view.result.value and bytes(view.plot.value).startswith(b"\x89PNG")
    view.start_button.click()
    view.stop_button.click()
    assert [r.passed for r in store.reps()] == [True, None]


def test_the_mock_timer_widget_saves_the_postmortem(store: Store) -> None:
    from aieprep.runtime.practice.widgets import MockTimerView

    clock = Clock()
    view = MockTimerView(store, clock, now=lambda: T0)
    view.kind.value, view.prompt.value = "core", "Merge intervals"
    view.start_button.click()
    clock.t = 10 * 60
    view.refresh()
    assert "Baseline" in view.stage.value and "Minute 10" in view.nudge.value
    view.finish_button.click()
    view.pattern.value, view.bug_type.value = "sort then sweep", "off by one"
    view.fix_rule.value, view.micro_drill.value, view.confidence.value = "touching counts as overlap", "3 reps", 4
    view.fix_rule.value = ""
    view.save_button.click()
    assert store.mocks() == [] and "fix_rule" in view.message.value  # an incomplete form is not saved
    view.fix_rule.value = "touching counts as overlap"
    view.save_button.click()
    (mock,) = store.mocks()
    assert (mock.kind, mock.seconds, mock.postmortem) == ("core", 600, Postmortem(
        "Merge intervals", "sort then sweep", "off by one", "touching counts as overlap", "3 reps", 4))


def test_the_flashcards_widget_saves_answers_and_schedules_cards(store: Store) -> None:
    from aieprep.runtime.practice.widgets import FlashcardsView

    view = FlashcardsView(store, "d", Clock(T0), all_decks={"d": small_deck(2)})
    assert "front 0" in view.front.value and view.grades[5].disabled
    view.show_button.click()
    assert "back 0" in view.back.value
    view.grades[5].click()
    view.show_button.click()
    view.grades[1].click()  # c1 comes back at the end
    assert "front 1" in view.front.value
    assert store.card_states("d") == {"c0": CardState(1, 1, pytest.approx(2.6), T0 + DAY),
                                      "c1": CardState(0, 1, pytest.approx(1.96), T0 + DAY)}


def test_the_progress_widget_shows_the_gates_and_a_plot(store: Store) -> None:
    from aieprep.runtime.practice.widgets import ProgressView

    store.add_check(Check("week04_ml_llm", T0, 10, 20))
    view = ProgressView(store, Clock(T0))
    assert view.gates.value.count("<li>") == 6 and "10/20" in view.text.value
    assert bytes(view.plot.value).startswith(b"\x89PNG")
    store.add_rep(Rep("ingestion_loop", T0, 100, True))
    view.refresh_button.click()
    assert view.summary.reps["ingestion_loop"] == [Rep("ingestion_loop", T0, 100, True)]
