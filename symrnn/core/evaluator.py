"""The evaluator: the value of an ir expression at a point, for every number type.

One function per ir class (:data:`OPS`, a test checks every class has one) walks the expression;
the numbers are an :class:`~symrnn.core.arithmetic.Arithmetic` (float64, exact, 50-digit or SymPy)
and the leaves come from a :class:`Scope`. Generic expressions in ``t`` and ``T`` (``TimeSum``,
``TimeProduct`` and ``MatPow`` over concrete bounds) are evaluated at the bound indices.

Adjoints of a state beyond the horizon (``dL/dh_{T+1}``) are zero, the usual convention of BPTT;
a quantity outside its time range (``x_0``) raises :class:`EvaluationError`.
"""

from __future__ import annotations

import time as _clock
from collections.abc import Callable
from fractions import Fraction
from typing import Protocol

import numpy as np
import sympy

from . import ir
from .arithmetic import Arithmetic, EvaluationError
from .errors import LimitError
from .losses import loss_kind

Key = tuple  # (name, layer, time)


def key_of(var: ir.Var, time: int | None) -> Key:
    return (var.name, var.layer, time)


class Scope(Protocol):
    """Where an evaluation reads its leaves: the values and adjoints of one point.

    Keys are ``(name, layer, time)`` with an integer (or ``None``) time. :class:`symrnn.core.
    evaluate.Instance` is the scope of a drawn point of a derivation; the element level and the
    exams give their own.
    """

    arithmetic: Arithmetic
    T: int | None

    def value(self, key: Key) -> np.ndarray | None: ...

    def adjoint(self, key: Key) -> np.ndarray | None: ...

    def zero_beyond_horizon(self, name: str, layer: int | None) -> bool:
        """Is ``dL/d name_t`` zero for ``t > T`` (a state), rather than undefined (an output)?"""
        ...


class _Ctx:
    __slots__ = ("T", "adjoints", "arith", "count", "deadline", "scope")

    def __init__(self, scope: Scope, adjoints, deadline):
        self.scope = scope
        self.adjoints = adjoints
        self.arith = scope.arithmetic
        self.T = scope.T
        self.deadline = deadline
        self.count = 0


_LINEAR: dict = {}


def _linear(expr) -> tuple | None:
    """``expr`` as ``(const, ((symbol, coeff), ...))`` when it is affine with integer coefficients."""
    found = _LINEAR.get(expr)
    if found is None:
        e = sympy.expand(sympy.sympify(expr))
        coeffs = e.as_coefficients_dict()
        ok = all(c.is_Integer for c in coeffs.values()) and all(s == 1 or s.is_Symbol for s in coeffs)
        found = (int(coeffs.get(sympy.Integer(1), 0)), tuple((s, int(c)) for s, c in coeffs.items() if s != 1)) if ok else False
        if len(_LINEAR) > 100000:
            _LINEAR.clear()
        _LINEAR[expr] = found
    return found or None


def integer_index(expr, T: int, bindings: dict) -> int:
    """A time index or exponent as an int, at ``T`` and the bound indices."""
    if isinstance(expr, int):
        return expr
    lin = _linear(expr)
    if lin is not None:
        total = lin[0]
        for sym, coeff in lin[1]:
            if sym == ir.T_SYM and T is not None:
                total += coeff * T
            elif sym in bindings:
                total += coeff * bindings[sym]
            else:
                raise EvaluationError(f"index {expr} is not a whole number here (free index: {sym})")
        return total
    value = sympy.sympify(expr).subs({**({ir.T_SYM: T} if T is not None else {}), **bindings})
    if not value.is_Integer:
        raise EvaluationError(f"index {expr} is not a whole number here (free index: {sorted(map(str, value.free_symbols))})")
    return int(value)


def _scalar_of(expr, T: int | None, bindings: dict, arith: Arithmetic):
    value = sympy.sympify(expr).subs({**({ir.T_SYM: T} if T is not None else {}), **bindings})
    if not value.is_Rational:
        raise EvaluationError(f"the factor {expr} is not a number here")
    return arith.number(Fraction(int(value.p), int(value.q)))


