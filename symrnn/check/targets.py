"""What an answer is checked against: the quantity named by ``--grad``.

``--grad`` names any quantity the derivation has, read with the answer's own grammar:

* a parameter (``W_hh``, ``W_{hh}^{(2)}``, ``dL/dW_hh``): its gradient, as always;
* a graph node, bare or as an adjoint (``h``, ``h_t``, ``dL/dh_t``,
  ``\\frac{\\partial L}{\\partial \\mathbf{h}_t}``, ``C``, ``F``, ``Z``, ``a``, ``out_h1``):
  its adjoint; without a time index it is at a generic step ``t`` and the answer is checked at
  every step ``t = 1..T`` (so the recurrence, 9.7.14, and the power sum, 9.7.15, are both
  right); ``h_T`` is the boundary case;
* a Jacobian (``\\frac{\\partial h_T}{\\partial h_t}``, ``dh_T/dh_t``, ``∂in_o1/∂w5``): the total
  derivative of one quantity by another (``jacobian.py``);
* ``value:NAME``: a forward quantity itself (``value:out_o1``, ``value:I_t``).

The answer may not use the quantity it is asked for (``dL/dh_t`` for ``dL/dh_t``; it may use
``dL/dh_{t+1}``). A :class:`Target` is read once per symbol table (the checker's settings have
their own sizes) into the expression to evaluate and, for the mutations of ``mutations.py``,
an equation whose right-hand side is that expression.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sympy

from ..core import ir
from ..core.errors import SymrnnError
from ..core.labels import Equation, Kind, Label
from ..i18n import _
from . import jacobian
from .parse import AnswerError

VALUE_PREFIXES = ("value:",)

_PLAIN_JACOBIAN = re.compile(r"^\s*(?:∂|d(?!L\b)|\\partial\s*)(?!L\s*/)(.+?)\s*/\s*(?:∂|d|\\partial\s*)(.+?)\s*$")


class TargetError(SymrnnError):
    """``--grad`` names nothing the derivation has; the message lists what it has."""


@dataclass(frozen=True)
class Target:
    kind: str  # gradient | adjoint | jacobian | value
    expr: ir.Expr  # what the answer must equal (generic in t when ``timed``)
    equation: Equation  # the equation the mutations start from (rhs: the target, or the gradient)
    timed: bool  # checked at every step t = 1..T
    forbidden: ir.Expr | None  # the answer may not contain this

    @property
    def shape(self) -> tuple[int, int]:
        return self.expr.shape

    def describe(self) -> str:
        from ..printing.plain import plain

        if self.kind == "jacobian":
            return jacobian.shown(self.expr, latex=False)
        return plain(self.equation.lhs)


def gradient_target(eq: Equation) -> Target:
    return Target("gradient", eq.rhs, eq, False, None)


def read_target(text: str, table, params: dict) -> Target:
    """The target named by ``text`` on ``table``; ``params`` maps parameter keys to their equations."""
    from .verdict import normalize_grad

    if not isinstance(text, str) or not text.strip():
        raise TargetError(_("--grad is empty; name a parameter (W_hh) or a quantity (h_t, dL/dh_t, dh_T/dh_t)"))
    raw = text.strip()
    value = raw.startswith(VALUE_PREFIXES)
    if value:
        raw = raw.split(":", 1)[1].strip()
    elif normalize_grad(raw) in params:
        return gradient_target(params[normalize_grad(raw)])
    expr = _read(_as_latex(raw), table)
    return _target_of(expr, value, params, table, text)


def _as_latex(raw: str) -> str:
    """``∂h_T/∂h_t`` and ``dh_T/dh_t`` -> ``\\frac{\\partial h_T}{\\partial h_t}`` (only for --grad)."""
    if raw.startswith(("dL", "∂L", "\\partial L", "\\frac")):
        return raw
    m = _PLAIN_JACOBIAN.match(raw)
    if m and "/" not in m.group(1):
        return rf"\frac{{\partial {m.group(1)}}}{{\partial {m.group(2)}}}"
    return raw


def _read(text: str, table) -> ir.Expr:
    from .parse import parse_tree
    from .shapes import Builder

    try:
        tree = parse_tree(text)
        builder = Builder(table, text, target=True)
        return builder.build(tree)
    except AnswerError as err:
        raise TargetError(_("--grad {text}: {problem}").format(text=repr(text), problem=err.problem)) from None


def _target_of(expr, value: bool, params: dict, table, text: str) -> Target:
    if isinstance(expr, ir.Adjoint) and not value:
        var = expr.of
    elif isinstance(expr, ir.Var):
        var = expr
    else:
        raise TargetError(_("--grad {text} is not one quantity: name a parameter, a node (h, h_t, dL/dh_t), a Jacobian (dh_T/dh_t) or value:NAME").format(text=repr(text)))
    timed = var.time is not None and ir.t_SYM in sympy.sympify(var.time).free_symbols
    if var.role == jacobian.ROLE:
        timed = timed or jacobian.REGISTRY[var.name].uses_t
        ref = jacobian.REGISTRY[var.name]
        eq = Equation(Label.closed(f"d{ref.of.name}_d{ref.wrt.name}"), var, var, "jacobian", "generic")
        return Target("jacobian", var, eq, timed, var)
    if value:
        if var.role == "param":
            raise TargetError(_("{name} is a parameter: its value is given, not derived; ask for its gradient").format(name=var.name))
        eq = Equation(_label(Kind.FORWARD, var), var, var, "forward", "generic")
        return Target("value", var, eq, timed, var)
    if var.role == "param":
        return gradient_target(params[_param_key(var)])
    if var.role not in ("node", "state"):
        raise TargetError(_("{name} is an input of the network ({role}); ask for a node, a parameter, or value:NAME; this network has: {value}").format(name=var.name, role=var.role, value=table.listing()))
    adj = ir.Adjoint(var)
    eq = Equation(_label(Kind.ADJOINT, var), adj, adj, "adjoint", "generic")
    return Target("adjoint", adj, eq, timed, adj)


def _label(kind: Kind, var: ir.Var) -> Label:
    return Label.of(kind, var) if var.time is None else Label.of(kind, var, case=var.time)


def _param_key(var: ir.Var) -> str:
    return var.name if var.layer is None else f"{var.name}_l{var.layer}"


def uses_forbidden(answer: ir.Expr, target: Target) -> bool:
    if target.forbidden is None:
        return False
    return any(node == target.forbidden for node in ir.walk(answer))
