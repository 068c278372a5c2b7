"""Text from a person (an answer, an id, an exception message) made safe to print on a terminal.

Control characters (C0 but the line break, DEL, C1: an ``ESC [`` sequence could move the cursor,
retitle the window or hide what follows) and the bidirectional overrides and isolates (which
reorder what is shown) are written as visible escapes, ``\\x1b`` or ``\\u202e``; so are lone surrogates
(bytes of a command line that are not UTF-8, such as a raw C1 ``0x9b``, which Python keeps as
U+DC9B and would write back as the raw byte).
"""

from __future__ import annotations

import re

_BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff"
_UNSAFE = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_BIDI}]")
_UNSAFE_INLINE = re.compile(f"[\x00-\x1f\x7f-\x9f{_BIDI}]")


def _escape(match: re.Match) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def safe(text: str) -> str:
    """``text`` with every unsafe character escaped; line breaks and tabs are kept."""
    return _UNSAFE.sub(_escape, text.replace("\t", " "))


def safe_line(text: str) -> str:
    """``text`` on one line: line breaks and tabs escaped too."""
    return _UNSAFE_INLINE.sub(_escape, text)
