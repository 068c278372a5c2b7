"""Derivation questions whose answer is a formula: one generic BPTT equation of a catalogue
network (an adjoint or a parameter's gradient), or of the vanilla RNN with
another activation of the registry (sigmoid, softplus, ReLU).

The pool is read off the derivations, not typed: every generic adjoint and gradient whose worked
solution (where the quantity is used, its local derivative, the adjoints the key uses, the key)
writes :data:`WORK` operations, so every question asks the same work and weighs the same
(45 distinct questions). A closed form is asked by the closed-form family, with its steps.

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
from ...core.ir import traverse
from ...core.ir.linear import Add
from ...core.labels import Kind, param_key
from ...core.mistakes import MISTAKES
from ...i18n import N_, _
from ..difficulty import written_operations
from ..model import Answer, Part, Rich, display, rich
from ..numeric import condition_latex, derivation, equation_latex, latex
from ..registry import Draft, Family
from ._draw import pick, retry

RECURRENCE = ("missing_recurrent_term", "missing_transpose", "diag_wrong_side", "wrong_activation_derivative")
WEIGHT = ("shared_weights_not_summed", "missing_transpose", "wrong_signal_pairing", "row_column_mixed")
BIAS = ("bias_not_summed", "shared_weights_not_summed")
BIAS_ONE_EXAMPLE = {True: ("shared_weights_not_summed", "missing_mean"),
                    False: ("shared_weights_not_summed", "wrong_activation_derivative")}
"""Column notation asks about one example: no batch to sum a bias over, so the sum over time is
watched, and the step the worked solution expands (the output's 1/T, or the activation's derivative)."""
OUTPUT_WEIGHT = ("shared_weights_not_summed", "missing_transpose", "missing_mean")
ACTIVATION = ("wrong_activation_derivative", "elementwise_matmul_confused")
GATE = ("wrong_signal_pairing", "elementwise_matmul_confused")
TERMINAL = ("missing_transpose", "wrong_signal_pairing")
CLOSED = ("missing_transpose", "power_index_mirrored", "missing_recurrent_term")
OUTPUT = ("missing_mean", "sign_error")

EXTRA_ACTIVATIONS = ("sigmoid", "softplus", "relu")
"""The vanilla RNN of the catalogue is also asked with these activations (the registry's), graded by hand."""

WORK = (8, 10)
"""Every question's worked solution (the quantity's uses, its local derivative, the adjoints the key
uses, the key) writes between this many arithmetic operations (``symrnn.exam.difficulty``): the
pool's variants are of equal work, so the versions of one exam are of equal difficulty."""

POINTS = 3
"""What a question is worth: every one asks the same work, one step read off the derivation (a
local derivative or an adjoint) and the chain rule's sum; a one-line key is not in the pool.
Three, as the scalar BPTT derivation, so a version of the default exam totals 30 points."""


def _watch(eq, notation: str = "row") -> tuple[str, ...]:
    """The mistakes a grader looks for in an answer to ``eq``, read from what the equation is (and
    from the notation: a bias is summed over a batch only in row notation)."""
    m = eq.lhs.of.meaning if isinstance(eq.lhs, ir.Adjoint) else None
    if eq.label.kind is Kind.CLOSED or m is None:
        return CLOSED
    if eq.label.kind is Kind.GRADIENT:
        if m.kind == "bias":
            return BIAS if notation == "row" else BIAS_ONE_EXAMPLE[m.of == "output"]
        return OUTPUT_WEIGHT if m.of == "output" else WEIGHT
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


SHAPES = ("many-to-many", "many-to-one", "one-to-many")
"""Each network is also asked in the other notation and in these shapes (where it differs: the
outputs' steps change the adjoints), graded by hand."""


def _bases():
    for name in catalogue.names():
        spec = catalogue.load(name)
        if spec.recurrent:
            yield name, spec, True
    for act in EXTRA_ACTIVATIONS:
        base = catalogue.load("rnn-tanh")
        yield f"rnn-{act}", replace(base, activation=act, name=f"rnn-{act}", title=f"Vanilla {act} RNN"), False


def _specs():
    """Every base network as it is (graded by ``symrnn check`` when it is a catalogue one), then in each
    notation and shape it admits (graded by hand)."""
    for name, spec, graded in _bases():
        yield name, name, spec, graded
        for notation in ("column", "row"):
            for shape in SHAPES:
                if (notation, shape) == (spec.notation, spec.shape) or (spec.style == "scalar" and notation == "row"):
                    continue
                yield name, f"{name}-{notation}-{shape}", replace(spec, notation=notation, shape=shape), False


def _pool() -> tuple[tuple, ...]:
    """Every generic adjoint and gradient of the catalogue's recurrent networks (and of
    the vanilla RNN with the other activations) whose worked solution takes :data:`WORK` operations."""
    out, seen = [], set()
    for base, name, spec, graded in _specs():
        d = derivation(spec)
        for eq in d.generic_adjoints + d.generic_gradients:  # a closed form: the closed-form family
            asked = (base, spec.notation, equation_latex(eq))  # the same equation in another shape is the same question
            if asked not in seen and WORK[0] <= written_operations(solution(d, eq)) <= WORK[1]:
                seen.add(asked)
                out.append((name, spec, eq.label, _watch(eq, spec.notation), graded))
    return tuple(out)

NOTATION = {
    "column": N_("Column notation: one example, column vectors."),
    "row": N_("Row notation (D2L): a batch of examples as the rows of $\\mathbf{X}_t$, the bias added to every row."),
}
ACTIVATION_WORDS = {"tanh": N_("tanh"), "sigmoid": N_("sigmoid"), "relu": N_("ReLU"), "softplus": N_("softplus"),
                    "identity": N_("identity")}
"""An activation's name as a title writes it (ReLU in capitals), translated (sigmoide in Spanish)."""
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
        words = _("{act} RNN").format(act=_(ACTIVATION_WORDS.get(spec.activation, spec.activation)))
    return _(_NETWORK_WORDS[(spec.layers > 1, spec.style == "scalar")]).format(cell=words)


_WHAT = {Kind.ADJOINT: N_("Derive an adjoint equation for the {network}"),
         Kind.GRADIENT: N_("Derive a parameter gradient for the {network}"),
         Kind.CLOSED: N_("Derive a closed form for the {network}")}


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


def _steps(d, eq) -> tuple[tuple, tuple[str, ...], tuple]:
    """The key's intermediate steps, read off the derivation: the forward equations that use the
    quantity, the local derivative of a use that adds it as a term (the identity), and the generic
    equations of the adjoints the key uses."""
    of = eq.lhs.of if isinstance(eq.lhs, ir.Adjoint) else None
    users = tuple(f for f in d.generic_forward if of is not None
                  and any(v.name == of.name and v.layer == of.layer for v in traverse.variables(f.rhs)))
    local = tuple(f"\\frac{{\\partial {latex(f.lhs)}}}{{\\partial {latex(of)}}} = I" for f in users
                  if isinstance(f.rhs, Add) and any(isinstance(v, ir.Var) and v.name == of.name and v.layer == of.layer
                                                       for v in f.rhs.terms))
    used = []
    for adj in traverse.adjoints(eq.rhs):
        found = next((a for a in d.generic_adjoints if a.lhs.of.name == adj.of.name and a.lhs.of.layer == adj.of.layer
                      and a.label.case != "T"), None)
        if found is not None and found is not eq and found not in used:
            used.append(found)
    return users, local, tuple(used)


def solution(d, eq) -> Rich:
    """The worked solution: where the quantity is used, its local derivative, the adjoints the key
    uses (their own equations of the derivation), then the key."""
    users, local, used = _steps(d, eq)
    blocks: list = []
    if users:
        blocks += [_("${lhs}$ is used in the forward pass by").format(lhs=latex(eq.lhs.of)),
                   display(*(equation_latex(f) for f in users))]
    if local:
        blocks += [_("There it is added as a term, so its local derivative is the identity:"), display(*local)]
    if used:
        blocks += [_("The key uses the adjoints"), display(*(equation_latex(a) for a in used))]
    blocks += [_("Each use sends back its adjoint through the formula-sheet rule of its operation (transposed "
                 "weights, elementwise derivatives), and a quantity used at every step sums its contributions over time:"),
               display(equation_latex(eq))]
    return rich(*blocks)


QUESTIONS = _pool()


def _draw_once(rng) -> Draft:
    spec_name, spec, label, watch, graded = pick(rng, QUESTIONS)
    d = derivation(spec)
    eq = d.equation(label)
    model = tuple(f"{latex(e.lhs)} &= {latex(e.rhs)}" for e in d.generic_forward)
    statement = rich(
        _("Consider the {network}. {notation} The network is").format(network=network_words(spec), notation=_(NOTATION[spec.notation])),
        display(*model),
    )
    notes = "; ".join(f"{MISTAKES[m].title}: {MISTAKES[m].teacher_note_tex.rstrip('.')}" for m in watch) + "."
    checker = (spec_name, _checker_target(eq)) if graded and _checker_target(eq) else ()
    how = (_("Grade with: symrnn check {spec} --grad {grad} --answer '<the answer>' "
             "(a class: symrnn grade {spec} answers.csv --grad {grad}).").format(spec=checker[0], grad=checker[1])
           if checker else _("Grade by hand against the key."))
    answer = Answer("formula", POINTS, formula=equation_latex(eq), checker=checker,
                    note=_("{how} Accept any equivalent form. Look for: {notes}").format(how=how, notes=notes))
    ask = (_("Derive ${lhs}$ for ${when}$, in terms of quantities of the forward pass and of other adjoints; show the steps.")
           if eq.bounds is not None else
           _("Derive ${lhs}$, in terms of quantities of the forward pass and of other adjoints; show the steps."))
    when = condition_latex(eq.bounds) if eq.bounds is not None else ""
    parts = (Part(rich(ask.format(lhs=latex(eq.lhs), when=when)), answer, space="6cm"),)
    return Draft(statement, parts, solution(d, eq), (("spec", spec_name), ("label", label)),
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
