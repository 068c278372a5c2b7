"""Sums and products over a time index with symbolic bounds (``sum_{k=t}^{T}``, ``prod_j``, ``⨀_j``)."""

from __future__ import annotations

from dataclasses import dataclass

import sympy

from .base import Expr, Shape


@dataclass(frozen=True)
class _OverTime(Expr):
    """``op_{index=lo}^{hi} body``: what the three reductions over a time index share."""

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
        return type(self)(self.index, self.lo, self.hi, children[0])


@dataclass(frozen=True)
class TimeSum(_OverTime):
    """``sum_{index=lo}^{hi} body`` over a time index (generic equations and closed forms)."""


@dataclass(frozen=True)
class TimeProduct(_OverTime):
    """``prod_{index=lo}^{hi} body``, ordered left to right with increasing index."""


@dataclass(frozen=True)
class TimeHadamard(_OverTime):
    """``⨀_{index=lo}^{hi} body``: the elementwise product over a time index (its order does not matter).

    A batch in row notation carries a gated state through ``dL/dC_t = dL/dC_{t+1} ⊙ F_{t+1} + ...``:
    unrolled, the factors meet elementwise, not as matrices. The empty product is all ones.
    """
