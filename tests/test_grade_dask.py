"""Grading on Dask distributed: a LocalCluster, one result row per input row, even when a worker dies."""

from __future__ import annotations

import os
import signal
import time

import pytest

from symrnn.check.distributed import grade_on_dask
from symrnn.check.grade import grade_rows, submission_items
from symrnn.core import catalogue
from symrnn.core.errors import SymrnnError

ANSWERS = ["sum_t dL_dh[t] @ h[t-1].T", "sum_t W_qh.T @ dL_do[t] @ h[t-1].T", "sum_t dL_dh[t] @ x[t].T", "W_hh",
           r"\input{x}"]
CLASS = [{"id": f"s{i}", "grad": "W_hh", "answer": ANSWERS[i % len(ANSWERS)]} for i in range(60)]


SLACK = 60.0
"""Seconds per answer: generous, so that a loaded machine's slower set-up is never refused by the
time limit in one run and not in the other (the rows are compared)."""


@pytest.fixture(scope="module")
def baseline():
    return grade_rows("rnn-linear", CLASS, workers=2, time_limit=SLACK)


def test_a_local_cluster_grades_every_row_once(baseline):
    assert grade_rows("rnn-linear", CLASS, workers=2, dask="local", batch=6, time_limit=SLACK) == baseline


def test_a_worker_killed_mid_run_loses_no_row_and_grades_none_twice(baseline):
    killed = []

    def kill_a_busy_worker(client):
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            busy = {w: len(keys) for w, keys in client.processing().items() if keys}
            if busy:
                worker, held = next(iter(busy.items()))
                pid = client.run(os.getpid, workers=[worker])[worker]
                # What it held is read before the kill: once the worker dies the scheduler drops
                # it from processing(), and reading it afterwards races the scheduler.
                os.kill(pid, signal.SIGKILL)
                killed.append((pid, held))
                return
            time.sleep(0.05)

    items = submission_items(catalogue.load("rnn-linear"), CLASS, None, SLACK)
    results = grade_on_dask("local", items, 2, batch=2, on_submitted=kill_a_busy_worker)
    assert killed and killed[0][1] > 0, "no busy worker was killed"
    assert len(results) == len(CLASS)
    assert [r["id"] for r in results] == [r["id"] for r in CLASS]
    assert results == baseline


def test_an_unreachable_scheduler_is_a_one_line_error():
    with pytest.raises(SymrnnError, match="cannot reach the Dask scheduler"):
        grade_on_dask("tcp://127.0.0.1:9", [], 1)
