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
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import sympy

from .errors import ShapeError

Shape = tuple[int, int]

T_SYM = sympy.Symbol("T", integer=True, positive=True)
t_SYM = sympy.Symbol("t", integer=True, positive=True)
INDEX_SYMBOLS = {name: sympy.Symbol(name, integer=True) for name in ("i", "j", "k")}


def as_sym(value) -> sympy.Expr:
    """A SymPy number or expression from an int or an existing SymPy object.

    Never parses text (``sympify`` would): time indices and factors only ever come from code.
    """
    if isinstance(value, sympy.Basic):
        return value
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"expected an int or a SymPy expression, got {type(value).__name__}")
    return sympy.Integer(value)


class Expr:
    """Base of every matrix expression."""

    shape: Shape

    __slots__ = ()

    @property
    def rows(self) -> int:
        return self.shape[0]

    @property
    def cols(self) -> int:
        return self.shape[1]

    def children(self) -> tuple[Expr, ...]:
        return ()

    def rebuild(self, children: tuple[Expr, ...]) -> Expr:
        return self


ROLES = ("param", "input", "target", "state", "node", "loss")

MEANINGS = ("weight", "bias", "preactivation", "gate", "candidate", "memory", "state", "output", "input", "target",
            "initial", "handover", "loss", "net_input", "neuron_output", "error")


@dataclass(frozen=True)
class Meaning:
    """What a variable is, attached where it is made (cells and unroll) and read by every use.

    ``kind`` is one of ``MEANINGS``; ``of`` the quantity it belongs to (a gate or state key:
    ``hidden``, ``input_gate``, ``forget_gate``, ``output_gate``, ``candidate_memory``,
    ``memory``, ``reset_gate``, ``update_gate``, ``candidate``, ``output``; or a neuron, ``h1``);
    ``source`` what a weight multiplies (``input``, ``hidden``, ``below`` for the layer below, or
    a neuron); ``part`` which of PyTorch's two biases (``input`` or ``hidden``); ``decoder`` marks
    an encoder-decoder's decoder. The layer is the variable's own ``layer``.
    """

    kind: str
    of: str = ""
    source: str = ""
    part: str = ""
    decoder: bool = False

    def __post_init__(self) -> None:
        if self.kind not in MEANINGS:  # a cell's own table is wrong: a bug in symrnn, not in a spec
            raise ValueError(f"unknown meaning {self.kind!r}; known: {', '.join(MEANINGS)}")


@dataclass(frozen=True)
class Var(Expr):
    """A named matrix: a parameter, an input, a target, an initial state or a graph node.

    ``name`` is the identifier used in code and specs (``W_hh``, ``h``, ``out_o1``); ``time`` is
    ``None`` for quantities without a time index; ``layer`` is the stacked layer (``None`` for a
    single layer); ``axis`` names the time axis (``"dec"`` for a decoder, whose steps count
    from 1 again after the encoder's T).
    """

    name: str
    shape: Shape
    role: str = field(default="node", compare=False)
    time: sympy.Expr | None = None
    layer: int | None = None
    axis: str = ""
    meaning: Meaning | None = field(default=None, compare=False)

    def at(self, time: sympy.Expr | int | None) -> Var:
        return Var(self.name, self.shape, self.role, None if time is None else as_sym(time), self.layer, self.axis,
                   self.meaning)

    @property
    def key(self) -> tuple:
        return (self.name, self.layer, self.time)


@dataclass(frozen=True)
class Adjoint(Expr):
    """``dL/d(of)``, the adjoint of a variable: same shape as the variable."""

    of: Var

    @property
    def shape(self) -> Shape:  # type: ignore[override]
        return self.of.shape


@dataclass(frozen=True)
class Const(Expr):
    """A constant matrix: all ``value`` (0 or 1 usually), or the identity when ``identity``."""

    shape: Shape
    value: int = 0
    identity: bool = False


@dataclass(frozen=True)
class MatMul(Expr):
    left: Expr
    right: Expr

    @property
    def shape(self) -> Shape:  # type: ignore[override]
        return (self.left.rows, self.right.cols)

    def children(self):
        return (self.left, self.right)

    def rebuild(self, children):
        return matmul(*children)


@dataclass(frozen=True)
class Add(Expr):
    terms: tuple[Expr, ...]

    @property
    def shape(self) -> Shape:  # type: ignore[override]
        return self.terms[0].shape

    def children(self):
        return self.terms

    def rebuild(self, children):
        return add(*children)


@dataclass(frozen=True)
class Neg(Expr):
    x: Expr

    @property
    def shape(self) -> Shape:  # type: ignore[override]
        return self.x.shape

    def children(self):
        return (self.x,)

    def rebuild(self, children):
        return neg(children[0])


