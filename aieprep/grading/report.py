"""Step 5 of grading: the table printed at the end of a run, and ``reports/<week>/grades.csv`` and
``index.html`` (per-question scores and their distributions, drawn as HTML bars) from the gradebook."""

from __future__ import annotations

import csv
import html
from pathlib import Path
from typing import Any

from ..course import master_notebook
from ..nbgrader_bridge import cell_scores, load_course_config, submission_totals, submitted_students
from ..notebook import CellKind, grade_cells, read_notebook
from ..totals import points
from .outcome import Outcome, Status

__all__ = ["format_table", "write_report"]


def format_table(outcomes: list[Outcome]) -> str:
    """The per-student summary printed at the end of a run."""
    rows = [("student", "status", "score", "seconds", "problems")]
    for o in outcomes:
        score = str(o.totals) if o.totals and o.status is not Status.ERROR else "-"
        seconds = f"{o.seconds:.1f}" if o.seconds else ""
        flag = "TAMPERING " if o.tampered else ""
        rows.append((o.student, str(o.status), score, seconds, flag + "; ".join(o.problems)))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = ["  ".join(r[i].ljust(widths[i]) for i in range(4)) + "  " + r[4] for r in rows]
    return "\n".join(line.rstrip() for line in lines)


def write_report(root: Path, week: str, outcomes: list[Outcome]) -> tuple[Path, Path]:
    """``reports/<week>/grades.csv`` and ``index.html`` from the gradebook (every graded submission): the totals
    as :class:`~aieprep.totals.Totals` gives them, and one column per exercise and per hand-graded answer
    (empty while it waits for its grade)."""
    settings = load_course_config(root)
    cells = grade_cells(read_notebook(master_notebook(root, week)))
    by_hand = {c.grade_id for c in cells if c.kind is CellKind.MANUAL}
    questions = list(dict.fromkeys(c.question for c in cells))
    max_points = {q: sum(c.points for c in cells if c.question == q) for q in questions}
    by_student = {o.student: o for o in outcomes}
    rows: list[dict[str, Any]] = []
    for student in sorted(set(by_student) | set(submitted_students(settings, week))):
        outcome = by_student.get(student)
        row: dict[str, Any] = {"student": student, "status": str(outcome.status) if outcome else "graded earlier"}
        scores = cell_scores(settings, week, week, student)
        if scores is None or (outcome and outcome.status is Status.ERROR):
            row.update(dict.fromkeys(TOTAL_COLUMNS, ""))
        else:
            totals = submission_totals(settings, week, student, by_hand)
            row.update({"score": str(totals), "autograded": round(totals.autograded, 2),
                        "autograded_max": totals.autograded_max,
                        "autograded_percent": round(100 * totals.autograded / (totals.autograded_max or 1), 1),
                        "by_hand": "" if totals.by_hand is None else round(totals.by_hand, 2),
                        "by_hand_max": totals.by_hand_max})
            for q in questions:
                got = [scores.get(c.grade_id, 0.0) for c in cells if c.question == q]
                row[q] = "" if None in got else round(sum(g or 0.0 for g in got), 2)
        row["tampering"] = "yes" if outcome and outcome.tampered else ""
        row["problems"] = "; ".join(outcome.problems) if outcome else ""
        rows.append(row)
    out = root / "reports" / week
    out.mkdir(parents=True, exist_ok=True)
    columns = ["student", "status", *TOTAL_COLUMNS, *questions, "tampering", "problems"]
    with (out / "grades.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)

    graded = [r for r in rows if r["score"] != ""]
    charts = ""
    if graded:
        titled = [("Autograded (%)", _histogram([r["autograded_percent"] for r in graded], 100.0, "percent"))]
        titled += [(f"{q} (/{points(max_points[q])})",
                    _histogram([r[q] for r in graded if r[q] != ""], max_points[q], "points")) for q in questions]
        figures = "".join(f"<figure><figcaption>{html.escape(t)}</figcaption>{chart}</figure>" for t, chart in titled)
        charts = f'<h2>Score distributions</h2><div class="charts">{figures}</div>'
    shown = ["student", "status", "score", *questions, "problems"]
    header = "".join(f'<th class="q">{html.escape(c)}</th>' if c in max_points else f"<th>{html.escape(c)}</th>"
                     for c in shown)
    table_rows = "".join(
        "<tr>" + "".join(f"<td>{html.escape(_shown(r.get(c, '')))}</td>" for c in shown) + "</tr>" for r in rows)
    mean = sum(r["autograded_percent"] for r in graded) / len(graded) if graded else 0.0
    waiting = sum(1 for r in graded if r["by_hand"] == "" and r["by_hand_max"])
    page = f"""<!doctype html><html><head><meta charset="utf-8"><title>{week} grades</title>
<style>body{{font-family:sans-serif;margin:2em;max-width:70em}}table{{border-collapse:collapse;font-size:12px}}
td,th{{border:1px solid #ccc;padding:2px 6px;vertical-align:bottom}}th.q{{writing-mode:vertical-rl;transform:rotate(180deg)}}
td:last-child{{max-width:24em}}{CHART_CSS}</style></head><body>
<h1>{html.escape(week)}: grade report</h1>
<p>{len(graded)} graded, {sum(1 for r in rows if r['status'] == Status.ERROR)} with errors,
mean autograded {mean:.1f}%, {waiting} waiting for grades by hand,
{sum(1 for r in rows if r['tampering'])} flagged for tampering.</p>
{charts}
<h2>Students</h2><p>Per exercise and per answer graded by hand: points (empty while it waits for its grade);
every column is in grades.csv.</p>
<table><tr>{header}</tr>{table_rows}</table>
</body></html>"""
    (out / "index.html").write_text(page)
    return out / "grades.csv", out / "index.html"


def _shown(value: Any) -> str:
    """A table cell's text: numbers as points (5, 5.5), the rest as they are."""
    return points(value) if isinstance(value, float | int) and not isinstance(value, bool) else str(value)


TOTAL_COLUMNS = ["score", "autograded", "autograded_max", "autograded_percent", "by_hand", "by_hand_max"]

CHART_CSS = """.charts{display:flex;flex-wrap:wrap;gap:1.5em}figure{margin:0}
figcaption{font-size:12px;margin-bottom:4px}.chart{display:flex;align-items:flex-end;gap:2px;height:100px}
.col{display:flex;flex-direction:column;justify-content:flex-end;min-width:22px;font-size:10px;text-align:center}
.bar{background:#4c72b0}.col small{font-size:9px;border-top:1px solid #888;padding:0 2px}"""


def _histogram(values: list[float], top: float, unit: str) -> str:
    """A column chart of ``values`` (0 to ``top``): one bar per point when ``top`` is at most 20, else ten
    equal bins; each bar's count stands above it and its range below."""
    if top <= 20 and float(top).is_integer():
        bins = [(b + 0.5, f"{b}") for b in range(int(top) + 1)]  # (upper edge, label)
    else:
        step = top / 10
        bins = [((i + 1) * step, f"{i * step:g}–{(i + 1) * step:g}") for i in range(10)]
    counts = [0] * len(bins)
    for value in values:  # the last bin takes the top value itself
        counts[next((i for i, (high, _) in enumerate(bins) if value < high), len(bins) - 1)] += 1
    tallest = max(counts) or 1
    bars = "".join(f'<div class="col" title="{n} with {label} {unit}"><span>{n or ""}</span>'
                   f'<div class="bar" style="height:{round(70 * n / tallest)}px"></div><small>{label}</small></div>'
                   for n, (_, label) in zip(counts, bins))
    return f'<div class="chart">{bars}</div>'
