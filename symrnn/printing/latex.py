"""LaTeX printer of matrix expressions: one ``_print_<Op>`` method per op of ``symrnn.core.ir``.

Each method is pinned by a one-line test in ``tests/test_printing.py``. Parentheses come from
precedence: a child binding more loosely than its parent needs is wrapped in ``\\left(\\right)``.
"""

from __future__ import annotations

import sympy

from ..core import ir
from ..core.activations import activation
from ..core.losses import loss_kind
from .naming import DECODER, adjoint_latex, time_latex, var_latex

SUM, SCALE, PRODUCT, POSTFIX, ATOM = 10, 20, 30, 40, 50


def precedence(expr: ir.Expr) -> int:
    if isinstance(expr, (ir.Add, ir.Neg, ir.OneMinus)):
        return SUM
    if isinstance(expr, (ir.Scale, ir.TimeSum, ir.TimeProduct, ir.TimeHadamard)):
        return SCALE
    if isinstance(expr, (ir.MatMul, ir.Hadamard, ir.SumRows, ir.Loss)):
        return PRODUCT
    if isinstance(expr, (ir.Transpose, ir.MatPow)):
        return POSTFIX
    return ATOM


class LatexPrinter:
    """``LatexPrinter().doprint(expr)``; dispatch on the op's class name."""

    def doprint(self, expr: ir.Expr) -> str:
        method = getattr(self, f"_print_{type(expr).__name__}", None)
        if method is None:
            raise TypeError(f"no LaTeX printer for {type(expr).__name__}; add _print_{type(expr).__name__}")
        return method(expr)

    def wrap(self, expr: ir.Expr, level: int, avoid: tuple[type, ...] = ()) -> str:
        text = self.doprint(expr)
        return rf"\left({text}\right)" if precedence(expr) < level or isinstance(expr, avoid) else text

    def _print_Var(self, e: ir.Var) -> str:
        return var_latex(e)

    def _print_Adjoint(self, e: ir.Adjoint) -> str:
        return adjoint_latex(e.of)

    def _print_Derivative(self, e: ir.Derivative) -> str:
        return f"\\frac{{\\partial {var_latex(e.of)}}}{{\\partial {var_latex(e.wrt)}}}"

    def _print_Const(self, e: ir.Const) -> str:
        if e.identity:
            return r"\mathbf{I}"
        if e.shape == (1, 1):
            return str(e.value)
        return r"\mathbf{1}" if e.value == 1 else r"\mathbf{0}" if e.value == 0 else rf"{e.value}\,\mathbf{{1}}"

    def _print_MatMul(self, e: ir.MatMul) -> str:
        return f"{self.wrap(e.left, PRODUCT, (ir.Hadamard,))} {self.wrap(e.right, PRODUCT, (ir.Hadamard,))}"

    def _print_Add(self, e: ir.Add) -> str:
        out = self.doprint(e.terms[0])
        for term in e.terms[1:]:
            if isinstance(term, ir.Neg):
                out += f" - {self.wrap(term.x, SUM + 1)}"
            else:
                out += f" + {self.doprint(term)}"
        return out

    def _print_Neg(self, e: ir.Neg) -> str:
        return f"-{self.wrap(e.x, SUM + 1)}"

    def _print_Scale(self, e: ir.Scale) -> str:
        factor = sympy.latex(e.factor)
        if e.factor.could_extract_minus_sign():
            factor = f"\\left({factor}\\right)"
        return f"{factor} {self.wrap(e.x, SCALE)}"

    def _print_Transpose(self, e: ir.Transpose) -> str:
        if isinstance(e.x, ir.Var) and (e.x.layer is not None or e.x.name.endswith(DECODER)):
            return var_latex(e.x, sup=r"\top")  # one superscript: a double one is a TeX error
        return f"{self.wrap(e.x, ATOM)}^{{\\top}}"

    def _print_Hadamard(self, e: ir.Hadamard) -> str:
        if e.shape == (1, 1):
            # Scalars (the seed's network): a plain product, as the lecture writes out(1 - out).
            right = PRODUCT if isinstance(e.right, ir.Hadamard) else PRODUCT + 1
            return f"{self.wrap(e.left, PRODUCT, (ir.MatMul,))} {self.wrap(e.right, right, (ir.MatMul,))}"
        return f"{self.wrap(e.left, PRODUCT, (ir.MatMul,))} \\odot {self.wrap(e.right, PRODUCT, (ir.MatMul,))}"

    def _print_OneMinus(self, e: ir.OneMinus) -> str:
        return f"1 - {self.wrap(e.x, SUM + 1)}"

    def _print_Apply(self, e: ir.Apply) -> str:
        return f"{activation(e.fn).latex}\\left({self.doprint(e.x)}\\right)"

    def _print_DerivApply(self, e: ir.DerivApply) -> str:
        return f"{activation(e.fn).latex}'\\left({self.doprint(e.x)}\\right)"

    def _print_Softmax(self, e: ir.Softmax) -> str:
        soft = f"\\operatorname{{softmax}}\\left({self.doprint(e.x)}\\right)"
        if e.mass is None:
            return soft
        if e.axis == "column":
            return f"{soft} \\left(\\mathbf{{1}}^{{\\top}} {self.wrap(e.mass, PRODUCT + 1)}\\right)"
        return f"\\operatorname{{diag}}\\left({self.wrap(e.mass, PRODUCT)} \\mathbf{{1}}\\right) {soft}"

    def _print_Broadcast(self, e: ir.Broadcast) -> str:
        return self.doprint(e.x)

    def _print_SumRows(self, e: ir.SumRows) -> str:
        return f"\\mathbf{{1}}^{{\\top}} {self.wrap(e.x, PRODUCT + 1)}"

    def _print_Diag(self, e: ir.Diag) -> str:
        return f"\\operatorname{{diag}}\\left({self.doprint(e.x)}\\right)"

    def _print_MatPow(self, e: ir.MatPow) -> str:
        base = self.wrap(e.x, ATOM, (ir.Var,) if isinstance(e.x, ir.Var) and e.x.layer is not None else ())
        return f"{base}^{{{time_latex(e.exponent)}}}"

    def _print_Loss(self, e: ir.Loss) -> str:
        return loss_kind(e.kind).latex(e, self.doprint(e.pred), self.doprint(e.target))

    def _print_TimeSum(self, e: ir.TimeSum) -> str:
        return f"\\sum_{{{e.index}={time_latex(e.lo)}}}^{{{time_latex(e.hi)}}} {self.wrap(e.body, SCALE + 1)}"

    def _print_TimeProduct(self, e: ir.TimeProduct) -> str:
        return f"\\prod_{{{e.index}={time_latex(e.lo)}}}^{{{time_latex(e.hi)}}} {self.wrap(e.body, SCALE + 1)}"

    def _print_TimeHadamard(self, e: ir.TimeHadamard) -> str:
        return f"\\bigodot_{{{e.index}={time_latex(e.lo)}}}^{{{time_latex(e.hi)}}} {self.wrap(e.body, SCALE + 1)}"


