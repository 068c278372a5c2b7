"""Element-level proofs: every catalogue network, every shape, and a planted error is caught."""

from __future__ import annotations

from dataclasses import replace

import pytest

from symrnn.core import catalogue, ir
from symrnn.core.closed_forms import check_against_recurrence
from symrnn.core.derive import derive
from symrnn.core.errors import LimitError
from symrnn.core.prove import prove
from symrnn.core.spec import MLPSpec, RNNSpec


@pytest.mark.parametrize("name", catalogue.names())
def test_every_catalogue_network_is_proved(name):
    report = prove(catalogue.load(name))
    assert report.results and report.passed, [r.line() for r in report.results if not r.passed]
    subjects = {r.subject for r in report.results}
    derivation = derive(catalogue.load(name))
    for eq in derivation.gradients:
        assert eq.label in subjects  # every parameter gradient is among the proved results


def test_rational_networks_are_proved_exactly_and_against_the_expanded_loss():
    report = prove(catalogue.load("rnn-linear"))
    assert all(r.exact for r in report.results)
    assert {"chain", "expanded"} <= {r.oracle for r in report.results}


def test_lstm_at_hidden_2_and_t_3_is_proved():
    report = prove(catalogue.load("lstm"), steps=3)
    assert report.passed and not report.results[0].exact
    assert max(r.max_error for r in report.results) < 1e-50


CELLS = ("rnn", "lstm", "gru-d2l", "gru-torch")
SHAPES = ("many-to-many", "many-to-one", "one-to-many")


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("notation", ("column", "row"))
def test_cells_shapes_and_notations(cell, shape, notation):
    spec = RNNSpec("s", cell, 2, 2, 2, notation=notation, shape=shape, steps=2,
                   activation="sigmoid" if cell == "rnn" else "tanh",
                   loss="softmax_ce" if shape == "many-to-one" else "half_sq")
    report = prove(spec, expanded=False)
    assert report.passed, [r.line() for r in report.results if not r.passed]


@pytest.mark.parametrize(
    "spec",
    [
        RNNSpec("enc", "rnn", 2, 2, 2, shape="encoder-decoder", steps=2),
        RNNSpec("relu3", "rnn", 1, 2, 3, activation="relu", layers=3, steps=2),
        RNNSpec("lstm2", "lstm", 1, 2, 3, layers=2, steps=2, bias=False),
        RNNSpec("gru-noout", "gru-torch", 2, 1, 1, layers=2, steps=2, output_layer=False),
        RNNSpec("sum", "rnn", 3, 2, 1, activation="identity", reduction="sum", steps=3),
        MLPSpec("mlp-ce", (3, 2, 2), ("tanh", "identity"), naming="matrix", loss="softmax_ce"),
        MLPSpec("mlp-deep", (2, 3, 2, 1), ("relu", "sigmoid", "identity")),
    ],
    ids=lambda s: s.name,
)
def test_more_variants(spec):
    report = prove(spec, expanded=False)
    assert report.passed, [r.line() for r in report.results if not r.passed]


def test_a_planted_error_is_caught():
    """Negative control: transpose dL/dW_hh's concrete formula (mistake 2) and the proof fails."""
    d = derive(catalogue.load("rnn-linear"), 2)
    broken = tuple(replace(eq, rhs=ir.Transpose(eq.rhs)) if eq.node == "W_hh" else eq for eq in d.gradients)
    report = prove(replace(d, gradients=broken))
    failed = {r.subject for r in report.results if not r.passed}
    assert "grad:W_hh:2" in failed and not any(s.startswith("grad:W_qh") for s in failed)


def test_closed_forms_equal_the_recurrence_term_by_term():
    for name in ("rnn-linear", "rnn-tanh", "rnn-scalar"):
        for steps in (1, 2, 4, 6):
            d = derive(catalogue.load(name), steps)
            assert d.closed_forms
            for eq in d.closed_forms:
                assert check_against_recurrence(d, eq), (name, steps, eq.label)


def test_closed_form_with_wrong_power_is_rejected():
    """Mistake 6, (W_hh^T)^(k-t+1), is not the recurrence."""
    d = derive(catalogue.load("rnn-linear"), 4)
    eq = d.equation("closed:h:t")
    power, rest = eq.rhs.body.left, eq.rhs.body.right
    shifted = ir.TimeSum(eq.rhs.index, eq.rhs.lo, eq.rhs.hi, ir.matmul(ir.matpow(power.x, power.exponent + 1), rest))
    assert check_against_recurrence(d, eq)
    assert not check_against_recurrence(d, replace(eq, rhs=shifted))


def test_proofs_refuse_large_instances_with_a_clear_message():
    with pytest.raises(LimitError, match="T <= 6"):
        prove(catalogue.load("rnn-tanh"), steps=40)
    with pytest.raises(LimitError, match="sizes <= 4"):
        prove(RNNSpec("big", "rnn", 2, 50, 2))


def test_closed_forms_are_proved_for_every_t_by_induction():
    from symrnn.core.induction import prove_by_induction

    for name in ("rnn-linear", "rnn-tanh", "rnn-scalar"):
        d = derive(catalogue.load(name))
        results = [prove_by_induction(d, eq) for eq in d.closed_forms]
        assert any(r is not None for r in results)
        assert all(r.proved for r in results if r is not None), name


def test_induction_rejects_a_wrong_power():
    from symrnn.core.induction import prove_by_induction

    d = derive(catalogue.load("rnn-linear"))
    eq = d.equation("closed:h:t")
    power, rest = eq.rhs.body.left, eq.rhs.body.right
    shifted = ir.TimeSum(eq.rhs.index, eq.rhs.lo, eq.rhs.hi, ir.matmul(ir.matpow(power.x, power.exponent + 1), rest))
    assert not prove_by_induction(d, replace(eq, rhs=shifted)).proved
    dropped = ir.TimeSum(eq.rhs.index, eq.rhs.lo + 1, eq.rhs.hi, eq.rhs.body)  # sum starting one step late
    assert not prove_by_induction(d, replace(eq, rhs=dropped)).proved


@pytest.mark.parametrize("activation", ["identity", "tanh", "sigmoid", "relu"])
def test_scalar_networks_prove_for_every_activation(activation):
    spec = RNNSpec("scalar", "rnn", 1, 1, 1, activation=activation, style="scalar", shape="many-to-one", steps=4)
    report = prove(derive(spec))
    assert report.passed, [r for r in report.results if not r.passed]
    assert any(r.subject == "closed:dhT_dh1" and r.passed for r in report.results)


@pytest.mark.parametrize("layers", [1, 2])
@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru-d2l", "gru-torch"])
def test_encoder_decoder_of_every_cell_proves(cell, layers):
    """The seed's four sequence shapes apply to every cell: a gated or stacked encoder-decoder too."""
    spec = RNNSpec("enc", cell, 2, 2, 2, shape="encoder-decoder", layers=layers, steps=3)
    report = prove(derive(spec))
    assert report.passed, [r.line() for r in report.results if not r.passed]
