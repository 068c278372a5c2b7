"""Generated modules against independent oracles: autograd over a forward written from the spec,
and five-point central finite differences. float64, agreement to 1e-8.

The drawn specs cover every cell in every sequence shape (encoder-decoder included) with 1 to 4
layers: a layer-3 wiring bug is invisible with one or two layers. Softmax cross-entropy targets
are drawn as nonnegative rows of any sum (soft labels, zero rows), not only probability rows.
"""

from __future__ import annotations

import numpy as np
import pytest
from codegen_support import (
    CATALOGUE,
    CELLS,
    SHAPES,
    assert_fd_close,
    assert_grads_close,
    compiled,
    floor_for,
    normwise_error,
    rnn_specs,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from symrnn.core import catalogue
from symrnn.core.spec import RNNSpec
from symrnn.oracles import central_differences, reference_gradients
from symrnn.oracles.reference import draw, param_shapes, reference_loss, soft_targets


def _data(spec, B, T, seed, scale=0.5, initial=False):
    return draw(spec, B, T, np.random.default_rng(seed), scale=scale, initial_state=initial and spec.recurrent)


def _steps(spec, T):
    return T if spec.recurrent else None


@settings(max_examples=40)
@given(spec=rnn_specs(), T=st.integers(1, 6), B=st.integers(1, 4), seed=st.integers(0, 2**16),
       scale=st.sampled_from((0.1, 0.5, 1.5)), initial=st.booleans())
def test_generated_matches_autograd(spec, T, B, seed, scale, initial):
    module = compiled(spec)
    params, inputs, targets = _data(spec, B, T, seed, scale, initial)
    loss, grads = module.gradients(params, inputs, targets, steps=T)
    ref_loss, ref = reference_gradients(spec, params, inputs, targets, T)
    assert loss == pytest.approx(ref_loss, rel=1e-10, abs=1e-12)
    assert_grads_close(grads, ref, 1e-8, f"{spec}", floor=floor_for(spec))
    # the fast path (no argument checks) on the same drawn inputs: against autograd too
    fast_loss, fast = module.gradients(params, inputs, targets, steps=T, check_inputs=False)
    assert fast_loss == pytest.approx(ref_loss, rel=1e-10, abs=1e-12)
    assert_grads_close(fast, ref, 1e-8, f"{spec} check_inputs=False", floor=floor_for(spec))
    assert fast_loss == loss and all(np.array_equal(fast[k], grads[k]) for k in grads)


@settings(max_examples=12)
@given(spec=rnn_specs(), T=st.integers(1, 4), B=st.integers(1, 3), seed=st.integers(0, 2**16))
def test_generated_matches_finite_differences(spec, T, B, seed):
    module = compiled(spec)
    params, inputs, targets = _data(spec, B, T, seed, 0.5, True)
    _, grads = module.gradients(params, inputs, targets, steps=T)
    fd = central_differences(lambda p: module.forward(p, inputs, targets, steps=T)["L"], params)
    # the five-point stencil's truncation error grows with depth (higher derivatives of 4 layers)
    assert_fd_close(grads, fd, 1e-7 if spec.layers >= 3 else 1e-8, f"{spec}")


@pytest.mark.parametrize("name", CATALOGUE)
@pytest.mark.parametrize("B, T", [(1, 1), (3, 4), (2, 6)])
def test_catalogue_matches_autograd(name, B, T):
    spec = catalogue.load(name)
    module = compiled(spec)
    params, inputs, targets = _data(spec, B, T, 7, initial=True)
    loss, grads = module.gradients(params, inputs, targets, steps=_steps(spec, T))
    ref_loss, ref = reference_gradients(spec, params, inputs, targets, _steps(spec, T))
    assert loss == pytest.approx(ref_loss, rel=1e-10)
    assert_grads_close(grads, ref, 1e-8, name)
    fast_loss, fast = module.gradients(params, inputs, targets, steps=_steps(spec, T), check_inputs=False)
    assert fast_loss == pytest.approx(ref_loss, rel=1e-10)
    assert_grads_close(fast, ref, 1e-8, f"{name} check_inputs=False")


@pytest.mark.parametrize("name", CATALOGUE)
def test_catalogue_matches_finite_differences(name):
    spec = catalogue.load(name)
    module = compiled(spec)
    T = 3
    params, inputs, targets = _data(spec, 2, T, 11, initial=True)
    _, grads = module.gradients(params, inputs, targets, steps=_steps(spec, T))
    fd = central_differences(lambda p: module.forward(p, inputs, targets, steps=_steps(spec, T))["L"], params)
    for key in sorted(fd):
        assert normwise_error(grads[key], fd[key]) <= 1e-8, key


def _deep(cell, shape, layers, loss="softmax_ce", notation=None):
    """A small deep spec of every cell and shape; varied notation, bias and output layer."""
    c, s = CELLS.index(cell), SHAPES.index(shape)
    return RNNSpec("deep", cell, 2, 2, 3 if (c + s) % 2 == 0 else 2, output_layer=(c + s) % 2 == 0,
                   notation=notation or ("column", "row")[(c + s + layers) % 2], bias=(c + s) % 3 != 2,
                   loss=loss, reduction=("mean", "sum")[s % 2], shape=shape, layers=layers)


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("shape", SHAPES)
def test_deep_stacks_match_autograd(cell, shape):
    """Every cell in every shape with 3 or 4 layers, soft softmax targets or squared error."""
    layers = 3 if SHAPES.index(shape) % 2 == 0 else 4
    loss = ("half_sq", "softmax_ce")[(CELLS.index(cell) + SHAPES.index(shape)) % 2]
    spec = _deep(cell, shape, layers, loss)
    T = 3
    params, inputs, targets = _data(spec, 2, T, 31, initial=True)
    loss_value, grads = compiled(spec).gradients(params, inputs, targets, steps=T)
    ref_loss, ref = reference_gradients(spec, params, inputs, targets, T)
    assert loss_value == pytest.approx(ref_loss, rel=1e-10, abs=1e-12)
    assert_grads_close(grads, ref, 1e-8, f"{spec}", floor=floor_for(spec))


@pytest.mark.parametrize("cell", CELLS)
def test_encoder_decoder_parameter_names(cell):
    """Decoder parameters are the encoder's with ``_dec`` before the layer suffix; no ``s``/``z`` names."""
    column = param_shapes(RNNSpec("e", cell, 2, 3, 2, shape="encoder-decoder", layers=2))
    row = param_shapes(RNNSpec("e", cell, 2, 3, 2, shape="encoder-decoder", notation="row"))
    first = {"rnn": ("W_hx", "W_xh"), "lstm": ("W_ix", "W_xi"), "gru-d2l": ("W_rx", "W_xr"),
             "gru-torch": ("W_ir", "W_ir")}[cell]
    assert column[f"{first[0]}_dec_l1"] == (3, 2) and column[f"{first[0]}_dec_l2"] == (3, 3)
    assert row[f"{first[1]}_dec"] == (2, 3) and row[f"{first[1]}"] == (2, 3)
    assert sum(k.endswith("_dec_l2") for k in column) == sum(k.endswith("_l2") for k in column) // 2
    assert "W_qh" in column and "W_hq" in row
    assert not any(k.startswith(("W_s", "W_zs", "b_s")) for k in (*column, *row))


def test_soft_targets_are_not_only_distributions():
    rows = soft_targets(np.random.default_rng(0), (50, 3, 4)).reshape(-1, 4)
    sums = rows.sum(axis=1)
    assert np.all(rows >= 0)
    assert np.any(np.isclose(sums, 1.0)) and np.any(sums == 0) and np.any(np.abs(sums - 1) > 0.3)
    assert np.any((rows > 0).sum(axis=1) == 1)  # scaled one-hot rows
    single = soft_targets(np.random.default_rng(1), (1, 3))
    assert abs(single.sum() - 1.0) > 1e-3  # a single row is never a distribution
    spec = RNNSpec("s", "rnn", 2, 2, 3, loss="softmax_ce")
    y = draw(spec, 4, 5, np.random.default_rng(2))[2]["y"]
    assert not np.allclose(y.sum(axis=-1), 1.0)


@pytest.mark.parametrize("spec", [_deep(c, s, 3, notation=n) for c in CELLS for s, n in
                                  (("encoder-decoder", "column"), ("one-to-many", "row"))],
                         ids=lambda s: f"{s.cell}-{s.shape}-{s.notation}")
def test_deep_reference_oracle_agrees_with_its_own_finite_differences(spec):
    """The oracle's new parts (3-layer stacks, every cell's encoder-decoder, soft targets) by differences."""
    T = 2
    params, inputs, targets = _data(spec, 2, T, 9, initial=True)
    _, ref = reference_gradients(spec, params, inputs, targets, T)
    fd = central_differences(lambda p: reference_loss(spec, p, inputs, targets, T), params)
    assert_fd_close(ref, fd, 1e-8, f"{spec}")


@pytest.mark.parametrize("name", CATALOGUE)
def test_reference_oracle_agrees_with_its_own_finite_differences(name):
    """The oracle is checked too: autograd over the reference forward against its differences."""
    spec = catalogue.load(name)
    T = 3
    params, inputs, targets = _data(spec, 2, T, 5, initial=True)
    _, ref = reference_gradients(spec, params, inputs, targets, _steps(spec, T))
    fd = central_differences(lambda p: reference_loss(spec, p, inputs, targets, _steps(spec, T)), params)
    for key in sorted(fd):
        assert normwise_error(ref[key], fd[key]) <= 1e-8, key


def test_seed_worked_example_numbers():
    """The seed's 2-2-2 network at its worked example: L = 0.298371109, dL/dw5 = 0.082167041,
    dL/dw1 = 0.000438568 (the widely reproduced hand computation)."""
    spec = catalogue.load("mlp-2-2-2")
    example = spec.example.as_dict()
    module = compiled(spec)
    params = {k: np.array([[example[k]]]) for k in module.PARAM_SHAPES}
    inputs = {k: np.array([[example[k]]]) for k in module.INPUTS}
    targets = {k: np.array([[example[k]]]) for k in module.TARGETS}
    loss, grads = module.gradients(params, inputs, targets)
    assert loss == pytest.approx(0.298371109, abs=1e-9)
    assert grads["w5"][0, 0] == pytest.approx(0.082167041, abs=1e-9)
    assert grads["w1"][0, 0] == pytest.approx(0.000438568, abs=1e-9)


def test_loss_is_the_sum_over_the_batch():
    """A batch of B examples: loss and gradients are the sums of the B single-example ones."""
    spec = catalogue.load("rnn-tanh")
    module = compiled(spec)
    params, inputs, targets = _data(spec, 3, 4, 3)
    loss, grads = module.gradients(params, inputs, targets)
    parts = [module.gradients(params, {k: v[i:i + 1] for k, v in inputs.items()},
                              {k: v[i:i + 1] for k, v in targets.items()}) for i in range(3)]
    assert loss == pytest.approx(sum(p[0] for p in parts), rel=1e-12)
    for key in grads:
        np.testing.assert_allclose(grads[key], sum(p[1][key] for p in parts), rtol=1e-12, atol=1e-15)


def test_the_reference_oracle_knows_every_activation_the_tool_accepts():
    """A new activation in the registry needs its own, independent form in the reference oracle."""
    from symrnn.core.spec import ACTIVATIONS as ACCEPTED
    from symrnn.oracles.reference import ACTIVATIONS as ORACLE

    assert set(ORACLE) == set(ACCEPTED)
