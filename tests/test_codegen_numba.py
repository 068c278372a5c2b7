"""``symrnn codegen --backend numba``: the same gradients as the NumPy module and as autograd.

Every recurrent catalogue spec and a few fixed drawn-style specs (every cell, the four sequence
shapes, stacked layers, softmax cross-entropy, column and row notation, other activations): the
numba module's loss and gradients, by the checked call and by the fast path, equal the NumPy
module's to 1e-12 and HIPS autograd's (:func:`symrnn.oracles.reference.reference_gradients`) to
1e-8, in float64, and float32 in gives float32 out. Each rewrite of a statement over every step
(:func:`symrnn.printing.numba_code.numba_code`) computes what the NumPy statement computes, through
the compiled helpers. Each compile takes seconds, so the specs are a fixed short list, not
hypothesis draws. Without numba the module is skipped locally and fails in CI (env CI set), like
the torch tests.
"""

from __future__ import annotations

import ast
import dataclasses
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest

from symrnn.codegen import numba_backend
from symrnn.codegen.generate import compile_spec, generate, load_module, module_name, plan
from symrnn.codegen.numba_backend import NumbaMissing, generate_numba
from symrnn.codegen.numba_passes import plan_numba
from symrnn.codegen.numba_runtime import NUMBA_HELPERS, compiled_source
from symrnn.codegen.program import Block, Branch, Statement
from symrnn.codegen.runtime import HELPERS
from symrnn.core import catalogue
from symrnn.core.derive import GENERIC_STEPS, derive
from symrnn.core.spec import RNNSpec, with_steps
from symrnn.oracles.reference import draw, reference_gradients
from symrnn.printing.numba_code import COMPILED_HELPERS, code_names, numba_code
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


def _agree(spec, tag, initial_state=False):
    nb = _numba_module(spec, tag)
    numpy_module = compile_spec(spec, Path(_TMP.name))
    params, inputs, targets = draw(spec, 3, 4, np.random.default_rng(7), initial_state=initial_state)
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
    _agree(catalogue.load(name), name.replace("-", "_"), initial_state=True)


@pytest.mark.parametrize("index", range(len(DRAWN)))
def test_drawn_spec_agrees_with_numpy_and_autograd(index):
    _agree(DRAWN[index], f"drawn{index}")


def test_every_statement_is_compiled_and_cites_its_label():
    import numba

    nb = _numba_module(catalogue.load("lstm"), "passes")
    source = Path(nb.__file__).read_text(encoding="utf-8")
    for name in ("_forward_pass", "_loss_pass", "_backward_pass", "_gradients_pass", "_steps"):
        assert isinstance(getattr(nb, name), numba.core.registry.CPUDispatcher), name
    assert "        C[t] = F[t] * C[t - 1] + I[t] * C_tilde[t]  # fwd:C:t\n" in source
    assert "    d_W_xi = _steps(X, 1, T).T @ _steps(d_A_i, 1, T)  # grad:W_xi\n" in source
    assert "    _set_steps(A_i, 1, T, _steps(X, 1, T) @ W_xi)  # fwd:A_i:t\n" in source
    tree = ast.parse(source)
    compiled = [(f.lineno, f.end_lineno) for f in tree.body if isinstance(f, ast.FunctionDef)
                and any(ast.unparse(d) == "njit(cache=False)" for d in f.decorator_list)]
    cited = [i for i, line in enumerate(source.splitlines(), 1) if re.search(r"  # (fwd|adj|grad|shared by) ?", line)]
    assert len(cited) > 40
    assert all(any(lo <= i <= hi for lo, hi in compiled) for i in cited)  # no statement of the passes in Python
    python = {f.name: f for f in tree.body if isinstance(f, ast.FunctionDef)}
    assert not [n for f in ("gradients", "_arguments") for n in ast.walk(python[f]) if isinstance(n, (ast.For, ast.BinOp))]
    assert not [n for n in ast.walk(python["forward"]) if isinstance(n, (ast.For, ast.MatMult))]


def test_checked_call_refuses_bad_arguments_with_the_numpy_modules_messages():
    spec = catalogue.load("lstm")
    nb, numpy_module = _numba_module(spec, "messages"), compile_spec(spec, Path(_TMP.name))  # refused before compiling
    params, inputs, targets = draw(spec, 2, 3, np.random.default_rng(1))
    bad = [({**params, "W_hi": np.zeros((3, 2))}, inputs, targets, {}),
           ({k: v for k, v in params.items() if k != "b_q"}, inputs, targets, {}),
           (params, {"X": np.zeros((2, 3, 5))}, targets, {}),
           (params, inputs, {"Y": np.zeros((2, 4, 2))}, {}),
           (params, inputs, targets, {"steps": 5})]
    for args in bad:
        with pytest.raises((KeyError, ValueError)) as want:
            numpy_module.gradients(*args[:3], **args[3])
        with pytest.raises(want.type, match=re.escape(str(want.value.args[0]))):
            nb.gradients(*args[:3], **args[3])


