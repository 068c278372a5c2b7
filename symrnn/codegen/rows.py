"""Column-notation equations rewritten for examples stored as rows (the layout of generated code).

A generated module puts a leading batch axis on every array, so a per-example column vector is a
row. :func:`rows_of` writes a column-notation node equation transposed
(``(W_hx x_t)^T = x_t^T W_hx^T``, printed ``x[t] @ W_hx.T``); :func:`cols_of` writes a parameter
gradient in the parameter's own layout; :func:`reduce_batch` sums a gradient's per-example terms
over the batch.
"""

from __future__ import annotations

from dataclasses import replace

from ..core import ir
from ..printing.numpy_code import BatchSum, CodegenError, NumPyCodePrinter


def width(var: ir.Var, row: bool) -> int:
    """The per-example width of ``var`` (its columns in row notation, its rows in column notation)."""
    return var.shape[1] if row else var.shape[0]


def is_batched(var: ir.Var) -> bool:
    return var.role != "param"


def row_var(var: ir.Var) -> ir.Var:
    return replace(var, shape=(var.shape[1], var.shape[0]))


def rows_of(expr: ir.Expr) -> ir.Expr:
    """``expr^T`` written with per-example rows: the form of a column-notation node equation."""
    if isinstance(expr, ir.Var):
        return row_var(expr) if is_batched(expr) else ir.transpose(expr)
    if isinstance(expr, ir.Adjoint):
        return ir.Adjoint(row_var(expr.of)) if is_batched(expr.of) else ir.transpose(expr)
    if isinstance(expr, ir.Const):
        return ir.Const((expr.cols, expr.rows), expr.value, expr.identity)
    if isinstance(expr, ir.MatMul):
        return ir.matmul(rows_of(expr.right), rows_of(expr.left))
    if isinstance(expr, ir.Transpose):
        return cols_of(expr.x)
    if isinstance(expr, ir.Softmax):
        return ir.Softmax(rows_of(expr.x), "row", None if expr.mass is None else rows_of(expr.mass))
    if isinstance(expr, ir.Loss):
        return ir.Loss(expr.kind, rows_of(expr.pred), rows_of(expr.target), "row", expr.seed_form)
    if isinstance(expr, ir.TimeSum):
        return ir.TimeSum(expr.index, expr.lo, expr.hi, rows_of(expr.body))
    if isinstance(expr, (ir.Add, ir.Neg, ir.Scale, ir.Hadamard, ir.OneMinus, ir.Apply, ir.DerivApply)):
        return expr.rebuild(tuple(rows_of(k) for k in expr.children()))
    raise CodegenError(f"no row form for op {type(expr).__name__} in generated code")


def cols_of(expr: ir.Expr) -> ir.Expr:
    """``expr`` itself written with per-example rows: the form of a parameter gradient."""
    if isinstance(expr, ir.Var):
        return ir.transpose(row_var(expr)) if is_batched(expr) else expr
    if isinstance(expr, ir.Adjoint):
        return ir.transpose(ir.Adjoint(row_var(expr.of))) if is_batched(expr.of) else expr
    if isinstance(expr, ir.Const):
        return expr
    if isinstance(expr, ir.MatMul):
        return ir.matmul(cols_of(expr.left), cols_of(expr.right))
    if isinstance(expr, ir.Transpose):
        return rows_of(expr.x)
    if isinstance(expr, ir.Loss):
        return rows_of(expr)
    if isinstance(expr, ir.TimeSum):
        return ir.TimeSum(expr.index, expr.lo, expr.hi, cols_of(expr.body))
    if isinstance(expr, (ir.Add, ir.Neg, ir.Scale, ir.Hadamard, ir.OneMinus, ir.Apply, ir.DerivApply)):
        return expr.rebuild(tuple(cols_of(k) for k in expr.children()))
    return ir.transpose(rows_of(expr))


def reduce_batch(expr: ir.Expr, printer: NumPyCodePrinter) -> ir.Expr:
    """A gradient is the sum over examples: sum the rows of every per-example term."""
    kind = printer.kind(expr)
    if kind == "shared":
        return expr
    if isinstance(expr, ir.Add):
        return ir.Add(tuple(reduce_batch(t, printer) for t in expr.terms))
    if isinstance(expr, ir.Neg):
        return ir.Neg(reduce_batch(expr.x, printer))
    if isinstance(expr, ir.Scale):
        return ir.Scale(expr.factor, reduce_batch(expr.x, printer))
    if isinstance(expr, ir.TimeSum):
        return ir.TimeSum(expr.index, expr.lo, expr.hi, reduce_batch(expr.body, printer))
    if kind == "rows":
        return BatchSum(expr)
    return ir.Transpose(BatchSum(_flip(expr)))


def _flip(expr: ir.Expr) -> ir.Expr:
    """The transpose of ``expr`` with the transpose pushed down to the leaves."""
    if isinstance(expr, ir.Transpose):
        return expr.x
    if isinstance(expr, (ir.Var, ir.Adjoint, ir.Const)):
        return ir.transpose(expr)
    if isinstance(expr, ir.MatMul):
        return ir.matmul(_flip(expr.right), _flip(expr.left))
    if isinstance(expr, (ir.Add, ir.Neg, ir.Scale, ir.Hadamard, ir.OneMinus, ir.Apply, ir.DerivApply)):
        return expr.rebuild(tuple(_flip(k) for k in expr.children()))
    raise CodegenError(f"cannot sum a per-example column value over the batch: {type(expr).__name__}")


__all__ = ["cols_of", "is_batched", "reduce_batch", "row_var", "rows_of", "width"]
