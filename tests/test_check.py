"""Typed gradients: reading (grammar, symbols, shapes), verdicts, counterexamples, mistakes.

The ``DONE`` tests are the issue's acceptance: a correct dL/dW_hh of rnn-linear typed three ways
is accepted; without the transpose, without the 1/T and without the recurrent term it is
rejected with the mistake named and a counterexample.
"""

from __future__ import annotations

import argparse
import json

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from symrnn.check import AnswerError, check_answer
from symrnn.check.evaluate import problem
from symrnn.check.mutations import MUTATORS
from symrnn.check.shapes import read
from symrnn.commands import check as check_command
from symrnn.core import catalogue, ir
from symrnn.core import evaluate as numeric
from symrnn.core.derive import derive
from symrnn.core.mistakes import MISTAKES
from symrnn.printing.latex import latex
from symrnn.printing.plain import plain

# --------------------------------------------------------------------------- acceptance (DONE)

RNN_LINEAR_W_HH_CORRECT = {
    "latex, adjoint symbols": r"\sum_{t=1}^{T} \frac{\partial L}{\partial \mathbf{h}_t} \mathbf{h}_{t-1}^{\top}",
    "plain, recursive expansion": "sum_t (W_hh.T @ dL_dh[t+1] + W_qh.T @ (o[t] - y[t]) / T) @ h[t-1].T",
    "latex, power sum (9.7.15)": r"\frac{1}{T}\sum_{t=1}^{T} \sum_{i=t}^{T} (W_{hh}^{T})^{T-i} W_{qh}^{T} (o_{T+t-i} - y_{T+t-i}) h_{t-1}^{T}",
    "forward index power sum": r"\sum_{t=1}^{T}\sum_{i=t}^{T} \left(W_{hh}^\top\right)^{i-t} W_{qh}^\top \frac{\partial L}{\partial o_i} h_{t-1}^\top",
    "factored 1/T, plain": "(1/T) * sum_{t=1}^{T} (sum_{i=t}^{T} (W_hh.T)^(i-t) @ W_qh.T @ (o[i] - y[i])) @ h[t-1].T",
}

RNN_LINEAR_W_HH_WRONG = {
    "missing_transpose": "sum_t (W_hh @ dL_dh[t+1] + W_qh.T @ dL_do[t]) @ h[t-1].T",
    "missing_mean": r"\sum_{t=1}^{T} \sum_{i=t}^{T} (W_{hh}^{\top})^{T-i} W_{qh}^{\top} (o_{T+t-i} - y_{T+t-i}) h_{t-1}^{\top}",
    "missing_recurrent_term": r"\sum_t W_{qh}^\top \frac{\partial L}{\partial o_t} h_{t-1}^\top",
}


@pytest.mark.parametrize("how", sorted(RNN_LINEAR_W_HH_CORRECT))
def test_done_correct_w_hh_typed_several_ways_is_accepted(how):
    v = check_answer("rnn-linear", "W_hh", RNN_LINEAR_W_HH_CORRECT[how])
    assert v.status == "correct", v.to_text()
    assert v.read_as and v.score == 1.0
    assert len(v.checks) == 4  # exact, float, float T+1, non-square sizes


@pytest.mark.parametrize("mistake", sorted(RNN_LINEAR_W_HH_WRONG))
def test_done_wrong_w_hh_is_rejected_with_the_mistake_and_a_counterexample(mistake):
    v = check_answer("rnn-linear", "W_hh", RNN_LINEAR_W_HH_WRONG[mistake])
    assert v.status == "wrong", v.to_text()
    assert v.mistakes == [mistake]
    assert v.feedback == MISTAKES[mistake].feedback
    assert v.teacher_note == MISTAKES[mistake].teacher_note
    ce = v.counterexample
    assert ce is not None and ce.differ
    assert np.array(ce.expected).shape == (2, 2) and np.array(ce.got).shape == (2, 2)
    assert not np.allclose(np.array(ce.expected, dtype=float), np.array(ce.got, dtype=float))
    assert "W_hh" in ce.values and "x[1]" in ce.values
    text = v.to_text()
    assert "read as:" in text.splitlines()[1] and "counterexample" in text and MISTAKES[mistake].title in text


