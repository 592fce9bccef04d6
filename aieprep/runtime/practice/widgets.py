"""Thin ipywidgets views over the practice API: each is a VBox whose buttons call :mod:`.reps`, :mod:`.mocks`,
:mod:`.cards` and :mod:`.progress`. Clocks and the store can be injected (the tests click the buttons)."""

from __future__ import annotations

import asyncio
import html
import io
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import ipywidgets as w

from . import progress as progress_mod
from .cards import Deck, Session, decks
from .mocks import KINDS, PROMPTS, MockTimer, Postmortem
from .patterns import draw as draw_patterns, patterns
from .progress import mmss
from .reps import RepTimer, history_figure
from .selfgrade import LEVELS, SelfGrading, model_answers, reflections
from .store import Store, open_store

__all__ = ["FlashcardsView", "MockTimerView", "ProgressView", "RepTimerView", "SelfGradeView", "flashcards",
           "mock_timer", "progress_view", "rep_timer", "self_grade"]

QUALITY = ("0 blank", "1 wrong", "2 almost", "3 hard", "4 good", "5 easy")


def _png(fig: Any) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=80)
    return buffer.getvalue()


def _notice(store: Store) -> w.HTML:
    text = store.notice or ("practice records are not kept while grading" if store.path is None else "")
    return w.HTML(f"<b>{html.escape(text)}</b>" if text else "")


