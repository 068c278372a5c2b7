"""Linear algebra nodes and their smart constructors: products, sums, negation, scaling,
transposes and matrix powers. A constructor checks shapes and applies only sound, local
simplifications (``(A^T)^T = A``, dropping zeros, multiplying by one)."""

from __future__ import annotations

from dataclasses import dataclass

import sympy

from ..errors import ShapeError
from .base import Const, Expr, Shape, as_sym, eye, is_identity, is_zero, need, zeros


@dataclass(frozen=True)
class MatMul(Expr):
    left: Expr
    right: Expr

    @property
    def shape(self) -> Shape:  # type: ignore[override]
        return (self.left.rows, self.right.cols)

    def children(self):
        return (self.left, self.right)

    def rebuild(self, children):
        return matmul(*children)


@dataclass(frozen=True)
class Add(Expr):
    terms: tuple[Expr, ...]

    @property
    def shape(self) -> Shape:  # type: ignore[override]
        return self.terms[0].shape

    def children(self):
        return self.terms

    def rebuild(self, children):
        return add(*children)


@dataclass(frozen=True)
class Neg(Expr):
    x: Expr

    @property
    def shape(self) -> Shape:  # type: ignore[override]
        return self.x.shape

    def children(self):
        return (self.x,)

    def rebuild(self, children):
        return neg(children[0])


@dataclass(frozen=True)
class Scale(Expr):
    """``factor * x`` with a SymPy scalar factor (``1/T``, ``1/3``)."""

    factor: sympy.Expr
    x: Expr

    @property
    def shape(self) -> Shape:  # type: ignore[override]
        return self.x.shape

    def children(self):
        return (self.x,)

    def rebuild(self, children):
        return scale(self.factor, children[0])


@dataclass(frozen=True)
class Transpose(Expr):
    x: Expr

    @property
    def shape(self) -> Shape:  # type: ignore[override]
        return (self.x.cols, self.x.rows)

    def children(self):
        return (self.x,)

    def rebuild(self, children):
        return transpose(children[0])


@dataclass(frozen=True)
class MatPow(Expr):
    """``x ** exponent`` for a square ``x``; the exponent may be symbolic (``k - t``)."""

    x: Expr
    exponent: sympy.Expr

    @property
    def shape(self) -> Shape:  # type: ignore[override]
        return self.x.shape

    def children(self):
        return (self.x,)

    def rebuild(self, children):
        return matpow(children[0], self.exponent)


def matmul(left: Expr, right: Expr) -> Expr:
    need(left.cols == right.rows, f"cannot multiply {left.shape} by {right.shape}")
    if is_zero(left) or is_zero(right):
        return zeros((left.rows, right.cols))
    if is_identity(left):
        return right
    if is_identity(right):
        return left
    if isinstance(left, Neg):
        return neg(matmul(left.x, right))
    if isinstance(right, Neg):
        return neg(matmul(left, right.x))
    if isinstance(left, Scale):
        return scale(left.factor, matmul(left.x, right))
    if isinstance(right, Scale):
        return scale(right.factor, matmul(left, right.x))
    return MatMul(left, right)


def add(*terms: Expr) -> Expr:
    flat: list[Expr] = []
    for term in terms:
        if isinstance(term, Add):
            flat.extend(term.terms)
        elif not is_zero(term):
            flat.append(term)
    if not terms:
        raise ShapeError("add() needs at least one term")
    shape = terms[0].shape
    for term in flat:
        need(term.shape == shape, f"cannot add {shape} and {term.shape}")
    if not flat:
        return zeros(shape)
    if len(flat) == 1:
        return flat[0]
    return Add(tuple(flat))


def sub(left: Expr, right: Expr) -> Expr:
    return add(left, neg(right))


def neg(x: Expr) -> Expr:
    if isinstance(x, Neg):
        return x.x
    if is_zero(x):
        return x
    return Neg(x)


def scale(factor, x: Expr) -> Expr:
    factor = as_sym(factor)
    if factor == 1:
        return x
    if factor == 0 or is_zero(x):
        return zeros(x.shape)
    if factor == -1:
        return neg(x)
    if isinstance(x, Scale):
        return scale(factor * x.factor, x.x)
    return Scale(factor, x)


def transpose(x: Expr) -> Expr:
    if isinstance(x, Transpose):
        return x.x
    if isinstance(x, Const) and (x.identity or x.shape[0] == x.shape[1]):
        return x
    if isinstance(x, Const):
        return Const((x.cols, x.rows), x.value)
    if isinstance(x, Scale):
        return scale(x.factor, transpose(x.x))
    if isinstance(x, Neg):
        return neg(transpose(x.x))
    if x.shape == (1, 1):
        return x
    return Transpose(x)


def matpow(x: Expr, exponent) -> Expr:
    need(x.rows == x.cols, f"only a square matrix has powers, got {x.shape}")
    exponent = as_sym(exponent)
    if exponent == 0:
        return eye(x.rows)
    if exponent == 1:
        return x
    if isinstance(x, MatPow):
        return matpow(x.x, x.exponent * exponent)  # (A^a)^b = A^(ab)
    return MatPow(x, exponent)
