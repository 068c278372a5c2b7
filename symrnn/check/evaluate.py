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
from functools import lru_cache

import numpy as np

from ..core import evaluate as numeric
from ..core import ir
from ..core.derive import Derivation, derive
from ..core.errors import SymrnnError, UnknownName
from ..core.spec import MLPSpec, RNNSpec, Spec
from . import limits
from .symbols import SymbolTable

FLOAT_RTOL = 1e-9
MP_RTOL = 1e-30


@dataclass
class Setting:
    """One instance with its symbol table (its sizes) and the truth on it."""

    name: str
    instance: numeric.Instance
    table: SymbolTable
    truth: np.ndarray
    sizes: str


@dataclass
class Problem:
    spec: Spec
    grad: str
    derivation: Derivation
    table: SymbolTable
    equation: object  # the generic gradient Equation
    settings: dict = field(default_factory=dict)
    alt_spec: Spec | None = None
    _exact: dict = field(default_factory=dict)

    @property
    def shape(self) -> tuple[int, int]:
        return self.equation.lhs.shape

    def exact_setting(self, rational: bool) -> Setting:
        """The exact (or 50-digit) setting at small sizes: rational when the answer and the
        derivation allow it. At the spec's own sizes when they are small (the catalogue's)."""
        kind = "exact" if rational and numeric.rational_ok([eq.rhs for eq in self.derivation.forward] + [self.equation.rhs]) else "mp"
        if kind not in self._exact:
            small = _small_spec(self.spec)
            if small == self.spec:
                derivation, table, eq = self.derivation, self.table, self.equation
            else:
                derivation = derive(small, steps=steps_for(self.spec) if self.spec.recurrent else None)
                table, eq = SymbolTable(derivation), gradient_equation(derivation, self.grad)
            inst = numeric.make_instance(derivation, seed=11, arithmetic=kind)
            truth = numeric.evaluate(eq.rhs, inst)
            self._exact[kind] = Setting(kind, inst, table, truth, _sizes_text(small, inst.T))
        return self._exact[kind]


SMALL = 3
"""Largest size of the exact setting (its arithmetic is Python fractions or 50-digit numbers)."""


def _small_spec(spec: Spec) -> Spec:
    if isinstance(spec, RNNSpec):
        return dataclasses.replace(spec, input_size=min(spec.input_size, SMALL), hidden_size=min(spec.hidden_size, SMALL),
                                   output_size=min(spec.output_size, SMALL), batch=min(spec.batch, SMALL))
    if isinstance(spec, MLPSpec) and spec.naming == "matrix":
        return dataclasses.replace(spec, sizes=tuple(min(s, SMALL) for s in spec.sizes))
    return spec


def _sizes_text(spec: Spec, T: int) -> str:
    if isinstance(spec, RNNSpec):
        text = f"input {spec.input_size}, hidden {spec.hidden_size}, output {spec.output_size}"
        if spec.notation == "row":
            text += f", batch {spec.batch}"
        return f"{text}, T = {T}"
    return "sizes " + "-".join(str(s) for s in spec.sizes)


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
        raise limits.LimitError(f"checking evaluates the network at its sizes; sizes above {limits.MAX_CHECK_SIZE} are refused")


def gradient_equation(derivation: Derivation, grad: str):
    """The generic gradient equation of a parameter key (``W_hh``, ``W_hh_l2``)."""
    for eq in derivation.generic_gradients:
        if eq.node == grad:
            return eq
    keys = ", ".join(eq.node for eq in derivation.generic_gradients)
    raise UnknownName(f"no parameter {grad!r} in {derivation.spec.name}; parameters: {keys}")


@lru_cache(maxsize=64)
def problem(spec: Spec, grad: str) -> Problem:
    """The (cached) problem of one gradient of one spec, with its float settings drawn."""
    _check_sizes(spec)
    T = steps_for(spec)
    derivation = derive(spec, steps=T)
    eq = gradient_equation(derivation, grad)
    table = SymbolTable(derivation)
    prob = Problem(spec, grad, derivation, table, eq)
    main = numeric.make_instance(derivation, seed=11, arithmetic="float")
    prob.settings["float"] = Setting("float", main, table, numeric.evaluate(eq.rhs, main), _sizes_text(spec, T))
    if spec.recurrent:
        d2 = derive(spec, steps=T + 1)
        inst2 = numeric.make_instance(d2, seed=12, arithmetic="float")
        eq2 = gradient_equation(d2, grad)
        prob.settings["float T+1"] = Setting("float T+1", inst2, SymbolTable(d2), numeric.evaluate(eq2.rhs, inst2), _sizes_text(spec, T + 1))
    alt = _alt_spec(spec)
    if alt is not None:
        d3 = derive(alt, steps=T + 1 if spec.recurrent else None)
        inst3 = numeric.make_instance(d3, seed=13, arithmetic="float")
        eq3 = gradient_equation(d3, grad)
        prob.alt_spec = alt
        prob.settings["sizes"] = Setting("sizes", inst3, SymbolTable(d3), numeric.evaluate(eq3.rhs, inst3), _sizes_text(alt, d3.steps))
    return prob


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
    return numeric.evaluate(expr, setting.instance, deadline=deadline)


__all__ = ["Problem", "Setting", "SymrnnError", "agree", "close", "evaluate_answer", "problem", "resolve_spec"]
