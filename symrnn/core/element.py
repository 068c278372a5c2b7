"""Element level: matrix expressions evaluated entry by entry with SymPy.

:func:`evaluate` turns an ir expression into an explicit ``sympy.Matrix`` given explicit matrices
for its variables and adjoints: exact with rational inputs, high-precision floats where a
transcendental function meets a ``Float``. :func:`symbol_matrix` gives a matrix of scalar symbols
for a variable (``h_3[0,1]``), the building block of the element-level graph of ``prove.py``.

Dispatch is a table keyed by the op's class (:data:`EVALUATORS`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import sympy

from . import ir
from .activations import activation, scalar_derivative
from .errors import SymrnnError
from .losses import loss_kind

Env = Mapping[ir.Expr, sympy.Matrix]


def symbol_matrix(var: ir.Var, prefix: str = "") -> sympy.Matrix:
    """A matrix of real scalar symbols named after the variable's entries."""
    from .labels import node_key

    base = prefix + node_key(var)
    rows, cols = var.shape
    return sympy.Matrix(rows, cols, lambda i, j: sympy.Symbol(f"{base}[{i},{j}]", real=True))


class _Evaluator:
    def __init__(self, env: Env, times: Mapping[sympy.Symbol, int]):
        self.env = env
        self.times = dict(times)

    def __call__(self, expr: ir.Expr) -> sympy.Matrix:
        try:
            fn = EVALUATORS[type(expr)]
        except KeyError:
            raise SymrnnError(f"no element-level evaluator for {type(expr).__name__}") from None
        return fn(self, expr)

    def leaf(self, expr: ir.Expr) -> sympy.Matrix:
        key = expr
        if self.times:
            if isinstance(expr, ir.Var):
                key = ir.shift_time(expr, self.times)
            elif isinstance(expr, ir.Adjoint):
                key = ir.Adjoint(ir.shift_time(expr.of, self.times))
        try:
            return self.env[key]
        except KeyError:
            var = key.of if isinstance(key, ir.Adjoint) else key
            where = "" if var.time is None else f" at t = {var.time}"
            what = "the adjoint of " if isinstance(key, ir.Adjoint) else ""
            raise SymrnnError(f"no value for {what}{var.name}{where}") from None

    def integer(self, value) -> int:
        value = ir.as_sym(value).subs(self.times)
        if not value.is_Integer:
            raise SymrnnError(f"time expression {value} is not concrete; give values for {value.free_symbols}")
        return int(value)


def _softmax(m: sympy.Matrix, axis: str, mass: sympy.Matrix | None = None) -> sympy.Matrix:
    """Softmax of each column (or row); times that column's (row's) total of ``mass`` if given."""
    out = sympy.zeros(*m.shape)
    if axis == "column":
        for j in range(m.cols):
            exps = [sympy.exp(m[i, j]) for i in range(m.rows)]
            total = sum(exps)
            factor = 1 if mass is None else sum(mass.col(j))
            for i in range(m.rows):
                out[i, j] = exps[i] / total * factor
    else:
        for i in range(m.rows):
            exps = [sympy.exp(m[i, j]) for j in range(m.cols)]
            total = sum(exps)
            factor = 1 if mass is None else sum(mass.row(i))
            for j in range(m.cols):
                out[i, j] = exps[j] / total * factor
    return out


def _loss(ev: _Evaluator, e: ir.Loss) -> sympy.Matrix:
    pred, target = ev(e.pred), ev(e.target)
    return sympy.Matrix([[loss_kind(e.kind).element(pred, target, lambda m: _softmax(m, e.axis))]])


def _time_sum(ev: _Evaluator, e: ir.TimeSum) -> sympy.Matrix:
    lo, hi = ev.integer(e.lo), ev.integer(e.hi)
    total = sympy.zeros(*e.shape)
    for k in range(lo, hi + 1):
        total += _Evaluator(ev.env, {**ev.times, e.index: k})(e.body)
    return total


def _time_product(ev: _Evaluator, e: ir.TimeProduct) -> sympy.Matrix:
    lo, hi = ev.integer(e.lo), ev.integer(e.hi)
    total = sympy.eye(e.shape[0])
    for k in range(lo, hi + 1):
        total = total * _Evaluator(ev.env, {**ev.times, e.index: k})(e.body)
    return total


def _const(ev, e: ir.Const) -> sympy.Matrix:
    if e.identity:
        return sympy.eye(e.rows)
    return sympy.Matrix(e.rows, e.cols, lambda i, j: e.value)


EVALUATORS: dict[type, Callable[[_Evaluator, ir.Expr], sympy.Matrix]] = {
    ir.Var: _Evaluator.leaf,
    ir.Adjoint: _Evaluator.leaf,
    ir.Const: _const,
    ir.MatMul: lambda ev, e: ev(e.left) * ev(e.right),
    ir.Add: lambda ev, e: sum((ev(t) for t in e.terms[1:]), ev(e.terms[0])),
    ir.Neg: lambda ev, e: -ev(e.x),
    ir.Scale: lambda ev, e: ir.as_sym(e.factor).subs(ev.times) * ev(e.x),
    ir.Transpose: lambda ev, e: ev(e.x).T,
    ir.Hadamard: lambda ev, e: ev(e.left).multiply_elementwise(ev(e.right)),
    ir.OneMinus: lambda ev, e: ev(e.x).applyfunc(lambda v: 1 - v),
    ir.Apply: lambda ev, e: ev(e.x).applyfunc(activation(e.fn).scalar),
    ir.DerivApply: lambda ev, e: ev(e.x).applyfunc(lambda v: scalar_derivative(e.fn, v)),
    ir.Softmax: lambda ev, e: _softmax(ev(e.x), e.axis, None if e.mass is None else ev(e.mass)),
    ir.Broadcast: lambda ev, e: sympy.ones(e.nrows, 1) * ev(e.x),
    ir.SumRows: lambda ev, e: sympy.ones(1, e.x.rows) * ev(e.x),
    ir.Diag: lambda ev, e: sympy.diag(*list(ev(e.x))),
    ir.MatPow: lambda ev, e: ev(e.x) ** ev.integer(e.exponent),
    ir.Loss: _loss,
    ir.TimeSum: _time_sum,
    ir.TimeProduct: _time_product,
}


def evaluate(expr: ir.Expr, env: Env, times: Mapping[sympy.Symbol, int] | None = None) -> sympy.Matrix:
    """The explicit matrix of ``expr``; ``times`` gives values to ``T``, ``t`` and sum indices."""
    return _Evaluator(env, times or {})(expr)
