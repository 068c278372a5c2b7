"""What is true of one derivation, read off its equations, roles and labels: the facts the prose states.

Every sentence of a report is chosen by these facts and nothing else (``prose.py``), so a claim
("the mean over time gives the factor 1/T", "through its own output") is made exactly when the
equations show it. The facts are read from the derivation itself (the variables' meanings, the
equations' labels and right-hand sides), never from the spec's words or from names.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy

from ..core import ir
from ..core.activations import activation
from ..core.derive import Derivation
from ..core.labels import Equation, Kind


@dataclass(frozen=True)
class Facts:
    """The facts of one derivation that its prose and figures may state."""

    recurrent: bool
    steps: int
    loss_factor: sympy.Expr | None  # the factor of the loss equation (1/T for a mean of T terms), if any
    output_factor: sympy.Expr | None  # the factor in the output adjoints, if any
    state_outputs: str  # "all", "some" or "none": hidden-state recurrences that read an output of their own step
    reads_layer_above: bool  # a hidden-state recurrence reads the layer above at its own step
    loss_sums_over_time: bool  # the loss is a sum (or mean) of per-step terms, not one term
    has_bias: bool
    layers: int
    cell: str = ""
    activation: str = ""
    notation: str = ""
    shape: str = ""
    batch: int = 1
    scalar: bool = False
    closed_powers: bool = False  # a closed form holds a matrix power

    @property
    def linear(self) -> bool:
        return self.recurrent and self.cell == "rnn" and self.activation == "identity"

    @property
    def saturates(self) -> bool:
        return bool(self.activation) and activation(self.activation).saturates


def _scale_factor(eqs) -> sympy.Expr | None:
    for eq in eqs:
        for node in ir.walk(eq.rhs):
            if isinstance(node, ir.Scale):
                return node.factor
    return None


def output_names(d: Derivation) -> set[str]:
    """The names of the quantities the loss reads (the outputs, and a loss node's own inputs)."""
    graph = d.graph
    names = set()
    for var in ir.variables(graph.node_of(graph.loss).expr):
        if var.role == "node":
            names.add(var.name)
            node_expr = graph.node_of(var).expr if any(n.var == var for n in graph.nodes) else None
            if isinstance(node_expr, ir.Loss):
                names.update(v.name for v in ir.variables(node_expr) if v.role == "node")
    return names


def is_terminal(eq: Equation) -> bool:
    return eq.bounds is not None and eq.bounds[0] == ir.T_SYM and eq.bounds[1] == ir.T_SYM


def is_recurrence(eq: Equation) -> bool:
    """A generic adjoint that reads an adjoint of a later step (``dL/dh_{t+1}``)."""
    if eq.bounds is None or is_terminal(eq):
        return False
    return any(a.of.time is not None and (sympy.sympify(a.of.time) - ir.t_SYM).is_positive for a in ir.adjoints(eq.rhs))


def state_recurrences(d: Derivation) -> list[Equation]:
    """The generic recurrences of the states (the hidden state, and an LSTM's memory cell)."""
    return [eq for eq in d.generic_adjoints if is_recurrence(eq) and _state_kind(eq.lhs.of) is not None]


def _state_kind(var: ir.Var) -> str | None:
    """``state`` (a hidden state) or ``memory`` (an LSTM cell), else ``None``.

    A decoder's states keep the meaning of their step 0, the hand-over from the encoder (meanings
    do not take part in a variable's equality), so that meaning counts as the state it hands over.
    """
    m = var.meaning
    if m is None:
        return None
    if m.kind in ("state", "memory"):
        return m.kind
    if m.kind == "handover":
        return "memory" if m.of == "memory" else "state"
    return None


def _same_step(eq: Equation) -> list[ir.Var]:
    """The variables whose adjoints ``eq`` reads at its own step ``t``."""
    return [a.of for a in ir.adjoints(eq.rhs) if a.of.time is not None and sympy.sympify(a.of.time) == ir.t_SYM]


def _state_outputs(d: Derivation, eqs: list[Equation]) -> str:
    """Whether all, some or none of the hidden-state recurrences read an output of their own step."""
    outputs = output_names(d)
    reads = [any(v.name in outputs for v in _same_step(eq)) for eq in eqs if _state_kind(eq.lhs.of) == "state"]
    return "all" if reads and all(reads) else "some" if any(reads) else "none"


def _reads_layer_above(eqs: list[Equation]) -> bool:
    return any(v.layer is not None and eq.lhs.of.layer is not None and v.layer > eq.lhs.of.layer
               for eq in eqs for v in _same_step(eq))


def facts(d: Derivation) -> Facts:
    """The facts of ``d``."""
    spec = d.spec
    loss_eqs = [eq for eq in d.generic_forward if eq.label.kind is Kind.FORWARD and eq.lhs == d.graph.loss]
    outputs = output_names(d)
    out_adjoints = [eq for eq in d.generic_adjoints if eq.lhs.of.name in outputs]
    has_bias = any(p.meaning is not None and p.meaning.kind == "bias" for p in d.graph.params)
    if not spec.recurrent:
        return Facts(False, 1, _scale_factor(loss_eqs), _scale_factor(out_adjoints), "none", False, False, has_bias,
                     len(spec.sizes) - 1)
    recs = state_recurrences(d)
    return Facts(
        True, d.steps, _scale_factor(loss_eqs), _scale_factor(out_adjoints), _state_outputs(d, recs),
        _reads_layer_above(recs), any(isinstance(n, ir.TimeSum) for eq in loss_eqs for n in ir.walk(eq.rhs)), has_bias, spec.layers, spec.cell, spec.activation, spec.notation, spec.shape,
        spec.rows, spec.style == "scalar",
        any(isinstance(n, ir.MatPow) for eq in d.closed_forms for n in ir.walk(eq.rhs)),
    )


__all__ = ["Facts", "facts", "is_recurrence", "is_terminal", "output_names", "state_recurrences"]
