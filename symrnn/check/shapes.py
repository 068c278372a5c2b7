"""Build an ir expression from a parse tree, inferring shapes; every error names its column.

One function per grammar rule (a dict keyed by the rule's name). Values while building are
ir expressions, :class:`Scalar` numbers (``\\frac{1}{T}``, ``2``), :class:`Pending` symbols
(a name whose subscripts, index and layer are still being read: ``W`` ``_{hh}`` ``^{(2)}``)
and the row of ones ``\\mathbf{1}^{\\top}`` (the sum over a batch's rows).

Products: ``@``/``\\cdot``/juxtaposition are matrix products; ``*``/``\\odot`` elementwise;
a number times a matrix scales it. ``A^T``, ``A^{\\top}``, ``A.T`` transpose; ``A^{k}`` is a
matrix power when ``A`` is a square expression of parameters only (``(W_{hh}^{\\top})^{T-i}``),
else an elementwise power with a small whole exponent (``h_t^2``). ``1 - X`` is elementwise.
A row vector added to a matrix with as many columns is broadcast over its rows (a bias).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

import sympy
from lark import Token, Tree

from ..core import ir
from ..core.activations import ACTIVATIONS
from ..core.errors import ShapeError
from . import limits
from .parse import AnswerError, AnswerLimit, parse_tree
from .symbols import INDEX_NAMES, SymbolTable, index_symbol


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


ALIASES = {"z": "a"}
"""Other names for a quantity, tried when the name itself is unknown: ``z_t``, the usual letter
for a pre-activation, is this project's ``a_t`` (the echo shows the name it was read as)."""

MATMUL_OPS = {"@", "\\cdot", "\\times", "\u00b7"}
HADAMARD_OPS = {"*", "\\odot", "\\circ", "\u2299"}

FUNCTIONS = {
    **{alias: act.name for act in ACTIVATIONS.values() for alias in (act.name, *act.aliases)},
    "diag": "diag", "softmax": "softmax", "sum_rows": "sum_rows", "sum\\_rows": "sum_rows", "phi": "spec", "f": "spec",
}


def _col(node) -> int | None:
    if isinstance(node, Token):
        return node.column
    meta = getattr(node, "meta", None)
    return getattr(meta, "column", None) if meta is not None and not getattr(meta, "empty", True) else None


def _shape_text(shape) -> str:
    return f"{shape[0]}x{shape[1]}"