def test_counterexample_values_reproduce_both_results():
    v = check_answer("rnn-linear", "W_hh", RNN_LINEAR_W_HH_WRONG["missing_recurrent_term"])
    ce = v.counterexample
    d = derive(catalogue.load("rnn-linear"), steps=3)
    values = {}
    for p in d.graph.params:
        values[(p.name, None, None)] = np.array(ce.values[p.name], dtype=float)
    for leaf in d.graph.leaves:
        values[(leaf.name, None, int(leaf.time))] = np.array(ce.values[f"{leaf.name}[{int(leaf.time)}]"], dtype=float)
    inst = numeric.instance_from_values(d, values)
    np.testing.assert_allclose(inst.gradients()["W_hh"], ce.expected, rtol=1e-12)
    expr = read(v.answer, problem(catalogue.load("rnn-linear"), "W_hh").table)
    np.testing.assert_allclose(numeric.evaluate(expr, inst), ce.got, rtol=1e-12)


# --------------------------------------------------------------------------- reading


def test_read_as_is_shown_before_the_verdict_and_is_reparseable():
    v = check_answer("rnn-tanh", "W_hh", r"\sum_t \delta_t h_{t-1}^T")
    assert v.read_as == r"\sum_{t=1}^{T} \frac{\partial L}{\partial \mathbf{a}_{t}} \mathbf{h}_{t-1}^{\top}"
    assert check_answer("rnn-tanh", "W_hh", v.read_as).correct
    assert check_answer("rnn-tanh", "W_hh", v.read_as_plain).correct


@pytest.mark.parametrize(
    "text, column, fragment",
    [
        ("sum_t dL_dh[t] @ foo[t-1].T", 18, "unknown symbol 'foo'"),
        ("sum_t dL_dh[t] @ h[t-1]", 16, "cannot multiply a 2x1 matrix by a 2x1 matrix (is a transpose missing?"),
        ("sum_t dL_dh[t] + W_hh", 16, "cannot add shapes 2x1 and 2x2"),
        ("dL_dh[t] @ h[t-1].T", 1, "the index t is not bound"),
        ("sum_t dL_dh @ h[t-1].T", 7, "needs a time index"),
        ("sum_t dL_dW_hh", 7, "may not use dL/dW_hh"),
        ("sum_t dL_dh[t] @ h[t-1].T +", 27, "ends too early"),
        ("sum_t (dL_dh[t] @ h[t-1].T", 7, "never closed"),
    ],
)
def test_reading_errors_name_the_column(text, column, fragment):
    v = check_answer("rnn-linear", "W_hh", text)
    assert v.status == "invalid"
    assert fragment in v.message
    assert v.message.startswith(f"column {column}:"), v.message
    assert not v.read_as


def test_symbols_resolve_layers_gates_and_decorations():
    lstm = problem(catalogue.load("lstm"), "W_hi").table
    assert read(r"\sum_t H_{t-1}^\top \frac{\partial L}{\partial A_{i,t}}", lstm) == read("sum_t H[t-1].T @ dL_dA_i[t]", lstm)
    assert read(r"\tilde{\mathbf{C}}_{2}", lstm) == ir.Var("C_tilde", (2, 2), "node", 2)
    assert read("b_i", lstm) == ir.Var("b_i", (1, 2), "param")
    assert read("1^T dL_dA_i[2]", lstm) == read(r"\mathbf{1}^\top dL_dA_i[2]", lstm) == read("sum_rows(dL_dA_i[2])", lstm)
    deep = problem(catalogue.load("deep-rnn"), "W_hh_l1").table
    assert read(r"\sum_t \delta^{(1)}_t (h^{(1)}_{t-1})^T", deep) == read("sum_t dL_da_l1[t] @ h_l1[t-1].T", deep)
    assert read(r"\sum_t \delta^{(1)}_t \mathbf{h}_{t-1}^{(1)\top}", deep) == read("sum_t dL_da_l1[t] @ h_l1[t-1].T", deep)
    with pytest.raises(AnswerError, match=r"needs its layer"):
        read("W_hh", deep)
    mlp = problem(catalogue.load("mlp-2-2-2"), "w5").table
    assert read(r"\frac{\partial L}{\partial \mathit{in}_{o1}} \mathit{out}_{h1}", mlp) == read("dL_din_o1 @ out_h1", mlp)
    assert read("w_{5}", mlp) == read("w5", mlp)


