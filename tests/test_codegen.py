"""Generated modules: golden files, determinism, structure, layout, dtypes, stability, tracebacks."""

from __future__ import annotations

import argparse
import ast
import dataclasses
import os
import re
import shutil
import subprocess
import sys
import traceback
import warnings
from pathlib import Path

import numpy as np
import pytest
from codegen_support import CATALOGUE, assert_grads_close, compiled

from symrnn import __version__
from symrnn.codegen.generate import compile_spec, generate, golden_dir, load_module, module_name
from symrnn.commands import codegen as codegen_command
from symrnn.core import catalogue
from symrnn.core.derive import derive
from symrnn.oracles import reference_gradients
from symrnn.oracles.reference import draw

GOLDEN = golden_dir()


def _golden_path(name: str) -> Path:
    return GOLDEN / f"{module_name(name)}.py"


# --------------------------------------------------------------------------- golden modules


@pytest.mark.parametrize("name", CATALOGUE)
def test_committed_module_is_fresh(name):
    path = _golden_path(name)
    assert path.exists(), f"{path.name} missing: run `symrnn codegen --all`"
    assert path.read_text(encoding="utf-8") == generate(catalogue.load(name)), (
        f"{path.name} is stale: regenerate with `symrnn codegen --all`"
    )


@pytest.mark.parametrize("name", CATALOGUE)
@pytest.mark.parametrize("B, T", [(1, 2), (4, 5)])
def test_committed_module_runs_and_matches_autograd(name, B, T):
    spec = catalogue.load(name)
    module = load_module(_golden_path(name), f"golden_{module_name(name)}")
    params, inputs, targets = draw(spec, B, T, np.random.default_rng(B * 10 + T), initial_state=spec.recurrent)
    steps = T if spec.recurrent else None
    loss, grads = module.gradients(params, inputs, targets, steps=steps)
    ref_loss, ref = reference_gradients(spec, params, inputs, targets, steps)
    assert loss == pytest.approx(ref_loss, rel=1e-10)
    assert_grads_close(grads, ref, 1e-8, name)


def test_codegen_all_check_reports_stale_modules(tmp_path, capsys):
    parser = argparse.ArgumentParser()
    codegen_command.register(parser)
    assert codegen_command.run(parser.parse_args(["--all", "--check", "--dir", str(tmp_path)])) == 1
    assert codegen_command.run(parser.parse_args(["--all", "--dir", str(tmp_path)])) == 0
    assert codegen_command.run(parser.parse_args(["--all", "--check", "--dir", str(tmp_path)])) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"{module_name(n)}.py" for n in CATALOGUE)
    capsys.readouterr()


def test_codegen_command_writes_the_generated_source(tmp_path):
    parser = argparse.ArgumentParser()
    codegen_command.register(parser)
    out = tmp_path / "lstm_module.py"
    assert codegen_command.run(parser.parse_args(["lstm", "-o", str(out), "--steps", "9"])) == 0
    assert out.read_text(encoding="utf-8") == generate(catalogue.load("lstm"))


# --------------------------------------------------------------------------- determinism and text


def test_output_is_byte_identical_across_processes():
    code = "import sys; from symrnn.core import catalogue; from symrnn.codegen.generate import generate; sys.stdout.write(generate(catalogue.load('gru-torch')))"
    texts = set()
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        texts.add(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True).stdout)
    texts.add(generate(catalogue.load("gru-torch")))
    assert len(texts) == 1


@pytest.mark.parametrize("name", CATALOGUE)
def test_provenance_header_without_timestamps(name):
    text = _golden_path(name).read_text(encoding="utf-8")
    head = text[:600]
    assert f"symrnn {__version__}" in head and f"spec {name}" in head
    assert not re.search(r"\d{4}-\d{2}-\d{2}|\d{2}:\d{2}:\d{2}", text)


