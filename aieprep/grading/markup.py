"""Markdown with math for pages read outside JupyterLab (the feedback page): HTML without scripts, and each
formula turned into MathML by latex2mathml, which browsers draw natively, offline, with no MathJax."""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET

import bleach
from latex2mathml.converter import convert
from nbconvert.filters.markdown_mistune import markdown2html_mistune

__all__ = ["HAS_MATH", "markdown_html", "math_html"]

MATHML = "{http://www.w3.org/1998/Math/MathML}"
# MathML presentation elements and attributes that only draw: no links, no styles, no scripts.
MATH_TAGS = frozenset("""math mrow mi mn mo ms mtext mspace msub msup msubsup mfrac msqrt mroot mover munder
    munderover mtable mtr mtd mstyle mpadded mphantom menclose merror semantics""".split())
MATH_ATTRIBUTES = frozenset("""display mathvariant stretchy fence form separator lspace rspace accent accentunder
    columnalign rowspacing columnspacing displaystyle scriptlevel linethickness width height depth minsize
    maxsize movablelimits symmetric largeop notation""".split())
HTML_TAGS = frozenset("""p br hr em strong b i code pre blockquote ul ol li a h1 h2 h3 h4 h5 h6 table thead tbody
    tr th td span div del sup sub""".split())
# Code first (its dollars are not math), then $$display$$ and $inline$ formulas.
PIECES = re.compile(r"(?P<fence>^(?:```|~~~)[^\n]*\n.*?^(?:```|~~~)[ \t]*$)|(?P<code>`+)(?P<coded>.+?)(?P=code)"
                    r"|\$\$(?P<display>.+?)\$\$|(?<![\\$])\$(?P<inline>[^$\n]+?)\$", re.S | re.M)
HAS_MATH = re.compile(r"\$[^$\n]+\$")


def math_html(tex: str, display: bool = False) -> str:
    """``tex`` as MathML, kept to the elements and attributes that draw; TeX it cannot read stays as code."""
    try:
        root = ET.fromstring(convert(tex, display="block" if display else "inline"))
        return _serialise(root)
    except Exception:  # latex2mathml's errors, and anything it makes that is not plain MathML
        return f"<code>{html.escape(tex)}</code>"


def _serialise(element: ET.Element) -> str:
    tag = element.tag.removeprefix(MATHML)
    if tag not in MATH_TAGS:
        raise ValueError(f"not drawn: {tag}")
    attributes = "".join(f' {name}="{html.escape(value)}"' for name, value in element.attrib.items()
                         if name in MATH_ATTRIBUTES)
    inner = html.escape(element.text or "", quote=False)
    for child in element:
        inner += _serialise(child) + html.escape(child.tail or "", quote=False)
    return f"<{tag}{attributes}>{inner}</{tag}>"


def markdown_html(text: str) -> str:
    """Markdown (a prompt, or a learner's answer) as inert HTML: no scripts, handlers, styles or frames; links
    only to http(s) and mailto; formulas as MathML."""
    formulas: list[str] = []

    def park(match: re.Match[str]) -> str:
        if match["display"] is None and match["inline"] is None:
            return match[0]
        formulas.append(math_html(match["display"] or match["inline"], display=match["display"] is not None))
        return f"AIEPREPMATH{len(formulas) - 1}X"

    rendered = markdown2html_mistune(PIECES.sub(park, text))
    clean = bleach.clean(rendered, tags=HTML_TAGS, attributes={"a": ["href", "title"], "*": ["class"]},
                         protocols=["http", "https", "mailto"], strip=True)
    return re.sub(r"AIEPREPMATH(\d+)X", lambda m: formulas[int(m[1])], clean)
