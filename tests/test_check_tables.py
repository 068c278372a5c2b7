"""The answer parser loaded from its shipped LALR tables (symrnn/check/tables.py) reads every
answer exactly as the parser built from the grammar does, and tables that do not fit (another
grammar, another lark, a corrupt file) are never used."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import lark
import pytest

from symrnn.check import tables
from symrnn.check.parse import precheck
from symrnn.core.errors import SymrnnError

TESTS = Path(__file__).parent


def _answers() -> list[str]:
    """Every string in the checker's tests that passes the pre-parse checks: right and wrong answers alike."""
    found: set[str] = set()
    for path in sorted(TESTS.glob("test_check*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and 0 < len(node.value) < 300:
                try:
                    precheck(node.value)
                except SymrnnError:
                    continue
                found.add(node.value)
    return sorted(found)


def _read(parser, text):
    try:
        return parser.parse(text)
    except lark.exceptions.UnexpectedInput as err:
        return type(err).__name__, getattr(err, "column", None)


def test_shipped_tables_are_of_this_grammar_and_lark():
    doc = json.loads(tables.PATH.read_text(encoding="utf-8"))
    assert doc["grammar_sha256"] == tables.grammar_hash(), "regenerate: python -m symrnn.check.tables"
    if doc["lark"] != lark.__version__:
        pytest.skip(f"tables written by lark {doc['lark']}, this is {lark.__version__}: the parser is built")
    assert tables.load() is not None


def test_loaded_parser_reads_every_answer_as_the_built_one():
    loaded = tables.load()
    if loaded is None:
        pytest.skip("the shipped tables do not fit this lark: the parser is built")
    built = tables.build()
    answers = _answers()
    assert len(answers) > 200
    for text in answers:
        assert _read(loaded, text) == _read(built, text), text


@pytest.mark.parametrize("damage", ["grammar", "lark", "options", "json", "tables", "missing"])
def test_tables_that_do_not_fit_are_not_used(tmp_path, damage):
    doc = tables.document(tables.build())
    path = tmp_path / "lalr_tables.json"
    if damage == "grammar":
        doc["grammar_sha256"] = "0" * 64
    elif damage == "lark":
        doc["lark"] = "0.0.0"
    elif damage == "options":
        doc["options"] = {**doc["options"], "propagate_positions": False}
    elif damage == "tables":
        doc["tables"] = {"data": {}, "memo": {}}
    if damage != "missing":
        path.write_text("{" if damage == "json" else json.dumps(doc), encoding="utf-8")
    assert tables.load(path) is None
    fresh = tmp_path / "fresh.json"
    tables.write(fresh)
    assert tables.load(fresh) is not None
