"""Hand computation of a scalar derivation: evaluate its equations in order, rounding as shown.

A worked solution reuses the derivation's own equations (``symrnn.core.derive``): each concrete
equation ``lhs = rhs`` of a network whose quantities are all 1 x 1 is printed three times,
symbolically (``symrnn.printing.latex``), with the numbers substituted, and as the value rounded
to the decimals displayed; later equations use the *displayed* values, exactly as a student
working by hand would, so the key is computed from what the solution shows.

Evaluation is a table keyed by the op's class (:data:`CLOSURES`): each equation is compiled once
into closures on plain floats.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache

import sympy

from ..core import ir
from ..core.activations import activation, float_value
from ..core.derive import Derivation, derive
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


def _closure(e: ir.Expr, steps: int) -> Callable[[Mapping[str, float]], float]:
    op = CLOSURES.get(type(e))
    if op is None:
        raise TypeError(f"no scalar evaluation for {type(e).__name__}; add it to CLOSURES")
    return op(e, steps)


def _sum(e: ir.Add, steps: int):
    parts = [_closure(t, steps) for t in e.terms]
    return lambda v: math.fsum(p(v) for p in parts)


def _binary(e, steps: int):
    left, right = _closure(e.children()[0], steps), _closure(e.children()[1], steps)
    return lambda v: left(v) * right(v)


def _unary(fn):
    def make(e, steps: int):
        inner = _closure(e.children()[0], steps)
        return lambda v: fn(inner(v))
    return make


def _leaf(e, steps: int):
    k = key_of(e)
    return lambda v: v[k]


def _scale(e: ir.Scale, steps: int):
    factor, inner = _factor_value(e.factor, steps), _closure(e.x, steps)
    return lambda v: factor * inner(v)


def _apply(e: ir.Apply, steps: int):
    fn, inner = float_value, _closure(e.x, steps)
    return lambda v: fn(e.fn, inner(v))


def _half_sq(e: ir.Loss, steps: int):
    if e.kind != "half_sq":
        raise TypeError(f"no scalar evaluation for loss {e.kind!r}")
    pred, target = _closure(e.pred, steps), _closure(e.target, steps)
    return lambda v: 0.5 * (pred(v) - target(v)) ** 2


def _const(e: ir.Const, steps: int):
    value = 1.0 if e.identity else float(e.value)
    return lambda v: value


CLOSURES: dict[type, Callable] = {
    ir.Var: _leaf, ir.Adjoint: _leaf, ir.Const: _const, ir.MatMul: _binary, ir.Hadamard: _binary,
    ir.Add: _sum, ir.Neg: _unary(lambda x: -x), ir.Scale: _scale, ir.Transpose: _unary(lambda x: x),
    ir.OneMinus: _unary(lambda x: 1.0 - x), ir.Apply: _apply, ir.Broadcast: _unary(lambda x: x),
    ir.SumRows: _unary(lambda x: x), ir.Loss: _half_sq,
}
"""Evaluation of a 1 x 1 expression compiled into closures: one entry per op of ``symrnn.core.ir``."""


_COMPILED: dict[tuple[int, int], tuple[Equation, Compiled]] = {}


def compiled(eq: Equation, steps: int = 1) -> Compiled:
    """``eq`` prepared for hand computation (memoised by identity, see :func:`memo_by_identity`)."""
    hit = _COMPILED.get((id(eq), steps))
    if hit is not None and hit[0] is eq:
        return hit[1]
    template = "" if isinstance(eq.rhs, ir.Const) else _TemplatePrinter(steps).doprint(eq.rhs)
    result = Compiled(eq.label, eq.kind, key_of(eq.lhs), latex(eq.lhs), latex(eq.rhs), tuple(template.split("\x00")),
                      _closure(eq.rhs, steps))
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
