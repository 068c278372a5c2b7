"""The shape algebra of typed answers: a parse tree into an ir expression, shapes checked.

``read(text, table)`` parses (``parse.py``) and builds; :class:`Builder` adds to the names and
atoms of :class:`~.reading.SymbolReader` one method per grammar rule of the algebra. Every
error names its column, and carries the mistake it points to when it is made.

Products: ``@``/``\\cdot``/juxtaposition are matrix products; ``*``/``\\odot`` elementwise;
a number times a matrix scales it. ``A^T``, ``A^{\\top}``, ``A.T`` transpose; ``A^{k}`` is a
matrix power when ``A`` is a square expression of parameters only (``(W_{hh}^{\\top})^{T-i}``),
else an elementwise power with a small whole exponent (``h_t^2``). ``1 - X`` is elementwise.
A row vector added to a matrix with as many columns is broadcast over its rows (a bias).
``\\mathbf{1}^{\\top} X`` is the sum of the rows of ``X``.
"""

from __future__ import annotations

import sympy
from lark import Tree

from ..core import ir
from ..core.errors import ShapeError
from ..i18n import _
from . import jacobian, naming
from .naming import FUNCTIONS
from .parse import AnswerError, parse_tree
from .powers import Powers
from .symbols import INDEX_NAMES, SymbolTable, index_symbol
from .values import Ones, Pending, Scalar, column, shape_text

__all__ = ["FUNCTIONS", "Builder", "read"]

MATMUL_OPS = {"@", "\\cdot", "\\times", "\u00b7"}
HADAMARD_OPS = {"*", "\\odot", "\\circ", "\u2299"}
BIG_KINDS = {"\u2211": "sum", "\u220f": "prod", "\\bigodot": "hprod", "\u2a00": "hprod", "odot": "hprod"}
"""A big operator's kind by its token (``\\sum`` and ``sum`` are found by name): ``hprod`` is the
elementwise product over time of row notation's closed forms, ``\\bigodot_{j=t+1}^{k} F_j``."""


