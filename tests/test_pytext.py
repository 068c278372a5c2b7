"""Spec text enters generated Python only as escaped literals (symrnn.printing.pytext)."""

from __future__ import annotations

import ast

import pytest

from symrnn.printing.pytext import docstring_text, python_string

HOSTILE = [
    'x"""\nimport os; os.system("touch marker")\n"""',
    "'''", "\\", 'end\\', '\\N{BULLET}', "\x00", "a\rb", "a\x0cb", "a\u2028b\u2029c", "a\x85b", "tab\there",
    "é ☃ 😀", '"; import os #', "\\x41", '\\"""',
]


@pytest.mark.parametrize("text", HOSTILE)
def test_string_literal_round_trips_and_is_one_printable_line(text):
    literal = python_string(text)
    assert ast.literal_eval(literal) == text
    assert literal.isascii() and literal.isprintable()


@pytest.mark.parametrize("text", HOSTILE)
def test_docstring_text_cannot_close_the_docstring(text):
    source = f'"""Head {docstring_text(text)} tail."""\nVALUE = 1\n'
    tree = ast.parse(source)
    assert [type(s) for s in tree.body] == [ast.Expr, ast.Assign]
    assert ast.get_docstring(tree, clean=False) == f"Head {text} tail."
