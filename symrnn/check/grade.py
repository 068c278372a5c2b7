"""Grade a class's typed answers, in parallel, one result row per input row, no row lost.

Input (``csvio.read_csv``): a header with ``answer`` and optionally ``id`` (or ``student``) and
``grad`` (or ``parameter``: the gradient asked, ``W_hh``); without a ``grad`` column every row is
checked against the ``grad`` argument; any other column is kept and written back. Output
(``OUT_FIELDS``, then the input's other columns): ``status`` is correct, wrong, invalid (the
answer cannot be read or is refused), error (the check itself crashed), timeout (not done within
its budget) or ungraded (its grading worker died ``GRADE_RETRIES`` times); ``line`` is the input
line the row starts on and ``flags`` says when its id is given more than once.

Where the rows run: by default ``pool.run_tasks``, forked workers over the cores that regrade a
dead worker's row on a fresh worker and are killed, not waited for, at the end; any
``concurrent.futures.Executor`` (batches, a failed batch submitted again); or Dask distributed
(``distributed.py``). A multi-line answer is checked with its line breaks read as spaces, so a
refusal's column points into one line: the message then names the line and the column there.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterable
from concurrent.futures import Executor, Future, wait
from dataclasses import asdict

from ..core.errors import SymrnnError
from ..i18n import _, current, use_language
from . import csvio, limits
from .csvio import Table, read_csv

OUT_FIELDS = ("id", "grad", "answer", "status", "score", "mistakes", "read_as", "feedback", "teacher_note",
              "message", "counterexample", "line", "flags")
UNGRADED = ("error", "timeout", "ungraded")
"""Statuses of a row that was not graded: the command then exits with status 1."""

SETUP_SECONDS = 60.0
"""A row's budget beyond its answer's time limit: building the spec's derivation in a fresh worker."""

def _column(message: str):
    """``column N: `` at the start of a message, in the current language (the checker's words)."""
    head, _sep, _rest = _("column {column}: ").partition("{column}")
    return re.match(re.escape(head) + r"(\d+)" + re.escape(_rest), message)


def _empty() -> dict:
    return {"score": 0.0, "mistakes": "", "read_as": "", "feedback": "", "teacher_note": "", "message": "", "counterexample": ""}


def _where(answer: str, message: str) -> str:
    """For a multi-line answer, ``column N:`` (of the answer read as one line) as ``line L, column C:``."""
    if "\n" not in answer and "\r" not in answer:
        return message
    found = _column(message)
    if not found:
        return message + " " + _("(the checker gave no position for this error)") if message else message
    offset = int(found.group(1)) - 1
    before = answer[:offset].replace("\r\n", "\n").replace("\r", "\n")
    line = before.count("\n") + 1
    col = len(before) - (before.rfind("\n") + 1) + 1
    return _("line {line}, column {column}: ").format(line=line, column=col) + message[found.end():].split("\n", 1)[0]


def grade_one(spec, grad: str, answer: str, row_id: str = "", time_limit: float = limits.TIME_LIMIT,
              lang: str | None = None) -> dict:
    """One result row; never raises (a crash becomes status ``error``). ``lang``: the language of
    its words (the submitting command's: a Dask or executor worker does not share its context)."""
    with use_language(lang or current()):
        return _grade_one(spec, grad, answer, row_id, time_limit)


