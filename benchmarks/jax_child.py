"""The jax.jit peer of ``bench_codegen``, run by the interpreter of a separate jax environment.

    "$JAX_PYTHON" benchmarks/jax_child.py CELL DATA.npz BUDGET [--grads OUT.npz]

It imports only jax and NumPy (symrnn is not installed beside jax): ``DATA.npz`` holds the
parameters under symrnn's row-notation names and time-major ``X`` (T, B, D), ``Y`` (T, B, D),
written by the parent. The loss is the torch-eager peer's equations (one product per gate),
``1/T sum_t 1/2 ||h_t W_hq + b_q - Y_t||^2``, over ``jax.lax.scan``; ``jax.jit`` of
``jax.value_and_grad`` is timed, float64 (``jax_enable_x64``), one XLA CPU thread when
``SYMRNN_BENCH_TORCH_THREADS=1`` (CPU time then, like every other peer). Prints one JSON line,
like ``bench_codegen``'s own children; ``--grads`` also writes the loss and gradients for the
parent's ``--check``.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time

if os.environ.get("SYMRNN_BENCH_TORCH_THREADS") == "1":
    os.environ["XLA_FLAGS"] = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"

import jax
import jax.numpy as jnp
import numpy as np

jax.config.update("jax_enable_x64", True)
jax.config.update("jax_platforms", "cpu")


def _rnn(p, h, c, x):
    return jnp.tanh(x @ p["W_xh"] + h @ p["W_hh"] + p["b_h"]), c


def _lstm(p, h, c, x):
    i = jax.nn.sigmoid(x @ p["W_xi"] + h @ p["W_hi"] + p["b_i"])
    f = jax.nn.sigmoid(x @ p["W_xf"] + h @ p["W_hf"] + p["b_f"])
    o = jax.nn.sigmoid(x @ p["W_xo"] + h @ p["W_ho"] + p["b_o"])
    g = jnp.tanh(x @ p["W_xc"] + h @ p["W_hc"] + p["b_c"])
    c = f * c + i * g
    return o * jnp.tanh(c), c


def _gru(p, h, c, x):
    r = jax.nn.sigmoid(x @ p["W_ir"] + p["b_ir"] + h @ p["W_hr"] + p["b_hr"])
    z = jax.nn.sigmoid(x @ p["W_iz"] + p["b_iz"] + h @ p["W_hz"] + p["b_hz"])
    n = jnp.tanh(x @ p["W_in"] + p["b_in"] + r * (h @ p["W_hn"] + p["b_hn"]))
    return (1 - z) * n + z * h, c


CELLS = {"rnn": _rnn, "lstm": _lstm, "gru": _gru}


def loss_function(cell):
    step_cell = CELLS[cell]

    def loss(p, X, Y):
        B, H = X.shape[1], p["W_hq"].shape[0]

        def step(carry, xy):
            h, c = step_cell(p, *carry, xy[0])
            diff = h @ p["W_hq"] + p["b_q"] - xy[1]
            return (h, c), 0.5 * jnp.sum(diff * diff)

        zeros = jnp.zeros((B, H), dtype=X.dtype)
        _, losses = jax.lax.scan(step, (zeros, zeros), (X, Y))
        return jnp.sum(losses) / X.shape[0]

    return loss


def main(argv: list[str]) -> int:
    cell, data, budget = argv[0], argv[1], float(argv[2])
    with np.load(data) as npz:
        arrays = {k: jnp.asarray(npz[k]) for k in npz.files}
    X, Y = arrays.pop("X"), arrays.pop("Y")
    value_and_grad = jax.jit(jax.value_and_grad(loss_function(cell)))

    def run():
        return jax.block_until_ready(value_and_grad(arrays, X, Y))

    if "--grads" in argv:
        loss, grads = run()
        np.savez(argv[argv.index("--grads") + 1], L=np.asarray(loss), **{k: np.asarray(v) for k, v in grads.items()})
    for _ in range(3):
        run()
    clock = time.process_time if os.environ.get("SYMRNN_BENCH_TORCH_THREADS") == "1" else time.perf_counter
    times = []
    start = time.perf_counter()
    while len(times) < 5 or (time.perf_counter() - start < budget and len(times) < 2000):
        t0 = clock()
        run()
        times.append(clock() - t0)
    print(json.dumps({"median": statistics.median(times), "runs": len(times), "clock": clock.__name__,
                      "jax": jax.__version__}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
