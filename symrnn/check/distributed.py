"""Grading past one machine: batches of rows as Dask distributed tasks (``pip install symrnn[dask]``).

``grade_on_dask("local", items, workers, batch)`` starts a ``LocalCluster`` of ``workers``
single-threaded worker processes for the run; ``grade_on_dask("tcp://HOST:PORT", ...)`` uses a
running scheduler. Each batch is one task with its own key; its result is stored under the
batch's index once, so a row is never written twice. When a worker dies, the scheduler runs its
tasks again on another worker (Dask's ``allowed_failures``); a task that still fails, or that
raises, is submitted again up to ``GRADE_RETRIES`` times in all, and its rows are reported
``ungraded`` after that: every input row gets exactly one result row.
"""

from __future__ import annotations

import time
import uuid

from ..core.errors import SymrnnError
from ..i18n import _
from . import limits


def _client(address: str, workers: int):
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise SymrnnError(_("--dask needs Dask distributed: pip install 'symrnn[dask]'")) from None
    if address == "local":
        try:
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                                   silence_logs=50)
        except Exception as err:  # noqa: BLE001 - distributed raises RuntimeError and others: one line
            raise SymrnnError(_("could not start a Dask LocalCluster: {name}: {err}").format(name=type(err).__name__, err=err)) from None
        return Client(cluster), cluster
    if not address.startswith("tcp://"):
        raise SymrnnError(_("--dask takes 'local' or a scheduler address tcp://HOST:PORT, got {address}").format(address=repr(address[:80])))
    try:
        return Client(address, timeout=10), None
    except (OSError, TimeoutError) as err:
        raise SymrnnError(_("cannot reach the Dask scheduler at {address}: {name}").format(address=address[:80], name=type(err).__name__)) from None


def grade_on_dask(address: str, items: list, workers: int, batch: int = 8, budget: float | None = None,
                  on_submitted=None) -> list[dict]:
    """One result row per item, in order, graded on a Dask cluster.

    ``on_submitted(client)`` is called once every batch is submitted (a test kills a worker there).
    """
    from distributed import as_completed

    from .grade import done_row, grade_batch

    client, cluster = _client(address, workers)
    run = uuid.uuid4().hex[:8]
    batches = [list(range(k, min(k + batch, len(items)))) for k in range(0, len(items), batch)]
    results: list[dict | None] = [None] * len(items)
    tries = [0] * len(batches)
    batch_of: dict[str, int] = {}
    deadline = time.monotonic() + budget if budget is not None else None
    try:
        def submit(b: int):
            tries[b] += 1
            future = client.submit(grade_batch, [items[i] for i in batches[b]], key=f"grade-{run}-{b}-{tries[b]}",
                                   pure=False)
            batch_of[future.key] = b
            return future

        pending = as_completed([submit(b) for b in range(len(batches))], with_results=False)
        if on_submitted is not None:
            on_submitted(client)
        for future in pending:
            b = batch_of.pop(future.key)
            if future.status == "finished":
                for i, row in zip(batches[b], future.result()):
                    if results[i] is None:
                        results[i] = row
            elif tries[b] < limits.GRADE_RETRIES:
                pending.add(submit(b))
            else:
                for i in batches[b]:
                    results[i] = done_row(items[i], "lost", None, tries[b], 0)
            future.release()
            if deadline is not None and time.monotonic() > deadline:
                break
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    return [r if r is not None else done_row(items[i], "timeout", None, 0, items[i][4]) for i, r in enumerate(results)]