def test_dl_dx_binds_tightly_inside_products():
    table = problem(catalogue.load("rnn-linear"), "W_hh").table
    want = read("sum_t dL_dh[t] @ h[t-1].T", table)
    assert read("sum_t dL/dh_t h_{t-1}^T", table) == want
    assert read(r"\sum_t \partial L/\partial h_t h_{t-1}^T", table) == want
    assert check_answer("rnn-linear", "W_hh", "sum_t (h[t-1] @ dL/dh_t^T).T").correct


def test_powers_transposes_and_elementwise_forms():
    table = problem(catalogue.load("rnn-tanh"), "W_hh").table
    h = ir.Var("h", (2, 1), "node", 1)
    assert read("1 - h_1^2", table) == ir.one_minus(ir.hadamard(h, h))
    assert read(r"(W_{hh}^{\top})^{T-1}", table) == ir.matpow(ir.transpose(ir.Var("W_hh", (2, 2), "param")), ir.T_SYM - 1)
    assert read("h[1].T", table) == read(r"h_1^{\top}", table) == read("h_{1}^T", table) == ir.transpose(h)
    assert read(r"\mathbf{h}^\top_{1}", table) == read("h^{T}_1", table) == read("hᵀ_1", table) == ir.transpose(h)
    assert read(r"\tanh'(a_1)", table) == ir.DerivApply("tanh", ir.Var("a", (2, 1), "node", 1))
    assert read("f'(a_1)", table) == read(r"\tanh'(a_1)", table) == read(r"\tanh'(z_1)", table)
    assert isinstance(read(r"\operatorname{diag}(1 - h_1^2) W_{hh}", table), ir.MatMul)
    assert read(r"h_1 \odot h_1", table) == read("h_1 * h_1", table) == read("h[1] ⊙ h[1]", table)


@pytest.mark.parametrize("name", catalogue.names())
def test_every_printed_equation_reads_back_to_the_same_value(name):
    """The printers' LaTeX and plain text of every generic equation parse to the same value."""
    spec = catalogue.load(name)
    d = derive(spec)
    prob = problem(spec, d.generic_gradients[0].node)
    inst = prob.settings["float"].instance
    for eq in d.generic_adjoints + d.generic_gradients:
        rhs = ir.retime(eq.rhs, {ir.t_SYM: 2})  # the equation at step 2 (bound indices untouched)
        want = numeric.evaluate(rhs, inst)
        for text in (latex(rhs), plain(rhs)):
            got = numeric.evaluate(read(text, prob.table, eq.lhs.shape), inst)
            np.testing.assert_allclose(got, want, rtol=1e-12, err_msg=f"{name} {eq.label}: {text}")


_ATOMS = ["W_hh", "W_qh", "W_hx", "W_hh.T", "h[1]", "h[2].T", "x[3]", "dL_dh[2]", "dL_do[t]", "o[t]", "(1/T)"]


@st.composite
def expressions(draw, depth=3):
    if depth == 0 or draw(st.booleans()):
        return draw(st.sampled_from(_ATOMS))
    op = draw(st.sampled_from([" @ ", " * ", " + ", " - "]))
    left = draw(expressions(depth=depth - 1))
    right = draw(expressions(depth=depth - 1))
    return f"({left}{op}{right})"