MAX_POWER = 1000
"""Largest matrix power evaluated."""


def evaluate(expr: ir.Expr, scope: Scope, adjoints: dict | None = None, bindings: dict | None = None,
             deadline: float | None = None) -> np.ndarray:
    """The value of ``expr`` at the point ``scope`` (a 2-D array), with bound time indices ``bindings``.

    ``adjoints`` replaces the scope's adjoints (mutated sweeps); ``deadline`` is a
    ``time.monotonic()`` bound after which :class:`LimitError` is raised (default: the scope's).
    """
    ctx = _Ctx(scope, adjoints, deadline if deadline is not None else getattr(scope, "deadline", None))
    with scope.arithmetic.context():
        return _ev(expr, ctx, dict(bindings or {}))


def _tick(ctx: _Ctx, every: int = 64) -> None:
    ctx.count += 1
    if ctx.deadline is not None and ctx.count % every == 0 and _clock.monotonic() > ctx.deadline:
        raise LimitError("evaluation took longer than the time limit")


def _ev(expr: ir.Expr, ctx: _Ctx, b: dict) -> np.ndarray:
    _tick(ctx)
    fn = OPS.get(type(expr))
    if fn is None:
        raise EvaluationError(f"cannot evaluate {type(expr).__name__}")
    return fn(expr, ctx, b)


def _time(var: ir.Var, ctx: _Ctx, b: dict):
    return None if var.time is None else integer_index(var.time, ctx.T, b)


def _var(e: ir.Var, ctx, b):
    t = _time(e, ctx, b)
    value = ctx.scope.value(key_of(e, t))
    if value is None:
        raise EvaluationError(f"{_show(e.name, e.layer, t)} is not defined for T = {ctx.T}")
    return value


def _adjoint(e: ir.Adjoint, ctx, b):
    var = e.of
    t = _time(var, ctx, b)
    key = key_of(var, t)
    found = ctx.scope.adjoint(key) if ctx.adjoints is None else ctx.adjoints.get(key)
    if found is not None:
        return found
    if t is not None and ctx.T is not None and t > ctx.T and ctx.scope.zero_beyond_horizon(var.name, var.layer):
        return ctx.arith.full(var.shape, 0)
    raise EvaluationError(f"dL/d{_show(var.name, var.layer, t)} is not defined for T = {ctx.T}")


def _show(name, layer, t) -> str:
    text = name if layer is None else f"{name}^({layer})"
    return text if t is None else f"{text}_{t}"


def _const(e: ir.Const, ctx, b):
    if e.identity:
        return ctx.arith.eye(e.rows)
    return ctx.arith.full(e.shape, e.value)


def _matmul(e, ctx, b):
    return _ev(e.left, ctx, b) @ _ev(e.right, ctx, b)


def _add(e, ctx, b):
    out = _ev(e.terms[0], ctx, b)
    for term in e.terms[1:]:
        out = out + _ev(term, ctx, b)
    return out


def _neg(e, ctx, b):
    return -_ev(e.x, ctx, b)


def _scale(e, ctx, b):
    return _scalar_of(e.factor, ctx.T, b, ctx.arith) * _ev(e.x, ctx, b)


def _transpose(e, ctx, b):
    return _ev(e.x, ctx, b).T


def _hadamard(e, ctx, b):
    return _ev(e.left, ctx, b) * _ev(e.right, ctx, b)


def _one_minus(e, ctx, b):
    x = _ev(e.x, ctx, b)
    return ctx.arith.full(x.shape, 1) - x


def _apply(e, ctx, b):
    x = _ev(e.x, ctx, b)
    return ctx.arith.map(ctx.arith.activation(e.fn), x)


def _deriv_apply(e, ctx, b):
    x = _ev(e.x, ctx, b)
    return ctx.arith.map(ctx.arith.activation(e.fn, derivative=True), x)


