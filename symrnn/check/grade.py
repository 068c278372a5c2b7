"""Grade a class's typed answers from a CSV file, in parallel, one result row per input row.

Input CSV: a header with ``answer`` and optionally ``id`` (or ``student``) and ``grad`` (or
``parameter``: the gradient asked, ``W_hh``); without a ``grad`` column every row is checked
against the ``grad`` argument. Output CSV: the input's ``id``, ``grad`` and ``answer``, then
``status`` (correct, wrong, invalid, error, timeout), ``score``, ``mistakes`` (ids of
``symrnn.core.mistakes``, ``;``-separated), ``read_as`` (LaTeX), ``feedback``, ``teacher_note``,
``message`` and ``counterexample`` (JSON). Rows keep the input's order.

``grade_rows`` accepts any ``concurrent.futures.Executor``: the default is a process pool over
every core, each worker with an address-space limit. A row whose answer crashes its check gets
status ``error``; one that is not done within its time budget gets ``timeout``; when a worker
fails, the rows of its batch get ``error`` (a process that dies breaks a ``ProcessPoolExecutor``,
so the rows not yet graded then get ``error`` too: every input row still has its result row).
"""

from __future__ import annotations

import csv
import io
import json
import os
import time
from collections.abc import Iterable
from concurrent.futures import Executor, Future, ProcessPoolExecutor, wait
from dataclasses import asdict

from ..core.errors import SymrnnError
from . import limits

OUT_FIELDS = ("id", "grad", "answer", "status", "score", "mistakes", "read_as", "feedback", "teacher_note", "message", "counterexample")


def _address_space() -> int:
    """This process's current address-space size in bytes (Linux), or 0 when unknown."""
    try:
        with open("/proc/self/statm", encoding="ascii") as fh:
            return int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):  # pragma: no cover - not on Linux
        return 0