@given(expressions())
def test_random_expressions_round_trip_through_both_printers(text):
    table = problem(catalogue.load("rnn-linear"), "W_hh").table
    body = f"sum_t {text}"
    try:
        expr = read(body, table)
    except AnswerError:
        return  # shapes that do not fit are refused, with a column (tested elsewhere)
    inst = problem(catalogue.load("rnn-linear"), "W_hh").settings["float"].instance
    want = numeric.evaluate(expr, inst)
    for printed in (latex(expr), plain(expr)):
        np.testing.assert_allclose(numeric.evaluate(read(printed, table), inst), want, rtol=1e-12, err_msg=printed)


# --------------------------------------------------------------------------- verdicts


def test_every_mistake_has_a_mutator():
    assert set(MUTATORS) == set(MISTAKES)


@pytest.mark.parametrize(
    "grad, text",
    [
        ("W_hf", r"\sum_t H_{t-1}^\top (\frac{\partial L}{\partial C_t} \odot C_{t-1} \odot F_t \odot (1 - F_t))"),
        ("W_hf", "sum_t H[t-1].T @ ((1 - F[t]) * F[t] * C[t-1] * dL_dC[t])"),
        ("W_hi", "sum_t H[t-1].T @ (dL_dC[t] * C_tilde[t] * I[t] * (1 - I[t]))"),
        ("W_ho", "sum_t H[t-1].T @ (dL_dH[t] * tanh(C[t]) * sigma'(A_o[t]))"),
        ("b_c", "sum_t 1^T (dL_dC[t] * I[t] * (1 - C_tilde[t]^2))"),
    ],
)
def test_reordered_lstm_forms_are_accepted(grad, text):
    """Accepted at 50 digits even though the operations run in another order than the derivation's."""
    v = check_answer("lstm", grad, text)
    assert v.correct, v.to_text()
    assert v.checks[0].startswith("mp ")


def test_equivalent_forms_are_accepted_for_the_tanh_rnn():
    forms = [
        "sum_t ((W_hh.T @ dL_da[t+1] + W_qh.T @ dL_do[t]) * (1 - h[t]^2)) @ h[t-1].T",
        r"\sum_{t=1}^{T} \operatorname{diag}(1 - h_t \odot h_t) \frac{\partial L}{\partial h_t} h_{t-1}^\top",
        r"\sum_{t=1}^{T} (\tanh'(a_t) \odot \frac{\partial L}{\partial h_t}) h_{t-1}^\top",
        r"\sum_{t=1}^{T} \frac{\partial L}{\partial h_t} \odot f'(a_t) h_{t-1}^T",
    ]
    for form in forms:
        v = check_answer("rnn-tanh", "W_hh", form)
        assert v.correct, v.to_text()


@pytest.mark.parametrize(
    "spec, grad, text, mistake",
    [
        ("rnn-tanh", "W_hh", "sum_t ((W_hh.T @ dL_da[t+1] + W_qh.T @ dL_do[t]) * (1 - h[t-1]^2)) @ h[t-1].T", "wrong_activation_derivative"),
        ("rnn-tanh", "W_hh", r"\sum_t (\frac{\partial L}{\partial h_t} \odot \tanh'(h_t)) h_{t-1}^\top", "wrong_activation_derivative"),
        ("rnn-tanh", "W_qh", "sum_t (y[t] - o[t]) / T @ h[t].T", "sign_error"),
        ("rnn-tanh", "b_h", "dL_da[T]", "bias_not_summed"),
        ("rnn-tanh", "W_hh", ("sum_{t=1}^{T-1} ((W_hh.T @ dL_dh[t+1]) * (1 - h[t+1]^2) + W_qh.T @ dL_do[t]) * (1 - h[t]^2) @ h[t-1].T"
         " + (W_qh.T @ dL_do[T]) * (1 - h[T]^2) @ h[T-1].T"), "diag_wrong_side"),
        ("rnn-linear", "W_hh", "dL_dh[T] @ h[T-1].T", "shared_weights_not_summed"),
        ("rnn-linear", "W_hh", "sum_{t=2}^{T} dL_dh[t] @ h[t-1].T", "off_by_one"),
        ("rnn-linear", "W_hx", "sum_t dL_dh[t] @ h[t-1].T", "wrong_signal_pairing"),
        ("lstm", "W_hf", "sum_t H[t-1].T @ ((dL_dC[t] * C[t-1]) @ (F[t] * (1 - F[t])))", "elementwise_matmul_confused"),
        ("lstm", "W_hf", "sum_t H[t-1].T @ ((1 - F[t]) * F[t] * C[t] * dL_dC[t])", "wrong_signal_pairing"),
        ("lstm", "W_hf", "sum_t H[t-1].T @ (((dL_dH[t] * O[t] * (1 - tanh(C[t]) * tanh(C[t]))) * C[t-1]) * F[t] * (1 - F[t]))",
         "lstm_cell_path_dropped"),
    ],
)
def test_canned_wrong_answers_get_their_note(spec, grad, text, mistake):
    v = check_answer(spec, grad, text)
    assert v.status == "wrong", v.to_text()
    assert mistake in v.mistakes, v.to_text()
    assert v.counterexample is not None


