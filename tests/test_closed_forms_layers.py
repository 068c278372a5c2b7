"""The stacked RNN's closed forms: every layer's dL/dh_t as a sum over later steps of products of
Jacobians within the layer, times what the layer above sends down (a product over layers and time),
read off the derived recurrence, equal to it term by term, proved for every T by induction, and
proved numerically by ``symrnn prove``."""

from __future__ import annotations

from dataclasses import replace

import pytest

from symrnn.core import catalogue, ir
from symrnn.core.closed_forms import check_against_recurrence, closed_label
from symrnn.core.derive import derive
from symrnn.core.induction import prove_by_induction
from symrnn.core.prove import prove
from symrnn.core.spec import RNNSpec


def test_every_layer_has_its_closed_form_equal_to_the_recurrence():
    for steps in (1, 2, 4, 6):
        d = derive(catalogue.load("deep-rnn"), steps)
        assert [eq.label for eq in d.closed_forms] == [closed_label(2), closed_label(1)]
        for eq in d.closed_forms:
            assert check_against_recurrence(d, eq), (steps, eq.label)


def test_the_lower_layer_carries_the_layer_above():
    d = derive(catalogue.load("deep-rnn"))
    lower = d.equation(closed_label(1))
    inside = {(v.name, v.layer) for v in ir.variables(lower.rhs)}
    assert ("W_hx", 2) in inside and ("W_hh", 1) in inside and ("h", 2) in inside
    assert isinstance(lower.rhs, ir.TimeSum)
    assert any(isinstance(n, ir.TimeProduct) for n in ir.walk(lower.rhs))


@pytest.mark.parametrize("layers,activation", [(2, "tanh"), (3, "identity"), (2, "sigmoid")])
def test_proved_for_every_t_by_induction_and_a_wrong_one_is_not(layers, activation):
    spec = RNNSpec("stack", "rnn", 2, 2, 2, activation=activation, layers=layers, steps=3)
    d = derive(spec)
    assert len(d.closed_forms) == layers
    for eq in d.closed_forms:
        result = prove_by_induction(d, eq)
        assert result is not None and result.proved, (eq.label, result)
        late = replace(eq, rhs=ir.TimeSum(eq.rhs.index, eq.rhs.lo + 1, eq.rhs.hi, eq.rhs.body))  # drops the k = t term
        assert not prove_by_induction(d, late).proved
        assert not check_against_recurrence(d, late)


def test_symrnn_prove_proves_them_numerically():
    report = prove(catalogue.load("deep-rnn"))
    closed = [r for r in report.results if r.subject.startswith(("closed:h_l1", "closed:h_l2"))]
    assert closed and all(r.passed for r in closed)
    assert {r.oracle for r in closed} >= {"chain", "induction"}


@pytest.mark.parametrize("cell,carrier,gate", [("lstm", "c", "forget_gate"), ("gru-d2l", "h", "update_gate"),
                                               ("gru-torch", "h", "update_gate")])
def test_gated_cells_the_carried_state_through_its_gate(cell, carrier, gate):
    """The LSTM's dL/dc_t = sum_k (prod_j diag(f_j)) r_k (the forget gate's highway), the GRU's dL/dh_t with
    prod_j diag(z_j) (the update gate's path): read off the recurrence, equal to it, proved for every T."""
    for layers in (1, 2):
        for steps in (1, 2, 4):
            d = derive(RNNSpec("gated", cell, 2, 2, 2, notation="column", layers=layers, steps=steps))
            assert [eq.label.quantity for eq in d.closed_forms] == [carrier] * layers
            for eq in d.closed_forms:
                assert check_against_recurrence(d, eq), (cell, layers, steps, eq.label)
                products = [n for n in ir.walk(eq.rhs) if isinstance(n, ir.TimeProduct)]
                assert products and all(isinstance(p.body, ir.Diag) for p in products)
                assert {v.meaning.of for p in products for v in ir.variables(p.body)} == {gate}
                result = prove_by_induction(d, eq)
                assert result is not None and result.proved
                wrong = ir.substitute(eq.rhs, {p: ir.TimeProduct(p.index, p.lo - 1, p.hi, p.body) for p in products})
                assert not prove_by_induction(d, replace(eq, rhs=wrong)).proved
                assert not check_against_recurrence(d, replace(eq, rhs=wrong)) or steps == 1


@pytest.mark.parametrize("cell", ["lstm", "gru-torch"])
def test_gated_closed_forms_pass_symrnn_prove(cell):
    report = prove(RNNSpec("gated", cell, 2, 2, 2, notation="column", steps=3))
    closed = [r for r in report.results if r.subject.startswith("closed:")]
    assert closed and all(r.passed for r in closed), [r.subject for r in closed if not r.passed]
