"""Build the course's RAG corpus from Debian's ``python3.11-doc`` package (``make corpus``; maintainers only).

The Python 3.11 library reference (``html/library/*.html``, about 300 pages) becomes one JSON line per
section in ``aieprep/data/pydocs/sections.jsonl.gz``: ``page`` (the file name without ``.html``, e.g.
``json``), ``anchor`` (the section's HTML id, so ``page.html#anchor`` links to it), ``path`` (the
heading path, page title first) and ``text`` (the section's own text, without its subsections: one
line per paragraph, list item, table row, signature or code line). The PSF licence is copied next
to it. Learners and CI only read the snapshot; they never need the Debian package.

Usage: ``python -m aieprep.pydocs python3.11-doc_*.deb [OUT_DIR]``.
"""

from __future__ import annotations

import gzip
import json
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

__all__ = ["build", "sections_of_page"]

OUT = Path(__file__).parent / "data" / "pydocs"
HTML = Path("usr/share/doc/python3.11/html")
BLOCKS = {"p", "pre", "dt", "dd", "li", "div", "table", "thead", "tbody", "tr", "dl", "ul", "ol", "blockquote",
          "figure", "aside", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "caption"}
HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")


def _lines(element: Any) -> Iterator[str]:
    """The text of an element as lines: one per leaf block; code keeps its own lines."""
    from bs4 import NavigableString, Tag

    if isinstance(element, NavigableString):
        text = " ".join(str(element).split())
        if text:
            yield text
        return
    if not isinstance(element, Tag) or element.name in ("script", "style", "section") or element.name in HEADINGS:
        return
    if element.name == "pre":
        yield from (line.rstrip() for line in element.get_text().splitlines() if line.strip())
        return
    if element.name == "tr":
        cells = [" ".join(cell.get_text(" ").split()) for cell in element.find_all(["td", "th"], recursive=False)]
        if any(cells):
            yield " | ".join(cells)
        return
    if not any(isinstance(child, Tag) and child.name in BLOCKS for child in element.children):
        text = " ".join(element.get_text().split())
        if text:
            yield text
        return
    inline: list[str] = []
    for child in element.children:
        if isinstance(child, Tag) and child.name in BLOCKS:
            if inline and " ".join(inline).strip():
                yield " ".join(" ".join(inline).split())
            inline = []
            yield from _lines(child)
        elif isinstance(child, Tag):
            inline.append(child.get_text())
        else:
            inline.append(str(child))
    if inline and " ".join(inline).strip():
        yield " ".join(" ".join(inline).split())


def sections_of_page(page: str, html: str) -> list[dict[str, Any]]:
    """One record per ``<section>`` of a Sphinx page: page, anchor, heading path and own text."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    main = soup.select_one('div[role="main"]')
    if main is None:
        return []
    for link in main.select("a.headerlink"):
        link.decompose()
    records: list[dict[str, Any]] = []

    def walk(section: Any, path: list[str]) -> None:
        heading = section.find(HEADINGS, recursive=False)
        title = " ".join(heading.get_text().split()) if heading is not None else ""
        here = path + [title] if title else path
        text = "\n".join(line for child in section.children for line in _lines(child))
        if here:
            records.append({"page": page, "anchor": section.get("id", ""), "path": here, "text": text})
        for child in section.find_all("section", recursive=False):
            walk(child, here)
        for holder in section.find_all(True, recursive=False):  # sections wrapped in a div (rare)
            if holder.name != "section":
                for child in holder.find_all("section", recursive=False):
                    walk(child, here)

    for top in main.find_all("section", recursive=False):
        walk(top, [])
    return records


def build(deb: Path, out: Path = OUT) -> dict[str, int]:
    """Extract ``deb``'s library reference into ``out``; return page, section and word counts."""
    with tempfile.TemporaryDirectory() as scratch:
        subprocess.run(["dpkg-deb", "-x", str(deb), scratch], check=True)
        root = Path(scratch) / HTML
        records = []
        pages = sorted((root / "library").glob("*.html"))
        for path in pages:
            records += sections_of_page(path.stem, path.read_text(encoding="utf-8"))
        licence = (root / "license.html").read_text(encoding="utf-8")
    from bs4 import BeautifulSoup

    out.mkdir(parents=True, exist_ok=True)
    lines = "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records)
    with gzip.GzipFile(out / "sections.jsonl.gz", "wb", mtime=0) as handle:  # byte-identical rebuilds
        handle.write(lines.encode("utf-8"))
    main = BeautifulSoup(licence, "html.parser").select_one('div[role="main"]')
    text = "\n".join(_lines(main)) if main is not None else ""
    (out / "LICENSE.txt").write_text(
        "The Python 3.11 library reference, from Debian's python3.11-doc package (" + deb.name + "),\n"
        "Copyright © 2001-2023 Python Software Foundation; all rights reserved. Licensed under the PSF\n"
        "License Agreement; the documentation's own licence page follows.\n\n" + re.sub(r"\n{3,}", "\n\n", text) + "\n",
        encoding="utf-8")
    return {"pages": len(pages), "sections": len(records), "words": sum(len(r["text"].split()) for r in records)}


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__.strip().splitlines()[-1])
    print(build(Path(sys.argv[1]), Path(sys.argv[2]) if len(sys.argv) == 3 else OUT))
