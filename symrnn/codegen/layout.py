"""What a generated module receives, allocates and returns, read off the generic unroll.

Leaves become inputs and targets with a layout (a sequence, one step, an initial state); every
time-indexed node is an array of shape (T + 2, B, n); an activation the forward pass computes and
the reversed loop needs again is kept in an array of its own; the loss's predictions are the
outputs.
"""

from __future__ import annotations

import sympy

from ..core import ir
from ..core.derive import GENERIC_STEPS
from ..core.labels import Equation, Kind
from ..core.unroll import Graph
from ..printing.numpy_code import CodegenError, adjoint_code, name_code
from .program import Leaf, Output
from .rows import rows_of, width


def at_step(expr, T: int) -> int:
    """A bound written in ``T`` (``T - 1``) at a concrete ``T``."""
    return int(sympy.sympify(expr).subs(ir.T_SYM, T))


def equation_for(equations: list[Equation], var: ir.Var) -> Equation:
    """The generic equation (or boundary case) that computes ``var`` at its step of the unroll."""
    for eq in equations:
        lhs = eq.lhs.of if isinstance(eq.lhs, ir.Adjoint) else eq.lhs
        if (lhs.name, lhs.layer) != (var.name, var.layer):
            continue
        if var.time is None or eq.bounds is None:
            return eq
        lo, hi = (at_step(b, GENERIC_STEPS) for b in eq.bounds)
        if lo <= int(var.time) <= hi:
            return eq
    raise CodegenError(f"no generic equation covers {var.name} at step {var.time}")


def check_names(graph: Graph, spec_name: str) -> None:
    """Two quantities of one step must not print as the same identifier."""
    seen: set = set()
    for node in graph.nodes:
        if node.var in seen:
            raise CodegenError(
                f"two quantities of {spec_name} share the name {node.var.name!r} at step {node.var.time}"
                " (for example an LSTM output gate o and an output layer o in column notation); rename one"
            )
        seen.add(node.var)


def taken_names(graph: Graph) -> set[str]:
    """Every identifier the module gives a quantity or its adjoint (new names must avoid them)."""
    variables = [n.var for n in graph.nodes] + list(graph.params) + list(graph.leaves)
    return {name_code(v) for v in variables} | {adjoint_code(v) for v in variables}


def needs_targets(graph: Graph) -> set:
    """Nodes that read a target, directly or through another node (the loss terms)."""
    found: set = set()
    for node in graph.nodes:
        for var in ir.variables(node.expr):
            if var.role == "target" or var in found:
                found.add(node.var)
                break
    return found


def inline_constant(adjoints: list[Equation], var: ir.Var) -> bool:
    """Adjoints that derive writes inline (``dL/dE_o1 = 1``) get no statement of their own."""
    eq = equation_for(adjoints, var)
    return isinstance(eq.rhs, ir.Const) and not ir.is_zero(eq.rhs)


def inline_names(graph: Graph, adjoints: list[Equation]) -> set[str]:
    return {adjoint_code(n.var) for n in graph.nodes if n.var != graph.loss and inline_constant(adjoints, n.var)}


_FORMS = {  # the steps a leaf appears at in the GENERIC_STEPS unroll -> its layout
    frozenset({None}): "static",
    frozenset({0}): "initial",
    frozenset(range(1, GENERIC_STEPS + 1)): "sequence",
    frozenset({1}): "first",
    frozenset({GENERIC_STEPS}): "last",
}


def leaves(graph: Graph, row: bool) -> tuple[list[Leaf], list[Leaf]]:
    """The inputs and the targets, in the order the graph first reads them."""
    times: dict[tuple, set] = {}
    first: dict[tuple, ir.Var] = {}
    for leaf in graph.leaves:
        key = (leaf.name, leaf.layer, leaf.role)
        times.setdefault(key, set()).add(None if leaf.time is None else int(leaf.time))
        first.setdefault(key, leaf)
    inputs, targets = [], []
    for key, steps in times.items():
        var = first[key]
        code = name_code(var)
        form = _FORMS.get(frozenset(steps))
        if form is None:
            raise CodegenError(f"leaf {code} appears at steps {sorted(steps)}: no input layout for that")
        leaf = Leaf(f"{code}_0" if form == "initial" else code, code, var.role, form, width(var, row))
        (targets if var.role == "target" else inputs).append(leaf)
    return inputs, targets