@pytest.mark.parametrize("name", ["rnn-tanh", "lstm", "gru-torch"])
def test_float32_in_float32_out(name):
    spec = catalogue.load(name)
    nb = _numba_module(spec, f"f32_{module_name(name)}")
    params, inputs, targets = draw(spec, 3, 4, np.random.default_rng(0))
    loss64, grads64 = compile_spec(spec, Path(_TMP.name)).gradients(params, inputs, targets)  # NumPy, float64
    p32, i32, t32 = ({k: v.astype(np.float32) for k, v in d.items()} for d in (params, inputs, targets))
    for check in (True, False):
        loss32, grads32 = nb.gradients(p32, i32, t32, check_inputs=check)
        assert np.asarray(loss32).dtype == np.float32 and loss32 == pytest.approx(loss64, rel=1e-5)
        for key in grads64:
            assert grads32[key].dtype == np.float32, key
            np.testing.assert_allclose(grads32[key], grads64[key], rtol=2e-3, atol=2e-4)
    assert nb.forward(p32, i32, t32)["L"].dtype == np.float32


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


@pytest.mark.parametrize("statement, message", [
    (("x", "=", "x + 1.0"), "the forward pass binds x again, which it is given"),
    (("h[1]", "=", "q[1]"), "the forward pass reads q, which nothing before it binds"),
])
def test_a_pass_that_cannot_be_cut_is_refused_in_one_line(statement, message):
    program = plan(derive(with_steps(catalogue.load("rnn-tanh"), GENERIC_STEPS)), workspace=False)
    extra = Block(None, (Branch(None, (Statement(*statement),)),))
    with pytest.raises(CodegenError, match=re.escape(f"numba backend: {message}")):
        plan_numba(dataclasses.replace(program, forward=(*program.forward, extra)))


def test_missing_numba_is_a_one_line_error(monkeypatch):
    real = numba_backend.importlib.util.find_spec
    monkeypatch.setattr(numba_backend.importlib.util, "find_spec", lambda n: None if n == "numba" else real(n))
    with pytest.raises(NumbaMissing, match="--backend numba needs numba"):
        generate_numba(catalogue.load("rnn-tanh"))


@pytest.mark.parametrize("source, what", [
    ("for t in range(1, T + 1):\n    s[t] = a[t].sum(keepdims=True)\n", "keyword argument keepdims="),
    ("for t in range(1, T + 1):\n    s[t] = _sizes(a[t])\n", "the helper _sizes()"),
    ("for t in range(1, T + 1):\n    s[t] = np.einsum('ij->i', a[t])\n", "np.einsum"),
    ("for t in range(1, T + 1):\n    s[t] = a[t].reshape(-1)\n", "the call a[t].reshape()"),
    ("for t in range(1, T + 1):\n    s[t] = a[t].real\n", "the attribute .real"),
    ("s = np.concatenate((a, b), out=c)\n", "keyword argument out="),
])
def test_unsupported_code_is_refused_naming_it(source, what):
    with pytest.raises(CodegenError, match=re.escape(f"numba backend: {what} is not supported")):
        code_names(source, "test pass")


def test_code_names_arguments_and_locals():
    names = code_names("for t in range(T, 0, -1):\n    d_Z = d_H[t] * H[t - 1]\n    d_A[t] = _sigmoid(d_Z)\n", "x")
    assert names.reads == ("T", "d_H", "H", "d_A")
    assert names.binds == ("t", "d_Z")
    assert names.helpers == ("_sigmoid",)


REWRITES = [  # (NumPy module statement, numba module statement)
    ("np.matmul(_steps(X, 1, T), W, out=_steps(A, 1, T))", "_set_steps(A, 1, T, _steps(X, 1, T) @ W)"),
    ("np.matmul(_steps(X, 1, T), W.T, out=_steps(G, 1, T))", "_set_steps(G, 1, T, _steps(X, 1, T) @ W.T)"),
    ("_steps(G, 1, T)[:] += b", "_add_steps(G, 1, T, b)"),
    ("_steps(A, 1, T)[:] -= b.T.T", "_sub_steps(A, 1, T, b.T.T)"),
    ("_steps(G, 2, T)[:] = (1/T) * (_steps(A, 1, T - 1) - _steps(X, 2, T))",
     "_set_steps(G, 2, T, (1/T) * (_steps(A, 1, T - 1) - _steps(X, 2, T)))"),
    ("d_b = _steps(G, 1, T).sum(axis=0, keepdims=True).T", "d_b = _sum_rows(_steps(G, 1, T)).T"),
    ("d_w = (A[T] * X[T]).sum(axis=0, keepdims=True)", "d_w = _sum_rows(A[T] * X[T])"),
    ("d_W = _steps(X, 0, T - 1).T @ _steps(G, 1, T)", "d_W = _steps(X, 0, T - 1).T @ _steps(G, 1, T)"),
    ("_steps(A, 1, T)[:] = _softmax(_steps(X, 1, T)) * np.sum(_steps(G, 1, T), axis=-1, keepdims=True) - _steps(A, 1, T)",
     "_set_steps(A, 1, T, _softmax(_steps(X, 1, T)) * _sum_cols(_steps(G, 1, T)) - _steps(A, 1, T))"),
    ("L = (1/T) * _softmax_ce(_steps(X, 1, T), _steps(A, 1, T)) + _half_sq(G[T], A[T])",
     "L = (1/T) * _softmax_ce(_steps(X, 1, T), _steps(A, 1, T)) + _half_sq(G[T], A[T])"),
]


