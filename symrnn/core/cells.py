"""Registry of recurrent cells, each written once as one step at time ``t``.

A cell's ``step`` receives the namer (which knows the notation: column vectors ``W x`` or row
batches ``X W``), a ``node`` callback that records ``var = expr`` in the graph, the time ``t``,
the layer, the step's input (``None`` when the sequence shape gives no input at this step) and
the previous state tuple; it returns the new state tuple (hidden state first).

Cells: ``rnn`` (vanilla, any activation), ``lstm`` (D2L, gates i, f, o and candidate c),
``gru-d2l`` (reset applied before the matmul) and ``gru-torch`` (PyTorch's reset-after variant
with ``b_hn`` inside the reset product).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sympy

from . import ir
from .spec import MLPSpec, RNNSpec


class Namer:
    """Names and shapes of every quantity, for one spec's notation and style."""

    def __init__(self, spec: RNNSpec | MLPSpec):
        self.spec = spec
        self.row = getattr(spec, "notation", "column") == "row"
        self.scalar = getattr(spec, "style", "vector") == "scalar"
        self.nrows = spec.batch if self.row else 1
        self.axis = "row" if self.row else "column"
        self.time_axis = ""
        self.decoder = False

    def decoding(self) -> Namer:
        """The namer of an encoder-decoder's decoder: the same cell with its own quantities.

        Every decoder name is the encoder's with ``_dec`` appended (``W_hx_dec``, ``h_dec``,
        ``X_dec``; ``W_hh_dec`` of layer 2 is ``W_hh_dec_l2`` in code), on the time axis ``dec``,
        whose steps count 1..T again after the encoder's T.
        """
        other = Namer(self.spec)
        other.time_axis = "dec"
        other.decoder = True
        return other

    def named(self, name: str) -> str:
        return f"{name}_dec" if self.decoder else name

    def case(self, name: str) -> str:
        """Row notation writes batched quantities with capitals (``H_t``, ``A_i``)."""
        return self.named(name[0].upper() + name[1:] if self.row else name)

    def shape(self, size: int) -> ir.Shape:
        return (self.nrows, size) if self.row else (size, 1)

    def meaning(self, kind: str, of: str = "", source: str = "", part: str = "") -> ir.Meaning:
        return ir.Meaning(kind, of, source, part, self.decoder)

    @property
    def cell(self) -> Cell:
        return CELLS[self.spec.cell]

    def data(self, name: str, size: int, t: int) -> ir.Var:
        return ir.Var(self.case(name), self.shape(size), "input", sympy.Integer(t), axis=self.time_axis,
                      meaning=self.meaning("input"))

    def target(self, t: int) -> ir.Var:
        return ir.Var(self.case("y"), self.shape(self.spec.output_size), "target", sympy.Integer(t), axis=self.time_axis,
                      meaning=self.meaning("target", "output"))

    def state(self, name: str, t: int, layer: int | None, size: int | None = None,
              meaning: ir.Meaning | None = None) -> ir.Var:
        """A quantity of step ``t``; what it is comes from the cell's table unless given."""
        size = self.spec.hidden_size if size is None else size
        if meaning is None:
            kind, of = self.cell.quantities[name]
            meaning = self.meaning(kind, of)
        return ir.Var(self.case(name), self.shape(size), "node", sympy.Integer(t), layer, self.time_axis, meaning)

    def initial(self, name: str, layer: int | None) -> ir.Var:
        of = self.cell.quantities[name][1]
        return ir.Var(self.case(name), self.shape(self.spec.hidden_size), "state", sympy.Integer(0), layer,
                      meaning=self.meaning("initial", of))

    def handover(self, name: str, layer: int | None) -> ir.Var:
        """A decoder's initial state, a node set to the encoder's last state (``h_dec_0 = h_T``)."""
        of = self.cell.quantities[name][1]
        return ir.Var(self.case(name), self.shape(self.spec.hidden_size), "node", sympy.Integer(0), layer,
                      self.time_axis, self.meaning("handover", of))

    def _source(self, src: str, layer: int | None) -> str:
        """What a weight multiplies: the step's input (the layer below's state above layer 1) or the state."""
        if src in ("x", "i"):
            return "below" if layer is not None and layer > 1 else "input"
        return {"h": "hidden", "q": "hidden"}.get(src, src)

    def weight(self, src: str, dst: str, in_size: int, out_size: int, layer: int | None, name: str | None = None) -> ir.Var:
        w = "w" if self.scalar else "W"
        if name is None:
            name = f"{w}_{src}{dst}" if self.row else f"{w}_{dst}{src}"
        name = self.named(name)
        shape = (in_size, out_size) if self.row else (out_size, in_size)
        of = "output" if dst == "q" else self.cell.letters[dst]
        return ir.Var(name, shape, "param", layer=layer, meaning=self.meaning("weight", of, self._source(src, layer)))

    def bias(self, dst: str, size: int, layer: int | None, name: str | None = None, part: str = "") -> ir.Var:
        shape = (1, size) if self.row else (size, 1)
        of = "output" if dst == "q" else self.cell.letters[dst]
        return ir.Var(self.named(name or f"b_{dst}"), shape, "param", layer=layer, meaning=self.meaning("bias", of, part=part))

    def times(self, inp: ir.Expr, weight: ir.Var) -> ir.Expr:
        return ir.matmul(inp, weight) if self.row else ir.matmul(weight, inp)

    def lift(self, bias: ir.Var) -> ir.Expr:
        return ir.broadcast(bias, self.nrows) if self.row else bias

    def linear(self, terms, dst: str, out_size: int, layer: int | None, bias: bool | None = None) -> ir.Expr:
        """``sum_i W_{dst,src_i} inp_i + b_dst`` in the spec's notation.

        ``terms`` is a list of ``(input, src_letter, input_size)``.
        """
        parts = [self.times(inp, self.weight(src, dst, size, out_size, layer)) for inp, src, size in terms]
        if self.spec.bias if bias is None else bias:
            parts.append(self.lift(self.bias(dst, out_size, layer)))
        return ir.add(*parts)

    def loss_var(self) -> ir.Var:
        return ir.Var("L", (1, 1), "loss", meaning=ir.Meaning("loss"))


