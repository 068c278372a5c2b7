"""Every variable carries what it is (``Var.meaning``), attached by the cells and the unroll."""

from __future__ import annotations

import pytest

from symrnn.core import catalogue, ir
from symrnn.core.spec import CELLS, SHAPES, RNNSpec
from symrnn.core.unroll import unroll
from symrnn.report.meanings import describe


def _variables(graph):
    return list(graph.params) + list(graph.leaves) + [n.var for n in graph.nodes]


@pytest.mark.parametrize("name", catalogue.names())
def test_every_catalogue_variable_has_a_meaning(name):
    graph = unroll(catalogue.load(name))
    assert [v.name for v in _variables(graph) if v.meaning is None] == []


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("cell", CELLS)
def test_every_cell_and_shape_has_meanings_down_to_the_decoder(cell, shape):
    spec = RNNSpec("m", cell, 2, 2, 2, shape=shape, layers=2, notation="row", steps=2)
    variables = _variables(unroll(spec))
    assert all(v.meaning is not None for v in variables)
    if shape == "encoder-decoder":
        assert {v.meaning.decoder for v in variables} == {True, False}
        assert any(v.meaning.kind == "handover" for v in variables)


@pytest.mark.parametrize("notation, name", [("column", "W_fx"), ("row", "W_xf")])
def test_lstm_weights_say_what_they_connect_in_either_notation(notation, name):
    spec = RNNSpec("m", "lstm", 2, 3, 2, notation=notation, layers=2)
    params = {(v.name, v.layer): v for v in unroll(spec).params}
    assert describe(params[(name, 1)]) == "weights from the input to the forget gate"
    assert describe(params[(name, 2)]) == "weights from the hidden state of layer 1 to the forget gate"


def test_the_words_come_from_the_meaning_not_the_name():
    misleading = ir.Var("W_hh", (2, 2), "param", meaning=ir.Meaning("weight", "reset_gate", "input"))
    assert describe(misleading) == "weights from the input to the reset gate"
    torch_bias = ir.Var("b_x", (1, 2), "param", meaning=ir.Meaning("bias", "update_gate", part="hidden"))
    assert describe(torch_bias) == "bias of the update gate (hidden part)"


def test_the_seeds_neurons_keep_their_words():
    graph = unroll(catalogue.load("mlp-2-2-2"))
    by_name = {v.name: v for v in _variables(graph)}
    assert describe(by_name["w5"]) == "weight from h1 to o1"
    assert describe(by_name["in_h1"]) == "net input of neuron h1"
    assert describe(by_name["E_o2"]) == "squared error of output neuron o2"
    assert describe(by_name["b1"]) == "bias of layer 1 (shared by its neurons)"


def test_an_unknown_kind_of_meaning_is_refused():
    with pytest.raises(ValueError, match="unknown meaning 'wieght'"):
        ir.Meaning("wieght")


def test_a_generic_equation_carries_the_meaning_of_its_own_case():
    """A decoder's h_0 is the hand-over from the encoder; its h_t (t >= 1) are states (the generic
    equation took the meaning of the template's first node, so every h_dec_t was a hand-over)."""
    from symrnn.core import ir
    from symrnn.core.derive import derive
    from symrnn.core.spec import load_spec_text

    spec = load_spec_text('name = "ed"\nnetwork = "rnn"\ncell = "lstm"\ninput_size = 1\nhidden_size = 2\n'
                          'output_size = 1\nshape = "encoder-decoder"\nsteps = 3\n')
    d = derive(spec)
    concrete = {(v.name, v.layer, int(v.time)): v.meaning for v in (n.var for n in d.graph.nodes) if v.time is not None}
    for eq in d.generic_forward + d.generic_adjoints:
        var = eq.lhs.of if hasattr(eq.lhs, "of") else eq.lhs
        if var.time is None or eq.bounds is None:
            continue
        first = int(ir.as_sym(eq.bounds[0]).subs(ir.T_SYM, d.steps))
        assert var.meaning == concrete[(var.name, var.layer, first)], (eq.label, var.meaning)
