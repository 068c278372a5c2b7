"""Any quantity of the derivation (issue 12 §1), the students' commonest mistakes named (§3), one
budget for the whole check (issue 16 §1).

The ``DONE`` tests are the acceptance: ``dL/dh_t`` of rnn-linear typed as D2L's 9.7.14 and as
9.7.15 in both index forms is accepted; its three classic wrong forms are rejected with the
mistake named and a counterexample.
"""

from __future__ import annotations

import time

import numpy as np
import pytest

from symrnn.check import check_answer
from symrnn.check.evaluate import problem
from symrnn.check.targets import TargetError
from symrnn.core import catalogue
from symrnn.core.mistakes import MISTAKES

DL_DH_CORRECT = {
    "9.7.14, the recurrence": r"\mathbf{W}_\textrm{hh}^\top \frac{\partial L}{\partial \mathbf{h}_{t+1}} + \mathbf{W}_\textrm{qh}^\top \frac{\partial L}{\partial \mathbf{o}_t}",
    "9.7.15, D2L's index": r"\sum_{i=t}^T {\left(\mathbf{W}_\textrm{hh}^\top\right)}^{T-i} \mathbf{W}_\textrm{qh}^\top \frac{\partial L}{\partial \mathbf{o}_{T+t-i}}",
    "9.7.15, forward index": r"\sum_{k=t}^{T} (W_{hh}^\top)^{k-t} W_{qh}^\top \frac{\partial L}{\partial o_k}",
    "plain recurrence": "W_hh.T @ dL_dh[t+1] + W_qh.T @ dL_do[t]",
    "plain power sum, expanded": "(1/T) sum_{i=t}^{T} (W_hh.T)^(i-t) @ W_qh.T @ (o[i] - y[i])",
}
DL_DH_WRONG = {
    "missing_transpose": r"\mathbf{W}_{hh} \frac{\partial L}{\partial \mathbf{h}_{t+1}} + \mathbf{W}_{qh}^\top \frac{\partial L}{\partial \mathbf{o}_t}",
    "off_by_one": r"\sum_{i=t}^T (\mathbf{W}_{hh}^\top)^{T-i+1} \mathbf{W}_{qh}^\top \frac{\partial L}{\partial \mathbf{o}_{T+t-i}}",
    "missing_recurrent_term": r"\mathbf{W}_{qh}^\top \frac{\partial L}{\partial \mathbf{o}_t}",
}
DL_DH_NAMES = ["h", "h_t", "dL/dh_t", r"\frac{\partial L}{\partial \mathbf{h}_t}", "dL_dh[t]"]


@pytest.mark.parametrize("how", sorted(DL_DH_CORRECT))
@pytest.mark.parametrize("grad", DL_DH_NAMES)
def test_done_dl_dh_t_is_accepted_as_9_7_14_and_9_7_15_in_both_index_forms(grad, how):
    v = check_answer("rnn-linear", grad, DL_DH_CORRECT[how])
    assert v.status == "correct", v.to_text()
    assert len(v.checks) == 4


@pytest.mark.parametrize("mistake", sorted(DL_DH_WRONG))
def test_done_classic_wrong_dl_dh_t_is_named_with_a_counterexample(mistake):
    v = check_answer("rnn-linear", "h", DL_DH_WRONG[mistake])
    assert v.status == "wrong", v.to_text()
    assert v.mistakes == [mistake], v.to_text()
    assert v.feedback == MISTAKES[mistake].feedback
    ce = v.counterexample
    assert ce is not None and ce.differ and ce.steps == [1, 2, 3]
    assert np.array(ce.expected).shape == (2 * 3, 1)  # dL/dh_t at t = 1, 2, 3, stacked
    text = v.to_text()
    assert "at t = 1:" in text and MISTAKES[mistake].title in text


def test_the_boundary_case_at_T_and_a_concrete_step():
    assert check_answer("rnn-linear", r"\frac{\partial L}{\partial \mathbf{h}_T}", r"W_{qh}^\top \frac{\partial L}{\partial o_T}").correct
    assert check_answer("rnn-linear", "dL/dh_2", "W_hh.T @ dL_dh[3] + W_qh.T @ dL_do[2]").correct
    wrong = check_answer("rnn-linear", "h_T", "W_hh.T @ dL_dh[T] + W_qh.T @ dL_do[T]")
    assert wrong.status == "invalid" and "may not use" in wrong.message  # it is what it should compute


def test_the_recurrence_is_not_held_against_the_boundary_it_does_not_cover():
    """dL/dC_t of the LSTM written as its recurrence reads F_{t+1}, undefined at t = T."""
    v = check_answer("lstm", "C", "dL_dC[t+1] * F[t+1] + dL_dH[t] * O[t] * (1 - tanh(C[t]) * tanh(C[t]))")
    assert v.correct, v.to_text()
    squared = r"\frac{\partial L}{\partial \mathbf{C}_{t+1}} \odot \mathbf{F}_{t+1} + \frac{\partial L}{\partial \mathbf{H}_t} \odot \mathbf{O}_t \odot (1 - \tanh^2(\mathbf{C}_t))"
    assert check_answer("lstm", "C", squared).correct  # a function's power, tanh^2(x)
    v = check_answer("lstm", "C", "dL_dH[t] * O[t] * (1 - tanh(C[t]) * tanh(C[t]))")
    assert v.mistakes == ["lstm_cell_path_dropped"], v.to_text()


