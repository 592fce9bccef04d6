"""`make lab` serves JupyterLab on the course with nbgrader's and the widgets' extensions enabled."""

from __future__ import annotations

import json
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import ROOT

BIN = Path(sys.executable).parent
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URL (with token) that `make lab` prints, while the server runs (self-checks recorded in a
    temporary folder, not the user's)."""
    port = free_port()
    data = tmp_path_factory.mktemp("aieprep-data")
    proc = subprocess.Popen(
        ["make", "-s", "lab", f"LAB_PORT={port}"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True, start_new_session=True, env={**os.environ, "JUPYTER_NO_CONFIG": "", "AIEPREP_DATA_DIR": str(data)},
    )
    url, seen, deadline = None, [], time.monotonic() + 90
    while url is None and time.monotonic() < deadline and proc.poll() is None:
        if select.select([proc.stdout], [], [], 1)[0]:
            line = proc.stdout.readline()
            seen.append(line)
            match = re.search(rf"(http://127\.0\.0\.1:{port}/lab\?token=\w+)", line)
            url = match and match[1]
    try:
        assert url, "make lab printed no URL:\n" + "".join(seen[-30:])
        while True:  # the URL is printed as the server starts listening; wait until it answers
            try:
                get(url)
                break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, "".join(seen[-30:])
                time.sleep(0.5)
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


def get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.status, response.read().decode()


def test_lab_page_answers(lab: str) -> None:
    status, page = get(lab)
    assert status == 200 and "JupyterLab" in page


def test_lab_serves_the_course_folder(lab: str) -> None:
    base, token = lab.split("/lab?token=")
    status, body = get(f"{base}/api/contents/weeks?token={token}")
    assert status == 200 and '"README.md"' in body


def test_formgrader_answers(lab: str) -> None:
    base, token = lab.split("/lab?token=")
    status, _ = get(f"{base}/formgrader/api/assignments?token={token}")
    assert status == 200


def test_lab_gives_learners_their_own_copies_in_work(lab: str) -> None:
    for release in (ROOT / "release").glob("week*/*.ipynb"):
        assert (ROOT / "work" / release.parent.name / release.name).is_file()


def extension_listing(*args: str) -> str:
    proc = subprocess.run([BIN / "jupyter", *args], capture_output=True, text=True, cwd=ROOT)
    return ANSI.sub("", proc.stdout + proc.stderr)


@pytest.mark.parametrize("extension", ["@jupyter/nbgrader", "@jupyter-widgets/jupyterlab-manager"])
def test_lab_extension_is_enabled(extension: str) -> None:
    assert re.search(rf"{re.escape(extension)} v[\d.]+ enabled OK", extension_listing("labextension", "list"))


@pytest.mark.parametrize("extension", ["formgrader", "validate_assignment", "assignment_list"])
def test_nbgrader_server_extension_is_enabled(extension: str) -> None:
    assert f"nbgrader.server_extensions.{extension} enabled" in extension_listing("server", "extension", "list")


UI = ROOT / "tests" / "ui"
CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or ""


@pytest.fixture(scope="module")
def browser_visit(lab: str, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """What a real browser saw in JupyterLab on Week 1 (tests/ui/lab.mjs): the notebook's toolbar,
    the Validate dialog, the Nbgrader menu. Screenshots are kept in the pytest temp folder."""
    missing = [what for what, ok in [("chromium", CHROMIUM), ("node", shutil.which("node")),
                                     ("tests/ui/node_modules (make setup)", (UI / "node_modules").is_dir())] if not ok]
    if missing:
        message = f"browser tests need {', '.join(missing)}"
        if os.environ.get("CI"):
            pytest.fail(message)  # CI installs them: a skip there would hide a broken check
        pytest.skip(message)
    shots = tmp_path_factory.mktemp("screenshots")
    notebook = "work/week01_python_ds/week01_python_ds.ipynb"
    proc = subprocess.run(["node", str(UI / "lab.mjs"), lab, notebook, str(shots)], capture_output=True, text=True,
                          timeout=600, env={**os.environ, "CHROMIUM": CHROMIUM})
    seen = json.loads(proc.stdout.strip().splitlines()[-1])
    assert "error" not in seen, f"{seen['error']} (screenshots: {shots})"
    return seen


def test_notebook_toolbar_has_the_validate_button(browser_visit: dict) -> None:
    assert browser_visit["validateButton"] is True


def test_validate_reports_the_failing_tests_of_a_blank_notebook(browser_visit: dict) -> None:
    dialog = browser_visit["validateDialog"]
    assert dialog.startswith("Validation Results") and "The following cell failed" in dialog


@pytest.mark.parametrize("item", ["Assignment List", "Formgrader"])
def test_nbgrader_menu_offers(browser_visit: dict, item: str) -> None:
    assert item in browser_visit["nbgraderMenu"]


def test_a_cell_runs_the_self_check_on_its_own_notebook(browser_visit: dict) -> None:
    report = browser_visit["selfCheck"]
    assert report.startswith("week01_python_ds: self-check with the hidden tests"), report[:300]
    assert re.search(r"^total\s+0 / \d+", report, re.M), report  # the notebook as released: nothing answered
    link = urllib.parse.urlsplit(browser_visit["feedbackLink"]).path  # JupyterLab serves it under /files/
    assert link.endswith("/files/work/week01_python_ds/week01_python_ds.feedback.html"), link
