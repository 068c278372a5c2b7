"""Transposes, powers and the size of numbers, for the shape algebra of ``shapes.py``.

``A^{k}`` is a matrix power when ``A`` is a square expression of parameters (or Jacobians) only,
else an elementwise power with a small whole exponent; a power of a power multiplies the
exponents (``(W^{2})^{3}`` is ``W^6``). A number (``T T T``, ``9^9``) is refused when it grows
past ``limits.MAX_SCALAR`` at the longest sequence a check evaluates, so nothing downstream
overflows a float.
"""

from __future__ import annotations

import sympy

from ..core import ir
from ..i18n import _
from . import jacobian, limits
from .parse import AnswerError, AnswerLimit
from .reading import SymbolReader
from .values import Ones, Scalar, column, shape_text

MAX_DIGITS = 200
"""Most digits (numerator and denominator together) of an exact number in an answer."""

LONGEST_T = 7
"""The largest T a check evaluates a number at (``evaluate.MAX_CHECK_STEPS + 1``)."""


def _shown(expr) -> str:
    return str(expr).replace("**", "^")


class Powers(SymbolReader):
    """Transposes and powers, and the bound on numbers, shared by the builder's rules."""

    def bounded(self, value: Scalar, where, shown: str = "") -> Scalar:
        """``value`` if it stays within ``limits.MAX_SCALAR`` in size, and within ``MAX_DIGITS``
        digits, at every T a check evaluates (a product of typed decimals is fine)."""
        expr = sympy.sympify(value.value)
        for T in ((1, LONGEST_T) if ir.T_SYM in expr.free_symbols else (None,)):
            at = expr.subs(ir.T_SYM, T) if T is not None else expr
            if not at.is_Rational:
                continue
            digits = len(str(abs(at.p))) + len(str(at.q))
            if abs(at) > limits.MAX_SCALAR or digits > MAX_DIGITS:
                raise AnswerLimit(_("the number {value} is too large (the limit is {max_scalar} and {max_digits} digits)").format(value=shown or _shown(expr), max_scalar=limits.MAX_SCALAR, max_digits=MAX_DIGITS), self.text, column(where))
        return value

    def transpose(self, value, where):
        if isinstance(value, Ones):
            return Ones(not value.transposed, value.column)
        if isinstance(value, Scalar):
            if value.value == 1:
                return Ones(True, column(where))  # 1^T X: the row of ones, the sum over rows
            raise self.error(_("a number has no transpose"), where)
        return ir.transpose(value)

    def power(self, value, exponent, where):
        exponent = sympy.sympify(exponent)
        col = column(where)
        for s in exponent.free_symbols:
            if s != ir.T_SYM and s not in self.bound:
                raise AnswerError(_("the index {s} in the exponent is not bound by a sum").format(s=s), self.text, col)
        const = exponent.subs({s: 0 for s in exponent.free_symbols})
        if abs(int(const)) > limits.MAX_EXPONENT:
            raise AnswerLimit(_("the exponent {exponent} is above the limit of {max_exponent}").format(exponent=exponent, max_exponent=limits.MAX_EXPONENT), self.text, col)
        if isinstance(value, Scalar):
            if not exponent.is_Integer:
                raise AnswerError(_("a number can only be raised to a whole power"), self.text, col)
            return self.bounded(Scalar(value.value ** exponent), where, f"({_shown(value.value)})^{exponent}")
        if isinstance(value, Ones):
            raise AnswerError(_("cannot raise a vector of ones to a power"), self.text, col)
        if isinstance(value, ir.MatPow):  # (W^a)^b = W^(a b): exponents multiply
            return self.power(value.x, sympy.expand(sympy.sympify(value.exponent) * exponent), where)
        if value.rows == value.cols and value.rows > 1 and self._weights_only(value):
            return ir.matpow(value, exponent)
        if exponent.is_Integer and 1 <= int(exponent) <= limits.MAX_ELEMENTWISE_POWER:
            out = value
            for _step in range(int(exponent) - 1):
                out = ir.hadamard(out, value)
            return out
        if value.shape == (1, 1):
            return ir.matpow(value, exponent)
        raise AnswerError(
            _("the power {exponent} of a {shape_text} quantity: matrix powers are for square products of weights, elementwise powers for whole numbers 1..{max_elementwise_power}").format(exponent=exponent, shape_text=shape_text(value.shape), max_elementwise_power=limits.MAX_ELEMENTWISE_POWER), self.text, col)

    @staticmethod
    def _weights_only(expr: ir.Expr) -> bool:
        for node in ir.walk(expr):
            if isinstance(node, ir.Var) and node.role not in ("param", jacobian.ROLE):
                return False
            if isinstance(node, ir.Adjoint):
                return False
        return True