class Builder(Powers):
    """Turns one parse tree into an ir expression for one symbol table."""

    def build(self, tree) -> ir.Expr:
        value = self.value(tree)
        value = self.resolve(value, tree)
        if isinstance(value, Ones):
            raise self.error(_("a vector of ones must multiply something (\\mathbf{1}^{\\top} X sums the rows of X)"), tree)
        return value

    def r_group(self, node):
        return self.matrix(node.children[1])

    def r_brace(self, node):
        """``{\\left(W^\\top\\right)}^{T-i}``: a brace group, as printed by D2L."""
        return self.matrix(node.children[0])

    def r_call(self, node):
        kids = node.children
        fn_tok = kids[0]
        prime = len(kids) == 5
        arg = self.matrix(kids[-2])
        raw = naming.function_name(fn_tok.value)
        fn = FUNCTIONS.get(raw)
        if fn is None:
            raise self.error(_("unknown function {value}").format(value=repr(fn_tok.value)), fn_tok)
        if fn == "spec":
            fn = self._spec_activation(fn_tok)
        if isinstance(arg, (Scalar, Ones)):
            raise self.error(_("{raw} needs a matrix argument").format(raw=raw), fn_tok)
        if fn in ("diag", "softmax", "sum_rows"):
            if prime:
                raise self.error(_("{raw}' is not supported").format(raw=raw), fn_tok)
            if fn == "diag":
                if arg.cols != 1:
                    raise self.error(_("diag needs a column vector, got shape {shape_text}").format(shape_text=shape_text(arg.shape)), fn_tok)
                return ir.Diag(arg)
            if fn == "sum_rows":
                return ir.sum_rows(arg)
            axis = "row" if self.table.derivation.spec.__dict__.get("notation") == "row" else "column"
            return ir.Softmax(arg, axis)
        return ir.DerivApply(fn, arg) if prime else ir.Apply(fn, arg)

    def r_call_pow(self, node):
        """``\\tanh^2(C_t)``: the function's value to an elementwise power."""
        fn_tok, power_tok, lpar, arg, rpar = node.children
        value = self.r_call(Tree("call", [fn_tok, lpar, arg, rpar]))
        return self.power(value, sympy.Integer(self.small_int(power_tok)), power_tok)

    def r_prodfn(self, node):
        """D2L's ``\\textrm{prod}(g, J)``: the product after the transposes it needs, ``J^T g``
        for an adjoint ``g`` and a Jacobian ``J`` (else the first of ``g J``, ``J g`` that fits)."""
        a, b = self.matrix(node.children[2]), self.matrix(node.children[3])
        if isinstance(a, (Scalar, Ones)) or isinstance(b, (Scalar, Ones)):
            return self.multiply(a, b, "matmul", node.children[0])
        for left, right in ((ir.transpose(b), a), (a, b), (b, a)):
            if left.cols == right.rows:
                return ir.matmul(left, right)
        raise self.error(_("prod of a {shape_text} and a {shape_text2} quantity fits no order").format(shape_text=shape_text(a.shape), shape_text2=shape_text(b.shape)), node.children[0])

    def _spec_activation(self, tok) -> str:
        spec = self.table.derivation.spec
        act = getattr(spec, "activation", None)
        if getattr(spec, "cell", None) == "rnn" and act:
            return act
        raise AnswerError(_("f is ambiguous for this network; write \\tanh or \\sigma"), self.text, tok.column)

    def r_frac(self, node):
        _frac, num, den = node.children
        target = naming.adjoint_target(num, den, self.text)
        if target is not None:
            value = self.value(target)
            if not isinstance(value, Pending):
                raise self.error(_("\\partial must be followed by a quantity of the network"), den)
            value.adjoint = True
            return self.resolve(value, den)
        jac = naming.jacobian_target(num, den)
        if jac is not None:
            return self.jacobian(jac, node)
        a = self.matrix(num)
        b = self.matrix(den)
        return self.divide(a, b, den)

    def jacobian(self, parts, node) -> ir.Var:
        """``\\frac{\\partial x}{\\partial y}``: the Jacobian of two quantities (``jacobian.py``)."""
        ends = []
        for tree, strip in parts:
            value = self.value(tree)
            if not isinstance(value, Pending) or value.adjoint:
                raise self.error(_("a Jacobian \\frac{\\partial x}{\\partial y} needs a quantity of the network above and below"), tree)
            if strip:
                value.base = value.base[1:]
            var = self.resolve(value, tree)
            if not isinstance(var, ir.Var):
                raise self.error(_("a Jacobian needs a quantity of the network above and below"), tree)
            ends.append(var)
        try:
            return jacobian.make(*ends, free=self.free)
        except ValueError as err:
            raise self.error(str(err), node) from None

    def r_div(self, node):
        left_t, slash, right_t = node.children
        if isinstance(left_t, Tree) and left_t.data == "name" and left_t.children[0].value == "dL" and naming.d_prefixed(right_t):
            value = self.value(right_t)
            value.adjoint = True
            return self.resolve(value, right_t)
        return self.divide(self.matrix(left_t), self.matrix(right_t), slash)

    def r_tick(self, node):
        value = self.value(node.children[0])
        if isinstance(value, Pending) and not value.transposed and not value.adjoint and value.index is None:
            value.transposed = True  # hᵀ_1: subscripts may follow
            return value
        return self.transpose(self.resolve(value, node.children[0]), node.children[1])

    def r_sup(self, node):
        target, arg = node.children[0], node.children[-1]
        if arg.data in ("suparg_layer", "suparg_layer_top"):
            value = self.value(target)
            layer_tok = arg.children[1]
            if not isinstance(value, Pending):
                raise self.error(_("a layer ^{(n)} must follow a name"), layer_tok)
            value.layer = int(self.small_int(layer_tok))
            if arg.data == "suparg_layer_top":
                value.transposed = not value.transposed
            return value
        value = self.value(target)
        is_top = arg.data == "suparg_top" or (arg.data == "suparg_simple" and arg.children[0].value == "T") or (
            arg.data == "suparg_idx" and self.piece_from_idx(arg.children[0])[:2] == ("word", "T"))
        if is_top and isinstance(value, Pending) and not value.transposed and not value.adjoint:
            value.transposed = True  # resolved (and transposed) once its subscripts are read
            return value
        if arg.data == "suparg_top":
            return self.transpose(self.resolve(value, target), arg)
        if arg.data == "suparg_simple":
            tok = arg.children[0]
            if tok.type == "NAME":
                if tok.value == "T":
                    return self.transpose(self.resolve(value, target), arg)
                if tok.value not in INDEX_NAMES:
                    raise AnswerError(_("unknown superscript {value}").format(value=repr(tok.value)), self.text, tok.column)
                exponent = index_symbol(tok.value)
            else:
                exponent = sympy.Integer(self.small_int(tok))
        elif arg.data == "suparg_paren":
            exponent = self.r_idx(arg.children[1])
        else:  # suparg_idx
            exponent = self.r_idx(arg.children[0])
            if exponent == ir.T_SYM and not isinstance(self.resolve(value, target), Scalar):
                return self.transpose(self.resolve(value, target), arg)
        return self.power(self.resolve(value, target), exponent, arg)

    def r_add(self, node):
        return self.combine(node.children[0], node.children[2], 1, node.children[1])

    def r_sub(self, node):
        return self.combine(node.children[0], node.children[2], -1, node.children[1])

    def combine(self, left_t, right_t, sign, op_tok):
        a = self.matrix(left_t)
        b = self.matrix(right_t)
        a, b = self._no_ones(a, left_t), self._no_ones(b, right_t)
        if isinstance(a, Scalar) and isinstance(b, Scalar):
            return self.bounded(Scalar(a.value + sign * b.value), op_tok)
        if isinstance(a, Scalar):
            if sign < 0 and a.value == 1:
                return ir.one_minus(b)
            return ir.add(self._const_like(a, b), b if sign > 0 else ir.neg(b))
        if isinstance(b, Scalar):
            b_m = self._const_like(b, a)
            return ir.add(a, b_m if sign > 0 else ir.neg(b_m))
        if sign < 0:
            b = ir.neg(b)
        if a.shape != b.shape:
            if a.rows == 1 and a.cols == b.cols:
                a = ir.broadcast(a, b.rows)
            elif b.rows == 1 and b.cols == a.cols:
                b = ir.broadcast(b, a.rows)
            else:
                raise AnswerError(_("cannot add shapes {shape_text} and {shape_text2}").format(shape_text=shape_text(a.shape), shape_text2=shape_text(b.shape)), self.text, op_tok.column)
        return ir.add(a, b)

    def _no_ones(self, value, where):
        if isinstance(value, Ones):
            raise self.error(_("\\mathbf{1}^{\\top} must multiply a matrix on its right"), where)
        return value

    @staticmethod
    def _const_like(s: Scalar, like: ir.Expr) -> ir.Expr:
        if s.value.is_Integer:
            return ir.Const(like.shape, int(s.value)) if s.value != 0 else ir.zeros(like.shape)
        return ir.scale(s.value, ir.ones(like.shape))

    def r_neg(self, node):
        value = self._no_ones(self.matrix(node.children[1]), node)
        if isinstance(value, Scalar):
            return Scalar(-value.value)
        return ir.neg(value)

    def r_pos(self, node):
        return self.matrix(node.children[1])

    def r_binop(self, node):
        left_t, op, right_t = node.children
        kind = "matmul" if op.value in MATMUL_OPS else "hadamard"
        return self.multiply(self.matrix(left_t), self.matrix(right_t), kind, op)

    def r_juxt(self, node):
        left_t, right_t = node.children
        return self.multiply(self.matrix(left_t), self.matrix(right_t), "matmul", right_t)

    def divide(self, a, b, where):
        if not isinstance(b, Scalar):
            raise self.error(_("only division by a number (or T) is supported"), where)
        if b.value == 0:
            raise self.error(_("division by zero"), where)
        if isinstance(a, Scalar):
            return self.bounded(Scalar(a.value / b.value), where)
        if isinstance(a, Ones):
            raise self.error(_("cannot divide a vector of ones"), where)
        return ir.scale(1 / b.value, a)

    def multiply(self, a, b, kind, where):
        if isinstance(a, Ones):
            if not a.transposed:
                raise self.error(_("write the row of ones as \\mathbf{1}^{\\top}"), where)
            if isinstance(b, (Scalar, Ones)):
                raise self.error(_("\\mathbf{1}^{\\top} must multiply a matrix"), where)
            return ir.sum_rows(b)
        if isinstance(b, Ones):
            raise self.error(_("a vector of ones on the right is not supported"), where)
        if isinstance(a, Scalar) and isinstance(b, Scalar):
            return self.bounded(Scalar(a.value * b.value), where)
        if isinstance(a, Scalar):
            return ir.scale(a.value, b)
        if isinstance(b, Scalar):
            return ir.scale(b.value, a)
        try:
            if kind == "hadamard":
                if a.shape != b.shape:
                    raise AnswerError(_("cannot take the elementwise product of shapes {shape_text} and {shape_text2}").format(shape_text=shape_text(a.shape), shape_text2=shape_text(b.shape)), self.text, column(where))
                return ir.hadamard(a, b)
            if a.cols != b.rows:
                if a.shape == (1, 1):
                    return self._scalar_times(a, b)
                if b.shape == (1, 1):
                    return self._scalar_times(b, a)
                hint = ""
                if a.cols == b.cols:
                    hint = " " + _("(is a transpose missing? with the right factor transposed the product is {shape})").format(
                        shape=shape_text((a.rows, b.rows)))
                elif a.rows == b.rows:
                    hint = " " + _("(is a transpose missing? with the left factor transposed the product is {shape})").format(
                        shape=shape_text((a.cols, b.cols)))
                raise AnswerError(_("cannot multiply a {shape_text} matrix by a {shape_text2} matrix{hint}").format(shape_text=shape_text(a.shape), shape_text2=shape_text(b.shape), hint=hint),
                                  self.text, column(where), hint="missing_transpose" if hint else "")
            return ir.matmul(a, b)
        except ShapeError as err:  # pragma: no cover - the checks above come first
            raise AnswerError(str(err), self.text, column(where)) from None

    @staticmethod
    def _scalar_times(s: ir.Expr, m: ir.Expr) -> ir.Expr:
        """A 1x1 quantity times a matrix: ``(1 s 1^T) ⊙ M``."""
        spread = ir.matmul(ir.matmul(ir.ones((m.rows, 1)), s), ir.ones((1, m.cols)))
        return ir.hadamard(spread, m)

    def r_big(self, node):
        return self.big(node.children[0], node.children[1])

    def r_coef_big(self, node):
        coef_t, bigop, body = node.children
        coef = self.matrix(coef_t)
        return self.multiply(coef, self.big(bigop, body), "matmul", bigop)

    def r_coef_big_op(self, node):
        coef_t, op, bigop, body = node.children
        kind = "matmul" if op.value in MATMUL_OPS else "hadamard"
        return self.multiply(self.matrix(coef_t), self.big(bigop, body), kind, op)

    def big(self, bigop, body_t):
        op_tok = bigop.children[0]
        kind = BIG_KINDS.get(op_tok.value, "prod" if "prod" in op_tok.value else "sum")
        name, lo, hi = "t", sympy.Integer(1), ir.T_SYM
        for part in bigop.children[1:]:
            if part.data == "sub_simple":
                name = part.children[0].value
            elif part.data == "sub_range":
                name = part.children[0].value
                lo = self.r_idx(part.children[1])
            elif part.data == "sup_simple":
                tok = part.children[0]
                if tok.type == "NUMBER":
                    hi = sympy.Integer(self.small_int(tok))
                elif tok.value in INDEX_NAMES:
                    hi = index_symbol(tok.value)
                else:
                    raise AnswerError(_("{value} is not an index").format(value=repr(tok.value)), self.text, tok.column)
            else:
                hi = self.r_idx(part.children[0])
        if name not in INDEX_NAMES or name == "T":
            raise AnswerError(_("the summation index must be t, i, j or k, not {name}").format(name=repr(name)), self.text, op_tok.column)
        sym = index_symbol(name)
        if sym in self.bound:
            raise AnswerError(_("the index {name} is already bound by an outer sum").format(name=name), self.text, op_tok.column)
        for bound_expr in (lo, hi):
            self.check_bound(bound_expr, op_tok.column)
        self.bound.append(sym)
        try:
            body = self.matrix(body_t)
        finally:
            self.bound.pop()
        body = self._no_ones(body, body_t)
        if isinstance(body, Scalar):
            raise AnswerError(_("a sum over time needs a matrix body"), self.text, op_tok.column)
        if kind == "hprod":
            return ir.TimeHadamard(sym, lo, hi, body)
        if kind == "prod":
            if body.rows != body.cols:
                raise AnswerError(_("a product over time needs a square body"), self.text, op_tok.column)
            return ir.TimeProduct(sym, lo, hi, body)
        return ir.TimeSum(sym, lo, hi, body)


def read(text: str, table: SymbolTable, shape: tuple[int, int] | None = None, free: tuple = ()) -> ir.Expr:
    """The ir expression of a typed answer (parse, resolve symbols, infer shapes).

    A plain ``0`` reads as the zero matrix of ``shape`` (the expected answer's shape); ``free``
    are the indices the answer may use unbound (``t`` for a quantity asked at a generic step).
    """
    tree = parse_tree(text)
    builder = Builder(table, text, free=free)
    value = builder.build(tree)
    if isinstance(value, Scalar):
        if value.value == 0 and shape is not None:
            return ir.zeros(shape)
        if shape == (1, 1) and value.value.is_Rational:
            return ir.scale(value.value, ir.ones((1, 1)))
        raise AnswerError(_("the answer is the number {value}, not a matrix").format(value=value.value))
    return value
