# AIE Prep. Every target bootstraps .venv first (python3 -m venv + the pinned packages),
# so a fresh machine needs only Python 3.11 and make. See README.md for what each target does.

PYTHON    ?= python3
VENV      := .venv
BIN       := $(VENV)/bin
STAMP     := $(VENV)/.installed
LAB_IP    ?= 127.0.0.1
LAB_PORT  ?= 8888
TEST_WORKERS ?= auto
WORK      ?= $(CURDIR)/work
COURSE    ?= $(CURDIR)
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)
export PYTHONHASHSEED := 0

UI_DEPS   := tests/ui/node_modules/.package-lock.json
CLIENTS   := tests/clients/.venv/.installed

.PHONY: setup lab instructor-lab test screenshots release solutions build bench lock corpus clean help

help:
	@echo "make setup      create .venv with the pinned packages (and the browser-test tools); the only step that needs the network"
	@echo "make lab        set up .venv if needed and start JupyterLab on your notebooks (work/) and the week guides"
	@echo "make instructor-lab  JupyterLab on the whole course folder, with nbgrader's instructor panels (Formgrader)"
	@echo "make test       set up .venv if needed and run the whole test suite (what CI runs)"
	@echo "make screenshots  refresh docs/screenshots/ (README's pictures) from the browser tests"
	@echo "make release    regenerate release/ from source/ (nbgrader generate_assignment)"
	@echo "make solutions  execute source/ into solutions/ with outputs kept"
	@echo "make build      both of the above"
	@echo "make bench      print the benchmark tables"
	@echo "make lock       re-pin requirements.lock from a fresh install of pyproject.toml"
	@echo "make corpus     rebuild aieprep/data/pydocs (Week 5's corpus) from Debian's python3.11-doc (maintainers)"
	@echo "make clean      remove .venv and generated scratch (never your work/)"

$(STAMP): pyproject.toml requirements.lock tests/requirements.txt Makefile
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c requirements.lock -e .
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c requirements.lock -r tests/requirements.txt  # test-only clients
	mkdir -p $(VENV)/share/jupyter/lab/settings  # offline course: JupyterLab never asks to fetch news or updates
	echo '{"@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": false}}' \
		> $(VENV)/share/jupyter/lab/settings/overrides.json
	touch $(STAMP)

# Playwright (npm's playwright-core) drives Debian's chromium in the browser tests; without npm they are skipped.
$(UI_DEPS): tests/ui/package-lock.json
	if command -v npm >/dev/null; then npm ci --prefix tests/ui --silent --no-audit --no-fund; \
	else echo "npm not found: the browser tests will be skipped"; fi

# Clients that cannot share .venv's pins (instructor) get their own venv; tests/test_llm.py runs them.
$(CLIENTS): tests/clients/requirements.txt $(STAMP)
	test -x tests/clients/.venv/bin/python || $(BIN)/python -m venv tests/clients/.venv
	tests/clients/.venv/bin/python -m pip install --quiet --disable-pip-version-check -r tests/clients/requirements.txt
	touch $(CLIENTS)

setup: $(STAMP) $(UI_DEPS) $(CLIENTS)

# Both labs run offline: no news, no update checks, an extension manager that lists what is installed and never asks
# a package index. nbgrader reads the course's nbgrader_config.py: the instructor's lab runs in the course folder,
# the learner's in the learner's folder (aieprep/data/lab/learner/nbgrader_config.py loads the course's), where
# nbgrader's Assignment List resolves its paths (its "view feedback" link is relative to the server's folder).
LAB_FLAGS = --no-browser $(ROOT_FLAG) --ip=$(LAB_IP) --port=$(LAB_PORT) --LabApp.news_url=None \
	--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate --LabApp.extension_manager=readonly
LAB_ENV   = PATH="$(CURDIR)/$(BIN):$$PATH" AIEPREP_COURSE_ROOT="$(CURDIR)"

# The learner's lab shows work/ (WORK=folder for another) with the week guides, never source/ or solutions/;
# aieprep/data/lab/learner turns nbgrader's instructor panels off.
lab: $(STAMP)
	AIEPREP_COURSE_ROOT="$(CURDIR)" $(BIN)/aieprep workspace "$(WORK)"
	mkdir -p .exchange
	@echo "JupyterLab on your notebooks ($(WORK)): open the URL printed below (with its token)."
	cd "$(WORK)" && $(LAB_ENV) JUPYTER_CONFIG_PATH="$(CURDIR)/aieprep/data/lab/learner" \
		"$(CURDIR)/$(BIN)/jupyter" lab $(LAB_FLAGS) --ServerApp.root_dir=.

# COURSE=folder serves another course folder (a copy with its own nbgrader_config.py and gradebook).
instructor-lab: $(STAMP)
	mkdir -p "$(COURSE)/.exchange"
	@echo "JupyterLab on the whole course (Formgrader in the Nbgrader menu): open the URL printed below."
	cd "$(COURSE)" && PATH="$(CURDIR)/$(BIN):$$PATH" AIEPREP_COURSE_ROOT="$(COURSE)" $(CURDIR)/$(BIN)/jupyter lab \
		$(LAB_FLAGS) --ServerApp.root_dir="$(COURSE)"

# One worker per core (pytest-xdist); tests/conftest.py keeps each file, notebook and graded week in one worker.
test: setup
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadscope --no-loadscope-reorder --durations=25

# README's pictures are the browser tests' own screenshots: the self-check, its feedback page, self-grading,
# Formgrader.
screenshots: setup
	AIEPREP_SCREENSHOTS="$(CURDIR)/docs/screenshots/all" $(BIN)/python -m pytest -q -p no:xdist tests/test_lab.py \
		-k "self_check or feedback or self_grading or formgrader"
	cd docs/screenshots && mv all/self-check.png all/feedback.png all/self-grade.png all/formgrader.png . && rm -rf all

release: $(STAMP)
	$(BIN)/aieprep release

solutions: $(STAMP)
	$(BIN)/aieprep solutions

build: release solutions

bench: $(STAMP)
	$(BIN)/python bench/notebooks.py
	$(BIN)/python bench/roundtrips.py
	$(BIN)/python bench/grade.py
	$(BIN)/python bench/setup.py
	$(BIN)/python bench/llm.py
	$(BIN)/python bench/rag.py

lock:
	rm -rf /tmp/aieprep-lock && $(PYTHON) -m venv /tmp/aieprep-lock
	/tmp/aieprep-lock/bin/python -m pip install --quiet -e .
	{ echo "# Every package of the course environment, pinned: pip install -c requirements.lock -e ."; \
	  echo "# Regenerate after changing pyproject.toml: make lock"; \
	  /tmp/aieprep-lock/bin/python -m pip freeze --exclude-editable | sed -E 's/\+cpu$$//'; } > requirements.lock
	rm -rf /tmp/aieprep-lock

# Week 5's corpus: the Python 3.11 library reference from Debian's python3.11-doc, made once and shipped.
corpus: $(STAMP)
	rm -rf /tmp/aieprep-corpus && mkdir -p /tmp/aieprep-corpus
	cd /tmp/aieprep-corpus && apt-get download python3.11-doc
	$(BIN)/python -m aieprep.pydocs /tmp/aieprep-corpus/python3.11-doc_*.deb
	rm -rf /tmp/aieprep-corpus

clean:
	rm -rf $(VENV) tests/clients/.venv bench/out .pytest_cache
