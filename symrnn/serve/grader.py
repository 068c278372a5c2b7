"""The grader: a thread that takes pending submissions from the store and grades them in worker processes.

Each round takes up to ``batch`` pending rows (oldest first), groups them by spec and hands each
group to :func:`symrnn.check.grade.grade_rows`, the same code as ``symrnn grade``: forked worker
processes with the checker's time limit (``time_limit`` per answer, within the check) and
memory limit (``RLIMIT_AS``), a dead worker's row graded again on a fresh one, a worker past its
budget killed. The result row (the CSV row of ``symrnn grade``) is saved with the submission,
which only then stops being pending; ``on_done(id)`` is told. A server never runs code a
visitor sends: there is no ``--function`` here, only typed formulas read by the checker's grammar.

The workers are forked from the server after it has set every question up, so each inherits the
checker's cached set-up and grades at once.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable

from ..check import limits
from ..i18n import _, current, use_language
from .store import Store, Submission

BATCH_PER_WORKER = 16
"""Rows taken per round, per worker. Each round forks its workers (about 0.25 s on the 2-core
test machine, where a warm check of rnn-linear takes 10-30 ms), so a busy server grades in large
rounds (32 rows in 0.36 s, against 8 rows in 0.30 s); a quiet one grades each row as it comes."""


class Grader:
    def __init__(self, store: Store, workers: int, time_limit: float = limits.TIME_LIMIT,
                 memory_limit: int | None = limits.MEMORY_LIMIT, on_done: Callable[[int], None] | None = None,
                 lang: str | None = None):
        self.store = store
        self.lang = lang or current()  # the thread grades in the language the server was started in
        self.workers = max(1, workers)
        self.time_limit = time_limit
        self.memory_limit = memory_limit
        self.on_done = on_done
        self.rounds = 0
        self.failures = 0
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="symrnn-grader", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def notify(self) -> None:
        """A new submission is stored: grade it now rather than at the next poll."""
        self._wake.set()

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout)

    def _loop(self) -> None:
        with use_language(self.lang):  # a new thread starts in the default language
            self._rounds()

    def _rounds(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            try:
                batch = self.store.pending(self.workers * BATCH_PER_WORKER)
                if batch:
                    self.grade(batch)
                    self.rounds += 1
                    continue
            except Exception as err:  # noqa: BLE001 - a locked or full database: say so, keep grading
                self.failures += 1
                print("symrnn serve: " + _("grading round failed ({error}); trying again").format(
                    error=f"{type(err).__name__}: {err}"),
                      file=sys.stderr, flush=True)
            self._wake.wait(1.0)

    def grade(self, batch: list[Submission]) -> None:
        """Grade ``batch`` (every row, whatever happens to one of them) and save each result."""
        from ..check.grade import grade_rows

        groups: dict[str, list[Submission]] = {}
        for sub in batch:
            groups.setdefault(sub.spec, []).append(sub)
        for spec, subs in groups.items():
            rows = [{"id": s.student, "grad": s.grad, "answer": s.answer} for s in subs]
            try:
                results = grade_rows(spec, rows, workers=min(self.workers, len(rows)), time_limit=self.time_limit,
                                     memory_limit=self.memory_limit)
            except Exception as err:  # noqa: BLE001 - a spec that fails to load must not stop the grader
                results = [{"id": s.student, "grad": s.grad, "answer": s.answer, "status": "error", "score": 0.0,
                            "message": _("internal error: {error}").format(error=f"{type(err).__name__}: {err}")[:500]} for s in subs]
            for sub, result in zip(subs, results):
                if self.store.save(sub.id, {**result, "line": sub.id, "flags": ""}) and self.on_done:
                    self.on_done(sub.id)


__all__ = ["Grader"]
