"""Numbered equations of a report: line breaking, numbering, references, and the builder that holds them.

All maths comes from the printers (``symrnn.printing.latex``, ``symrnn.printing.naming``); this
module only lays equations out and keeps track of which are shown, so that a reference can only
point at an equation the reader has already seen.
"""

from __future__ import annotations

import re
from dataclasses import replace

from ..core import ir
from ..core.derive import Derivation
from ..core.labels import Equation
from ..core.references import citation
from ..printing.latex import SUM, LatexPrinter, condition_latex
from ..printing.texescape import TeX
from ..printing.texescape import label as label_key
from .document import EquationBlock, Run, Section, ref
from .facts import Facts, facts
from .trust import Trust, equation_status

SPLIT_AT = 48
"""A right-hand side sum wider than this (in :func:`visible_width` units) is set one term per line."""

SMALL_AT = 70
"""A display whose widest line is wider than this (in :func:`visible_width` units) is set small: the gated
cells' closed forms and a stacked layer's fit the text width with their number beside them."""

SCALAR = LatexPrinter()
"""The shared printer (scalar products print plainly in it)."""


def visible_width(tex: str) -> int:
    """A rough width of printed maths: a fraction counts its wider part, a command one symbol."""
    while True:
        frac = re.search(r"\\frac\{([^{}]*(?:\{[^{}]*\}[^{}]*)*)\}\{([^{}]*(?:\{[^{}]*\}[^{}]*)*)\}", tex)
        if frac is None:
            break
        a, b = frac.group(1), frac.group(2)
        tex = tex[: frac.start()] + (a if visible_width(a) >= visible_width(b) else b) + tex[frac.end():]
    tex = re.sub(r"\\(?:left|right|mathbf|mathit|mathrm|operatorname|top|quad|qquad|,)", "", tex)
    tex = re.sub(r"\\[A-Za-z]+", "x", tex)
    return len(re.sub(r"[{}_^\s]", "", tex))


def number_latex(value: float, digits: int = 8) -> str:
    """A number as the worked example prints it: 8 significant digits, negatives in parentheses."""
    text = f"{float(value):.{digits}g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        text = rf"{mantissa} \times 10^{{{int(exponent)}}}"
    return text


class Numbering:
    """Equation numbers in order of appearance (Markdown needs them; LaTeX numbers itself)."""

    def __init__(self) -> None:
        self.numbers: dict[str, int] = {}

    def next(self, key: str) -> int:
        if key in self.numbers:
            raise ValueError(f"equation label {key!r} appears twice in the report")
        self.numbers[key] = len(self.numbers) + 1
        return self.numbers[key]


def rhs_lines(lhs: str, rhs: ir.Expr, printer: LatexPrinter) -> tuple[str, ...]:
    """``lhs = rhs`` on one line, or one term a line when the sum is wide."""
    whole = printer.doprint(rhs)
    if not isinstance(rhs, ir.Add) or visible_width(whole) <= SPLIT_AT:
        return (f"{lhs} = {whole}",)
    lines = [f"{lhs} &= {printer.doprint(rhs.terms[0])}"]
    for term in rhs.terms[1:]:
        if isinstance(term, ir.Neg):
            lines.append(rf"&\quad - {printer.wrap(term.x, SUM + 1)}")
        else:
            lines.append(rf"&\quad + {printer.doprint(term)}")
    return tuple(lines)


class Builder:
    """The state of one report while it is built: its derivation and facts, what was verified,
    the equations shown so far, and whether it is a handout (no verification lines)."""

    def __init__(self, derivation: Derivation, trust: Trust, handout: bool = False):
        self.d = derivation
        self.spec = derivation.spec
        self.trust = trust
        self.handout = handout
        self.facts: Facts = facts(derivation)
        self.numbering = Numbering()
        self.included: dict[str, Equation] = {}

    def key(self, label: str) -> TeX:
        return TeX(label_key(label))

    def status(self, eq: Equation) -> str:
        return "" if self.handout else equation_status(self.trust, eq)

    def equation(self, eq: Equation, printer: LatexPrinter | None = None) -> EquationBlock:
        printer = printer or SCALAR
        lines = rhs_lines(printer.doprint(eq.lhs), eq.rhs, printer)
        cond = condition_latex(eq.bounds)
        key = self.key(eq.label)
        self.included[eq.label] = eq
        small = max(visible_width(x) for x in lines) > SMALL_AT
        if small and len(lines) == 1:  # aligned, so the condition can take a line of its own
            lines = (lines[0].replace(" = ", " &= ", 1),)
        return replace(
            EquationBlock(eq.label, key, tuple(TeX(x) for x in lines), TeX(f"({cond})") if cond else None,
                          self.status(eq), citation(self.spec, eq) or ""),
            number=self.numbering.next(key), small=small,
        )

    def ref(self, label: str) -> Run:
        if label not in self.included:
            raise KeyError(f"the report refers to equation {label!r} before showing it")
        return ref(self.key(label))

    def has(self, label: str) -> bool:
        return label in self.included


def section(title: str, key: str, blocks: list) -> Section:
    return Section(title, tuple(blocks), key)


__all__ = ["SCALAR", "SPLIT_AT", "Builder", "Numbering", "number_latex", "rhs_lines", "section", "visible_width"]
