"""Step 5 of grading: the table printed at the end of a run, and ``reports/<week>/grades.csv`` and
``index.html`` (per-question scores and their distributions) from the gradebook."""

from __future__ import annotations

import base64
import csv
import html
import io
from pathlib import Path
from typing import Any

from ..course import master_notebook
from ..nbgrader_bridge import cell_scores, load_course_config, submitted_students
from ..notebook import CellKind, grade_cells, read_notebook
from .outcome import Outcome, Status

__all__ = ["format_table", "write_report"]


def format_table(outcomes: list[Outcome]) -> str:
    """The per-student summary printed at the end of a run."""
    rows = [("student", "status", "score", "seconds", "problems")]
    for o in outcomes:
        score = f"{o.score:g}/{o.max_score:g}" if o.status is not Status.ERROR else "-"
        seconds = f"{o.seconds:.1f}" if o.seconds else ""
        flag = "TAMPERING " if o.tampered else ""
        rows.append((o.student, str(o.status), score, seconds, flag + "; ".join(o.problems)))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = ["  ".join(r[i].ljust(widths[i]) for i in range(4)) + "  " + r[4] for r in rows]
    return "\n".join(line.rstrip() for line in lines)


def write_report(root: Path, week: str, outcomes: list[Outcome]) -> tuple[Path, Path]:
    """``reports/<week>/grades.csv`` and ``index.html`` from the gradebook (every graded submission)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    settings = load_course_config(root)
    master = read_notebook(master_notebook(root, week))
    cells = [c for c in grade_cells(master) if c.kind is CellKind.TEST]
    questions = list(dict.fromkeys(c.question for c in cells))
    max_points = {q: sum(c.points for c in cells if c.question == q) for q in questions}
    by_student = {o.student: o for o in outcomes}
    rows: list[dict[str, Any]] = []
    for student in sorted(set(by_student) | set(submitted_students(settings, week))):
        outcome = by_student.get(student)
        row: dict[str, Any] = {"student": student, "status": str(outcome.status) if outcome else "graded earlier"}
        scores = cell_scores(settings, week, week, student)
        if scores is None or (outcome and outcome.status is Status.ERROR):
            row.update({"score": "", "max_score": "", "percent": ""})
        else:
            total = sum(scores.get(c.grade_id, 0.0) for c in cells)
            top = sum(c.points for c in cells)
            row.update({"score": round(total, 2), "max_score": top, "percent": round(100 * total / top, 1)})
            for q in questions:
                row[q] = round(sum(scores.get(c.grade_id, 0.0) for c in cells if c.question == q), 2)
        row["tampering"] = "yes" if outcome and outcome.tampered else ""
        row["problems"] = "; ".join(outcome.problems) if outcome else ""
        rows.append(row)
    out = root / "reports" / week
    out.mkdir(parents=True, exist_ok=True)
    columns = ["student", "status", "score", "max_score", "percent", *questions, "tampering", "problems"]
    with (out / "grades.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)

    graded = [r for r in rows if r["score"] != ""]

    def figure_png(fig: Any) -> str:
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=80, bbox_inches="tight", metadata={"Software": None})
        plt.close(fig)
        return base64.b64encode(buffer.getvalue()).decode()

    images = []
    if graded:
        fig, ax = plt.subplots(figsize=(6, 2.5))
        ax.hist([r["percent"] for r in graded], bins=[i * 10 for i in range(11)], color="#4c72b0")
        ax.set(title=f"{week}: total score", xlabel="percent", ylabel="students")
        images.append(("Total", figure_png(fig)))
        columns_per_row = 4
        rows_needed = (len(questions) + columns_per_row - 1) // columns_per_row
        fig, axes = plt.subplots(rows_needed, columns_per_row, figsize=(12, 2.2 * rows_needed), squeeze=False)
        for ax, q in zip(axes.flat, questions):
            values = [r[q] for r in graded]
            top = max_points[q]
            bins = [b - 0.5 for b in range(int(top) + 2)] if top <= 20 else 10  # one bar per point
            ax.hist(values, bins=bins, range=None if top <= 20 else (0, top), color="#55a868", rwidth=0.8)
            ax.set_title(f"{q} (/{max_points[q]:g})", fontsize=9)
            ax.tick_params(labelsize=7)
        for ax in list(axes.flat)[len(questions):]:
            ax.axis("off")
        fig.tight_layout()
        images.append(("Per question", figure_png(fig)))
    table_rows = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(r.get(c, '')))}</td>" for c in columns) + "</tr>" for r in rows)
    mean = sum(r["percent"] for r in graded) / len(graded) if graded else 0.0
    page = f"""<!doctype html><html><head><meta charset="utf-8"><title>{week} grades</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse;font-size:12px}}
td,th{{border:1px solid #ccc;padding:2px 6px}}</style></head><body>
<h1>{html.escape(week)}: grade report</h1>
<p>{len(graded)} graded, {sum(1 for r in rows if r['status'] == Status.ERROR)} with errors,
mean {mean:.1f}%, {sum(1 for r in rows if r['tampering'])} flagged for tampering.</p>
{''.join(f'<h2>{t}</h2><img alt="{t} score distribution" src="data:image/png;base64,{img}">' for t, img in images)}
<h2>Students</h2><table><tr>{''.join(f'<th>{html.escape(c)}</th>' for c in columns)}</tr>{table_rows}</table>
</body></html>"""
    (out / "index.html").write_text(page)
    return out / "grades.csv", out / "index.html"
