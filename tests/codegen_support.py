"""Shared strategies and helpers of the codegen, oracle and torch tests (not a test module)."""

from __future__ import annotations

import functools
import os
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import strategies as st

from symrnn.codegen.generate import compile_spec
from symrnn.core import catalogue
from symrnn.core.spec import ACTIVATIONS as SPEC_ACTIVATIONS
from symrnn.core.spec import RNNSpec

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


CELLS = ("rnn", "lstm", "gru-d2l", "gru-torch")
SHAPES = ("many-to-many", "many-to-one", "one-to-many", "encoder-decoder")
MAX_LAYERS = 4
"""Stacks of 3 and 4 layers are where a layer wired to the wrong input shows (a planted layer-3
bug passed every 1- and 2-layer test): the strategies draw up to 4 layers for every cell and shape."""


@st.composite
def rnn_specs(draw, cells=CELLS, shapes=None, activations=None, max_layers=MAX_LAYERS, losses=None):
    """A small recurrent spec: cell, sequence shape (all four for every cell, encoder-decoder
    included), 1 to ``max_layers`` layers, sizes 1-4 (1-3 from 3 layers on), loss, activation
    (rnn only), bias, output layer, notation, reduction."""
    cell = draw(st.sampled_from(cells))
    shape = draw(st.sampled_from(shapes or SHAPES))
    layers = draw(st.integers(1, max_layers))
    top = 4 if layers <= 2 else 3
    D, H = draw(st.integers(1, top)), draw(st.integers(1, top))
    output_layer = draw(st.booleans())
    Q = draw(st.integers(1, top)) if output_layer else H
    loss_choices = tuple(losses or ("half_sq", "softmax_ce"))
    if Q < 2:
        loss_choices = tuple(c for c in loss_choices if c != "softmax_ce") or ("half_sq",)
    loss = draw(st.sampled_from(loss_choices))
    act_choices = activations or SPEC_ACTIVATIONS  # every activation the tool accepts
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


def assert_grads_close(got: dict, want: dict, rtol: float = 1e-8, what: str = "", floor: float = 1e-4) -> None:
    """Same keys, and every entry within ``rtol`` (absolute floor: rtol times ``floor`` of the parameter's scale).

    Deep stacks of saturating gates spread one gradient's entries over many orders of magnitude, and
    rounding in the largest entries sets the absolute error of the smallest: drawn 3- and 4-layer
    specs use ``floor = DEEP_FLOOR``.
    """
    assert sorted(got) == sorted(want), f"{what}: keys {sorted(got)} != {sorted(want)}"
    for key in sorted(want):
        g, w = np.asarray(got[key]), np.asarray(want[key])
        assert g.shape == w.shape, f"{what}: {key} shape {g.shape} != {w.shape}"
        scale = max(float(np.max(np.abs(w), initial=0.0)), 1e-300)
        np.testing.assert_allclose(g, w, rtol=rtol, atol=rtol * floor * scale + 1e-300, err_msg=f"{what}: {key}")


DEEP_FLOOR = 1e-2


def floor_for(spec) -> float:
    """The absolute floor of :func:`assert_grads_close` for a drawn spec (looser from 3 layers on)."""
    return DEEP_FLOOR if getattr(spec, "layers", 1) >= 3 else 1e-4


def assert_fd_close(grads: dict, fd: dict, tol: float = 1e-8, what: str = "") -> None:
    """Gradients against finite differences, each normwise relative to its own scale but at least
    1e-3 of the largest entry of any gradient: differences round off at about 1e-13 absolute,
    which is all of a tiny deep-layer gradient's (2e-6, say) last digits."""
    floor = 1e-3 * max((float(np.max(np.abs(g), initial=0.0)) for g in fd.values()), default=0.0)
    for key in sorted(fd):
        g, f = np.asarray(grads[key], dtype=float), np.asarray(fd[key], dtype=float)
        scale = max(float(np.max(np.abs(g), initial=0.0)), float(np.max(np.abs(f), initial=0.0)), floor)
        err = 0.0 if scale == 0 else float(np.max(np.abs(g - f))) / scale
        assert err <= tol, f"{what}: {key} error {err:.3g} > {tol}"


CATALOGUE = catalogue.names()
