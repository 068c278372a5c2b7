"""Time the checker: one verdict, and grading 1,000 submissions over the cores.

    python -m benchmarks.bench_check                  # both parts, 1,000 submissions on 2 workers
    python -m benchmarks.bench_check --verdicts       # only the verdict times
    python -m benchmarks.bench_check --n 200 --workers 1

Verdicts: for every catalogue gradient, the time of the first verdict on a wrong answer in a
fresh process (derive, draw the instances, build the mutant table, judge: the worst case a
student meets) and of a later one (cached problem). Targets: under 2 s each.

Grading: ``n`` submissions (deterministic mix: correct forms, the catalogued mistakes printed as
answers, reading errors and hostile input) over several gradients of ``rnn-tanh`` and ``lstm``,
graded by ``symrnn.check.grade.grade_rows`` with a process pool. Target: 1,000 in under 10
minutes on 2 cores. Only the command prints timings; no test depends on them.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

_ONE = r"""
import json, sys, time
from symrnn.core import catalogue
from symrnn.check.verdict import check_answer
spec = catalogue.load(sys.argv[1])
grad = sys.argv[2]
t0 = time.perf_counter()
v = check_answer(spec, grad, "0")
t1 = time.perf_counter()
v = check_answer(spec, grad, "0")
t2 = time.perf_counter()
print(json.dumps({"first": t1 - t0, "later": t2 - t1, "status": v.status}))
"""


def verdict_times() -> list[dict]:
    from symrnn.core import catalogue
    from symrnn.core.derive import derive

    rows = []
    for name in catalogue.names():
        for eq in derive(catalogue.load(name)).generic_gradients:
            out = subprocess.run([sys.executable, "-c", _ONE, name, eq.node], capture_output=True, text=True, check=True)
            data = json.loads(out.stdout)
            rows.append({"spec": name, "grad": eq.node, **data})
    return rows


def submissions(n: int) -> list[dict]:
    """A deterministic class of ``n`` submissions over a few gradients of rnn-tanh and lstm."""
    from symrnn.check.evaluate import problem
    from symrnn.check.verdict import mutant_table
    from symrnn.core import catalogue
    from symrnn.printing.latex import latex
    from symrnn.printing.plain import plain

    pool = []
    for spec_name, grads in (("rnn-tanh", ("W_hh", "W_hx", "b_h", "W_qh")), ("lstm", ("W_hf", "W_xi", "b_c"))):
        spec = catalogue.load(spec_name)
        for grad in grads:
            prob = problem(spec, grad)
            pool.append((spec_name, grad, latex(prob.equation.rhs)))
            pool.append((spec_name, grad, plain(prob.equation.rhs)))
            for mv in mutant_table(prob)[:12]:
                if not mv.mutant.adjoints:
                    pool.append((spec_name, grad, plain(mv.mutant.gradient)))
            pool.append((spec_name, grad, "sum_t dL_dx[t]"))
            pool.append((spec_name, grad, r"\input{/etc/passwd}"))
            pool.append((spec_name, grad, "(" * 60 + "x" + ")" * 60))
            pool.append((spec_name, grad, "9**9**9**9"))
    rows = []
    for i in range(n):
        spec_name, grad, answer = pool[(i * 7919) % len(pool)]
        rows.append({"id": f"s{i + 1:04d}", "spec": spec_name, "grad": grad, "answer": answer})
    return rows


def grading_time(n: int, workers: int) -> dict:
    from symrnn.check import diagnose, evaluate
    from symrnn.check.grade import grade_rows

    rows = submissions(n)
    # Building the submissions filled this process's caches; forked workers would inherit them.
    # Clear them, so that every worker derives, draws and builds its mutant tables itself.
    evaluate.problem.cache_clear()
    diagnose.MUTANT_CACHE.clear()
    by_spec: dict[str, list] = {}
    for row in rows:
        by_spec.setdefault(row["spec"], []).append(row)
    start = time.perf_counter()
    counts: dict[str, int] = {}
    total = 0
    for spec_name, spec_rows in sorted(by_spec.items()):
        results = grade_rows(spec_name, spec_rows, workers=workers)
        assert len(results) == len(spec_rows)
        total += len(results)
        for r in results:
            counts[r["status"]] = counts.get(r["status"], 0) + 1
    seconds = time.perf_counter() - start
    return {"submissions": total, "workers": workers, "seconds": round(seconds, 1), "statuses": counts}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--verdicts", action="store_true", help="only time single verdicts")
    parser.add_argument("--grading", action="store_true", help="only time grading")
    args = parser.parse_args(argv)
    if not args.grading:
        rows = verdict_times()
        worst = max(rows, key=lambda r: r["first"])
        print(f"{'spec':<10} {'grad':<8} {'first (s)':>9} {'later (s)':>9}")
        for r in rows:
            print(f"{r['spec']:<10} {r['grad']:<8} {r['first']:>9.2f} {r['later']:>9.3f}")
        print(f"worst first verdict: {worst['first']:.2f} s ({worst['spec']} {worst['grad']}); target < 2 s")
    if not args.verdicts:
        result = grading_time(args.n, args.workers)
        print(json.dumps(result, sort_keys=True))
        print(f"grading {result['submissions']} submissions on {args.workers} workers: {result['seconds']} s; target < 600 s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
