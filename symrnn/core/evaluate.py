"""Evaluate ir expressions on a concrete derivation: forward values, true adjoints, gradients.

An :class:`Instance` is one draw of every parameter and leaf (inputs, targets, initial states)
of a derivation unrolled over ``T`` steps, with the forward value of every node and the true
adjoint ``dL/dv`` of every node, computed from the concrete equations of the derivation.
:func:`evaluate` then gives the value of any ir expression on the instance, including generic
expressions in ``t`` and ``T`` (``TimeSum``, ``TimeProduct`` and ``MatPow`` over concrete bounds).

Three arithmetics share one evaluator (a table keyed by ir class):

* ``float``: NumPy float64, at any size;
* ``exact``: Python ``Fraction`` entries (object arrays), for graphs with only rational
  operations (identity activations, squared error): equality is exact;
* ``mp``: ``mpmath`` numbers at 50 significant digits, for tanh, sigmoid and softmax.

Values are keyed by ``(name, layer, time)`` with an integer (or ``None``) time. Adjoints of a
quantity beyond the horizon (``dL/dh_{T+1}``) are zero, the usual convention of BPTT; a
quantity outside its time range (``x_0``) raises :class:`EvaluationError`.
"""

from __future__ import annotations

import contextlib
import time as _clock
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction

import mpmath
import numpy as np
import sympy

from . import ir
from .activations import activation, rational
from .derive import Derivation, derive
from .errors import LimitError, SymrnnError, UnknownName
from .labels import Equation, param_key
from .losses import loss_kind

Key = tuple  # (name, layer, time)


class EvaluationError(SymrnnError):
    """An expression cannot be evaluated on an instance (an index out of range, a bad power)."""


MP_DIGITS = 50


# --------------------------------------------------------------------------- arithmetics


@dataclass(frozen=True)
class Arithmetic:
    """How numbers are made and how elementwise functions act, for one kind of number."""

    name: str
    number: Callable  # Fraction -> element
    numbers: str  # the activations' evaluators for this kind: "float64", "exact" or "mp"
    exp: Callable
    log: Callable

    def activation(self, name: str, derivative: bool = False) -> Callable:
        """``f`` (or ``f'``) of a registered activation, on this kind of number."""
        try:
            return activation(name).evaluators(self.numbers)[1 if derivative else 0]
        except UnknownName as err:
            raise EvaluationError(str(err)) from None

    def array(self, rows: int, cols: int, entries) -> np.ndarray:
        if self.name == "float":
            return np.array([[float(e) for e in entries[r * cols:(r + 1) * cols]] for r in range(rows)], dtype=float)
        out = np.empty((rows, cols), dtype=object)
        for r in range(rows):
            for c in range(cols):
                out[r, c] = self.number(entries[r * cols + c])
        return out

    def full(self, shape, value) -> np.ndarray:
        if self.name == "float":
            return np.full(shape, float(value))
        out = np.empty(shape, dtype=object)
        for idx in np.ndindex(*shape):
            out[idx] = self.number(Fraction(value))
        return out

    def eye(self, n: int) -> np.ndarray:
        out = self.full((n, n), 0)
        for i in range(n):
            out[i, i] = self.number(Fraction(1))
        return out

    def map(self, fn, x: np.ndarray) -> np.ndarray:
        if self.name == "float":
            return fn(x)
        out = np.empty(x.shape, dtype=object)
        for idx in np.ndindex(*x.shape):
            out[idx] = fn(x[idx])
        return out


def _no_exact(name):
    def fail(_x):
        raise EvaluationError(f"{name} has no exact rational value; use the 'mp' arithmetic")

    return fail


FLOAT = Arithmetic("float", float, "float64", np.exp, np.log)

EXACT = Arithmetic("exact", Fraction, "exact", _no_exact("exp"), _no_exact("log"))


def _mp(value):
    if isinstance(value, Fraction):
        return mpmath.mpf(value.numerator) / value.denominator
    return mpmath.mpf(value)


MP = Arithmetic("mp", _mp, "mp", mpmath.exp, mpmath.log)

ARITHMETICS = {a.name: a for a in (FLOAT, EXACT, MP)}



