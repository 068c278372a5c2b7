"""Closed forms in row notation: a batch's gated state unrolled into elementwise products over time.

A batch in row notation (D2L's) carries the LSTM's memory cell and the GRU's hidden state through
an elementwise recurrence, read off the derived equations:

    dL/dC_t = dL/dC_{t+1} ⊙ F_{t+1} + r_t   (t < T),    dL/dC_T = r_T,

where the gate ``F`` (the update gate ``Z`` for the GRU) and the remainder ``r`` are whatever the
derivation printed. Unrolling it gives

    dL/dC_t = sum_{k=t}^{T} r_k ⊙ ⨀_{j=t+1}^{k} F_j,

the column notation's ``prod diag(F_j)`` written for rows: each example (row) and each unit
(column) has its own product of gate values. The term algebra here treats ``⊙`` as commutative
and distributes it over sums; everything that is not an elementwise product (a matrix product,
``1 - x``, an activation) is an atom compared by its structure. :func:`hcanonical` compares the
closed form with the recurrence substituted into itself for a given T; :mod:`induction` proves it
for every T.
"""

from __future__ import annotations

import sympy

from . import ir
from .labels import Equation, Label

HTerm = tuple[sympy.Expr, tuple[ir.Expr, ...]]

K = ir.INDEX_SYMBOLS["k"]
J_INDEX = ir.INDEX_SYMBOLS["j"]


def is_ones(expr: ir.Expr) -> bool:
    return isinstance(expr, ir.Const) and expr.value == 1 and not expr.identity


def hexpand(expr: ir.Expr) -> list[HTerm]:
    """Distribute elementwise products over sums: a list of ``(coefficient, factors)``."""
    if isinstance(expr, ir.Add):
        return [term for part in expr.terms for term in hexpand(part)]
    if isinstance(expr, ir.Neg):
        return [(-c, f) for c, f in hexpand(expr.x)]
    if isinstance(expr, ir.Scale):
        return [(expr.factor * c, f) for c, f in hexpand(expr.x)]
    if isinstance(expr, ir.Hadamard):
        return [(c1 * c2, f1 + f2) for c1, f1 in hexpand(expr.left) for c2, f2 in hexpand(expr.right)]
    if ir.is_zero(expr):
        return []
    if is_ones(expr):
        return [(sympy.Integer(1), ())]
    return [(sympy.Integer(1), (expr,))]


def _order(keys) -> tuple:
    """The factors of an elementwise product in one order (``⊙`` commutes)."""
    return tuple(sorted(keys, key=repr))


def hcanonical(expr: ir.Expr) -> dict[tuple, sympy.Expr]:
    """The expanded terms of ``expr`` keyed by their factors' structures, with summed coefficients."""
    out: dict[tuple, sympy.Expr] = {}
    for coeff, factors in hexpand(expr):
        key = _order(ir.structural_key(f) for f in factors)
        out[key] = out.get(key, 0) + coeff
    return {k: v for k, v in out.items() if v != 0}


def hadamard_all(coeff: sympy.Expr, factors: tuple[ir.Expr, ...], shape) -> ir.Expr:
    out: ir.Expr = ir.ones(shape)
    for f in factors:
        out = ir.hadamard(out, f)
    return ir.scale(coeff, out) if coeff != 1 else out


def split_elementwise(rhs: ir.Expr, next_adjoint: ir.Adjoint) -> tuple[ir.Expr, ir.Expr]:
    """``rhs = next_adjoint ⊙ g + r``: the gate factor ``g`` and the remainder ``r`` (as printed)."""
    terms = rhs.terms if isinstance(rhs, ir.Add) else (rhs,)
    carrying = [x for x in terms if next_adjoint in ir.walk(x)]
    if len(carrying) != 1:
        raise AssertionError("the recurrence is not one elementwise term in the next adjoint")
    expanded = hexpand(carrying[0])
    if len(expanded) != 1 or expanded[0][1].count(next_adjoint) != 1:
        raise AssertionError("the next adjoint is not an elementwise factor of its term")
    coeff, factors = expanded[0]
    gate = hadamard_all(coeff, tuple(f for f in factors if f != next_adjoint), next_adjoint.shape)
    rest = [x for x in terms if x is not carrying[0]]
    return gate, (ir.add(*rest) if rest else ir.zeros(next_adjoint.shape))


def row_closed_forms(layer: int | None, quantity: str, read) -> list:
    """The closed form of a gated state's adjoint in row notation, from its recurrence ``read``
    (``(rhs, boundary, next)`` of :func:`closed_forms.layer_recurrence`)."""
    t, T = ir.t_SYM, ir.T_SYM
    rhs, tail_T, nxt = read
    gate, rest = split_elementwise(rhs, nxt)
    gate_j = ir.retime(gate, {t: J_INDEX - 1})

    def propagator(upper) -> ir.Expr:
        return ir.TimeHadamard(J_INDEX, t + 1, upper, gate_j)

    rest_k = ir.retime(rest, {t: K})
    if ir.is_zero(rest):
        closed = ir.hadamard(tail_T, propagator(T))
    elif hcanonical(ir.retime(rest, {t: T})) == hcanonical(tail_T):
        closed = ir.TimeSum(K, t, T, ir.hadamard(rest_k, propagator(K)))
    else:
        closed = ir.add(ir.TimeSum(K, t, T - 1, ir.hadamard(rest_k, propagator(K))), ir.hadamard(tail_T, propagator(T)))
    lhs = ir.Adjoint(ir.Var(quantity, nxt.shape, time=t, layer=layer))
    label = Label.closed(quantity, case="t", layer=layer)
    return [Equation(label, lhs, closed, "closed-form", "generic", quantity, ("elementwise product of gates",),
                     (sympy.Integer(1), T))]


def instantiate_product(expr: ir.TimeHadamard, lo: int, hi: int, at) -> ir.Expr:
    """``⨀_{j=lo}^{hi} body`` written out as explicit elementwise products (``at(body, j)`` instantiates)."""
    out: ir.Expr = ir.ones(expr.shape)
    for j in range(lo, hi + 1):
        out = ir.hadamard(out, at(j))
    return out