@pytest.mark.parametrize(
    "text",
    [
        r"\sum_{t=1}^{T} \sum_{i=t}^{T} (W_{hh}^{\top})^{T-i+1} W_{qh}^{\top} \frac{\partial L}{\partial o_{T+t-i}} h_{t-1}^{\top}",
        r"\sum_{t=1}^{T}\sum_{k=t}^{T} (W_{hh}^\top)^{k-t-1} W_{qh}^\top \frac{\partial L}{\partial o_k} h_{t-1}^\top",
    ],
)
def test_off_by_one_powers_in_a_closed_form_are_named(text):
    v = check_answer("rnn-linear", "W_hh", text)
    assert v.status == "wrong" and v.mistakes == ["off_by_one"], v.to_text()
    assert "closed:h:t" in v.detail


def test_an_output_adjoint_beyond_the_horizon_is_refused_but_a_state_adjoint_is_zero():
    v = check_answer("rnn-linear", "W_hh", r"\sum_{t=1}^{T} \sum_{i=t-1}^{T} (W_{hh}^{\top})^{T-i} W_{qh}^{\top} "
                     r"\frac{\partial L}{\partial o_{T+t-i}} h_{t-1}^{\top}")
    assert v.status == "invalid" and "dL/do_4 is not defined" in v.message
    assert check_answer("rnn-linear", "W_hh", "sum_t (W_hh.T @ dL_dh[t+1] + W_qh.T @ dL_do[t]) @ h[t-1].T").correct


def test_a_wrong_answer_that_is_no_known_mistake_says_so():
    v = check_answer("rnn-linear", "W_hh", "sum_t 2 * dL_dh[t] @ h[t-1].T")
    assert v.status == "wrong" and v.mistakes == []
    assert "not one of the known mistakes" in v.feedback


def test_coinciding_mistakes_are_reported_without_a_guess():
    from symrnn.check.diagnose import MutantValues, report_matches
    from symrnn.check.mutations import Mutant
    from symrnn.check.verdict import Verdict

    # No catalogue gradient has two mistakes that coincide on the drawn instances (checked by
    # test_catalogue_mistakes_are_told_apart); the wording for when they do:
    same = np.eye(2)
    a = MutantValues(Mutant("missing_mean", "adj:o:t", "1/T dropped", (), ir.zeros((2, 2))), {"float": same}, {"float": None})
    b = MutantValues(Mutant("sign_error", "adj:o:t", "sign", (), ir.zeros((2, 2))), {"float": same}, {"float": None})
    v = Verdict("rnn-linear", "W_hh", "x", "wrong")
    report_matches([a, b], v)
    assert v.mistakes == ["missing_mean", "sign_error"] and v.mistake == ""
    assert "cannot tell which" in v.feedback and MISTAKES["sign_error"].title in v.feedback
    assert "Coinciding" in v.teacher_note and "missing_mean" in v.detail and "sign_error" in v.detail
    one = Verdict("rnn-linear", "W_hh", "x", "wrong")
    report_matches([a], one)
    assert one.mistake == "missing_mean" and one.feedback == MISTAKES["missing_mean"].feedback


