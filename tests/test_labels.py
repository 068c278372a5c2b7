"""Equation labels are typed values: their fields say what the equation is, for every equation of
every catalogue network, and their citation text is unique within a derivation."""

from __future__ import annotations

import pickle

import pytest

from symrnn.core import catalogue, ir
from symrnn.core.derive import derive
from symrnn.core.labels import Kind, Label

KIND_OF = {"forward": Kind.FORWARD, "loss": Kind.FORWARD, "adjoint": Kind.ADJOINT, "gradient": Kind.GRADIENT,
           "closed-form": Kind.CLOSED}


def test_a_label_is_an_immutable_value_with_its_citation():
    label = Label.adjoint("h", layer=2, time=3)
    assert (label.kind, label.quantity, label.layer, label.time, label.case) == (Kind.ADJOINT, "h", 2, 3, None)
    assert label == "adj:h_l2_3" and str(label) == "adj:h_l2_3"
    assert Label.gradient("W_hh", steps=3) == "grad:W_hh:3"
    assert Label.closed("h", case="t", variant="d2l") == "closed:h:t:d2l"
    with pytest.raises(AttributeError):
        label.kind = Kind.FORWARD
    again = pickle.loads(pickle.dumps(label))
    assert again == label and again.kind is Kind.ADJOINT and again.layer == 2
    with pytest.raises(ValueError):
        Label.adjoint("h", case="t", time=3)
    with pytest.raises(TypeError):
        Label("adj", "h")


@pytest.mark.parametrize("name", catalogue.names())
def test_every_label_says_what_its_equation_is(name):
    d = derive(catalogue.load(name))
    labels = [eq.label for eq in d.equations()]
    assert len(set(labels)) == len(labels), "a label appears twice"
    for eq in d.equations():
        label = eq.label
        assert isinstance(label, Label)
        assert label.kind is KIND_OF[eq.kind], (label, eq.kind)
        if label.kind is Kind.CLOSED:
            continue
        var = eq.lhs.of if isinstance(eq.lhs, ir.Adjoint) else eq.lhs
        assert (label.quantity, label.layer) == (var.name, var.layer), label
        if eq.scope == "generic":
            assert label.time is None and label.steps is None
            assert (label.case is not None) == (var.time is not None), label
        else:
            assert label.case is None
            assert label.time == (None if var.time is None else int(var.time)), label
            if label.kind is Kind.GRADIENT and d.spec.recurrent:
                assert label.steps == d.steps