def rational_ok(exprs) -> bool:
    """True when every op in ``exprs`` has an exact rational value (no tanh, sigmoid, softmax)."""
    for expr in exprs:
        for node in ir.walk(expr):
            if isinstance(node, (ir.Apply, ir.DerivApply)) and not rational(node.fn):
                return False
            if isinstance(node, ir.Softmax) or (isinstance(node, ir.Loss) and not loss_kind(node.kind).rational):
                return False
    return True


# --------------------------------------------------------------------------- instances


@dataclass
class Instance:
    """One draw of a derivation's parameters and leaves, with forward values and true adjoints."""

    derivation: Derivation
    arithmetic: Arithmetic
    seed: int
    values: dict = field(default_factory=dict)  # key -> array (params, leaves, nodes)
    adjoints: dict = field(default_factory=dict)  # key -> array (true dL/dv of every node)
    deadline: float | None = None

    @property
    def T(self) -> int:
        return self.derivation.steps

    def gradients(self) -> dict[str, np.ndarray]:
        """The true gradient of every parameter (from the concrete gradient equations)."""
        out = {}
        for eq in self.derivation.gradients:
            out[eq.node] = evaluate(eq.rhs, self)
        return out


def key_of(var: ir.Var, time: int | None) -> Key:
    return (var.name, var.layer, time)


def _draw_entries(rng: np.random.Generator, n: int, lo: int, hi: int, denom: int) -> list[Fraction]:
    """Nonzero rationals k/denom with lo <= |k| <= hi, random signs."""
    mags = rng.integers(lo, hi + 1, size=n)
    signs = rng.choice([-1, 1], size=n)
    return [Fraction(int(s * m), denom) for s, m in zip(signs, mags)]


def draw_leaves(derivation: Derivation, seed: int, scale: int = 1) -> dict[Key, tuple[tuple[int, int], list[Fraction]]]:
    """Rational values for every parameter and leaf: non-symmetric, nonzero, moderate.

    Parameters are drawn in ``±[4, 28]/64`` (divided by ``scale`` on a redraw), inputs and
    targets in ``±[8, 56]/64``, initial states in ``±[4, 24]/64``.
    """
    rng = np.random.default_rng(seed)
    graph = derivation.graph
    out = {}
    for var in graph.params:
        n = var.rows * var.cols
        out[key_of(var, None)] = (var.shape, _draw_entries(rng, n, 4, 28, 64 * scale))
    for var in graph.leaves:
        n = var.rows * var.cols
        lo, hi = (4, 24) if var.role == "state" else (8, 56)
        t = None if var.time is None else int(var.time)
        out[key_of(var, t)] = (var.shape, _draw_entries(rng, n, lo, hi, 64))
    return out


def _saturated(inst: Instance) -> bool:
    for node in inst.derivation.graph.nodes:
        if isinstance(node.expr, ir.Apply) and activation(node.expr.fn).saturates:
            arg = evaluate(node.expr.x, inst)
            if np.max(np.abs(np.asarray(arg, dtype=float))) > 2.0:
                return True
    return False


def precision(arith: Arithmetic):
    """The context every ``mp`` computation runs in: 50 significant digits (a no-op otherwise).

    mpmath numbers round to the precision of the context they are computed in, so every
    operation on ``mp`` values (drawing, forward, adjoints, evaluation, comparison) is wrapped.
    """
    if arith.name == "mp":
        return mpmath.workdps(MP_DIGITS)
    return contextlib.nullcontext()


def make_instance(derivation: Derivation, seed: int = 0, arithmetic: str | Arithmetic = "float", deadline: float | None = None) -> Instance:
    """Draw an instance of ``derivation`` (redrawing smaller weights if an activation saturates)."""
    arith = ARITHMETICS[arithmetic] if isinstance(arithmetic, str) else arithmetic
    with precision(arith):
        return _make_instance(derivation, seed, arith, deadline)


def _make_instance(derivation: Derivation, seed: int, arith: Arithmetic, deadline: float | None) -> Instance:
    for scale in (1, 2, 4, 8):
        leaves = draw_leaves(derivation, seed, scale)
        inst = Instance(derivation, arith, seed, deadline=deadline)
        for key, (shape, entries) in leaves.items():
            inst.values[key] = arith.array(shape[0], shape[1], entries)
        forward(inst)
        if not _saturated(inst):
            break
    backward(inst)
    return inst


def instance_from_values(derivation: Derivation, values: dict[Key, np.ndarray], arithmetic: str = "float") -> Instance:
    """An instance from given parameter and leaf values (keys ``(name, layer, time)``)."""
    inst = Instance(derivation, ARITHMETICS[arithmetic], -1)
    inst.values.update(values)
    with precision(inst.arithmetic):
        forward(inst)
        backward(inst)
    return inst