def _grade_one(spec, grad: str, answer: str, row_id: str, time_limit: float) -> dict:
    base = {"id": row_id, "grad": grad, "answer": answer}
    flat = answer.replace("\r", " ").replace("\n", " ")
    try:
        from .verdict import check_answer

        v = check_answer(spec, grad, flat, time_limit=time_limit)
        ce = json.dumps(asdict(v.counterexample), sort_keys=True) if v.counterexample is not None else ""
        return {**base, "status": v.status, "score": v.score, "mistakes": ";".join(v.mistakes), "read_as": v.read_as,
                "feedback": v.feedback, "teacher_note": v.teacher_note, "message": _where(answer, v.message),
                "counterexample": ce}
    except SymrnnError as err:
        return {**base, **_empty(), "status": "invalid", "message": _where(answer, str(err))}
    except MemoryError:
        return {**base, **_empty(), "status": "error", "message": _("the check ran out of memory")}
    except Exception as err:  # noqa: BLE001 - one row's crash must not lose the others
        return {**base, **_empty(), "status": "error", "message": _("internal error: {error}").format(error=f"{type(err).__name__}: {err}")}


def grade_item(item: tuple) -> dict:
    return grade_one(*item)


def grade_batch(items: list) -> list[dict]:
    return [grade_one(*item) for item in items]


def _not_graded(item: tuple, status: str, message: str) -> dict:
    return {"id": item[3], "grad": item[1], "answer": item[2], **_empty(), "status": status, "message": message}


def submission_items(spec, rows: list[dict], grad: str | None, time_limit: float) -> list[tuple]:
    items = []
    for i, row in enumerate(rows):
        row_id = str(row.get("id") or row.get("student") or i + 1)
        g = (row.get("grad") or row.get("parameter") or grad or "").strip()
        items.append((spec, g, str(row.get("answer") or ""), row_id, time_limit, current()))
    return items


def grade_rows(spec, rows: Iterable[dict], grad: str | None = None, executor: Executor | None = None,
               workers: int | None = None, time_limit: float = limits.TIME_LIMIT, batch: int = 8,
               memory_limit: int | None = limits.MEMORY_LIMIT, budget: float | None = None,
               dask: str | None = None, on_assign=None) -> list[dict]:
    """Grade dict rows (``answer``, optional ``id`` and ``grad``); one result per row, in order.

    ``executor``: any ``concurrent.futures.Executor``; ``dask``: ``"local"`` or a scheduler's
    ``tcp://HOST:PORT``; neither: forked workers (``workers``, default every core).
    ``time_limit``: seconds per answer (inside the check); ``budget``: seconds for the whole run
    (rows not done by then get ``timeout``).
    """
    import os

    from .evaluate import resolve_spec

    spec = resolve_spec(spec)
    items = submission_items(spec, list(rows), grad, time_limit)
    results: list[dict | None] = [None] * len(items)
    for i, item in enumerate(items):
        if not item[1]:
            results[i] = _not_graded(item, "invalid", _("no gradient named: add a 'grad' column or pass grad"))
    todo = [i for i in range(len(items)) if results[i] is None]
    n_workers = workers or os.cpu_count() or 1
    if dask is not None:
        from .distributed import grade_on_dask

        done = grade_on_dask(dask, [items[i] for i in todo], n_workers, batch, budget)
    elif executor is not None:
        done = _on_executor(executor, [items[i] for i in todo], n_workers, batch, time_limit, budget)
    else:
        done = _on_pool([items[i] for i in todo], n_workers, time_limit, budget, memory_limit, on_assign)
    for i, row in zip(todo, done):
        results[i] = row
    return results


def _on_pool(items: list, workers: int, time_limit: float, budget, memory_limit, on_assign) -> list[dict]:
    from .pool import run_tasks

    outs = run_tasks(grade_item, items, max(1, min(workers, len(items))), time_limit + SETUP_SECONDS, budget=budget,
                     memory_limit=memory_limit, on_assign=on_assign)
    return [done_row(item, out.status, out.value, out.attempts, time_limit) for item, out in zip(items, outs)]


def done_row(item: tuple, status: str, value, attempts: int, time_limit: float) -> dict:
    """The result row of one task whose outcome is ``status`` (ok | lost | timeout)."""
    if status == "ok":
        return value
    if status == "lost":
        return _not_graded(item, "ungraded", _("not graded: its grading worker died {count} times").format(count=attempts))
    return _not_graded(item, "timeout", _("not graded within its budget ({seconds} s per answer + set-up)").format(
        seconds=f"{time_limit:g}"))


