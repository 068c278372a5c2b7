"""The leaves of the expression language and what every node shares: shapes, time symbols,
variables with their meaning, adjoints, constants and unexpanded Jacobians."""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy

from ..errors import ShapeError

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
class Derivative(Expr):
    """The Jacobian ``d(of)/d(wrt)`` of one scalar quantity by another (the seed's ``dh_T/dh_1``)."""

    of: Var
    wrt: Var

    @property
    def shape(self) -> Shape:  # type: ignore[override]
        return (1, 1)


def need(cond: bool, message: str) -> None:
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
