"""nbgrader settings for the AIE Prep course (read by every nbgrader command run from this folder)."""

import importlib.util
import os
from pathlib import Path

c = get_config()  # noqa: F821 (provided by traitlets when it loads this file)
COURSE_ROOT = Path(__file__).resolve().parent

c.CourseDirectory.course_id = "aieprep"

# What nbgrader never copies from source/ to release/ (and so to learners): its defaults, and a week's grading
# profile (source/<week>/grading.toml), which is the grader's.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", "grading.toml"]

# Learner stubs: the body of an answer cell, and of a manually graded text answer.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Each cell gets this many seconds (AIEPREP_CELL_TIMEOUT, default 60) when nbgrader executes a
# notebook (validate, autograde); a cell that runs longer (an infinite loop) is interrupted and
# scores zero, and the cells after it still run.
c.Execute.timeout = int(os.environ.get("AIEPREP_CELL_TIMEOUT", "60"))
c.Execute.interrupt_on_timeout = True

# nbgrader gives zero to a test cell with any output on stderr. A test cell whose stderr holds
# nothing but Python warnings ("file.py:12: SomeWarning: text" plus the source line under it)
# keeps its points: those outputs are dropped before grading. Anything else on stderr still
# zeroes the cell, and exceptions always do (they are errors, not stderr).
c.IgnorePattern.enabled = True
c.IgnorePattern.pattern = r"\A(?:[^\n]*:\d+: \w*Warning: [^\n]*\n(?:[ \t]+[^\n]*\n)*)+\Z"

# The feedback page is the course's own (aieprep/data/templates/feedback): per exercise its tests, points and
# messages, but not the hidden tests; per answer graded by hand its points and comment; formulas as MathML, no
# scripts, about 30 KB. Named, not imported: reading this file stays instant (nbconvert imports each name when
# it runs). Formgrader finds its own templates after the course's.
c.GenerateFeedback.preprocessors = ["nbgrader.preprocessors.GetGrades", "aieprep.grading.feedback.HideTestCode",
                                    "aieprep.grading.feedback.FeedbackPage"]
def _package_folder(name: str, *parts: str) -> str:
    return os.path.join(importlib.util.find_spec(name).submodule_search_locations[0], *parts)


c.HTMLExporter.extra_template_basedirs = [_package_folder("aieprep", "data", "templates"),
                                          _package_folder("nbgrader", "server_extensions", "formgrader", "templates")]

# Learner-made HTML (outputs, markdown answers) is sanitised wherever nbconvert renders it: the feedback
# page and Formgrader's view (no scripts, no event handlers). The grader already strips active outputs
# from autograded notebooks (aieprep.grading.execute); this covers markdown answers too.
c.HTMLExporter.sanitize_html = True

# Where nbgrader's exchange lives (release_assignment, fetch_assignment, submit, collect).
# On JupyterHub point it at a shared folder, e.g. AIEPREP_EXCHANGE_ROOT=/srv/nbgrader/exchange.
c.Exchange.root = os.environ.get("AIEPREP_EXCHANGE_ROOT", str(COURSE_ROOT / ".exchange"))

# The gradebook: SQLite in the course folder unless a database URL is given (several graders).
if os.environ.get("AIEPREP_DB_URL"):
    c.CourseDirectory.db_url = os.environ["AIEPREP_DB_URL"]