@dataclass(frozen=True)
class Scale(Expr):
    """``factor * x`` with a SymPy scalar factor (``1/T``, ``1/3``)."""

    factor: sympy.Expr
    x: Expr

    @property
    def shape(self) -> Shape:  # type: ignore[override]
        return self.x.shape

    def children(self):
        return (self.x,)

    def rebuild(self, children):
        return scale(self.factor, children[0])


@dataclass(frozen=True)
class Transpose(Expr):
    x: Expr

    @property
    def shape(self) -> Shape:  # type: ignore[override]
        return (self.x.cols, self.x.rows)

    def children(self):
        return (self.x,)

    def rebuild(self, children):
        return transpose(children[0])


@dataclass(frozen=True)
class Hadamard(Expr):
    """Elementwise product ``left ⊙ right``."""

    left: Expr
    right: Expr

    @property
    def shape(self) -> Shape:  # type: ignore[override]
        return self.left.shape

    def children(self):
        return (self.left, self.right)

    def rebuild(self, children):
        return hadamard(*children)


@dataclass(frozen=True)
class OneMinus(Expr):
    """``1 - x`` elementwise."""

    x: Expr

    @property
    def shape(self) -> Shape:  # type: ignore[override]
        return self.x.shape

    def children(self):
        return (self.x,)

    def rebuild(self, children):
        return one_minus(children[0])


@dataclass(frozen=True)
class Apply(Expr):
    """An activation ``fn`` applied elementwise."""

    fn: str
    x: Expr

    @property
    def shape(self) -> Shape:  # type: ignore[override]
        return self.x.shape

    def children(self):
        return (self.x,)

    def rebuild(self, children):
        return Apply(self.fn, children[0])


@dataclass(frozen=True)
class DerivApply(Expr):
    """The activation's derivative ``fn'`` applied elementwise."""

    fn: str
    x: Expr

    @property
    def shape(self) -> Shape:  # type: ignore[override]
        return self.x.shape

    def children(self):
        return (self.x,)

    def rebuild(self, children):
        return DerivApply(self.fn, children[0])


@dataclass(frozen=True)
class Softmax(Expr):
    """Softmax over each column (column notation) or each row (row notation).

    With ``mass`` (a target of the same shape), each example's softmax is multiplied by that
    example's total ``1^T y``: ``softmax(o) (1^T y)``, the first term of the gradient of
    ``-y^T log softmax(o)``, which is exact for targets that do not sum to one.
    """

    x: Expr
    axis: str = "column"
    mass: Expr | None = None

    @property
    def shape(self) -> Shape:  # type: ignore[override]
        return self.x.shape

    def children(self):
        return (self.x,) if self.mass is None else (self.x, self.mass)

    def rebuild(self, children):
        return Softmax(children[0], self.axis, children[1] if len(children) > 1 else None)


@dataclass(frozen=True)
class Broadcast(Expr):
    """A row vector ``x`` (1 x n) repeated over ``rows`` rows: the bias of row notation."""

    x: Expr
    nrows: int

    @property
    def shape(self) -> Shape:  # type: ignore[override]
        return (self.nrows, self.x.cols)

    def children(self):
        return (self.x,)

    def rebuild(self, children):
        return broadcast(children[0], self.nrows)


@dataclass(frozen=True)
class SumRows(Expr):
    """``1^T X``: the sum of the rows of ``x`` (1 x n)."""

    x: Expr

    @property
    def shape(self) -> Shape:  # type: ignore[override]
        return (1, self.x.cols)

    def children(self):
        return (self.x,)

    def rebuild(self, children):
        return sum_rows(children[0])


@dataclass(frozen=True)
class Diag(Expr):
    """``diag(x)`` of a column vector: a square matrix."""

    x: Expr

    @property
    def shape(self) -> Shape:  # type: ignore[override]
        return (self.x.rows, self.x.rows)

    def children(self):
        return (self.x,)

    def rebuild(self, children):
        return Diag(children[0])


@dataclass(frozen=True)
class MatPow(Expr):
    """``x ** exponent`` for a square ``x``; the exponent may be symbolic (``k - t``)."""

    x: Expr
    exponent: sympy.Expr

    @property
    def shape(self) -> Shape:  # type: ignore[override]
        return self.x.shape

    def children(self):
        return (self.x,)

    def rebuild(self, children):
        return matpow(children[0], self.exponent)




