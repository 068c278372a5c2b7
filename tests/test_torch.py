"""Generated modules against torch.nn (float64, CPU) through the weight-mapping layer.

Locally a missing torch skips these tests with a reason; with the environment variable CI set
(as CI does) a missing torch is a failure, never a silent skip.

Every torch-capable cell (rnn, lstm, gru-torch) is drawn in every sequence shape with 1 to 4
layers; an encoder-decoder is two modules of the same class and depth, the decoder started from
the encoder's final (h_n, c_n).
"""

from __future__ import annotations

import argparse
import dataclasses

import numpy as np
import pytest
from codegen_support import CATALOGUE, SHAPES, assert_grads_close, compiled, floor_for, rnn_specs, torch_or_fail
from hypothesis import given, settings
from hypothesis import strategies as st

from symrnn.codegen import torch_map
from symrnn.codegen.verify import Report
from symrnn.commands import verify as verify_command
from symrnn.core import catalogue
from symrnn.core.spec import RNNSpec
from symrnn.oracles.reference import draw, param_shapes, reference_gradients

torch = torch_or_fail()

TORCH_SPECS = [n for n in CATALOGUE if torch_map.torch_support(catalogue.load(n)) is None]
TORCH_CELLS = ("rnn", "lstm", "gru-torch")


def _data(spec, B, T, seed, initial=True):
    return draw(spec, B, T, np.random.default_rng(seed), initial_state=initial)


def test_torch_models_are_float64_on_the_cpu():
    assert torch.__version__.startswith("2.13.0")
    weights = list(torch_map.build(catalogue.load("lstm")).parameters())
    assert {w.dtype for w in weights} == {torch.float64} and {w.device.type for w in weights} == {"cpu"}


@settings(max_examples=30)
@given(spec=rnn_specs(cells=("rnn", "lstm", "gru-torch"), activations=("tanh", "relu")),
       T=st.integers(1, 6), B=st.integers(1, 4), seed=st.integers(0, 2**16), initial=st.booleans())
def test_generated_matches_torch_nn(spec, T, B, seed, initial):
    if torch_map.torch_support(spec) is not None:
        spec = dataclasses.replace(spec, shape="many-to-many")
    module = compiled(spec)
    params, inputs, targets = _data(spec, B, T, seed, initial)
    loss, grads = module.gradients(params, inputs, targets, steps=T)
    t_loss, t_grads, _ = torch_map.torch_gradients(spec, params, inputs, targets, T)
    assert loss == pytest.approx(t_loss, rel=1e-10, abs=1e-12)
    assert_grads_close(grads, t_grads, 1e-8, f"{spec}", floor=floor_for(spec))


@pytest.mark.parametrize("cell", TORCH_CELLS)
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("layers", [1, 3])
@pytest.mark.parametrize("notation", ["column", "row"])
def test_reference_oracle_matches_torch_nn(cell, shape, layers, notation):
    """The two oracles agree with each other (no generated code involved), soft softmax targets included."""
    loss = ("half_sq", "softmax_ce")[(SHAPES.index(shape) + layers) % 2]
    spec = RNNSpec("t", cell, 2, 3, 3, activation="relu" if layers == 3 and cell == "rnn" else "tanh", notation=notation,
                   output_layer=layers == 1 or notation == "row", bias=shape != "many-to-one", loss=loss,
                   shape=shape, layers=layers)
    params, inputs, targets = _data(spec, 2, 4, 17)
    r_loss, r_grads = reference_gradients(spec, params, inputs, targets, 4)
    t_loss, t_grads, _ = torch_map.torch_gradients(spec, params, inputs, targets, 4)
    assert r_loss == pytest.approx(t_loss, rel=1e-12)
    assert_grads_close(r_grads, t_grads, 1e-10, f"{spec}", floor=floor_for(spec))


@pytest.mark.parametrize("cell", TORCH_CELLS)
@pytest.mark.parametrize("layers", [1, 3])
def test_generated_encoder_decoder_matches_torch_nn(cell, layers):
    spec = RNNSpec("ed", cell, 2, 3, 2, notation="row" if layers == 3 else "column", shape="encoder-decoder",
                   layers=layers, loss="softmax_ce" if cell != "rnn" else "half_sq")
    params, inputs, targets = _data(spec, 3, 4, 23)
    loss, grads = compiled(spec).gradients(params, inputs, targets, steps=4)
    t_loss, t_grads, _ = torch_map.torch_gradients(spec, params, inputs, targets, 4)
    assert loss == pytest.approx(t_loss, rel=1e-10)
    assert_grads_close(grads, t_grads, 1e-8, f"{spec}", floor=floor_for(spec))


def test_encoder_decoder_links_every_decoder_layer():
    spec = RNNSpec("ed", "lstm", 2, 3, 2, notation="row", shape="encoder-decoder", layers=2)
    blocks = {link.param: link.block for link in torch_map.links(spec) if link.tensor == "decoder.weight_ih_l1"}
    assert blocks == {"W_xi_dec_l2": 0, "W_xf_dec_l2": 1, "W_xc_dec_l2": 2, "W_xo_dec_l2": 3}
    net = torch_map.build(spec)
    assert isinstance(net.decoder, torch.nn.LSTM) and net.decoder.num_layers == 2
    gru = RNNSpec("ed", "gru-torch", 2, 3, 2, shape="encoder-decoder")
    assert {link.param for link in torch_map.links(gru) if link.tensor == "decoder.bias_hh_l0"} == {
        "b_hr_dec", "b_hz_dec", "b_hn_dec"}


