"""What names the results of a derivation: typed equation labels, the equation type, and the keys of quantities.

A leaf module (it imports only ``ir``): the derivation builds :class:`Equation` values keyed by a
:class:`Label`, the closed forms add to them, and every use (printers, code, reports, checker,
exams) reads them.

A :class:`Label` is a value: its fields say what the equation is (its kind, the quantity, the
layer, the generic time case, the concrete time or the unrolled length, a variant). Code asks
those fields (``label.kind is Kind.ADJOINT``, ``label.quantity == "h"``) or builds a label with
the constructors (``Label.adjoint("h", case="t")``). The label's text, the citation that
generated code, reports and JSON print (``adj:h:t``, ``grad:W_hh:3``, ``adj:h_l2_3``), is made
here and nowhere else: a label *is* its citation (a ``str`` subclass), so a printer writes it as
it is, but no module outside this one builds or parses that text (``tests/test_layers.py``).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Self

import sympy

from . import ir


class Kind(enum.Enum):
    """What an equation defines; the value is the citation's prefix."""

    FORWARD = "fwd"
    ADJOINT = "adj"
    GRADIENT = "grad"
    CLOSED = "closed"


class Label(str):
    """An equation's key: ``(kind, quantity, layer, case, time, steps, variant)``, immutable.

    * ``quantity``: the variable's name (``h``, ``W_hh``, ``out_o1``, ``L``) or a closed form's
      name (``dhT_dh1``);
    * ``layer``: the layer of a stacked network, else ``None``;
    * ``case``: a generic equation's time case, as printed (``t``, ``T``, ``1``, ``T-1``);
    * ``time``: a concrete equation's step (``h_3``);
    * ``steps``: a concrete equation of a quantity without a time index (a gradient, the loss)
      in a network unrolled over ``steps`` steps;
    * ``variant``: a second form of the same quantity (``d2l``, the book's index).
    """

    __slots__ = ("case", "kind", "layer", "quantity", "steps", "time", "variant")

    kind: Kind
    quantity: str
    layer: int | None
    case: str | None
    time: int | None
    steps: int | None
    variant: str | None

    def __new__(cls, kind: Kind, quantity: str, *, layer: int | None = None, case: str | None = None,
                time: int | None = None, steps: int | None = None, variant: str | None = None) -> Self:
        if not isinstance(kind, Kind):
            raise TypeError(f"a label's kind is a Kind, not {kind!r}")
        if case is not None and time is not None:
            raise ValueError("a label has a generic case or a concrete time, not both")
        name = quantity + (f"_l{layer}" if layer is not None else "") + (f"_{time}" if time is not None else "")
        text = ":".join([kind.value, name] + [str(p) for p in (case, steps, variant) if p is not None])
        self = super().__new__(cls, text)
        for field, value in (("kind", kind), ("quantity", quantity), ("layer", layer), ("case", case),
                             ("time", time), ("steps", steps), ("variant", variant)):
            object.__setattr__(self, field, value)
        return self

    def __setattr__(self, name, value):
        raise AttributeError("a Label is immutable")

    def __reduce__(self):
        return (_rebuild, (self.kind, self.quantity, self.layer, self.case, self.time, self.steps, self.variant))

    def __repr__(self) -> str:
        return f"Label({str.__str__(self)!r})"

    # -- constructors: the only way code makes a label -----------------------------------------
    @classmethod
    def forward(cls, quantity: str, **fields) -> Label:
        return cls(Kind.FORWARD, quantity, **fields)

    @classmethod
    def adjoint(cls, quantity: str, **fields) -> Label:
        return cls(Kind.ADJOINT, quantity, **fields)

    @classmethod
    def gradient(cls, quantity: str, **fields) -> Label:
        return cls(Kind.GRADIENT, quantity, **fields)

    @classmethod
    def closed(cls, quantity: str, **fields) -> Label:
        return cls(Kind.CLOSED, quantity, **fields)

    @classmethod
    def of(cls, kind: Kind, var: ir.Var, *, case: sympy.Expr | str | None = None, steps: int | None = None) -> Label:
        """The label of ``var``'s equation: concrete (at its own step) unless a generic ``case`` is given."""
        time = None
        if case is None and var.time is not None:
            time = int(var.time)
        return cls(kind, var.name, layer=var.layer, case=None if case is None else _case_text(case), time=time, steps=steps)

    # -- questions ------------------------------------------------------------------------------
    @property
    def generic(self) -> bool:
        return self.case is not None

    def at_case(self, case: str) -> Label:
        return Label(self.kind, self.quantity, layer=self.layer, case=case, variant=self.variant)


def _rebuild(kind, quantity, layer, case, time, steps, variant) -> Label:
    return Label(kind, quantity, layer=layer, case=case, time=time, steps=steps, variant=variant)


def _case_text(case) -> str:
    return str(case).replace(" ", "")


@dataclass(frozen=True)
class Equation:
    """``lhs = rhs`` with its provenance.

    ``label`` (a :class:`Label`) is stable and unique within a derivation (``adj:h:t``,
    ``adj:h:T``, ``grad:W_hh``, ``adj:h_3``); generated code and reports cite it. ``bounds`` say for which ``t`` a generic
    equation holds (the printers write it as ``1 <= t <= T-1``); ``node`` is the graph quantity whose definition was
    differentiated (or defined), ``rules`` the formula-sheet rules used.
    """

    label: Label
    lhs: ir.Expr
    rhs: ir.Expr
    kind: str
    scope: str
    node: str = ""
    rules: tuple[str, ...] = ()
    bounds: tuple[sympy.Expr, sympy.Expr] | None = None



def param_key(var: ir.Var) -> str:
    """The key of a parameter in gradient dicts and JSON: ``W_hh`` or ``W_hh_l2``."""
    return var.name if var.layer is None else f"{var.name}_l{var.layer}"


def node_key(var: ir.Var) -> str:
    """A plain, unique name of a concrete quantity: ``h_3``, ``h_l2_3``, ``out_o1``."""
    parts = [var.name]
    if var.layer is not None:
        parts.append(f"l{var.layer}")
    if var.time is not None:
        parts.append(str(var.time))
    return "_".join(parts)