def test_catalogue_mistakes_are_told_apart():
    """On the drawn instances, no two different mistakes give the same gradient (R/exams' stress test)."""
    from symrnn.check.diagnose import mutant_table
    from symrnn.check.evaluate import agree

    for name, grad in _catalogue_gradients():
        table = mutant_table(problem(catalogue.load(name), grad))
        for i, a in enumerate(table):
            for b in table[i + 1:]:
                if a.mutant.mistake != b.mutant.mistake:
                    assert not all(agree(a.values[n], b.values[n], "float") for n in a.values), (name, grad, a.mutant, b.mutant)


def test_a_product_that_only_fits_with_a_transpose_says_so():
    v = check_answer("rnn-linear", "W_hh", "sum_t dL_dh[t] @ h[t-1]")
    assert v.status == "invalid" and "is a transpose missing?" in v.message
    assert v.mistakes == ["missing_transpose"] and v.feedback == MISTAKES["missing_transpose"].feedback


def test_shape_mismatch_is_wrong_with_both_shapes():
    v = check_answer("rnn-linear", "W_hh", "sum_t h[t-1].T @ dL_dh[t]")
    assert v.status == "wrong"
    assert "shape 1x1" in v.message and "2x2" in v.message


def test_non_square_sizes_catch_what_square_ones_hide():
    # W_qh^T vs W_qh: both fit at 2x2; at input 3, hidden 4, output 2 only the right one does.
    v = check_answer("rnn-linear", "W_hh", "sum_t (W_hh.T @ dL_dh[t+1] + W_qh @ dL_do[t]) @ h[t-1].T")
    assert v.status == "wrong"
    assert "missing_transpose" in v.mistakes


def test_large_specs_are_checked_exactly_at_small_sizes_and_in_float_at_their_own(tmp_path):
    spec = tmp_path / "big.toml"
    spec.write_text(
        'name = "big"\nnetwork = "rnn"\ncell = "rnn"\nactivation = "tanh"\nbias = true\nnotation = "column"\n'
        'input_size = 12\nhidden_size = 20\noutput_size = 5\nloss = "half_sq"\nreduction = "mean"\n'
        'shape = "many-to-many"\nsteps = 30\n', encoding="utf-8")
    v = check_answer(str(spec), "W_hh", "sum_t (dL_dh[t] * (1 - h[t]^2)) @ h[t-1].T")
    assert v.correct, v.to_text()
    assert v.checks[0].startswith("mp (input 3, hidden 3, output 3, T = 6)")
    assert "float (input 12, hidden 20, output 5, T = 6)" in v.checks[1]
    wrong = check_answer(str(spec), "W_hh", "sum_t (dL_dh[t] * (1 - h[t-1]^2)) @ h[t-1].T")
    assert wrong.mistakes == ["wrong_activation_derivative"]
    assert np.array(wrong.counterexample.expected).shape == (20, 20)


def test_the_gradient_may_be_named_in_latex():
    text = "sum_t dL_da_l2[t] @ h_l2[t-1].T"
    assert check_answer("deep-rnn", "W_{hh}^{(2)}", text).correct
    assert check_answer("deep-rnn", "W_hh_l2", text).correct
    assert check_answer("rnn-linear", "dL/dW_{hh}", "sum_t dL_dh[t] @ h[t-1].T").correct


def test_zero_is_read_as_the_zero_matrix():
    v = check_answer("rnn-linear", "W_hh", "0")
    assert v.status == "wrong" and v.read_as == r"\mathbf{0}"


# --------------------------------------------------------------------------- question tests


def _catalogue_gradients():
    for name in catalogue.names():
        spec = catalogue.load(name)
        for eq in derive(spec).generic_gradients:
            yield name, eq.node


@pytest.mark.parametrize("name, grad", list(_catalogue_gradients()))
def test_question_correct_variants_are_accepted(name, grad):
    eq = problem(catalogue.load(name), grad).equation
    for text in (latex(eq.rhs), plain(eq.rhs)):
        v = check_answer(name, grad, text)
        assert v.correct, v.to_text()


