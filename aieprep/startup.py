"""Imported first by the course's own processes (the ``aieprep`` command, the nbgrader commands it starts,
the judge, the tests and benchmarks), never by a learner's kernel.

jsonschema, which nbformat validates notebooks with, imports ``rfc3987_syntax`` when it is installed (it is,
through jupyter-events' ``jsonschema[format-nongpl]``) to check the ``iri`` formats, and that module builds
about 35 Earley parsers at import: 2–2.5 s of every process that reads a notebook. No notebook or nbgrader
schema uses those formats, so these processes do without them.
"""

from __future__ import annotations

import sys

sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]  # None: "import rfc3987_syntax" fails