def arrays(graph: Graph, row: bool, adjoint: bool) -> list[tuple[str, int]]:
    """``(name, width)`` of every time-indexed node (``adjoint``: of its adjoint)."""
    seen: dict[str, int] = {}
    for node in graph.nodes:
        var = node.var
        if var.time is None or var == graph.loss:
            continue
        name = adjoint_code(var) if adjoint else name_code(var)
        seen.setdefault(name, width(var, row))
    return list(seen.items())


def stored_activations(forward: list[Equation], adjoints: list[Equation], row: bool) -> dict:
    """Activations of a step quantity that the forward pass computes and the backward pass needs
    again (``tanh(C_t)`` in ``H_t = O_t ⊙ tanh(C_t)`` and in ``dL/dC_t``): kept in an array
    ``tanh_C`` by the forward loop, so the reversed loop reads them instead of recomputing.

    Returns ``{(fn, name, layer): (array name, labels)}``."""
    found: dict[tuple, list[str]] = {}
    in_forward: set = set()
    for eqs, is_forward in ((forward, True), (adjoints, False)):
        for eq in eqs:
            rhs = eq.rhs if row else rows_of(eq.rhs)
            for node in ir.walk(rhs):
                if (isinstance(node, ir.Apply) and node.fn != "identity" and isinstance(node.x, ir.Var)
                        and node.x.role != "param" and node.x.time is not None):
                    key = (node.fn, node.x.name, node.x.layer)
                    labels = found.setdefault(key, [])
                    if eq.label not in labels:
                        labels.append(eq.label)
                    if is_forward and sympy.sympify(node.x.time) == ir.t_SYM:
                        in_forward.add(key)
    stored = {}
    for key, labels in found.items():
        if key in in_forward and any(label.kind is Kind.ADJOINT for label in labels):
            fn, name, layer = key
            stored[key] = (f"{fn}_{name_code(ir.Var(name, (1, 1), layer=layer))}", labels)
    return stored


def stored_arrays(graph: Graph, stored: dict, row: bool) -> list[tuple[str, int]]:
    widths = {(v.name, v.layer): width(v, row) for v in (n.var for n in graph.nodes)}
    return [(code, widths[(name, layer)]) for (_fn, name, layer), (code, _) in stored.items()]


def outputs(graph: Graph, row: bool) -> list[Output]:
    """The predictions the loss reads, each once, as ``forward`` returns them."""
    preds: list[ir.Var] = []
    for node in ir.walk(graph.node_of(graph.loss).expr):
        if isinstance(node, ir.Loss) and isinstance(node.pred, ir.Var):
            preds.append(node.pred)
    for node in graph.nodes:  # the seed's E_o1 nodes: the loss of each output
        if node.var.time is None and isinstance(node.expr, ir.Loss) and isinstance(node.expr.pred, ir.Var):
            preds.append(node.expr.pred)
    found: dict[str, Output] = {}
    for pred in preds:
        code = name_code(pred)
        if code not in found:
            found[code] = _output(graph, pred, code, width(pred, row))
    return list(found.values())


def _output(graph: Graph, pred: ir.Var, code: str, n: int) -> Output:
    steps = {int(node.var.time) for node in graph.nodes
             if node.var.time is not None and (node.var.name, node.var.layer) == (pred.name, pred.layer)}
    if pred.time is None:
        return Output(code, code, f"(B, {n})")
    if steps == {GENERIC_STEPS}:
        return Output(code, f"{code}[T].copy()", f"(B, {n}) at step T")
    return Output(code, f"{code}[1:T + 1].transpose(1, 0, 2).copy()", f"(B, T, {n})")
