"""Grading a class's CSV: one result row per submission, any executor, crashes and timeouts contained."""

from __future__ import annotations

import argparse
import csv
import io
import subprocess
import sys
from concurrent.futures import Executor, Future, ThreadPoolExecutor

import pytest

from symrnn.check.grade import OUT_FIELDS, grade_csv, grade_rows, read_csv
from symrnn.commands import grade as grade_command
from symrnn.core import catalogue
from symrnn.core.errors import SymrnnError

SUBMISSIONS = [
    {"id": "ana", "grad": "W_hh", "answer": r"\sum_{t=1}^{T} \frac{\partial L}{\partial h_t} h_{t-1}^\top"},
    {"id": "ben", "grad": "W_hh", "answer": "sum_t W_qh.T @ dL_do[t] @ h[t-1].T"},
    {"id": "cid", "grad": "W_qh", "answer": "sum_t dL_do[t] @ h[t].T"},
    {"id": "dan", "grad": "W_hh", "answer": r"\input{/etc/passwd}"},
    {"id": "eve", "grad": "W_hh", "answer": "9**9**9**9"},
    {"id": "fay", "grad": "W_zz", "answer": "x"},
    {"id": "gus", "grad": "W_hh", "answer": ""},
    {"id": "hal", "grad": "", "answer": "sum_t dL_dh[t] @ h[t-1].T"},
]
EXPECTED = {"ana": "correct", "ben": "wrong", "cid": "correct", "dan": "invalid", "eve": "invalid", "fay": "invalid",
            "gus": "invalid", "hal": "invalid"}


def _check_rows(results):
    assert [r["id"] for r in results] == [s["id"] for s in SUBMISSIONS]
    for r in results:
        assert r["status"] == EXPECTED[r["id"]], r
    ben = next(r for r in results if r["id"] == "ben")
    assert ben["mistakes"] == "missing_recurrent_term" and ben["counterexample"]


def test_grade_rows_with_a_thread_pool():
    with ThreadPoolExecutor(max_workers=2) as pool:
        _check_rows(grade_rows("rnn-linear", SUBMISSIONS, executor=pool, batch=3))


def test_grade_rows_with_the_default_process_pool():
    _check_rows(grade_rows(catalogue.load("rnn-linear"), SUBMISSIONS, workers=2, batch=2))


class _Broken(Executor):
    """An executor whose every other batch fails (as when a worker process dies)."""

    def __init__(self):
        self.n = 0

    def submit(self, fn, *args, **kwargs):
        self.n += 1
        future = Future()
        if self.n % 2 == 0:
            future.set_exception(RuntimeError("worker died"))
        else:
            future.set_result(fn(*args, **kwargs))
        return future


class _Stuck(Executor):
    """An executor that never finishes anything (a hung worker)."""

    def submit(self, fn, *args, **kwargs):
        return Future()


def test_a_failed_worker_loses_only_its_own_rows():
    results = grade_rows("rnn-linear", SUBMISSIONS, executor=_Broken(), batch=2)
    assert len(results) == len(SUBMISSIONS)
    statuses = [r["status"] for r in results]
    assert "error" in statuses and "correct" in statuses
    assert all("worker failed" in r["message"] for r in results if r["status"] == "error")


def test_a_stuck_worker_gives_timeout_rows():
    results = grade_rows("rnn-linear", SUBMISSIONS[:3], executor=_Stuck(), budget=0.5)
    assert [r["status"] for r in results] == ["timeout"] * 3
    assert [r["id"] for r in results] == ["ana", "ben", "cid"]


def test_grade_csv_round_trip_and_a_grad_argument():
    text = "id,answer\ns1,sum_t dL_dh[t] @ h[t-1].T\ns2,sum_t dL_dh[t] @ x[t].T\n"
    with ThreadPoolExecutor(max_workers=1) as pool:
        out = grade_csv("rnn-linear", text, grad="W_hh", executor=pool)
    rows = list(csv.DictReader(io.StringIO(out)))
    assert tuple(rows[0]) == OUT_FIELDS
    assert [r["status"] for r in rows] == ["correct", "wrong"]
    assert rows[1]["mistakes"] == "wrong_signal_pairing"


def test_csv_without_an_answer_column_is_refused():
    with pytest.raises(SymrnnError, match="answer"):
        read_csv("id,formula\n1,x\n")


def test_cli_grade_writes_one_row_per_submission(tmp_path, capsys):
    src = tmp_path / "subs.csv"
    with src.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=["id", "grad", "answer"])
        writer.writeheader()
        writer.writerows(SUBMISSIONS)
    out = tmp_path / "out.csv"
    parser = argparse.ArgumentParser()
    grade_command.register(parser)
    assert grade_command.run(parser.parse_args(["rnn-linear", str(src), "-o", str(out), "--workers", "2"])) == 0
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert len(rows) == len(SUBMISSIONS)
    assert {r["id"]: r["status"] for r in rows} == EXPECTED
    assert "graded 8 submissions" in capsys.readouterr().err


def test_the_worker_memory_cap_refuses_a_huge_allocation():
    code = (
        "import numpy as np\n"
        "from symrnn.check.grade import _limit_memory\n"
        "_limit_memory(200 * 1024**2)\n"
        "try:\n"
        "    np.ones(10**9)\n"
        "    print('allocated')\n"
        "except MemoryError:\n"
        "    print('refused')\n"
        "np.ones(10**6)\n"
        "print('small ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True, timeout=60)
    assert out.stdout.split() == ["refused", "small", "ok"], out.stdout + out.stderr