def _template_rhs(prob, mutant, template):
    """One generic right-hand side for every step of ``template`` (mutated when the mutant says),
    valid with the convention dL/dv_{T+1} = 0: the equation holds for t = 1..T, or its boundary
    case t = T is the same equation without the terms through later steps. None otherwise."""
    changed = dict(mutant.adjoints)
    eqs = [e for e in prob.derivation.generic_adjoints if (e.lhs.of.name, e.lhs.of.layer) == template]
    rhs = {e.label: changed.get(e.label, e.rhs) for e in eqs}
    if len(eqs) == 1:
        e = eqs[0]
        if e.lhs.of.time is None or e.bounds == (1, ir.T_SYM):
            return rhs[e.label]
        return None
    interior = [e for e in eqs if e.bounds is not None and e.bounds[0] == 1 and e.bounds[1] == ir.T_SYM - 1]
    boundary = [e for e in eqs if e.bounds is not None and e.bounds[0] == ir.T_SYM]
    if len(eqs) != 2 or len(interior) != 1 or len(boundary) != 1:
        return None
    at_T = ir.retime(rhs[interior[0].label], {ir.t_SYM: ir.T_SYM})
    terms = at_T.terms if isinstance(at_T, ir.Add) else (at_T,)
    later = [t for t in terms if any(a.of.time is not None and (a.of.time - ir.T_SYM).is_positive for a in ir.adjoints(t))]
    kept = [t for t in terms if t not in later]
    if not kept or ir.add(*kept) != rhs[boundary[0].label]:
        return None
    if any(isinstance(v, ir.Var) and v.time is not None and (v.time - ir.T_SYM).is_positive for t in later for v in ir.walk(t)):
        return None  # the later terms would need h_{T+1}, which does not exist
    return rhs[interior[0].label]


def _expressible(prob, mutant) -> str | None:
    """The mutant as typed text: the gradient with adjoints expanded, level by level, until the
    mutated equation has been used once (its symbols then stand for the mutant's adjoints)."""
    expr = mutant.gradient
    mutated = {(e.lhs.of.name, e.lhs.of.layer) for e in prob.derivation.generic_adjoints if e.label in dict(mutant.adjoints)}
    for _level in range(4):
        if not mutated:
            return plain(expr)
        adjs = ir.adjoints(expr)
        if not adjs:
            return None
        mapping = {}
        for node in adjs:
            time = node.of.time
            if time is not None and ((time - ir.t_SYM).is_positive or (time - ir.T_SYM).is_positive):
                continue  # dL/dh_{t+1} stays a symbol (it stands for the mutant's adjoint)
            template = (node.of.name, node.of.layer)
            rhs = _template_rhs(prob, mutant, template)
            if rhs is None:
                return None
            mapping[node] = rhs if node.of.time is None else ir.retime(rhs, {ir.t_SYM: node.of.time})
            mutated.discard(template)
        if not mapping:
            return None
        expr = ir.substitute(expr, mapping)
    return None


def _closed_form_variants():
    """Gradients written with a closed form of dL/dh_t (power sum, D2L 9.7.15, product of Jacobians)."""
    from symrnn.check.mutations import Mutant

    for name in catalogue.names():
        spec = catalogue.load(name)
        d = derive(spec)
        forms = [eq for eq in d.closed_forms if isinstance(eq.lhs, ir.Adjoint) and eq.bounds == (1, ir.T_SYM)]
        for eq in d.generic_gradients:
            prob = problem(spec, eq.node)
            for form in forms:
                target = (form.lhs.of.name, form.lhs.of.layer)
                expr = eq.rhs
                for _level in range(3):
                    adjs = ir.adjoints(expr)
                    if any((a.of.name, a.of.layer) == target for a in adjs):
                        mapping = {a: ir.retime(form.rhs, {ir.t_SYM: a.of.time}) for a in adjs
                                   if (a.of.name, a.of.layer) == target}
                        yield name, eq.node, form.label, plain(ir.substitute(expr, mapping))
                        break
                    identity = Mutant("none", "", "", (), eq.rhs)
                    mapping = {}
                    for a in adjs:
                        rhs = _template_rhs(prob, identity, (a.of.name, a.of.layer))
                        if rhs is not None and not (a.of.time is not None and (a.of.time - ir.t_SYM).is_positive):
                            mapping[a] = rhs if a.of.time is None else ir.retime(rhs, {ir.t_SYM: a.of.time})
                    if not mapping:
                        break
                    expr = ir.substitute(expr, mapping)


