"""The matrix-expression language in which every equation of a derivation is written.

A small set of frozen dataclasses (``Var``, ``Adjoint``, ``MatMul``, ``Add``, ``Transpose``,
``Hadamard``, ...). Each value knows its shape ``(rows, cols)``; constructors check that operands
fit. Time indices and exponents are SymPy integer expressions (``t + 1``, ``T``, ``k - t``), so
one equation can be concrete (``h_3``) or generic (``h_{t+1}``).

Why not SymPy's own matrix expressions: ``MatAdd`` reorders terms, elementwise functions print
as lambdas and partially evaluate, and their ``diff`` is wrong on sums (docs/REFERENCE.md section 3).
Here every op is ours, so the formula sheet (``rules.py``), the printers (``printing/``) and the
element-level evaluator (``element.py``) are each a table keyed by these classes, and everything
is proved against ``sympy.diff`` at element level.

Use the lower-case smart constructors (``matmul``, ``add``, ``t``, ...): they check shapes and
apply only sound, local simplifications (``(A^T)^T = A``, dropping zeros, multiplying by one).

The language is a package: :mod:`.base` (leaves, shapes, constants), :mod:`.linear`,
:mod:`.elementwise` and :mod:`.time` (the nodes and their smart constructors) and
:mod:`.traverse` (walking and rewriting). Everything is used as ``ir.<name>``.
"""

from .base import (
    INDEX_SYMBOLS,
    MEANINGS,
    ROLES,
    T_SYM,
    Adjoint,
    Const,
    Derivative,
    Expr,
    Meaning,
    Shape,
    Var,
    as_sym,
    eye,
    is_identity,
    is_one_scalar,
    is_zero,
    need,
    ones,
    t_SYM,
    zeros,
)
from .elementwise import (
    Apply,
    Broadcast,
    DerivApply,
    Diag,
    Hadamard,
    Loss,
    OneMinus,
    Softmax,
    SumRows,
    apply,
    broadcast,
    hadamard,
    one_minus,
    sum_rows,
)
from .linear import Add, MatMul, MatPow, Neg, Scale, Transpose, add, matmul, matpow, neg, scale, sub, transpose
from .time import TimeHadamard, TimeProduct, TimeSum
from .traverse import adjoints, map_leaves, retime, shift_time, structural_key, substitute, variables, walk

__all__ = ['INDEX_SYMBOLS', 'MEANINGS', 'ROLES', 'T_SYM', 'Add', 'Adjoint', 'Apply', 'Broadcast', 'Const', 'DerivApply', 'Derivative', 'Diag', 'Expr', 'Hadamard', 'Loss', 'MatMul', 'MatPow', 'Meaning', 'Neg', 'OneMinus', 'Scale', 'Shape', 'Softmax', 'SumRows', 'TimeHadamard', 'TimeProduct', 'TimeSum', 'Transpose', 'Var', 'add', 'adjoints', 'apply', 'as_sym', 'broadcast', 'eye', 'hadamard', 'is_identity', 'is_one_scalar', 'is_zero', 'map_leaves', 'matmul', 'matpow', 'need', 'neg', 'one_minus', 'ones', 'retime', 'scale', 'shift_time', 'structural_key', 'sub', 'substitute', 'sum_rows', 't_SYM', 'transpose', 'variables', 'walk', 'zeros']
