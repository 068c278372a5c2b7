"""The formula sheet: one vector-Jacobian rule per op of the matrix language.

Read it as a table of identities. For an op ``Y = op(X_1, ..., X_n)`` and the adjoint
``G = dL/dY`` of its result, the rule returns ``dL/dX_i`` for every operand (``None`` where the
operand is not differentiated, such as a target). Every rule is proved against ``sympy.diff`` at
element level by one test that iterates over :data:`SHEET` (``tests/test_rules.py``), using the
rule's own ``sample`` to build a random instance, so a new rule is tested as soon as it is added.

Dispatch is a dict lookup on the op's class: :func:`rule_for`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import sympy

from . import ir
from .activations import NAMES, activation
from .errors import MissingRule
from .losses import NAMES as LOSS_NAMES
from .losses import loss_kind


@dataclass(frozen=True)
class Rule:
    """One line of the sheet: the identity as LaTeX, the VJP, and a sampler for its proof."""

    op: type
    name: str
    identity: str
    vjp: Callable[[ir.Expr, ir.Expr, ir.Expr], tuple[ir.Expr | None, ...]]
    sample: Callable[[np.random.Generator], ir.Expr]


SHEET: dict[type, Rule] = {}


def vjp(op: type, name: str, identity: str, sample: Callable[[np.random.Generator], ir.Expr]):
    """Register the decorated function as the VJP rule of ``op``."""

    def register(fn):
        if op in SHEET:
            raise ValueError(f"op {op.__name__} already has a rule")
        SHEET[op] = Rule(op, name, identity, fn, sample)
        return fn

    return register


def rule_for(expr: ir.Expr) -> Rule:
    try:
        return SHEET[type(expr)]
    except KeyError:
        raise MissingRule(
            f"no VJP rule for op {type(expr).__name__!r}; add one to symrnn/core/rules.py with "
            f"@vjp({type(expr).__name__}, ...)"
        ) from None


def times_scalar(g: ir.Expr, x: ir.Expr) -> ir.Expr:
    """``g * x`` for a 1 x 1 adjoint ``g`` (a constant is folded in)."""
    if ir.is_one_scalar(g):
        return x
    if isinstance(g, ir.Scale) and ir.is_one_scalar(g.x):
        return ir.scale(g.factor, x)
    if x.rows == 1:
        return ir.matmul(g, x)
    if x.cols == 1:
        return ir.matmul(x, g)
    spread = ir.matmul(ir.matmul(ir.ones((x.rows, 1)), g), ir.ones((1, x.cols)))
    return ir.hadamard(spread, x)


# --------------------------------------------------------------------------- samplers


def _m(name: str, rows: int, cols: int) -> ir.Var:
    return ir.Var(name, (rows, cols), "param")


def _dims(rng: np.random.Generator, k: int) -> list[int]:
    return [int(v) for v in rng.integers(1, 4, size=k)]


# --------------------------------------------------------------------------- the sheet


def _sample_matmul(r: np.random.Generator) -> ir.Expr:
    n, k, m = _dims(r, 3)
    return ir.matmul(_m("A", n, k), _m("B", k, m))


def _sample_add(r: np.random.Generator) -> ir.Expr:
    n, m = _dims(r, 2)
    return ir.add(_m("A", n, m), _m("B", n, m), _m("C", n, m))


def _sample_hadamard(r: np.random.Generator) -> ir.Expr:
    n, m = _dims(r, 2)
    return ir.hadamard(_m("A", n, m), _m("B", n, m))


@vjp(ir.MatMul, "matmul", r"\bar{A} = G B^{\top},\quad \bar{B} = A^{\top} G", _sample_matmul)
def _matmul(e: ir.MatMul, g, out):
    return ir.matmul(g, ir.transpose(e.right)), ir.matmul(ir.transpose(e.left), g)


@vjp(ir.Add, "add", r"\bar{A}_i = G", _sample_add)
def _add(e: ir.Add, g, out):
    return tuple(g for _ in e.terms)


@vjp(ir.Neg, "neg", r"\bar{A} = -G", lambda r: ir.Neg(_m("A", *_dims(r, 2))))
def _neg(e, g, out):
    return (ir.neg(g),)


@vjp(ir.Scale, "scale", r"\bar{A} = c\, G", lambda r: ir.Scale(sympy.Rational(2, 7), _m("A", *_dims(r, 2))))
def _scale(e: ir.Scale, g, out):
    return (ir.scale(e.factor, g),)


@vjp(ir.Transpose, "transpose", r"\bar{A} = G^{\top}", lambda r: ir.Transpose(_m("A", *_dims(r, 2))))
def _transpose(e, g, out):
    return (ir.transpose(g),)


@vjp(ir.Hadamard, "hadamard", r"\bar{A} = G \odot B,\quad \bar{B} = G \odot A", _sample_hadamard)
def _hadamard(e: ir.Hadamard, g, out):
    return ir.hadamard(g, e.right), ir.hadamard(g, e.left)


@vjp(ir.OneMinus, "one_minus", r"\bar{A} = -G", lambda r: ir.OneMinus(_m("A", *_dims(r, 2))))
def _one_minus(e, g, out):
    return (ir.neg(g),)


def _sample_apply(r: np.random.Generator) -> ir.Expr:
    names = NAMES
    return ir.Apply(names[int(r.integers(0, len(names)))], _m("A", *_dims(r, 2)))


@vjp(ir.Apply, "activation", r"\bar{A} = G \odot f'(A)", _sample_apply)
def _apply(e: ir.Apply, g, out):
    return (activation(e.fn).vjp(g, e.x, out),)


@vjp(ir.Broadcast, "broadcast", r"\bar{b} = \mathbf{1}^{\top} G",
     lambda r: ir.broadcast(_m("b", 1, _dims(r, 1)[0]), 3))
def _broadcast(e: ir.Broadcast, g, out):
    return (ir.sum_rows(g),)


@vjp(ir.SumRows, "sum_rows", r"\bar{A} = \mathbf{1} G", lambda r: ir.SumRows(_m("A", 3, _dims(r, 1)[0])))
def _sum_rows(e: ir.SumRows, g, out):
    return (ir.broadcast(g, e.x.rows),)


def _sample_loss(r: np.random.Generator) -> ir.Expr:
    n, m = _dims(r, 2)
    kind = LOSS_NAMES[int(r.integers(0, len(LOSS_NAMES)))]
    n = max(n, loss_kind(kind).min_outputs)
    return ir.Loss(kind, _m("O", n, m), ir.Var("Y", (n, m), "target"))


@vjp(ir.Loss, "loss",
     r"\frac{\partial}{\partial o}\tfrac12\lVert o-y\rVert^2 = o - y,\quad "
     r"\frac{\partial}{\partial o}\bigl(-y^{\top}\log\operatorname{softmax}(o)\bigr) = \operatorname{softmax}(o)\,(\mathbf{1}^{\top}y) - y",
     _sample_loss)
def _loss(e: ir.Loss, g, out):
    return times_scalar(g, loss_kind(e.kind).gradient(e)), None


class VariableIndex:
    """The variables of every sub-expression it is asked about, each computed once from its children's.

    A sweep asks one large expression (a loss summed over T steps) whether it reads each of T
    outputs; :func:`ir.variables` walks the whole expression every time (T^2 work over the sweep),
    the index answers from the sets it built the first time (T). Keyed by identity, holding each
    expression it answered for, so an id is never reused while the index lives.
    """

    def __init__(self) -> None:
        self._sets: dict = {}  # id -> (expr, its variables); ("readers", id) -> (expr, {var: child positions})

    def variables(self, expr: ir.Expr) -> frozenset:
        hit = self._sets.get(id(expr))
        if hit is not None and hit[0] is expr:
            return hit[1]
        if isinstance(expr, ir.Var):
            found = frozenset((expr,))
        elif isinstance(expr, ir.Adjoint):
            found = frozenset((expr.of,))
        else:
            found = frozenset().union(*(self.variables(kid) for kid in expr.children()))
        self._sets[id(expr)] = (expr, found)
        return found

    def readers(self, expr: ir.Expr, target: ir.Var) -> tuple[int, ...]:
        """Positions of the children of ``expr`` that read ``target`` (from a table built once per expression)."""
        key = ("readers", id(expr))
        hit = self._sets.get(key)
        if hit is None or hit[0] is not expr:
            table: dict[ir.Var, list[int]] = {}
            for i, kid in enumerate(expr.children()):
                for var in self.variables(kid):
                    table.setdefault(var, []).append(i)
            hit = (expr, {var: tuple(ids) for var, ids in table.items()})
            self._sets[key] = hit
        return hit[1].get(target, ())


def backprop(expr: ir.Expr, g: ir.Expr, target: ir.Var, out: ir.Expr | None = None,
             index: VariableIndex | None = None) -> list[tuple[ir.Expr, tuple[str, ...]]]:
    """Every contribution of ``expr`` to ``dL/d(target)`` given ``g = dL/d(expr)``.

    Walks the expression tree from the root, applying one rule per op; returns each path's
    contribution with the names of the rules it used. ``out`` is the variable that holds
    ``expr``'s value (so an activation's derivative can be written with its output). ``index``
    (one per sweep) answers "does this sub-expression read ``target``" without walking it again.
    """
    if expr == target:
        return [(g, ())]
    reads = target in index.variables(expr) if index is not None else any(v == target for v in ir.variables(expr))
    if not reads:
        return []
    rule = rule_for(expr)
    grads = rule.vjp(expr, g, expr if out is None else out)
    kids = expr.children()
    found: list[tuple[ir.Expr, tuple[str, ...]]] = []
    for i in index.readers(expr, target) if index is not None else range(len(kids)):
        if grads[i] is None:
            continue
        for contribution, names in backprop(kids[i], grads[i], target, index=index):
            found.append((contribution, (rule.name, *names)))
    return found
