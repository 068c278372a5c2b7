"""``symrnn codegen --backend numba``: the same gradients as the NumPy module and as autograd.

Every recurrent catalogue spec and a few fixed drawn-style specs (every cell, the four sequence
shapes, stacked layers, softmax cross-entropy, column and row notation, other activations): the
numba module's loss and gradients equal the NumPy module's to 1e-12 and HIPS autograd's
(:func:`symrnn.oracles.reference.reference_gradients`) to 1e-8. Each compile takes seconds, so
the specs are a fixed short list, not hypothesis draws. Without numba the module is skipped
locally and fails in CI (env CI set), like the torch tests.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest

from symrnn.codegen import numba_backend
from symrnn.codegen.generate import compile_spec, generate, load_module, module_name
from symrnn.codegen.numba_backend import NumbaMissing, generate_numba
from symrnn.core import catalogue
from symrnn.core.spec import RNNSpec
from symrnn.oracles.reference import draw, reference_gradients
from symrnn.printing.numba_code import COMPILED_HELPERS, loop_names
from symrnn.printing.numpy_code import CodegenError
from tests.codegen_support import assert_grads_close, floor_for

if not os.environ.get("CI"):
    pytest.importorskip("numba", reason="numba not installed (set CI=1 to make this a failure)")

RECURRENT = tuple(name for name in catalogue.names() if catalogue.load(name).recurrent)


def _drawn(cell, shape, layers, **kw) -> RNNSpec:
    base = {"name": "drawn", "cell": cell, "input_size": 3, "hidden_size": 2, "output_size": 3, "activation": "tanh",
            "bias": True, "output_layer": True, "notation": "column", "batch": 2, "loss": "half_sq", "reduction": "sum",
            "shape": shape, "layers": layers, "steps": 3}
    return RNNSpec(**{**base, **kw})


DRAWN = (
    _drawn("lstm", "encoder-decoder", 2, notation="row", loss="softmax_ce", reduction="mean"),
    _drawn("gru-torch", "many-to-one", 3, input_size=2, bias=False),
    _drawn("gru-d2l", "one-to-many", 1, output_layer=False, output_size=2),
    _drawn("rnn", "many-to-many", 2, activation="relu", loss="softmax_ce"),  # _relu_grad in the loop
    _drawn("rnn", "encoder-decoder", 1, activation="softplus", notation="row"),
    _drawn("rnn", "many-to-one", 1, activation="sigmoid", hidden_size=4),
)

_TMP = tempfile.TemporaryDirectory(prefix="symrnn-numba-tests-")


def _numba_module(spec, tag):
    path = Path(_TMP.name) / f"{module_name(spec.name)}_{tag}_numba.py"
    path.write_text(generate_numba(spec), encoding="utf-8")
    return load_module(path, f"numba_{tag}")


def _agree(spec, tag):
    nb = _numba_module(spec, tag)
    numpy_module = compile_spec(spec, Path(_TMP.name))
    params, inputs, targets = draw(spec, 3, 4, np.random.default_rng(7))
    loss, grads = nb.gradients(params, inputs, targets, steps=4)  # one-to-many: T only from steps
    want_loss, want = numpy_module.gradients(params, inputs, targets, steps=4)
    assert loss == pytest.approx(want_loss, rel=1e-12, abs=1e-300)
    assert_grads_close(grads, want, rtol=1e-12, what=f"{tag} numba vs numpy", floor=floor_for(spec))
    ref_loss, ref = reference_gradients(spec, params, inputs, targets, 4)
    assert loss == pytest.approx(ref_loss, rel=1e-8)
    assert_grads_close(grads, ref, rtol=1e-8, what=f"{tag} numba vs autograd", floor=floor_for(spec))
    fast_loss, fast = nb.gradients(params, inputs, targets, steps=4, check_inputs=False)  # the fast path
    assert fast_loss == loss
    assert_grads_close(fast, ref, rtol=1e-8, what=f"{tag} numba check_inputs=False vs autograd", floor=floor_for(spec))
    out, want_out = nb.forward(params, inputs, steps=4), numpy_module.forward(params, inputs, steps=4)
    for key in want_out:
        np.testing.assert_allclose(out[key], want_out[key], rtol=1e-12, atol=1e-14)
    return nb


@pytest.mark.parametrize("name", RECURRENT)
def test_catalogue_spec_agrees_with_numpy_and_autograd(name):
    nb = _agree(catalogue.load(name), name.replace("-", "_"))
    assert nb._forward_loop is not None and nb._backward_loop is not None  # the loops really are kernels


@pytest.mark.parametrize("index", range(len(DRAWN)))
def test_drawn_spec_agrees_with_numpy_and_autograd(index):
    _agree(DRAWN[index], f"drawn{index}")


def test_the_loops_are_numba_kernels_citing_their_labels():
    import numba

    source = generate_numba(catalogue.load("lstm"))
    nb = _numba_module(catalogue.load("lstm"), "kernels")
    assert isinstance(nb._forward_loop, numba.core.registry.CPUDispatcher)
    assert "        C[t] = F[t] * C[t - 1] + I[t] * C_tilde[t]  # fwd:C:t\n" in source
    body = source.split("def _forward(")[1]
    assert "for t in range" not in body  # no loop over time left in Python


def test_source_is_byte_identical_run_to_run_and_numpy_output_unchanged():
    for name in ("lstm", "gru-torch", "deep-rnn"):
        spec = catalogue.load(name)
        assert generate_numba(spec) == generate_numba(spec)
    assert generate_numba(DRAWN[0]) == generate_numba(DRAWN[0])
    default = subprocess.run([sys.executable, "-m", "symrnn.cli", "codegen", "lstm", "--backend", "numpy"],
                             capture_output=True, text=True, check=True).stdout
    assert default == generate(catalogue.load("lstm"))


def test_non_recurrent_spec_is_refused_in_one_line():
    with pytest.raises(CodegenError, match="mlp-2-2-2 has no loop over time"):
        generate_numba(catalogue.load("mlp-2-2-2"))
    out = subprocess.run([sys.executable, "-m", "symrnn.cli", "codegen", "mlp-2-2-2", "--backend", "numba"],
                         capture_output=True, text=True, check=False)
    assert out.returncode == 2
    line = "symrnn: error: numba backend: mlp-2-2-2 has no loop over time to compile (not recurrent)"
    assert out.stderr.strip().splitlines() == [line]


def test_missing_numba_is_a_one_line_error(monkeypatch):
    real = numba_backend.importlib.util.find_spec
    monkeypatch.setattr(numba_backend.importlib.util, "find_spec", lambda n: None if n == "numba" else real(n))
    with pytest.raises(NumbaMissing, match="--backend numba needs numba"):
        generate_numba(catalogue.load("rnn-tanh"))


@pytest.mark.parametrize("source, what", [
    ("for t in range(1, T + 1):\n    s[t] = a[t].sum(keepdims=True)\n", "keyword argument keepdims="),
    ("for t in range(1, T + 1):\n    s[t] = _softmax(a[t])\n", "the helper _softmax()"),
    ("for t in range(1, T + 1):\n    s[t] = np.einsum('ij->i', a[t])\n", "np.einsum"),
    ("for t in range(1, T + 1):\n    s[t] = a[t].reshape(-1)\n", "the call a[t].reshape()"),
    ("for t in range(1, T + 1):\n    s[t] = a[t].real\n", "the attribute .real"),
])
def test_unsupported_loop_code_is_refused_naming_it(source, what):
    with pytest.raises(CodegenError, match=re.escape(f"numba backend: {what} is not supported")):
        loop_names(source, "test loop")


def test_loop_names_arguments_and_locals():
    names = loop_names("for t in range(T, 0, -1):\n    d_Z = d_H[t] * H[t - 1]\n    d_A[t] = _sigmoid(d_Z)\n", "x")
    assert names.reads == ("T", "d_H", "H", "d_A")
    assert names.binds == ("t", "d_Z")
    assert names.helpers == ("_sigmoid",)


@pytest.mark.parametrize("name", sorted(COMPILED_HELPERS))
def test_each_compiled_helper_compiles_and_matches_numpy(name):
    import numba

    from symrnn.codegen.runtime import HELPERS

    path = Path(_TMP.name) / f"helper{name}.py"  # the helper sources, as a module defines them
    path.write_text("import numpy as np\n\n\n" + "\n\n".join(HELPERS[n][1] for n in (*HELPERS[name][0], name)), "utf-8")
    plain, jitted = load_module(path, f"plain{name}"), load_module(path, f"jitted{name}")
    for needed in (*HELPERS[name][0], name):
        setattr(jitted, needed, numba.njit(getattr(jitted, needed)))
    x = np.linspace(-8, 8, 24).reshape(4, 6)[:, 1:5]  # a strided view, as a gate slice is
    x[0, 0], x[3, 3] = -40.0, 40.0  # where a naive exp would overflow
    # numba's tanh and exp may differ from NumPy's in the last bit: 1 - tanh(x)^2 then differs
    # by about 1e-16 absolute, which is all of a value near 1e-13
    np.testing.assert_allclose(getattr(jitted, name)(x), getattr(plain, name)(x), rtol=1e-12, atol=1e-15)
