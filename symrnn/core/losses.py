"""The registry of losses: every form of each one, in one place.

A :class:`LossKind` is what symrnn knows about one per-example loss ``l(o, y)``:

* ``gradient(loss)``: ``dl/do`` as a matrix expression, the loss's rule of the formula sheet;
* ``element(o, y, axis)``: its SymPy value from entry matrices (element-level proofs);
* ``numeric(arith, o, y, axis, softmax)``: its value on arrays of any number type;
* ``latex`` / ``plain``: how ``l`` is printed, ``code``: the generated module's helper that
  computes it; ``words`` names it in prose;
* ``rational``: whether its value at rationals is rational (exact arithmetic is possible),
  ``min_outputs``: the smallest output size it makes sense for.

Adding a loss is one entry here plus its test: the spec, rules, evaluators, printers and
generated code read this table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import sympy

from ..i18n import N_
from . import ir
from .errors import UnknownName


@dataclass(frozen=True)
class LossKind:
    name: str
    words: str
    gradient: Callable[[ir.Loss], ir.Expr]
    element: Callable[[sympy.Matrix, sympy.Matrix, Callable], sympy.Expr]
    numeric: Callable
    latex: Callable[[ir.Loss, str, str], str]
    plain: Callable[[ir.Loss, str, str], str]
    code: str
    rational: bool
    min_outputs: int = 1


# --------------------------------------------------------------------------- half the squared error


def _half_sq_gradient(e: ir.Loss) -> ir.Expr:
    # the seed writes E = 1/2 (target - out)^2, so its derivative reads -(target - out)
    return ir.neg(ir.sub(e.target, e.pred)) if e.seed_form else ir.sub(e.pred, e.target)


def _half_sq_latex(e: ir.Loss, pred: str, target: str) -> str:
    if e.seed_form:
        return f"\\frac{{1}}{{2}} \\left({target} - {pred}\\right)^{{2}}"
    if e.pred.shape == (1, 1):
        return f"\\frac{{1}}{{2}} \\left({pred} - {target}\\right)^{{2}}"
    return f"\\frac{{1}}{{2}} \\left\\lVert {pred} - {target} \\right\\rVert^{{2}}"


def _half_sq_numeric(arith, pred, target, axis, softmax):
    d = pred - target
    half = arith.number(Fraction(1, 2))
    return arith.full((1, 1), 0) + half * np.sum(d * d)


HALF_SQ = LossKind(
    "half_sq", N_("half the squared error"),
    gradient=_half_sq_gradient,
    element=lambda pred, target, softmax: sum((p - y) ** 2 for p, y in zip(pred, target)) / 2,
    numeric=_half_sq_numeric,
    latex=_half_sq_latex,
    plain=lambda e, pred, target: f"1/2 * ({target} - {pred})^2" if e.seed_form else f"1/2 * ||{pred} - {target}||^2",
    code="_half_sq", rational=True,
)


# --------------------------------------------------------------------------- softmax cross-entropy


def _ce_gradient(e: ir.Loss) -> ir.Expr:
    # -y^T log softmax(o) = -y^T o + (1^T y) logsumexp(o): exact for any targets, not only
    # distributions (soft labels, label smoothing, unnormalised weights)
    return ir.sub(ir.Softmax(e.pred, e.axis, e.target), e.target)


def _ce_numeric(arith, pred, target, axis, softmax):
    p = softmax(pred, axis, arith)
    return arith.full((1, 1), 0) - np.sum(target * arith.map(arith.log, p))


SOFTMAX_CE = LossKind(
    "softmax_ce", N_("softmax cross-entropy"),
    gradient=_ce_gradient,
    element=lambda pred, target, softmax: -sum(y * sympy.log(s) for s, y in zip(softmax(pred), target)),
    numeric=_ce_numeric,
    latex=lambda e, pred, target: (f"-\\mathbf{{1}}^{{\\top}} \\left({target} \\odot \\log "
                                   f"\\operatorname{{softmax}}\\left({pred}\\right)\\right) \\mathbf{{1}}"),
    plain=lambda e, pred, target: f"cross_entropy(softmax({pred}), {target})",
    code="_softmax_ce", rational=False, min_outputs=2,
)


LOSSES: dict[str, LossKind] = {k.name: k for k in (HALF_SQ, SOFTMAX_CE)}
NAMES: tuple[str, ...] = tuple(LOSSES)
"""Loss names, the choices of a spec's ``loss`` field."""


def loss_kind(name: str) -> LossKind:
    try:
        return LOSSES[name]
    except KeyError:
        raise UnknownName(f"unknown loss {name!r}; known: {', '.join(LOSSES)}") from None