CLOSED_FORM_VARIANTS = list(_closed_form_variants())


def test_closed_form_variants_exist_for_the_linear_and_tanh_rnns():
    labels = {(name, label) for name, _grad, label, _text in CLOSED_FORM_VARIANTS}
    assert ("rnn-linear", "closed:h:t:d2l") in labels and ("rnn-tanh", "closed:h:t") in labels


@pytest.mark.parametrize("name, grad, label, text", CLOSED_FORM_VARIANTS)
def test_question_closed_form_variants_are_accepted(name, grad, label, text):
    v = check_answer(name, grad, text)
    assert v.correct, v.to_text()


def _commuted(expr: ir.Expr) -> ir.Expr:
    """The same value written another way: elementwise products and sums in reverse order."""
    kids = tuple(_commuted(k) for k in expr.children())
    if isinstance(expr, ir.Hadamard):
        return ir.hadamard(kids[1], kids[0])
    if isinstance(expr, ir.Add):
        return ir.add(*reversed(kids))
    return expr.rebuild(kids) if kids else expr


@pytest.mark.parametrize("name, grad", list(_catalogue_gradients()))
def test_question_expanded_and_reordered_variants_are_accepted(name, grad):
    """One level of adjoints expanded, products and sums reordered: still the same gradient."""
    from symrnn.check.mutations import Mutant

    prob = problem(catalogue.load(name), grad)
    identity = Mutant("none", "", "", (), prob.equation.rhs)
    mapping = {}
    for a in ir.adjoints(prob.equation.rhs):
        rhs = _template_rhs(prob, identity, (a.of.name, a.of.layer))
        if rhs is not None:
            mapping[a] = rhs if a.of.time is None else ir.retime(rhs, {ir.t_SYM: a.of.time})
    expanded = ir.substitute(prob.equation.rhs, mapping)
    for variant in (expanded, _commuted(expanded), _commuted(prob.equation.rhs)):
        for text in (plain(variant), latex(variant)):
            v = check_answer(name, grad, text)
            assert v.correct, v.to_text()


@pytest.mark.parametrize("name, grad", list(_catalogue_gradients()))
def test_question_each_applicable_mistake_gets_its_note(name, grad):
    from symrnn.check.diagnose import mutant_table

    prob = problem(catalogue.load(name), grad)
    tried: dict[str, str] = {}
    for mv in mutant_table(prob):
        m = mv.mutant
        if m.mistake in tried:
            continue
        text = _expressible(prob, m)
        if text is None:
            continue
        tried[m.mistake] = text
        v = check_answer(name, grad, text)
        assert v.status == "wrong", (m, v.to_text())
        assert m.mistake in v.mistakes, (m, v.to_text())
        if len(v.mistakes) == 1:
            assert v.feedback == MISTAKES[m.mistake].feedback
        else:
            assert "cannot tell which" in v.feedback
    assert tried, f"no canned wrong answer for {name} {grad}"


# --------------------------------------------------------------------------- CLI


def _run(argv):
    parser = argparse.ArgumentParser()
    check_command.register(parser)
    return check_command.run(parser.parse_args(argv))


def test_cli_check_text_and_json(capsys):
    assert _run(["rnn-linear", "--grad", "W_hh", "--answer", RNN_LINEAR_W_HH_CORRECT["latex, adjoint symbols"]]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[1].startswith("read as:") and "verdict:  correct" in out
    assert _run(["rnn-linear", "--grad", "W_hh", "--format", "json", "--answer", RNN_LINEAR_W_HH_WRONG["missing_mean"]]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["status"] == "wrong" and data["mistakes"] == ["missing_mean"] and data["counterexample"]["differ"]
