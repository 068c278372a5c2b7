"""Shared strategies and helpers of the codegen, oracle and torch tests (not a test module)."""

from __future__ import annotations

import functools
import os
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import strategies as st

from symrnn import catalogue
from symrnn.codegen import compile_spec
from symrnn.spec import RNNSpec

_TMP = tempfile.TemporaryDirectory(prefix="symrnn-codegen-tests-")
_COUNTER = iter(range(10**9))


@functools.lru_cache(maxsize=256)
def compiled(spec):
    """The generated module of ``spec``, written to its own real file and imported from it."""
    directory = Path(_TMP.name) / f"m{next(_COUNTER)}"
    directory.mkdir()
    return compile_spec(spec, directory)


def torch_or_fail():
    """torch, or a skip when it is missing locally; in CI (env CI set) a missing torch fails."""
    if os.environ.get("CI"):
        import torch  # in CI a missing torch must fail the run, never skip it

        return torch
    return pytest.importorskip("torch", reason="torch not installed (set CI=1 to make this a failure)")


@st.composite
def rnn_specs(draw, cells=("rnn", "lstm", "gru-d2l", "gru-torch"), shapes=None, activations=None):
    """A small recurrent spec: cell, sizes 1-4, sequence shape, loss, activation, layers, notation."""
    cell = draw(st.sampled_from(cells))
    shape_choices = shapes or (("many-to-many", "many-to-one", "one-to-many", "encoder-decoder") if cell == "rnn"
                               else ("many-to-many", "many-to-one", "one-to-many"))
    shape = draw(st.sampled_from(shape_choices))
    layers = 1 if shape == "encoder-decoder" else draw(st.integers(1, 2))
    D, H = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    output_layer = draw(st.booleans())
    Q = draw(st.integers(1, 4)) if output_layer else H
    loss = draw(st.sampled_from(("half_sq", "softmax_ce"))) if Q >= 2 else "half_sq"
    act_choices = activations or ("identity", "tanh", "sigmoid", "relu")
    activation = draw(st.sampled_from(act_choices)) if cell == "rnn" else "tanh"
    notation = draw(st.sampled_from(("column", "row")))
    return RNNSpec(
        name="drawn", cell=cell, input_size=D, hidden_size=H, output_size=Q, activation=activation,
        bias=draw(st.booleans()), output_layer=output_layer, notation=notation, batch=draw(st.integers(1, 3)),
        loss=loss, reduction=draw(st.sampled_from(("sum", "mean"))), shape=shape, layers=layers, steps=3,
    )


def normwise_error(value, reference) -> float:
    value, reference = np.asarray(value, dtype=float), np.asarray(reference, dtype=float)
    scale = max(np.max(np.abs(value), initial=0.0), np.max(np.abs(reference), initial=0.0))
    return 0.0 if scale == 0 else float(np.max(np.abs(value - reference)) / scale)


def assert_grads_close(got: dict, want: dict, rtol: float = 1e-8, what: str = "") -> None:
    """Same keys, and every entry within ``rtol`` (absolute floor: rtol times 1e-4 of the parameter's scale)."""
    assert sorted(got) == sorted(want), f"{what}: keys {sorted(got)} != {sorted(want)}"
    for key in sorted(want):
        g, w = np.asarray(got[key]), np.asarray(want[key])
        assert g.shape == w.shape, f"{what}: {key} shape {g.shape} != {w.shape}"
        scale = max(float(np.max(np.abs(w), initial=0.0)), 1e-300)
        np.testing.assert_allclose(g, w, rtol=rtol, atol=rtol * 1e-4 * scale + 1e-300, err_msg=f"{what}: {key}")


CATALOGUE = catalogue.names()
