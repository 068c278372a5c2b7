"""What names the results of a derivation: the equation type and the keys of quantities.

A leaf module (it imports only ``ir``): the derivation builds :class:`Equation` values, the
closed forms add to them, and every use (printers, code, reports, checker, exams) reads them.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy

from . import ir


@dataclass(frozen=True)
class Equation:
    """``lhs = rhs`` with its provenance.

    ``label`` is stable and unique within a derivation (``adj:h:t``, ``adj:h:T``, ``grad:W_hh``,
    ``adj:h:3``); generated code and reports cite it. ``bounds`` say for which ``t`` a generic
    equation holds (the printers write it as ``1 <= t <= T-1``); ``node`` is the graph quantity whose definition was
    differentiated (or defined), ``rules`` the formula-sheet rules used.
    """

    label: str
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
