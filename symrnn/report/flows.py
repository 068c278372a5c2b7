"""How the gradient flows back in time through one network, computed from its own derivation.

The figures of a report show the network in front of the reader: its cell, its activation, its
layers. :func:`state_adjoint_norms` unrolls the network's own spec, with the loss read at the last
step only (so what reaches step ``t`` has come back through every step after it), draws its
parameters and leaves, sets the parameters a figure varies (the recurrent weight's scale, a
gate's bias), and evaluates the derivation's own adjoint equations in float64
(:mod:`symrnn.core.evaluate`). The norm of each state's adjoint at each step is what is plotted.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ..core import ir
from ..core.derive import Derivation, derive
from ..core.evaluate import draw_leaves, instance_from_values

SEED = 20230907
"""Seed of the drawn parameters, inputs and targets of every flow figure."""


@dataclass(frozen=True)
class Setting:
    """A parameter a figure varies: every parameter of meaning ``(kind, of)`` gets ``value``.

    ``kind == "weight"`` with ``scale``: the recurrent weight (hidden to hidden) is a fixed random
    matrix scaled to spectral radius ``value``; ``kind == "bias"``: every entry of the bias of
    ``of`` (a gate) is ``value`` (a PyTorch GRU's input part only, its hidden part zero).
    """

    kind: str
    of: str
    value: float


def last_step_derivation(spec, steps: int) -> Derivation:
    """The network's own cell, sizes, layers, activation and loss, with its only loss term at step ``T``."""
    return derive(replace(spec, shape="many-to-one", steps=steps, name=spec.name))


def _recurrent(var: ir.Var) -> bool:
    m = var.meaning
    return m is not None and m.kind == "weight" and m.source == "hidden" and m.of in ("hidden", "candidate", "candidate_memory",
                                                                                       "input_gate", "forget_gate", "output_gate",
                                                                                       "reset_gate", "update_gate")


def _scaled(shape, radius: float, rng: np.random.Generator) -> np.ndarray:
    base = rng.standard_normal(shape)
    rho = max(abs(np.linalg.eigvals(base))) if shape[0] == shape[1] else np.linalg.norm(base, 2)
    return base * (radius / rho)


def _values(d: Derivation, settings: tuple[Setting, ...], seed: int) -> dict:
    values = {key: np.array([[float(e) for e in entries[r * shape[1]:(r + 1) * shape[1]]] for r in range(shape[0])])
              for key, (shape, entries) in draw_leaves(d, seed).items()}
    rng = np.random.default_rng(seed)
    for s in settings:
        for p in d.graph.params:
            m = p.meaning
            if s.kind == "weight" and _recurrent(p) and m.of == s.of:
                values[(p.name, p.layer, None)] = _scaled(p.shape, s.value, rng)
            elif s.kind == "bias" and m is not None and m.kind == "bias" and m.of == s.of:
                values[(p.name, p.layer, None)] = np.full(p.shape, s.value if m.part != "hidden" else 0.0)
    return values


def state_vars(d: Derivation) -> list[tuple[str, int | None, str]]:
    """The states of ``d`` as ``(name, layer, kind)``: hidden states and memory cells, in graph order."""
    seen: dict = {}
    for node in d.graph.nodes:
        m = node.var.meaning
        if m is not None and m.kind in ("state", "memory") and not m.decoder:
            seen.setdefault((node.var.name, node.var.layer), m.kind)
    return [(name, layer, kind) for (name, layer), kind in seen.items()]


def state_adjoint_norms(d: Derivation, settings: tuple[Setting, ...] = (), seed: int = SEED) -> dict:
    """``{(name, layer): (||dL/ds_1||, ..., ||dL/ds_T||)}`` for every state ``s`` of ``d`` (Frobenius norms)."""
    inst = instance_from_values(d, _values(d, settings, seed), "float")
    out = {}
    for name, layer, _ in state_vars(d):
        out[(name, layer)] = tuple(float(np.linalg.norm(np.asarray(inst.adjoints[(name, layer, t)], dtype=float)))
                                   for t in range(1, d.steps + 1))
    return out


def gate_means(d: Derivation, of: str, settings: tuple[Setting, ...] = (), seed: int = SEED) -> float:
    """The mean value of the gate ``of`` (``forget_gate``, ``update_gate``) over every step and entry."""
    inst = instance_from_values(d, _values(d, settings, seed), "float")
    gates = [np.asarray(inst.values[(n.var.name, n.var.layer, int(n.var.time))], dtype=float) for n in d.graph.nodes
             if n.var.meaning is not None and n.var.meaning.kind == "gate" and n.var.meaning.of == of]
    return float(np.mean(gates)) if gates else float("nan")


__all__ = ["SEED", "Setting", "gate_means", "last_step_derivation", "state_adjoint_norms", "state_vars"]
