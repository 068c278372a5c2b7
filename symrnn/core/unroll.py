"""Unroll a spec into a graph: ordered nodes, each defined by one matrix expression.

A node is ``var = expr`` where ``expr`` mentions only parameters, inputs, targets, initial
states and earlier nodes. Cells are written once, as a step at time ``t`` (``cells.py``); this
module calls them for ``t = 1..T``, wires the sequence shape (which steps take an input, which
produce an output), adds the output layer and the loss.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy

from . import ir
from .cells import CELLS, Namer
from .errors import SpecError
from .spec import MLPSpec, RNNSpec, Spec


@dataclass(frozen=True)
class Node:
    """``var = expr``; ``template`` names the step-template quantity (``('h', layer)``)."""

    var: ir.Var
    expr: ir.Expr

    @property
    def template(self) -> tuple[str, int | None]:
        return (self.var.name, self.var.layer)


@dataclass(frozen=True)
class Graph:
    spec: Spec
    steps: int
    nodes: tuple[Node, ...]
    params: tuple[ir.Var, ...]
    leaves: tuple[ir.Var, ...]
    loss: ir.Var

    def node_of(self, var: ir.Var) -> Node:
        for node in self.nodes:
            if node.var == var:
                return node
        raise KeyError(var)

    @property
    def inputs(self) -> tuple[ir.Var, ...]:
        return tuple(v for v in self.leaves if v.role in ("input", "state"))

    @property
    def targets(self) -> tuple[ir.Var, ...]:
        return tuple(v for v in self.leaves if v.role == "target")


class _Builder:
    def __init__(self) -> None:
        self.nodes: list[Node] = []
        self.params: dict[ir.Var, None] = {}
        self.leaves: dict[ir.Var, None] = {}

    def node(self, var: ir.Var, expr: ir.Expr) -> ir.Var:
        if var.shape != expr.shape:
            raise AssertionError(f"node {var} has shape {var.shape} but its expression {expr.shape}")
        for leaf in ir.variables(expr):
            if leaf.role == "param":
                self.params.setdefault(leaf, None)
            elif leaf.role in ("input", "target", "state"):
                self.leaves.setdefault(leaf, None)
        self.nodes.append(Node(var, expr))
        return var


def _loss_node(b: _Builder, namer: Namer, outputs: list[tuple[ir.Var, ir.Var]], kind: str, mean: bool, axis: str) -> ir.Var:
    """``L``: the loss terms of the output steps, averaged over them for ``mean``."""
    terms = [ir.Loss(kind, o, y, axis) for o, y in outputs]
    total = ir.add(*terms)
    if mean and len(terms) > 1:
        total = ir.scale(1 / ir.T_SYM, total)
    return b.node(namer.loss_var(), total)


def unroll_rnn(spec: RNNSpec, steps: int) -> Graph:
    namer = Namer(spec)
    b = _Builder()
    cell = CELLS[spec.cell]
    layers = [None] if spec.layers == 1 else list(range(1, spec.layers + 1))
    states = {layer: cell.initial_state(namer, layer) for layer in layers}
    tops: dict[int, ir.Var] = {}

    def run(namer: Namer, t: int, x: ir.Var | None) -> None:
        for i, layer in enumerate(layers):
            inp = x if i == 0 else states[layers[i - 1]][0]
            in_size = spec.input_size if i == 0 else spec.hidden_size
            states[layer] = cell.step(namer, b.node, t, layer, inp, in_size, states[layer])
        tops[t] = states[layers[-1]][0]

    for t in range(1, steps + 1):
        run(namer, t, namer.data("x", spec.input_size, t) if (spec.shape != "one-to-many" or t == 1) else None)
    if spec.shape == "encoder-decoder":
        # The decoder: the same cell with its own parameters, each layer starting from the
        # encoder's last state of that layer (h, and the LSTM's c), over its own inputs x_dec.
        dec = namer.decoding()
        for layer in layers:
            states[layer] = tuple(b.node(dec.handover(name, layer), var)
                                  for name, var in zip(cell.state_names, states[layer]))
        for t in range(1, steps + 1):
            run(dec, t, dec.data("x", spec.input_size, t))
        namer = Namer(spec)
        namer.time_axis = "dec"  # the outputs and targets are the decoder's, on its time axis
    outputs: list[tuple[ir.Var, ir.Var]] = []
    out_times = [steps] if spec.shape == "many-to-one" else list(range(1, steps + 1))
    for t in out_times:
        top = tops[t]
        if spec.output_layer:
            # "o" is the LSTM's output gate in column notation, so its output is y-hat there.
            name = "Yhat" if namer.row else "yhat" if spec.cell == "lstm" else "o"
            linear = namer.linear([(top, "h", spec.hidden_size)], "q", spec.output_size, None)
            o = b.node(namer.state(name, t, None, spec.output_size, namer.meaning("output", "output")), linear)
        else:
            o = top
        outputs.append((o, namer.target(t)))
    loss = _loss_node(b, namer, outputs, spec.loss, spec.reduction == "mean", namer.axis)
    return Graph(spec, steps, tuple(b.nodes), tuple(b.params), tuple(b.leaves), loss)


def unroll_mlp(spec: MLPSpec) -> Graph:
    if spec.naming == "neuron":
        return _mlp_neurons(spec)
    b = _Builder()
    M = ir.Meaning
    a: ir.Var = ir.Var("x", (spec.sizes[0], 1), "input", meaning=M("input"))
    for l, (n_in, n_out, act) in enumerate(zip(spec.sizes, spec.sizes[1:], spec.activations), start=1):
        below = "input" if l == 1 else "below"
        W = ir.Var("W", (n_out, n_in), "param", layer=l, meaning=M("weight", "layer", below))
        bias = ir.Var("b", (n_out, 1), "param", layer=l, meaning=M("bias", "layer"))
        pre = ir.add(ir.matmul(W, a), bias)
        out = M("state", "layer")
        if act == "identity":
            a = b.node(ir.Var("a", (n_out, 1), "node", layer=l, meaning=out), pre)
        else:
            z = b.node(ir.Var("z", (n_out, 1), "node", layer=l, meaning=M("preactivation", "layer")), pre)
            a = b.node(ir.Var("a", (n_out, 1), "node", layer=l, meaning=out), ir.Apply(act, z))
    y = ir.Var("y", (spec.sizes[-1], 1), "target", meaning=M("target", "output"))
    loss = b.node(ir.Var("L", (1, 1), "loss", meaning=M("loss")), ir.Loss(spec.loss, a, y, "column"))
    return Graph(spec, 1, tuple(b.nodes), tuple(b.params), tuple(b.leaves), loss)


def _neuron_names(spec: MLPSpec) -> list[list[str]]:
    """Neuron suffixes per layer: ``i1, i2`` / ``h1, h2`` / ``o1, o2`` as in the seed."""
    names = [[f"i{j}" for j in range(1, spec.sizes[0] + 1)]]
    hidden = len(spec.sizes) - 2
    for l in range(1, hidden + 1):
        prefix = "h" if hidden == 1 else f"h{l}_"
        names.append([f"{prefix}{j}" for j in range(1, spec.sizes[l] + 1)])
    names.append([f"o{j}" for j in range(1, spec.sizes[-1] + 1)])
    return names


def _mlp_neurons(spec: MLPSpec) -> Graph:
    if spec.loss != "half_sq":
        raise SpecError("loss", "neuron naming writes the seed's squared error; use naming = 'matrix' for softmax_ce")
    b = _Builder()
    scalar = (1, 1)
    names = _neuron_names(spec)
    M = ir.Meaning
    prev = [ir.Var(n, scalar, "input", meaning=M("input", n)) for n in names[0]]
    w = 0
    for l in range(1, len(spec.sizes)):
        bias = ir.Var(f"b{l}", scalar, "param", meaning=M("bias", f"layer {l}"))
        current = []
        for dst in names[l]:
            terms = []
            for src in prev:
                w += 1
                weight = ir.Var(f"w{w}", scalar, "param", meaning=M("weight", dst, src.meaning.of))
                terms.append(ir.matmul(weight, src))
            pre = b.node(ir.Var(f"in_{dst}", scalar, meaning=M("net_input", dst)), ir.add(*terms, bias))
            act = spec.activations[l - 1]
            out = ir.Var(f"out_{dst}", scalar, meaning=M("neuron_output", dst))
            current.append(b.node(out, ir.Apply(act, pre) if act != "identity" else pre))
        prev = current
    errors = []
    for out, dst in zip(prev, names[-1]):
        target = ir.Var(f"target_{dst}", scalar, "target", meaning=M("target", dst))
        errors.append(b.node(ir.Var(f"E_{dst}", scalar, meaning=M("error", dst)),
                             ir.Loss("half_sq", out, target, "column", seed_form=True)))
    loss = b.node(ir.Var("L", scalar, "loss", meaning=M("loss")), ir.add(*errors))
    return Graph(spec, 1, tuple(b.nodes), tuple(b.params), tuple(b.leaves), loss)


def unroll(spec: Spec, steps: int | None = None) -> Graph:
    """The unrolled graph of ``spec`` over ``steps`` (default: the spec's own) time steps."""
    if isinstance(spec, MLPSpec):
        return unroll_mlp(spec)
    return unroll_rnn(spec, spec.steps if steps is None else steps)


__all__ = ["Graph", "Node", "sympy", "unroll"]
