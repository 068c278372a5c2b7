"""Sums and products over a time index with symbolic bounds (``sum_{k=t}^{T}``, ``prod_j``, ``⨀_j``)."""

from __future__ import annotations

from dataclasses import dataclass

import sympy

from .base import Expr, Shape


@dataclass(frozen=True)
class TimeSum(Expr):
    """``sum_{index=lo}^{hi} body`` over a time index (generic equations and closed forms)."""

    index: sympy.Symbol
    lo: sympy.Expr
    hi: sympy.Expr
    body: Expr

    @property
    def shape(self) -> Shape:  # type: ignore[override]
        return self.body.shape

    def children(self):
        return (self.body,)

    def rebuild(self, children):
        return TimeSum(self.index, self.lo, self.hi, children[0])


@dataclass(frozen=True)
class TimeProduct(Expr):
    """``prod_{index=lo}^{hi} body``, ordered left to right with increasing index."""

    index: sympy.Symbol
    lo: sympy.Expr
    hi: sympy.Expr
    body: Expr

    @property
    def shape(self) -> Shape:  # type: ignore[override]
        return self.body.shape

    def children(self):
        return (self.body,)

    def rebuild(self, children):
        return TimeProduct(self.index, self.lo, self.hi, children[0])


@dataclass(frozen=True)
class TimeHadamard(Expr):
    """``⨀_{index=lo}^{hi} body``: the elementwise product over a time index (its order does not matter).

    A batch in row notation carries a gated state through ``dL/dC_t = dL/dC_{t+1} ⊙ F_{t+1} + ...``:
    unrolled, the factors meet elementwise, not as matrices. The empty product is all ones.
    """

    index: sympy.Symbol
    lo: sympy.Expr
    hi: sympy.Expr
    body: Expr

    @property
    def shape(self) -> Shape:  # type: ignore[override]
        return self.body.shape

    def children(self):
        return (self.body,)

    def rebuild(self, children):
        return TimeHadamard(self.index, self.lo, self.hi, children[0])
