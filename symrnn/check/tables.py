"""The answer grammar's LALR parser, built once and shipped: a cold ``symrnn check`` loads it.

Building the parser from ``grammar.GRAMMAR`` (lark's LALR analysis) costs about 0.14 s of CPU
on the machine of ``benchmarks/README.md``, a tenth of a cold ``check``; loading the same parser
from its tables costs about 0.02 s. The tables are plain data, written by lark's own
``memo_serialize`` and stored as JSON in ``lalr_tables.json`` next to this module (shipped with
the package, never written at run time, never unpickled: JSON is parsed, not executed). They
are used only when they were built from this very grammar (its SHA-256) by this very lark
version; otherwise, or if the file is missing or does not parse, the parser is built as before.

Regenerate after changing the grammar (a test fails until then)::

    python -m symrnn.check.tables
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import lark
from lark import Lark
from lark.grammar import Rule
from lark.lexer import TerminalDef

from .grammar import GRAMMAR

PATH = Path(__file__).with_name("lalr_tables.json")
OPTIONS = {"parser": "lalr", "propagate_positions": True, "maybe_placeholders": False}


def grammar_hash() -> str:
    return hashlib.sha256(GRAMMAR.encode("utf-8")).hexdigest()


def build() -> Lark:
    """The parser built from the grammar (lark's LALR analysis)."""
    return Lark(GRAMMAR, **OPTIONS)


def _encode(value):
    """lark's tables as JSON: dicts with non-string keys and tuples are tagged, so they come back."""
    if isinstance(value, dict):
        if all(isinstance(k, str) for k in value):
            return {k: _encode(v) for k, v in value.items()}
        return {"__items__": [[_encode(k), _encode(v)] for k, v in value.items()]}
    if isinstance(value, tuple):
        return {"__tuple__": [_encode(v) for v in value]}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise TypeError(f"lark table entry of type {type(value).__name__} has no JSON form")


def _decode(value):
    if isinstance(value, dict):
        if len(value) == 1 and "__items__" in value:
            return {_decode(k): _decode(v) for k, v in value["__items__"]}
        if len(value) == 1 and "__tuple__" in value:
            return tuple(_decode(v) for v in value["__tuple__"])
        return {k: _decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


def document(parser: Lark) -> dict:
    """What ``lalr_tables.json`` holds: provenance, then the tables."""
    data, memo = parser.memo_serialize([TerminalDef, Rule])
    return {"grammar_sha256": grammar_hash(), "lark": lark.__version__, "options": OPTIONS,
            "tables": _encode({"data": data, "memo": memo})}


def load(path: Path = PATH) -> Lark | None:
    """The shipped parser, or None when its tables are missing, unreadable or not of this grammar
    and lark version (the caller then builds it)."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        if (doc.get("grammar_sha256") != grammar_hash() or doc.get("lark") != lark.__version__
                or doc.get("options") != OPTIONS):
            return None
        tables = _decode(doc["tables"])
        return Lark._load_from_dict(tables["data"], tables["memo"])  # what lark's standalone parsers call
    except Exception:  # noqa: BLE001 - whatever lark makes of damaged tables (asserts included), build instead
        return None


def parser() -> Lark:
    """The answer parser: loaded from the shipped tables when they fit, else built."""
    return load() or build()


def write(path: Path = PATH) -> Path:
    path.write_text(json.dumps(document(build()), sort_keys=True, separators=(",", ":")) + "\n", encoding="utf-8")
    return path


if __name__ == "__main__":
    print(write())
