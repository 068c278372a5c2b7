"""Generated modules against independent oracles: autograd over a forward written from the spec,
and five-point central finite differences. float64, agreement to 1e-8."""

from __future__ import annotations

import numpy as np
import pytest
from codegen_support import CATALOGUE, assert_grads_close, compiled, normwise_error, rnn_specs
from hypothesis import given, settings
from hypothesis import strategies as st

from symrnn import catalogue
from symrnn.oracles import central_differences, reference_gradients
from symrnn.oracles.reference import draw, reference_loss


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
    assert_grads_close(grads, ref, 1e-8, f"{spec}")


@settings(max_examples=12)
@given(spec=rnn_specs(), T=st.integers(1, 4), B=st.integers(1, 3), seed=st.integers(0, 2**16))
def test_generated_matches_finite_differences(spec, T, B, seed):
    module = compiled(spec)
    params, inputs, targets = _data(spec, B, T, seed, 0.5, True)
    _, grads = module.gradients(params, inputs, targets, steps=T)
    fd = central_differences(lambda p: module.forward(p, inputs, targets, steps=T)["L"], params)
    for key in sorted(fd):
        assert normwise_error(grads[key], fd[key]) <= 1e-8, (key, spec)


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
