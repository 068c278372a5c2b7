"""Core engine benchmark: matrix-level derivation time against T, and element-level proof time.

Run:  python -m benchmarks.bench_core [--quick] [--long]

Prints, for every catalogue network, the time to derive at T = 5, 10, 25, 50 (median of 3) and
the growth ratio t(50) / (10 * t(5)) (1.0 = linear in T; the target is under 1 s at T <= 50,
linear in T); then the element-level proof time of lstm (hidden 2, T = 3; target under 10 s),
and the naive approach for comparison: inline the unrolled tanh-RNN loss into one scalar
expression and sympy.diff it by every weight entry (it doubles with every step); and the cost
curve of long sequences, lstm and gru-torch at T = 100, 200, ..., 1000 (CPU time, one run each),
with the seconds per step, which stay flat when the derivation is linear in T (``--long`` prints
only that curve).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import sympy

from symrnn.core import catalogue
from symrnn.core.derive import derive
from symrnn.core.prove import prove
from symrnn.core.spec import RNNSpec


def _median(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def naive_tanh_rnn(steps: int, hidden: int = 2) -> float:
    """Seconds to build the inlined loss of a tanh RNN and diff it by every weight entry."""
    start = time.perf_counter()
    W = sympy.Matrix(hidden, hidden, lambda i, j: sympy.Symbol(f"W{i}{j}"))
    U = sympy.Matrix(hidden, 2, lambda i, j: sympy.Symbol(f"U{i}{j}"))
    V = sympy.Matrix(2, hidden, lambda i, j: sympy.Symbol(f"V{i}{j}"))
    h = sympy.zeros(hidden, 1)
    loss = 0
    for t in range(1, steps + 1):
        x = sympy.Matrix([sympy.Symbol(f"x{t}_0"), sympy.Symbol(f"x{t}_1")])
        h = (U * x + W * h).applyfunc(sympy.tanh)
        o = V * h
        loss += sum((o[i] - sympy.Symbol(f"y{t}_{i}")) ** 2 for i in range(2)) / 2
    for s in list(W) + list(U) + list(V):
        sympy.diff(loss, s)
    return time.perf_counter() - start


def cost_curve(names=("lstm", "gru-torch"), steps=tuple(range(100, 1001, 100))) -> None:
    """Derivation CPU time against T up to the cap, and the time per step (flat = linear)."""
    from benchmarks.machine import cpu_model

    print(f"\nmatrix-level derivation against long T (CPU seconds, one run; {cpu_model()}, {os.cpu_count()} cores)")
    print(f"{'network':<12}{'T':>6}{'seconds':>10}{'ms / step':>11}")
    for name in names:
        spec = catalogue.load(name)
        for T in steps:
            start = time.process_time()
            derive(spec, T)
            seconds = time.process_time() - start
            print(f"{name:<12}{T:>6}{seconds:>10.2f}{1e3 * seconds / T:>11.2f}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="fewer repeats and a shorter naive run")
    parser.add_argument("--long", action="store_true", help="only the cost curve at T = 100..1000")
    args = parser.parse_args()
    if args.long:
        cost_curve()
        return
    repeat = 1 if args.quick else 3
    steps = (5, 10, 25, 50)
    print(f"matrix-level derivation (seconds, median of {repeat})")
    print(f"{'network':<12}" + "".join(f"{'T=' + str(t):>9}" for t in steps) + f"{'t50/(10 t5)':>14}")
    for name in catalogue.names():
        spec = catalogue.load(name)
        if not spec.recurrent:
            t = _median(lambda spec=spec: derive(spec), repeat)
            print(f"{name:<12}{t:>9.3f}  (no time axis)")
            continue
        row = [_median(lambda T=T, spec=spec: derive(spec, T), repeat) for T in steps]
        print(f"{name:<12}" + "".join(f"{v:>9.3f}" for v in row) + f"{row[-1] / (10 * row[0]):>14.2f}")
    t = _median(lambda: prove(catalogue.load("lstm"), steps=3), 1)
    print(f"\nelement-level proof of lstm (hidden 2, batch 2, T = 3): {t:.2f} s (target < 10 s)")
    print("\nnaive: inline the tanh-RNN loss and sympy.diff by all 12 weight entries (hidden 2)")
    ours = {T: _median(lambda T=T: derive(RNNSpec("n", "rnn", 2, 2, 2, bias=False, steps=T)), repeat) for T in (2, 4, 6)}
    for T in (2, 4) if args.quick else (2, 4, 6):
        naive = naive_tanh_rnn(T)
        print(f"  T={T}: naive {naive:8.2f} s   symrnn derive {ours[T]:6.3f} s   ratio {naive / ours[T]:8.1f}x")
    cost_curve(steps=(100, 500, 1000) if args.quick else tuple(range(100, 1001, 100)))


if __name__ == "__main__":
    main()