@pytest.mark.parametrize("name", TORCH_SPECS)
def test_catalogue_matches_torch_nn(name):
    spec = catalogue.load(name)
    module = compiled(spec)
    params, inputs, targets = _data(spec, 3, 5, 1)
    loss, grads = module.gradients(params, inputs, targets)
    t_loss, t_grads, _ = torch_map.torch_gradients(spec, params, inputs, targets, 5)
    assert loss == pytest.approx(t_loss, rel=1e-10)
    assert_grads_close(grads, t_grads, 1e-8, name)


def test_every_torch_capable_cell_is_in_the_catalogue():
    assert {"rnn-tanh", "lstm", "gru-torch", "deep-rnn"} <= set(TORCH_SPECS)


@settings(max_examples=20)
@given(spec=rnn_specs(cells=("rnn", "lstm", "gru-torch"), activations=("tanh", "relu")), seed=st.integers(0, 2**16))
def test_state_dict_round_trip(spec, seed):
    if torch_map.torch_support(spec) is not None:
        spec = dataclasses.replace(spec, shape="many-to-many")
    params = {k: np.random.default_rng(seed).normal(size=s) for k, s in param_shapes(spec).items()}
    net = torch_map.build(spec)
    torch_map.load_params(net, spec, params)  # strict: every torch tensor is covered
    back = torch_map.from_state_dict(spec, net.state_dict())
    assert sorted(back) == sorted(params)
    for key, value in params.items():
        np.testing.assert_array_equal(back[key], value)


@pytest.mark.parametrize("name", TORCH_SPECS)
def test_torch_initialised_weights_survive_the_mapping(name):
    """torch's own random weights (both biases non-zero) -> symrnn -> torch computes the same loss."""
    spec = catalogue.load(name)
    torch.manual_seed(0)
    net = torch_map.build(spec)
    params = torch_map.from_state_dict(spec, net.state_dict())
    _, inputs, targets = _data(spec, 2, 4, 3)
    with torch.no_grad():
        direct = float(torch_map.torch_loss(net, spec, inputs, targets, 4))
    assert compiled(spec).forward(params, inputs, targets)["L"] == pytest.approx(direct, rel=1e-12)
    again = torch_map.build(spec)
    torch_map.load_params(again, spec, params)
    with torch.no_grad():
        assert float(torch_map.torch_loss(again, spec, inputs, targets, 4)) == pytest.approx(direct, rel=1e-12)


@pytest.mark.parametrize("name", ["rnn-tanh", "lstm", "deep-rnn", "gru-torch"])
def test_b_ih_and_b_hh_get_identical_gradients(name):
    spec = catalogue.load(name)
    params, inputs, targets = _data(spec, 2, 4, 5)
    _, _, raw = torch_map.torch_gradients(spec, params, inputs, targets, 4)
    pairs = [(k, k.replace("bias_ih", "bias_hh")) for k in raw if "bias_ih" in k]
    assert pairs
    H = spec.hidden_size
    for ih, hh in pairs:
        if spec.cell == "gru-torch":
            # r and z blocks only: b_hn sits inside the reset product, b_in outside it
            np.testing.assert_allclose(raw[ih][:2 * H], raw[hh][:2 * H], rtol=1e-12, atol=1e-15)
            assert not np.allclose(raw[ih][2 * H:], raw[hh][2 * H:])
        else:
            np.testing.assert_allclose(raw[ih], raw[hh], rtol=1e-12, atol=1e-15)


def test_lstm_gate_blocks_follow_torch_order():
    """torch stacks i, f, g, o; D2L and symrnn say i, f, o, c: c is block 2 (g), o is block 3."""
    blocks = {link.param: link.block for link in torch_map.links(catalogue.load("lstm")) if link.tensor == "rnn.weight_ih_l0"}
    assert blocks == {"W_xi": 0, "W_xf": 1, "W_xc": 2, "W_xo": 3}


def test_gru_d2l_has_no_torch_module():
    reason = torch_map.torch_support(catalogue.load("gru-d2l"))
    assert reason and "reset" in reason
    with pytest.raises(torch_map.NoTorchModule):
        torch_map.build(catalogue.load("gru-d2l"))
    encoder_decoder = RNNSpec("ed", "gru-d2l", 2, 2, 2, shape="encoder-decoder", layers=3)
    assert "reset" in torch_map.torch_support(encoder_decoder)


@pytest.mark.parametrize("name", ["lstm", "gru-torch"])
def test_verify_command_passes(name, capsys):
    parser = argparse.ArgumentParser()
    verify_command.register(parser)
    assert verify_command.run(parser.parse_args([name])) == 0
    out = capsys.readouterr().out
    assert "verdict: PASS" in out and "torch.nn" in out and "n/a" not in out


def test_verify_report_fails_on_a_large_error():
    report = Report(catalogue.load("lstm"), 3, 2, 0, (("W_hh", {"autograd": 1e-3, "torch.nn": 0.0, "finite diff": 0.0}),))
    assert not report.passed
    assert "verdict: FAIL" in report.table()


def test_gru_torch_one_to_many_keeps_the_input_biases_like_torch():
    """At steps without input, torch.nn.GRU fed zeros keeps b_ir, b_iz, b_in; so does symrnn."""
    from symrnn.codegen.torch_map import torch_support
    from symrnn.codegen.verify import verify
    from symrnn.core.spec import RNNSpec

    torch_or_fail()
    spec = RNNSpec("gru-o2m", "gru-torch", 2, 3, 2, notation="row", shape="one-to-many", steps=4)
    assert torch_support(spec) is None
    assert verify(spec).passed
