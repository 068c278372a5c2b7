"""Plain-text printer of matrix expressions (``@`` matrix product, ``*`` elementwise, ``.T``).

The syntax is the one the checker reads: ``W_hh.T @ dL_dh[t+1] + W_qh.T @ dL_do[t]``.
"""

from __future__ import annotations

import sympy

from ..core import ir
from ..core.activations import activation
from ..core.losses import loss_kind
from .latex import ATOM, POSTFIX, PRODUCT, SCALE, SUM, precedence
from .naming import adjoint_plain, time_text, var_plain


class PlainPrinter:
    def doprint(self, expr: ir.Expr) -> str:
        method = getattr(self, f"_print_{type(expr).__name__}", None)
        if method is None:
            raise TypeError(f"no plain printer for {type(expr).__name__}; add _print_{type(expr).__name__}")
        return method(expr)

    def wrap(self, expr: ir.Expr, level: int, avoid: tuple[type, ...] = ()) -> str:
        text = self.doprint(expr)
        return f"({text})" if precedence(expr) < level or isinstance(expr, avoid) else text

    def _print_Var(self, e):
        return var_plain(e)

    def _print_Adjoint(self, e):
        return adjoint_plain(e.of)

    def _print_Derivative(self, e):
        return f"d{var_plain(e.of)}/d{var_plain(e.wrt)}"

    def _print_Const(self, e):
        if e.identity:
            return "I"
        if e.shape == (1, 1):
            return str(e.value)
        return {0: "zeros", 1: "ones"}.get(e.value, f"{e.value}*ones") + f"({e.rows}, {e.cols})"

    def _print_MatMul(self, e):
        op = " * " if e.left.shape == (1, 1) and e.right.shape == (1, 1) else " @ "
        return f"{self.wrap(e.left, PRODUCT, (ir.Hadamard,))}{op}{self.wrap(e.right, PRODUCT, (ir.Hadamard,))}"

    def _print_Add(self, e):
        out = self.doprint(e.terms[0])
        for term in e.terms[1:]:
            if isinstance(term, ir.Neg):
                out += f" - {self.wrap(term.x, SUM + 1)}"
            else:
                out += f" + {self.doprint(term)}"
        return out

    def _print_Neg(self, e):
        return f"-{self.wrap(e.x, SUM + 1)}"

    def _print_Scale(self, e):
        factor = sympy.sstr(e.factor)
        if not (e.factor.is_Integer or e.factor.is_Symbol):
            factor = f"({factor})"
        return f"{factor} * {self.wrap(e.x, SCALE)}"

    def _print_Transpose(self, e):
        return f"{self.wrap(e.x, ATOM)}.T"

    def _print_Hadamard(self, e):
        return f"{self.wrap(e.left, PRODUCT, (ir.MatMul,))} * {self.wrap(e.right, PRODUCT, (ir.MatMul,))}"

    def _print_OneMinus(self, e):
        return f"1 - {self.wrap(e.x, SUM + 1)}"

    def _print_Apply(self, e):
        return f"{activation(e.fn).plain}({self.doprint(e.x)})"

    def _print_DerivApply(self, e):
        return f"{activation(e.fn).plain}'({self.doprint(e.x)})"

    def _print_Softmax(self, e):
        soft = f"softmax({self.doprint(e.x)})"
        if e.mass is None:
            return soft
        if e.axis == "column":
            return f"{soft} * sum({self.doprint(e.mass)})"
        return f"{soft} * rowsum({self.doprint(e.mass)})"

    def _print_Broadcast(self, e):
        return self.doprint(e.x)

    def _print_SumRows(self, e):
        return f"sum_rows({self.doprint(e.x)})"

    def _print_Diag(self, e):
        return f"diag({self.doprint(e.x)})"

    def _print_MatPow(self, e):
        return f"{self.wrap(e.x, ATOM)}^({time_text(e.exponent)})"

    def _print_Loss(self, e):
        return loss_kind(e.kind).plain(e, self.doprint(e.pred), self.doprint(e.target))

    def _print_TimeSum(self, e):
        return f"sum_{{{e.index}={time_text(e.lo)}}}^{{{time_text(e.hi)}}} {self.wrap(e.body, SCALE + 1)}"

    def _print_TimeProduct(self, e):
        return f"prod_{{{e.index}={time_text(e.lo)}}}^{{{time_text(e.hi)}}} {self.wrap(e.body, SCALE + 1)}"

    def _print_TimeHadamard(self, e):
        return f"odot_{{{e.index}={time_text(e.lo)}}}^{{{time_text(e.hi)}}} {self.wrap(e.body, SCALE + 1)}"


_PRINTER = PlainPrinter()


def plain(expr: ir.Expr) -> str:
    """The plain text of an ir expression."""
    return _PRINTER.doprint(expr)


def condition_plain(bounds) -> str:
    if bounds is None:
        return ""
    lo, hi = bounds
    if lo == hi:
        return f"t = {time_text(lo)}"
    return f"{time_text(lo)} <= t <= {time_text(hi)}"


def equation_plain(eq) -> str:
    text = f"{plain(eq.lhs)} = {plain(eq.rhs)}"
    cond = condition_plain(eq.bounds)
    if cond:
        text += f"    ({cond})"
    return text


__all__ = ["POSTFIX", "equation_plain", "plain"]
