"""NumPy source for ``symrnn.core.ir`` expressions written in the *row world* of generated code.

Generated modules put a leading batch axis on everything: a per-example quantity is a row, and
a batch of them is a ``(B, n)`` array (``codegen.py`` first rewrites column-notation equations
into this form). Parameters are shared by all rows. So every sub-expression has a *kind*:

* ``"rows"``   one row per example (``h[t]``, ``x[t] @ W_hx.T``);
* ``"cols"``   the transpose of a rows value (``d_a[t].T``), one column per example;
* ``"shared"`` the same for every example (parameters, and contractions over the batch).

The kind decides how a matrix product prints: ``rows @ shared`` is a row-wise product, ``cols @
rows`` contracts over the batch (``H.T @ d_A`` sums the per-example outer products), and a
product of two per-example ``1 x 1`` quantities is the elementwise ``*``.

Time indices print through a :class:`TimeMode`: ``h[t - 1]`` inside a loop; ``_steps(h, 0, T - 1)``
(steps stacked as rows, so that a contraction over rows also sums over time, and a product over
all steps is one two-dimensional GEMM) for statements over every step and for gradient sums;
``h[1:T + 1]`` (a (T, B, n) slice) is also available.

Dispatch is by class: one ``_print_<Class>`` method per ir op (the sympy ``Printer`` machinery
walks the class's MRO), each pinned by a one-line test in ``tests/test_codegen_printer.py``.
SymPy scalars (``1/T``) print through the inherited :class:`sympy.printing.numpy.NumPyPrinter`.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy
from sympy.printing.numpy import NumPyPrinter

from ..core import ir
from ..core.activations import activation
from ..core.errors import SymrnnError
from ..core.losses import loss_kind
from .pytext import python_string

ATOM, POSTFIX, UNARY, PRODUCT, SUM = 100, 90, 70, 50, 40


class CodegenError(SymrnnError):
    """An expression the NumPy code generator cannot write (names the op and the place)."""


@dataclass(frozen=True)
class BatchSum(ir.Expr):
    """Codegen-only op: the sum over the batch (rows) of a rows value, ``1^T X`` over examples."""

    x: ir.Expr

    @property
    def shape(self):  # type: ignore[override]
        return self.x.shape

    def children(self):
        return (self.x,)

    def rebuild(self, children):
        return BatchSum(children[0])


@dataclass(frozen=True)
class Name:
    """Codegen-only: an identifier of the generated module (``dtype``, ``params``), printed as is."""

    text: str


@dataclass(frozen=True)
class Call:
    """Codegen-only: a call in a module's set-up, ``_param(params, "W_hx", (2, 2), dtype)``.

    Each argument is a :class:`Name`, a string (printed as an escaped literal), an int, a SymPy
    expression (a step, ``T + 2``), a tuple of arguments, or another :class:`Call`."""

    fn: str
    args: tuple


@dataclass(frozen=True)
class TimeMode:
    """How a time-indexed variable prints: ``at`` (one step), ``slice`` or ``flat`` over steps.

    For ``slice`` and ``flat``, ``lo``/``hi`` are the bounds of the summation index ``index``.
    """

    how: str = "at"
    index: sympy.Symbol = ir.t_SYM
    lo: sympy.Expr | None = None
    hi: sympy.Expr | None = None


def time_code(time) -> str:
    """A time index as Python: ``t - 1``, ``T``, ``3``."""
    return str(sympy.sympify(time))


def name_code(var: ir.Var) -> str:
    """The identifier of a variable in generated code: ``h``, ``W_hh``, ``h_l2`` (layer 2)."""
    return var.name if var.layer is None else f"{var.name}_l{var.layer}"


def adjoint_code(var: ir.Var) -> str:
    """The identifier of ``dL/d var``: ``d_h``, ``d_W_hh``."""
    return "d_" + name_code(var)


def precedence(expr: ir.Expr) -> int:
    if isinstance(expr, ir.Add):
        return SUM
    if isinstance(expr, (ir.MatMul, ir.Hadamard, ir.Scale)):
        return PRODUCT
    if isinstance(expr, ir.OneMinus):
        return SUM
    if isinstance(expr, ir.Neg):
        return UNARY
    if isinstance(expr, ir.Transpose):
        return POSTFIX
    if isinstance(expr, ir.Const) and not expr.identity and expr.value < 0:
        return UNARY
    return ATOM


class NumPyCodePrinter(NumPyPrinter):
    """Prints one row-world ir expression as a NumPy expression."""

    def __init__(self, mode: TimeMode | None = None):
        super().__init__({"fully_qualified_modules": False})
        self.mode = mode or TimeMode()

    # ------------------------------------------------------------------ entry points

    def code(self, expr: ir.Expr) -> str:
        return self._print(expr)

    def wrap(self, expr, level: int) -> str:
        text = self._print(expr)
        return f"({text})" if precedence(expr) < level else text

    # ------------------------------------------------------------------ kinds

    def kind(self, expr: ir.Expr) -> str:
        """``rows``, ``cols`` or ``shared`` (see the module docstring)."""
        if isinstance(expr, ir.Var):
            return "shared" if expr.role == "param" else "rows"
        if isinstance(expr, ir.Adjoint):
            return self.kind(expr.of)
        if isinstance(expr, ir.Const):
            return "shared"
        if isinstance(expr, ir.Transpose):
            return {"rows": "cols", "cols": "rows", "shared": "shared"}[self.kind(expr.x)]
        if isinstance(expr, ir.MatMul):
            return self._matmul_form(expr)[0]
        if isinstance(expr, (ir.SumRows, BatchSum, ir.Loss)):
            return "shared"
        kinds = {self.kind(k) for k in expr.children()} - {"shared"}
        if len(kinds) > 1:
            raise CodegenError(f"cannot mix per-example rows and columns in {type(expr).__name__}")
        return kinds.pop() if kinds else "shared"

    def _matmul_form(self, e: ir.MatMul) -> tuple[str, str]:
        """``(kind, operator)`` of a product, by the kinds of its operands."""
        left, right = self.kind(e.left), self.kind(e.right)
        if right == "shared" and left in ("shared", "rows"):
            return left, "@"
        if left == "cols" and right == "rows":
            return "shared", "@"  # contraction over the batch: sum of per-example products
        if left == "shared" and right == "cols":
            return "cols", "@"
        if e.left.shape == (1, 1) and "shared" in (left, right):
            return right if left == "shared" else left, "*"
        if e.left.shape == (1, 1) and left == right == "rows":
            return "rows", "*"  # per-example scalars (transposes of 1 x 1 dropped)
        raise CodegenError(
            f"no batched form for a product of a {left} {e.left.shape} and a {right} {e.right.shape} operand"
        )

    # ------------------------------------------------------------------ leaves

    def _time_index(self, var: ir.Var) -> str:
        mode, time = self.mode, sympy.sympify(var.time)
        name = name_code(var)
        return self._indexed(name, time, mode)

    def _indexed(self, name: str, time, mode: TimeMode) -> str:
        if mode.how == "at" or mode.index not in time.free_symbols:
            if mode.how != "at" and mode.index not in time.free_symbols:
                raise CodegenError(f"{name} at fixed time {time} inside a sum over {mode.index}")
            return f"{name}[{time_code(time)}]"
        lo, hi = time.subs(mode.index, mode.lo), time.subs(mode.index, mode.hi)
        if mode.how == "slice":
            return f"{name}[{time_code(lo)}:{time_code(hi + 1)}]"
        return f"_steps({name}, {time_code(lo)}, {time_code(hi)})"

    def _print_Var(self, e: ir.Var) -> str:
        if e.time is None:
            return name_code(e)
        return self._time_index(e)

    def _print_Adjoint(self, e: ir.Adjoint) -> str:
        var = e.of
        if var.time is None:
            return adjoint_code(var)
        return self._indexed(adjoint_code(var), sympy.sympify(var.time), self.mode)

    def _print_Const(self, e: ir.Const) -> str:
        if e.identity:
            return f"np.eye({e.rows})"
        return f"{float(e.value)!r}"

    # ------------------------------------------------------------------ products and sums

    def wrap_product(self, expr, level: int, other: type) -> str:
        """Mixed ``@`` and ``*`` are always parenthesised, so nobody has to recall that they bind alike."""
        text = self._print(expr)
        return f"({text})" if precedence(expr) < level or isinstance(expr, other) else text

    def _print_MatMul(self, e: ir.MatMul) -> str:
        _, op = self._matmul_form(e)
        return f"{self.wrap_product(e.left, PRODUCT, ir.Hadamard)} {op} {self.wrap_product(e.right, PRODUCT + 1, ir.Hadamard)}"

    def _print_Add(self, e: ir.Add) -> str:
        out = self._print(e.terms[0])
        for term in e.terms[1:]:
            if isinstance(term, ir.Neg):
                out += f" - {self.wrap(term.x, SUM + 1)}"
            else:
                out += f" + {self.wrap(term, SUM + 1)}"
        return out

    def _print_Neg(self, e: ir.Neg) -> str:
        return f"-{self.wrap(e.x, PRODUCT + 1)}"

    def _print_Scale(self, e: ir.Scale) -> str:
        factor = sympy.sstr(sympy.sympify(e.factor))  # 1/T, 1/2: true division in Python 3
        if not (e.factor.is_Integer or e.factor.is_Symbol):
            factor = f"({factor})"
        return f"{factor} * {self.wrap(e.x, PRODUCT + 1)}"

    def _print_Transpose(self, e: ir.Transpose) -> str:
        return f"{self.wrap(e.x, ATOM)}.T"

    def _print_Hadamard(self, e: ir.Hadamard) -> str:
        return f"{self.wrap_product(e.left, PRODUCT, ir.MatMul)} * {self.wrap_product(e.right, PRODUCT + 1, ir.MatMul)}"

    def _print_OneMinus(self, e: ir.OneMinus) -> str:
        return f"1 - {self.wrap(e.x, SUM + 1)}"

    # ------------------------------------------------------------------ functions

    def _print_Apply(self, e: ir.Apply) -> str:
        return activation(e.fn).call(self._print(e.x))

    def _print_DerivApply(self, e: ir.DerivApply) -> str:
        return activation(e.fn).grad_call(self._print(e.x))

    def _print_Softmax(self, e: ir.Softmax) -> str:
        if e.axis != "row":
            raise CodegenError("softmax over columns reached the row-world printer; rewrite with codegen.rows_of")
        if e.mass is None:
            return f"_softmax({self._print(e.x)})"
        return f"_softmax({self._print(e.x)}) * np.sum({self._print(e.mass)}, axis=-1, keepdims=True)"

    def _print_Broadcast(self, e: ir.Broadcast) -> str:
        return self._print(e.x)  # NumPy broadcasting repeats a (1, n) row over the batch

    def _print_SumRows(self, e: ir.SumRows) -> str:
        # the method, not np.sum: np.sum's Python layer costs as much as the reduction on small arrays
        return f"{self.wrap(e.x, ATOM)}.sum(axis=0, keepdims=True)"

    def _print_BatchSum(self, e: BatchSum) -> str:
        return f"{self.wrap(e.x, ATOM)}.sum(axis=0, keepdims=True)"

    def _print_Diag(self, e: ir.Diag) -> str:
        if self.kind(e.x) != "shared":
            raise CodegenError("diag() of a per-example vector has no batched form; generated code uses Hadamard products")
        return f"np.diagflat({self._print(e.x)})"

    def _print_MatPow(self, e: ir.MatPow) -> str:
        return f"np.linalg.matrix_power({self._print(e.x)}, {time_code(e.exponent)})"

    def _print_Loss(self, e: ir.Loss) -> str:
        if e.axis != "row":
            raise CodegenError("a column-notation loss reached the row-world printer; rewrite with codegen.rows_of")
        return f"{loss_kind(e.kind).code}({self._print(e.pred)}, {self._print(e.target)})"

    def _print_TimeSum(self, e: ir.TimeSum) -> str:
        """Steps ``lo..hi`` stacked as rows: the enclosing contraction or loss sums over them."""
        inner = NumPyCodePrinter(TimeMode("flat", e.index, sympy.sympify(e.lo), sympy.sympify(e.hi)))
        return inner.code(e.body)

    def _print_Name(self, e: Name) -> str:
        return e.text

    def _print_Call(self, e: Call) -> str:
        return f"{e.fn}({', '.join(self._argument(a) for a in e.args)})"

    def _argument(self, value) -> str:
        if isinstance(value, str):
            return python_string(value)
        if isinstance(value, bool) or value is None:
            raise CodegenError(f"no argument form for {value!r} in a generated call")
        if isinstance(value, int):
            return str(value)
        if isinstance(value, tuple):
            items = [self._argument(v) for v in value]
            return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"
        if isinstance(value, sympy.Basic):
            return time_code(value)
        return self._print(value)

    def _print_TimeProduct(self, e: ir.TimeProduct) -> str:
        raise CodegenError("a product over time (closed form) has no loop form; generated code uses the recurrence")

    def _print_TimeHadamard(self, e: ir.TimeHadamard) -> str:
        raise CodegenError("an elementwise product over time (closed form) has no loop form; generated code uses the recurrence")


def numpy_code(expr: ir.Expr, mode: TimeMode | None = None) -> str:
    """The NumPy source of a row-world ir expression."""
    return NumPyCodePrinter(mode).code(expr)


__all__ = ["BatchSum", "Call", "CodegenError", "Name", "NumPyCodePrinter", "TimeMode", "adjoint_code", "name_code", "numpy_code", "time_code"]
