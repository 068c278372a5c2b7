"""Walking and rewriting expressions: sub-expressions, variables, substitution, re-timing."""

from __future__ import annotations

from collections.abc import Iterable

import sympy

from .base import Adjoint, Expr, Var, as_sym
from .linear import MatPow, Scale, matpow, scale
from .time import TimeHadamard, TimeProduct, TimeSum


def walk(expr: Expr) -> Iterable[Expr]:
    """Every sub-expression, parents before children, in a fixed order."""
    stack = [expr]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(node.children()))


def variables(expr: Expr) -> tuple[Var, ...]:
    """The distinct variables of ``expr`` in order of first appearance."""
    seen: dict[Var, None] = {}
    for node in walk(expr):
        if isinstance(node, Var):
            seen.setdefault(node, None)
        elif isinstance(node, Adjoint):
            seen.setdefault(node.of, None)
    return tuple(seen)


def adjoints(expr: Expr) -> tuple[Adjoint, ...]:
    seen: dict[Adjoint, None] = {}
    for node in walk(expr):
        if isinstance(node, Adjoint):
            seen.setdefault(node, None)
    return tuple(seen)


def map_leaves(expr: Expr, fn) -> Expr:
    """Rebuild ``expr`` with every ``Var``/``Adjoint`` leaf replaced by ``fn(leaf)``."""
    if isinstance(expr, (Var, Adjoint)):
        return fn(expr)
    kids = expr.children()
    if not kids:
        return expr
    return expr.rebuild(tuple(map_leaves(k, fn) for k in kids))


def substitute(expr: Expr, mapping: dict[Expr, Expr]) -> Expr:
    """Replace whole sub-expressions (usually adjoints) by expressions of the same shape."""
    if expr in mapping:
        return mapping[expr]
    kids = expr.children()
    if not kids:
        return expr
    return expr.rebuild(tuple(substitute(k, mapping) for k in kids))


def shift_time(var: Var, mapping) -> Var:
    """``var`` with its time index passed through ``mapping`` (a SymPy substitution dict)."""
    if var.time is None:
        return var
    return var.at(as_sym(var.time).subs(mapping))


def retime(expr: Expr, mapping: dict) -> Expr:
    """Substitute time symbols (``t``, ``T``, ``k``) everywhere: indices, exponents, bounds."""

    def leaf(node):
        if isinstance(node, Var):
            return shift_time(node, mapping)
        return Adjoint(shift_time(node.of, mapping))

    def go(node: Expr) -> Expr:
        if isinstance(node, (Var, Adjoint)):
            return leaf(node)
        if isinstance(node, MatPow):
            return matpow(go(node.x), as_sym(node.exponent).subs(mapping))
        if isinstance(node, Scale):
            return scale(as_sym(node.factor).subs(mapping), go(node.x))
        if isinstance(node, (TimeSum, TimeProduct, TimeHadamard)):
            inner = {k: v for k, v in mapping.items() if k != node.index}
            return type(node)(node.index, as_sym(node.lo).subs(inner), as_sym(node.hi).subs(inner), retime(node.body, inner))
        kids = node.children()
        if not kids:
            return node
        return node.rebuild(tuple(go(k) for k in kids))

    return go(expr)


def _index(x) -> sympy.Expr:
    """A time index or exponent in one written form: they are integer polynomials, so expanding is enough."""
    return sympy.expand(as_sym(x))


def structural_key(expr: Expr):
    """Structural identity with time indices simplified (``t+1`` written any way): a hashable key."""
    if isinstance(expr, Var):
        return ("var", expr.name, expr.layer, expr.axis, None if expr.time is None else _index(expr.time))
    if isinstance(expr, Adjoint):
        return ("adj", structural_key(expr.of))
    if isinstance(expr, MatPow):
        return ("pow", structural_key(expr.x), _index(expr.exponent))
    if isinstance(expr, (TimeSum, TimeProduct, TimeHadamard)):
        return (type(expr).__name__, expr.index, _index(expr.lo), _index(expr.hi), structural_key(expr.body))
    if isinstance(expr, Scale):
        return ("scale", _index(expr.factor), structural_key(expr.x))
    kids = expr.children()
    if not kids:
        return ("leaf", expr)
    return (type(expr).__name__, getattr(expr, "fn", None), tuple(structural_key(k) for k in kids))
