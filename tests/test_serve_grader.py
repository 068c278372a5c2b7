"""The server's grader: pending rows graded by grade_rows' workers, under the checker's limits, saved once."""

from __future__ import annotations

import time

from symrnn.check import limits
from symrnn.serve.grader import Grader
from symrnn.serve.questions import Question
from symrnn.serve.run import warm
from symrnn.serve.store import Store


def test_pending_rows_are_graded_in_workers_and_saved_once(tmp_path, monkeypatch):
    from symrnn.check import grade

    seen = {}
    real = grade.grade_rows

    def spy(spec, rows, **kwargs):
        seen.update(kwargs)
        return real(spec, rows, **kwargs)

    monkeypatch.setattr(grade, "grade_rows", spy)
    warm((Question("q1", "", "rnn-linear", "W_hh", (), ()),))  # as the server does: workers inherit the set-up
    store = Store(str(tmp_path / "g.sqlite"))
    a = store.add("q1", "rnn-linear", "W_hh", "ana", "sum_t dL_dh[t] @ h[t-1].T")
    b = store.add("q1", "rnn-linear", "W_hh", "bo", "sum_t dL_dh[t] @ h[t-1]")
    done = []
    grader = Grader(store, workers=2, time_limit=4.0, on_done=done.append)
    grader.grade(store.pending(10))
    assert sorted(done) == [a.id, b.id]
    assert seen["time_limit"] == 4.0 and seen["memory_limit"] == limits.MEMORY_LIMIT and seen["workers"] == 2
    assert store.by_token(a.token).result["status"] == "correct"
    assert store.by_token(b.token).result["mistakes"] == "missing_transpose"
    assert not store.save(a.id, {"status": "wrong"})  # a graded row is never graded again
    assert store.by_token(a.token).graded == 1 and store.pending(10) == []


def test_the_grader_thread_grades_what_is_stored_while_it_runs(tmp_path):
    warm((Question("q2", "", "rnn-linear", "h", (), ()),))
    store = Store(str(tmp_path / "t.sqlite"))
    grader = Grader(store, workers=1)
    grader.start()
    try:
        sub = store.add("q1", "rnn-linear", "h", "cy", "W_qh.T @ dL_do[t]")
        grader.notify()
        deadline = time.monotonic() + 120
        while store.by_token(sub.token).status == "pending" and time.monotonic() < deadline:
            time.sleep(0.1)
        assert store.by_token(sub.token).result["mistakes"] == "missing_recurrent_term"
    finally:
        grader.stop()


def test_a_spec_that_cannot_be_loaded_becomes_an_error_row_not_a_dead_grader(tmp_path):
    store = Store(str(tmp_path / "e.sqlite"))
    sub = store.add("q1", "no-such-network", "W_hh", "di", "W_hh")
    Grader(store, workers=1).grade(store.pending(10))
    result = store.by_token(sub.token).result
    assert result["status"] == "error" and "no-such-network" in result["message"]


def test_a_failing_round_does_not_stop_the_grader(tmp_path, capsys):
    store = Store(str(tmp_path / "f.sqlite"))
    sub = store.add("q1", "rnn-linear", "W_hh", "ed", "W_hh")
    real = store.pending
    calls = []

    def flaky(limit, after=0):
        calls.append(limit)
        if len(calls) == 1:
            raise RuntimeError("database is locked")
        return real(limit, after)

    store.pending = flaky
    grader = Grader(store, workers=1)
    grader.start()
    try:
        deadline = time.monotonic() + 120
        while store.by_token(sub.token).status == "pending" and time.monotonic() < deadline:
            grader.notify()
            time.sleep(0.1)
    finally:
        grader.stop()
    assert grader.failures == 1 and store.by_token(sub.token).status == "graded"
    assert "grading round failed (RuntimeError: database is locked)" in capsys.readouterr().err
