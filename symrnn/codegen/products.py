"""A product of a step's state by a weight that both passes read, kept from the forward loop.

torch's GRU candidate reads ``H_{t-1} W_hn + b_hn`` inside the reset product (``fwd:A_n:t``) and
``dL/dR_t`` is ``dL/dA_n,t`` times the same product (``adj:R:t``): the forward loop stores it,
``H_W_hn[t] = H[t - 1] @ W_hn + b_hn``, and the reversed loop reads ``H_W_hn[t]`` instead of
multiplying again. Only a product that is not a whole term of its forward equation counts (a whole
term is hoisted or fused instead), only when an adjoint equation reads the very same expression, and
only when one forward equation covers every step (a boundary case would leave its step unfilled).
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy

from ..core import ir
from ..core.labels import Equation
from ..printing.numpy_code import name_code


@dataclass(frozen=True)
class Product:
    expr: ir.Expr  # in row form, at step t
    code: str  # the array that keeps it: H_W_hn
    labels: tuple[str, ...]

    @property
    def at_t(self) -> ir.Var:
        return ir.Var(self.code, self.expr.shape, "node", time=ir.t_SYM)


def _param(node: ir.Expr) -> bool:
    node = node.x if isinstance(node, ir.Transpose) else node
    return isinstance(node, ir.Var) and node.role == "param"


def _state(node: ir.Expr) -> ir.Var | None:
    """The state ``S`` of ``S W`` (S indexed by a step written in t, W a parameter), else None."""
    if not (isinstance(node, ir.MatMul) and _param(node.right) and isinstance(node.left, ir.Var)):
        return None
    left = node.left
    if left.role == "param" or left.time is None or ir.t_SYM not in sympy.sympify(left.time).free_symbols:
        return None
    return left


def _state_product(node: ir.Expr) -> tuple[ir.Var, ir.Var] | None:
    """``(S, W)`` of ``S W`` or ``S W + b`` (parameters only beside the product), else None."""
    if isinstance(node, ir.Add):
        products = [t for t in node.terms if not _param(t)]
        if len(products) != 1:
            return None
        node = products[0]
    state = _state(node)
    if state is None:
        return None
    return state, node.right.x if isinstance(node.right, ir.Transpose) else node.right


def find(forward: list[Equation], adjoints: list[Equation], form) -> tuple[Product, ...]:
    """The products to keep; ``form`` writes an equation's right-hand side in row form."""
    found: dict[ir.Expr, Product] = {}
    adjoint_nodes = [(eq.label, set(ir.walk(form(eq.rhs)))) for eq in adjoints]
    inside: set[ir.Expr] = set()  # parts of a product already kept
    cases: dict[tuple, int] = {}
    for eq in forward:
        cases[(eq.lhs.name, eq.lhs.layer)] = cases.get((eq.lhs.name, eq.lhs.layer), 0) + 1
    for eq in forward:
        if cases[(eq.lhs.name, eq.lhs.layer)] != 1:
            continue  # a boundary case (a_n at t = 1) would not fill the array at its step
        rhs = form(eq.rhs)
        top = set(rhs.terms) if isinstance(rhs, ir.Add) else {rhs}
        for node in ir.walk(rhs):
            hit = None if node in top or node in found or node in inside else _state_product(node)
            readers = tuple(label for label, nodes in adjoint_nodes if node in nodes) if hit else ()
            code = f"{name_code(hit[0])}_{name_code(hit[1])}" if hit else ""
            if readers and all(k.code != code for k in found.values()):
                found[node] = Product(node, code, (eq.label, *readers))
                inside.update(ir.walk(node))
    return tuple(found.values())


__all__ = ["Product", "find"]
