"""The report's sentences, each a whole sentence chosen by the facts of the derivation.

Every sentence is a template for :func:`~symrnn.report.say.say` (prose with ``{slots}`` and
``$maths$``), chosen by a :class:`~symrnn.report.facts.Facts` value: a claim is written only when
the derivation shows it (a factor ``1/T`` only when the equations have one, "its own output" only
when every state's recurrence reads an output of its step). The tables of phrases below are whole
noun phrases; a translation (gettext) translates the templates and the phrases, nothing else.
"""

from __future__ import annotations

import sympy

from ..core.activations import activation
from ..core.losses import loss_kind
from ..i18n import N_, _, listing
from ..printing.texescape import TeX
from .document import Paragraph, Run, para
from .facts import Facts
from .say import say

CELLS = {
    "lstm": N_("an LSTM cell (D2L 10.1: input, forget and output gates, a candidate memory and a memory cell)"),
    "gru-d2l": N_("a GRU cell in D2L's variant (the reset gate multiplies the previous state before the matrix product)"),
    "gru-torch": N_("a GRU cell in PyTorch's variant (the reset gate is applied after the matrix product, inside which the hidden part of the candidate's bias sits)"),
}
LINEAR_RNN = N_("a vanilla recurrent cell with the identity activation (a linear RNN)")
RNN_WITH = N_("a vanilla recurrent cell with the {act} activation")

SHAPES = {
    "many-to-many": N_("an output and a loss term at every step"),
    "many-to-one": N_("a single output and loss term, at the last step $t = T$"),
    "one-to-many": N_("an input at the first step only and an output at every step"),
    "encoder-decoder": N_("an encoder over the inputs and a decoder, the same cell with its own weights, each layer of which "
                        "starts from the encoder's last state of that layer; the loss is over the decoder's outputs"),
}


def _paragraph(*sentences: tuple[Run, ...]) -> Paragraph:
    runs: list = []
    for i, sentence in enumerate(sentences):
        if i:
            runs.append(" ")
        runs.extend(sentence)
    return para(*runs)


def factor_tex(factor: sympy.Expr) -> TeX:
    return TeX(sympy.latex(factor))


# --------------------------------------------------------------------------- the network


def _cell_phrase(f: Facts) -> tuple[Run, ...]:
    if f.cell != "rnn":
        return say(_(CELLS[f.cell]))
    if f.activation == "identity":
        return say(_(LINEAR_RNN))
    return say(_(RNN_WITH), act=f.activation)


def _loss_sentence(f: Facts, loss: str, reduction: str) -> tuple[Run, ...]:
    words = _(loss_kind(loss).words)
    if f.loss_factor is not None:
        return say(_("The loss is {loss}, averaged over the steps that have an output (a mean over time, factor ${factor}$)."),
                   loss=words, factor=factor_tex(f.loss_factor))
    if f.loss_sums_over_time:
        return say(_("The loss is {loss}, summed over the steps that have an output."), loss=words)
    if reduction == "mean":
        return say(_("The loss is {loss} of the single output: with one loss term, averaging over time changes nothing."), loss=words)
    return say(_("The loss is {loss} of the single output."), loss=words)


def model_paragraph(f: Facts, spec) -> Paragraph:
    """What the network is: cell, unroll and shape, notation, sizes, layers, biases, loss."""
    sentences = [say(_("The network is {cell}, unrolled over $T = {steps}$ steps, with {shape}."),
                     cell=_cell_phrase(f), steps=f.steps, shape=say(_(SHAPES[f.shape])))]
    if f.notation == "column":
        sentences.append(say(_(r"Column notation: one example, column vectors, and weights that multiply from the left ($\mathbf{W} \mathbf{x}$).")))
    else:
        sentences.append(say(_(r"Row notation: a batch of $n = {batch}$ examples as the rows of each matrix, weights that multiply "
                             r"from the right ($\mathbf{X} \mathbf{W}$), and biases broadcast over the rows."), batch=f.batch))
    sentences.append(say(_("Sizes: input $d = {d}$, hidden $h = {h}$, output $q = {q}$."),
                         d=spec.input_size, h=spec.hidden_size, q=spec.output_size))
    if f.layers > 1:
        sentences.append(say(_("There are {layers} stacked layers: layer $l$ reads the hidden state of layer $l - 1$, and a "
                             "superscript gives the layer."), layers=str(f.layers)))
    if not f.has_bias:
        sentences.append(say(_("The network has no biases.")))
    sentences.append(_loss_sentence(f, spec.loss, spec.reduction))
    return _paragraph(*sentences)


