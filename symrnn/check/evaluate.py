"""The instances an answer is checked on, and comparison of values.

A :class:`Problem` is one gradient of one spec (``rnn-linear``, ``W_hh``) with the instances it
is checked on, all drawn with fixed seeds (the same answer always gets the same verdict), at
``T = min(max(steps, 3), 6)`` steps:

1. ``exact``: small sizes (each at most 3: the catalogue's own), exact rational arithmetic when
   every operation is rational (identity activations, squared error), else 50-digit arithmetic:
   the symbolic check at small sizes (an identity of polynomials at a random rational point);
2. ``float``: the spec's own sizes in float64 (the same draw as ``exact`` when the sizes agree),
   and a second draw with ``T + 1`` steps (an answer correct only for one ``T`` fails here);
3. ``sizes``: float64 at non-square sizes (input 3, hidden 4, output 2, batch 5) when the spec
   allows it, so that a missing transpose cannot hide behind square matrices.

The answer is evaluated with the true adjoints as given values (``dL/dh_t`` means the true
adjoint of ``h_t``; ``dL/dh_{T+1} = 0`` for a state), so an answer may use the adjoint symbols
or expand them. Settings at other sizes read the answer again with their own symbol table.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache

import numpy as np
import sympy

from ..core import evaluate as numeric
from ..core import ir
from ..core.derive import Derivation, derive
from ..core.errors import SymrnnError, UnknownName
from ..core.spec import MLPSpec, RNNSpec, Spec
from ..core.values import example_point
from ..i18n import N_, _
from . import budget, jacobian, limits
from .symbols import SymbolTable
from .targets import Target, TargetError, read_target
from .words import Msg, msg

FLOAT_RTOL = 1e-9
MP_RTOL = 1e-30


@dataclass
class Setting:
    """One instance with its symbol table (its sizes), the target read on it, and the truth.

    ``times``: the steps a target at a generic ``t`` is checked at (empty: one value); values at
    several steps are stacked, first step on top.
    """

    name: str
    instance: numeric.Instance
    table: SymbolTable
    truth: np.ndarray
    sizes: Msg  # str() shows it in the current language
    target: Target | None = None
    times: tuple = ()
    jacobians: dict = field(default_factory=dict)
    optional: frozenset = frozenset()  # steps outside the generic equation's range (the boundary T)


@dataclass
class Problem:
    spec: Spec
    grad: str
    derivation: Derivation
    table: SymbolTable
    equation: object  # the generic gradient Equation (or the target's own, for other quantities)
    settings: dict = field(default_factory=dict)
    alt_spec: Spec | None = None
    target: Target | None = None
    _exact: dict = field(default_factory=dict)

    @property
    def shape(self) -> tuple[int, int]:
        return self.equation.lhs.shape

    @property
    def free(self) -> tuple:
        """The indices an answer may use unbound: ``t`` for a quantity at a generic step."""
        return (ir.t_SYM,) if self.target is not None and self.target.timed else ()

    def exact_setting(self, rational: bool) -> Setting:
        """The exact (or 50-digit) setting at small sizes: rational when the answer and the
        derivation allow it. At the spec's own sizes when they are small (the catalogue's)."""
        kind = "exact" if rational and numeric.rational_ok([eq.rhs for eq in self.derivation.forward] + [self.equation.rhs]) else "mp"
        if kind not in self._exact:
            small = _small_spec(self.spec)
            if small == self.spec:
                derivation, table = self.derivation, self.table
            else:
                derivation = derive(small, steps=steps_for(self.spec) if self.spec.recurrent else None)
                table = SymbolTable(derivation)
            inst = budget.instance(derivation, 11, kind)
            self._exact[kind] = make_setting(kind, inst, table, self.grad, _sizes_text(small, inst.T))
        return self._exact[kind]


def make_setting(name: str, inst: numeric.Instance, table: SymbolTable, grad: str, sizes: Msg) -> Setting:
    """A setting with ``grad`` read on its table and the truth evaluated at each of its steps."""
    target = read_target(grad, table, {eq.node: eq for eq in inst.derivation.generic_gradients})
    setting = Setting(name, inst, table, None, sizes, target)
    if target.timed:
        times = []
        for n in range(1, inst.T + 1):
            try:
                value_of(target.expr, setting, bindings={ir.t_SYM: n})
            except numeric.EvaluationError:
                continue
            times.append(n)
        if not times:
            raise TargetError(_("--grad {grad}: the quantity has no value at any step t = 1..{T}").format(grad=repr(grad), T=inst.T))
        setting.times = tuple(times)
        setting.optional = _boundary_steps(target, inst)
    try:
        setting.truth = value_of(target.expr, setting)
    except numeric.EvaluationError as err:
        raise TargetError(f"--grad {grad!r}: {err}") from None
    return setting


def _boundary_steps(target: Target, inst: numeric.Instance) -> frozenset:
    """The steps a generic adjoint's own recurrence does not cover (``t = T`` of ``adj:h:t``):
    an answer written as that recurrence may read past the horizon there (``F_{T+1}``), and is
    then not checked at that step (the power sum is checked at every step). For a Jacobian or a
    forward value: the first and the last step."""
    if target.kind != "adjoint":  # a Jacobian's chain rule may read past either end (dh_T/dh_{T+1})
        return frozenset({1, inst.T})
    var = target.expr.of
    for eq in inst.derivation.generic_adjoints:
        of = eq.lhs.of
        if (of.name, of.layer) == (var.name, var.layer) and of.time == ir.t_SYM and eq.bounds is not None:
            lo, hi = (int(sympy.sympify(b).subs(ir.T_SYM, inst.T)) for b in eq.bounds)
            return frozenset(n for n in range(1, inst.T + 1) if not lo <= n <= hi)
    return frozenset()


def value_of(expr: ir.Expr, setting: Setting, adjoints: dict | None = None, deadline: float | None = None,
             bindings: dict | None = None, fill: np.ndarray | None = None) -> np.ndarray:
    """``expr`` on a setting: the Jacobians it reads computed, stacked over the setting's steps.

    ``fill``: the value to take at a boundary step where ``expr`` cannot be evaluated (the
    quantity's own value there, so that step is not held against the answer).
    """
    if bindings is not None or not setting.times:
        inst = jacobian.with_jacobians(setting.instance, expr, setting.jacobians, (bindings or {}).get(ir.t_SYM))
        return numeric.evaluate(expr, inst, adjoints=adjoints, bindings=bindings, deadline=deadline)
    parts = []
    rows = setting.target.shape[0]
    for k, n in enumerate(setting.times):
        inst = jacobian.with_jacobians(setting.instance, expr, setting.jacobians, n)
        try:
            parts.append(numeric.evaluate(expr, inst, adjoints=adjoints, bindings={ir.t_SYM: n}, deadline=deadline))
        except numeric.EvaluationError:
            if fill is None or n not in setting.optional:
                raise
            parts.append(fill[k * rows:(k + 1) * rows])
    return np.vstack(parts)


SMALL = 3
"""Largest size of the exact setting (its arithmetic is Python fractions or 50-digit numbers)."""


def _small_spec(spec: Spec) -> Spec:
    if isinstance(spec, RNNSpec):
        return dataclasses.replace(spec, input_size=min(spec.input_size, SMALL), hidden_size=min(spec.hidden_size, SMALL),
                                   output_size=min(spec.output_size, SMALL), batch=min(spec.batch, SMALL))
    if isinstance(spec, MLPSpec) and spec.naming == "matrix":
        return dataclasses.replace(spec, sizes=tuple(min(s, SMALL) for s in spec.sizes))
    return spec


def _sizes_text(spec: Spec, T: int) -> Msg:
    """The sizes of a setting, translated when shown (the setting is cached)."""
    if isinstance(spec, RNNSpec):
        sizes = {"input": spec.input_size, "hidden": spec.hidden_size, "output": spec.output_size, "T": T}
        if spec.notation == "row":
            return msg(N_("input {input}, hidden {hidden}, output {output}, batch {batch}, T = {T}"), **sizes, batch=spec.batch)
        return msg(N_("input {input}, hidden {hidden}, output {output}, T = {T}"), **sizes)
    return msg(N_("sizes {sizes}"), sizes="-".join(str(s) for s in spec.sizes))


MAX_CHECK_STEPS = 6
"""Longest sequence a check unrolls: the equations are generic in T, and T and T + 1 are both
checked, so a longer spec is checked at T = 6 and 7 (every step's term is still exercised)."""


def steps_for(spec: Spec) -> int:
    return min(max(spec.steps, 3), MAX_CHECK_STEPS) if spec.recurrent else 1


def _alt_spec(spec: Spec) -> Spec | None:
    """The spec at non-square sizes, or None when its names fix the sizes."""
    if isinstance(spec, RNNSpec):
        if spec.style == "scalar":
            return None
        return dataclasses.replace(spec, input_size=3, hidden_size=4, output_size=2, batch=5)
    if isinstance(spec, MLPSpec) and spec.naming == "matrix":
        sizes = tuple([3] + [4] * (len(spec.sizes) - 2) + [2])
        return dataclasses.replace(spec, sizes=sizes)
    return None


def _check_sizes(spec: Spec) -> None:
    sizes = list(spec.sizes) if isinstance(spec, MLPSpec) else [spec.input_size, spec.hidden_size, spec.output_size, spec.batch, spec.steps]
    if max(sizes) > limits.MAX_CHECK_SIZE:
        raise limits.LimitError(_("checking evaluates the network at its sizes; sizes above {limit} are refused").format(
            limit=limits.MAX_CHECK_SIZE))


def gradient_equation(derivation: Derivation, grad: str):
    """The generic gradient equation of a parameter key (``W_hh``, ``W_hh_l2``)."""
    for eq in derivation.generic_gradients:
        if eq.node == grad:
            return eq
    keys = ", ".join(eq.node for eq in derivation.generic_gradients)
    raise UnknownName(_("no parameter {grad} in {spec}; parameters: {keys}").format(grad=repr(grad), spec=derivation.spec.name, keys=keys))


@lru_cache(maxsize=64)
def problem(spec: Spec, grad: str) -> Problem:
    """The (cached) problem of one quantity of one spec (``grad``: what ``--grad`` names), with
    its float settings drawn."""
    _check_sizes(spec)
    T = steps_for(spec)
    budget.spent(N_("deriving the network"))
    started = time.monotonic()
    derivation = derive(spec, steps=T)
    cost = time.monotonic() - started
    budget.spent(N_("deriving the network"))
    table = SymbolTable(derivation)
    main = budget.instance(derivation, 11, "float")
    first = make_setting("float", main, table, grad, _sizes_text(spec, T))
    prob = Problem(spec, grad, derivation, table, first.target.equation, target=first.target)
    prob.settings["float"] = first
    if spec.recurrent:
        budget.afford(cost, N_("deriving the network at T + 1"))
        d2 = derive(spec, steps=T + 1)
        budget.spent(N_("deriving the network at T + 1"))
        inst2 = budget.instance(d2, 12, "float")
        prob.settings["float T+1"] = make_setting("float T+1", inst2, SymbolTable(d2), grad, _sizes_text(spec, T + 1))
    alt = _alt_spec(spec)
    if alt is not None:
        budget.afford(cost, N_("deriving the network at non-square sizes"))
        d3 = derive(alt, steps=T + 1 if spec.recurrent else None)
        budget.spent(N_("deriving the network at non-square sizes"))
        inst3 = budget.instance(d3, 13, "float")
        prob.alt_spec = alt
        prob.settings["sizes"] = make_setting("sizes", inst3, SymbolTable(d3), grad, _sizes_text(alt, d3.steps))
    worked = worked_setting(spec, grad)
    if worked is not None:
        prob.settings["worked"] = worked
    return prob


def worked_setting(spec: Spec, grad: str) -> Setting | None:
    """The spec's worked example (``[example]``) as a setting, exact or 50-digit, at its own T."""
    if not spec.example:
        return None
    derivation = derive(spec)
    budget.spent(N_("deriving the worked example"))
    point = example_point(derivation)
    values = {}
    for var, matrix in point.items():
        t = None if var.time is None else int(var.time)
        values[numeric.key_of(var, t)] = matrix
    kind = "exact" if numeric.rational_ok([eq.rhs for eq in derivation.forward]) else "mp"
    arith = numeric.ARITHMETICS[kind]
    arrays = {}
    for key, m in values.items():
        entries = [Fraction(int(v.p), int(v.q)) for v in m]
        arrays[key] = arith.array(m.rows, m.cols, entries)
    inst = budget.instance_from(derivation, arrays, kind)
    return make_setting("worked", inst, SymbolTable(derivation), grad,
                        msg(N_("the worked example: {sizes}"), sizes=_sizes_text(spec, derivation.steps)))


def resolve_spec(spec_or_name) -> Spec:
    if isinstance(spec_or_name, (RNNSpec, MLPSpec)):
        return spec_or_name
    from ..core.catalogue import resolve

    return resolve(str(spec_or_name))


def close(a: np.ndarray, b: np.ndarray, arithmetic: str) -> np.ndarray:
    """Entrywise agreement of ``a`` with ``b`` (same shape), per arithmetic."""
    if arithmetic == "exact":
        return np.vectorize(lambda x, y: x == y, otypes=[bool])(a, b)
    fa, fb = numeric.as_float(a), numeric.as_float(b)
    if arithmetic == "mp":
        with numeric.precision(numeric.MP):
            diff = np.vectorize(lambda x, y: float(abs(x - y)), otypes=[float])(a, b)
        scale = max(1.0, float(np.max(np.abs(fb))))
        return diff <= MP_RTOL * scale
    scale = max(1.0, float(np.max(np.abs(fb)))) if fb.size else 1.0
    return np.abs(fa - fb) <= FLOAT_RTOL * scale


def agree(a: np.ndarray, b: np.ndarray, arithmetic: str) -> bool:
    return a.shape == b.shape and bool(np.all(close(a, b, arithmetic)))


def deadline_from(limit: float | None) -> float | None:
    return None if limit is None else time.monotonic() + limit


def evaluate_answer(expr: ir.Expr, setting: Setting, deadline: float | None = None) -> np.ndarray:
    return value_of(expr, setting, deadline=deadline, fill=setting.truth)


__all__ = ["Problem", "Setting", "SymrnnError", "agree", "close", "evaluate_answer", "make_setting", "problem", "resolve_spec", "value_of"]
