"""Time generated NumPy gradients against hand-written NumPy, torch eager, torch.nn and the matmul floor.

    python -m benchmarks.bench_codegen            # the full table (a few minutes)
    python -m benchmarks.bench_codegen --quick    # the two small sizes only
    python -m benchmarks.bench_codegen --check    # first check that every method computes the same gradients

Each (method, cell, size) is timed in its own subprocess: on a 2-core machine OpenBLAS's spinning
worker threads slow torch by up to 3.7x when NumPy and torch share a process. Every run computes
the loss and all parameter gradients (forward + backward) of a one-layer network with an output
layer, squared error averaged over time, float64, B x T x D inputs; the median CPU time of
repeated calls is reported (one BLAS / torch thread per process by default, so CPU time is the
work done and other load on the machine does not inflate it; ``--threads 0`` times wall clock
with the libraries' own thread pools). Each method is measured ``--rounds`` times (default 2) in
alternation and the lowest median is kept.

Methods:
  generated   the module symrnn generates for the spec (rnn: row-notation tanh RNN, lstm: D2L LSTM,
              gru: torch's reset-after GRU), called as ``gradients(params, inputs, targets)``
  hand        careful hand-written NumPy BPTT (benchmarks/handwritten.py)
  eager       the same equations in torch float64 tensors, ``loss.backward()``
  torch.nn    nn.RNN / nn.LSTM / nn.GRU + nn.Linear (through symrnn.codegen.torch_map), ``loss.backward()``
  floor       only the matrix products forward and backward need (gates fused, input and gradient
              products over all steps as single GEMMs), no elementwise work: a lower bound
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

SIZES = [(1, 2, 2, 5), (8, 16, 32, 20), (32, 64, 128, 50), (64, 128, 256, 100)]
CELLS = {"rnn": "rnn", "lstm": "lstm", "gru": "gru-torch"}
GATES = {"rnn": 1, "lstm": 4, "gru": 3}
METHODS = ("generated", "hand", "eager", "torch.nn", "floor")


def make_spec(cell: str, B: int, D: int, H: int):
    from symrnn.core.spec import RNNSpec

    return RNNSpec(name=f"bench-{cell}", cell=CELLS[cell], input_size=D, hidden_size=H, output_size=D,
                   activation="tanh", notation="row", batch=B, loss="half_sq", reduction="mean", steps=5)


def make_data(cell: str, B: int, D: int, H: int, T: int, seed: int = 0):
    from symrnn.oracles.reference import param_shapes

    spec = make_spec(cell, B, D, H)
    rng = np.random.default_rng(seed)
    params = {k: rng.normal(scale=0.3 / np.sqrt(s[0]), size=s) for k, s in sorted(param_shapes(spec).items())}
    X = rng.normal(size=(B, T, D))
    Y = rng.normal(size=(B, T, D))
    return spec, params, X, Y


# --------------------------------------------------------------------------- runners (child side)


def runner_generated(cell, B, D, H, T, module_path):
    from symrnn.codegen.generate import load_module

    module = load_module(module_path, "bench_generated")
    _, params, X, Y = make_data(cell, B, D, H, T)
    inputs, targets = {"X": X}, {"Y": Y}
    return lambda: module.gradients(params, inputs, targets)


def runner_hand(cell, B, D, H, T, module_path):
    from benchmarks.handwritten import HANDWRITTEN

    _, params, X, Y = make_data(cell, B, D, H, T)
    Xt, Yt = np.ascontiguousarray(X.transpose(1, 0, 2)), np.ascontiguousarray(Y.transpose(1, 0, 2))
    fn = HANDWRITTEN[cell]
    return lambda: fn(params, Xt, Yt)


def _eager_loss(torch, cell, p, X, Y):
    T = X.shape[0]
    B = X.shape[1]
    H = p["W_hh" if cell == "rnn" else ("W_hi" if cell == "lstm" else "W_hr")].shape[0]
    h = torch.zeros((B, H), dtype=torch.float64)
    c = torch.zeros((B, H), dtype=torch.float64)
    total = 0.0
    for t in range(T):
        x = X[t]
        if cell == "rnn":
            h = torch.tanh(x @ p["W_xh"] + h @ p["W_hh"] + p["b_h"])
        elif cell == "lstm":
            i = torch.sigmoid(x @ p["W_xi"] + h @ p["W_hi"] + p["b_i"])
            f = torch.sigmoid(x @ p["W_xf"] + h @ p["W_hf"] + p["b_f"])
            o = torch.sigmoid(x @ p["W_xo"] + h @ p["W_ho"] + p["b_o"])
            g = torch.tanh(x @ p["W_xc"] + h @ p["W_hc"] + p["b_c"])
            c = f * c + i * g
            h = o * torch.tanh(c)
        else:
            r = torch.sigmoid(x @ p["W_ir"] + p["b_ir"] + h @ p["W_hr"] + p["b_hr"])
            z = torch.sigmoid(x @ p["W_iz"] + p["b_iz"] + h @ p["W_hz"] + p["b_hz"])
            n = torch.tanh(x @ p["W_in"] + p["b_in"] + r * (h @ p["W_hn"] + p["b_hn"]))
            h = (1 - z) * n + z * h
        yhat = h @ p["W_hq"] + p["b_q"]
        total = total + 0.5 * ((yhat - Y[t]) ** 2).sum()
    return total / T


def runner_eager(cell, B, D, H, T, module_path):
    import torch

    _, params, X, Y = make_data(cell, B, D, H, T)
    p = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in params.items()}
    Xt = torch.tensor(X.transpose(1, 0, 2).copy())
    Yt = torch.tensor(Y.transpose(1, 0, 2).copy())

    def run():
        for v in p.values():
            v.grad = None
        loss = _eager_loss(torch, cell, p, Xt, Yt)
        loss.backward()
        return loss

    return run


def runner_torch_nn(cell, B, D, H, T, module_path):
    import torch

    from symrnn.codegen import torch_map

    spec, params, X, Y = make_data(cell, B, D, H, T)
    net = torch_map.build(spec)
    torch_map.load_params(net, spec, params)
    x = torch.tensor(X)
    y = torch.tensor(Y)

    def run():
        net.zero_grad(set_to_none=True)
        top, _ = net.rnn(x)
        loss = 0.5 * ((net.out(top) - y) ** 2).sum() / T
        loss.backward()
        return loss

    return run


def runner_floor(cell, B, D, H, T, module_path):
    G = GATES[cell]
    rng = np.random.default_rng(0)
    Wx, Wh, Wq = rng.normal(size=(D, G * H)), rng.normal(size=(H, G * H)), rng.normal(size=(H, D))
    X, Y = rng.normal(size=(T * B, D)), rng.normal(size=(T * B, D))
    Hs = rng.normal(size=(T + 1, B, H)) * 0.1
    dA = rng.normal(size=(T, B, G * H))
    A = np.empty((T, B, G * H))
    dH = np.empty((T, B, H))

    def run():
        XW = (X @ Wx).reshape(T, B, G * H)  # input products of every step at once
        for t in range(T):
            np.matmul(Hs[t], Wh, out=A[t])
        Yhat = Hs[1:].reshape(-1, H) @ Wq
        dHout = (Yhat - Y) @ Wq.T
        for t in range(T - 1, -1, -1):
            np.matmul(dA[t], Wh.T, out=dH[t])
        flat = dA.reshape(-1, G * H)
        return XW, dHout, Hs[1:].reshape(-1, H).T @ Yhat, X.T @ flat, Hs[:-1].reshape(-1, H).T @ flat

    return run


RUNNERS = {"generated": runner_generated, "hand": runner_hand, "eager": runner_eager, "torch.nn": runner_torch_nn,
           "floor": runner_floor}


def child(method, cell, B, D, H, T, module_path, budget):
    if os.environ.get("SYMRNN_BENCH_TORCH_THREADS") and method in ("eager", "torch.nn"):
        import torch

        torch.set_num_threads(int(os.environ["SYMRNN_BENCH_TORCH_THREADS"]))
    fn = RUNNERS[method](cell, B, D, H, T, module_path)
    for _ in range(3):
        fn()
    # CPU time of this (single-threaded by default) process: robust to other processes sharing the
    # machine, which wall time is not; with --threads 0 (library thread pools) wall time is used.
    clock = time.process_time if os.environ.get("SYMRNN_BENCH_TORCH_THREADS") == "1" else time.perf_counter
    times = []
    start = time.perf_counter()
    while len(times) < 5 or (time.perf_counter() - start < budget and len(times) < 2000):
        t0 = clock()
        fn()
        times.append(clock() - t0)
    print(json.dumps({"median": statistics.median(times), "runs": len(times), "clock": clock.__name__}))


# --------------------------------------------------------------------------- parent side


def check(cells):
    """Every method's gradients agree (small size) before anything is timed."""
    import torch

    from benchmarks.handwritten import HANDWRITTEN
    from symrnn.codegen import torch_map
    from symrnn.codegen.generate import compile_spec

    B, D, H, T = 3, 3, 4, 5
    with tempfile.TemporaryDirectory() as tmp:
        for cell in cells:
            spec, params, X, Y = make_data(cell, B, D, H, T)
            L, g = compile_spec(spec, tmp).gradients(params, {"X": X}, {"Y": Y})
            Lh, gh = HANDWRITTEN[cell](params, X.transpose(1, 0, 2), Y.transpose(1, 0, 2))
            p = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
            Le = _eager_loss(torch, cell, p, torch.tensor(X.transpose(1, 0, 2).copy()), torch.tensor(Y.transpose(1, 0, 2).copy()))
            Le.backward()
            Ln, gn, _ = torch_map.torch_gradients(spec, params, {"X": X}, {"Y": Y}, T)
            for key in g:
                for other, name in ((gh[key], "hand"), (p[key].grad.numpy(), "eager"), (gn[key], "torch.nn")):
                    np.testing.assert_allclose(g[key], np.reshape(other, g[key].shape), rtol=1e-9, atol=1e-12,
                                               err_msg=f"{cell} {key} {name}")
            assert np.allclose([Lh, Le.item(), Ln], L, rtol=1e-12)
            print(f"check {cell}: generated, hand, eager and torch.nn agree (B={B} D={D} H={H} T={T})")


