"""Keep the message catalogues in step with the code: ``python -m symrnn.i18n.catalog``.

Extracts every message marked with ``_``, ``N_`` or ``ngettext`` from the package (Python and
Jinja templates) with Babel, plus argparse's own messages (the CLI routes them through the
catalogue too), and merges them into each language's ``.po`` file: new messages arrive
untranslated, obsolete ones are dropped, translations are kept. ``--check`` changes nothing and
exits 1 when a catalogue is out of step or has a message without a translation (what
``tests/test_i18n.py`` asserts).
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract, extract_from_dir
from babel.messages.pofile import read_po, write_po

from . import DOMAIN, LANGUAGES, LOCALE_DIR

PACKAGE = Path(__file__).resolve().parents[1]
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}
METHODS = [("**/templates/**.j2", "jinja2"), ("**/templates/**.html", "jinja2"), ("**.py", "python")]
OPTIONS = {pattern: {"extensions": "jinja2.ext.i18n", "trimmed": "true"}
           for pattern in ("**/templates/**.j2", "**/templates/**.html")}


def extracted() -> Catalog:
    """Every message of the code, with where it is used."""
    template = Catalog(domain=DOMAIN, project="symrnn", charset="utf-8")
    for filename, lineno, message, comments, context in extract_from_dir(
            PACKAGE, METHODS, OPTIONS, KEYWORDS, strip_comment_tags=True):
        template.add(message, locations=[(f"symrnn/{filename}", lineno)], auto_comments=comments, context=context)
    with open(argparse.__file__, "rb") as handle:
        for lineno, message, comments, context in extract("python", handle, keywords=KEYWORDS):
            template.add(message, locations=[("argparse.py", lineno)], auto_comments=comments, context=context)
    return template


def po_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def read(lang: str) -> Catalog:
    path = po_path(lang)
    if not path.exists():
        return Catalog(locale=lang, domain=DOMAIN, project="symrnn", charset="utf-8")
    with path.open("rb") as handle:
        return read_po(handle, locale=lang, domain=DOMAIN)


def untranslated(catalog: Catalog) -> list[str]:
    out = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            out.append(message.id if isinstance(message.id, str) else message.id[0])
    return out


@contextlib.contextmanager
def locked(lang: str):
    """Hold the catalogue of ``lang`` for a read-modify-write (two people may update it at once)."""
    path = po_path(lang).with_suffix(".lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def update(lang: str) -> Catalog:
    with locked(lang):
        return _update(lang)


def _update(lang: str) -> Catalog:
    catalog = read(lang)
    catalog.update(extracted(), no_fuzzy_matching=True)
    catalog.obsolete.clear()
    path = po_path(lang)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100, sort_output=True, omit_header=False, include_previous=False)
    return catalog


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m symrnn.i18n.catalog", description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if a catalogue is out of step")
    args = parser.parse_args(argv)
    code = 0
    wanted = {m.id for m in extracted() if m.id}
    for lang in LANGUAGES:
        if lang == "en":
            continue
        catalog = read(lang) if args.check else update(lang)
        have = {m.id for m in catalog if m.id}
        missing, extra, empty = wanted - have, have - wanted, untranslated(catalog)
        for what, items in (("not in the catalogue", missing), ("no longer in the code", extra), ("untranslated", empty)):
            for item in sorted(items, key=str)[:20]:
                print(f"{lang}: {what}: {item!r}", file=sys.stderr)
        code |= bool(missing or extra or empty)
    return code


if __name__ == "__main__":
    sys.exit(main())
