"""Hand computation of a scalar derivation: evaluate its equations in order, rounding as shown.

A worked solution reuses the derivation's own equations (``symrnn.derive``): each concrete
equation ``lhs = rhs`` of a network whose quantities are all 1 x 1 is printed three times,
symbolically (``symrnn.printing.latex``), with the numbers substituted, and as the value rounded
to the decimals displayed; later equations use the *displayed* values, exactly as a student
working by hand would, so the key is computed from what the solution shows.

Evaluation is a table keyed by the op's class (:data:`SCALAR_OPS`), on plain floats.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache

import sympy

from .. import ir
from ..activations import activation
from ..derive import Derivation, Equation, derive, node_key
from ..printing import latex as _printing
from ..printing.latex import LatexPrinter
from ..spec import Spec
from .model import fmt, r

# Every variant of a family prints the same equations: print each once (the printers are pure).
latex = lru_cache(maxsize=8192)(_printing.latex)
equation_latex = lru_cache(maxsize=1024)(_printing.equation_latex)
condition_latex = _printing.condition_latex


@lru_cache(maxsize=8192)
def key_of(expr: ir.Var | ir.Adjoint) -> str:
    """The value key of a quantity: ``h_2`` for ``h_2``, ``d:h_2`` for ``dL/dh_2``."""
    if isinstance(expr, ir.Adjoint):
        return "d:" + node_key(expr.of)
    return node_key(expr)


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


ACTIVATION_VALUES: dict[str, Callable[[float], float]] = {
    "identity": lambda x: x,
    "sigmoid": _sigmoid,
    "tanh": math.tanh,
    "relu": lambda x: max(x, 0.0),
}


class _Scalar:
    def __init__(self, values: Mapping[str, float], steps: int):
        self.values = values
        self.steps = steps

    def __call__(self, e: ir.Expr) -> float:
        op = SCALAR_OPS.get(type(e))
        if op is None:
            raise TypeError(f"no scalar evaluation for {type(e).__name__}; add it to SCALAR_OPS")
        return op(self, e)

    def factor(self, f: sympy.Expr) -> float:
        return _factor_value(f, self.steps)


@lru_cache(maxsize=256)
def _factor_value(f: sympy.Expr, steps: int) -> float:
    return float(sympy.sympify(f).subs(ir.T_SYM, steps))


@lru_cache(maxsize=256)
def _factor_latex(f: sympy.Expr, steps: int) -> str:
    return sympy.latex(sympy.sympify(f).subs(ir.T_SYM, steps))


def _loss(ev: _Scalar, e: ir.Loss) -> float:
    if e.kind != "half_sq":
        raise TypeError(f"no scalar evaluation for loss {e.kind!r}")
    return 0.5 * (ev(e.pred) - ev(e.target)) ** 2


SCALAR_OPS: dict[type, Callable[[_Scalar, ir.Expr], float]] = {
    ir.Var: lambda ev, e: ev.values[key_of(e)],
    ir.Adjoint: lambda ev, e: ev.values[key_of(e)],
    ir.Const: lambda ev, e: 1.0 if e.identity else float(e.value),
    ir.MatMul: lambda ev, e: ev(e.left) * ev(e.right),
    ir.Hadamard: lambda ev, e: ev(e.left) * ev(e.right),
    ir.Add: lambda ev, e: math.fsum(ev(t) for t in e.terms),
    ir.Neg: lambda ev, e: -ev(e.x),
    ir.Scale: lambda ev, e: ev.factor(e.factor) * ev(e.x),
    ir.Transpose: lambda ev, e: ev(e.x),
    ir.OneMinus: lambda ev, e: 1.0 - ev(e.x),
    ir.Apply: lambda ev, e: ACTIVATION_VALUES[e.fn](ev(e.x)),
    ir.Broadcast: lambda ev, e: ev(e.x),
    ir.SumRows: lambda ev, e: ev(e.x),
    ir.Loss: _loss,
}


def evaluate(expr: ir.Expr, values: Mapping[str, float], steps: int = 1) -> float:
    """The value of a 1 x 1 expression given the values of its quantities (by :func:`key_of`)."""
    return _Scalar(values, steps)(expr)


class NumberPrinter(LatexPrinter):
    """The right-hand side with each quantity replaced by its displayed value (negatives in
    parentheses, products written with ``\\cdot``)."""

    def __init__(self, shown: Mapping[str, str], steps: int = 1):
        self.shown = shown
        self.steps = steps

    def _number(self, key: str) -> str:
        text = self.shown[key]
        return f"({text})" if text.startswith("-") else text

    def _print_Var(self, e: ir.Var) -> str:
        return self._number(key_of(e))

    def _print_Adjoint(self, e: ir.Adjoint) -> str:
        return self._number(key_of(e))

    def _factor(self, e: ir.Expr) -> str:
        text = self.doprint(e)
        return f"({text})" if isinstance(e, (ir.Add, ir.OneMinus, ir.Neg)) else text

    def _print_MatMul(self, e: ir.MatMul) -> str:
        return f"{self._factor(e.left)} \\cdot {self._factor(e.right)}"

    def _print_Hadamard(self, e: ir.Hadamard) -> str:
        return self._print_MatMul(e)  # type: ignore[arg-type]

    def _print_Apply(self, e: ir.Apply) -> str:
        inner = self.shown[key_of(e.x)] if isinstance(e.x, (ir.Var, ir.Adjoint)) else self.doprint(e.x)
        return f"{activation(e.fn).latex}\\left({inner}\\right)"

    def _print_Transpose(self, e: ir.Transpose) -> str:
        return self.doprint(e.x)

    def _print_Scale(self, e: ir.Scale) -> str:
        return f"{_factor_latex(e.factor, self.steps)} \\cdot {self.wrap(e.x, 21)}"


@dataclass(frozen=True)
class Step:
    """One computed equation: its label, the three printed forms and the value carried on."""

    label: str
    lhs: str
    symbolic: str
    substituted: str
    value: float
    shown: str

    def line(self, with_symbolic: bool = True) -> str:
        """``lhs &= symbolic = substituted = value`` (the substitution is left out when it is the
        value itself)."""
        parts = [self.symbolic] if with_symbolic else []
        if self.substituted not in (self.shown, f"({self.shown})") and self.substituted not in parts:
            parts.append(self.substituted)
        parts.append(self.shown)
        return f"{self.lhs} &= " + " = ".join(parts)


def compute(equations: tuple[Equation, ...], givens: Mapping[str, float], places: Callable[[Equation], int], steps: int = 1) -> tuple[dict[str, float], list[Step]]:
    """Evaluate ``equations`` in order, rounding each value to ``places(eq)`` decimals.

    ``givens`` holds the drawn values (already rounded as displayed). Returns every value by key
    and the steps of the worked solution.
    """
    return _compute(equations, givens, places, steps, True)


def exact_values(equations: tuple[Equation, ...], givens: Mapping[str, float], steps: int = 1) -> dict[str, float]:
    """Every value computed without rounding the intermediates (the stress test's reference)."""
    return _compute(equations, givens, lambda eq: 12, steps, False)[0]


def _compute(equations, givens, places, steps, record):
    values: dict[str, float] = dict(givens)
    shown: dict[str, str] = {k: shown_number(v) for k, v in givens.items()}
    steps_out: list[Step] = []
    for eq in equations:
        p = places(eq)
        exact = evaluate(eq.rhs, values, steps)
        value = r(exact, p)
        key = key_of(eq.lhs)
        values[key] = value
        if not record:
            continue
        substituted = NumberPrinter(shown, steps).doprint(eq.rhs) if not isinstance(eq.rhs, ir.Const) else ""
        values[key] = value
        shown[key] = fmt(value, p)
        steps_out.append(Step(eq.label, latex(eq.lhs), latex(eq.rhs), substituted, value, shown[key]))
    return values, steps_out


def shown_number(value: float) -> str:
    """A drawn number as written in a statement: shortest form (``0.1``, ``-2``, ``0.35``)."""
    text = repr(float(value))
    if "e" in text:
        text = f"{value:.10f}".rstrip("0").rstrip(".")
    return text.removesuffix(".0")


@lru_cache(maxsize=64)
def derivation(spec: Spec, steps: int | None = None) -> Derivation:
    """``derive(spec, steps)``, cached: every variant of a family shares one derivation."""
    return derive(spec, steps)
