"""LaTeX-safe text: escape free text in one pass, and mark printer-made maths as trusted.

Free text (titles, spec names, anything a person typed) reaches a LaTeX document only through
:func:`escape`, which rewrites every character TeX treats specially in a single pass over the
string (so an escape is never escaped again)::

    \\  ->  \\textbackslash{}    &  ->  \\&    %  ->  \\%    $  ->  \\$    #  ->  \\#
    {  ->  \\{    }  ->  \\}    <  >  |  ->  \\textless{} \\textgreater{} \\textbar{}
    _  ~  ^  "  `  ->  typewriter glyphs ({\\ttfamily\\char95} ...)     -  ->  -{}

The last row matters because documents use LaTeX's default OT1 encoding (Computer Modern, whose
Type 1 fonts every TeX Live has), where a bare ``<`` prints as an inverted ``!``, ``\\_`` as a
rule that text extraction loses, and ``--`` or ``!``` as ligatures: the typewriter font has
these characters in their ASCII slots.
Control characters and line breaks become spaces (a blank line would end a paragraph inside a
heading); accented Latin letters OT1 can compose pass through (utf8 input), and any other
character becomes ``?`` (typographic dashes, quotes and the ellipsis print as themselves
through their text commands), so hostile or exotic text still compiles. What comes out shows the
text literally: ``\\input{/etc/passwd}`` prints as those characters and reads nothing.

Maths made by symrnn's printers is wrapped in :class:`TeX`; :func:`finalize` (the jinja2
``finalize`` hook of the report environment) passes a :class:`TeX` value through unchanged and
escapes every other value, so a template cannot emit unescaped free text by accident.
"""

from __future__ import annotations

import re
import unicodedata

_SPECIAL = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"{\ttfamily\char95}",
    "{": r"\{",
    "}": r"\}",
    "~": r"{\ttfamily\char126}",
    "^": r"{\ttfamily\char94}",
    '"': r"{\ttfamily\char34}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "|": r"\textbar{}",
    "`": r"{\ttfamily\char96}",
    "-": r"-{}",
    # typographic punctuation a translation or a title uses, printed as itself (OT1 has these)
    "\u2013": r"\textendash{}",
    "\u2014": r"\textemdash{}",
    "\u2018": r"\textquoteleft{}",
    "\u2019": r"\textquoteright{}",
    "\u201c": r"\textquotedblleft{}",
    "\u201d": r"\textquotedblright{}",
    "\u2026": r"\ldots{}",
    "\u00a0": r"\nobreakspace{}",
}

_PATTERN = re.compile("|".join(re.escape(c) for c in _SPECIAL) + r"|[^\x20-\x7e]")

_OT1_SIGNS = frozenset("¡¿")
_OT1_MISSING = frozenset("ÐÞðþĄąĐđĘęĦħĮįĸĿŀŉŊŋŦŧŲųſ")
"""Latin letters utf8 input maps to glyphs or accents the OT1 encoding lacks (checked with pdfTeX)."""


def _typesettable(char: str) -> bool:
    """Non-ASCII characters pdfLaTeX typesets in OT1 from utf8 input: most accented Latin letters."""
    if char in _OT1_SIGNS:
        return True
    if char in _OT1_MISSING:
        return False
    return 0x00C0 <= ord(char) <= 0x017F and unicodedata.category(char).startswith("L")


def _replace(match: re.Match[str]) -> str:
    char = match.group(0)
    special = _SPECIAL.get(char)
    if special is not None:
        return special
    if char in "\t\n\r\f\v" or unicodedata.category(char).startswith(("C", "Z")):
        return " "
    return char if _typesettable(char) else "?"


def escape(text: str) -> str:
    """``text`` as LaTeX that typesets it literally (one pass; see the module docstring)."""
    if not isinstance(text, str):
        raise TypeError(f"escape() needs text, got {type(text).__name__}")
    return _PATTERN.sub(_replace, text)


class TeX(str):
    """LaTeX source that symrnn's printers produced: trusted, inserted as is.

    Only printers and the report builder create it; never wrap text a person typed.
    Concatenating a ``TeX`` with anything gives a plain ``str`` again (which would be escaped).
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return f"TeX({str.__repr__(self)})"


def finalize(value: object) -> str:
    """jinja2 ``finalize``: trusted :class:`TeX` passes, numbers print, every other text is escaped."""
    if isinstance(value, TeX):
        return str(value)
    if isinstance(value, bool) or value is None:
        raise TypeError(f"refusing to print {value!r} into a LaTeX document (a template bug)")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return escape(value)
    raise TypeError(f"refusing to print a {type(value).__name__} into a LaTeX document; print it to text first")


def label(name: str) -> str:
    """A ``\\label``/``\\ref`` key from an equation label (``adj:h:t`` -> ``eq:adj:h:t``).

    Keys keep ASCII letters, digits, ``:``, ``_``, ``-`` and ``.``; every other character becomes ``-``
    and a short hash of the original keeps distinct labels distinct.
    """
    clean = re.sub(r"[^A-Za-z0-9:_.\-]", "-", name)
    if clean != name:
        import hashlib

        clean += "-" + hashlib.sha256(name.encode("utf-8")).hexdigest()[:6]
    return "eq:" + clean


__all__ = ["TeX", "escape", "finalize", "label"]