@dataclass(frozen=True)
class Loss(Expr):
    """A per-example loss ``l(pred, target)`` summed over entries: a 1 x 1 value.

    ``half_sq``: ``1/2 ||pred - target||^2``; ``softmax_ce``: ``-sum target * log softmax(pred)``.
    ``seed_form`` prints the square the way the seed lecture does, ``1/2 (target - out)^2``.
    """

    kind: str
    pred: Expr
    target: Expr
    axis: str = "column"
    seed_form: bool = False

    @property
    def shape(self) -> Shape:  # type: ignore[override]
        return (1, 1)

    def children(self):
        return (self.pred, self.target)

    def rebuild(self, children):
        return Loss(self.kind, children[0], children[1], self.axis, self.seed_form)


@dataclass(frozen=True)
class TimeSum(Expr):
    """``sum_{index=lo}^{hi} body`` over a time index (generic equations and closed forms)."""

    index: sympy.Symbol
    lo: sympy.Expr
    hi: sympy.Expr
    body: Expr

    @property
    def shape(self) -> Shape:  # type: ignore[override]
        return self.body.shape

    def children(self):
        return (self.body,)

    def rebuild(self, children):
        return TimeSum(self.index, self.lo, self.hi, children[0])


@dataclass(frozen=True)
class TimeProduct(Expr):
    """``prod_{index=lo}^{hi} body``, ordered left to right with increasing index."""

    index: sympy.Symbol
    lo: sympy.Expr
    hi: sympy.Expr
    body: Expr

    @property
    def shape(self) -> Shape:  # type: ignore[override]
        return self.body.shape

    def children(self):
        return (self.body,)

    def rebuild(self, children):
        return TimeProduct(self.index, self.lo, self.hi, children[0])


@dataclass(frozen=True)
class Derivative(Expr):
    """The Jacobian ``d(of)/d(wrt)`` of one scalar quantity by another (the seed's ``dh_T/dh_1``)."""

    of: Var
    wrt: Var

    @property
    def shape(self) -> Shape:  # type: ignore[override]
        return (1, 1)


# --------------------------------------------------------------------------- smart constructors


def _need(cond: bool, message: str) -> None:
    if not cond:
        raise ShapeError(message)


def zeros(shape: Shape) -> Const:
    return Const(shape, 0)


def ones(shape: Shape) -> Const:
    return Const(shape, 1)


def eye(n: int) -> Const:
    return Const((n, n), 1, identity=True)


def is_zero(x: Expr) -> bool:
    return isinstance(x, Const) and x.value == 0 and not x.identity


def is_one_scalar(x: Expr) -> bool:
    return isinstance(x, Const) and x.shape == (1, 1) and x.value == 1


def is_identity(x: Expr) -> bool:
    return isinstance(x, Const) and (x.identity or (x.shape == (1, 1) and x.value == 1))


def matmul(left: Expr, right: Expr) -> Expr:
    _need(left.cols == right.rows, f"cannot multiply {left.shape} by {right.shape}")
    if is_zero(left) or is_zero(right):
        return zeros((left.rows, right.cols))
    if is_identity(left):
        return right
    if is_identity(right):
        return left
    if isinstance(left, Neg):
        return neg(matmul(left.x, right))
    if isinstance(right, Neg):
        return neg(matmul(left, right.x))
    if isinstance(left, Scale):
        return scale(left.factor, matmul(left.x, right))
    if isinstance(right, Scale):
        return scale(right.factor, matmul(left, right.x))
    return MatMul(left, right)


def add(*terms: Expr) -> Expr:
    flat: list[Expr] = []
    for term in terms:
        if isinstance(term, Add):
            flat.extend(term.terms)
        elif not is_zero(term):
            flat.append(term)
    if not terms:
        raise ShapeError("add() needs at least one term")
    shape = terms[0].shape
    for term in flat:
        _need(term.shape == shape, f"cannot add {shape} and {term.shape}")
    if not flat:
        return zeros(shape)
    if len(flat) == 1:
        return flat[0]
    return Add(tuple(flat))


def sub(left: Expr, right: Expr) -> Expr:
    return add(left, neg(right))


def neg(x: Expr) -> Expr:
    if isinstance(x, Neg):
        return x.x
    if is_zero(x):
        return x
    return Neg(x)


def scale(factor, x: Expr) -> Expr:
    factor = as_sym(factor)
    if factor == 1:
        return x
    if factor == 0 or is_zero(x):
        return zeros(x.shape)
    if factor == -1:
        return neg(x)
    if isinstance(x, Scale):
        return scale(factor * x.factor, x.x)
    return Scale(factor, x)


def transpose(x: Expr) -> Expr:
    if isinstance(x, Transpose):
        return x.x
    if isinstance(x, Const) and (x.identity or x.shape[0] == x.shape[1]):
        return x
    if isinstance(x, Const):
        return Const((x.cols, x.rows), x.value)
    if isinstance(x, Scale):
        return scale(x.factor, transpose(x.x))
    if isinstance(x, Neg):
        return neg(transpose(x.x))
    if x.shape == (1, 1):
        return x
    return Transpose(x)