_PRINTER = LatexPrinter()


def latex(expr: ir.Expr) -> str:
    """The LaTeX of an ir expression."""
    return _PRINTER.doprint(expr)


def condition_latex(bounds) -> str:
    """``t = T`` or ``1 \\le t \\le T - 1`` from an equation's ``bounds``."""
    if bounds is None:
        return ""
    lo, hi = bounds
    if lo == hi:
        return f"t = {time_latex(lo)}"
    return f"{time_latex(lo)} \\le t \\le {time_latex(hi)}"


def equation_latex(eq) -> str:
    """``lhs = rhs`` of a derivation equation, with its condition when it has one."""
    text = f"{latex(eq.lhs)} = {latex(eq.rhs)}"
    cond = condition_latex(eq.bounds)
    if cond:
        text += f" \\qquad ({cond})"
    return text


def missing_glyphs(text: str) -> tuple[str, ...]:
    """The characters of ``text`` that a LaTeX document cannot typeset (they print as ``?``), in order.

    :func:`symrnn.printing.texescape.escape` keeps hostile or exotic text compiling by printing
    such a character as ``?``; a caller warns the user with :func:`glyph_warning` instead of
    letting it happen silently.
    """
    from .texescape import escape

    seen: dict[str, None] = {}
    for char in text:
        if char != "?" and not char.isspace() and escape(char) == "?":
            seen.setdefault(char, None)
    return tuple(seen)


def glyph_warning(field: str, text: str) -> str | None:
    """A one-line warning naming the characters of ``field`` that the document's font lacks, or ``None``."""
    missing = missing_glyphs(text)
    if not missing:
        return None
    names = ", ".join(f"'{c}' (U+{ord(c):04X})" for c in missing)
    return f"symrnn: warning: the LaTeX font has no glyph for {names} in {field}; it prints as '?'"
