"""The feedback page (``nbgrader generate_feedback``, and the self-check's page): nbgrader's preprocessors put
the grades in the notebook, :class:`HideTestCode` keeps hidden tests hidden (nbgrader's own feedback shows every
test cell in full, jupyter/nbgrader#1156), and :class:`FeedbackPage` sums it up per exercise for the course's
template (``aieprep/data/templates/feedback``): each exercise by its title with its tests, points and messages,
each answer graded by hand with its points and comment. No scripts: formulas are MathML."""

from __future__ import annotations

import ast
import html
import re
from typing import Any

from nbgrader.preprocessors import NbGraderPreprocessor

from ..nbgrader_bridge import grade_totals, is_as_released, remove_hidden_tests
from ..notebook import CellKind, cell_kind, error_message, metadata, question_of
from ..totals import Totals, exercise_mark, points
from .markup import HAS_MATH, markdown_html

__all__ = ["FeedbackPage", "HideTestCode"]

HIDDEN_NOTE = "# (hidden tests: they ran when this notebook was graded)"
NO_RESPONSE = "No response."  # nbgrader's comment on an answer left as released


class HideTestCode(NbGraderPreprocessor):  # nbgrader's base: enabled by default
    """In every test cell, replace the hidden-test region by a one-line note and shorten each error to
    ``Name: message`` (a traceback quotes the failing line, which may be a hidden test). Outputs, points and
    pass/fail stay as they were."""

    def preprocess_cell(self, cell: Any, resources: dict[str, Any], index: int) -> tuple[Any, dict[str, Any]]:
        if cell_kind(cell) is not CellKind.TEST:
            return cell, resources
        original = cell.source
        if remove_hidden_tests(cell) and cell.source != original:
            cell.source = cell.source.rstrip("\n") + "\n" + HIDDEN_NOTE
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                output["traceback"] = [f"{output.get('ename', 'Error')}: {output.get('evalue', '')}"]
        return cell, resources


