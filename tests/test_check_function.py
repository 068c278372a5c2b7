"""Function input: a person's own NumPy BPTT, checked against the derivation on drawn inputs."""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

from symrnn.check import check_function, sandbox
from symrnn.check.function import check_function_file, function_file
from symrnn.commands import check as check_command
from symrnn.core.errors import SymrnnError


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


# --- a person's file, run in its own bounded process (symrnn check --function) ---------------------

LINEAR = textwrap.dedent(
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
    """)


def _file(tmp_path, body: str, name: str = "mine.py"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


def _run(tmp_path, body: str, **kwargs):
    kwargs.setdefault("draws", 1)
    return check_function_file("rnn-linear", _file(tmp_path, body), "grads", **kwargs)


def test_a_correct_file_is_accepted_in_its_own_process(tmp_path):
    v = _run(tmp_path, LINEAR, draws=3)
    assert v.correct, v.to_text()
    assert v.draws == 3 and set(v.parameters) == {"W_hx", "W_hh", "W_qh"}
    assert v.isolation.startswith("isolation: ")


def test_nan_and_inf_gradients_are_wrong(tmp_path):
    v = _run(tmp_path, LINEAR + "\n_g = grads\ndef grads(p, d):\n    g = _g(p, d)\n    g['W_hh'][0, 0] = float('nan')\n"
             "    g['W_qh'][1, 1] = float('inf')\n    return g\n")
    assert v.status == "wrong"
    assert v.parameters["W_hh"]["status"] == "wrong" and "finite" in v.parameters["W_hh"]["message"]
    assert v.parameters["W_qh"]["status"] == "wrong" and v.parameters["W_hx"]["status"] == "correct"
    inproc = check_function("rnn-tanh", lambda p, d: {k: np.full_like(a, np.nan) for k, a in tanh_rnn_bptt(p, d).items()})
    assert inproc.status == "wrong"


@pytest.mark.parametrize("body", [
    "import sys\nsys.exit(0)\n",
    "import sys\ndef grads(p, d):\n    sys.exit(0)\n",
    "import os\ndef grads(p, d):\n    os._exit(0)\n",
    "import os, signal\ndef grads(p, d):\n    os.kill(os.getpid(), signal.SIGSEGV)\n",
])
def test_an_exit_without_a_result_is_an_error_verdict(tmp_path, body):
    v = _run(tmp_path, body)
    assert v.status == "error", v.to_text()
    assert v.message and "\n" not in v.message


@pytest.mark.parametrize("body", [
    # SIGALRM ignored, every exception caught, and a loop inside C code: only the CPU limit stops them
    ("import signal\nsignal.signal(signal.SIGALRM, signal.SIG_IGN)\n"
     "signal.signal(signal.SIGXCPU, signal.SIG_IGN)\n"
     "def grads(p, d):\n    while True:\n        try:\n            pass\n        except BaseException:\n            pass\n"),
    "import itertools\ndef grads(p, d):\n    return sum(itertools.repeat(1))\n",
    "while True:\n    pass\n",
])
def test_a_function_that_never_returns_is_killed_at_its_cpu_limit(tmp_path, body):
    start = time.monotonic()
    v = _run(tmp_path, body, cpu=1, wall=20)
    assert v.status == "timeout" and "CPU time limit" in v.message, v.to_text()
    assert time.monotonic() - start < 15


def test_a_sleeping_function_is_killed_at_the_wall_clock_limit(tmp_path):
    start = time.monotonic()
    v = _run(tmp_path, "import time\ndef grads(p, d):\n    time.sleep(60)\n", wall=2)
    assert v.status == "timeout" and "wall-clock" in v.message
    assert time.monotonic() - start < 10


def test_memory_is_bounded(tmp_path):
    v = _run(tmp_path, "import numpy as np\ndef grads(p, d):\n    return {'W_hh': np.ones(10**10)}\n")
    assert v.status == "error" and "MemoryError" in v.message, v.to_text()


def test_the_file_cannot_patch_the_tolerance_or_find_the_true_gradients(tmp_path):
    v = _run(tmp_path, """
        import gc, sys
        import numpy as np
        def grads(p, d):
            try:
                import symrnn.check.function as f
                f.RTOL = 1e300
            except ImportError:
                pass
            frame, seen = sys._getframe(), []
            while frame is not None:
                seen += [v for v in frame.f_locals.values() if isinstance(v, dict) and 'W_hh' in v and v is not p]
                frame = frame.f_back
            seen += [o for o in gc.get_objects() if isinstance(o, dict) and 'W_hh' in o and o is not p]
            return seen[0] if seen else {k: np.zeros_like(a) for k, a in p.items()}
        """)
    assert v.status == "wrong", v.to_text()
    assert all(info["status"] == "wrong" for info in v.parameters.values())


def test_a_file_without_py_suffix_is_a_one_line_error(tmp_path):
    path = tmp_path / "mine.txt"
    path.write_text(LINEAR, encoding="utf-8")
    with pytest.raises(SymrnnError, match=r"\.py file"):
        function_file(f"{path}:grads")
    with pytest.raises(SymrnnError, match="FILE.py:NAME"):
        function_file(str(tmp_path / "mine.py"))
    with pytest.raises(SymrnnError, match="no such file"):
        function_file(f"{tmp_path}/missing.py:grads")
    fifo = tmp_path / "fifo.py"
    os.mkfifo(fifo)
    with pytest.raises(SymrnnError, match="regular file"):
        function_file(f"{fifo}:grads")


def test_an_object_whose_array_raises_gets_a_one_line_error(tmp_path):
    v = _run(tmp_path, """
        class Evil:
            def __array__(self, *a, **k):
                raise RuntimeError("no\\nway")
        def grads(p, d):
            return {k: Evil() for k in p}
        """)
    assert v.status == "error" and "RuntimeError" in v.message, v.to_text()
    assert all("\n" not in line for line in [v.message]) and len(v.to_text().splitlines()) == 6
    inproc = check_function("rnn-tanh", lambda p, d: {"W_hh": type("E", (), {"__array__": lambda *a, **k: 1 / 0})()})
    assert inproc.status == "error" and "ZeroDivisionError" in inproc.message


def test_isolation_is_stated_plainly_when_bubblewrap_is_unavailable(tmp_path, monkeypatch):
    monkeypatch.setattr(sandbox, "bubblewrap", lambda: (False, "bwrap is not installed"))
    v = _run(tmp_path, LINEAR)
    assert v.correct
    assert v.isolation == "isolation: rlimits only (bubblewrap unavailable: bwrap is not installed)"
    assert "isolation: rlimits only" in v.to_text()


def test_under_bubblewrap_no_network_and_no_other_file(tmp_path):
    usable, why = sandbox.bubblewrap()
    secret = tmp_path / "secret.txt"
    secret.write_text("42", encoding="utf-8")
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    port = server.getsockname()[1]
    body = f"""
        import socket
        import numpy as np
        def grads(p, d):
            out = {{k: np.zeros_like(a) for k, a in p.items()}}
            try:
                open({str(secret)!r}).read()
                out['W_hh'] += 1000
            except OSError:
                pass
            try:
                socket.create_connection(('127.0.0.1', {port}), timeout=2)
                out['W_qh'] += 1000
            except OSError:
                pass
            return out
        """
    v = _run(tmp_path, body)
    server.close()
    if not usable:  # this machine cannot create namespaces: the verdict must say so
        assert v.isolation.startswith("isolation: rlimits only (bubblewrap unavailable: ") and why in v.isolation
        return
    assert v.isolation.startswith("isolation: bubblewrap")
    assert v.parameters["W_hh"]["max_error"] < 100 and v.parameters["W_qh"]["max_error"] < 100, v.parameters


def test_cli_refuses_bad_function_options_on_one_line(tmp_path):
    path = _file(tmp_path, LINEAR)
    for args, fragment in ((["--function", f"{tmp_path}/mine.txt:grads"], ".py file"),
                           (["--function", f"{path}:grads", "--time-limit", "inf"], "--time-limit"),
                           (["--function", f"{path}:grads", "--time-limit", "nan"], "--time-limit"),
                           (["--function", f"{path}:grads", "--time-limit", "-1"], "--time-limit")):
        (tmp_path / "mine.txt").write_text(LINEAR, encoding="utf-8")
        proc = subprocess.run([sys.executable, "-m", "symrnn.cli", "check", "rnn-linear", *args], capture_output=True,
                              text=True, timeout=120, check=False)
        assert proc.returncode == 2, proc.stderr
        assert fragment in proc.stderr and len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr


def test_without_bubblewrap_the_rlimits_still_bound_cpu_and_memory(tmp_path, monkeypatch):
    monkeypatch.setattr(sandbox, "bubblewrap", lambda: (False, "test"))
    v = _run(tmp_path, "import itertools\ndef grads(p, d):\n    return sum(itertools.repeat(1))\n", cpu=1)
    assert v.status == "timeout" and "CPU time limit" in v.message, v.to_text()
    v = _run(tmp_path, "import numpy as np\ndef grads(p, d):\n    return {'W_hh': np.ones(10**10)}\n")
    assert v.status == "error" and "MemoryError" in v.message, v.to_text()
