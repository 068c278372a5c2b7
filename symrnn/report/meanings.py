"""The words for what a variable is, read from its :class:`~symrnn.core.ir.Meaning`.

The cells and the unroll attach a meaning to every variable when they make it; this module only
says it in words (the symbol table of a report), and never reads a variable's name.
"""

from __future__ import annotations

import re

from ..core import ir
from ..i18n import N_, _

OF = {
    "hidden": N_("hidden state"), "input_gate": N_("input gate"), "forget_gate": N_("forget gate"),
    "output_gate": N_("output gate"), "candidate_memory": N_("candidate memory cell"), "memory": N_("memory cell"),
    "reset_gate": N_("reset gate"), "update_gate": N_("update gate"), "candidate": N_("candidate hidden state"),
    "output": N_("output"), "layer": N_("layer"),
}
THE = {
    "hidden": N_("the hidden state"), "input_gate": N_("the input gate"), "forget_gate": N_("the forget gate"),
    "output_gate": N_("the output gate"), "candidate_memory": N_("the candidate memory cell"),
    "memory": N_("the memory cell"), "reset_gate": N_("the reset gate"), "update_gate": N_("the update gate"),
    "candidate": N_("the candidate hidden state"), "output": N_("the output"), "layer": N_("the layer"),
}
"""The same noun phrases with their article: a language's article agrees with the noun (el estado,
la compuerta), so it is translated with the noun, never glued on in code."""
SOURCE = {"input": N_("the input"), "hidden": N_("the hidden state")}
_CONTRACTIONS = ((" de el ", " del "), (" a el ", " al "))
"""Spanish contracts a preposition with the masculine article (de el -> del); English has no such pairs."""


def _of(meaning: ir.Meaning) -> str:
    return _(OF[meaning.of]) if meaning.of in OF else meaning.of


def _the(meaning: ir.Meaning) -> str:
    return _(THE[meaning.of]) if meaning.of in THE else meaning.of


def _weight(var: ir.Var, m: ir.Meaning, row: bool) -> str:
    if m.of.startswith("layer") or m.of == "layer":
        return _("weights of the layer")
    if var.shape == (1, 1) and m.source and m.of not in OF:  # a neuron of the seed's network
        return _("weight from {source} to {of}").format(source=_n(m.source), of=_n(m.of))
    if m.source == "below" and var.layer:
        source = _("the hidden state of layer {layer}").format(layer=var.layer - 1)
    else:
        source = _(SOURCE[m.source]) if m.source in SOURCE else m.source
    return _("weights from {source} to {of}").format(source=source, of=_the(m))


def _bias(var: ir.Var, m: ir.Meaning) -> str:
    if m.of.startswith("layer "):
        return _("bias of layer {n} (shared by its neurons)").format(n=m.of.split(" ", 1)[1])
    if m.of == "layer":
        return _("bias of the layer")
    if m.part == "input":
        return _("bias of {of} (input part)").format(of=_the(m))
    if m.part == "hidden":
        return _("bias of {of} (hidden part)").format(of=_the(m))
    return _("bias of {of}").format(of=_the(m))


def _batch(kind: str, var: ir.Var, row: bool, one: str, batch: str) -> str:
    return _(batch) if row and var.shape[0] > 1 and kind in ("input", "target") else _(one)


def _plain(kind: str, var: ir.Var, m: ir.Meaning, row: bool) -> str:
    words = {
        "preactivation": (lambda: _("pre-activation of {of}").format(of=_the(m)) if m.of != "layer"
                          else _("pre-activation of the layer")),
        "gate": lambda: _of(m),
        "candidate": lambda: _("candidate memory cell") if m.of == "memory" else _("candidate hidden state"),
        "memory": lambda: _("memory cell"),
        "state": lambda: _of(m) if m.of != "layer" else _("output of the layer"),
        "output": lambda: _("output"),
        "input": (lambda: _batch(kind, var, row, N_("input"), N_("input (a batch of rows)")) if not m.of
                  else _("input {n}").format(n=_n(m.of))),
        "target": (lambda: _batch(kind, var, row, N_("target"), N_("target (a batch of rows)")) if m.of in ("", "output")
                   else _("target of output neuron {n}").format(n=_n(m.of))),
        "initial": lambda: _("initial state (zero by default in generated code)"),
        "handover": lambda: _("the decoder's initial state: the encoder's last state of the same layer"),
        "loss": lambda: _("loss"),
        "net_input": lambda: _("net input of neuron {n}").format(n=_n(m.of)),
        "neuron_output": lambda: _("output of neuron {n}").format(n=_n(m.of)),
        "error": lambda: _("squared error of output neuron {n}").format(n=_n(m.of)),
    }
    return words[kind]()


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
        text += _(", in the decoder")
    for old, new in _CONTRACTIONS:
        text = text.replace(old, new)
    return text