class FeedbackPage(NbGraderPreprocessor):
    """After GetGrades and HideTestCode: ``resources["aieprep"]``, what the course's feedback template shows."""

    def preprocess(self, nb: Any, resources: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
        graded = resources["nbgrader"]
        hand_ids = {str(metadata(c)["grade_id"]) for c in nb.cells if cell_kind(c) is CellKind.MANUAL}
        totals, pending = _from_gradebook(graded, hand_ids)
        exercises: dict[str, dict[str, Any]] = {}
        by_hand: list[dict[str, Any]] = []
        section = prompt = ""  # the last section heading's cell, and the last text cell
        for cell in nb.cells:
            kind, meta = cell_kind(cell), metadata(cell)
            if cell.cell_type == "markdown" and kind is CellKind.TEXT:
                prompt = cell.source
                section = prompt if prompt.startswith("## ") else section
            elif kind is CellKind.ANSWER:
                exercise = exercises.setdefault(str(meta.get("grade_id")),
                                                _exercise(str(meta.get("grade_id")), section, prompt))
                exercise["code"] += cell.source.strip() + "\n\n"
                exercise["started"] = bool(exercise["started"]) or not is_as_released(cell)
                exercise["comment"] += _comment(meta)  # not "No response.": the mark says it
            elif kind is CellKind.TEST:
                question = question_of(str(meta["grade_id"]))
                exercise = exercises.setdefault(question, _exercise(question, section, prompt))
                exercise["tests"].append(_test(cell, meta))
            elif kind is CellKind.MANUAL:
                got = None if meta["grade_id"] in pending else float(meta.get("score") or 0.0)
                top = float(meta.get("points", 0))
                by_hand.append({"anchor": meta["grade_id"], "title": _title(prompt), "prompt": markdown_html(prompt),
                                "answer": markdown_html(cell.source) if cell.cell_type == "markdown" else
                                f"<pre>{html.escape(cell.source)}</pre>",
                                "score": "–" if got is None else points(got), "points": points(top),
                                "comment": _comment(meta, blank="<p>No answer.</p>")})
        for exercise in exercises.values():
            _sum_up(exercise)
        auto = [e for e in exercises.values() if e["tests"]]
        resources["aieprep"] = {"title": graded.get("notebook", ""), "totals": str(totals), "exercises": auto,
                                "by_hand": by_hand, "late_penalty": points(float(graded.get("late_penalty") or 0))}
        return nb, resources


def _from_gradebook(graded: dict[str, Any], by_hand: set[str]) -> tuple[Totals, set[str]]:
    """This notebook's totals, as every report gives them, and its cells still waiting for a grade by hand."""
    from nbgrader.api import Gradebook

    with Gradebook(graded["db_url"]) as gb:
        grades = gb.find_submission_notebook(graded["notebook"], graded["assignment"], graded["student"]).grades
        return grade_totals(grades, by_hand), {grade.name for grade in grades if grade.needs_manual_grade}


def _title(prompt: str) -> str:
    """An exercise's title from its prompt: its last heading (``### Exercise 2.1 — Two sum (5 points)`` →
    ``Exercise 2.1 — Two sum``), else its opening in bold (``**Reflection 1 — X (3 points).** Text`` →
    ``Reflection 1 — X``), else its first line."""
    headings = re.findall(r"^#+\s+(.+)$", prompt, re.M)
    bold = re.match(r"\s*\*\*(.+?)\*\*", prompt)
    line = headings[-1] if headings else bold[1] if bold else (prompt.strip().splitlines() or [""])[0]
    return re.sub(r"\s*\(\d+(?:\.\d+)? points?\)\.?", "", line).strip().rstrip(".") or "Exercise"


def _exercise(question: str, section: str, prompt: str) -> dict[str, Any]:
    """An exercise's entry; its text is its prompt, after the section's opening cell when that has the formulas
    the prompt builds on."""
    text = f"{section}\n\n{prompt}" if section != prompt and HAS_MATH.search(section) else prompt
    return {"anchor": question, "question": question, "title": _title(prompt), "prompt": markdown_html(text),
            "code": "", "comment": "", "tests": [], "started": None}  # None: no answer cell seen


def _test(cell: Any, meta: dict[str, Any]) -> dict[str, Any]:
    """A test cell as a line: its name, what it checks (its docstring's first line), points and message."""
    try:
        module = ast.parse(cell.source)
        doc = ast.get_docstring(module) or ""
    except SyntaxError:
        doc = ""
    got, top = float(meta.get("score") or 0.0), float(meta.get("points", 0))
    return {"id": meta["grade_id"], "checks": doc.strip().splitlines()[0] if doc.strip() else "",
            "got": got, "max": top, "score": points(got), "points": points(top), "passed": got >= top,
            "message": error_message(cell)[:500]}


def _sum_up(exercise: dict[str, Any]) -> None:
    """An exercise's points and mark: ✓ full, ✗ points lost, · not started (its answer cell as released)."""
    tests = exercise["tests"]
    exercise["got"] = sum(t["got"] for t in tests)
    exercise["max"] = sum(t["max"] for t in tests)
    exercise["score"], exercise["points"] = points(exercise["got"]), points(exercise["max"])
    exercise["mark"], exercise["state"] = exercise_mark(exercise["got"], exercise["max"], exercise["started"] is not False)
    if exercise["state"] == "full":  # the exercise's text is not needed again (the page stays small)
        exercise["prompt"] = ""


def _comment(meta: dict[str, Any], blank: str = "") -> str:
    """A grader's comment as HTML; ``blank`` for nbgrader's automatic "No response." on an untouched answer."""
    comment = meta.get("comment")
    if not isinstance(comment, str) or not comment.strip():
        return ""
    return blank if comment.strip() == NO_RESPONSE else markdown_html(comment)
