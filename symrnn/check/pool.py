"""Worker processes that lose no task: a dead worker's task runs again on a fresh worker.

``run_tasks(fn, items, ...)`` calls ``fn(item)`` for every item in ``workers`` forked processes,
one task at a time per worker, each process with an address-space limit. Unlike a
``ProcessPoolExecutor`` (where one dead worker breaks the pool and fails every pending future),
the parent knows which task each worker holds: when a worker dies (killed, out of memory, a
crash in C), only that task is counted as an attempt and queued again, on a new worker, up to
``retries`` attempts; a task that exhausts them is reported ``lost``. A task that runs past
``task_timeout`` seconds has its worker killed and is reported ``timeout``; at the end, or when
the overall ``budget`` runs out, every worker is killed, never waited for.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait

from . import limits


@dataclass(frozen=True)
class Done:
    """A task's outcome: ``status`` ok | lost | timeout, the value of ``fn(item)`` when ok."""

    status: str
    value: object = None
    attempts: int = 1


@dataclass
class _Worker:
    process: multiprocessing.Process
    conn: Connection
    task: int | None = None
    started: float = 0.0


def _address_space() -> int:
    """This process's current address-space size in bytes (Linux), or 0 when unknown."""
    try:
        with open("/proc/self/statm", encoding="ascii") as fh:
            return int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):  # pragma: no cover - not on Linux
        return 0


def limit_memory(limit: int | None) -> None:
    """Cap this process's address space at ``limit`` bytes beyond what it already maps (a forked
    worker inherits the parent's mappings: libraries, thread stacks)."""
    if not limit:
        return
    try:
        import resource

        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        cap = _address_space() + limit
        if hard == resource.RLIM_INFINITY or cap < hard:
            resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    except (ImportError, ValueError, OSError):  # pragma: no cover - not on Linux
        pass


def _serve(conn: Connection, fn: Callable, memory_limit: int | None) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles ^C and kills its workers
    limit_memory(memory_limit)
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        index, item = message
        conn.send((index, fn(item)))


def run_tasks(fn: Callable, items: Sequence, workers: int, task_timeout: float, budget: float | None = None,
              retries: int = limits.GRADE_RETRIES, memory_limit: int | None = None,
              on_assign: Callable[[int, int], None] | None = None) -> list[Done]:
    """``fn(item)`` for each item, in worker processes; one ``Done`` per item, in order.

    ``on_assign(index, pid)`` is called when task ``index`` is handed to worker ``pid``, just
    before it is sent (a test kills that worker there: the task is then lost with it, always).
    """
    ctx = multiprocessing.get_context("fork")
    results: list[Done | None] = [None] * len(items)
    attempts = [0] * len(items)
    queue = deque(range(len(items)))
    pool: list[_Worker] = []
    deadline = time.monotonic() + budget if budget is not None else None
    try:
        while queue or any(w.task is not None for w in pool):
            _fill(ctx, pool, queue, items, attempts, workers, fn, memory_limit, on_assign)
            now = time.monotonic()
            if deadline is not None and now >= deadline:
                break
            waits = [w.started + task_timeout - now for w in pool if w.task is not None]
            if deadline is not None:
                waits.append(deadline - now)
            ready = wait([w.conn for w in pool] + [w.process.sentinel for w in pool], timeout=max(0.0, min(waits, default=1.0)))
            _harvest(pool, ready, results, attempts, queue, retries)
            _expire(pool, results, attempts, task_timeout)
    finally:
        for w in pool:
            _kill(w)
    for i, r in enumerate(results):
        if r is None:  # the budget ran out before it was done
            results[i] = Done("timeout", attempts=attempts[i])
    return results


def _fill(ctx, pool, queue, items, attempts, workers, fn, memory_limit, on_assign) -> None:
    """Start workers while there is work for them, and hand each idle worker a task."""
    busy = sum(1 for w in pool if w.task is not None)
    while len(pool) < workers and len(queue) > len(pool) - busy:
        parent, child = ctx.Pipe()
        process = ctx.Process(target=_serve, args=(child, fn, memory_limit), daemon=True)
        process.start()
        child.close()
        pool.append(_Worker(process, parent))
    for w in pool:
        if w.task is None and queue:
            index = queue.popleft()
            w.task, w.started = index, time.monotonic()
            attempts[index] += 1
            if on_assign is not None:
                on_assign(index, w.process.pid)
            try:
                w.conn.send((index, items[index]))
            except (OSError, ValueError):
                pass  # the worker is already dead: _harvest sees its sentinel


def _harvest(pool, ready, results, attempts, queue, retries) -> None:
    """Collect finished tasks; requeue (or give up on) the task of every worker that died."""
    ready = set(ready)
    for w in list(pool):
        if w.conn in ready or (w.process.sentinel in ready and _has_data(w.conn)):
            try:
                index, value = w.conn.recv()
                results[index] = Done("ok", value, attempts[index])
                w.task = None
                continue
            except (EOFError, OSError):
                pass
        elif w.process.sentinel not in ready:
            continue
        _kill(w)
        pool.remove(w)
        if w.task is not None:
            if attempts[w.task] >= retries:
                results[w.task] = Done("lost", attempts=attempts[w.task])
            else:
                queue.appendleft(w.task)


def _has_data(conn: Connection) -> bool:
    try:
        return conn.poll()
    except (EOFError, OSError):
        return False


def _expire(pool, results, attempts, task_timeout) -> None:
    now = time.monotonic()
    for w in list(pool):
        if w.task is not None and now - w.started > task_timeout:
            results[w.task] = Done("timeout", attempts=attempts[w.task])
            _kill(w)
            pool.remove(w)


def _kill(w: _Worker) -> None:
    if w.process.is_alive():
        w.process.kill()
    w.process.join(timeout=5)
    w.conn.close()
