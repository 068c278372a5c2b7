"""Decimal commas (``--decimal-comma``): Argentina writes 0,05.

A setting of the rendering, not of the results: computed values, the exam keys' numbers, the
Moodle answers, JSON and generated Python code stay floats written with a point; what a reader
sees (report and exam sheets, ``derive``'s text and LaTeX, Moodle question texts and feedback)
has its decimal numbers written with a comma. In maths the comma is braced (``0{,}05``), so
neither LaTeX nor MathJax puts a space after it. The option is the same on ``exam``, ``report``
and ``derive``: off by default, so a course picks it once for all its handouts.

What is a decimal number: digits, one point, digits, with no further point on either side, so
``9.7.15`` and ``symrnn 0.1.0`` are left alone, and not after ``D2L`` or ``Learning`` (``D2L 9.7``,
``D2L 10.1``: a section). A list of numbers of which one has a decimal comma is separated by
semicolons (``ρ = 0,5; 0,9``; with commas it would read as four numbers or as two), and so is,
in maths, any item after a decimal (``i_1 = 0{,}05;\\ i_2 = 0{,}1``).

Moodle accepts both forms with no setting: its numerical answer processor (``apply_units`` of
``qtype_numerical_answer_processor``, also used by cloze NUMERICAL fields) reads a response with a
single comma and no point as a decimal comma, and one with a point as a decimal point.
"""

from __future__ import annotations

import contextlib
import contextvars
import re

_comma: contextvars.ContextVar[bool] = contextvars.ContextVar("symrnn_decimal_comma", default=False)
_SECTION = r"(?<!D2L )(?<!Learning )"
_NUMBER = re.compile(_SECTION + r"(?<![\d.])(\d+)\.(\d+)(?![\d.])")
_ITEM = r"[-−]?\d+(?:\.\d+)?(?![\d.])"
_AFTER = re.compile(_SECTION + r"(?<![\d.])(\d+\.\d+)(?![\d.]),")
_LIST = re.compile(_SECTION + r"(?<![\d.])" + _ITEM + r"(?:, " + _ITEM + r")+")


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


def _lists(value: str, separator: str = "; ") -> str:
    """``0.5, 0.9`` -> ``0.5; 0.9`` where an item is a decimal (integers only: unchanged)."""
    return _LIST.sub(lambda m: m.group(0).replace(", ", separator) if _NUMBER.search(m.group(0)) else m.group(0), value)


def text(value: str) -> str:
    """Free text with its decimal numbers written with a comma (when active)."""
    return _NUMBER.sub(r"\1,\2", _lists(value)) if _comma.get() else value


def math(value: str) -> str:
    """TeX maths with its decimal numbers written with a braced comma (when active); in maths a
    comma right after a decimal always separates items (``i_1 = 0.05,\\ i_2``), so it becomes ``;``."""
    if not _comma.get():
        return value
    return _NUMBER.sub(r"\1{,}\2", _AFTER.sub(r"\1;", _lists(value, ";\\ ")))


def mixed(value: str) -> str:
    """Text with ``$...$`` maths (a figure's caption, label or legend): each part as what it is."""
    if not _comma.get():
        return value
    parts = value.split("$")
    return "$".join(math(p) if i % 2 else text(p) for i, p in enumerate(parts))


__all__ = ["active", "decimal_comma", "math", "mixed", "text"]