NodeFn = Callable[[ir.Var, ir.Expr], ir.Var]


@dataclass(frozen=True)
class Cell:
    """A cell: its step, its state, and what each of its quantities is.

    ``letters`` maps the letter a weight or bias is named after (``W_xf``: ``f``) to the quantity
    it feeds; ``quantities`` maps each node the step makes (``a_f``, ``f``, ``c``) to its
    ``(kind, of)`` meaning. Uses read these through ``Var.meaning``, never from names.
    """

    name: str
    state_names: tuple[str, ...]
    gates: tuple[str, ...]
    step: Callable[..., tuple[ir.Var, ...]]
    letters: dict[str, str]
    quantities: dict[str, tuple[str, str]]

    def initial_state(self, namer: Namer, layer: int | None) -> tuple[ir.Var, ...]:
        return tuple(namer.initial(n, layer) for n in self.state_names)


def rnn_step(namer: Namer, node: NodeFn, t: int, layer, inp, in_size, state):
    """``h_t = f(W_hx x_t + W_hh h_{t-1} + b_h)``."""
    (h_prev,) = state
    H = namer.spec.hidden_size
    terms = [] if inp is None else [(inp, "x", in_size)]
    terms.append((h_prev, "h", H))
    linear = namer.linear(terms, "h", H, layer)
    act = namer.spec.activation
    if act == "identity":
        return (node(namer.state("h", t, layer), linear),)
    a = node(namer.state("a", t, layer), linear)
    return (node(namer.state("h", t, layer), ir.Apply(act, a)),)


def lstm_step(namer: Namer, node: NodeFn, t: int, layer, inp, in_size, state):
    """D2L's LSTM: gates ``I, F, O`` (sigmoid), candidate ``C~`` (tanh), ``C_t``, ``H_t``."""
    h_prev, c_prev = state
    H = namer.spec.hidden_size
    acts = {}
    for gate, fn in (("i", "sigmoid"), ("f", "sigmoid"), ("o", "sigmoid"), ("c", "tanh")):
        terms = [] if inp is None else [(inp, "x", in_size)]
        terms.append((h_prev, "h", H))
        a = node(namer.state(f"a_{gate}", t, layer), namer.linear(terms, gate, H, layer))
        name = "c_tilde" if gate == "c" else gate
        acts[gate] = node(namer.state(name, t, layer), ir.Apply(fn, a))
    c = node(namer.state("c", t, layer), ir.add(ir.hadamard(acts["f"], c_prev), ir.hadamard(acts["i"], acts["c"])))
    h = node(namer.state("h", t, layer), ir.hadamard(acts["o"], ir.Apply("tanh", c)))
    return (h, c)


