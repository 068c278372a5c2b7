"""Time generated NumPy gradients against hand-written NumPy, torch eager, torch.nn and the matmul floor.

    python -m benchmarks.bench_codegen            # the full table (a few minutes)
    python -m benchmarks.bench_codegen --quick    # the two small sizes only
    python -m benchmarks.bench_codegen --check    # first check that every method computes the same gradients
    python -m benchmarks.bench_codegen --json out.json --jax-python "$JAX_PYTHON"

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
  fast        the generated module's fast path, ``gradients(..., check_inputs=False)`` (no argument
              checks), timed in the same process as "generated", calls alternating
  numba       the same spec's module from ``symrnn codegen --backend numba`` (loops over time as
              ``@njit`` kernels); column present when numba is installed. The first call (which
              compiles the kernels) is excluded from the timing and reported as "numba first call"
  numba fast  the numba module with ``check_inputs=False``, timed in the numba process
  hand        careful hand-written NumPy BPTT (benchmarks/handwritten.py)
  eager       the same equations in torch float64 tensors, ``loss.backward()``
  torch.nn    nn.RNN / nn.LSTM / nn.GRU + nn.Linear (through symrnn.codegen.torch_map), ``loss.backward()``
  jax.jit     the eager equations in jax, ``jax.jit(jax.value_and_grad(loss))`` over ``lax.scan``, run by
              the interpreter of a separate jax environment (``--jax-python`` or $SYMRNN_BENCH_JAX_PYTHON;
              benchmarks/jax_child.py); the column is skipped, with a printed note, when there is none
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
METHODS = ("generated", "fast", "numba", "numba fast", "hand", "eager", "torch.nn", "jax.jit", "floor")
FAST = {"fast": "generated", "numba fast": "numba"}  # timed in the process of the checked call
PEERS = ("hand", "eager", "torch.nn", "jax.jit")
JAX_CHILD = Path(__file__).resolve().parent / "jax_child.py"


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
    fast = (lambda: module.gradients(params, inputs, targets, check_inputs=False))
    return lambda: module.gradients(params, inputs, targets), fast


def numba_path(module_path) -> Path:
    """Where the numba module of a row is written: next to its NumPy module."""
    path = Path(module_path)
    return path.with_name(path.stem + "_numba.py")


def runner_numba(cell, B, D, H, T, module_path):
    return runner_generated(cell, B, D, H, T, numba_path(module_path))


def has_numba() -> bool:
    import importlib.util

    return importlib.util.find_spec("numba") is not None


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


RUNNERS = {"generated": runner_generated, "numba": runner_numba, "hand": runner_hand, "eager": runner_eager, "torch.nn": runner_torch_nn,
           "floor": runner_floor}


def child(method, cell, B, D, H, T, module_path, budget):
    if os.environ.get("SYMRNN_BENCH_TORCH_THREADS") and method in ("eager", "torch.nn"):
        import torch

        torch.set_num_threads(int(os.environ["SYMRNN_BENCH_TORCH_THREADS"]))
    fns = RUNNERS[method](cell, B, D, H, T, module_path)
    fns = fns if isinstance(fns, tuple) else (fns,)  # (checked call, fast path) for generated modules
    first = time.perf_counter()
    fns[0]()  # numba compiles its kernels here: reported apart, never timed with the rest
    first = time.perf_counter() - first
    for _ in range(2):
        for fn in fns:
            fn()
    # CPU time of this (single-threaded by default) process: robust to other processes sharing the
    # machine, which wall time is not; with --threads 0 (library thread pools) wall time is used.
    clock = time.process_time if os.environ.get("SYMRNN_BENCH_TORCH_THREADS") == "1" else time.perf_counter
    times: list[list[float]] = [[] for _ in fns]
    start = time.perf_counter()
    while len(times[0]) < 5 or (time.perf_counter() - start < budget * len(fns) and len(times[0]) < 2000):
        for fn, got in zip(fns, times):  # the two variants alternate, so load hits both alike
            t0 = clock()
            fn()
            got.append(clock() - t0)
    out = {"median": statistics.median(times[0]), "runs": len(times[0]), "clock": clock.__name__, "first": first}
    if len(fns) > 1:
        out["fast"] = statistics.median(times[1])
    print(json.dumps(out))


# --------------------------------------------------------------------------- parent side


def check(cells, jax_python):
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
            others = {"hand": (Lh, gh), "eager": (Le.item(), {k: v.grad.numpy() for k, v in p.items()}), "torch.nn": (Ln, gn)}
            if jax_python:
                others["jax.jit"] = _jax_gradients(jax_python, cell, (B, D, H, T), Path(tmp))
            for name, (other_loss, other) in others.items():
                for key in g:
                    np.testing.assert_allclose(g[key], np.reshape(other[key], g[key].shape), rtol=1e-9, atol=1e-12,
                                               err_msg=f"{cell} {key} {name}")
                assert np.isclose(other_loss, L, rtol=1e-12), (cell, name, other_loss, L)
            print(f"check {cell}: generated, {', '.join(others)} agree (B={B} D={D} H={H} T={T})")


def _environment(threads) -> dict:
    env = dict(os.environ)
    if threads:
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            env[var] = str(threads)
        env["SYMRNN_BENCH_TORCH_THREADS"] = str(threads)
    return env


def _jax_data(cell, size, tmp: Path) -> Path:
    """The parameters and time-major data of one row, for the jax child (which has no symrnn)."""
    B, D, H, T = size
    path = tmp / f"jax_{cell}_{B}_{D}_{H}_{T}.npz"
    if not path.exists():
        _, params, X, Y = make_data(cell, B, D, H, T)
        np.savez(path, X=X.transpose(1, 0, 2), Y=Y.transpose(1, 0, 2), **params)
    return path


def _jax_gradients(jax_python, cell, size, tmp: Path):
    out = tmp / f"jax_grads_{cell}.npz"
    subprocess.run([jax_python, str(JAX_CHILD), cell, str(_jax_data(cell, size, tmp)), "0", "--grads", str(out)],
                   capture_output=True, text=True, check=True, env=_environment(1))
    with np.load(out) as npz:
        return float(npz["L"]), {k: npz[k] for k in npz.files if k != "L"}


def measure(method, cell, size, module_path, budget, threads, jax_python=None, firsts=None, fast=None) -> float:
    if method == "jax.jit":
        cmd = [jax_python, str(JAX_CHILD), cell, str(_jax_data(cell, size, Path(module_path).parent)), str(budget)]
    else:
        cmd = [sys.executable, "-m", "benchmarks.bench_codegen", "--child", method, cell, *(str(v) for v in size),
               str(module_path), str(budget)]
    out = subprocess.run(cmd, capture_output=True, text=True, check=False, env=_environment(threads),
                         cwd=Path(__file__).resolve().parent.parent)
    if out.returncode != 0:
        last = (out.stderr.strip().splitlines() or ["no output"])[-1]
        raise SystemExit(f"bench_codegen: the {method} child for {cell} {size} failed: {last}")
    result = json.loads(out.stdout.strip().splitlines()[-1])
    if firsts is not None and "first" in result:
        firsts.append(result["first"])
    if fast is not None and "fast" in result:
        fast.append(result["fast"])
    return result["median"]


def find_jax(option: str | None) -> tuple[str | None, str]:
    """The jax environment's interpreter and its jax version, or None and why not."""
    python = option or os.environ.get("SYMRNN_BENCH_JAX_PYTHON")
    if not python:
        return None, "no jax environment given (--jax-python PATH or SYMRNN_BENCH_JAX_PYTHON)"
    try:
        probe = subprocess.run([python, "-c", "import jax, jaxlib; print(jax.__version__)"], capture_output=True,
                               text=True, check=False)
    except OSError as err:
        return None, f"{python} cannot be run ({err.strerror})"
    if probe.returncode != 0:
        return None, f"{python} cannot import jax"
    return python, probe.stdout.strip()


