"""Points of a derivation: drawn parameters and leaves, forward values, true adjoints, gradients.

An :class:`Instance` is one draw of every parameter and leaf (inputs, targets, initial states)
of a derivation unrolled over ``T`` steps, with the forward value of every node and the true
adjoint ``dL/dv`` of every node, computed from the concrete equations of the derivation. It is
the :class:`~symrnn.core.evaluator.Scope` of :func:`evaluate`, which gives the value of any ir
expression on it, including generic expressions in ``t`` and ``T``.

The numbers are one of the arithmetics of :mod:`symrnn.core.arithmetic`: ``float`` (NumPy
float64, any size), ``exact`` (``Fraction``, for graphs with only rational operations) or ``mp``
(``mpmath`` at 50 significant digits, for tanh, sigmoid and softmax).

Values are keyed by ``(name, layer, time)`` with an integer (or ``None``) time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from . import ir
from .activations import activation, rational
from .arithmetic import ARITHMETICS, EXACT, FLOAT, MP, MP_DIGITS, Arithmetic, EvaluationError, precision
from .derive import Derivation, derive
from .errors import LimitError
from .evaluator import OPS, Key, Scope, evaluate, integer_index, key_of, softmax_array
from .finite_diff import central_differences
from .labels import Equation, param_key
from .losses import loss_kind


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

    # the evaluator's Scope
    def value(self, key: Key) -> np.ndarray | None:
        return self.values.get(key)

    def adjoint(self, key: Key) -> np.ndarray | None:
        return self.adjoints.get(key)

    def zero_beyond_horizon(self, name: str, layer: int | None) -> bool:
        return (name, layer) in recurrent_templates(self.derivation)

    def gradients(self) -> dict[str, np.ndarray]:
        """The true gradient of every parameter (from the concrete gradient equations)."""
        out = {}
        for eq in self.derivation.gradients:
            out[eq.node] = evaluate(eq.rhs, self)
        return out


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
            t = None if a.of.time is None else integer_index(a.of.time, inst.T, b)
            keys.add(key_of(a.of, t))
        found = cache[ck] = frozenset(keys)
    return found


def _pick(eqs: list[Equation], n: int | None, T: int) -> Equation:
    for eq in eqs:
        if n is None or eq.bounds is None:
            if n is None:
                return eq
            continue
        lo = integer_index(eq.bounds[0], T, {})
        hi = integer_index(eq.bounds[1], T, {})
        if lo <= n <= hi:
            return eq
    raise EvaluationError(f"no generic adjoint equation covers step {n}")


# --------------------------------------------------------------------------- evaluation


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



def as_float(x: np.ndarray) -> np.ndarray:
    """Any arithmetic's array as float64."""
    x = np.asarray(x)
    return np.array(np.vectorize(float, otypes=[float])(x), dtype=float) if x.dtype == object else np.asarray(x, dtype=float)


def loss_value(inst: Instance) -> float:
    return float(as_float(inst.values[key_of(inst.derivation.graph.loss, None)])[0, 0])


def finite_difference_gradients(derivation: Derivation, values: dict[Key, np.ndarray], eps: float = 1e-6) -> dict[str, np.ndarray]:
    """Central differences of the loss in float64: an oracle independent of the adjoints."""
    params = {param_key(p): key_of(p, None) for p in derivation.graph.params}
    base = {kk: np.array(v, dtype=float) for kk, v in values.items()}

    def loss(moved: dict) -> float:
        inst = Instance(derivation, FLOAT, -1)
        inst.values.update(base)
        inst.values.update({params[name]: value for name, value in moved.items()})
        forward(inst)
        return loss_value(inst)

    return central_differences(loss, {name: base[key] for name, key in params.items()}, eps=eps, order=2)


def leaf_values(inst: Instance) -> dict[Key, np.ndarray]:
    """The drawn parameters and leaves of ``inst`` (not the nodes)."""
    graph = inst.derivation.graph
    keys = [key_of(p, None) for p in graph.params] + [key_of(v, None if v.time is None else int(v.time)) for v in graph.leaves]
    return {k: inst.values[k] for k in keys}


__all__ = [
    "ARITHMETICS",
    "EXACT",
    "FLOAT",
    "MP",
    "MP_DIGITS",
    "OPS",
    "Arithmetic",
    "EvaluationError",
    "Instance",
    "LimitError",
    "Scope",
    "as_float",
    "derive",
    "evaluate",
    "finite_difference_gradients",
    "generic_sweep",
    "instance_from_values",
    "key_of",
    "leaf_values",
    "make_instance",
    "precision",
    "rational_ok",
    "softmax_array",
]
