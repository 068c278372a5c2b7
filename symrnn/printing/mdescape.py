"""Free text shown literally in Markdown (GitHub and Jupyter), on one line."""

from __future__ import annotations

import re
import unicodedata

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|$~#])")


def md_space(char: str) -> str:
    return " " if unicodedata.category(char).startswith("C") or char in "\u2028\u2029" else char


def markdown_escape(text: str) -> str:
    """``text`` shown literally in Markdown (GitHub and Jupyter), on one line.

    Control and format characters (line breaks, tabs, NUL, U+0085, bidirectional overrides,
    noncharacters) and the line and paragraph separators become spaces, as in LaTeX
    (:func:`symrnn.printing.texescape.escape`): none can end a heading or a table row, or reorder what is shown.
    """
    text = text.replace("&", "&amp;")
    text = "".join(md_space(c) if not c.isprintable() else c for c in text)
    return _MD_SPECIAL.sub(r"\\\1", text)
