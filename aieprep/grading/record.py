"""Step 4 of grading: record a graded notebook in the course gradebook with nbgrader's own preprocessors and
write ``autograded/<student>/<week>/`` as ``nbgrader autograde`` would (formgrader, manual grading, feedback
and export work as usual). A marker written last lets a second run skip what the first finished.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import nbformat

from .. import __version__
from ..nbgrader_bridge import CourseSettings, record_grades

__all__ = ["MARKER", "digest", "graded_before", "record"]

MARKER = ".aieprep-graded.json"


def record(nb: nbformat.NotebookNode, student: str, week: str, folder: Path, settings: CourseSettings,
           sha256: str) -> None:
    """Save the grades (this process is the gradebook's only writer) and the autograded copy, marker last."""
    record_grades(nb, student, week, folder, settings)
    _write_autograded(nb, student, week, folder, settings.root, sha256)


def graded_before(root: Path, student: str, week: str, sha256: str) -> bool:
    """Whether an earlier run graded exactly this submission."""
    marker = root / "autograded" / student / week / MARKER
    return marker.exists() and json.loads(marker.read_text()).get("sha256") == sha256


def _write_autograded(nb: nbformat.NotebookNode, student: str, week: str, folder: Path, root: Path,
                      digest: str) -> None:
    dest = root / "autograded" / student / week
    dest.mkdir(parents=True, exist_ok=True)
    # As nbgrader's autograde: the submission's other files (timestamp.txt, submission_secret.txt, …),
    # then the course's own files over them.
    for base in (folder, root / "source" / week):
        for item in base.rglob("*"):
            relative = item.relative_to(base)
            if item.is_file() and not item.is_symlink() and item.suffix != ".ipynb" \
                    and not any(p.startswith(".") for p in relative.parts):
                (dest / relative).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(item, dest / relative)
    tmp = dest / f".{week}.ipynb.tmp"
    nbformat.write(nb, tmp)
    os.replace(tmp, dest / f"{week}.ipynb")
    (dest / MARKER).write_text(json.dumps({"sha256": digest, "aieprep": __version__}))


def digest(folder: Path) -> str:
    """A hash of the submission's regular files (names as bytes; links and special files are not read)."""
    h = hashlib.sha256(__version__.encode())
    for path in sorted(folder.rglob("*"), key=lambda p: os.fsencode(p)):
        if path.is_file() and not path.is_symlink():
            h.update(os.fsencode(path.relative_to(folder)) + b"\0" + path.read_bytes())
    return h.hexdigest()
