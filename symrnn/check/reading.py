"""Read the names, indices and atoms of a parse tree into symbols of the derivation.

:class:`SymbolReader` is the base of the shape algebra's ``Builder`` (``shapes.py``): one
method ``r_<rule>`` per grammar rule, found by the rule's name. This half reads what names a
quantity: a name and its subscripts are gathered in a :class:`~.values.Pending` and resolved,
by the conventions of ``naming.py``, into an ``ir.Var`` (or ``ir.Adjoint``) with its layer and
time index; every refusal names its column.
"""

from __future__ import annotations

from fractions import Fraction

import sympy
from lark import Token, Tree

from ..core import ir
from ..i18n import _
from . import limits, naming
from .parse import AnswerError, AnswerLimit
from .symbols import INDEX_NAMES, Symbol, SymbolTable, index_symbol
from .values import Ones, Pending, Scalar, column


class SymbolReader:
    """Reads names, time indices and atoms for one symbol table and one answer text."""

    def __init__(self, table: SymbolTable, text: str, target: bool = False, free: tuple = ()):
        self.table = table
        self.text = text
        self.target = target  # reading what --grad names: a bare timed name is at step t
        if target:
            free = (*free, ir.t_SYM)
        self.free = tuple(free)  # the step an answer is checked at (t of dL/dh_t), bound from outside
        self.bound: list[sympy.Symbol] = list(free)  # indices bound by enclosing sums/products

    def error(self, message: str, node=None, hint: str = "") -> AnswerError:
        return AnswerError(message, self.text, column(node) if node is not None else None, hint)

    def value(self, node):
        if isinstance(node, Token):
            raise self.error(_("unexpected {value}").format(value=repr(node.value)), node)
        fn = getattr(self, f"r_{node.data}", None)
        if fn is None:
            raise self.error(_("cannot read this part ({data})").format(data=node.data), node)
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
        col = p.column if p.column is not None else column(node)
        base, pieces, adjoint = naming.adjoint_spelling(self.table, p, self.text, col)
        bare = not pieces and p.index is None and not p.wrappers and not adjoint and p.layer is None
        if bare and not self.table.has(base):
            if base == "T":
                return Scalar(ir.T_SYM)
            if base in INDEX_NAMES:
                raise AnswerError(_("the index {base} cannot be used as a number").format(base=base), self.text, col)
        name, rest = naming.spell(self.table, base, pieces, p.wrappers, self.text, col)
        layer, time = self._layer_and_time(name, p, rest, col)
        if time is None and self.target:
            found = self.table.lookup(name, layer)
            if found is not None and found.timed:
                time = ir.t_SYM
        sym = self._symbol(name, layer, time, col)
        var = sym.var(time)
        if adjoint:
            return self._adjoint(sym, var, col)
        return var

    def _layer_and_time(self, name: str, p: Pending, rest: list, col):
        """The layer and time index of ``name`` from the pieces left after its spelling."""
        layer = p.layer
        time = None
        for kind, value, pcol in rest:
            if kind == "word" and naming.layer_of(value) is not None and layer is None:
                layer = naming.layer_of(value)
                continue
            if time is not None:
                raise AnswerError(_("{name} has more than one time index").format(name=name), self.text, pcol)
            time = self._time_piece(kind, value, pcol)
        if p.index is not None:
            if time is not None:
                raise AnswerError(_("{name} has both a subscript and a bracket time index").format(name=name), self.text, col)
            time = p.index
        return layer, time

    def _symbol(self, name: str, layer, time, col) -> Symbol:
        """The symbol ``name`` of ``layer``, refused when its layer or time index does not fit."""
        sym = self.table.lookup(name, layer)
        if sym is None:
            layers = self.table.layers_of(name)
            if layers:
                options = _(" or ").join(f"{name}^{{({n})}}" for n in layers)
                raise AnswerError(_("{name} needs its layer: {options}").format(name=name, options=options), self.text, col)
            raise AnswerError(_("{name} is in layer {layer}, which does not exist").format(name=name, layer=layer), self.text, col)
        if sym.timed and time is None:
            raise AnswerError(_("{name} needs a time index, e.g. {name2}_t or {name3}_{{t-1}}").format(name=name, name2=name, name3=name), self.text, col)
        if not sym.timed and time is not None:
            raise AnswerError(_("{name} has no time index (it is shared by every step)").format(name=name), self.text, col)
        if time is not None:
            self.check_bound(time, col)
        return sym

    def _adjoint(self, sym: Symbol, var: ir.Var, col) -> ir.Adjoint:
        if sym.role == "param" and not self.target:
            raise AnswerError(_("the answer may not use dL/d{key}: that is what it should compute").format(key=sym.key), self.text, col)
        if sym.role not in ("node", "param"):
            raise AnswerError(_("dL/d{name} is not a quantity of the derivation (only graph nodes have adjoints)").format(name=sym.name), self.text, col)
        return ir.Adjoint(var)

    def _time_piece(self, kind, value, col):
        if kind == "num":
            return sympy.Integer(int(value))
        if kind == "word":
            if value in INDEX_NAMES:
                return index_symbol(value)
            raise AnswerError(_("{value} is not a time index (use t, T, i, j, k or a number)").format(value=repr(value)), self.text, col)
        return value

    def check_bound(self, expr, col) -> None:
        for s in sympy.sympify(expr).free_symbols:
            if s != ir.T_SYM and s not in self.bound:
                raise AnswerError(_("the index {s} is not bound by a sum (write \\sum_{{{s2}=1}}^{{T}} ...)").format(s=s, s2=s), self.text, col)

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

    def small_int(self, token) -> int:
        if "." in token.value:
            raise AnswerError(_("{value} is not a whole number").format(value=token.value), self.text, token.column)
        n = int(token.value)
        if n > limits.MAX_EXPONENT * 16:
            raise AnswerLimit(_("{n} is above the limit of {value} for an index").format(n=n, value=limits.MAX_EXPONENT * 16), self.text, token.column)
        return n

    def r_iterm_num(self, node):
        return sympy.Integer(self.small_int(node.children[0]))

    def r_iterm_name(self, node):
        tok = node.children[0]
        if tok.value not in INDEX_NAMES:
            raise AnswerError(_("{value} is not an index (use t, T, i, j, k)").format(value=repr(tok.value)), self.text, tok.column)
        return index_symbol(tok.value)

    def r_iterm_coef(self, node):
        n = self.small_int(node.children[0])
        return n * self.r_iterm_name(Tree("iterm_name", [node.children[1]]))

    def piece_from_idx(self, idx_tree):
        kids = idx_tree.children
        if len(kids) == 1 and isinstance(kids[0], Tree):
            term = kids[0]
            tok = term.children[0]
            if term.data == "iterm_name":
                return ("word", tok.value, tok.column)
            if term.data == "iterm_num":
                return ("num", tok.value, tok.column)
        return ("expr", self.r_idx(idx_tree), column(idx_tree))

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
            raise self.error(_("dL/d must be followed by a quantity of the network"), node)
        value.adjoint = True
        return value

    def r_delta(self, node):
        return Pending("delta", node.children[0].column)

    def r_partial(self, node):
        raise self.error(_("write derivatives as \\frac{\\partial L}{\\partial x}"), node)

    def r_wrapped(self, node):
        wrap_tok, inner = node.children
        kind = wrap_tok.value[1:].rstrip("{").strip()
        if isinstance(inner, Token) and inner.type == "NUMBER":
            if inner.value == "1":
                return Ones(False, inner.column)
            raise AnswerError(_("\\{kind}{{{value}}} is not supported").format(kind=kind, value=inner.value), self.text, inner.column)
        if isinstance(inner, Token):
            return Pending(inner.value, inner.column, wrappers=(kind,))
        value = self.value(inner)
        if isinstance(value, Pending):
            value.wrappers = value.wrappers + (kind,)
            return value
        return value

    # ----------------------------------------------------------------- subscripts and [t]

    def r_sub_(self, node):
        target, arg = node.children
        value = self.value(target)
        if not isinstance(value, Pending):
            raise self.error(_("a subscript must follow a name"), arg)
        if value.index is not None:
            raise self.error(_("a subscript after a bracket index"), arg)
        if arg.data == "subarg_simple":
            tok = arg.children[0]
            value.pieces.append(("num" if tok.type == "NUMBER" else "word", tok.value, tok.column))
        elif arg.data == "subarg_text":
            tok = arg.children[-1]
            value.pieces.append(("word", tok.value, tok.column))
        elif arg.data == "subarg_list":
            for idx in arg.children:
                value.pieces.append(self.piece_from_idx(idx))
        return value

    def r_index(self, node):
        target, idx = node.children
        value = self.value(target)
        if not isinstance(value, Pending):
            raise self.error(_("a [time] index must follow a name"), idx)
        if value.index is not None:
            raise self.error(_("a second [time] index"), idx)
        value.index = self.r_idx(idx)
        return value