class Builder:
    """Turns one parse tree into an ir expression for one symbol table."""

    def __init__(self, table: SymbolTable, text: str):
        self.table = table
        self.text = text
        self.bound: list[sympy.Symbol] = []

    # ----------------------------------------------------------------- errors

    def error(self, message: str, node=None) -> AnswerError:
        return AnswerError(message, self.text, _col(node) if node is not None else None)

    # ----------------------------------------------------------------- entry

    def build(self, tree) -> ir.Expr:
        value = self.value(tree)
        value = self.resolve(value, tree)
        if isinstance(value, Ones):
            raise self.error("a vector of ones must multiply something (\\mathbf{1}^{\\top} X sums the rows of X)", tree)
        return value

    def value(self, node):
        if isinstance(node, Token):
            raise self.error(f"unexpected {node.value!r}", node)
        fn = getattr(self, f"r_{node.data}", None)
        if fn is None:
            raise self.error(f"cannot read this part ({node.data})", node)
        return fn(node)

    def matrix(self, node) -> ir.Expr | Scalar:
        """Build ``node`` and resolve a pending symbol."""
        return self.resolve(self.value(node), node)

    # ----------------------------------------------------------------- symbols

    def resolve(self, value, node):
        if isinstance(value, Pending):
            resolved = self.resolve_symbol(value, node)
            return ir.transpose(resolved) if value.transposed and not isinstance(resolved, Scalar) else resolved
        return value

    def resolve_symbol(self, p: Pending, node) -> ir.Expr | Scalar:
        table = self.table
        base = p.base
        pieces = list(p.pieces)
        adjoint = p.adjoint
        col = p.column if p.column is not None else _col(node)
        if base == "dL" and not adjoint and pieces and pieces[0][0] == "word" and pieces[0][1].startswith("d") and len(pieces[0][1]) > 1:
            adjoint = True
            base = pieces[0][1][1:]
            pieces = pieces[1:]
        elif adjoint and not p.wrappers and base.startswith("d") and len(base) > 1 and not table.has(base):
            base = base[1:]
        if base == "delta":
            adjoint = True
            layer = p.layer
            for kind, value, _c in pieces:
                if kind == "word" and value.startswith("l") and value[1:].isdigit():
                    layer = int(value[1:])
            target = table.delta_target(layer)
            if target is None:
                raise AnswerError("\\delta is ambiguous for this network; write \\frac{\\partial L}{\\partial ...} instead", self.text, col)
            base = target
        if not pieces and p.index is None and not p.wrappers and not adjoint and p.layer is None and not table.has(base):
            if base == "T":
                return Scalar(ir.T_SYM)
            if base in INDEX_NAMES:
                raise AnswerError(f"the index {base} cannot be used as a number", self.text, col)
        name, rest = self._name(base, pieces, p.wrappers, col)
        layer = p.layer
        time = None
        for kind, value, pcol in rest:
            if kind == "word" and value.startswith("l") and value[1:].isdigit() and layer is None:
                layer = int(value[1:])
                continue
            if time is not None:
                raise AnswerError(f"{name} has more than one time index", self.text, pcol)
            time = self._time_piece(kind, value, pcol)
        if p.index is not None:
            if time is not None:
                raise AnswerError(f"{name} has both a subscript and a bracket time index", self.text, col)
            time = p.index
        sym = table.lookup(name, layer)
        if sym is None:
            layers = table.layers_of(name)
            if layers:
                options = " or ".join(f"{name}^{{({n})}}" for n in layers)
                raise AnswerError(f"{name} needs its layer: {options}", self.text, col)
            raise AnswerError(f"{name} is in layer {layer}, which does not exist", self.text, col)
        if sym.timed and time is None:
            raise AnswerError(f"{name} needs a time index, e.g. {name}_t or {name}_{{t-1}}", self.text, col)
        if not sym.timed and time is not None:
            raise AnswerError(f"{name} has no time index (it is shared by every step)", self.text, col)
        if time is not None:
            self._check_bound(time, col)
        var = sym.var(time)
        if adjoint:
            if sym.role == "param":
                raise AnswerError(f"the answer may not use dL/d{sym.key}: that is what it should compute", self.text, col)
            if sym.role != "node" or name == table.loss:
                raise AnswerError(f"dL/d{name} is not a quantity of the derivation (only graph nodes have adjoints)", self.text, col)
            return ir.Adjoint(var)
        return var

    def _name(self, base: str, pieces: list, wrappers: tuple, col):
        table = self.table
        words = []
        for kind, value, _c in pieces:
            if kind in ("word", "num"):
                words.append(value)
            else:
                break
        for name in (base, ALIASES.get(base)):
            if name is None:
                continue
            for k in range(len(words), -1, -1):
                for cand in self._candidates(name, words[:k]):
                    cand = self._decorate(cand, wrappers)
                    if table.has(cand):
                        return cand, pieces[k:]
        shown = self._decorate("_".join([base] + words[:1]) if words and words[0] not in INDEX_NAMES else base, wrappers)
        raise AnswerError(f"unknown symbol {shown!r}; this network has: {table.listing()}", self.text, col)

    @staticmethod
    def _candidates(base: str, words: list[str]) -> list[str]:
        out = [base]
        for w in words:
            out = [c + sep + w for c in out for sep in ("_", "")]
        return out

    @staticmethod
    def _decorate(name: str, wrappers: tuple) -> str:
        if "tilde" in wrappers or "widetilde" in wrappers:
            name += "_tilde"
        if "hat" in wrappers or "widehat" in wrappers:
            name += "hat"
        return name

    def _time_piece(self, kind, value, col):
        if kind == "num":
            return sympy.Integer(int(value))
        if kind == "word":
            if value in INDEX_NAMES:
                return index_symbol(value)
            raise AnswerError(f"{value!r} is not a time index (use t, T, i, j, k or a number)", self.text, col)
        return value

    def _check_bound(self, expr, col) -> None:
        for s in sympy.sympify(expr).free_symbols:
            if s != ir.T_SYM and s not in self.bound:
                raise AnswerError(f"the index {s} is not bound by a sum (write \\sum_{{{s}=1}}^{{T}} ...)", self.text, col)

    # ----------------------------------------------------------------- index expressions

    def r_idx(self, node) -> sympy.Expr:
        total = sympy.Integer(0)
        sign = 1
        for child in node.children:
            if isinstance(child, Token) and child.type in ("PLUS", "MINUS"):
                sign = -1 if child.type == "MINUS" else 1
                continue
            total += sign * self.value(child)
            sign = 1
        return total

    def _small_int(self, token) -> int:
        if "." in token.value:
            raise AnswerError(f"{token.value} is not a whole number", self.text, token.column)
        n = int(token.value)
        if n > limits.MAX_EXPONENT * 16:
            raise AnswerLimit(f"{n} is above the limit of {limits.MAX_EXPONENT * 16} for an index", self.text, token.column)
        return n

    def r_iterm_num(self, node):
        return sympy.Integer(self._small_int(node.children[0]))

    def r_iterm_name(self, node):
        tok = node.children[0]
        if tok.value not in INDEX_NAMES:
            raise AnswerError(f"{tok.value!r} is not an index (use t, T, i, j, k)", self.text, tok.column)
        return index_symbol(tok.value)

    def r_iterm_coef(self, node):
        n = self._small_int(node.children[0])
        return n * self.r_iterm_name(Tree("iterm_name", [node.children[1]]))

    def _piece_from_idx(self, idx_tree):
        kids = idx_tree.children
        if len(kids) == 1 and isinstance(kids[0], Tree):
            term = kids[0]
            tok = term.children[0]
            if term.data == "iterm_name":
                return ("word", tok.value, tok.column)
            if term.data == "iterm_num":
                return ("num", tok.value, tok.column)
        return ("expr", self.r_idx(idx_tree), _col(idx_tree))

    # ----------------------------------------------------------------- atoms

    def r_number(self, node):
        tok = node.children[0]
        frac = Fraction(tok.value)  # digits and one dot, checked by the grammar: no sympify
        return Scalar(sympy.Rational(frac.numerator, frac.denominator))

    def r_name(self, node):
        tok = node.children[0]
        return Pending(tok.value, tok.column)

    def r_adj_name(self, node):
        """``dL/dh`` (one token, so it binds tightly inside products: ``h_{t-1} dL/dh_t``)."""
        inner = node.children[1]
        value = Pending(inner.value, inner.column) if isinstance(inner, Token) else self.value(inner)
        if not isinstance(value, Pending):
            raise self.error("dL/d must be followed by a quantity of the network", node)
        value.adjoint = True
        return value

    def r_delta(self, node):
        return Pending("delta", node.children[0].column)

    def r_partial(self, node):
        raise self.error("write derivatives as \\frac{\\partial L}{\\partial x}", node)

    def r_wrapped(self, node):
        wrap_tok, inner = node.children
        kind = wrap_tok.value[1:].rstrip("{").strip()
        if isinstance(inner, Token) and inner.type == "NUMBER":
            if inner.value == "1":
                return Ones(False, inner.column)
            raise AnswerError(f"\\{kind}{{{inner.value}}} is not supported", self.text, inner.column)
        if isinstance(inner, Token):
            return Pending(inner.value, inner.column, wrappers=(kind,))
        value = self.value(inner)
        if isinstance(value, Pending):
            value.wrappers = value.wrappers + (kind,)
            return value
        return value

    def r_group(self, node):
        return self.matrix(node.children[1])

    def r_call(self, node):
        kids = node.children
        fn_tok = kids[0]
        prime = len(kids) == 5
        arg = self.matrix(kids[-2])
        raw = fn_tok.value
        for prefix in ("\\operatorname", "\\mathrm", "\\textrm", "\\text", "\\mathop"):
            if raw.startswith(prefix):
                raw = raw[len(prefix):].strip().strip("{}").strip()
        raw = raw.lstrip("\\")
        fn = FUNCTIONS.get(raw)
        if fn is None:
            raise self.error(f"unknown function {fn_tok.value!r}", fn_tok)
        if fn == "spec":
            fn = self._spec_activation(fn_tok)
        if isinstance(arg, (Scalar, Ones)):
            raise self.error(f"{raw} needs a matrix argument", fn_tok)
        if fn in ("diag", "softmax", "sum_rows"):
            if prime:
                raise self.error(f"{raw}' is not supported", fn_tok)
            if fn == "diag":
                if arg.cols != 1:
                    raise self.error(f"diag needs a column vector, got shape {_shape_text(arg.shape)}", fn_tok)
                return ir.Diag(arg)
            if fn == "sum_rows":
                return ir.sum_rows(arg)
            axis = "row" if self.table.derivation.spec.__dict__.get("notation") == "row" else "column"
            return ir.Softmax(arg, axis)
        return ir.DerivApply(fn, arg) if prime else ir.Apply(fn, arg)

    def _spec_activation(self, tok) -> str:
        spec = self.table.derivation.spec
        act = getattr(spec, "activation", None)
        if getattr(spec, "cell", None) == "rnn" and act:
            return act
        raise AnswerError("f is ambiguous for this network; write \\tanh or \\sigma", self.text, tok.column)

    def r_frac(self, node):
        _, num, den = node.children
        target = self._adjoint_parts(num, den)
        if target is not None:
            value = self.value(target)
            if not isinstance(value, Pending):
                raise self.error("\\partial must be followed by a quantity of the network", den)
            value.adjoint = True
            return self.resolve(value, den)
        a = self.matrix(num)
        b = self.matrix(den)
        return self.divide(a, b, den)

    @staticmethod
    def _is_loss_tree(tree) -> bool:
        if isinstance(tree, Tree) and tree.data == "name":
            return tree.children[0].value in ("L", "dL")
        if isinstance(tree, Tree) and tree.data == "wrapped":
            inner = tree.children[1]
            return isinstance(inner, Token) and inner.value == "L"
        return False

    def _adjoint_parts(self, num, den):
        """The tree of ``x`` when ``num/den`` reads as ``dL/dx`` (``\\partial L`` / ``d L`` / ``dL``)."""
        is_d = False
        if isinstance(num, Tree) and num.data == "juxt":
            head, tail = num.children
            if isinstance(head, Tree) and head.data in ("partial",) and self._is_loss_tree(tail):
                is_d = True
            if isinstance(head, Tree) and head.data == "name" and head.children[0].value == "d" and self._is_loss_tree(tail):
                is_d = True
        elif isinstance(num, Tree) and num.data == "name" and num.children[0].value == "dL":
            is_d = True
        if not is_d:
            return None
        if isinstance(den, Tree) and den.data == "juxt":
            head, tail = den.children
            if isinstance(head, Tree) and (head.data == "partial" or (head.data == "name" and head.children[0].value == "d")):
                return tail
        if self._d_prefixed(den):
            return den
        raise self.error("the denominator of dL/dx must be \\partial x or dx", den)

    def _d_prefixed(self, tree) -> bool:
        """``dh_t``, ``dh[t]``: a name starting with d (handled when the symbol resolves)."""
        node = tree
        while isinstance(node, Tree) and node.data in ("sub_", "index", "sup"):
            node = node.children[0]
        return isinstance(node, Tree) and node.data == "name" and node.children[0].value.startswith("d") and len(node.children[0].value) > 1

    # ----------------------------------------------------------------- postfix

    def r_sub_(self, node):
        target, arg = node.children
        value = self.value(target)
        if not isinstance(value, Pending):
            raise self.error("a subscript must follow a name", arg)
        if value.index is not None:
            raise self.error("a subscript after a bracket index", arg)
        if arg.data == "subarg_simple":
            tok = arg.children[0]
            value.pieces.append(("num" if tok.type == "NUMBER" else "word", tok.value, tok.column))
        elif arg.data == "subarg_list":
            for idx in arg.children:
                value.pieces.append(self._piece_from_idx(idx))
        return value

    def r_index(self, node):
        target, idx = node.children
        value = self.value(target)
        if not isinstance(value, Pending):
            raise self.error("a [time] index must follow a name", idx)
        if value.index is not None:
            raise self.error("a second [time] index", idx)
        value.index = self.r_idx(idx)
        return value

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
                raise self.error("a layer ^{(n)} must follow a name", layer_tok)
            value.layer = int(self._small_int(layer_tok))
            if arg.data == "suparg_layer_top":
                value.transposed = not value.transposed
            return value
        value = self.value(target)
        is_top = arg.data == "suparg_top" or (arg.data == "suparg_simple" and arg.children[0].value == "T") or (
            arg.data == "suparg_idx" and self._piece_from_idx(arg.children[0])[:2] == ("word", "T"))
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
                    raise AnswerError(f"unknown superscript {tok.value!r}", self.text, tok.column)
                exponent = index_symbol(tok.value)
            else:
                exponent = sympy.Integer(self._small_int(tok))
        elif arg.data == "suparg_paren":
            exponent = self.r_idx(arg.children[1])
        else:  # suparg_idx
            exponent = self.r_idx(arg.children[0])
            if exponent == ir.T_SYM and not isinstance(self.resolve(value, target), Scalar):
                return self.transpose(self.resolve(value, target), arg)
        return self.power(self.resolve(value, target), exponent, arg)

    def transpose(self, value, where):
        if isinstance(value, Ones):
            return Ones(not value.transposed, value.column)
        if isinstance(value, Scalar):
            if value.value == 1:
                return Ones(True, _col(where))  # 1^T X: the row of ones, the sum over rows
            raise self.error("a number has no transpose", where)
        return ir.transpose(value)

    def power(self, value, exponent, where):
        exponent = sympy.sympify(exponent)
        col = _col(where)
        for s in exponent.free_symbols:
            if s != ir.T_SYM and s not in self.bound:
                raise AnswerError(f"the index {s} in the exponent is not bound by a sum", self.text, col)
        const = exponent.subs({s: 0 for s in exponent.free_symbols})
        if abs(int(const)) > limits.MAX_EXPONENT:
            raise AnswerLimit(f"the exponent {exponent} is above the limit of {limits.MAX_EXPONENT}", self.text, col)
        if isinstance(value, Scalar):
            if not exponent.is_Integer:
                raise AnswerError("a number can only be raised to a whole power", self.text, col)
            result = value.value ** exponent
            for part in sympy.fraction(sympy.factor_terms(result.subs(ir.T_SYM, 1))):
                if part.is_Number and abs(part) > limits.MAX_SCALAR:
                    raise AnswerLimit(f"the number {value.value}^{exponent} has more digits than the limit ({limits.MAX_SCALAR})", self.text, col)
            return Scalar(result)
        if isinstance(value, Ones):
            raise AnswerError("cannot raise a vector of ones to a power", self.text, col)
        if value.rows == value.cols and value.rows > 1 and self._weights_only(value):
            return ir.matpow(value, exponent)
        if exponent.is_Integer and 1 <= int(exponent) <= limits.MAX_ELEMENTWISE_POWER:
            out = value
            for _ in range(int(exponent) - 1):
                out = ir.hadamard(out, value)
            return out
        if value.shape == (1, 1):
            return ir.matpow(value, exponent)
        raise AnswerError(
            f"the power {exponent} of a {_shape_text(value.shape)} quantity: matrix powers are for square products of "
            f"weights, elementwise powers for whole numbers 1..{limits.MAX_ELEMENTWISE_POWER}", self.text, col)

    @staticmethod
    def _weights_only(expr: ir.Expr) -> bool:
        for node in ir.walk(expr):
            if isinstance(node, ir.Var) and node.role != "param":
                return False
            if isinstance(node, ir.Adjoint):
                return False
        return True

    # ----------------------------------------------------------------- arithmetic

    def r_add(self, node):
        return self.combine(node.children[0], node.children[2], 1, node.children[1])

    def r_sub(self, node):
        return self.combine(node.children[0], node.children[2], -1, node.children[1])

    def combine(self, left_t, right_t, sign, op_tok):
        a = self.matrix(left_t)
        b = self.matrix(right_t)
        a, b = self._no_ones(a, left_t), self._no_ones(b, right_t)
        if isinstance(a, Scalar) and isinstance(b, Scalar):
            return Scalar(a.value + sign * b.value)
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
                raise AnswerError(f"cannot add shapes {_shape_text(a.shape)} and {_shape_text(b.shape)}", self.text, op_tok.column)
        return ir.add(a, b)

    def _no_ones(self, value, where):
        if isinstance(value, Ones):
            raise self.error("\\mathbf{1}^{\\top} must multiply a matrix on its right", where)
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

    def r_div(self, node):
        left_t, slash, right_t = node.children
        if isinstance(left_t, Tree) and left_t.data == "name" and left_t.children[0].value == "dL" and self._d_prefixed(right_t):
            value = self.value(right_t)
            value.adjoint = True
            return self.resolve(value, right_t)
        return self.divide(self.matrix(left_t), self.matrix(right_t), slash)

    def divide(self, a, b, where):
        if not isinstance(b, Scalar):
            raise self.error("only division by a number (or T) is supported", where)
        if b.value == 0:
            raise self.error("division by zero", where)
        if isinstance(a, Scalar):
            return Scalar(a.value / b.value)
        if isinstance(a, Ones):
            raise self.error("cannot divide a vector of ones", where)
        return ir.scale(1 / b.value, a)

    def multiply(self, a, b, kind, where):
        if isinstance(a, Ones):
            if not a.transposed:
                raise self.error("write the row of ones as \\mathbf{1}^{\\top}", where)
            if isinstance(b, (Scalar, Ones)):
                raise self.error("\\mathbf{1}^{\\top} must multiply a matrix", where)
            return ir.sum_rows(b)
        if isinstance(b, Ones):
            raise self.error("a vector of ones on the right is not supported", where)
        if isinstance(a, Scalar) and isinstance(b, Scalar):
            return Scalar(a.value * b.value)
        if isinstance(a, Scalar):
            return ir.scale(a.value, b)
        if isinstance(b, Scalar):
            return ir.scale(b.value, a)
        try:
            if kind == "hadamard":
                if a.shape != b.shape:
                    raise AnswerError(f"cannot take the elementwise product of shapes {_shape_text(a.shape)} and "
                                      f"{_shape_text(b.shape)}", self.text, _col(where))
                return ir.hadamard(a, b)
            if a.cols != b.rows:
                if a.shape == (1, 1):
                    return self._scalar_times(a, b)
                if b.shape == (1, 1):
                    return self._scalar_times(b, a)
                hint = ""
                if a.cols == b.cols:
                    hint = f" (is a transpose missing? with the right factor transposed the product is {_shape_text((a.rows, b.rows))})"
                elif a.rows == b.rows:
                    hint = f" (is a transpose missing? with the left factor transposed the product is {_shape_text((a.cols, b.cols))})"
                err = AnswerError(f"cannot multiply a {_shape_text(a.shape)} matrix by a {_shape_text(b.shape)} matrix{hint}",
                                  self.text, _col(where))
                err.hint = "missing_transpose" if hint else ""
                raise err
            return ir.matmul(a, b)
        except ShapeError as err:  # pragma: no cover - the checks above come first
            raise AnswerError(str(err), self.text, _col(where)) from None

    @staticmethod
    def _scalar_times(s: ir.Expr, m: ir.Expr) -> ir.Expr:
        """A 1x1 quantity times a matrix: ``(1 s 1^T) ⊙ M``."""
        spread = ir.matmul(ir.matmul(ir.ones((m.rows, 1)), s), ir.ones((1, m.cols)))
        return ir.hadamard(spread, m)

    # ----------------------------------------------------------------- big operators

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
        kind = "prod" if "prod" in op_tok.value or op_tok.value == "\u220f" else "sum"
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
                    hi = sympy.Integer(self._small_int(tok))
                elif tok.value in INDEX_NAMES:
                    hi = index_symbol(tok.value)
                else:
                    raise AnswerError(f"{tok.value!r} is not an index", self.text, tok.column)
            else:
                hi = self.r_idx(part.children[0])
        if name not in INDEX_NAMES or name == "T":
            raise AnswerError(f"the summation index must be t, i, j or k, not {name!r}", self.text, op_tok.column)
        sym = index_symbol(name)
        if sym in self.bound:
            raise AnswerError(f"the index {name} is already bound by an outer sum", self.text, op_tok.column)
        for bound_expr in (lo, hi):
            self._check_bound(bound_expr, op_tok.column)
        self.bound.append(sym)
        try:
            body = self.matrix(body_t)
        finally:
            self.bound.pop()
        body = self._no_ones(body, body_t)
        if isinstance(body, Scalar):
            raise AnswerError("a sum over time needs a matrix body", self.text, op_tok.column)
        if kind == "prod":
            if body.rows != body.cols:
                raise AnswerError("a product over time needs a square body", self.text, op_tok.column)
            return ir.TimeProduct(sym, lo, hi, body)
        return ir.TimeSum(sym, lo, hi, body)


def read(text: str, table: SymbolTable, shape: tuple[int, int] | None = None) -> ir.Expr:
    """The ir expression of a typed answer (parse, resolve symbols, infer shapes).

    A plain ``0`` reads as the zero matrix of ``shape`` (the expected answer's shape).
    """
    tree = parse_tree(text)
    builder = Builder(table, text)
    value = builder.build(tree)
    if isinstance(value, Scalar):
        if value.value == 0 and shape is not None:
            return ir.zeros(shape)
        if shape == (1, 1) and value.value.is_Rational:
            return ir.scale(value.value, ir.ones((1, 1)))
        raise AnswerError(f"the answer is the number {value.value}, not a matrix")
    return value
