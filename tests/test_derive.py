"""The derivation: D2L 9.7's equations, the seed's network, generic forms that match the unroll."""

from __future__ import annotations

import pytest
import sympy

from symrnn.core import catalogue, ir
from symrnn.core.closed_forms import canonical, instantiate
from symrnn.core.derive import derive
from symrnn.core.spec import RNNSpec
from symrnn.printing.plain import equation_plain, plain


def _eq(derivation, label):
    return equation_plain(derivation.equation(label))


def test_d2l_97_equations_come_out_as_printed_in_the_book():
    d = derive(catalogue.load("rnn-linear"), 3)
    assert _eq(d, "adj:o:t") == "dL_do[t] = (1/T) * (o[t] - y[t])    (1 <= t <= T)"
    assert _eq(d, "grad:W_qh") == "dL_dW_qh = sum_{t=1}^{T} dL_do[t] @ h[t].T"
    assert _eq(d, "adj:h:T") == "dL_dh[T] = W_qh.T @ dL_do[T]    (t = T)"  # 9.7.13
    assert _eq(d, "adj:h:t") == "dL_dh[t] = W_hh.T @ dL_dh[t+1] + W_qh.T @ dL_do[t]    (1 <= t <= T-1)"  # 9.7.14
    assert _eq(d, "closed:h:t:d2l") == "dL_dh[t] = sum_{i=t}^{T} (W_hh.T)^(T-i) @ W_qh.T @ dL_do[T+t-i]    (1 <= t <= T)"
    assert _eq(d, "grad:W_hx") == "dL_dW_hx = sum_{t=1}^{T} dL_dh[t] @ x[t].T"  # 9.7.16
    assert _eq(d, "grad:W_hh") == "dL_dW_hh = sum_{t=1}^{T} dL_dh[t] @ h[t-1].T"  # 9.7.16


def test_concrete_equations_for_t_equal_3():
    d = derive(catalogue.load("rnn-linear"), 3)
    assert _eq(d, "adj:h_2") == "dL_dh[2] = W_hh.T @ dL_dh[3] + W_qh.T @ dL_do[2]"
    assert _eq(d, "grad:W_hh:3") == "dL_dW_hh = dL_dh[1] @ h[0].T + dL_dh[2] @ h[1].T + dL_dh[3] @ h[2].T"


def test_seed_network_keeps_the_seed_names():
    d = derive(catalogue.load("mlp-2-2-2"))
    assert _eq(d, "fwd:in_h1") == "in_h1 = w1 * i1 + w2 * i2 + b1"
    assert _eq(d, "fwd:in_h2") == "in_h2 = w3 * i1 + w4 * i2 + b1"
    assert _eq(d, "fwd:in_o1") == "in_o1 = w5 * out_h1 + w6 * out_h2 + b2"
    assert _eq(d, "fwd:E_o1") == "E_o1 = 1/2 * (target_o1 - out_o1)^2"
    assert _eq(d, "adj:out_o1") == "dL_dout_o1 = -(target_o1 - out_o1)"
    assert _eq(d, "adj:in_o1") == "dL_din_o1 = dL_dout_o1 * out_o1 * (1 - out_o1)"
    assert _eq(d, "adj:out_h1") == "dL_dout_h1 = w5 * dL_din_o1 + w7 * dL_din_o2"
    assert _eq(d, "grad:w5") == "dL_dw5 = dL_din_o1 * out_h1"
    assert _eq(d, "grad:w1") == "dL_dw1 = dL_din_h1 * i1"


def test_lstm_cell_path_goes_through_the_next_forget_gate():
    d = derive(catalogue.load("lstm"))
    assert _eq(d, "adj:C:t").startswith("dL_dC[t] = dL_dC[t+1] * F[t+1] + dL_dH[t] * O[t] * ")


def test_gru_torch_biases_get_identical_gradients():
    d = derive(catalogue.load("gru-torch"))
    assert plain(d.gradient("b_ir").rhs) == plain(d.gradient("b_hr").rhs)
    assert plain(d.gradient("b_in").rhs) != plain(d.gradient("b_hn").rhs)  # b_hn sits inside r * (...)


def test_every_equation_records_provenance():
    d = derive(catalogue.load("rnn-tanh"))
    for eq in d.generic_adjoints + d.generic_gradients + d.adjoints + d.gradients:
        assert eq.node and eq.rules, eq.label
    assert d.equation("adj:a:t").rules == ("activation",)
    assert set(d.equation("grad:W_hh").rules) == {"add", "matmul"}


def test_labels_are_unique_and_deterministic():
    for name in catalogue.names():
        a, b = derive(catalogue.load(name)), derive(catalogue.load(name))
        labels = [eq.label for eq in a.equations()]
        assert len(labels) == len(set(labels)), name
        assert [equation_plain(e) for e in a.equations()] == [equation_plain(e) for e in b.equations()]