def forward(inst: Instance) -> None:
    """Forward value of every node, in the graph's order."""
    for node in inst.derivation.graph.nodes:
        t = None if node.var.time is None else int(node.var.time)
        inst.values[key_of(node.var, t)] = evaluate(node.expr, inst)


def backward(inst: Instance) -> None:
    """True adjoint of every node, from the concrete adjoint equations (last node first)."""
    graph = inst.derivation.graph
    inst.adjoints[key_of(graph.loss, None)] = inst.arithmetic.full((1, 1), 1)
    for eq in inst.derivation.adjoints:
        var = eq.lhs.of
        t = None if var.time is None else int(var.time)
        inst.adjoints[key_of(var, t)] = evaluate(eq.rhs, inst)


def generic_sweep(inst: Instance, generic_adjoints, changed: frozenset | set | None = None) -> dict[Key, np.ndarray]:
    with precision(inst.arithmetic):
        return _generic_sweep(inst, generic_adjoints, changed)


def _generic_sweep(inst: Instance, generic_adjoints, changed: frozenset | set | None = None) -> dict[Key, np.ndarray]:
    """Adjoints of every node computed from (possibly mutated) generic adjoint equations.

    For each concrete node, last first, the generic equation of its template whose bounds
    contain its time is instantiated at that time. With the derivation's own generic
    equations this reproduces :attr:`Instance.adjoints` (a test checks it).

    ``changed``: labels of the equations that differ from the derivation's; when given, a node
    whose equation is unchanged and whose inputs are unchanged keeps its true adjoint (fast).
    """
    graph = inst.derivation.graph
    T = inst.T
    by_template: dict[tuple, list[Equation]] = {}
    for eq in generic_adjoints:
        var = eq.lhs.of
        by_template.setdefault((var.name, var.layer), []).append(eq)
    adj: dict[Key, np.ndarray] = {key_of(graph.loss, None): inst.arithmetic.full((1, 1), 1)}
    dirty: set = set()
    for node in reversed(graph.nodes):
        var = node.var
        if var == graph.loss:
            continue
        n = None if var.time is None else int(var.time)
        key = key_of(var, n)
        eq = _pick(by_template.get((var.name, var.layer), []), n, T)
        bindings = {} if n is None else {ir.t_SYM: n}
        if changed is not None and eq.label not in changed:
            inputs = _adjoint_inputs(inst, eq, n)
            if not (inputs & dirty):
                adj[key] = inst.adjoints[key]
                continue
        adj[key] = evaluate(eq.rhs, inst, adjoints=adj, bindings=bindings)
        dirty.add(key)
    return adj


def _adjoint_inputs(inst: Instance, eq: Equation, n: int | None) -> frozenset:
    """Keys of the adjoints ``eq`` reads when instantiated at step ``n`` (cached per instance)."""
    cache = inst.__dict__.setdefault("_inputs", {})
    ck = (eq.label, n)
    found = cache.get(ck)
    if found is None:
        b = {} if n is None else {ir.t_SYM: n}
        keys = set()
        for a in ir.adjoints(eq.rhs):
            t = None if a.of.time is None else _int_of(a.of.time, inst.T, b)
            keys.add(key_of(a.of, t))
        found = cache[ck] = frozenset(keys)
    return found


def _pick(eqs: list[Equation], n: int | None, T: int) -> Equation:
    for eq in eqs:
        if n is None or eq.bounds is None:
            if n is None:
                return eq
            continue
        lo = _int_of(eq.bounds[0], T, {})
        hi = _int_of(eq.bounds[1], T, {})
        if lo <= n <= hi:
            return eq
    raise EvaluationError(f"no generic adjoint equation covers step {n}")


# --------------------------------------------------------------------------- evaluation


class _Ctx:
    __slots__ = ("T", "adjoints", "arith", "count", "deadline", "inst")

    def __init__(self, inst: Instance, adjoints, deadline):
        self.inst = inst
        self.adjoints = inst.adjoints if adjoints is None else adjoints
        self.arith = inst.arithmetic
        self.T = inst.T
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