def measure(method, cell, size, module_path, budget, threads) -> float:
    cmd = [sys.executable, "-m", "benchmarks.bench_codegen", "--child", method, cell, *(str(v) for v in size),
           str(module_path), str(budget)]
    env = dict(os.environ)
    if threads:
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            env[var] = str(threads)
        env["SYMRNN_BENCH_TORCH_THREADS"] = str(threads)
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, env=env,
                         cwd=Path(__file__).resolve().parent.parent)
    return json.loads(out.stdout.strip().splitlines()[-1])["median"]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--child", nargs=7, metavar=("METHOD", "CELL", "B", "D", "H", "T", "MODULE"), help=argparse.SUPPRESS)
    parser.add_argument("--quick", action="store_true", help="the two small sizes only")
    parser.add_argument("--check", action="store_true", help="check that all methods agree before timing")
    parser.add_argument("--cells", default="rnn,lstm,gru", help="comma-separated subset of rnn,lstm,gru")
    parser.add_argument("--budget", type=float, default=0.4, help="seconds of timed calls per measurement")
    parser.add_argument("--rounds", type=int, default=2,
                        help="measure every method this many times, alternating, and keep the lowest median")
    parser.add_argument("--threads", type=int, default=1,
                        help="BLAS and torch threads per process (default 1; 0 leaves the libraries' defaults)")
    args, rest = parser.parse_known_args(argv)
    if args.child:
        method, cell, B, D, H, T, module = args.child
        child(method, cell, int(B), int(D), int(H), int(T), module, float(rest[0]) if rest else args.budget)
        return 0
    cells = [c for c in args.cells.split(",") if c]
    if args.check:
        check(cells)
    sizes = SIZES[:2] if args.quick else SIZES
    from symrnn.codegen.generate import write_module

    header = "| cell | B, D, H, T | generated ms | gen / hand | gen / floor | eager / gen | torch.nn / gen | hand / floor |"
    rows = [header, "|" + "---|" * 8]
    with tempfile.TemporaryDirectory() as tmp:
        for cell in cells:
            for size in sizes:
                B, D, H, T = size
                path = Path(tmp) / f"bench_{cell}_{B}_{D}_{H}_{T}.py"
                write_module(make_spec(cell, B, D, H), path)
                t = {m: float("inf") for m in METHODS}
                for _ in range(args.rounds):  # methods alternate; the least disturbed round counts
                    for m in METHODS:
                        t[m] = min(t[m], measure(m, cell, size, path, args.budget, args.threads))
                row = (f"| {cell} | {B}, {D}, {H}, {T} | {t['generated'] * 1e3:.3f} | {t['generated'] / t['hand']:.2f} | "
                       f"{t['generated'] / t['floor']:.2f} | {t['eager'] / t['generated']:.2f} | "
                       f"{t['torch.nn'] / t['generated']:.2f} | {t['hand'] / t['floor']:.2f} |")
                rows.append(row)
                print(row, flush=True)
    print()
    clock = "CPU time (time.process_time)" if args.threads == 1 else "wall time"
    print(f"lowest of {args.rounds} alternating rounds of the median {clock}; threads per process: {args.threads or 'library default'}; load average at the end: "
          f"{', '.join(f'{v:.1f}' for v in os.getloadavg())}")
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