def _check_generic_matches_concrete(d):
    """Each generic equation, instantiated at every t it covers, is the concrete equation there."""
    concrete = {eq.lhs: eq.rhs for eq in d.adjoints}
    T = d.steps
    for eq in d.generic_adjoints:
        lo, hi = eq.bounds if eq.bounds else (None, None)
        if lo is None:
            continue
        lo_n, hi_n = (int(sympy.sympify(b).subs(ir.T_SYM, T)) for b in (lo, hi))
        for t in range(lo_n, hi_n + 1):
            times = {ir.T_SYM: T, ir.t_SYM: t}
            lhs = ir.retime(eq.lhs, times)
            if lhs not in concrete:
                continue
            assert canonical(instantiate(eq.rhs, times)) == canonical(instantiate(concrete[lhs], times)), (eq.label, t)
    by_param = {eq.node: eq for eq in d.gradients}
    for eq in d.generic_gradients:
        times = {ir.T_SYM: T}
        assert canonical(instantiate(eq.rhs, times)) == canonical(instantiate(by_param[eq.node].rhs, times)), eq.label


@pytest.mark.parametrize("name", [n for n in catalogue.names() if n != "mlp-2-2-2"])
@pytest.mark.parametrize("steps", [1, 2, 3, 7])
def test_generic_equations_instantiate_to_the_unrolled_ones(name, steps):
    _check_generic_matches_concrete(derive(catalogue.load(name), steps))


@pytest.mark.parametrize("shape", ["many-to-one", "one-to-many", "encoder-decoder"])
def test_sequence_shapes(shape):
    spec = RNNSpec("s", "rnn", 2, 3, 2, shape=shape, steps=4)
    d = derive(spec)
    _check_generic_matches_concrete(d)
    outputs = [eq for eq in d.forward if eq.lhs.name == "o"]
    assert len(outputs) == (1 if shape == "many-to-one" else 4)
    inputs = {v for eq in d.forward for v in ir.variables(eq.rhs) if v.name == "x"}
    assert len(inputs) == (1 if shape == "one-to-many" else 4)


def test_many_to_one_has_no_output_term_in_the_recurrence():
    d = derive(RNNSpec("s", "rnn", 2, 3, 2, activation="identity", bias=False, shape="many-to-one", steps=4))
    assert _eq(d, "adj:h:t") == "dL_dh[t] = W_hh.T @ dL_dh[t+1]    (1 <= t <= T-1)"


def test_deep_rnn_layer_one_receives_from_layer_two():
    d = derive(catalogue.load("deep-rnn"))
    assert _eq(d, "adj:h_l1:t") == "dL_dh_l1[t] = W_hh_l1.T @ dL_da_l1[t+1] + W_hx_l2.T @ dL_da_l2[t]    (1 <= t <= T-1)"


def test_derivation_time_grows_linearly():
    import time

    spec = catalogue.load("lstm")
    start = time.perf_counter()
    derive(spec, 50)
    assert time.perf_counter() - start < 30  # a hang guard, not the benchmark (benchmarks/bench_core.py)


@pytest.mark.parametrize("activation, factor", [
    ("identity", "dh[T]/dh[1] = w_hh^(T-1)"),
    ("tanh", "dh[T]/dh[1] = prod_{j=2}^{T} w_hh * (1 - h[j] * h[j])"),
    ("sigmoid", "dh[T]/dh[1] = prod_{j=2}^{T} w_hh * (h[j] * (1 - h[j]))"),
    ("relu", "dh[T]/dh[1] = prod_{j=2}^{T} w_hh * relu'(a[j])"),
])
def test_scalar_rnn_factor_carries_the_activation_derivative(activation, factor):
    """The seed's Input x w^N, and its next step: with f != identity each factor is w_hh f'(a_j),
    written as the adjoints write it (tanh' and sigma' from the activation's output h_j)."""
    spec = RNNSpec("scalar", "rnn", 1, 1, 1, activation=activation, style="scalar", shape="many-to-one", steps=4)
    d = derive(spec)
    assert _eq(d, "closed:dhT_dh1") == factor


def test_gated_decoder_has_its_own_weights_and_starts_from_the_encoders_last_state():
    spec = RNNSpec("enc", "lstm", 2, 3, 2, shape="encoder-decoder", notation="row", layers=2, steps=3)
    d = derive(spec)
    assert _eq(d, "fwd:H_dec_l2:0") == "H_dec_l2[0] = H_l2[T]    (t = 0)"
    assert _eq(d, "fwd:C_dec_l1:0") == "C_dec_l1[0] = C_l1[T]    (t = 0)"
    assert _eq(d, "fwd:A_f_dec_l1:t") == (
        "A_f_dec_l1[t] = X_dec[t] @ W_xf_dec_l1 + H_dec_l1[t-1] @ W_hf_dec_l1 + b_f_dec_l1    (1 <= t <= T)")
    assert _eq(d, "fwd:Yhat:t") == "Yhat[t] = H_dec_l2[t] @ W_hq + b_q    (1 <= t <= T)"
    names = {v.name for v in d.graph.params}
    assert {"W_xi", "W_xi_dec"} <= names
