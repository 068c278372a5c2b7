"""The words for what a variable is, read from its :class:`~symrnn.core.ir.Meaning`.

The cells and the unroll attach a meaning to every variable when they make it; this module only
says it in words (the symbol table of a report), and never reads a variable's name.
"""

from __future__ import annotations

import re

from ..core import ir

OF = {
    "hidden": "hidden state", "input_gate": "input gate", "forget_gate": "forget gate",
    "output_gate": "output gate", "candidate_memory": "candidate memory cell", "memory": "memory cell",
    "reset_gate": "reset gate", "update_gate": "update gate", "candidate": "candidate hidden state",
    "output": "output", "layer": "layer",
}
SOURCE = {"input": "input", "hidden": "hidden state"}


def _of(meaning: ir.Meaning) -> str:
    return OF.get(meaning.of, meaning.of)


def _weight(var: ir.Var, m: ir.Meaning, row: bool) -> str:
    if m.of.startswith("layer") or m.of == "layer":
        return "weights of the layer"
    if var.shape == (1, 1) and m.source and m.of not in OF:  # a neuron of the seed's network
        return f"weight from {_n(m.source)} to {_n(m.of)}"
    source = f"hidden state of layer {var.layer - 1}" if m.source == "below" and var.layer else SOURCE.get(m.source, m.source)
    return f"weights from the {source} to the {_of(m)}"


def _bias(var: ir.Var, m: ir.Meaning) -> str:
    if m.of.startswith("layer "):
        return f"bias of {m.of} (shared by its neurons)"
    if m.of == "layer":
        return "bias of the layer"
    part = {"input": " (input part)", "hidden": " (hidden part)"}.get(m.part, "")
    return f"bias of the {_of(m)}{part}"


def _plain(kind: str, var: ir.Var, m: ir.Meaning, row: bool) -> str:
    batch = " (a batch of rows)" if row and var.shape[0] > 1 and kind in ("input", "target") else ""
    words = {
        "preactivation": f"pre-activation of the {_of(m)}" if m.of != "layer" else "pre-activation of the layer",
        "gate": _of(m),
        "candidate": "candidate memory cell" if m.of == "memory" else "candidate hidden state",
        "memory": "memory cell",
        "state": _of(m) if m.of != "layer" else "output of the layer",
        "output": "output",
        "input": f"input{batch}" if not m.of else f"input {_n(m.of)}",
        "target": f"target{batch}" if m.of in ("", "output") else f"target of output neuron {_n(m.of)}",
        "initial": "initial state (zero by default in generated code)",
        "handover": "the decoder's initial state: the encoder's last state of the same layer",
        "loss": "loss",
        "net_input": f"net input of neuron {_n(m.of)}",
        "neuron_output": f"output of neuron {_n(m.of)}",
        "error": f"squared error of output neuron {_n(m.of)}",
    }
    return words[kind]


_MARK = "\x00"
_NEURON = re.compile(_MARK + r"([A-Za-z]+)(\d*)" + _MARK)


def _n(name: str) -> str:
    """A neuron's name (``h1``), marked: plain text in :func:`describe`, maths in :func:`describe_tex`."""
    return f"{_MARK}{name}{_MARK}"


def describe(var: ir.Var, row: bool = False) -> str:
    """``W_xf`` -> "weights from the input to the forget gate", from its meaning (plain text)."""
    return _NEURON.sub(lambda m: m.group(1) + m.group(2), _describe(var, row))


def describe_tex(var: ir.Var, row: bool = False) -> str:
    """:func:`describe` with neuron names as maths (``$h_{1}$``), for :func:`symrnn.report.say.say`."""
    return _NEURON.sub(lambda m: f"${m.group(1)}_{{{m.group(2)}}}$" if m.group(2) else f"${m.group(1)}$", _describe(var, row))


def _describe(var: ir.Var, row: bool) -> str:
    m = var.meaning
    if m is None:
        return var.role
    if m.kind == "weight":
        text = _weight(var, m, row)
    elif m.kind == "bias":
        text = _bias(var, m)
    else:
        text = _plain(m.kind, var, m, row)
    if m.decoder and m.kind != "handover":
        text += ", in the decoder"
    return text
