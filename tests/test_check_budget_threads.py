"""A check's time budget belongs to the thread that opened it: a check left hanging in another
thread (an abandoned grading task, a server's grader) cannot make every later check in the
process run out of time (a process-wide deadline did: 41 tests failed in one CI run)."""

from __future__ import annotations

import threading
import time

from symrnn.check import budget
from symrnn.check.verdict import check_answer


def test_a_deadline_left_open_in_another_thread_does_not_leak():
    entered, release = threading.Event(), threading.Event()

    def abandoned():
        with budget.within(time.monotonic() - 1.0):  # already spent, and the thread never leaves
            entered.set()
            release.wait(30)

    thread = threading.Thread(target=abandoned, daemon=True)
    thread.start()
    assert entered.wait(10)
    try:
        assert budget.current() is None
        verdict = check_answer("rnn-linear", "W_hh", "sum_t dL_dh[t] @ h[t-1].T")
        assert verdict.status == "correct", verdict.to_text()
    finally:
        release.set()
        thread.join(10)