def softmax_array(x, axis: str, arith: Arithmetic):
    return arith.softmax(x, axis)


def _softmax(e, ctx, b):
    soft = softmax_array(_ev(e.x, ctx, b), e.axis, ctx.arith)
    if e.mass is None:
        return soft
    return soft * np.sum(_ev(e.mass, ctx, b), axis=0 if e.axis == "column" else 1, keepdims=True)


def _broadcast(e, ctx, b):
    x = _ev(e.x, ctx, b)
    return np.repeat(x, e.nrows, axis=0)


def _sum_rows(e, ctx, b):
    return np.sum(_ev(e.x, ctx, b), axis=0, keepdims=True)


def _diag(e, ctx, b):
    x = _ev(e.x, ctx, b)
    out = ctx.arith.full((x.shape[0], x.shape[0]), 0)
    for i in range(x.shape[0]):
        out[i, i] = x[i, 0]
    return out


def _matpow(e, ctx, b):
    k = integer_index(e.exponent, ctx.T, b)
    if abs(k) > MAX_POWER:
        raise LimitError(f"matrix power {k} is above the limit of {MAX_POWER}")
    x = _ev(e.x, ctx, b)
    if k < 0:
        x = ctx.arith.inverse(x)
    out = ctx.arith.eye(x.shape[0])
    for _ in range(abs(k)):
        _tick(ctx, 1)
        out = out @ x
    return out


def _loss(e, ctx, b):
    return loss_kind(e.kind).numeric(ctx.arith, _ev(e.pred, ctx, b), _ev(e.target, ctx, b), e.axis, softmax_array)


def _time_range(e, ctx, b) -> range:
    lo = integer_index(e.lo, ctx.T, b)
    hi = integer_index(e.hi, ctx.T, b)
    if hi - lo > 10 * max(ctx.T or 1, 1) + 10:
        raise LimitError(f"a sum or product over {hi - lo + 1} steps is above the limit")
    return range(lo, hi + 1)


def _time_sum(e: ir.TimeSum, ctx, b):
    out = ctx.arith.full(e.shape, 0)
    for n in _time_range(e, ctx, b):
        out = out + _ev(e.body, ctx, {**b, e.index: n})
    return out


def _time_product(e: ir.TimeProduct, ctx, b):
    out = ctx.arith.eye(e.rows) if e.rows == e.cols else None
    for n in _time_range(e, ctx, b):
        value = _ev(e.body, ctx, {**b, e.index: n})
        out = value if out is None else out @ value
    if out is None:
        raise EvaluationError("an empty product of non-square matrices")
    return out


def _time_hadamard(e: ir.TimeHadamard, ctx, b):
    out = ctx.arith.full(e.shape, 1)
    for n in _time_range(e, ctx, b):
        out = out * _ev(e.body, ctx, {**b, e.index: n})
    return out


def _derivative(e, ctx, b):
    raise EvaluationError(f"the Jacobian d{e.of.name}/d{e.wrt.name} is not evaluated numerically; write it out "
                          "as a product of local Jacobians (w_hh^(T-1))")


OPS: dict[type, Callable] = {
    ir.Var: _var,
    ir.Adjoint: _adjoint,
    ir.Const: _const,
    ir.MatMul: _matmul,
    ir.Add: _add,
    ir.Neg: _neg,
    ir.Scale: _scale,
    ir.Transpose: _transpose,
    ir.Hadamard: _hadamard,
    ir.OneMinus: _one_minus,
    ir.Apply: _apply,
    ir.DerivApply: _deriv_apply,
    ir.Softmax: _softmax,
    ir.Broadcast: _broadcast,
    ir.SumRows: _sum_rows,
    ir.Diag: _diag,
    ir.MatPow: _matpow,
    ir.Loss: _loss,
    ir.TimeSum: _time_sum,
    ir.TimeProduct: _time_product,
    ir.TimeHadamard: _time_hadamard,
    ir.Derivative: _derivative,
}
"""The evaluator: one function per ir class (a test checks every class has one)."""
