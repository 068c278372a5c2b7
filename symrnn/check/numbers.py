"""Answers that are plain numbers (``0.082167041``, ``0.74136507 \\cdot 0.186815602``).

A number is checked on the spec's worked example (``[example]``), to the decimals it gives: an
answer with ``d`` decimals is right when it is within ``n * 10^-d`` of the exact value (``n``
decimal numbers typed, so a product of rounded factors passes); whole numbers and fractions must
be exact. It is echoed as typed (``0.082167041``, not a fraction).
"""

from __future__ import annotations

import re
from fractions import Fraction

import numpy as np
import sympy

from ..core import evaluate as numeric
from ..core import ir
from .counterexample import build, to_list

_DECIMAL = re.compile(r"(?<![A-Za-z_0-9.])[0-9]+\.([0-9]+)")


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
    """The number as a decimal when the answer is one number typed with decimals, else ``""``."""
    value = _value(expr) if is_number(expr) else None
    if value is None or not value.is_Rational or T_in(value):
        return ""
    decimals = [len(m.group(1)) for m in _DECIMAL.finditer(text)]
    if not decimals:
        return ""
    digits = max(decimals)
    q = Fraction(int(value.p), int(value.q))
    scaled = q * 10**digits
    if scaled.denominator != 1:
        return ""
    sign = "-" if q < 0 else ""
    n = abs(scaled.numerator)
    whole, frac = divmod(n, 10**digits)
    return f"{sign}{whole}.{frac:0{digits}d}"


def T_in(value) -> bool:
    return ir.T_SYM in sympy.sympify(value).free_symbols


def tolerance(text: str):
    decimals = [len(m.group(1)) for m in _DECIMAL.finditer(text)]
    if not decimals:
        return None
    return Fraction(len(decimals), 10 ** min(decimals))


def judge(prob, expr: ir.Expr, text: str, verdict):
    """Compare a number with the quantity on the worked example."""
    setting = prob.settings["worked"]
    verdict.checks.append(f"{setting.name} ({setting.sizes})")
    got = numeric.evaluate(expr, setting.instance)
    truth = setting.truth
    if got.shape != truth.shape:
        verdict.status = "wrong"
        verdict.message = f"a number, but the quantity is {truth.shape[0]}x{truth.shape[1]}"
        return verdict
    tol = tolerance(text)
    with numeric.precision(setting.instance.arithmetic):
        diff = abs(float(got[0, 0]) - float(truth[0, 0])) if tol is not None else None
        ok = diff <= float(tol) if tol is not None else bool(np.all(_equal(got, truth, setting)))
    if ok:
        verdict.status, verdict.score = "correct", 1.0
        verdict.feedback = "Correct" + (f" to the {min(len(m.group(1)) for m in _DECIMAL.finditer(text))} decimals given." if tol is not None else ".")
        return verdict
    verdict.status = "wrong"
    verdict.message = "the number differs from the worked example's value" + (f" by more than {float(tol):g}" if tol is not None else "")
    verdict.counterexample = build(prob, setting, expr, got, "")
    verdict.counterexample.expected = [[float(v) for v in row] for row in to_list(truth)]
    verdict.feedback = "Not correct: compare with the worked example's values."
    return verdict


def _equal(got, truth, setting):
    from .evaluate import close

    return close(got, truth, setting.instance.arithmetic.name)
