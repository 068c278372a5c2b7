"""Hand computation of a scalar derivation: evaluate its equations in order, rounding as shown.

A worked solution reuses the derivation's own equations (``symrnn.core.derive``): each concrete
equation ``lhs = rhs`` of a network whose quantities are all 1 x 1 is printed three times,
symbolically (``symrnn.printing.latex``), with the numbers substituted, and as the value rounded
to the decimals displayed; later equations use the *displayed* values, exactly as a student
working by hand would, so the key is computed from what the solution shows.

Values come from the one evaluator of :mod:`symrnn.core.evaluator`, in float64, with the
hand computation's numbers as its scope.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import sympy

from ..core import ir
from ..core.activations import activation
from ..core.arithmetic import FLOAT
from ..core.derive import Derivation, derive
from ..core.evaluator import evaluate
from ..core.labels import Equation, node_key
from ..core.spec import Spec
from ..printing import latex as _printing
from ..printing.latex import LatexPrinter
from .model import fmt, r


def memo_by_identity(fn):
    """Memoise a pure function of one immutable object by the object's identity.

    Every variant of a family prints and evaluates the same equations of one cached derivation;
    hashing their expression trees on every call would cost more than the work itself. The
    cache keeps a reference to each argument, so an identity is never reused for another object.
    """
    table: dict[int, tuple[object, object]] = {}

    def wrapper(arg):
        hit = table.get(id(arg))
        if hit is not None and hit[0] is arg:
            return hit[1]
        value = fn(arg)
        table[id(arg)] = (arg, value)
        return value

    wrapper.__doc__ = fn.__doc__
    wrapper.__wrapped__ = fn
    return wrapper


latex = memo_by_identity(_printing.latex)
equation_latex = memo_by_identity(_printing.equation_latex)
condition_latex = _printing.condition_latex


@lru_cache(maxsize=8192)
def key_of(expr: ir.Var | ir.Adjoint) -> str:
    """The value key of a quantity: ``h_2`` for ``h_2``, ``d:h_2`` for ``dL/dh_2``."""
    if isinstance(expr, ir.Adjoint):
        return "d:" + node_key(expr.of)
    return node_key(expr)


@lru_cache(maxsize=256)
def _factor_value(f: sympy.Expr, steps: int) -> float:
    return float(ir.as_sym(f).subs(ir.T_SYM, steps))


@lru_cache(maxsize=256)
def _factor_latex(f: sympy.Expr, steps: int) -> str:
    return sympy.latex(ir.as_sym(f).subs(ir.T_SYM, steps))


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

    def line(self) -> str:
        """``lhs &= symbolic \\\\ &= substituted = value``: aligned rows of a display (the
        substitution is left out when it is the value itself; a long one gets the value on a row
        of its own, so that four-step sums fit the page)."""
        if not self.substituted or self.substituted in (self.shown, f"({self.shown})"):
            return f"{self.lhs} &= {self.symbolic} \\\\ &= {self.shown}"
        substituted = self.substituted
        if len(substituted) > BREAK_SUM:
            substituted = _break_sum(substituted)
        joint = " \\\\ &= " if len(self.substituted) > LONG_SUBSTITUTION else " = "
        return f"{self.lhs} &= {self.symbolic} \\\\ &= {substituted}{joint}{self.shown}"


LONG_SUBSTITUTION = 80
"""Characters of LaTeX source after which a substitution and its value go on separate rows."""

BREAK_SUM = 100
"""Characters of LaTeX source after which a substituted sum is broken in two rows (a sum over
four steps would not fit the width of a solution box otherwise)."""


def _break_sum(text: str) -> str:
    """Break a long sum at the top-level ``+`` nearest its middle onto a second aligned row."""
    depth, best = 0, None
    for n, char in enumerate(text):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0 and text.startswith(" + ", n) and (best is None or abs(n - len(text) / 2) < abs(best - len(text) / 2)):
            best = n
    if best is None:
        return text
    return f"{text[:best]} \\\\ &\\quad {text[best + 1:]}"


@dataclass(frozen=True)
class Compiled:
    """An equation prepared once for every variant: its key, its printed forms, a closure that
    evaluates its right-hand side, and a substitution template (quantities as placeholders)."""

    label: str
    kind: str
    key: str
    lhs: str
    rhs: str
    template: tuple[str, ...]
    evaluate: Callable[[Mapping[str, float]], float]

    def substitute(self, shown: Mapping[str, str]) -> str:
        """The right-hand side with the displayed numbers (negatives in parentheses)."""
        out = []
        for n, piece in enumerate(self.template):
            if n % 2 == 0:
                out.append(piece)
            elif piece.startswith("="):
                out.append(shown[piece[1:]])
            else:
                text = shown[piece]
                out.append(f"({text})" if text.startswith("-") else text)
        return "".join(out)


class _TemplatePrinter(NumberPrinter):
    """Prints placeholders ``\\x00key\\x00`` (``\\x00=key\\x00``: never parenthesised)."""

    def __init__(self, steps: int):
        super().__init__({}, steps)

    def _number(self, key: str) -> str:
        return f"\x00{key}\x00"

    def _print_Apply(self, e: ir.Apply) -> str:
        inner = f"\x00={key_of(e.x)}\x00" if isinstance(e.x, (ir.Var, ir.Adjoint)) else self.doprint(e.x)
        return f"{activation(e.fn).latex}\\left({inner}\\right)"


class _Values:
    """The evaluator's scope over the hand computation's numbers (keys ``h_2``, ``d:h_2``)."""

    arithmetic = FLOAT
    deadline = None

    def __init__(self, values: Mapping[str, float], steps: int):
        self.values = values
        self.T = steps

    def value(self, key) -> np.ndarray | None:
        found = self.values.get(_text(key))
        return None if found is None else np.array([[found]], dtype=float)

    def adjoint(self, key) -> np.ndarray | None:
        found = self.values.get("d:" + _text(key))
        return None if found is None else np.array([[found]], dtype=float)

    def zero_beyond_horizon(self, name: str, layer: int | None) -> bool:
        return False


@lru_cache(maxsize=8192)
def _text(key: tuple) -> str:
    name, layer, time = key
    return node_key(ir.Var(name, (1, 1), layer=layer, time=time))


def _scalar_evaluator(rhs: ir.Expr, steps: int) -> Callable[[Mapping[str, float]], float]:
    """``values -> rhs`` on plain floats, by the one evaluator of ``symrnn.core.evaluator``."""

    def value(values: Mapping[str, float]) -> float:
        return float(evaluate(rhs, _Values(values, steps))[0, 0])

    return value


_COMPILED: dict[tuple[int, int], tuple[Equation, Compiled]] = {}


def compiled(eq: Equation, steps: int = 1) -> Compiled:
    """``eq`` prepared for hand computation (memoised by identity, see :func:`memo_by_identity`)."""
    hit = _COMPILED.get((id(eq), steps))
    if hit is not None and hit[0] is eq:
        return hit[1]
    template = "" if isinstance(eq.rhs, ir.Const) else _TemplatePrinter(steps).doprint(eq.rhs)
    result = Compiled(eq.label, eq.kind, key_of(eq.lhs), latex(eq.lhs), latex(eq.rhs), tuple(template.split("\x00")),
                      _scalar_evaluator(eq.rhs, steps))
    _COMPILED[(id(eq), steps)] = (eq, result)
    return result


class Steps:
    """The worked solution's steps, printed on first use (a rejected draw never prints them).

    Each equation's substitution only reads values computed before it, and every key is set
    once, so printing after all values are known gives the same text as printing on the way.
    """

    def __init__(self, items: list[tuple[Compiled, float, int]], givens: Mapping[str, float]):
        self._items = items
        self._givens = givens
        self._steps: list[Step] | None = None

    def _build(self) -> list[Step]:
        if self._steps is None:
            shown = {k: shown_number(v) for k, v in self._givens.items()}
            for c, value, p in self._items:
                shown[c.key] = fmt(value, p)
            self._steps = [Step(c.label, c.lhs, c.rhs, c.substitute(shown) if len(c.template) > 1 else "", value, shown[c.key])
                           for c, value, p in self._items]
        return self._steps

    def __iter__(self):
        return iter(self._build())

    def __len__(self) -> int:
        return len(self._items)


def compute(equations: tuple[Equation, ...], givens: Mapping[str, float], places: Callable[[Equation], int], steps: int = 1) -> tuple[dict[str, float], Steps]:
    """Evaluate ``equations`` in order, rounding each value to ``places(eq)`` decimals.

    ``givens`` holds the drawn values (already rounded as displayed). Returns every value by key
    and the steps of the worked solution.
    """
    values: dict[str, float] = dict(givens)
    items: list[tuple[Compiled, float, int]] = []
    for eq in equations:
        c = compiled(eq, steps)
        p = places(eq)
        value = r(c.evaluate(values), p)
        values[c.key] = value
        items.append((c, value, p))
    return values, Steps(items, givens)


def exact_values(equations: tuple[Equation, ...], givens: Mapping[str, float], steps: int = 1) -> dict[str, float]:
    """Every value computed without rounding the intermediates (the stress test's reference)."""
    values: dict[str, float] = dict(givens)
    for eq in equations:
        c = compiled(eq, steps)
        values[c.key] = c.evaluate(values)
    return values


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