def hadamard(left: Expr, right: Expr) -> Expr:
    _need(left.shape == right.shape, f"cannot take the elementwise product of {left.shape} and {right.shape}")
    if is_zero(left) or is_zero(right):
        return zeros(left.shape)
    if isinstance(left, Const) and left.value == 1 and not left.identity:
        return right
    if isinstance(right, Const) and right.value == 1 and not right.identity:
        return left
    if isinstance(left, Neg):
        return neg(hadamard(left.x, right))
    if isinstance(right, Neg):
        return neg(hadamard(left, right.x))
    if isinstance(left, Scale):
        return scale(left.factor, hadamard(left.x, right))
    if isinstance(right, Scale):
        return scale(right.factor, hadamard(left, right.x))
    return Hadamard(left, right)


def one_minus(x: Expr) -> Expr:
    return OneMinus(x)


def broadcast(x: Expr, nrows: int) -> Expr:
    _need(x.rows == 1, f"only a row vector can be broadcast over rows, got {x.shape}")
    if nrows == 1:
        return x
    return Broadcast(x, nrows)


def sum_rows(x: Expr) -> Expr:
    if x.rows == 1:
        return x
    return SumRows(x)


def matpow(x: Expr, exponent) -> Expr:
    _need(x.rows == x.cols, f"only a square matrix has powers, got {x.shape}")
    exponent = as_sym(exponent)
    if exponent == 0:
        return eye(x.rows)
    if exponent == 1:
        return x
    if isinstance(x, MatPow):
        return matpow(x.x, x.exponent + exponent)
    return MatPow(x, exponent)


def apply(fn: str, x: Expr) -> Expr:
    return Apply(fn, x)


# --------------------------------------------------------------------------- traversal


def walk(expr: Expr) -> Iterable[Expr]:
    """Every sub-expression, parents before children, in a fixed order."""
    stack = [expr]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(node.children()))


def variables(expr: Expr) -> tuple[Var, ...]:
    """The distinct variables of ``expr`` in order of first appearance."""
    seen: dict[Var, None] = {}
    for node in walk(expr):
        if isinstance(node, Var):
            seen.setdefault(node, None)
        elif isinstance(node, Adjoint):
            seen.setdefault(node.of, None)
    return tuple(seen)


def adjoints(expr: Expr) -> tuple[Adjoint, ...]:
    seen: dict[Adjoint, None] = {}
    for node in walk(expr):
        if isinstance(node, Adjoint):
            seen.setdefault(node, None)
    return tuple(seen)


def map_leaves(expr: Expr, fn) -> Expr:
    """Rebuild ``expr`` with every ``Var``/``Adjoint`` leaf replaced by ``fn(leaf)``."""
    if isinstance(expr, (Var, Adjoint)):
        return fn(expr)
    kids = expr.children()
    if not kids:
        return expr
    return expr.rebuild(tuple(map_leaves(k, fn) for k in kids))


def substitute(expr: Expr, mapping: dict[Expr, Expr]) -> Expr:
    """Replace whole sub-expressions (usually adjoints) by expressions of the same shape."""
    if expr in mapping:
        return mapping[expr]
    kids = expr.children()
    if not kids:
        return expr
    return expr.rebuild(tuple(substitute(k, mapping) for k in kids))


def shift_time(var: Var, mapping) -> Var:
    """``var`` with its time index passed through ``mapping`` (a SymPy substitution dict)."""
    if var.time is None:
        return var
    return var.at(as_sym(var.time).subs(mapping))


def retime(expr: Expr, mapping: dict) -> Expr:
    """Substitute time symbols (``t``, ``T``, ``k``) everywhere: indices, exponents, bounds."""

    def leaf(node):
        if isinstance(node, Var):
            return shift_time(node, mapping)
        return Adjoint(shift_time(node.of, mapping))

    def go(node: Expr) -> Expr:
        if isinstance(node, (Var, Adjoint)):
            return leaf(node)
        if isinstance(node, MatPow):
            return matpow(go(node.x), as_sym(node.exponent).subs(mapping))
        if isinstance(node, Scale):
            return scale(as_sym(node.factor).subs(mapping), go(node.x))
        if isinstance(node, (TimeSum, TimeProduct)):
            inner = {k: v for k, v in mapping.items() if k != node.index}
            return type(node)(node.index, as_sym(node.lo).subs(inner), as_sym(node.hi).subs(inner), retime(node.body, inner))
        kids = node.children()
        if not kids:
            return node
        return node.rebuild(tuple(go(k) for k in kids))

    return go(expr)
