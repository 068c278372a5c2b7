"""The lecturer's exports: the same CSV ``symrnn grade`` writes, and the class summary.

Each submission is one row (``symrnn.check.grade.OUT_FIELDS``: ``line`` is the submission's
number, then ``question`` and ``submitted``, an ISO time in UTC); a row still pending is
exported with status ``pending``. The summary (``symrnn.check.summary``) counts the same rows.
"""

from __future__ import annotations

import datetime
import tempfile
from pathlib import Path

from ..check import summary
from ..check.grade import OUT_FIELDS, write_csv
from .store import Submission

FIELDS = OUT_FIELDS + ("question", "submitted")


def rows(subs: list[Submission]) -> list[dict]:
    out = []
    for s in subs:
        base = s.result or {"id": s.student, "grad": s.grad, "answer": s.answer, "status": "pending", "score": 0.0,
                            "line": s.id, "flags": ""}
        when = datetime.datetime.fromtimestamp(s.submitted, datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        out.append({**base, "question": s.question, "submitted": when})
    return out


def results_csv(subs: list[Submission]) -> bytes:
    return write_csv(rows(subs), FIELDS, bom=True).encode("utf-8")


def summary_md(subs: list[Submission]) -> bytes:
    return summary.to_markdown(summary.summarize(rows(subs))).encode("utf-8")


def summary_csv(subs: list[Submission]) -> bytes:
    return summary.to_csv(summary.summarize(rows(subs))).encode("utf-8")


def chart_png(subs: list[Submission]) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "chart.png"
        summary.bar_chart(summary.summarize(rows(subs)), path)
        return path.read_bytes()


EXPORTS = {
    "results.csv": ("text/csv; charset=utf-8", results_csv),
    "summary.md": ("text/markdown; charset=utf-8", summary_md),
    "summary.csv": ("text/csv; charset=utf-8", summary_csv),
    "chart.png": ("image/png", chart_png),
}
"""``/export/NAME``: media type and maker."""


__all__ = ["EXPORTS", "FIELDS", "results_csv", "rows"]