def _on_executor(executor: Executor, items: list, workers: int, batch: int, time_limit: float, budget) -> list[dict]:
    """Batches on any executor; a batch whose future fails is submitted again, ``GRADE_RETRIES`` tries in all."""
    batches = [list(range(k, min(k + batch, len(items)))) for k in range(0, len(items), batch)]
    if budget is None:
        budget = (time_limit * batch + SETUP_SECONDS) * (len(batches) / workers + 1)
    deadline = time.monotonic() + budget
    results: list[dict | None] = [None] * len(items)
    tries: dict[int, int] = dict.fromkeys(range(len(batches)), 0)
    futures: dict[Future, int] = {}

    def submit(b: int) -> None:
        tries[b] += 1
        try:
            futures[executor.submit(grade_batch, [items[i] for i in batches[b]])] = b
        except Exception as err:  # noqa: BLE001 - a broken executor refuses new work
            for i in batches[b]:
                results[i] = _not_graded(items[i], "ungraded", _("not graded: the executor failed ({error})").format(error=type(err).__name__))

    for b in range(len(batches)):
        submit(b)
    pending = set(futures)
    while pending and time.monotonic() < deadline:
        done, pending = wait(pending, timeout=max(0.0, deadline - time.monotonic()), return_when="FIRST_COMPLETED")
        for f in done:
            b = futures.pop(f)
            try:
                for i, row in zip(batches[b], f.result()):
                    results[i] = row
            except Exception as err:  # noqa: BLE001 - the worker died or the executor failed
                if tries[b] < limits.GRADE_RETRIES:
                    submit(b)
                else:
                    for i in batches[b]:
                        results[i] = _not_graded(items[i], "ungraded", _("not graded: its grading worker failed {count} times ({error})").format(
                                                     count=tries[b], error=type(err).__name__))
        pending = set(futures)
    for f in futures:
        f.cancel()
    return [r if r is not None else done_row(items[i], "timeout", None, 0, time_limit) for i, r in enumerate(results)]


def annotate(table: Table, results: list[dict]) -> list[dict]:
    """Each result with its input line, a flag for a repeated id, and the input's other columns."""
    repeated = {line: lines for lines in table.duplicates().values() for line in lines}
    out = []
    for row, line, result in zip(table.rows, table.lines, results):
        extra = {k: v for k, v in row.items() if k not in OUT_FIELDS}
        others = [str(n) for n in repeated.get(line, ()) if n != line]
        flags = _("duplicate id: also on line {lines}").format(lines=", ".join(others)) if others else ""
        out.append({**extra, **result, "line": line, "flags": flags})
    return out


def output_fields(table: Table) -> tuple[str, ...]:
    return OUT_FIELDS + tuple(c for c in table.columns if c not in OUT_FIELDS)


def write_csv(results: list[dict], fields: tuple[str, ...] = OUT_FIELDS, bom: bool = False,
              escape_controls: bool = False) -> str:
    """Result rows as CSV (``csvio.write_csv``): formula cells neutralised, carriage returns kept."""
    return csvio.write_csv(results, fields, bom=bom, escape_controls=escape_controls)


def grade_csv(spec, text: str, grad: str | None = None, executor: Executor | None = None, bom: bool = True,
              **kwargs) -> str:
    """Grade the CSV ``text``; return the result CSV (with a byte-order mark unless ``bom=False``)."""
    table = read_csv(text)
    return write_csv(annotate(table, grade_rows(spec, table.rows, grad=grad, executor=executor, **kwargs)),
                     output_fields(table), bom=bom)


__all__ = ["OUT_FIELDS", "UNGRADED", "annotate", "grade_csv", "grade_one", "grade_rows", "output_fields", "read_csv",
           "write_csv"]