class _Ticking(w.VBox):
    """Calls ``refresh`` every second while a timer runs, when an event loop is running (a Jupyter kernel)."""

    _task: asyncio.Task[None] | None = None

    def refresh(self) -> None:
        raise NotImplementedError

    def _start_ticking(self) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # no kernel loop (a test): refresh() is called by hand
        if self._task is None or self._task.done():
            self._task = loop.create_task(self._tick())

    def _stop_ticking(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None

    async def _tick(self) -> None:
        while True:
            self.refresh()
            await asyncio.sleep(1)


class RepTimerView(_Ticking):
    """Pick a pattern, Start, write it from memory, then Stop and run tests (or Stop without tests)."""

    def __init__(self, store: Store, week: str | None = None, clock: Callable[[], float] = time.monotonic,
                 now: Callable[[], float] = time.time, namespace: dict[str, Any] | None = None) -> None:
        self.store, self.clock, self.now, self.namespace = store, clock, now, namespace
        self.patterns = {p.id: p for p in patterns(week)}
        self.pattern = w.Dropdown(options=[(f"{p.id}: {p.title}", p.id) for p in self.patterns.values()],
                                  description="pattern", layout=w.Layout(width="520px"))
        self.start_button = w.Button(description="Start", button_style="primary")
        self.test_button = w.Button(description="Stop and run tests", disabled=True)
        self.stop_button = w.Button(description="Stop (no tests)", disabled=True)
        self.clock_label = w.HTML("0:00")
        self.result = w.HTML()
        self.plot = w.Image(format="png")
        self.timer: RepTimer | None = None
        self.start_button.on_click(lambda _: self.start())
        self.test_button.on_click(lambda _: self.stop(run_tests=True))
        self.stop_button.on_click(lambda _: self.stop(run_tests=False))
        self.pattern.observe(lambda _: self.show_history(), names="value")
        super().__init__([_notice(store), self.pattern, w.HBox([self.start_button, self.test_button, self.stop_button,
                                                                 self.clock_label]), self.result, self.plot])
        self.show_history()

    def start(self) -> None:
        self.timer = RepTimer(self.store, self.patterns[self.pattern.value], self.clock, self.now)
        self.timer.start()
        self.pattern.disabled, self.start_button.disabled = True, True
        self.test_button.disabled = self.stop_button.disabled = False
        self.result.value = ""
        self.refresh()
        self._start_ticking()

    def refresh(self) -> None:
        if self.timer is not None and self.timer.running:
            target = self.timer.pattern.target_seconds
            over = " (over target)" if self.timer.elapsed() > target else ""
            self.clock_label.value = f"<b>{mmss(self.timer.elapsed())}</b> / {mmss(target)}{over}"

    def stop(self, run_tests: bool) -> None:
        if self.timer is None or not self.timer.running:
            return
        self._stop_ticking()
        rep = self.timer.stop_and_test(self.namespace) if run_tests else self.timer.stop()
        verdict = {True: "tests passed", False: "tests failed", None: "no tests run"}[rep.passed]
        failures = "".join(f"<br>✗ {html.escape(t.grade_id)}: {html.escape(t.error)}"
                           for t in self.timer.last_tests if not t.passed)
        self.result.value = f"{mmss(rep.seconds)}, {verdict}{failures}"
        self.clock_label.value = mmss(rep.seconds)
        self.pattern.disabled, self.start_button.disabled = False, False
        self.test_button.disabled = self.stop_button.disabled = True
        self.show_history()

    def show_history(self) -> None:
        pattern = self.patterns.get(self.pattern.value)
        reps = self.store.reps(pattern.id) if pattern else []
        if pattern is not None and reps:
            self.plot.value = _png(history_figure(reps, pattern.title, pattern.target_seconds))
            self.plot.layout.display = None
        else:
            self.plot.layout.display = "none"


class MockTimerView(_Ticking):
    """Choose a prompt, Start; the stage plan and nudges show as time passes; Finish, fill the postmortem, Save."""

    def __init__(self, store: Store, clock: Callable[[], float] = time.monotonic,
                 now: Callable[[], float] = time.time) -> None:
        self.store, self.clock, self.now = store, clock, now
        self.kind = w.ToggleButtons(options=KINDS, description="kind")
        self.prompt = w.Combobox(options=list(PROMPTS.values()), placeholder="prompt (pick or type one)",
                                 layout=w.Layout(width="620px"))
        self.start_button = w.Button(description="Start", button_style="primary")
        self.finish_button = w.Button(description="Finish", disabled=True)
        self.stage = w.HTML()
        self.nudge = w.HTML()
        self.problem = w.Text(description="problem")
        self.pattern = w.Text(description="pattern")
        self.bug_type = w.Text(description="bug type")
        self.fix_rule = w.Text(description="fix rule", placeholder="one line")
        self.micro_drill = w.Text(description="micro-drill", placeholder="tomorrow's 5 minutes")
        self.confidence = w.IntSlider(value=3, min=1, max=5, description="confidence")
        self.save_button = w.Button(description="Save postmortem", button_style="success")
        self.form = w.VBox([w.HTML("<b>Postmortem</b>"), self.problem, self.pattern, self.bug_type, self.fix_rule,
                            self.micro_drill, self.confidence, self.save_button], layout=w.Layout(display="none"))
        self.message = w.HTML()
        self.timer: MockTimer | None = None
        self.start_button.on_click(lambda _: self.start())
        self.finish_button.on_click(lambda _: self.finish())
        self.save_button.on_click(lambda _: self.save())
        super().__init__([_notice(store), self.kind, self.prompt, w.HBox([self.start_button, self.finish_button]),
                          self.stage, self.nudge, self.form, self.message])

    def start(self) -> None:
        try:
            self.timer = MockTimer(self.store, self.prompt.value, self.kind.value, self.clock, self.now)
        except ValueError as error:
            self.message.value = html.escape(str(error))
            return
        self.timer.start()
        self.start_button.disabled, self.finish_button.disabled = True, False
        self.form.layout.display = "none"
        self.message.value = ""
        self.refresh()
        self._start_ticking()

    def refresh(self) -> None:
        if self.timer is None:
            return
        status = self.timer.status()
        if status.stage is not None:
            self.stage.value = (f"<b>{mmss(status.elapsed)}</b> · {html.escape(status.stage.name)}: "
                                f"{mmss(status.stage_left)} left")
        else:
            self.stage.value = f"<b>{mmss(status.elapsed)}</b> · time is up ({mmss(status.over)} over)"
        self.nudge.value = f"<i>{html.escape(status.nudge)}</i>" if status.nudge else ""

    def finish(self) -> None:
        if self.timer is None:
            return
        self._stop_ticking()
        self.timer.finish()
        self.refresh()
        self.finish_button.disabled = True
        self.problem.value = self.problem.value or self.timer.prompt
        self.form.layout.display = None

    def save(self) -> None:
        if self.timer is None:
            return
        try:
            postmortem = Postmortem(self.problem.value, self.pattern.value, self.bug_type.value, self.fix_rule.value,
                                    self.micro_drill.value, self.confidence.value)
        except ValueError as error:
            self.message.value = html.escape(str(error))
            return
        mock = self.timer.save(postmortem)
        self.message.value = f"saved: {html.escape(mock.prompt[:60])} ({mmss(mock.seconds)})"
        self.timer = None
        self.form.layout.display = "none"
        self.start_button.disabled = False


class FlashcardsView(w.VBox):
    """Due cards first: read the front, Show answer, grade your recall 0–5."""

    def __init__(self, store: Store, deck: str | None = None, clock: Callable[[], float] = time.time,
                 all_decks: dict[str, Deck] | None = None) -> None:
        self.store, self.clock = store, clock
        self.decks = all_decks if all_decks is not None else decks()
        self.deck = w.Dropdown(options=[(d.title, name) for name, d in self.decks.items()], description="deck",
                               value=deck if deck is not None else next(iter(self.decks), None))
        self.front = w.HTML()
        self.back = w.HTML()
        self.show_button = w.Button(description="Show answer", button_style="primary")
        self.grades = [w.Button(description=label, layout=w.Layout(width="80px")) for label in QUALITY]
        self.counts = w.HTML()
        self.session: Session | None = None
        self.show_button.on_click(lambda _: self.show())
        for quality, button in enumerate(self.grades):
            button.on_click(lambda _, q=quality: self.answer(q))
        self.deck.observe(lambda _: self.begin(), names="value")
        super().__init__([_notice(store), self.deck, self.front, self.show_button, self.back, w.HBox(self.grades),
                          self.counts])
        self.begin()

    def begin(self) -> None:
        """Start a session with the selected deck."""
        self.session = Session(self.store, self.decks[self.deck.value], self.clock) if self.deck.value else None
        self.render()

    def render(self) -> None:
        card = self.session.current if self.session else None
        self.back.value = ""
        for b in self.grades:
            b.disabled = True
        self.show_button.disabled = card is None
        if card is None:
            self.front.value = "<b>Nothing due in this deck.</b> Come back tomorrow."
        else:
            self.front.value = f"<b>{html.escape(card.front)}</b>"
        left = len(self.session.queue) if self.session else 0
        self.counts.value = f"{left} to go · {self.session.answered if self.session else 0} answered"

    def show(self) -> None:
        card = self.session.current if self.session else None
        if card is not None:
            self.back.value = html.escape(card.back)
            for b in self.grades:
                b.disabled = False

    def answer(self, quality: int) -> None:
        if self.session is not None and not self.session.done:
            self.session.answer(quality)
            self.render()


INLINE = ((re.compile(r"\*\*(.+?)\*\*"), "b"), (re.compile(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])"), "i"),
          (re.compile(r"`([^`]+)`"), "code"))  # markdown's **bold**, *italics* and `code`, within a line


def _text(text: str) -> str:
    """Markdown text as HTML that keeps its line breaks, with its bold, italics and code drawn."""
    marked = html.escape(text)
    for pattern, tag in INLINE:
        marked = pattern.sub(rf"<{tag}>\1</{tag}>", marked)
    return f'<div style="white-space: pre-wrap">{marked}</div>'


class SelfGradeView(w.VBox):
    """Your written reflections one at a time: the answer as saved, then each rubric criterion (Full, Partial,
    None); once all are graded, the points are saved and the model answer is shown; Next reflection."""

    def __init__(self, store: Store, week: str, grading: SelfGrading, models: dict[str, str]) -> None:
        self.store, self.week, self.grading, self.models = store, week, grading, models  # models: grade id → model answer
        every = grading.items + grading.blank
        blank = " Blank answers are worth 0: write them, save, and run this again." if grading.blank else ""
        self.header = w.HTML(f"<b>Grade your reflections: {html.escape(week)}</b>, {len(grading.items)} of "
                             f"{len(every)} written, {sum(r.points for r in every):g} points by hand. Judge each "
                             "answer against its rubric, one criterion at a time; the model answer shows once you "
                             f"have graded them all.{blank}")
        self.title = w.HTML()
        self.answer = w.HTML()
        self.criterion = w.HTML()
        self.levels = {level: w.Button(description=level.capitalize(), layout=w.Layout(width="140px"))
                       for level in LEVELS}
        self.result = w.HTML()
        self.model = w.HTML()
        self.next_button = w.Button(description="Next reflection", button_style="primary")
        for level, button in self.levels.items():
            button.on_click(lambda _, lv=level: self.rate(lv))
        self.next_button.on_click(lambda _: self.next())
        super().__init__([_notice(store), self.header, self.title, self.answer, self.criterion,
                          w.HBox(list(self.levels.values())), self.result, self.model, self.next_button])
        self.render()

    def render(self) -> None:
        g = self.grading
        item, criterion = g.current, g.criterion
        if item is None:
            got = sum(x.points for x in g.graded)
            top = sum(x.max_points for x in g.graded)
            self.title.value = (f"<b>Done: {got:g} / {top:g} points by your grades</b> (saved: "
                                "<code>progress_view()</code> shows them beside the check's autograded points)."
                                if g.graded
                                else "<b>No written reflection to grade.</b>")
            for part in (self.answer, self.criterion, self.result, self.model):
                part.value = ""
            for button in self.levels.values():
                button.layout.display = "none"
            self.next_button.layout.display = "none"
            return
        self.title.value = (f"<b>{html.escape(item.grade_id)}</b> ({item.points:g} points), "
                            f"{g.index + 1} of {len(g.items)}<br>{_text(item.prompt)}")
        self.answer.value = f"<b>Your answer</b>{_text(item.answer)}"
        for button in self.levels.values():
            button.disabled = criterion is None
        self.next_button.disabled = criterion is not None
        if criterion is not None:
            n = len(g.levels) + 1
            rows = "".join(f"<tr><td><b>{label}</b> ({criterion.points * share:g})</td>"
                           f"<td>{html.escape(text)}</td></tr>"
                           for (label, share), text in zip((("Full", 1.0), ("Partial", 0.5), ("None", 0.0)),
                                                           (criterion.full, criterion.partial, criterion.none)))
            self.criterion.value = (f"Criterion {n} of {len(item.criteria)}: <b>{html.escape(criterion.name)}</b> "
                                    f"({criterion.points:g} points)<table>{rows}</table>")
            self.result.value = self.model.value = ""
            return
        self.criterion.value = ""
        grade = g.graded[-1]
        self.result.value = f"<b>{grade.points:g} / {grade.max_points:g}</b> by your grades (saved)"
        model = self.models.get(item.grade_id)
        self.model.value = (f"<b>Model answer</b>{_text(model)}" if model else
                            "<i>No model answer here: this course folder has no master notebooks (your "
                            "instructor releases them).</i>")

    def rate(self, level: str) -> None:
        if self.grading.criterion is not None:
            self.grading.rate(level)
            self.render()

    def next(self) -> None:
        if self.grading.revealed:
            self.grading.next()
            self.render()


class ProgressView(w.VBox):
    """Self-checks, reps, mocks, retention and the six gates, with plots; Refresh to recompute."""

    def __init__(self, store: Store, clock: Callable[[], float] = time.time) -> None:
        self.store, self.clock = store, clock
        self.refresh_button = w.Button(description="Refresh")
        self.gates = w.HTML()
        self.text = w.HTML()
        self.plot = w.Image(format="png")
        self.refresh_button.on_click(lambda _: self.refresh())
        super().__init__([_notice(store), self.refresh_button, self.gates, self.plot, self.text])
        self.refresh()

    def refresh(self) -> None:
        summary = progress_mod.summary(self.store, self.clock())
        self.summary = summary
        rows = "".join(f"<li>{'✅' if g.passed else '⬜'} {g.number}. {html.escape(g.title)}: "
                       f"{html.escape(g.detail)}</li>" for g in summary.gates)
        self.gates.value = f"<b>Readiness gates</b><ul>{rows}</ul>"
        self.text.value = f"<pre>{html.escape(progress_mod.table(summary))}</pre>"
        self.plot.value = _png(progress_mod.figure(summary))


def rep_timer(week: str | None = None, store: Store | None = None, *, draw: int = 0) -> RepTimerView:
    """The cold-rep timer (only ``week``'s patterns when given; ``draw=3``: three drills of Weeks 1–6 drawn at random,
    for timed mixed drills)."""
    view = RepTimerView(store or open_store(), week)
    if draw:
        view.patterns = {p.id: p for p in draw_patterns(draw)}
        view.pattern.options = [(f"{p.id}: {p.title}", p.id) for p in view.patterns.values()]
    return view


def mock_timer(store: Store | None = None, *, prompt: str | None = None, kind: str | None = None) -> MockTimerView:
    """The mock-interview timer with its stage plan, nudges and postmortem form; ``prompt`` (a key of PROMPTS such as
    "aie-1", or any text) and ``kind`` are filled in (a key's kind is its prefix)."""
    view = MockTimerView(store or open_store())
    if kind is None and prompt in PROMPTS:
        kind = prompt.split("-")[0]
    if kind is not None:
        view.kind.value = kind
    if prompt is not None:
        view.prompt.value = PROMPTS.get(prompt, prompt)
    return view


def flashcards(deck: str | None = None, store: Store | None = None) -> FlashcardsView:
    """Flashcards with SM-2 spaced repetition (``deck``: a deck's name, e.g. "rag_agents")."""
    return FlashcardsView(store or open_store(), deck)


def self_grade(notebook: str | Path | None = None, store: Store | None = None) -> SelfGradeView:
    """Grade the written reflections of ``notebook`` (default: this kernel's own, as saved) against their rubrics;
    the week is the notebook's name."""
    if notebook is None:
        from ..check import this_notebook

        notebook = this_notebook()
    path = Path(notebook)
    store = store or open_store()
    return SelfGradeView(store, path.stem, SelfGrading(store, path.stem, reflections(path)), model_answers(path.stem))


def progress_view(store: Store | None = None) -> ProgressView:
    """Progress across the eight weeks: self-checks, reps, mocks, retention and the six gates."""
    return ProgressView(store or open_store())