def _int_of(expr, T: int, bindings: dict) -> int:
    """A time index or exponent as an int, at ``T`` and the bound indices."""
    if isinstance(expr, int):
        return expr
    lin = _linear(expr)
    if lin is not None:
        total = lin[0]
        for sym, coeff in lin[1]:
            if sym == ir.T_SYM:
                total += coeff * T
            elif sym in bindings:
                total += coeff * bindings[sym]
            else:
                raise EvaluationError(f"index {expr} is not a whole number here (free index: {sym})")
        return total
    value = sympy.sympify(expr).subs({ir.T_SYM: T, **bindings})
    if not value.is_Integer:
        raise EvaluationError(f"index {expr} is not a whole number here (free index: {sorted(map(str, value.free_symbols))})")
    return int(value)


def _scalar_of(expr, T: int, bindings: dict, arith: Arithmetic):
    value = sympy.sympify(expr).subs({ir.T_SYM: T, **bindings})
    if not value.is_Rational:
        raise EvaluationError(f"the factor {expr} is not a number here")
    frac = Fraction(int(value.p), int(value.q))
    return float(frac) if arith.name == "float" else arith.number(frac)


MAX_POWER = 1000
"""Largest matrix power evaluated."""


def evaluate(expr: ir.Expr, inst: Instance, adjoints: dict | None = None, bindings: dict | None = None, deadline: float | None = None) -> np.ndarray:
    """The value of ``expr`` on ``inst`` (a 2-D array), with bound time indices ``bindings``.

    ``adjoints`` replaces the instance's true adjoints (mutated sweeps); ``deadline`` is a
    ``time.monotonic()`` bound after which :class:`LimitError` is raised.
    """
    ctx = _Ctx(inst, adjoints, deadline if deadline is not None else inst.deadline)
    with precision(inst.arithmetic):
        return _ev(expr, ctx, dict(bindings or {}))


def _tick(ctx: _Ctx, every: int = 64) -> None:
    ctx.count += 1
    if ctx.deadline is not None and ctx.count % every == 0 and _clock.monotonic() > ctx.deadline:
        raise LimitError("evaluation took longer than the time limit")


def _ev(expr: ir.Expr, ctx: _Ctx, b: dict) -> np.ndarray:
    _tick(ctx)
    fn = _OPS.get(type(expr))
    if fn is None:
        raise EvaluationError(f"cannot evaluate {type(expr).__name__}")
    return fn(expr, ctx, b)


def _time(var: ir.Var, ctx: _Ctx, b: dict):
    return None if var.time is None else _int_of(var.time, ctx.T, b)


def _var(e: ir.Var, ctx, b):
    t = _time(e, ctx, b)
    try:
        return ctx.inst.values[key_of(e, t)]
    except KeyError:
        raise EvaluationError(f"{_show(e.name, e.layer, t)} is not defined for T = {ctx.T}") from None


def _adjoint(e: ir.Adjoint, ctx, b):
    var = e.of
    t = _time(var, ctx, b)
    key = key_of(var, t)
    if key in ctx.adjoints:
        return ctx.adjoints[key]
    if t is not None and t > ctx.T and (var.name, var.layer) in recurrent_templates(ctx.inst.derivation):
        return ctx.arith.full(var.shape, 0)
    raise EvaluationError(f"dL/d{_show(var.name, var.layer, t)} is not defined for T = {ctx.T}")


def recurrent_templates(derivation: Derivation) -> frozenset:
    """Quantities whose adjoint is zero beyond the horizon (``dL/dh_{T+1} = 0``): the states
    (a leaf at time 0) and every quantity a generic adjoint equation reads at a later step.
    An output beyond the horizon (``dL/do_{T+1}``) does not exist and is refused."""
    found = derivation.__dict__.get("_recurrent_templates")
    if found is None:
        names = {(v.name, v.layer) for v in derivation.graph.leaves if v.role == "state"}
        for eq in derivation.generic_adjoints:
            lhs_time = eq.lhs.of.time
            for a in ir.adjoints(eq.rhs):
                if lhs_time is not None and a.of.time is not None and (a.of.time - lhs_time).is_positive:
                    names.add((a.of.name, a.of.layer))
        found = frozenset(names)
        object.__setattr__(derivation, "_recurrent_templates", found)
    return found


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
    ax = 0 if axis == "column" else 1
    if arith.name == "float":
        z = np.exp(x - np.max(x, axis=ax, keepdims=True))
        return z / np.sum(z, axis=ax, keepdims=True)
    z = arith.map(arith.exp, x)
    return z / np.sum(z, axis=ax, keepdims=True)


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
    k = _int_of(e.exponent, ctx.T, b)
    if abs(k) > MAX_POWER:
        raise LimitError(f"matrix power {k} is above the limit of {MAX_POWER}")
    x = _ev(e.x, ctx, b)
    if k < 0:
        x = _inverse(x, ctx.arith)
    out = ctx.arith.eye(x.shape[0])
    for _ in range(abs(k)):
        _tick(ctx, 1)
        out = out @ x
    return out