def gru_d2l_step(namer: Namer, node: NodeFn, t: int, layer, inp, in_size, state):
    """D2L's GRU: ``H~_t = tanh(X_t W_xh + (R_t ⊙ H_{t-1}) W_hh + b_h)``."""
    (h_prev,) = state
    H = namer.spec.hidden_size
    gates = {}
    for gate in ("r", "z"):
        terms = [] if inp is None else [(inp, "x", in_size)]
        terms.append((h_prev, "h", H))
        a = node(namer.state(f"a_{gate}", t, layer), namer.linear(terms, gate, H, layer))
        gates[gate] = node(namer.state(gate, t, layer), ir.Apply("sigmoid", a))
    terms = [] if inp is None else [(inp, "x", in_size)]
    terms.append((ir.hadamard(gates["r"], h_prev), "h", H))
    a = node(namer.state("a_h", t, layer), namer.linear(terms, "h", H, layer))
    cand = node(namer.state("h_tilde", t, layer), ir.Apply("tanh", a))
    z = gates["z"]
    h = node(namer.state("h", t, layer), ir.add(ir.hadamard(z, h_prev), ir.hadamard(ir.one_minus(z), cand)))
    return (h,)


def gru_torch_step(namer: Namer, node: NodeFn, t: int, layer, inp, in_size, state):
    """PyTorch's GRU: ``n_t = tanh(W_in x_t + b_in + r_t ⊙ (W_hn h_{t-1} + b_hn))``."""
    (h_prev,) = state
    H = namer.spec.hidden_size
    bias = namer.spec.bias

    def part(src_inp, src, gate, size):
        w = namer.weight(src, gate, size, H, layer, name=f"W_{src}{gate}")
        terms = [namer.times(src_inp, w)]
        if bias:
            part = "input" if src == "i" else "hidden"
            terms.append(namer.lift(namer.bias(gate, H, layer, name=f"b_{src}{gate}", part=part)))
        return ir.add(*terms)

    def input_part(gate):
        # A step without input (one-to-many) keeps the input bias, as torch.nn.GRU fed zeros does.
        if inp is not None:
            return [part(inp, "i", gate, in_size)]
        return [namer.lift(namer.bias(gate, H, layer, name=f"b_i{gate}", part="input"))] if bias else []

    gates = {}
    for gate in ("r", "z"):
        terms = input_part(gate)
        terms.append(part(h_prev, "h", gate, H))
        a = node(namer.state(f"a_{gate}", t, layer), ir.add(*terms))
        gates[gate] = node(namer.state(gate, t, layer), ir.Apply("sigmoid", a))
    terms = input_part("n")
    terms.append(ir.hadamard(gates["r"], part(h_prev, "h", "n", H)))
    a = node(namer.state("a_n", t, layer), ir.add(*terms))
    n = node(namer.state("n", t, layer), ir.Apply("tanh", a))
    z = gates["z"]
    h = node(namer.state("h", t, layer), ir.add(ir.hadamard(ir.one_minus(z), n), ir.hadamard(z, h_prev)))
    return (h,)


_STATE = {"h": ("state", "hidden")}
_GATES = {"i": "input_gate", "f": "forget_gate", "o": "output_gate", "r": "reset_gate", "z": "update_gate"}


def _gate_quantities(letters: dict[str, str]) -> dict[str, tuple[str, str]]:
    """``a_f``: the forget gate's pre-activation, ``f``: the forget gate (``c``/``h``/``n``: candidates)."""
    out = {f"a_{g}": ("preactivation", of) for g, of in letters.items()}
    out.update({g: ("gate", of) for g, of in letters.items() if g in _GATES})
    return out


CELLS: dict[str, Cell] = {
    c.name: c
    for c in (
        Cell("rnn", ("h",), ("h",), rnn_step, {"h": "hidden"},
             {"a": ("preactivation", "hidden"), **_STATE}),
        Cell("lstm", ("h", "c"), ("i", "f", "o", "c"), lstm_step,
             {"i": "input_gate", "f": "forget_gate", "o": "output_gate", "c": "candidate_memory"},
             {**_gate_quantities({"i": "input_gate", "f": "forget_gate", "o": "output_gate", "c": "candidate_memory"}),
              "c_tilde": ("candidate", "memory"), "c": ("memory", "memory"), **_STATE}),
        Cell("gru-d2l", ("h",), ("r", "z", "h"), gru_d2l_step,
             {"r": "reset_gate", "z": "update_gate", "h": "candidate"},
             {**_gate_quantities({"r": "reset_gate", "z": "update_gate", "h": "candidate"}),
              "h_tilde": ("candidate", "hidden"), **_STATE}),
        Cell("gru-torch", ("h",), ("r", "z", "n"), gru_torch_step,
             {"r": "reset_gate", "z": "update_gate", "n": "candidate"},
             {**_gate_quantities({"r": "reset_gate", "z": "update_gate", "n": "candidate"}),
              "n": ("candidate", "hidden"), **_STATE}),
    )
}
