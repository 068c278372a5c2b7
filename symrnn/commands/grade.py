"""``symrnn grade SPEC FILE.csv [-o OUT.csv]``: grade a class's typed gradients in parallel."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from ..core import limits as core_limits
from ..core.errors import SymrnnError
from ._common import bounded

NAME = "grade"
HELP = "grade a CSV of typed gradients (columns id, grad, answer): one result row per submission"


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("spec", help="a catalogue name or a .toml spec file")
    parser.add_argument("csv", help="the submissions: a CSV with a header 'id,grad,answer' ('grad' optional with --grad)")
    parser.add_argument("-o", "--output", help="write the results here (default: standard output)")
    parser.add_argument("--grad", help="the parameter asked, for a CSV without a 'grad' column")
    parser.add_argument("--workers", type=bounded("--workers", 1, core_limits.MAX_WORKERS), default=None,
                        help="worker processes (default: every core; never more than the cores or the rows)")
    parser.add_argument("--time-limit", type=float, default=None, help="seconds per answer (default 10)")


def worker_count(requested: int | None, rows: int, cores: int | None = None) -> int:
    """Never more workers than asked, than the machine's cores, or than there are rows to grade."""
    cores = cores or os.cpu_count() or 1
    return max(1, min(requested or cores, cores, rows))


def run(args: argparse.Namespace) -> int:
    from ..check import limits
    from ..check.grade import grade_rows, read_csv, write_csv

    path = Path(args.csv)
    if not path.is_file():
        raise SymrnnError(f"no such file: {args.csv}")
    rows = read_csv(path.read_text(encoding="utf-8"))
    if not args.grad and rows and not any((r.get("grad") or r.get("parameter") or "").strip() for r in rows):
        raise SymrnnError("no gradient named: add a 'grad' column to the CSV or pass --grad NAME")
    results = grade_rows(args.spec, rows, grad=args.grad, workers=worker_count(args.workers, len(rows)),
                         time_limit=args.time_limit or limits.TIME_LIMIT)
    text = write_csv(results)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
        counts: dict[str, int] = {}
        for r in results:
            counts[r["status"]] = counts.get(r["status"], 0) + 1
        summary = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
        print(f"graded {len(results)} submissions: {summary}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0
