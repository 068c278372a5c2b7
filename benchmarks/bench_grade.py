"""Throughput of ``symrnn grade``: 100,000 submissions, per core, on the worker pool or on Dask.

    python -m benchmarks.bench_grade                              # 100,000 rows, forked pool, every core
    python -m benchmarks.bench_grade --dask local                 # the same on a Dask LocalCluster
    python -m benchmarks.bench_grade --dask local --kill-after 60 # ... with a worker killed after 60 s
    python -m benchmarks.bench_grade --rows 2000 --kill-after 3 --compare   # the issue's 2,000-row kill test

Submissions: ``benchmarks.bench_check.submissions`` (a deterministic mix over gradients of
``rnn-tanh`` and ``lstm``: correct forms, the catalogued mistakes as answers, reading errors,
hostile input). Prints the rows per second and per core, the statuses, and checks that every
input row has exactly one result row, in order (with ``--kill-after``, that none was lost;
with ``--compare`` also that the rows equal those of a second run without the kill).
Only this command prints timings; no test depends on them.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import signal
import sys
import threading
import time


def _kill_pool_worker_after(seconds: float, killed: list) -> threading.Thread:
    def run():
        time.sleep(seconds)
        children = multiprocessing.active_children()
        if children:
            os.kill(children[0].pid, signal.SIGKILL)
            killed.append(children[0].pid)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def _kill_dask_worker_after(seconds: float, killed: list):
    def on_submitted(client):
        def run():
            time.sleep(seconds)
            busy = [w for w, keys in client.processing().items() if keys]
            if busy:
                pid = client.run(os.getpid, workers=[busy[0]])[busy[0]]
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)

        threading.Thread(target=run, daemon=True).start()

    return on_submitted


def grade_all(rows: list[dict], workers: int, dask: str | None, batch: int, kill_after: float | None) -> tuple[dict, list]:
    from symrnn.check import diagnose, evaluate
    from symrnn.check.distributed import grade_on_dask
    from symrnn.check.grade import grade_rows, submission_items
    from symrnn.core import catalogue

    evaluate.problem.cache_clear()  # every worker derives and builds its mutant tables itself
    diagnose.MUTANT_CACHE.clear()
    by_spec: dict[str, list] = {}
    for row in rows:
        by_spec.setdefault(row["spec"], []).append(row)
    killed: list = []
    start = time.perf_counter()
    if kill_after is not None and dask is None:
        _kill_pool_worker_after(kill_after, killed)
    results = []
    for name, spec_rows in sorted(by_spec.items()):
        if dask is None:
            out = grade_rows(name, spec_rows, workers=workers)
        else:
            items = submission_items(catalogue.load(name), spec_rows, None, 5.0)
            hook = _kill_dask_worker_after(kill_after, killed) if kill_after is not None and not killed else None
            out = grade_on_dask(dask, items, workers, batch=batch, on_submitted=hook)
        assert [r["id"] for r in out] == [r["id"] for r in spec_rows], "a row was lost, added or moved"
        results += out
    seconds = time.perf_counter() - start
    counts: dict[str, int] = {}
    for r in results:
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    return {"rows": len(results), "seconds": round(seconds, 1), "rows_per_second": round(len(results) / seconds, 1),
            "rows_per_second_per_core": round(len(results) / seconds / workers, 1), "workers": workers,
            "where": dask or "pool", "statuses": counts, "workers_killed": len(killed)}, results


def main(argv=None) -> int:
    from benchmarks.bench_check import submissions

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--dask", default=None, help="'local' or tcp://HOST:PORT (default: the forked worker pool)")
    parser.add_argument("--batch", type=int, default=200, help="rows per Dask task")
    parser.add_argument("--kill-after", type=float, default=None, help="SIGKILL one busy worker after this many seconds")
    parser.add_argument("--compare", action="store_true", help="grade again without the kill and compare the rows")
    args = parser.parse_args(argv)
    rows = submissions(args.rows)
    result, graded = grade_all(rows, args.workers, args.dask, args.batch, args.kill_after)
    if args.compare:
        _, again = grade_all(rows, args.workers, args.dask, args.batch, None)
        result["identical_to_a_run_without_the_kill"] = graded == again
    print(json.dumps(result, sort_keys=True))
    print(f"{result['rows']} submissions in {result['seconds']} s on {result['workers']} workers ({result['where']}): "
          f"{result['rows_per_second']} rows/s, {result['rows_per_second_per_core']} rows/s per core; "
          f"workers killed: {result['workers_killed']}; ungraded: {result['statuses'].get('ungraded', 0)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
