"""The generated NumPy module's workspace against fresh arrays, in one process.

Run:  python -m benchmarks.bench_workspace [--cells rnn,lstm,gru] [--sizes 1,2,3] [--rounds 4]

For each cell and size of ``bench_codegen`` (same specs and data) the module's ``gradients`` runs
with its own ``_zeros`` (each array indexed by step reused from the thread's last call, zeroed)
and with ``_zeros`` replaced by ``np.zeros`` (a new array every call, as before the workspace),
the two alternating in ``--rounds`` rounds; each round is the median CPU time of repeated calls
and the lowest round is kept. Alternating in one process keeps a shared machine's drift out of
the ratio. Each (cell, size) runs in its own process, as in ``bench_codegen``: glibc raises its
mmap threshold after freeing a large array, so a process that ran a larger size first allocates
fresh arrays without page faults and would hide what a new process pays. Also printed: the minor
page faults a call takes each way, and the megabytes the workspace holds between calls. One BLAS
thread (``OPENBLAS_NUM_THREADS=1`` is set before NumPy loads).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import resource
import statistics
import tempfile
import time

import numpy as np

from benchmarks.bench_codegen import CELLS, SIZES, make_data
from benchmarks.machine import label
from symrnn.codegen.generate import compile_spec


def _fresh(name, shape, dtype):
    return np.zeros(shape, dtype)


def _median(call, n: int) -> float:
    times = []
    for _ in range(n):
        start = time.process_time()
        call()
        times.append(time.process_time() - start)
    return statistics.median(times)


def _faults(call, n: int) -> float:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(n):
        call()
    return (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / n


def measure(cell: str, size: tuple[int, int, int, int], rounds: int) -> dict:
    B, D, H, T = size
    spec, params, X, Y = make_data(cell, B, D, H, T)
    module = compile_spec(spec, tempfile.mkdtemp(prefix="symrnn-bench-ws-"))
    allocators = {"workspace": module._zeros, "fresh": _fresh}

    def call():
        return module.gradients(params, {"X": X}, {"Y": Y})

    n = max(5, int(0.3 / max(1e-6, _median(call, 3))))
    best, faults = {k: float("inf") for k in allocators}, {}
    for _ in range(rounds):
        for name, zeros in allocators.items():
            module._zeros = zeros
            call()  # the workspace filled at these sizes
            best[name] = min(best[name], _median(call, n))
    for name, zeros in allocators.items():
        module._zeros = zeros
        call()
        faults[name] = _faults(call, 3)
    held = sum(a.nbytes for a in module._WORKSPACE.__dict__.values()) / 1e6
    return {"cell": cell, "size": size, "workspace_ms": best["workspace"] * 1e3, "fresh_ms": best["fresh"] * 1e3,
            "faults_workspace": faults["workspace"], "faults_fresh": faults["fresh"], "held_mb": held}


def _in_own_process(cell: str, index: int, rounds: int) -> dict:
    cmd = [sys.executable, "-m", "benchmarks.bench_workspace", "--one", cell, str(index), "--rounds", str(rounds)]
    return json.loads(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", default=",".join(CELLS))
    parser.add_argument("--sizes", default="1,2,3", help="1-based indices into bench_codegen's sizes")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--one", nargs=2, metavar=("CELL", "SIZE"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(measure(args.one[0], SIZES[int(args.one[1]) - 1], args.rounds)))
        return 0
    print(f"machine: {label()}")
    print("| cell | B, D, H, T | workspace ms | fresh ms | ratio | faults a call (workspace / fresh) | MB held |")
    print("|---|---|---|---|---|---|---|")
    for cell in args.cells.split(","):
        for i in args.sizes.split(","):
            r = _in_own_process(cell, int(i), args.rounds)
            print(f"| {cell} | {', '.join(map(str, r['size']))} | {r['workspace_ms']:.4g} | {r['fresh_ms']:.4g} | "
                  f"{r['workspace_ms'] / r['fresh_ms']:.2f} | {r['faults_workspace']:.0f} / {r['faults_fresh']:.0f} | "
                  f"{r['held_mb']:.1f} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