def mlp_model_paragraph(f: Facts, spec) -> Paragraph:
    sizes = r" \to ".join(str(s) for s in spec.sizes)
    acts = listing(_(activation(a).words) for a in spec.activations)
    sentences = [say(_("A fully connected network with layer sizes ${sizes}$ and activations {acts}, trained on {loss}."),
                     sizes=TeX(sizes), acts=acts, loss=_(loss_kind(spec.loss).words))]
    if spec.naming == "neuron":
        sentences.append(say(_("It is the network of the lecture's backpropagation section, and its names follow the lecture: "
                             "weights $w_1, \\ldots$, inputs $i_1, i_2$, and the net input $\\mathrm{in}$ and output "
                             "$\\mathrm{out}$ of each neuron.")))
    if not f.has_bias:
        sentences.append(say(_("The network has no biases.")))
    return _paragraph(*sentences)


# --------------------------------------------------------------------------- forward and loss


def forward_intro(f: Facts) -> Paragraph:
    if f.recurrent:
        return _paragraph(say(_("The forward pass, written once for a generic step $t$: each equation holds for the steps in "
                              "parentheses.")), say(_("Initial states are inputs of the computation.")))
    return _paragraph(say(_("The forward pass, neuron by neuron.")))


def loss_intro(f: Facts, loss: str) -> Paragraph:
    if not f.recurrent:
        if loss == "half_sq":
            return _paragraph(say(_("The loss is the sum of the squared errors of the output neurons, each with the factor one half.")))
        return _paragraph(say(_("The loss is {loss}."), loss=_(loss_kind(loss).words)))
    if f.loss_factor is not None:
        return _paragraph(say(_("The loss adds the per-step losses of the steps that produce an output and multiplies the sum by "
                              "${factor}$: a mean over time, never over the batch."), factor=factor_tex(f.loss_factor)))
    if f.loss_sums_over_time:
        return _paragraph(say(_("The loss adds the per-step losses of the steps that produce an output.")))
    return _paragraph(say(_("The loss is the loss of the one output, at the last step.")))


# --------------------------------------------------------------------------- backward


def output_intro(f: Facts) -> Paragraph:
    sentences = [say(_("Backpropagation starts at the loss.")),
                 say(_("The adjoint of each output, the gradient of $L$ with respect to it, comes straight from the loss."))]
    if f.output_factor is not None:
        sentences.append(say(_("The mean over time gives it the factor ${factor}$."), factor=factor_tex(f.output_factor)))
    return _paragraph(*sentences)


def terminal_intro(f: Facts) -> Paragraph:
    if f.shape == "encoder-decoder":
        return _paragraph(say(_("At the final step $T$ of a sequence no later step of that sequence follows: each decoder state "
                              "influences the loss only through quantities of its own step, and the encoder's last state "
                              "through the decoder it starts.")), say(_("These boundary cases start the recurrence below.")))
    return _paragraph(say(_("At the final step $T$ nothing comes later, so each state influences the loss only through "
                          "quantities of the same step.")), say(_("These boundary cases start the recurrence below.")))


_THROUGH = {
    "all": N_("For $t < T$ a state influences the loss through the next step as well as through its own output."),
    "some": N_("For $t < T$ a state influences the loss through the next step, and a state that feeds an output also through its own output."),
    "none": N_("For $t < T$ a state influences the loss only through the next step."),
}


def recurrence_intro(f: Facts) -> Paragraph:
    first = _THROUGH[f.state_outputs]
    if f.state_outputs == "none" and f.reads_layer_above:
        first = N_("For $t < T$ a state influences the loss through the next step.")
    sentences = [say(_(first))]
    if f.reads_layer_above:
        sentences.append(say(_("A state of a lower layer also feeds the layer above at the same step, so its adjoint also "
                             "receives that layer's adjoint.")))
    if f.state_outputs == "none" and not f.reads_layer_above:
        sentences.append(say(_("Its adjoint is what the next step sends back, through the transposed weights.")))
    else:
        sentences.append(say(_("Its adjoint adds up what each of these sends back, through the transposed weights.")))
    sentences.append(say(_("Read the equations from the bottom up: each uses adjoints computed before it.")))
    return _paragraph(*sentences)


def gradients_intro(f: Facts) -> Paragraph:
    if not f.recurrent:
        return _paragraph(say(_("Each weight's gradient is the adjoint of the neuron it feeds times the signal it multiplies; "
                              "a bias shared by several neurons collects all their adjoints.")))
    sentences = [say(_("Every parameter is shared by all steps, so its gradient is a sum over $t$ of one term per step in "
                     "which it is used."))]
    if f.notation == "row" and f.has_bias:
        sentences.append(say(_("A bias is also summed over the rows of the batch (the row of ones).")))
    return _paragraph(*sentences)


__all__ = ["CELLS", "SHAPES", "factor_tex", "forward_intro", "gradients_intro", "loss_intro", "mlp_model_paragraph",
           "model_paragraph", "output_intro", "recurrence_intro", "terminal_intro"]
