"""Decimal commas (``--decimal-comma``): Argentina writes 0,05.

A setting of the rendering, not of the problems: the drawn values, the keys' numbers and the Moodle
answers stay floats written with a point; what a reader sees (LaTeX sheets and keys, Moodle
question texts and feedback) has its decimal numbers written with a comma. In maths the comma is
braced (``0{,}05``), so neither LaTeX nor MathJax puts a space after it. A point between two digits
is a decimal point only in a number with one point: ``D2L 9.7.15`` is a section, never touched.

Moodle accepts both forms with no setting: its numerical answer processor (``apply_units`` of
``qtype_numerical_answer_processor``, also used by cloze NUMERICAL fields) reads a response with a
single comma and no point as a decimal comma, and one with a point as a decimal point. So the
answers in the XML keep their point (Moodle's storage form) and a student may type 0,05 or 0.05.
"""

from __future__ import annotations

import contextlib
import contextvars
import re

_comma: contextvars.ContextVar[bool] = contextvars.ContextVar("symrnn_decimal_comma", default=False)
_NUMBER = re.compile(r"(?<![\d.])(\d+)\.(\d+)(?![\d.])")


def active() -> bool:
    return _comma.get()


@contextlib.contextmanager
def decimal_comma(on: bool = True):
    """Render with decimal commas inside this block (when ``on``)."""
    token = _comma.set(bool(on))
    try:
        yield
    finally:
        _comma.reset(token)


def text(value: str) -> str:
    """Free text with its decimal numbers written with a comma (when active)."""
    return _NUMBER.sub(r"\1,\2", value) if _comma.get() else value


def math(value: str) -> str:
    """TeX maths with its decimal numbers written with a braced comma (when active)."""
    return _NUMBER.sub(r"\1{,}\2", value) if _comma.get() else value


__all__ = ["active", "decimal_comma", "math", "text"]
