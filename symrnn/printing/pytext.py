"""Free text (a spec's name or title) as inert Python source: a string literal or docstring text.

Text from a spec is data. It reaches a generated module only through these two functions, never
pasted into source: every backslash and double quote is escaped (so no ``\"\"\"`` can close a
docstring and no escape sequence can form), and every character that is not printable ASCII is
written as a ``\\x``, ``\\u`` or ``\\U`` escape (so no newline, carriage return, form feed, line or
paragraph separator, NUL or lookalike character reaches the file). Python reads the escapes back
as the original text: ``ast.literal_eval(python_string(s)) == s``.
"""

from __future__ import annotations


def _escape(text: str) -> str:
    out = []
    for ch in text:
        code = ord(ch)
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif 0x20 <= code < 0x7F:
            out.append(ch)
        elif code <= 0xFF:
            out.append(f"\\x{code:02x}")
        elif code <= 0xFFFF:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    return "".join(out)


def python_string(text: str) -> str:
    """A double-quoted Python string literal of ``text``, printable ASCII only."""
    return '"' + _escape(str(text)) + '"'


def docstring_text(text: str) -> str:
    """``text`` escaped for the inside of a ``\"\"\"`` docstring: one line, printable ASCII, inert."""
    return _escape(str(text))
