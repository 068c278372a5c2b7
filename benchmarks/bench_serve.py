"""Load test of ``symrnn serve`` over loopback: 200 students submitting 10 answers each, concurrently.

    python -m benchmarks.bench_serve                        # 200 students x 10 answers
    python -m benchmarks.bench_serve --students 20 --answers 5

Starts ``symrnn serve rnn-linear --grad W_hh --grad h`` on a free port of 127.0.0.1 with a fresh
database (every student comes from the same address, so the per-client rate limit is raised
for the run), then each student, concurrently: opens a question page (its CSRF cookie), and
submits its answers one after another (a deterministic mix of correct forms, named mistakes and
unreadable input), each time reading the verdict page until it is graded. Latency is from the
submission to the verdict. Prints p50/p95/max latency, submissions per second and the machine;
then reads the database and checks that every submission was stored and graded exactly once
(exit 1 when not). Traffic goes to 127.0.0.1 only, and the run is bounded in count and time.
Only this command prints timings; no test depends on them.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ANSWERS = [
    ("q1", "sum_t dL_dh[t] @ h[t-1].T"),
    ("q1", r"\sum_{t=1}^{T} \frac{\partial L}{\partial \mathbf{h}_t} \mathbf{h}_{t-1}^\top"),
    ("q1", "sum_t dL_dh[t] @ h[t-1]"),
    ("q1", "dL_dh[T] @ h[T-1].T"),
    ("q1", "sum_t h[t-1] @ dL_dh[t].T"),
    ("q2", "W_hh.T @ dL_dh[t+1] + W_qh.T @ dL_do[t]"),
    ("q2", "W_qh.T @ dL_do[t]"),
    ("q2", r"\sum_{i=t}^T (W_{hh}^\top)^{T-i} W_{qh}^\top \frac{\partial L}{\partial o_{T+t-i}}"),
    ("q2", "W_hh @ dL_dh[t+1] + W_qh.T @ dL_do[t]"),
    ("q1", "sum_t dL_dh[t] @ h[t-1"),
]
RUN_SECONDS = 1800.0
"""The whole run stops after this long, graded or not."""


def start(db: str, workers: int | None) -> tuple[subprocess.Popen, str, Path]:
    out = Path(db).with_suffix(".out")
    cmd = [sys.executable, "-c", "import sys; from symrnn.cli import main; sys.exit(main())", "serve", "rnn-linear",
           "--grad", "W_hh", "--grad", "h", "--db", db, "--port", "0", "--rate-limit", "100000"]
    if workers:
        cmd += ["--workers", str(workers)]
    with open(out, "w", encoding="utf-8") as fh:
        proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        text = out.read_text(encoding="utf-8")
        found = re.search(r"questions at (http://\S+?)/\n", text)
        if found and "submissions in" in text:
            return proc, found.group(1), out
        if proc.poll() is not None:
            raise SystemExit(f"symrnn serve exited:\n{text}")
        time.sleep(0.2)
    proc.kill()
    raise SystemExit("symrnn serve did not start")


async def student(httpx, base: str, k: int, answers: int, latencies: list, failures: list) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=120) as client:
        page = await client.get("/q/q1")
        token = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
        for j in range(answers):
            qid, text = ANSWERS[(k + j) % len(ANSWERS)]
            started = time.perf_counter()
            r = await client.post(f"/q/{qid}", data={"csrf": token, "student": f"s{k:03d}", "answer": text})
            if r.status_code != 303:
                failures.append(f"student {k} answer {j}: HTTP {r.status_code}")
                continue
            if not await verdict(client, r.headers["location"], started, failures, f"student {k} answer {j}"):
                return
            latencies.append(time.perf_counter() - started)


async def verdict(client, where: str, started: float, failures: list, who: str) -> bool:
    """Read the verdict page until it shows a verdict (it waits while the row is graded)."""
    import httpx

    while time.perf_counter() - started < RUN_SECONDS:
        try:
            page = await client.get(where)
        except httpx.TransportError as err:  # a closed keep-alive connection: counted, and read again
            failures.append(f"{who}: {type(err).__name__} reading the verdict (read again)")
            continue
        if 'id="verdict">Verdict:' in page.text:
            return True
    failures.append(f"{who}: not graded in time")
    return False


async def load(base: str, students: int, answers: int) -> tuple[list, list, float]:
    import httpx

    latencies: list[float] = []
    failures: list[str] = []
    started = time.perf_counter()
    await asyncio.wait_for(asyncio.gather(*(student(httpx, base, k, answers, latencies, failures)
                                            for k in range(students))), RUN_SECONDS)
    return latencies, failures, time.perf_counter() - started


def audit(db: str) -> dict:
    with sqlite3.connect(db) as con:
        rows = con.execute("SELECT status, graded, COUNT(*) FROM submissions GROUP BY status, graded").fetchall()
        verdicts = con.execute("SELECT json_extract(result, '$.status'), COUNT(*) FROM submissions "
                               "GROUP BY 1 ORDER BY 1").fetchall()
    return {"rows": rows, "verdicts": verdicts}


def main(argv: list[str] | None = None) -> int:
    from benchmarks.machine import label

    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--students", type=int, default=200)
    parser.add_argument("--answers", type=int, default=10)
    parser.add_argument("--workers", type=int, default=None, help="grading processes (default: every core)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "load.sqlite")
        proc, base, out = start(db, args.workers)
        try:
            latencies, failures, seconds = asyncio.run(load(base, args.students, args.answers))
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(60)
            server_said = out.read_text(encoding="utf-8").splitlines()[3:]
            if server_said:
                print("the server said:", *server_said[-20:], sep="\n  ")
        found = audit(db)
    expected = args.students * args.answers
    stored = sum(n for _, _, n in found["rows"])
    once = sum(n for status, graded, n in found["rows"] if status == "graded" and graded == 1)
    q = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [float("nan")] * 99
    print(f"machine: {label()}")
    print(f"{args.students} students x {args.answers} answers over loopback: {len(latencies)} verdicts in "
          f"{seconds:.1f} s ({len(latencies) / seconds:.1f} submissions/s)")
    print(f"latency, submission to verdict: p50 {q[49]:.2f} s, p95 {q[94]:.2f} s, max {max(latencies, default=0):.2f} s")
    print(f"stored {stored} of {expected}; graded exactly once: {once}; verdicts: {dict(found['verdicts'])}")
    for line in failures[:10]:
        print("failure:", line)
    if len(failures) > 10:
        print(f"... {len(failures)} failures in all")
    lost = [f for f in failures if "read again" not in f]
    return 0 if stored == expected and once == expected and not lost else 1


if __name__ == "__main__":
    sys.exit(main())