@pytest.mark.parametrize("spec, grad", [("lstm", "F"), ("lstm", "A_f"), ("gru-d2l", "Z"), ("gru-torch", "dL/dN_t"),
                                        ("rnn-tanh", "a"), ("deep-rnn", "h^{(1)}"), ("mlp-2-2-2", "out_h1")])
def test_every_gate_state_and_pre_activation_is_a_quantity(spec, grad):
    prob = problem(catalogue.load(spec), grad)
    assert prob.target.kind == "adjoint"
    d = prob.derivation
    var = prob.target.expr.of
    eq = next(e for e in d.generic_adjoints if (e.lhs.of.name, e.lhs.of.layer) == (var.name, var.layer))
    from symrnn.printing.plain import plain

    assert check_answer(spec, grad, plain(eq.rhs)).correct  # its own generic equation, as printed


def test_jacobians_as_quantities_and_inside_answers():
    assert check_answer("rnn-linear", "dh_T/dh_t", r"W_{hh}^{T-t}").correct
    assert check_answer("rnn-linear", r"\frac{\partial \mathbf{h}_{t+1}}{\partial \mathbf{h}_t}", "W_hh").correct
    flipped = check_answer("rnn-linear", "dh_T/dh_t", r"(W_{hh}^\top)^{T-t}")
    assert flipped.mistakes == ["row_column_mixed"]
    jac_sum = r"\sum_{k=t}^{T} \left(\frac{\partial h_k}{\partial h_t}\right)^\top W_{qh}^\top \frac{\partial L}{\partial o_k}"
    assert check_answer("rnn-linear", "h", jac_sum).correct  # 9.7.15 with the Jacobian named
    assert check_answer("rnn-tanh", "h", jac_sum).correct  # and so it holds for tanh too
    assert check_answer("rnn-tanh", "h", jac_sum.replace(r"\right)^\top", r"\right)")).status == "wrong"
    nested = check_answer("rnn-linear", "W_hh", r"\sum_{t=1}^{T} \sum_{k=t}^{T} \left(\frac{\partial h_k}{\partial h_t}\right)^\top W_{qh}^\top \frac{\partial L}{\partial o_k} h_{t-1}^\top")
    assert nested.status == "invalid" and "two different summation indices" in nested.message
    assert check_answer("rnn-linear", "dh_T/dh_t", r"\frac{\partial \mathbf{h}_T}{\partial \mathbf{h}_{t+1}} \mathbf{W}_{hh}").correct
    again = check_answer("rnn-linear", "dh_T/dh_t", r"\frac{\partial \mathbf{h}_T}{\partial \mathbf{h}_{t}}")
    assert again.status == "invalid" and "may not use" in again.message
    assert check_answer("rnn-tanh", "dh_{t+1}/dh_t", r"\operatorname{diag}(1 - h_{t+1}^2) W_{hh}").correct
    with pytest.raises(TargetError, match="four indices"):
        problem(catalogue.load("lstm"), "dC_T/dC_t")


def test_the_mlp_chain_rule_forward_values_and_worked_numbers():
    chain = r"\frac{\partial L}{\partial out_{o1}} \frac{\partial out_{o1}}{\partial in_{o1}} \frac{\partial in_{o1}}{\partial w_5}"
    assert check_answer("mlp-2-2-2", "w5", chain).correct
    assert check_answer("mlp-2-2-2", "value:out_o1", "\\sigma(in_{o1})").correct
    v = check_answer("mlp-2-2-2", "w5", "0.082167041")
    assert v.correct and v.read_as == "0.082167041" and v.checks[0].startswith("worked")
    assert check_answer("mlp-2-2-2", "w5", r"0.74136507 \cdot 0.186815602 \cdot 0.593269992").correct
    assert check_answer("mlp-2-2-2", "value:out_o1", "0.75136507").correct
    assert check_answer("mlp-2-2-2", "value:out_o1", "\u22120.75136507").status == "wrong"  # U+2212 is a minus
    wrong = check_answer("mlp-2-2-2", "w5", "0.0822")
    assert wrong.correct  # right to the 4 decimals given
    assert check_answer("mlp-2-2-2", "w5", "0.0823").status == "wrong"
    assert check_answer("mlp-2-2-2", "w5", r"0.1 \cdot 0.1").status == "wrong"  # 0.01, not 0.082 to one decimal
    assert check_answer("mlp-2-2-2", "w5", r"0.74136507 \cdot 0.186815602 \cdot 0.593269992").read_as == "0.08216704068302856616722288"


def test_a_number_without_a_worked_example_is_checked_on_drawn_values():
    assert check_answer("rnn-linear", "W_hh", "0").status == "wrong"


