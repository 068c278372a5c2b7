"""Answers that are plain numbers (``0.082167041``, ``0.74136507 \\cdot 0.186815602``).

A number is checked on the spec's worked example (``[example]``), to the decimals it gives: each
typed decimal may be off by one unit in its last place, and the answer is right when it is that
close to the exact value, the allowance carried through the arithmetic typed (a product of
rounded factors passes; ``0.1 \\cdot 0.1`` is not ``0.08``). Whole numbers and fractions must be exact. It is echoed as typed (``0.082167041``, not a fraction).
"""

from __future__ import annotations

import re
from fractions import Fraction

import numpy as np
import sympy

from ..core import evaluate as numeric
from ..core import ir
from ..i18n import _, current
from .counterexample import build, to_list
from .words import setting_word

_DECIMAL = re.compile(r"(?<![A-Za-z_0-9.])[0-9]+\.([0-9]+)")

DECIMAL_COMMA = frozenset({"es"})
"""The languages whose answers may write a decimal comma (``0,082`` for ``0.082``)."""

_DECIMAL_COMMA = re.compile(r"(?<![A-Za-z_0-9.,])([0-9]+),([0-9]+)(?![0-9.,])")


def decimal_points(text: str) -> str:
    """``text`` with each decimal comma (``0,082``: digits, a comma, digits, no space) written as
    a point, when the current language writes decimal commas; else ``text`` unchanged.

    The grammar's own commas stay: those of a subscript's index list (``h_{1,2}``: inside braces
    after ``_`` or ``^``) and any comma next to a space (``\textrm{prod}(2, 3)``); a comma between
    a name and a digit (``x_1,2``) is not a decimal either. The text keeps its length, so a
    column in an error message points where it did."""
    if current() not in DECIMAL_COMMA or "," not in text:
        return text
    scripts: list[bool] = []  # per open brace: whether it opens a subscript or a superscript
    in_script = []
    for i, ch in enumerate(text):
        if ch == "{":
            scripts.append(i > 0 and text[i - 1] in "_^")
        elif ch == "}" and scripts:
            scripts.pop()
        in_script.append(any(scripts))
    chars = list(text)
    for match in _DECIMAL_COMMA.finditer(text):
        comma = match.start(2) - 1
        if not in_script[comma]:
            chars[comma] = "."
    return "".join(chars)


def is_number(expr: ir.Expr) -> bool:
    """True when ``expr`` reads no quantity of the network (only numbers and constants)."""
    return not any(isinstance(node, (ir.Var, ir.Adjoint)) for node in ir.walk(expr)) and expr.shape == (1, 1)


def _value(expr: ir.Expr):
    if isinstance(expr, ir.Scale) and ir.is_one_scalar(expr.x):
        return sympy.sympify(expr.factor)
    if ir.is_one_scalar(expr):
        return sympy.Integer(1)
    return None


def echo(expr: ir.Expr, text: str, latex: bool) -> str:
    """A number answer as the exact decimal it is (``0.082167041``; a product of typed decimals
    in full), when it has one of at most ``MAX_ECHO_DIGITS`` digits; else ``""`` (the printers')."""
    value = _value(expr) if is_number(expr) else None
    if value is None or not value.is_Rational or T_in(value) or not _DECIMAL.search(text):
        return ""
    q = Fraction(int(value.p), int(value.q))
    den, digits = q.denominator, 0
    while den % 10 == 0 or den % 2 == 0 or den % 5 == 0:
        den //= 2 if den % 2 == 0 else 5
        digits += 1
        if digits > MAX_ECHO_DIGITS:
            return ""
    if den != 1:
        return ""
    sign = "-" if q < 0 else ""
    whole, frac = divmod(abs(q.numerator) * 10**digits // q.denominator, 10**digits)
    return f"{sign}{whole}" + (f".{frac:0{digits}d}".rstrip("0") if digits else "")


MAX_ECHO_DIGITS = 60


def T_in(value) -> bool:
    return ir.T_SYM in sympy.sympify(value).free_symbols


def tolerance(text: str, table, shape) -> Fraction | None:
    """How far from the exact value the typed numbers allow the answer to be: each decimal with
    ``d`` decimals may be off by ``10^-d`` in its last place, carried to the result to first
    order (each number moved by that much in turn, the changes added). None: no decimals."""
    from .shapes import read

    spans = [(m.start(), m.end(), m.group(0)) for m in _DECIMAL.finditer(text)]
    if not spans:
        return None
    base = _exact(read(text, table, shape))
    total = Fraction(0)
    for start, end, literal in spans[:MAX_LITERALS]:
        step = Fraction(1, 10 ** len(literal.split(".")[1]))
        moved = _decimal(Fraction(literal) + step, len(literal.split(".")[1]))
        total += abs(_exact(read(text[:start] + moved + text[end:], table, shape)) - base)
    return total


MAX_LITERALS = 32
"""Most typed decimals an answer's tolerance is carried through (one re-reading each)."""


def _exact(expr: ir.Expr) -> Fraction:
    value = _value(expr)
    return Fraction(int(value.p), int(value.q))


def _decimal(q: Fraction, digits: int) -> str:
    whole, frac = divmod(q.numerator * 10**digits // q.denominator, 10**digits)
    return f"{whole}.{frac:0{digits}d}"


def judge(prob, expr: ir.Expr, text: str, verdict):
    """Compare a number with the quantity on the worked example."""
    setting = prob.settings["worked"]
    verdict.checks.append(f"{setting_word(setting.name)} ({setting.sizes})")
    got = numeric.evaluate(expr, setting.instance)
    truth = setting.truth
    if got.shape != truth.shape:
        verdict.status = "wrong"
        verdict.message = _("a number, but the quantity is {shape}").format(shape=f"{truth.shape[0]}x{truth.shape[1]}")
        return verdict
    tol = tolerance(text, setting.table, truth.shape)
    if _near(got, truth, tol, setting):
        verdict.status, verdict.score = "correct", 1.0
        verdict.feedback = _("Correct to the precision of the numbers typed.") if tol is not None else _("Correct.")
        return verdict
    verdict.status = "wrong"
    verdict.message = (_("the number differs from the worked example's value by more than {tolerance}").format(tolerance=f"{float(tol):g}")
                       if tol is not None else _("the number differs from the worked example's value"))
    verdict.counterexample = build(prob, setting, expr, got, "")
    verdict.counterexample.expected = [[float(v) for v in row] for row in to_list(truth)]
    _diagnose(prob, setting, got, tol, verdict)
    if not verdict.mistakes:
        verdict.feedback = _("Not correct: compare with the worked example's values.")
    return verdict


def _near(got, truth, tol, setting) -> bool:
    with numeric.precision(setting.instance.arithmetic):
        if tol is None:
            return bool(np.all(_equal(got, truth, setting)))
        return abs(float(got[0, 0]) - float(truth[0, 0])) <= float(tol)


def _diagnose(prob, setting, got, tol, verdict) -> None:
    """The known mistakes whose value on the worked example the number equals (to its precision)."""
    from .diagnose import mutant_table, mutant_value, report_matches

    labels = {eq.label: eq for eq in setting.instance.derivation.generic_adjoints}
    matches = []
    for mv in mutant_table(prob):
        try:
            value, _adjoints = mutant_value(mv.mutant, setting, labels)
        except (numeric.EvaluationError, ValueError, ArithmeticError, KeyError):
            continue
        if value.shape == got.shape and _near(got, value, tol, setting):
            matches.append(mv)
    report_matches(matches, verdict)


def _equal(got, truth, setting):
    from .evaluate import close

    return close(got, truth, setting.instance.arithmetic.name)
