"""LaTeX to MathML on the server, then rebuilt from a whitelist, so the page needs no script or CDN.

``latex2mathml`` turns LaTeX into MathML but copies ``\\text{...}`` verbatim and keeps
``\\href``'s target: its output is never trusted. :func:`to_mathml` parses it as XML and
rebuilds it element by element, keeping only MathML elements and presentation attributes,
escaping every text and attribute value; anything else (an unknown element, an XML error, a
conversion error) gives the LaTeX source as escaped text instead. The result is safe to place
in HTML as it is (``markupsafe.Markup``).
"""

from __future__ import annotations

import html
import xml.etree.ElementTree as ET

from markupsafe import Markup

MAX_LATEX = 20_000
"""Longest LaTeX converted (longer text is shown as source)."""

ELEMENTS = frozenset(
    ["math", "mrow", "mi", "mn", "mo", "ms", "mtext", "mspace", "msub", "msup", "msubsup", "mfrac", "msqrt", "mroot", "mover", "munder", "munderover", "mtable", "mtr", "mtd", "mstyle", "mpadded", "mphantom", "menclose", "merror", "semantics", "annotation", "mmultiscripts", "mprescripts", "none"]
)
ATTRIBUTES = frozenset(
    ["display", "mathvariant", "stretchy", "fence", "separator", "lspace", "rspace", "columnalign", "rowalign", "columnspacing", "rowspacing", "displaystyle", "scriptlevel", "accent", "accentunder", "form", "largeop", "movablelimits", "symmetric", "minsize", "maxsize", "width", "height", "depth", "linebreak", "linethickness", "notation", "open", "close", "separators", "columnlines", "rowlines", "frame", "encoding"]
)
_NS = "{http://www.w3.org/1998/Math/MathML}"


class Unsafe(ValueError):
    """MathML with an element or attribute outside the whitelist."""


def _local(name: str) -> str:
    return name.removeprefix(_NS)


def _rebuild(node: ET.Element) -> str:
    tag = _local(node.tag)
    if tag not in ELEMENTS:
        raise Unsafe(f"element {tag!r}")
    attrs = []
    for key, value in sorted(node.attrib.items()):
        name = _local(key)
        if name == "xmlns":
            continue
        if name not in ATTRIBUTES:
            raise Unsafe(f"attribute {name!r}")
        attrs.append(f' {name}="{html.escape(value, quote=True)}"')
    if tag == "math":
        attrs.insert(0, ' xmlns="http://www.w3.org/1998/Math/MathML"')
    inner = html.escape(node.text or "", quote=False)
    for child in node:
        inner += _rebuild(child) + html.escape(child.tail or "", quote=False)
    return f"<{tag}{''.join(attrs)}>{inner}</{tag}>"


def sanitize(mathml: str) -> str:
    """``mathml`` rebuilt from the whitelist; :class:`Unsafe` or ``ET.ParseError`` when it cannot be."""
    root = ET.fromstring(mathml)
    if _local(root.tag) != "math":
        raise Unsafe("not a math element")
    return _rebuild(root)


def source(tex: str) -> Markup:
    """The LaTeX itself, escaped, in a ``<code>`` (what is shown when it cannot be rendered)."""
    return Markup('<code class="tex">{}</code>').format(tex)


def to_mathml(tex: str, display: bool = False) -> Markup:
    """``tex`` as sanitized MathML (``display``: a block), or as escaped source when it cannot be."""
    if not isinstance(tex, str) or not tex.strip() or len(tex) > MAX_LATEX:
        return source(str(tex)[:MAX_LATEX])
    try:
        from latex2mathml.converter import convert

        raw = convert(tex, display="block" if display else "inline")
        return Markup(sanitize(raw))
    except Exception:  # noqa: BLE001 - any failure of the converter or the whitelist: show the source
        return source(tex)


def aligned(lines: list[str] | tuple[str, ...]) -> Markup:
    """Display lines aligned at ``&`` (an exam's ``display`` block), one block of MathML; each cell
    in display style (sums with their limits above and below, as in the printed sheet)."""
    if not any("&" in line for line in lines):  # MathML Core breaks no line: one block per line
        return Markup("").join(to_mathml(line, display=True) for line in lines)
    cells = [" & ".join(r"\displaystyle " + cell for cell in line.split("&", 1)) for line in lines]
    return to_mathml(r"\begin{array}{rl}" + r" \\ ".join(cells) + r"\end{array}", display=True)


__all__ = ["aligned", "sanitize", "source", "to_mathml"]
