"""Practice tools: cold-rep timer, mock-interview timer with postmortem, SM-2 flashcards, self-grading of the
reflections and a progress view.

In a notebook::

    from aieprep.runtime.practice.widgets import rep_timer, mock_timer, flashcards, progress_view
    rep_timer("week01_python_ds")      # or mock_timer(), flashcards("rag_agents"), self_grade(), progress_view()

In a terminal: ``aieprep progress`` (a plain table). Each widget is a thin view over a typed API that works
without widgets (and is what the tests drive): :mod:`.patterns` (what to rep: the core patterns ingestion loop,
schema validator and retry, then every autograded exercise by grade id), :mod:`.reps` (:class:`RepTimer`),
:mod:`.mocks` (:class:`MockTimer`, stage plan and nudges, :class:`Postmortem`), :mod:`.cards` (SM-2, decks,
review :class:`Session`), :mod:`.selfgrade` (reflections and their rubrics, :class:`SelfGrading`), :mod:`.stories`
(the learner's story bank, checked by their own checker),
:mod:`.progress` (:func:`summary`, :func:`figure`, :func:`table`, the six gates).
Every timer and scheduler takes its clock as a parameter.

**Decks** are TOML files in ``aieprep/data/decks/`` (one per deck; the format is in :mod:`.cards`). An instructor
extends a deck by adding ``[[cards]]`` to its file, or adds a deck with a new file, there or in a folder named by
``$AIEPREP_DECKS``. Card ids are the key of the schedule: keep them when editing a card's text.

**The state file** is one SQLite database: ``$AIEPREP_PRACTICE_DB`` if set, else ``practice.sqlite3`` in
``$AIEPREP_DATA_DIR``, else in ``$XDG_DATA_HOME/aieprep/``, else in ``~/.local/share/aieprep/``
(:func:`practice_db_path`). Its tables (``PRAGMA user_version`` = schema version, now 3), times in epoch seconds:

- ``reps(id, pattern, at, seconds, passed, note)``: one row per timed rep; ``passed`` 1/0, NULL when untested.
- ``mocks(id, prompt, kind, at, seconds, problem, pattern, bug_type, fix_rule, micro_drill, confidence)``: one row
  per mock; ``kind`` is "aie" or "core"; the postmortem columns are NULL when it was skipped.
- ``cards(deck, card, repetitions, interval, easiness, due)``: each card's SM-2 schedule (interval in days).
- ``reviews(id, deck, card, at, quality)``: every flashcard answer (quality 0–5).
- ``checks(id, week, at, score, max_score)``: every ``aieprep check`` result (the latest per week is shown).
- ``self_grades(id, week, grade_id, at, points, max_points, levels)``: a learner's grade of one reflection against
  its rubric; ``levels`` is each criterion's "full", "partial" or "none", comma-separated (the latest counts).
- ``stories(title, theme, text, at)``: the learner's own story bank (Week 7), one row per title (:mod:`.stories`).

A store of an older schema is brought up to date when opened (new tables added, records kept).

**Faults.** The file is in WAL mode and every write is one ``BEGIN IMMEDIATE`` transaction, so two notebooks (or a
notebook and ``aieprep check``) write side by side, waiting up to 15 s for each other, and a kernel killed in the
middle of a write loses that write only, never an earlier record. A file that is not a readable database (or
fails ``PRAGMA quick_check``) is renamed aside to ``practice.sqlite3.corrupt`` (``.corrupt.1`` …, with its
``-wal``/``-shm`` files) and a fresh store is started, with a one-line message (``Store.notice``, also printed on
stderr and shown by the widgets), never a traceback. While grading (``NBGRADER_EXECUTION`` set) :func:`open_store`
returns an in-memory store: the autograder never reads or writes the file.
"""

from .store import Store, StoreError, open_store, practice_db_path

__all__ = ["Store", "StoreError", "open_store", "practice_db_path"]
