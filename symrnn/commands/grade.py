"""``symrnn grade SPEC FILE.csv [-o OUT.csv]``: grade a class's typed gradients in parallel.

Exit status 0 when every row was graded (whatever its verdict), 1 when some row could not be
(error, timeout, ungraded: listed on standard error), 2 on bad input.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from ..core import limits as core_limits
from ..core.errors import SymrnnError
from ..i18n import N_, _
from ._common import bounded
from ._seconds import seconds

NAME = "grade"
HELP = N_("grade a CSV of typed gradients (columns id, grad, answer): one result row per submission")


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("spec", help=_("a catalogue name or a .toml spec file"))
    parser.add_argument("csv", help=_("the submissions: a CSV (comma, semicolon or tab) with a header 'id,grad,answer' "
                                    "('grad' optional with --grad; other columns are kept)"))
    parser.add_argument("-o", "--output", help=_("write the results here (default: standard output)"))
    parser.add_argument("--grad", help=_("the parameter asked, for a CSV without a 'grad' column"))
    parser.add_argument("--workers", type=bounded("--workers", 1, core_limits.MAX_WORKERS), default=None,
                        help=_("worker processes (default: every core; never more than the cores or the rows)"))
    parser.add_argument("--time-limit", type=seconds("--time-limit", 0, 600), default=None,
                        help=_("seconds per answer (default 5)"))
    parser.add_argument("--total-time-limit", type=seconds("--total-time-limit", 0, 86400), default=None, metavar="SECONDS",
                        help=_("seconds for the whole run: rows not graded by then are listed as not graded (default: no limit)"))
    parser.add_argument("--summary", metavar="summary.md|summary.csv", help=_("also write the class summary here"))
    parser.add_argument("--chart", metavar="FILE.png", help=_("also draw the class summary as a bar chart (PNG)"))
    parser.add_argument("--dask", metavar="local|tcp://HOST:PORT",
                        help=_("grade on Dask distributed: a LocalCluster, or a running scheduler (pip install 'symrnn[dask]')"))


MEMORY_OF_WORKERS = False
"""--memory-limit bounds this process; each grading worker has its own (check/limits.py MEMORY_LIMIT)."""


def budget_seconds(args: argparse.Namespace) -> float | None:
    """The whole run's limit (--total-time-limit) and time to write the results; without it each row
    still has its own (--time-limit and the set-up: a row past it has its worker killed)."""
    return args.total_time_limit + 30.0 if args.total_time_limit else None


def worker_count(requested: int | None, rows: int, cores: int | None = None) -> int:
    """Never more workers than asked, than the machine's cores, or than there are rows to grade."""
    cores = cores or os.cpu_count() or 1
    return max(1, min(requested or cores, cores, rows))


def _outputs(args: argparse.Namespace) -> None:
    """Refuse an unusable output option before any grading is done."""
    from ..check.summary import WRITERS

    if args.summary and Path(args.summary).suffix.lower() not in WRITERS:
        raise SymrnnError(_("--summary writes .md or .csv, got {name}").format(name=repr(Path(args.summary).name[:80])))
    if args.chart and Path(args.chart).suffix.lower() != ".png":
        raise SymrnnError(_("--chart writes a .png file, got {name}").format(name=repr(Path(args.chart).name[:80])))
    if args.dask is not None and args.dask != "local" and not args.dask.startswith("tcp://"):
        raise SymrnnError(_("--dask takes 'local' or tcp://HOST:PORT, got {dask}").format(dask=repr(args.dask[:80])))


def _read(path_text: str) -> str:
    from ..check.csvio import MAX_BYTES

    path = Path(path_text)
    try:
        regular = path.is_file()
    except (OSError, ValueError):  # a name too long, a NUL byte
        regular = False
    if not regular:
        raise SymrnnError(_("no such file (or not a regular file): {path_text}").format(path_text=repr(path_text[:200])))
    if path.stat().st_size > MAX_BYTES:
        raise SymrnnError(_("{path_text} is larger than {value} MB").format(path_text=repr(path_text[:200]), value=MAX_BYTES // 1024**2))
    return path.read_bytes().decode("utf-8")


def run(args: argparse.Namespace) -> int:
    from ..check import limits
    from ..check.csvio import read_csv
    from ..check.grade import UNGRADED, annotate, grade_rows, output_fields, write_csv

    _outputs(args)
    table = read_csv(_read(args.csv))
    rows = table.rows
    if not args.grad and rows and not any((r.get("grad") or r.get("parameter") or "").strip() for r in rows):
        raise SymrnnError(_("no gradient named: add a 'grad' column to the CSV or pass --grad NAME"))
    workers = (args.workers or os.cpu_count() or 1) if args.dask else worker_count(args.workers, len(rows))
    results = annotate(table, grade_rows(args.spec, rows, grad=args.grad, workers=workers, dask=args.dask,
                                         time_limit=args.time_limit or limits.TIME_LIMIT, budget=args.total_time_limit))
    if args.output:  # a file for a spreadsheet: a byte-order mark, the cells as they are
        Path(args.output).write_bytes(write_csv(results, output_fields(table), bom=True).encode("utf-8"))
    else:  # a terminal, maybe: control characters escaped
        sys.stdout.write(write_csv(results, output_fields(table), bom=True, escape_controls=True))
    _report(args, table, results)
    return 1 if any(r["status"] in UNGRADED for r in results) else 0


def _report(args: argparse.Namespace, table, results: list[dict]) -> None:
    """The summary (standard output with -o, else standard error), its files, and what was not graded."""
    from ..check import summary as class_summary
    from ..check.grade import UNGRADED
    from ..check.terminal import safe_line

    counts = class_summary.summarize(results)
    print(class_summary.to_text(counts), file=sys.stdout if args.output else sys.stderr)
    if args.summary:
        Path(args.summary).write_bytes(class_summary.WRITERS[Path(args.summary).suffix.lower()](counts).encode("utf-8"))
    if args.chart:
        class_summary.bar_chart(counts, args.chart)
    for key, lines in sorted(table.duplicates().items()):
        print("symrnn: " + _("warning: id {id} is given on lines {lines}").format(
            id=repr(safe_line(key[:80])), lines=", ".join(map(str, lines))),
              file=sys.stderr)
    missed = [r for r in results if r["status"] in UNGRADED]
    if missed:
        print("symrnn: " + _("{count} of {total} submissions could not be graded:").format(
            count=len(missed), total=len(results)), file=sys.stderr)
        for r in missed[:20]:
            print("  " + _("line {line}, id {id}: {status}: {message}").format(
                line=r["line"], id=repr(safe_line(str(r["id"])[:80])), status=r["status"],
                message=safe_line(r["message"][:200])),
                  file=sys.stderr)
