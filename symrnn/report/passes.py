"""The sections of the forward and backward passes: forward equations, loss, adjoints, gradients."""

from __future__ import annotations

from ..core import ir
from ..core.activations import activation
from ..core.derive import Derivation
from ..core.labels import Kind, Label
from ..i18n import _
from ..printing.naming import var_latex
from ..printing.texescape import TeX
from . import prose
from .document import Section, para
from .equations import SCALAR, Builder, section
from .facts import is_terminal, output_names
from .say import say


def forward_sections(b: Builder) -> list[Section]:
    d = b.d
    loss_label = Label.of(Kind.FORWARD, d.graph.loss)
    forward = [eq for eq in d.generic_forward if eq.kind != "loss" and eq.label != loss_label]
    errors = [eq for eq in forward if eq.lhs.meaning is not None and eq.lhs.meaning.kind == "error"]
    forward = [eq for eq in forward if eq not in errors]
    loss_eqs = errors + [eq for eq in d.generic_forward if eq.label == loss_label]
    blocks: list = [prose.forward_intro(b.facts)]
    blocks += [b.equation(eq) for eq in forward]
    loss_blocks = [b.equation(eq) for eq in loss_eqs]
    return [
        section(_("Forward pass"), "forward", blocks),
        section(_("Loss"), "loss", [prose.loss_intro(b.facts, d.spec.loss), *loss_blocks]),
    ]


def _recurrent_backward(b: Builder, out_eqs: list, rest: list) -> list[Section]:
    f = b.facts
    sections = [section(_("Output adjoints"), "outputs", [prose.output_intro(f), *[b.equation(eq) for eq in out_eqs]])]
    terminal = [eq for eq in rest if is_terminal(eq)]
    interior = [eq for eq in rest if eq not in terminal]
    sections.append(section(_("The last step"), "terminal", [prose.terminal_intro(f), *[b.equation(eq) for eq in terminal]]))
    sections.append(section(_("Backpropagation through time: the recurrence"), "recurrence",
                            [prose.recurrence_intro(f), *[b.equation(eq) for eq in interior]]))
    return sections


def backward_sections(b: Builder) -> list[Section]:
    d = b.d
    outputs = output_names(d)
    out_eqs = [eq for eq in d.generic_adjoints if eq.lhs.of.name in outputs]
    rest = [eq for eq in d.generic_adjoints if eq not in out_eqs]
    if d.spec.recurrent:
        sections = _recurrent_backward(b, out_eqs, rest)
    else:
        sections = [
            section(_("Output adjoints"), "outputs", [_output_layer_prose(d), *[b.equation(eq) for eq in out_eqs]]),
            section(_("Backpropagation into the hidden layer"), "hidden", [_hidden_layer_prose(d), *[b.equation(eq) for eq in rest]]),
        ]
    blocks = [prose.gradients_intro(b.facts), *[b.equation(eq) for eq in d.generic_gradients]]
    sections.append(section(_("Parameter gradients"), "gradients", blocks))
    return sections


def _nodes_of(d: Derivation, kind: str) -> list[ir.Var]:
    """The neurons of the seed's network by meaning: net inputs, outputs, errors."""
    return [n.var for n in d.graph.nodes if n.var.meaning is not None and n.var.meaning.kind == kind]


def _output_layer_prose(d: Derivation):
    errors = _nodes_of(d, "error")
    read = {v.name for e in errors for v in ir.variables(d.graph.node_of(e).expr)}
    outs = [v for v in _nodes_of(d, "neuron_output") if v.name in read]
    act = activation(d.spec.activations[-1])
    if outs and act.from_output is not None:
        return para(*say(_("The adjoints of the output layer come straight from the loss. Going on to a neuron's net input "
                         "(the next section), a neuron with {act} multiplies by its derivative, written with its own output "
                         "as ${form}$."),
                         act=_(act.words), form=TeX(SCALAR.doprint(act.from_output(outs[0])))))
    return para(*say(_("The adjoints of the output layer come straight from the loss.")))


def _hidden_layer_prose(d: Derivation):
    errors = _nodes_of(d, "error")
    read = {v.name for e in errors for v in ir.variables(d.graph.node_of(e).expr)}
    hidden = [v for v in _nodes_of(d, "neuron_output") if v.name not in read]
    if hidden and len(errors) > 1:
        h = var_latex(hidden[0])
        parts = " + ".join(rf"\frac{{\partial {var_latex(e)}}}{{\partial {h}}}" for e in errors)
        return para(*say(_("A hidden neuron feeds every output neuron, so its adjoint is a sum of contributions, one per path, "
                         "as in the lecture: ${sum}$."), sum=TeX(rf"\frac{{\partial L}}{{\partial {h}}} = {parts}")))
    return para(*say(_("A hidden neuron's adjoint is a sum of contributions, one per path to the loss.")))


__all__ = ["backward_sections", "forward_sections"]
