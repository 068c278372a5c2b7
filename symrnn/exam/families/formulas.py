"""Derivation questions whose answer is a formula: one generic BPTT equation of a catalogue
network (an adjoint, a parameter's gradient or a closed form), or of the vanilla RNN with
another activation of the registry (sigmoid, softplus, ReLU).

The pool is read off the derivations, not typed: every generic equation whose key takes
:data:`OPERATIONS` operations, so every question weighs the same (117 distinct questions).

The key is the derivation's own equation printed by ``symrnn.printing.latex``. A parameter's
gradient is graded by the checker (``symrnn check SPEC --grad NAME --answer ...`` for one answer,
``symrnn grade SPEC answers.csv --grad NAME`` for a class: it reads the typed formula, compares it
with the derivation and names the mistake); the answer records ``(spec, parameter)`` for that. The
checker grades gradients and adjoints at a generic step or at T (``--grad dL/dZ_t``); a closed
form is graded by hand against the key, with the mistakes to look for in the grader information. In Moodle both are essay questions.
"""

from __future__ import annotations

from dataclasses import replace

from ...core import catalogue, ir
from ...core.labels import Kind, param_key
from ...core.mistakes import MISTAKES
from ...i18n import N_, _
from ..difficulty import operations
from ..model import Answer, Part, display, rich
from ..numeric import condition_latex, derivation, equation_latex, latex
from ..registry import Draft, Family
from ._draw import pick, retry

RECURRENCE = ("missing_recurrent_term", "missing_transpose", "diag_wrong_side", "wrong_activation_derivative")
WEIGHT = ("shared_weights_not_summed", "missing_transpose", "wrong_signal_pairing", "row_column_mixed")
BIAS = ("bias_not_summed", "shared_weights_not_summed")
OUTPUT_WEIGHT = ("shared_weights_not_summed", "missing_transpose", "missing_mean")
ACTIVATION = ("wrong_activation_derivative", "elementwise_matmul_confused")
GATE = ("wrong_signal_pairing", "elementwise_matmul_confused")
TERMINAL = ("missing_transpose", "wrong_signal_pairing")
CLOSED = ("missing_transpose", "power_index_mirrored", "missing_recurrent_term")
OUTPUT = ("missing_mean", "sign_error")

EXTRA_ACTIVATIONS = ("sigmoid", "softplus", "relu")
"""The vanilla RNN of the catalogue is also asked with these activations (the registry's), graded by hand."""

OPERATIONS = (3, 5)
"""Every question's key has between this many arithmetic operations (``symrnn.exam.difficulty``):
the pool's variants are of equal weight, so the versions of one exam are of equal difficulty."""


def _watch(eq) -> tuple[str, ...]:
    """The mistakes a grader looks for in an answer to ``eq``, read from what the equation is."""
    m = eq.lhs.of.meaning if isinstance(eq.lhs, ir.Adjoint) else None
    if eq.label.kind is Kind.CLOSED or m is None:
        return CLOSED
    if eq.label.kind is Kind.GRADIENT:
        return BIAS if m.kind == "bias" else OUTPUT_WEIGHT if m.of == "output" else WEIGHT
    if eq.label.case == "T":
        return TERMINAL
    if m is not None and m.kind == "preactivation":
        return ACTIVATION
    if m is not None and m.kind == "gate":
        return GATE
    if m is not None and m.kind == "output":
        return OUTPUT
    if m is not None and m.kind == "memory":
        return ("lstm_cell_path_dropped", *RECURRENCE[:2])
    return RECURRENCE


def _specs():
    for name in catalogue.names():
        spec = catalogue.load(name)
        if spec.recurrent:
            yield name, spec, True
    for act in EXTRA_ACTIVATIONS:
        base = catalogue.load("rnn-tanh")
        yield f"rnn-{act}", replace(base, activation=act, name=f"rnn-{act}", title=f"Vanilla {act} RNN"), False


def _pool() -> tuple[tuple, ...]:
    """Every generic adjoint, gradient and closed form of the catalogue's recurrent networks (and of
    the vanilla RNN with the other activations) whose key takes :data:`OPERATIONS` operations."""
    out = []
    for name, spec, graded in _specs():
        d = derivation(spec)
        for eq in d.generic_adjoints + d.generic_gradients + d.closed_forms:
            ops = operations(equation_latex(eq))
            if OPERATIONS[0] <= ops <= OPERATIONS[1]:
                out.append((name, spec, eq.label, _watch(eq), graded))
    return tuple(out)