@pytest.mark.parametrize("name", CATALOGUE)
def test_imports_only_numpy_and_the_standard_library(name):
    tree = ast.parse(_golden_path(name).read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add((node.module or "").split(".")[0])
    text = _golden_path(name).read_text(encoding="utf-8")
    assert imported == ({"numpy", "threading"} if "def _zeros(" in text else {"numpy"})  # threading: _zeros


def test_generated_modules_are_clean_under_ruff():
    ruff = shutil.which("ruff")
    assert ruff, "ruff is a test dependency (pip install -e .[test])"
    paths = [str(_golden_path(n)) for n in CATALOGUE]
    for extra in ([], ["--isolated"]):
        result = subprocess.run([ruff, "check", *extra, *paths], capture_output=True, text=True, check=False)
        assert result.returncode == 0, result.stdout + result.stderr


_LABEL = re.compile(r"#\s+((?:(?:fwd|adj|grad):[^\s,]+(?:, )?)+)\s*$")
_SHARED = re.compile(r"#\s+shared by ((?:(?:fwd|adj|grad):[^\s,]+(?:, )?)+)\s*$")


@pytest.mark.parametrize("name", CATALOGUE)
def test_every_statement_cites_an_equation_of_the_derivation(name):
    """One statement per forward node and adjoint contribution, each citing a real label; every
    generic equation (bar the inline constants dL/dE = 1) is implemented somewhere."""
    spec = catalogue.load(name)
    d = derive(spec)
    labels = {e.label for e in d.generic_forward + d.generic_adjoints + d.generic_gradients}
    text = _golden_path(name).read_text(encoding="utf-8")
    # the forward pass is written once, in _forward; forward() only calls it
    body = text[text.index("def _forward"):text.index("def forward(")] + text[text.index("def gradients"):]
    setup = re.compile(r"_param\(|_sizes\(|_batch\(|= _(sequence|initial|one_step|static)\(|_zeros\(\"\w+\", \(T \+ 2"
                       r"|^(inputs|targets|dtype|grads|B|outputs) = |= _forward\("
                       r"|^\w+ = \w+\[:, :, \d+:\d+\]$")  # a gate's view of its fusion's array
    cited = set()
    for line in body.splitlines():
        stripped = line.strip()
        is_statement = re.search(r" [-+]?= ", stripped) or stripped.startswith("np.matmul(")  # a product in place
        if not is_statement or stripped.startswith(("for ", "if ", "elif ", "return")):
            continue
        match = _LABEL.search(stripped)
        shared = _SHARED.search(stripped)
        if match:
            cited |= set(match.group(1).split(", "))
        elif shared:  # an activation computed once per step for several equations
            assert set(shared.group(1).split(", ")) <= labels, stripped
        else:
            assert setup.search(stripped), f"statement without a label: {stripped}"
    assert cited <= labels, cited - labels
    inline = {e.label for e in d.generic_adjoints if type(e.rhs).__name__ == "Const"}
    assert labels - inline <= cited, (labels - inline) - cited


@pytest.mark.parametrize("name", [n for n in CATALOGUE if catalogue.load(n).recurrent])
def test_recurrent_modules_loop_over_time(name):
    text = _golden_path(name).read_text(encoding="utf-8")
    assert "for t in range(1, T + 1):" in text and "for t in range(T, 0, -1):" in text
    assert "(B, T, " in text  # the layout is documented


def test_boundary_case_is_a_branch_of_the_reversed_loop():
    text = generate(catalogue.load("rnn-tanh"), hoist=False)
    assert "if t == T:\n            d_h[T] = d_o[T] @ W_qh  # adj:h:T" in text
    assert "d_h[t] = d_a[t + 1] @ W_hh  # adj:h:t\n            d_h[t] += d_o[t] @ W_qh  # adj:h:t" in text


def test_loop_free_parts_are_computed_for_every_step_at_once():
    text = _golden_path("rnn-tanh").read_text(encoding="utf-8")
    """The loop-free product is one GEMM over the steps stacked as rows, written in place (no
    temporary of every step for the product nor for its sum with the bias)."""
    assert ("    np.matmul(_steps(x, 1, T), W_hx.T, out=_steps(a, 1, T))  # fwd:a:t\n"
            "    _steps(a, 1, T)[:] += b_h.T  # fwd:a:t\n    for t in range(1, T + 1):\n") in text
    assert "        a[t] += h[t - 1] @ W_hh.T  # fwd:a:t\n" in text
    assert "    np.matmul(_steps(d_o, 1, T), W_qh, out=_steps(d_h, 1, T))  # adj:h:T, adj:h:t\n" in text
    assert "        if t <= T - 1:\n            d_h[t] += d_a[t + 1] @ W_hh  # adj:h:t\n" in text


@pytest.mark.parametrize("name", CATALOGUE)
def test_unhoisted_module_computes_the_same_gradients(name, tmp_path):
    spec = catalogue.load(name)
    plain = compile_spec(spec, tmp_path, hoist=False)
    params, inputs, targets = draw(spec, 3, 4, np.random.default_rng(1), initial_state=spec.recurrent)
    steps = 4 if spec.recurrent else None
    loss, grads = plain.gradients(params, inputs, targets, steps=steps)
    hoisted_loss, hoisted = compiled(spec).gradients(params, inputs, targets, steps=steps)
    assert loss == pytest.approx(hoisted_loss, rel=1e-12)
    assert_grads_close(grads, hoisted, 1e-10, name)


# --------------------------------------------------------------------------- run-time behaviour


@pytest.mark.parametrize("name", ["rnn-tanh", "lstm", "gru-torch", "gru-d2l", "deep-rnn"])
def test_float32_in_float32_out(name):
    spec = catalogue.load(name)
    module = compiled(spec)
    params, inputs, targets = draw(spec, 3, 4, np.random.default_rng(0))
    _, grads64 = module.gradients(params, inputs, targets)
    p32 = {k: v.astype(np.float32) for k, v in params.items()}
    loss32, grads32 = module.gradients(p32, {k: v.astype(np.float32) for k, v in inputs.items()},
                                       {k: v.astype(np.float32) for k, v in targets.items()})
    assert np.asarray(loss32).dtype == np.float32
    for key in grads64:
        assert grads32[key].dtype == np.float32
        np.testing.assert_allclose(grads32[key], grads64[key], rtol=2e-3, atol=2e-4)


@pytest.mark.parametrize("name, loss", [("rnn-tanh", "softmax_ce"), ("lstm", "softmax_ce"), ("gru-torch", "half_sq"),
                                        ("gru-d2l", "softmax_ce"), ("mlp-2-2-2", None)])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_no_overflow_for_large_inputs(name, loss, dtype):
    spec = catalogue.load(name)
    if loss:
        spec = dataclasses.replace(spec, loss=loss)
    module = compiled(spec)
    params, inputs, targets = draw(spec, 2, 3, np.random.default_rng(1), scale=30.0)
    inputs = {k: (v * 1e3).astype(dtype) for k, v in inputs.items()}
    params = {k: v.astype(dtype) for k, v in params.items()}
    targets = {k: v.astype(dtype) for k, v in targets.items()}
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")
        loss_value, grads = module.gradients(params, inputs, targets, steps=3 if spec.recurrent else None)
    assert np.asarray(loss_value).dtype == dtype
    assert np.isfinite(loss_value) and all(np.all(np.isfinite(g)) for g in grads.values())


def test_batch_and_steps_are_free_at_run_time():
    spec = catalogue.load("lstm")
    module = compiled(spec)
    for B, T in [(1, 1), (5, 2), (2, 9)]:
        params, inputs, targets = draw(spec, B, T, np.random.default_rng(B + T))
        out = module.forward(params, inputs, targets)
        assert out["Yhat"].shape == (B, T, spec.output_size)
        _, ref = reference_gradients(spec, params, inputs, targets, T)
        assert_grads_close(module.gradients(params, inputs, targets)[1], ref, 1e-8, f"B={B} T={T}")


def test_bare_arrays_for_the_main_input_and_target():
    spec = catalogue.load("rnn-tanh")
    module = compiled(spec)
    params, inputs, targets = draw(spec, 2, 3, np.random.default_rng(2))
    assert module.gradients(params, inputs["x"], targets["y"])[0] == module.gradients(params, inputs, targets)[0]


def test_many_to_one_and_one_to_many_layouts():
    base = catalogue.load("rnn-tanh")
    m2o = compiled(dataclasses.replace(base, shape="many-to-one"))
    assert m2o.TARGETS == {"y": "last"}
    o2m = compiled(dataclasses.replace(base, shape="one-to-many"))
    assert o2m.INPUTS["x"] == "first"
    params, inputs, _ = draw(dataclasses.replace(base, shape="one-to-many"), 2, 4, np.random.default_rng(0))
    with pytest.raises(ValueError, match="steps"):
        o2m.forward(params, inputs)
    assert o2m.forward(params, inputs, steps=4)["o"].shape == (2, 4, 2)


def test_tracebacks_point_at_real_lines(tmp_path):
    path = tmp_path / "rnn_tanh.py"
    path.write_text(generate(catalogue.load("rnn-tanh")), encoding="utf-8")
    module = load_module(path, "traceback_probe")
    params, inputs, targets = draw(catalogue.load("rnn-tanh"), 2, 3, np.random.default_rng(0))
    params["W_hh"] = np.zeros((3, 3))
    with pytest.raises(ValueError) as info:
        module.gradients(params, inputs, targets)
    frames = [f for f in traceback.extract_tb(info.value.__traceback__) if f.filename == str(path)]
    assert frames and all(f.line for f in frames)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert all(lines[f.lineno - 1].strip() == f.line for f in frames)


def test_wrong_parameter_shape_names_the_parameter():
    module = compiled(catalogue.load("gru-torch"))
    params, inputs, targets = draw(catalogue.load("gru-torch"), 2, 3, np.random.default_rng(0))
    params["b_hn"] = params["b_hn"].T
    with pytest.raises(ValueError, match="b_hn"):
        module.gradients(params, inputs, targets)


@pytest.mark.parametrize("name", ["rnn-tanh", "lstm", "gru-torch", "mlp-2-2-2"])
def test_arguments_are_checked_by_default_and_after_a_fast_call(name):
    """Issue 14: ``check_inputs=False`` skips the argument checks (a training loop's fast path) and
    computes the same loss and gradients; the default, before and after a fast call, still checks."""
    spec = catalogue.load(name)
    module = load_module(_golden_path(name), f"checks_{module_name(name)}")
    steps = 3 if spec.recurrent else None
    params, inputs, targets = draw(spec, 2, 3, np.random.default_rng(5), initial_state=spec.recurrent)
    loss, grads = module.gradients(params, inputs, targets, steps=steps)
    fast_loss, fast = module.gradients(params, inputs, targets, steps=steps, check_inputs=False)
    assert fast_loss == loss and all(np.array_equal(fast[k], grads[k]) for k in grads)
    assert module.forward(params, inputs, steps=steps, check_inputs=False).keys() == module.forward(params, inputs, steps=steps).keys()
    key = next(iter(params))
    wrong = {**params, key: np.zeros((7, 7))}
    lists = {k: v.tolist() for k, v in params.items()}
    assert module.gradients(lists, inputs, targets, steps=steps)[0] == pytest.approx(loss, rel=1e-15)  # converted
    with pytest.raises(ValueError, match=f"parameter {key!r} has shape"):
        module.gradients(wrong, inputs, targets, steps=steps)
    with pytest.raises(KeyError, match="missing parameter"):
        module.gradients({k: v for k, v in params.items() if k != key}, inputs, targets, steps=steps)
    main = next(iter(module.INPUTS))
    bad = {**inputs, main: np.zeros((2, 3, 7) if spec.recurrent else (2, 7))}
    with pytest.raises(ValueError, match=repr(main)):
        module.gradients(params, bad, targets, steps=steps)


# --------------------------------------------------------------------------- fused gates (issue 14)


def _loop_body(text: str, header: str) -> str:
    """The lines of the first loop with this header (indented deeper than it)."""
    lines = text[text.rindex("\n", 0, text.index(header)) + 1:].splitlines()
    indent = len(lines[0]) - len(lines[0].lstrip())
    body = []
    for line in lines[1:]:
        if line.strip() and len(line) - len(line.lstrip()) <= indent:
            break
        body.append(line)
    return "\n".join(body)


def _loop_bodies(text: str) -> tuple[str, str]:
    return _loop_body(text, "for t in range(1, T + 1):"), _loop_body(text, "for t in range(T, 0, -1):")


@pytest.mark.parametrize("name, gates", [("lstm", "ifoc"), ("gru-torch", "rz"), ("gru-d2l", "rz")])
def test_gates_sharing_h_take_one_product_per_step(name, gates):
    """The recurrent part of the gates is one product per step, forward and backward: the gates'
    pre-activations are views of one array and their weights are concatenated once per call."""
    text = _golden_path(name).read_text(encoding="utf-8")
    forward, backward = _loop_bodies(text)
    assert f"A_{gates}[t] += H[t - 1] @ W_h_{gates}  # " + ", ".join(f"fwd:A_{g}:t" for g in gates) in forward
    assert f"d_H[t] += d_A_{gates}[t + 1] @ W_h_{gates}.T  # adj:H:t" in backward
    for g in gates:
        assert f"@ W_h{g}" not in forward and f"@ W_h{g}.T" not in backward
        assert f"A_{g} = A_{gates}[:, :, " in text and f"d_A_{g} = d_A_{gates}[:, :, " in text
    if name == "lstm":  # nothing else in its loops multiplies matrices
        assert forward.count(" @ ") == 1 and backward.count(" @ ") == 1


def test_column_notation_gates_fuse_along_the_rows_and_match_the_oracle(tmp_path):
    from symrnn.core.spec import RNNSpec

    spec = RNNSpec(name="col-lstm", cell="lstm", input_size=3, hidden_size=4, output_size=2, notation="column",
                   activation="tanh", steps=4)
    source = generate(spec)
    assert "W_ifoc_h = np.concatenate((W_ih, W_fh, W_oh, W_ch), axis=0)" in source
    assert "a_ifoc[t] += h[t - 1] @ W_ifoc_h.T" in source and "d_h[t] += d_a_ifoc[t + 1] @ W_ifoc_h  #" in source
    module = compile_spec(spec, tmp_path)
    params, inputs, targets = draw(spec, 3, 4, np.random.default_rng(1), initial_state=True)
    loss, grads = module.gradients(params, inputs, targets)
    ref_loss, ref = reference_gradients(spec, params, inputs, targets, 4)
    assert loss == pytest.approx(ref_loss, rel=1e-12)
    assert_grads_close(grads, ref)


def test_a_product_is_written_in_place_only_into_an_array_it_does_not_read():
    """``np.matmul(S, W, out=view)`` with the view inside S would read what it overwrites."""
    from symrnn.codegen.planner import _step_product
    from symrnn.core import ir
    from symrnn.printing.numpy_code import NumPyCodePrinter, TimeMode

    mode = TimeMode("flat", ir.t_SYM, 1, ir.T_SYM)
    product = ir.MatMul(ir.Var("A", (2, 3), "node", time=ir.t_SYM), ir.Var("W", (3, 3), "param"))
    term = ir.add(product, ir.Var("b", (2, 3), "param"))
    printer = NumPyCodePrinter(mode)
    assert _step_product(printer, term, mode, "_steps(B, 1, T)[:]") == product
    assert _step_product(printer, term, mode, "_steps(A, 1, T)[:]") is None
    assert _step_product(printer, term, TimeMode(), "B[t]") is None  # one step: an ordinary statement


def test_generated_sigmoid_is_one_capped_exp_and_one_division():
    """One expression, fast on both machines measured (benchmarks/README.md): np.tanh costs 1.3 ns an
    element on the Intel Xeon (AVX-512) but 36 ns on the AMD EPYC (no AVX-512), so the sigmoid is not
    0.5 tanh(x / 2) + 0.5; capping exp's argument at 80 (float32 holds exp(80)) replaces the where of
    the -|x| form (6.0 -> 2.1 ns an element, 3.3 -> 1.7 us a call at (1, 2), on the Xeon)."""
    text = _golden_path("lstm").read_text(encoding="utf-8")
    helper = text[text.index("def _sigmoid(x):"):text.index("\n\n\n", text.index("def _sigmoid(x):"))]
    code = helper.split('"""')[-1]
    assert code.count("np.exp(") == 1 and code.count(" / ") == 1 and "tanh" not in code and "where" not in code
    module = load_module(_golden_path("lstm"), "lstm_sigmoid_probe")
    x = np.array([-800.0, -40.0, -1.0, 0.0, 1.0, 40.0, 800.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow anywhere
        s = module._sigmoid(x)
    exact = np.array([0.0, 4.248354255291589e-18, 0.2689414213699951, 0.5, 0.7310585786300049, 1.0, 1.0])
    # relative precision down to -80 (here -40); below, sigmoid(-80) = 1.8e-35, which float32 holds too
    assert 0 < s[0] < 1.9e-35 and np.allclose(s[1:], exact[1:], rtol=1e-15, atol=0)


def test_gru_keeps_h_times_w_hn_from_the_forward_pass():
    """torch's GRU reads H_{t-1} W_hn (+ b_hn) in fwd:A_n:t and in adj:R:t: computed once, forward."""
    text = _golden_path("gru-torch").read_text(encoding="utf-8")
    forward, backward = _loop_bodies(text)
    assert "H_W_hn[t] = H[t - 1] @ W_hn  # shared by fwd:A_n:t, adj:R:t" in forward
    assert "d_R = d_A_n[t] * (H_W_hn[t] + b_hn)  # adj:R:t" in backward
    assert "H[t - 1] @ W_hn" not in backward