_STEP_HELPERS = ("_steps", "_set_steps", "_add_steps", "_sub_steps", "_sum_rows", "_sum_cols", "_softmax",
                 "_log_softmax", "_softmax_ce", "_half_sq")


def _run(statement: str, compiled: bool, tag: str) -> dict:
    """``statement`` run in a module with NumPy's helpers or the compiled ones, on arrays as a generated
    module holds them (G a gate's view of a fused array): the arrays and names afterwards."""
    import numba

    names = [n for n in _STEP_HELPERS if compiled or n in HELPERS]
    sources = [(compiled_source(n) if compiled else HELPERS[n])[1] for n in names]
    run = f"def run(T, X, A, G, W, b, fused):\n    {statement}\n    return dict(locals())\n"
    path = Path(_TMP.name) / f"rewrite_{tag}_{compiled}.py"
    path.write_text("import numpy as np\n\n\n" + "\n\n".join([*sources, run]), "utf-8")
    module = load_module(path, f"rewrite_{tag}_{compiled}")
    for name in names if compiled else ():
        setattr(module, name, numba.njit(getattr(module, name)))
    rng = np.random.default_rng(3)
    T, B = 4, 3
    fused = rng.normal(size=(T + 2, B, 5))
    return module.run(T, rng.normal(size=(T + 2, B, 2)), rng.normal(size=(T + 2, B, 2)), fused[:, :, 1:3],
                      rng.normal(size=(2, 2)), rng.normal(size=(1, 2)), fused)


@pytest.mark.parametrize("index", range(len(REWRITES)))
def test_each_rewrite_computes_what_the_numpy_statement_does(index):
    numpy_statement, numba_statement = REWRITES[index]
    assert numba_code(numpy_statement) == numba_statement
    want, got = _run(numpy_statement, False, str(index)), _run(numba_statement, True, str(index))
    assert sorted(got) == sorted(want)
    for name in want:
        np.testing.assert_allclose(got[name], want[name], rtol=1e-13, atol=1e-15, err_msg=name)


def test_a_form_over_steps_numba_cannot_compile_is_refused():
    with pytest.raises(CodegenError, match=re.escape("numba backend: keyword argument axis=")):
        code_names(numba_code("d_b = _steps(G, 1, T).sum(axis=1, keepdims=True)"), "test")


def _helper_module(name: str, compiled: bool):
    """The helper ``name`` and those it calls, as a module defines them: NumPy's, or the compiled form."""
    import numba

    source = compiled_source if compiled else HELPERS.__getitem__
    needed = (*source(name)[0], name)
    path = Path(_TMP.name) / f"helper{name}_{compiled}.py"
    path.write_text("import numpy as np\n\n\n" + "\n\n".join(source(n)[1] for n in needed), "utf-8")
    module = load_module(path, f"helper{name}_{compiled}")
    if compiled:
        for n in needed:
            setattr(module, n, numba.njit(getattr(module, n)))
    return module


@pytest.mark.parametrize("name", sorted((COMPILED_HELPERS & set(HELPERS)) - {"_steps"}))  # _steps: REWRITES
def test_each_compiled_helper_compiles_and_matches_numpy(name):
    x = np.linspace(-8, 8, 24).reshape(4, 6)[:, 1:5]  # a strided view, as a gate slice is
    x[0, 0], x[3, 3] = -40.0, 40.0  # where a naive exp would overflow
    args = (x, np.abs(x[::-1]) / 8) if name in ("_half_sq", "_softmax_ce") else (x,)
    got = getattr(_helper_module(name, True), name)(*args)
    want = getattr(_helper_module(name, False), name)(*args)
    # numba's tanh and exp may differ from NumPy's in the last bit: 1 - tanh(x)^2 then differs
    # by about 1e-16 absolute, which is all of a value near 1e-13
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)
    assert (name in NUMBA_HELPERS) == (compiled_source(name) != HELPERS[name])  # NumPy's source unless rewritten
