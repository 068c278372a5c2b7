"""Sums and products over a time index with symbolic bounds (``sum_{k=t}^{T}``, ``prod_j``)."""

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