def _limit_memory(limit: int | None) -> None:
    """Cap a worker's address space at ``limit`` bytes beyond what it already maps (a forked
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


def _worker_init(memory_limit: int | None) -> None:
    _limit_memory(memory_limit)


def grade_one(spec, grad: str, answer: str, row_id: str = "", time_limit: float = limits.TIME_LIMIT) -> dict:
    """One result row; never raises (a crash becomes status ``error``)."""
    base = {"id": row_id, "grad": grad, "answer": answer}
    try:
        from .verdict import check_answer

        v = check_answer(spec, grad, answer, time_limit=time_limit)
        ce = json.dumps(asdict(v.counterexample), sort_keys=True) if v.counterexample is not None else ""
        return {**base, "status": v.status, "score": v.score, "mistakes": ";".join(v.mistakes), "read_as": v.read_as,
                "feedback": v.feedback, "teacher_note": v.teacher_note, "message": v.message, "counterexample": ce}
    except SymrnnError as err:
        return {**base, **_empty(), "status": "invalid", "message": str(err)}
    except MemoryError:
        return {**base, **_empty(), "status": "error", "message": "the check ran out of memory"}
    except Exception as err:  # noqa: BLE001 - one row's crash must not lose the others
        return {**base, **_empty(), "status": "error", "message": f"internal error: {type(err).__name__}: {err}"}


def _empty() -> dict:
    return {"score": 0.0, "mistakes": "", "read_as": "", "feedback": "", "teacher_note": "", "message": "", "counterexample": ""}


def _grade_batch(items: list) -> list[dict]:
    return [grade_one(*item) for item in items]


def grade_rows(spec, rows: Iterable[dict], grad: str | None = None, executor: Executor | None = None,
               workers: int | None = None, time_limit: float = limits.TIME_LIMIT, batch: int = 8,
               memory_limit: int | None = limits.MEMORY_LIMIT, budget: float | None = None) -> list[dict]:
    """Grade dict rows (``answer``, optional ``id`` and ``grad``); one result per row, in order.

    ``executor``: any ``concurrent.futures.Executor`` (default: a process pool over every core,
    shut down at the end). ``time_limit``: seconds per answer (enforced inside the check);
    ``budget``: seconds for the whole run, by default ``(time_limit * batch + 30)`` per round of
    batches over the workers; rows not done by then get ``timeout``.
    """
    from .evaluate import resolve_spec

    spec = resolve_spec(spec)
    rows = list(rows)
    items = []
    for i, row in enumerate(rows):
        row_id = str(row.get("id") or row.get("student") or i + 1)
        g = (row.get("grad") or row.get("parameter") or grad or "").strip()
        items.append((spec, g, str(row.get("answer") or ""), row_id, time_limit))
    results: list[dict | None] = [None] * len(items)
    for i, item in enumerate(items):
        if not item[1]:
            results[i] = {"id": item[3], "grad": "", "answer": item[2], **_empty(), "status": "invalid",
                          "message": "no gradient named: add a 'grad' column or pass grad"}
    todo = [i for i in range(len(items)) if results[i] is None]
    batches = [todo[k:k + batch] for k in range(0, len(todo), batch)]
    own = executor is None
    if own:
        executor = ProcessPoolExecutor(max_workers=workers or os.cpu_count() or 1, initializer=_worker_init, initargs=(memory_limit,))
    try:
        futures: dict[Future, list[int]] = {}
        for b in batches:
            futures[executor.submit(_grade_batch, [items[i] for i in b])] = b
        n_workers = workers or os.cpu_count() or 1
        if budget is None:
            budget = (time_limit * batch + 30) * (len(batches) / n_workers + 1)
        deadline = time.monotonic() + budget
        pending = set(futures)
        while pending:
            done, pending = wait(pending, timeout=max(0.0, deadline - time.monotonic()))
            for f in done:
                _collect(f, futures[f], items, results)
            if time.monotonic() >= deadline:
                break
        for f in pending:
            f.cancel()
            for i in futures[f]:
                item = items[i]
                results[i] = {"id": item[3], "grad": item[1], "answer": item[2], **_empty(), "status": "timeout",
                              "message": f"not graded within the time budget ({time_limit:g} s per answer)"}
    finally:
        if own:
            executor.shutdown(wait=False, cancel_futures=True)
    return [r for r in results if r is not None]


def _collect(future: Future, indices: list[int], items: list, results: list) -> None:
    try:
        out = future.result()
        for i, row in zip(indices, out):
            results[i] = row
    except Exception as err:  # noqa: BLE001 - the worker died (BrokenProcessPool) or the executor failed
        for i in indices:
            item = items[i]
            results[i] = {"id": item[3], "grad": item[1], "answer": item[2], **_empty(), "status": "error",
                          "message": f"the grading worker failed: {type(err).__name__}"}


_FIELD_LIMIT = 16 * 1024 * 1024
"""A cell of the input CSV may be this long; the checker's own length limit then refuses the answer."""

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def read_csv(text: str) -> list[dict]:
    """Rows of a CSV file (a spreadsheet's byte-order mark is dropped)."""
    text = text.removeprefix("\ufeff")
    csv.field_size_limit(max(csv.field_size_limit(), _FIELD_LIMIT))
    reader = csv.DictReader(io.StringIO(text))
    try:
        if reader.fieldnames is None or "answer" not in [f.strip() for f in reader.fieldnames]:
            raise SymrnnError("the CSV file needs a header with an 'answer' column (and optionally 'id', 'grad')")
        return [{(k or "").strip(): (v or "") for k, v in row.items()} for row in reader]
    except csv.Error as err:
        raise SymrnnError(f"the CSV file cannot be read: {err}") from None


def _spreadsheet_safe(value):
    r"""A cell a spreadsheet would run as a formula (``=cmd|...``) is written with a leading quote.

    Line breaks inside a cell are written as ``\n``: the writer quotes a cell holding one, but not
    a lone ``\r``, which a spreadsheet reads as the end of the row (the rest of the cell would start
    a new row, and could start it with ``=``).
    """
    if isinstance(value, str):
        value = value.replace("\r\n", "\n").replace("\r", "\n")
        if value.startswith(_FORMULA_START):
            return "'" + value
    return value


def write_csv(results: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=OUT_FIELDS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in results:
        writer.writerow({k: _spreadsheet_safe(v) for k, v in row.items()})
    return out.getvalue()


def grade_csv(spec, text: str, grad: str | None = None, executor: Executor | None = None, **kwargs) -> str:
    """Grade the CSV ``text``; return the result CSV."""
    return write_csv(grade_rows(spec, read_csv(text), grad=grad, executor=executor, **kwargs))
