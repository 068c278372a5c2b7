"""Elementwise nodes and their smart constructors: Hadamard products, activations and their
derivatives, softmax, broadcasting over rows, row sums, diagonal matrices and losses."""

from __future__ import annotations

from dataclasses import dataclass

from .base import Const, Expr, Shape, is_zero, need, zeros
from .linear import Neg, Scale, neg, scale


@dataclass(frozen=True)
class Hadamard(Expr):
    """Elementwise product ``left ⊙ right``."""

    left: Expr
    right: Expr

    @property
    def shape(self) -> Shape:  # type: ignore[override]
        return self.left.shape

    def children(self):
        return (self.left, self.right)

    def rebuild(self, children):
        return hadamard(*children)


@dataclass(frozen=True)
class OneMinus(Expr):
    """``1 - x`` elementwise."""

    x: Expr

    @property
    def shape(self) -> Shape:  # type: ignore[override]
        return self.x.shape

    def children(self):
        return (self.x,)

    def rebuild(self, children):
        return one_minus(children[0])


@dataclass(frozen=True)
class Apply(Expr):
    """An activation ``fn`` applied elementwise."""

    fn: str
    x: Expr

    @property
    def shape(self) -> Shape:  # type: ignore[override]
        return self.x.shape

    def children(self):
        return (self.x,)

    def rebuild(self, children):
        return Apply(self.fn, children[0])


@dataclass(frozen=True)
class DerivApply(Expr):
    """The activation's derivative ``fn'`` applied elementwise."""

    fn: str
    x: Expr

    @property
    def shape(self) -> Shape:  # type: ignore[override]
        return self.x.shape

    def children(self):
        return (self.x,)

    def rebuild(self, children):
        return DerivApply(self.fn, children[0])


@dataclass(frozen=True)
class Softmax(Expr):
    """Softmax over each column (column notation) or each row (row notation).

    With ``mass`` (a target of the same shape), each example's softmax is multiplied by that
    example's total ``1^T y``: ``softmax(o) (1^T y)``, the first term of the gradient of
    ``-y^T log softmax(o)``, which is exact for targets that do not sum to one.
    """

    x: Expr
    axis: str = "column"
    mass: Expr | None = None

    @property
    def shape(self) -> Shape:  # type: ignore[override]
        return self.x.shape

    def children(self):
        return (self.x,) if self.mass is None else (self.x, self.mass)

    def rebuild(self, children):
        return Softmax(children[0], self.axis, children[1] if len(children) > 1 else None)


@dataclass(frozen=True)
class Broadcast(Expr):
    """A row vector ``x`` (1 x n) repeated over ``rows`` rows: the bias of row notation."""

    x: Expr
    nrows: int

    @property
    def shape(self) -> Shape:  # type: ignore[override]
        return (self.nrows, self.x.cols)

    def children(self):
        return (self.x,)

    def rebuild(self, children):
        return broadcast(children[0], self.nrows)


@dataclass(frozen=True)
class SumRows(Expr):
    """``1^T X``: the sum of the rows of ``x`` (1 x n)."""

    x: Expr

    @property
    def shape(self) -> Shape:  # type: ignore[override]
        return (1, self.x.cols)

    def children(self):
        return (self.x,)

    def rebuild(self, children):
        return sum_rows(children[0])


@dataclass(frozen=True)
class Diag(Expr):
    """``diag(x)`` of a column vector: a square matrix."""

    x: Expr

    @property
    def shape(self) -> Shape:  # type: ignore[override]
        return (self.x.rows, self.x.rows)

    def children(self):
        return (self.x,)

    def rebuild(self, children):
        return Diag(children[0])


@dataclass(frozen=True)
class Loss(Expr):
    """A per-example loss ``l(pred, target)`` summed over entries: a 1 x 1 value.

    ``half_sq``: ``1/2 ||pred - target||^2``; ``softmax_ce``: ``-sum target * log softmax(pred)``.
    ``seed_form`` prints the square the way the seed lecture does, ``1/2 (target - out)^2``.
    """

    kind: str
    pred: Expr
    target: Expr
    axis: str = "column"
    seed_form: bool = False

    @property
    def shape(self) -> Shape:  # type: ignore[override]
        return (1, 1)

    def children(self):
        return (self.pred, self.target)

    def rebuild(self, children):
        return Loss(self.kind, children[0], children[1], self.axis, self.seed_form)


def hadamard(left: Expr, right: Expr) -> Expr:
    need(left.shape == right.shape, f"cannot take the elementwise product of {left.shape} and {right.shape}")
    if is_zero(left) or is_zero(right):
        return zeros(left.shape)
    if isinstance(left, Const) and left.value == 1 and not left.identity:
        return right
    if isinstance(right, Const) and right.value == 1 and not right.identity:
        return left
    if isinstance(left, Neg):
        return neg(hadamard(left.x, right))
    if isinstance(right, Neg):
        return neg(hadamard(left, right.x))
    if isinstance(left, Scale):
        return scale(left.factor, hadamard(left.x, right))
    if isinstance(right, Scale):
        return scale(right.factor, hadamard(left, right.x))
    return Hadamard(left, right)


def one_minus(x: Expr) -> Expr:
    return OneMinus(x)


def broadcast(x: Expr, nrows: int) -> Expr:
    need(x.rows == 1, f"only a row vector can be broadcast over rows, got {x.shape}")
    if nrows == 1:
        return x
    return Broadcast(x, nrows)


def sum_rows(x: Expr) -> Expr:
    if x.rows == 1:
        return x
    return SumRows(x)


def apply(fn: str, x: Expr) -> Expr:
    return Apply(fn, x)