# --------------------------------------------------------------------------- §3: the mistakes students make

STUDENT_MISTAKES = [
    ("rnn-tanh", "W_hh", "sum_t dL_dh[t] @ h[t-1].T", "activation_derivative_dropped"),
    ("mlp-2-2-2", "w5", "(out_o1 - target_o1) * out_o1 * (1 + out_o1) * out_h1", "derivative_sign_flipped"),
    ("mlp-2-2-2", "w5", r"(out_{o1} - target_{o1}) \sigma(in_{o1}) (1 + \sigma(in_{o1})) out_{h1}", "derivative_sign_flipped"),
    ("mlp-2-2-2", "w1", "(out_o1 - target_o1) * out_o1 * (1 - out_o1) * w5 * out_h1 * (1 - out_h1) * i1", "one_path_only"),
    ("rnn-linear", "h", r"\sum_{i=t}^T (W_{hh}^\top)^{i-t} W_{qh}^\top \frac{\partial L}{\partial o_{T+t-i}}", "power_index_mirrored"),
    ("lstm", "W_hf", "sum_t H[t-1].T @ (dL_dC[t] * C[t-1])", "activation_derivative_dropped"),
    ("lstm", "W_xf", "sum_t X[t].T @ dL_dF[t]", "activation_derivative_dropped"),
]


@pytest.mark.parametrize("spec, grad, answer, mistake", STUDENT_MISTAKES)
def test_the_mistakes_students_make_are_named(spec, grad, answer, mistake):
    v = check_answer(spec, grad, answer)
    assert v.status == "wrong" and v.mistakes == [mistake], v.to_text()
    assert v.feedback == MISTAKES[mistake].feedback and v.counterexample is not None


def test_a_number_computed_with_a_known_mistake_is_named_on_the_worked_example():
    # sigma(1 + sigma) in the lecture's dL/dw5, by hand: 0.74136507 * 0.75136507 * 1.75136507 * 0.593269992
    v = check_answer("mlp-2-2-2", "w5", r"0.74136507 \cdot 0.75136507 \cdot 1.75136507 \cdot 0.593269992")
    assert v.status == "wrong" and v.mistakes == ["derivative_sign_flipped"], v.to_text()
    assert "out_o1 * (1 + out_o1)" in v.detail


def test_a_counterexample_on_a_worked_example_uses_its_values():
    v = check_answer("mlp-2-2-2", "w1", "(out_o1 - target_o1) * out_o1 * (1 - out_o1) * w5 * out_h1 * (1 - out_h1) * i1")
    ce = v.counterexample
    assert ce.setting == "worked"
    assert ce.values["w5"] == [[0.4]] and ce.values["i1"] == [[0.05]]  # the lecture's numbers
    assert "w5" in ce.shown and "w8" not in ce.shown  # what the answer reads, not every weight


def test_an_lstm_counterexample_shows_the_gates_not_every_array():
    v = check_answer("lstm", "W_hf", "sum_t H[t-1].T @ dL_dF[t]")
    ce = v.counterexample
    assert {"F[1]", "I[1]", "O[1]"} <= set(ce.intermediate)
    assert len(ce.shown) < len(ce.values)  # the JSON keeps every value; the text shows what matters
    assert "other values the answer does not read" in v.to_text()


def test_target_errors_are_one_line():
    for grad, fragment in (("foo", "unknown symbol 'foo'"), ("x", "is an input"), ("value:W_hh", "is a parameter"),
                           ("", "--grad is empty")):
        with pytest.raises(TargetError, match=fragment) as err:
            check_answer("rnn-linear", grad, "W_hh")
        assert "\n" not in str(err.value)


def test_cli_checks_a_quantity_through_the_existing_option(capsys):
    from symrnn.cli import main

    code = main(["check", "rnn-linear", "--grad", "h_t", "--answer", "W_hh.T @ dL_dh[t+1] + W_qh.T @ dL_do[t]"])
    assert code == 0 and "verdict:  correct" in capsys.readouterr().out
    code = main(["check", "rnn-linear", "--grad", "W_hh", "--answer", "sum_t dL_dh[t] @ h[t-1].T"])
    assert code == 0


# --------------------------------------------------------------------------- one budget (issue 16 §1)


def test_the_time_limit_covers_the_set_up(tmp_path):
    spec = tmp_path / "wide.toml"
    spec.write_text('name = "wide"\nnetwork = "rnn"\ncell = "lstm"\nnotation = "row"\nbatch = 40\ninput_size = 40\n'
                    'hidden_size = 40\noutput_size = 40\nloss = "half_sq"\nreduction = "mean"\nshape = "many-to-many"\n'
                    'steps = 40\n', encoding="utf-8")
    start = time.monotonic()
    v = check_answer(str(spec), "W_hf", "sum_t H[t-1].T @ dL_dF[t]", time_limit=0.2)
    assert v.status == "invalid" and "time limit ran out while" in v.message, v.to_text()
    assert time.monotonic() - start < 6.0  # at most one derivation past the limit