RATIOS = ("fast", "numba", "numba fast")  # each of these, when measured, also over the best peer


def _ratio_key(method: str) -> str:
    return method.replace(" ", "_") + "_over_best_peer"


def table_row(cell, size, t) -> dict:
    peers = {m: t[m] for m in PEERS if m in t}
    best = min(peers, key=peers.get)
    row = {"cell": cell, "B": size[0], "D": size[1], "H": size[2], "T": size[3], "seconds": t, "best_peer": best,
           "gen_over_best_peer": t["generated"] / peers[best], "gen_over_floor": t["generated"] / t["floor"]}
    row.update({_ratio_key(m): t[m] / peers[best] for m in RATIOS if m in t})
    return row


def markdown(rows, methods) -> list[str]:
    ratios = [m for m in RATIOS if m in methods]
    extra = tuple(f"{m} / best peer" for m in ratios) + (("numba first call s",) if "numba" in methods else ())
    head = ("| cell | B, D, H, T | " + " | ".join(f"{m} ms" for m in methods) + " | best peer | gen / best peer | gen / floor |"
            + "".join(f" {e} |" for e in extra))
    lines = [head, "|" + "---|" * (len(methods) + 5 + len(extra))]
    for r in rows:
        ms = " | ".join(f"{r['seconds'][m] * 1e3:.4g}" for m in methods)
        more = "".join(f" {r[_ratio_key(m)]:.2f} |" for m in ratios)
        if "numba" in methods:
            more += f" {r['numba_first_call_s']:.1f} |"
        lines.append(f"| {r['cell']} | {r['B']}, {r['D']}, {r['H']}, {r['T']} | {ms} | {r['best_peer']} | "
                     f"{r['gen_over_best_peer']:.2f} | {r['gen_over_floor']:.2f} |" + more)
    return lines