def _inverse(x: np.ndarray, arith: Arithmetic) -> np.ndarray:
    """The inverse of a square matrix (a negative power), in the instance's arithmetic."""
    try:
        if arith.name == "float":
            if abs(np.linalg.det(x)) < 1e-12:
                raise np.linalg.LinAlgError
            return np.linalg.inv(x)
        if arith.name == "exact":
            inv = sympy.Matrix(x.shape[0], x.shape[1], [sympy.Rational(v.numerator, v.denominator) for v in x.flat]).inv()
            return arith.array(x.shape[0], x.shape[1], [Fraction(int(v.p), int(v.q)) for v in inv])
        inv = mpmath.matrix(x.tolist()) ** -1
        return arith.array(x.shape[0], x.shape[1], [inv[i, j] for i in range(x.shape[0]) for j in range(x.shape[1])])
    except (np.linalg.LinAlgError, ValueError, ZeroDivisionError) as err:  # sympy: NonInvertibleMatrixError is a ValueError
        raise EvaluationError("a negative power of a singular matrix") from err


def _loss(e, ctx, b):
    return loss_kind(e.kind).numeric(ctx.arith, _ev(e.pred, ctx, b), _ev(e.target, ctx, b), e.axis, softmax_array)


def _time_range(e, ctx, b) -> range:
    lo = _int_of(e.lo, ctx.T, b)
    hi = _int_of(e.hi, ctx.T, b)
    if hi - lo > 10 * max(ctx.T, 1) + 10:
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


def _derivative(e, ctx, b):
    raise EvaluationError(f"the Jacobian d{e.of.name}/d{e.wrt.name} is not evaluated numerically; write it out "
                          "as a product of local Jacobians (w_hh^(T-1))")


_OPS: dict[type, Callable] = {
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
    ir.Derivative: _derivative,
}
"""The evaluator: one function per ir class (a test checks every class has one)."""


def as_float(x: np.ndarray) -> np.ndarray:
    """Any arithmetic's array as float64."""
    return np.array(np.vectorize(float, otypes=[float])(x), dtype=float) if x.dtype == object else np.asarray(x, dtype=float)


def loss_value(inst: Instance) -> float:
    return float(as_float(inst.values[key_of(inst.derivation.graph.loss, None)])[0, 0])


def finite_difference_gradients(derivation: Derivation, values: dict[Key, np.ndarray], eps: float = 1e-6) -> dict[str, np.ndarray]:
    """Central differences of the loss in float64: an oracle independent of the adjoints."""
    out = {}
    for p in derivation.graph.params:
        k = key_of(p, None)
        grad = np.zeros(p.shape)
        for idx in np.ndindex(*p.shape):
            vals = []
            for sign in (1, -1):
                moved = {kk: np.array(v, dtype=float) for kk, v in values.items()}
                moved[k][idx] += sign * eps
                inst = Instance(derivation, FLOAT, -1)
                inst.values.update(moved)
                forward(inst)
                vals.append(loss_value(inst))
            grad[idx] = (vals[0] - vals[1]) / (2 * eps)
        out[param_key(p)] = grad
    return out


def leaf_values(inst: Instance) -> dict[Key, np.ndarray]:
    """The drawn parameters and leaves of ``inst`` (not the nodes)."""
    graph = inst.derivation.graph
    keys = [key_of(p, None) for p in graph.params] + [key_of(v, None if v.time is None else int(v.time)) for v in graph.leaves]
    return {k: inst.values[k] for k in keys}


__all__ = [
    "ARITHMETICS",
    "Arithmetic",
    "EvaluationError",
    "Instance",
    "LimitError",
    "as_float",
    "derive",
    "evaluate",
    "finite_difference_gradients",
    "generic_sweep",
    "instance_from_values",
    "leaf_values",
    "make_instance",
    "rational_ok",
]
