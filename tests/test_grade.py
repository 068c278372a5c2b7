"""Grading a class's CSV: one result row per submission, any executor, crashes and timeouts contained."""

from __future__ import annotations

import argparse
import csv
import io
import multiprocessing
import os
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import Executor, Future, ThreadPoolExecutor

import pytest

from symrnn.check import grade as grade_module
from symrnn.check.csvio import read_csv
from symrnn.check.grade import OUT_FIELDS, grade_csv, grade_rows
from symrnn.check.pool import run_tasks
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


def test_a_failed_batch_is_graded_again_on_the_executor():
    results = grade_rows("rnn-linear", SUBMISSIONS, executor=_Broken(), batch=2)
    _check_rows(results)


class _Dead(Executor):
    """An executor whose every batch fails."""

    def submit(self, fn, *args, **kwargs):
        future = Future()
        future.set_exception(RuntimeError("worker died"))
        return future


def test_a_batch_that_always_fails_is_reported_ungraded_after_bounded_retries():
    results = grade_rows("rnn-linear", SUBMISSIONS[:3], executor=_Dead(), batch=2)
    assert [r["status"] for r in results] == ["ungraded"] * 3
    assert all("failed 3 times" in r["message"] for r in results)


def test_a_stuck_worker_gives_timeout_rows():
    results = grade_rows("rnn-linear", SUBMISSIONS[:3], executor=_Stuck(), budget=0.5)
    assert [r["status"] for r in results] == ["timeout"] * 3
    assert [r["id"] for r in results] == ["ana", "ben", "cid"]


def test_grade_csv_round_trip_and_a_grad_argument():
    text = "id,answer\ns1,sum_t dL_dh[t] @ h[t-1].T\ns2,sum_t dL_dh[t] @ x[t].T\n"
    with ThreadPoolExecutor(max_workers=1) as pool:
        out = grade_csv("rnn-linear", text, grad="W_hh", executor=pool)
    rows = list(csv.DictReader(io.StringIO(out.removeprefix("\ufeff"), newline="")))
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
    rows = list(csv.DictReader(out.open(encoding="utf-8-sig", newline="")))
    assert len(rows) == len(SUBMISSIONS)
    assert {r["id"]: r["status"] for r in rows} == EXPECTED
    assert "8 submissions" in capsys.readouterr().out


def test_the_worker_memory_cap_refuses_a_huge_allocation():
    code = (
        "import numpy as np\n"
        "from symrnn.check.pool import limit_memory\n"
        "limit_memory(200 * 1024**2)\n"
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


# --- no grade lost when a worker dies ------------------------------------------------------------------

ANSWERS = ["sum_t dL_dh[t] @ h[t-1].T", "sum_t W_qh.T @ dL_do[t] @ h[t-1].T", "sum_t dL_dh[t] @ x[t].T", "W_hh",
           r"\input{x}", "sum_t dL_dh[t]\n @ zz[t-1].T"]
CLASS = [{"id": f"s{i}", "grad": "W_hh", "answer": ANSWERS[i % len(ANSWERS)]} for i in range(48)]


SLACK = 60.0
"""Seconds per answer in the kill tests: generous, so that a loaded machine's slower set-up is never
refused by the time limit in one run and not in the other (the rows are compared)."""


@pytest.fixture(scope="module")
def baseline():
    return grade_rows("rnn-linear", CLASS, workers=2, time_limit=SLACK)


def test_a_worker_killed_mid_task_loses_no_row(baseline):
    killed = []

    def kill(index, pid):
        if index in (5, 30) and index not in killed:
            killed.append(index)
            os.kill(pid, signal.SIGKILL)

    results = grade_rows("rnn-linear", CLASS, workers=2, on_assign=kill, time_limit=SLACK)
    assert killed == [5, 30]
    assert results == baseline
    assert {r["status"] for r in results} <= {"correct", "wrong", "invalid"}


def test_a_worker_killed_from_another_thread_loses_no_row(baseline):
    victims = []

    def killer():
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not victims:
            children = multiprocessing.active_children()
            if children:
                time.sleep(0.05)
                children = multiprocessing.active_children()
                if children:
                    os.kill(children[0].pid, signal.SIGKILL)
                    victims.append(children[0].pid)
            time.sleep(0.005)

    thread = threading.Thread(target=killer)
    thread.start()
    results = grade_rows("rnn-linear", CLASS, workers=2, time_limit=SLACK)
    thread.join()
    assert victims, "no worker was killed"
    assert results == baseline


def test_a_row_that_kills_every_worker_is_reported_ungraded_and_the_rest_are_graded(baseline):
    def kill(index, pid):
        if index == 7:
            os.kill(pid, signal.SIGKILL)

    results = grade_rows("rnn-linear", CLASS[:12], workers=2, on_assign=kill, time_limit=SLACK)
    assert results[7]["status"] == "ungraded" and "died 3 times" in results[7]["message"]
    assert results[:7] + results[8:] == baseline[:7] + baseline[8:12]


def _hang_or_echo(item):
    if item == "hang":
        signal.signal(signal.SIGALRM, signal.SIG_IGN)
        while True:
            time.sleep(1)
    if item == "die":
        os._exit(3)
    return item.upper()


def test_the_pool_kills_a_task_past_its_budget_and_leaves_no_process():
    start = time.monotonic()
    out = run_tasks(_hang_or_echo, ["a", "hang", "b", "die", "c"], workers=2, task_timeout=1.0)
    assert time.monotonic() - start < 10
    assert [(d.status, d.value) for d in out] == [("ok", "A"), ("timeout", None), ("ok", "B"), ("lost", None), ("ok", "C")]
    assert out[3].attempts == 3
    assert multiprocessing.active_children() == []


def test_the_overall_budget_kills_every_worker():
    start = time.monotonic()
    out = run_tasks(_hang_or_echo, ["hang", "hang", "a"], workers=2, task_timeout=100, budget=1.0)
    assert time.monotonic() - start < 6
    assert [d.status for d in out] == ["timeout", "timeout", "timeout"]
    assert multiprocessing.active_children() == []


def test_cli_exits_non_zero_and_lists_rows_that_could_not_be_graded(tmp_path, monkeypatch, capsys):
    import functools

    def kill(index, pid):
        if index == 1:
            os.kill(pid, signal.SIGKILL)

    monkeypatch.setattr(grade_module, "grade_rows", functools.partial(grade_module.grade_rows, on_assign=kill))
    src = tmp_path / "subs.csv"
    src.write_text("id,answer\na,sum_t dL_dh[t] @ h[t-1].T\nb,W_hh\nc,W_hh\n", encoding="utf-8")
    parser = argparse.ArgumentParser()
    grade_command.register(parser)
    code = grade_command.run(parser.parse_args(["rnn-linear", str(src), "--grad", "W_hh", "-o", str(tmp_path / "o.csv")]))
    err = capsys.readouterr().err
    assert code == 1
    assert "1 of 3 submissions could not be graded" in err and "line 3, id 'b': ungraded" in err