def arguments(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--child", nargs=7, metavar=("METHOD", "CELL", "B", "D", "H", "T", "MODULE"), help=argparse.SUPPRESS)
    parser.add_argument("--quick", action="store_true", help="the two small sizes only")
    parser.add_argument("--check", action="store_true", help="check that all methods agree before timing")
    parser.add_argument("--cells", default="rnn,lstm,gru", help="comma-separated subset of rnn,lstm,gru")
    parser.add_argument("--sizes", default=None, help="comma-separated row numbers of the size list (0-3; default all)")
    parser.add_argument("--budget", type=float, default=0.4, help="seconds of timed calls per measurement")
    parser.add_argument("--rounds", type=int, default=2,
                        help="measure every method this many times, alternating, and keep the lowest median")
    parser.add_argument("--threads", type=int, default=1,
                        help="BLAS and torch threads per process (default 1; 0 leaves the libraries' defaults)")
    parser.add_argument("--jax-python", metavar="PYTHON", help="interpreter of an environment with jax and jaxlib "
                        "(default $SYMRNN_BENCH_JAX_PYTHON; without one the jax.jit column is skipped)")
    parser.add_argument("--json", metavar="FILE", help="also write the machine, the clock and every time here")
    return parser.parse_known_args(argv)


def main(argv=None) -> int:
    from benchmarks.machine import label

    args, rest = arguments(argv)
    if args.child:
        method, cell, B, D, H, T, module = args.child
        child(method, cell, int(B), int(D), int(H), int(T), module, float(rest[0]) if rest else args.budget)
        return 0
    cells = [c for c in args.cells.split(",") if c]
    jax_python, jax_note = find_jax(args.jax_python)
    machine = label() + (f"; jax {jax_note}" if jax_python else "")
    print(f"machine: {machine}")
    if not jax_python:
        print(f"note: jax.jit column skipped: {jax_note}")
    methods = tuple(m for m in METHODS if (m != "jax.jit" or jax_python) and ("numba" not in m or has_numba()))
    if "numba" not in methods:
        print("note: numba column skipped: numba is not installed (pip install 'symrnn[numba]')")
    if args.check:
        check(cells, jax_python)
    sizes = SIZES[:2] if args.quick else SIZES
    if args.sizes:
        sizes = [SIZES[int(i)] for i in args.sizes.split(",")]
    from symrnn.codegen.generate import write_module
    from symrnn.codegen.numba_backend import generate_numba

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for cell in cells:
            for size in sizes:
                path = Path(tmp) / f"bench_{cell}_{'_'.join(map(str, size))}.py"
                write_module(make_spec(cell, size[0], size[1], size[2]), path)
                if "numba" in methods:
                    numba_path(path).write_text(generate_numba(make_spec(cell, *size[:3])), encoding="utf-8")
                t = {m: float("inf") for m in methods}
                firsts: list[float] = []
                fast: dict[str, list[float]] = {m: [] for m in FAST}
                for _ in range(args.rounds):  # methods alternate; the least disturbed round counts
                    for m in (m for m in methods if m not in FAST):
                        got = firsts if m == "numba" else None
                        also = next((fast[f] for f, of in FAST.items() if of == m), None)
                        t[m] = min(t[m], measure(m, cell, size, path, args.budget, args.threads, jax_python, got, also))
                t.update({f: min(fast[f]) for f in FAST if f in methods})
                rows.append(table_row(cell, size, t))
                if firsts:
                    rows[-1]["numba_first_call_s"] = min(firsts)
                print(markdown(rows[-1:], methods)[-1], flush=True)
    clock = "CPU time (time.process_time)" if args.threads == 1 else "wall time"
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    note = (f"lowest of {args.rounds} alternating rounds of the median {clock}, one process per measurement; "
            f"threads per process: {args.threads or 'library default'}; load average at the end: {load}")
    print(f"\n{note}\nmachine: {machine}\n" + "\n".join(markdown(rows, methods)))
    if args.json:
        doc = {"machine": machine, "clock": note, "methods": list(methods), "rows": rows}
        Path(args.json).write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
