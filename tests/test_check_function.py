"""Function input: a person's own NumPy BPTT, checked against the derivation on drawn inputs."""

from __future__ import annotations

import argparse
import textwrap

import numpy as np

from symrnn.check import check_function
from symrnn.commands import check as check_command


def tanh_rnn_bptt(params, data, transpose=True, mean=True):
    """A hand-written BPTT for rnn-tanh (column vectors, bias, mean over T), as a student would."""
    W_hx, W_hh, b_h, W_qh, b_q = (params[k] for k in ("W_hx", "W_hh", "b_h", "W_qh", "b_q"))
    xs, ys, T = data["x"], data["y"], data["T"]
    hs = [data["h_0"]]
    os_ = []
    for t in range(T):
        hs.append(np.tanh(W_hx @ xs[t] + W_hh @ hs[-1] + b_h))
        os_.append(W_qh @ hs[-1] + b_q)
    grads = {k: np.zeros_like(v) for k, v in params.items()}
    dh_next = np.zeros_like(hs[0])
    for t in reversed(range(T)):
        do = (os_[t] - ys[t]) / (T if mean else 1)
        grads["W_qh"] += do @ hs[t + 1].T
        grads["b_q"] += do
        dh = W_qh.T @ do + dh_next
        da = dh * (1 - hs[t + 1] ** 2)
        grads["W_hx"] += da @ xs[t].T
        grads["W_hh"] += da @ hs[t].T
        grads["b_h"] += da
        dh_next = (W_hh.T if transpose else W_hh) @ da
    return grads


def test_a_correct_function_is_accepted():
    v = check_function("rnn-tanh", tanh_rnn_bptt)
    assert v.correct, v.to_text()
    assert set(v.parameters) == {"W_hx", "W_hh", "b_h", "W_qh", "b_q"}
    assert v.draws == 3


def test_a_missing_transpose_is_caught_in_the_right_parameters():
    v = check_function("rnn-tanh", lambda p, d: tanh_rnn_bptt(p, d, transpose=False))
    assert v.status == "wrong"
    assert v.parameters["W_qh"]["status"] == "correct" and v.parameters["b_q"]["status"] == "correct"
    assert v.parameters["W_hh"]["status"] == "wrong" and v.parameters["W_hh"]["differ"]


def test_a_missing_mean_is_caught_everywhere():
    v = check_function("rnn-tanh", lambda p, d: tanh_rnn_bptt(p, d, mean=False))
    assert v.status == "wrong"
    assert all(info["status"] == "wrong" for info in v.parameters.values())


def test_errors_and_missing_keys_are_reported():
    def boom(params, data):
        raise ValueError("shapes do not align")

    v = check_function("rnn-tanh", boom)
    assert v.status == "error" and "ValueError" in v.message
    partial = check_function("rnn-tanh", lambda p, d: {"W_qh": tanh_rnn_bptt(p, d)["W_qh"]})
    assert partial.status == "wrong" and partial.parameters["W_hh"]["status"] == "missing"
    assert check_function("rnn-tanh", lambda p, d: 3).status == "error"


def test_calling_convention_for_row_notation_and_layers():
    seen = {}

    def spy(params, data):
        seen.update(params=params, data=data)
        return {}

    check_function("lstm", spy, draws=1)
    assert seen["data"]["X"].shape == (3, 2, 2) and "H_0" in seen["data"] and "C_0" in seen["data"]
    assert seen["params"]["b_i"].shape == (1, 2)
    check_function("deep-rnn", spy, draws=1)
    assert "W_hh_l2" in seen["params"] and "h_l2_0" in seen["data"]


def test_cli_check_function(tmp_path, capsys):
    module = tmp_path / "mine.py"
    module.write_text(textwrap.dedent(
        """
        import numpy as np

        def grads(params, data):
            W_hx, W_hh, W_qh = params["W_hx"], params["W_hh"], params["W_qh"]
            xs, ys, T = data["x"], data["y"], data["T"]
            hs = [data["h_0"]]
            for t in range(T):
                hs.append(W_hx @ xs[t] + W_hh @ hs[-1])
            g = {k: np.zeros_like(v) for k, v in params.items()}
            dh = np.zeros_like(hs[0])
            for t in reversed(range(T)):
                do = (W_qh @ hs[t + 1] - ys[t]) / T
                g["W_qh"] += do @ hs[t + 1].T
                dh = W_qh.T @ do + dh
                g["W_hx"] += dh @ xs[t].T
                g["W_hh"] += dh @ hs[t].T
                dh = W_hh.T @ dh
            return g
        """))
    parser = argparse.ArgumentParser()
    check_command.register(parser)
    assert check_command.run(parser.parse_args(["rnn-linear", "--function", f"{module}:grads"])) == 0
    assert "function verdict: correct" in capsys.readouterr().out
