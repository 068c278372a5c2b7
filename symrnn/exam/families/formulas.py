"""Derivation questions whose answer is a formula: one generic BPTT equation of a catalogue
network (its adjoint recurrence or a parameter's gradient).

The key is the derivation's own equation printed by ``symrnn.printing.latex``. A parameter's
gradient is graded by the checker (``symrnn check SPEC --grad NAME --answer ...`` for one answer,
``symrnn grade SPEC answers.csv --grad NAME`` for a class: it reads the typed formula, compares it
with the derivation and names the mistake); the answer records ``(spec, parameter)`` for that. The
checker grades gradients only, so an adjoint recurrence is graded by hand against the key, with
the mistakes to look for in the grader information. In Moodle both are essay questions.
"""

from __future__ import annotations

from ...core import catalogue
from ...core.labels import Kind, Label, param_key
from ...core.mistakes import MISTAKES
from ..model import Answer, Part, display, rich
from ..numeric import condition_latex, derivation, equation_latex, latex
from ..registry import Draft, Family
from ._draw import pick, retry

RECURRENCE = ("missing_recurrent_term", "missing_transpose", "diag_wrong_side", "wrong_activation_derivative")
WEIGHT = ("shared_weights_not_summed", "missing_transpose", "wrong_signal_pairing", "row_column_mixed")


def A(quantity: str, case: str) -> Label:
    """The generic adjoint equation of ``quantity`` at time case ``case``."""
    return Label.adjoint(quantity, case=case)


G = Label.gradient
QUESTIONS = (
    ("rnn-linear", A("h", "t"), RECURRENCE),
    ("rnn-linear", A("h", "T"), ("missing_transpose", "missing_mean")),
    ("rnn-linear", G("W_hh"), WEIGHT),
    ("rnn-linear", G("W_hx"), WEIGHT),
    ("rnn-tanh", A("a", "t"), ("wrong_activation_derivative", "elementwise_matmul_confused")),
    ("rnn-tanh", A("h", "t"), RECURRENCE),
    ("rnn-tanh", G("W_hh"), WEIGHT),
    ("rnn-tanh", G("b_h"), ("bias_not_summed", "shared_weights_not_summed")),
    ("lstm", A("C", "t"), ("lstm_cell_path_dropped", "wrong_activation_derivative", "elementwise_matmul_confused")),
    ("lstm", A("F", "t"), ("wrong_signal_pairing", "elementwise_matmul_confused")),
    ("lstm", G("W_hf"), WEIGHT),
    ("gru-d2l", A("Z", "t"), ("elementwise_matmul_confused", "wrong_signal_pairing")),
    ("gru-d2l", A("H_tilde", "t"), ("elementwise_matmul_confused",)),
    ("gru-d2l", G("W_hz"), WEIGHT),
    ("rnn-linear", G("W_qh"), ("shared_weights_not_summed", "missing_transpose", "missing_mean")),
    ("rnn-tanh", G("W_hx"), WEIGHT),
    ("lstm", A("I", "t"), ("wrong_signal_pairing", "elementwise_matmul_confused")),
    ("lstm", A("O", "t"), ("wrong_activation_derivative", "elementwise_matmul_confused")),
    ("lstm", G("W_xi"), WEIGHT),
    ("lstm", G("b_f"), ("bias_not_summed", "shared_weights_not_summed")),
    ("gru-d2l", A("R", "t"), ("elementwise_matmul_confused", "missing_transpose", "row_column_mixed")),
    ("gru-d2l", G("W_hr"), WEIGHT),
    ("gru-torch", A("N", "t"), ("elementwise_matmul_confused", "wrong_activation_derivative")),
    ("gru-torch", G("W_hn"), WEIGHT),
    ("gru-torch", G("b_hn"), ("bias_not_summed", "elementwise_matmul_confused")),
)
NOTATION = {
    "column": "Column notation: one example, column vectors.",
    "row": "Row notation (D2L): a batch of examples as the rows of $\\mathbf{X}_t$, the bias added to every row.",
}


def _draw_once(rng) -> Draft:
    spec_name, label, watch = pick(rng, QUESTIONS)
    spec = catalogue.load(spec_name)
    d = derivation(spec)
    eq = d.equation(label)
    model = tuple(f"{latex(e.lhs)} &= {latex(e.rhs)}" for e in d.generic_forward)
    when = f" for ${condition_latex(eq.bounds)}$" if eq.bounds is not None else ""
    statement = rich(
        f"{spec.title}. {NOTATION[spec.notation]} The network is",
        display(*model),
    )
    notes = "; ".join(f"{MISTAKES[m].title}: {MISTAKES[m].teacher_note}" for m in watch)
    checker = (spec_name, param_key(eq.lhs.of)) if label.kind is Kind.GRADIENT else ()
    how = (f"Grade with: symrnn check {checker[0]} --grad {checker[1]} --answer '<the answer>' "
           f"(a class: symrnn grade {checker[0]} answers.csv --grad {checker[1]}). " if checker else
           "Grade by hand against the key. ")
    answer = Answer("formula", 3, formula=equation_latex(eq), checker=checker,
                    note=f"{how}Accept any equivalent form. Look for: {notes}")
    parts = (Part(rich(f"Derive ${latex(eq.lhs)}${when}, in terms of quantities of the forward pass and of other adjoints."), answer),)
    solution = rich(
        "Each consumer of the quantity sends back its adjoint through the formula-sheet rule of its operation "
        "(transposed weights, elementwise derivatives), and shared weights sum their contributions over time:",
        display(equation_latex(eq)),
    )
    return Draft(statement, parts, solution, (("spec", spec_name), ("label", label)))


def draw(rng) -> Draft:
    return retry(_draw_once, rng)


FAMILY = Family(
    name="derive-formula",
    title="Derive a BPTT equation",
    topic="Generic BPTT equations of the catalogue networks (formula answers)",
    draw=draw,
    space=len(QUESTIONS),
)