QUESTIONS = _pool()
NOTATION = {
    "column": N_("Column notation: one example, column vectors."),
    "row": N_("Row notation (D2L): a batch of examples as the rows of $\\mathbf{X}_t$, the bias added to every row."),
}
_CELL_WORDS = {"lstm": "LSTM", "gru-d2l": N_("GRU (D2L's variant)"), "gru-torch": N_("GRU (PyTorch's variant)")}


_NETWORK_WORDS = {
    (False, False): N_("{cell}"), (False, True): N_("scalar {cell}"),
    (True, False): N_("stacked {cell}"), (True, True): N_("stacked scalar {cell}"),
}
"""The network's words by (stacked, scalar): whole phrases, since a language orders its adjectives."""


def network_words(spec) -> str:
    """``stacked tanh RNN``, ``scalar linear RNN``, ``LSTM``: what a question's title names."""
    if spec.cell != "rnn":
        words = _(_CELL_WORDS[spec.cell])
    elif spec.activation == "identity":
        words = _("linear RNN")
    else:
        words = _("{act} RNN").format(act=spec.activation)
    return _(_NETWORK_WORDS[(spec.layers > 1, spec.style == "scalar")]).format(cell=words)


_WHAT = {Kind.ADJOINT: N_("Derive an adjoint equation of the {network}"),
         Kind.GRADIENT: N_("Derive a parameter's gradient of the {network}"),
         Kind.CLOSED: N_("Derive a closed form of the {network}")}


def _checker_target(eq) -> str:
    """What ``symrnn check --grad`` calls the equation's quantity: a parameter by its key, an
    adjoint at a generic step or at T as ``dL/dh_t`` / ``dL/dh_T`` (empty: graded by hand)."""
    label = eq.label
    if label.kind is Kind.GRADIENT:
        return param_key(eq.lhs.of)
    if label.kind is not Kind.ADJOINT or label.layer is not None:
        return ""
    # the checker judges dL/dh_t at every step 1..T: only a recurrence that holds at all of them
    everywhere = eq.bounds is not None and tuple(eq.bounds) == (1, ir.T_SYM)
    if label.case == "T" or (label.case == "t" and everywhere):
        return f"dL/d{label.quantity}_{label.case}"
    return ""


def _draw_once(rng) -> Draft:
    spec_name, spec, label, watch, graded = pick(rng, QUESTIONS)
    d = derivation(spec)
    eq = d.equation(label)
    model = tuple(f"{latex(e.lhs)} &= {latex(e.rhs)}" for e in d.generic_forward)
    statement = rich(
        _("The {network}. {notation} The network is").format(network=network_words(spec), notation=_(NOTATION[spec.notation])),
        display(*model),
    )
    notes = "; ".join(f"{_(MISTAKES[m].title)}: {_(MISTAKES[m].teacher_note)}" for m in watch)
    checker = (spec_name, _checker_target(eq)) if graded and _checker_target(eq) else ()
    how = (_("Grade with: symrnn check {spec} --grad {grad} --answer '<the answer>' "
             "(a class: symrnn grade {spec} answers.csv --grad {grad}).").format(spec=checker[0], grad=checker[1])
           if checker else _("Grade by hand against the key."))
    answer = Answer("formula", 3, formula=equation_latex(eq), checker=checker,
                    note=_("{how} Accept any equivalent form. Look for: {notes}").format(how=how, notes=notes))
    ask = (_("Derive ${lhs}$ for ${when}$, in terms of quantities of the forward pass and of other adjoints.")
           if eq.bounds is not None else
           _("Derive ${lhs}$, in terms of quantities of the forward pass and of other adjoints."))
    when = condition_latex(eq.bounds) if eq.bounds is not None else ""
    parts = (Part(rich(ask.format(lhs=latex(eq.lhs), when=when)),
                  answer, space="6cm"),)
    solution = rich(
        _("Each consumer of the quantity sends back its adjoint through the formula-sheet rule of its operation "
        "(transposed weights, elementwise derivatives), and shared weights sum their contributions over time:"),
        display(equation_latex(eq)),
    )
    return Draft(statement, parts, solution, (("spec", spec_name), ("label", label)),
                 title=_(_WHAT[label.kind]).format(network=network_words(spec)))


def draw(rng) -> Draft:
    return retry(_draw_once, rng)


FAMILY = Family(
    name="derive-formula",
    title=N_("Derive a BPTT equation"),
    topic=N_("Generic BPTT equations of the catalogue networks (formula answers)"),
    draw=draw,
    space=len(QUESTIONS),
)
