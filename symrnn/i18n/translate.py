"""Fill a catalogue from a table of translations: ``python -m symrnn.i18n.translate es FILE.toml``.

``FILE.toml`` maps each English message to its translation (``"msgid" = "msgstr"``; a plural is
a list of forms). Only messages present in the catalogue are filled; the rest are reported, so a
table written against an older version of the code cannot add stale entries.
"""

from __future__ import annotations

import sys
import tomllib

from babel.messages.pofile import write_po

from .catalog import locked, po_path, read


def fill(lang: str, table: dict) -> tuple[int, list[str]]:
    with locked(lang):
        return _fill(lang, table)


def _fill(lang: str, table: dict) -> tuple[int, list[str]]:
    catalog = read(lang)
    done, unknown = 0, []
    for msgid, msgstr in table.items():
        key = msgid
        message = catalog.get(key)
        if message is None:
            plural = next((m for m in catalog if isinstance(m.id, tuple) and m.id[0] == msgid), None)
            if plural is None:
                unknown.append(msgid)
                continue
            message = plural
        message.string = tuple(msgstr) if isinstance(message.id, tuple) else msgstr
        message.flags.discard("fuzzy")
        done += 1
    with po_path(lang).open("wb") as handle:
        write_po(handle, catalog, width=100, sort_output=True, include_previous=False)
    return done, unknown


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 2:
        print("usage: python -m symrnn.i18n.translate LANG FILE.toml", file=sys.stderr)
        return 2
    with open(argv[1], "rb") as handle:
        done, unknown = fill(argv[0], tomllib.load(handle))
    print(f"{done} messages translated")
    for msgid in unknown:
        print(f"not in the catalogue: {msgid!r}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
