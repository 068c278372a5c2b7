"""A class's CSV in and out: delimiter sniffed, read strictly, written safe for a spreadsheet.

Reading: the delimiter is the one of ``,`` ``;`` (the spreadsheet default where the decimal mark
is a comma, as in Spanish-speaking countries) and tab that splits the header into a set of
columns with ``answer`` among them; a file no delimiter fits is refused saying so. Records are
read strictly: an unclosed quote, a stray quote or a record with more or fewer fields than the
header is refused with the line it starts on (a lenient reader lets an unclosed quote swallow
every row after it). Each row keeps its line number; ids given more than once are flagged.

Writing: a UTF-8 byte-order mark first in a file (a spreadsheet then reads the accents right); a cell a
spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``, a tab or carriage return, after
any leading spaces or line breaks, and their fullwidth forms such as ``＝``) is written after a
single quote (OWASP's CSV-injection advice); carriage returns and line breaks inside a cell are
kept and the cell quoted; on a terminal, other control characters are written as visible escapes.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

from ..core.errors import SymrnnError
from ..i18n import _
from .terminal import safe_line

FIELD_LIMIT = 16 * 1024 * 1024
"""A cell of the input CSV may be this long; the checker's own length limit then refuses the answer."""

MAX_BYTES = 256 * 1024 * 1024
"""Largest CSV file read."""

DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab"}

BOM = "\ufeff"


class CSVError(SymrnnError):
    """A submissions file that cannot be read as a CSV of answers; the message names the line."""


@dataclass(frozen=True)
class Table:
    """Rows of a submissions file: ``rows[i]`` (a dict by column) starts on line ``lines[i]``."""

    columns: tuple[str, ...]
    rows: tuple[dict, ...]
    lines: tuple[int, ...]
    delimiter: str

    def duplicates(self) -> dict[str, tuple[int, ...]]:
        """Each id given on more than one row, with the lines it is on."""
        seen: dict[str, list[int]] = {}
        for row, line in zip(self.rows, self.lines):
            key = (row.get("id") or row.get("student") or "").strip()
            if key:
                seen.setdefault(key, []).append(line)
        return {k: tuple(v) for k, v in seen.items() if len(v) > 1}


def _header_fields(text: str, delimiter: str) -> list[str]:
    try:
        return [f.strip() for f in next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True), [])]
    except csv.Error:
        return []


def sniff(text: str) -> str:
    """The delimiter whose split of the header has an ``answer`` column (the most columns if several do)."""
    fits = [(len(fields), d) for d in DELIMITERS if "answer" in (fields := _header_fields(text, d))]
    if not fits:
        first = text.split("\n", 1)[0][:80]
        raise CSVError(_("line 1: no delimiter fits: split by a comma, a semicolon or a tab, the header {safe_line} has no 'answer' column (and optionally 'id', 'grad')").format(safe_line=repr(safe_line(first))))
    return max(fits)[1]


def read_csv(text: str) -> Table:
    """The rows of a submissions file (a spreadsheet's byte-order mark is dropped)."""
    text = text.removeprefix(BOM)
    if not text.strip():
        raise CSVError(_("the CSV file is empty: it needs a header with an 'answer' column"))
    csv.field_size_limit(max(csv.field_size_limit(), FIELD_LIMIT))
    delimiter = sniff(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    header = [f.strip() for f in next(reader)]
    repeated = sorted({f for f in header if header.count(f) > 1})
    if repeated:
        raise CSVError(_("line 1: the header names a column twice: {safe_line}").format(safe_line=safe_line(', '.join(repeated))))
    rows, lines, last = [], [], reader.line_num
    while True:
        start = last + 1
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as err:
            hint = " " + _("(a quote opened here is never closed)") if "end of data" in str(err) else ""
            raise CSVError(_("line {start}: the CSV file cannot be read: {err}{hint}").format(start=start, err=err, hint=hint)) from None
        last = reader.line_num
        if not record:
            continue  # a blank line
        if len(record) != len(header):
            raise CSVError(_("line {start}: {length} fields where the header has {length2} (delimiter: {delimiters})").format(start=start, length=len(record), length2=len(header), delimiters=DELIMITERS[delimiter]))
        rows.append(dict(zip(header, record)))
        lines.append(start)
    return Table(tuple(header), tuple(rows), tuple(lines), delimiter)


_FORMULA = re.compile("^[ \t\r\n\u3000]*[=+\\-@\t\r\uff1d\uff0b\uff0d\uff20]")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _escape(match: re.Match) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def spreadsheet_safe(value, escape_controls: bool = False):
    r"""A cell a spreadsheet would run as a formula (``=cmd|...``) is written after a single quote;
    with ``escape_controls`` (text for a terminal), control characters other than tab, ``\r`` and
    ``\n`` are written as escapes."""
    if not isinstance(value, str):
        return value
    if escape_controls:
        value = _CONTROL.sub(_escape, value)
    return "'" + value if _FORMULA.match(value) else value


def write_csv(results: list[dict], fields: tuple[str, ...], bom: bool = False, escape_controls: bool = False) -> str:
    """The result rows as CSV text (comma-delimited, every row ending in CRLF as RFC 4180 says);
    ``bom``: a byte-order mark first (a file for a spreadsheet); ``escape_controls``: for a terminal."""
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=fields, extrasaction="ignore", lineterminator="\r\n",
                            quoting=csv.QUOTE_MINIMAL)
    writer.writeheader()
    for row in results:
        writer.writerow({k: spreadsheet_safe(v, escape_controls) for k, v in row.items()})
    return (BOM if bom else "") + out.getvalue()
