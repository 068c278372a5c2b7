"""Whole sentences with slots: the one way report prose is written.

A sentence is a template, a whole sentence of its language, with named slots (``{steps}``) and
maths between dollar signs (``$T = {steps}$``). :func:`say` fills it and returns the runs of a
paragraph: the text outside dollars is prose, the text inside is maths. A slot in prose takes a
``str`` (prose), a :class:`~symrnn.report.document.Run` or a tuple of runs (maths, a reference);
a slot in maths takes a number or printer-made TeX. Because each template is a whole sentence,
translating a report (gettext) is a matter of translating the templates, never of reordering
words glued together in code.
"""

from __future__ import annotations

import re

from ..printing.texescape import TeX
from .document import Run

_SLOT = re.compile(r"\{([a-z_]+)(?::([^{}]*))?\}")
"""A slot: ``{name}`` or ``{name:format}``; other braces (``\\mathbf{W}``) are the maths' own."""


def _pieces(template: str, slots: dict):
    """``(literal, name, format)`` pieces of ``template``; a brace group that names no slot is literal."""
    pos = 0
    for match in _SLOT.finditer(template):
        if match.group(1) not in slots:
            continue
        yield template[pos:match.start()], match.group(1), match.group(2) or ""
        pos = match.end()
    yield template[pos:], None, ""


def _fill_math(template: str, slots: dict) -> str:
    out = []
    for literal, field, spec in _pieces(template, slots):
        out.append(literal)
        if field is None:
            continue
        value = slots[field]
        if isinstance(value, bool) or not isinstance(value, (int, float, TeX)):
            raise TypeError(f"the maths slot {field!r} takes a number or printed TeX, not {type(value).__name__}")
        out.append(format(value, spec) if isinstance(value, (int, float)) else str(value))
    return "".join(out)


def _fill_text(template: str, slots: dict) -> list[Run]:
    runs: list[Run] = []
    for literal, field, spec in _pieces(template, slots):
        if literal:
            runs.append(Run(text=literal))
        if field is None:
            continue
        value = slots[field]
        if isinstance(value, Run):
            runs.append(value)
        elif isinstance(value, tuple):
            runs.extend(value)
        elif isinstance(value, str):
            runs.append(Run(text=value))
        elif isinstance(value, int) and not isinstance(value, bool):
            runs.append(Run(text=format(value, spec)))
        else:
            raise TypeError(f"the prose slot {field!r} takes text or runs, not {type(value).__name__}")
    return runs


def say(template: str, **slots) -> tuple[Run, ...]:
    """The runs of ``template`` with its slots filled; ``$...$`` parts are maths."""
    parts = template.split("$")
    if len(parts) % 2 == 0:
        raise ValueError(f"unbalanced $ in sentence {template!r}")
    runs: list[Run] = []
    for i, part in enumerate(parts):
        if i % 2:
            runs.append(Run(math=TeX(_fill_math(part, slots))))
        elif part:
            runs.extend(_fill_text(part, slots))
    return _merge(runs)


def _merge(runs: list[Run]) -> tuple[Run, ...]:
    """Adjacent prose runs joined (a paragraph reads the same, and tests see whole sentences)."""
    out: list[Run] = []
    for run in runs:
        if out and _plain(run) and _plain(out[-1]):
            out[-1] = Run(text=out[-1].text + run.text)
        else:
            out.append(run)
    return tuple(out)


def _plain(run: Run) -> bool:
    return run.math is None and run.ref is None and not run.code


def plain_text(runs) -> str:
    """The prose of ``runs`` only (maths, references and code left out): what tests read for claims."""
    return "".join(r.text for r in runs if _plain(r))


def as_text(runs) -> str:
    """The runs as one line: maths between dollars, references as ``(ref)``; for tests and captions."""
    parts = []
    for r in runs:
        if r.math is not None:
            parts.append(f"${r.math}$")
        elif r.ref is not None:
            parts.append(f"({r.ref})")
        elif r.code:
            parts.append(r.code)
        else:
            parts.append(r.text)
    return "".join(parts)




def caption_runs(caption: str) -> tuple[Run, ...]:
    """A figure caption (text with ``$...$`` maths, as matplotlib and the JSON keep it) as runs."""
    runs: list[Run] = []
    for i, part in enumerate(caption.split("$")):
        if i % 2:
            runs.append(Run(math=TeX(part)))
        elif part:
            runs.append(Run(text=part))
    return tuple(runs)


__all__ = ["as_text", "caption_runs", "plain_text", "say"]
