"""The values a parse tree is built into besides ir expressions, and where a node is.

While an answer is built, a part of it is an ir expression or one of these: a :class:`Scalar`
number (``\\frac{1}{T}``, ``2``), a :class:`Pending` name whose subscripts, index and layer are
still being read (``W`` ``_{hh}`` ``^{(2)}``), or the vector of ones :class:`Ones`
(``\\mathbf{1}^{\\top}``, the sum over a batch's rows).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy
from lark import Token


@dataclass(frozen=True)
class Scalar:
    value: sympy.Expr


@dataclass
class Pending:
    base: str
    column: int | None
    pieces: list = field(default_factory=list)  # (kind, value, column): kind in word/num/expr
    index: object = None
    layer: int | None = None
    wrappers: tuple = ()
    adjoint: bool = False
    transposed: bool = False  # h^\top_{t-1}: the transpose written before the subscript


@dataclass(frozen=True)
class Ones:
    transposed: bool
    column: int | None


def column(node) -> int | None:
    """The column of a token or tree in the answer (None when lark kept no position)."""
    if isinstance(node, Token):
        return node.column
    meta = getattr(node, "meta", None)
    return getattr(meta, "column", None) if meta is not None and not getattr(meta, "empty", True) else None


def shape_text(shape) -> str:
    return f"{shape[0]}x{shape[1]}"
