"""``symrnn exam``: seeded exam versions with keys (PDF/LaTeX, Moodle XML, JSON), the stress test
of a problem family, and a benchmark of variant generation."""

from __future__ import annotations

import argparse
import sys
import time

from ..core import limits
from ..core.errors import SymrnnError
from ..i18n import N_, _
from ._common import bounded
from ._seconds import latex_seconds, seconds

NAME = "exam"
HELP = N_("exam problems with seeded variants, worked solutions and keys (PDF, Moodle XML, JSON); stress-test a family")
TIME_LIMIT = 900.0
"""Default --time-limit: two LaTeX builds of up to --timeout (300 s) each, and the versions
(benchmarks/README.md, "Cost of every command")."""


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--family", action="append", default=[], metavar="F",
                        help=_("a problem family to ask (repeatable; default: every family); see --list"))
    parser.add_argument("--variants", type=bounded("--variants", 1, limits.MAX_STRESS_VARIANTS), default=1, metavar="N",
                        help=_("number of versions (default 1; at most {most}, {stress} with --stress)").format(
                            most=limits.MAX_EXAM_VARIANTS, stress=limits.MAX_STRESS_VARIANTS))
    parser.add_argument("--seed", type=int, default=0, metavar="S", help=_("the exam's seed (default 0)"))
    parser.add_argument("-o", "--output", default="exam", metavar="DIR", help=_("output directory (default: exam)"))
    parser.add_argument("--format", default="pdf,moodle,json", metavar="LIST",
                        help=_("comma-separated: pdf, tex, moodle, json (default: pdf,moodle,json)"))
    parser.add_argument("--timeout", type=seconds("--timeout", 0, 3600), default=300.0, help=_("seconds allowed for each LaTeX build (default 300)"))
    parser.add_argument("--stress", action="append", default=[], metavar="F",
                        help=_("stress-test family F over --variants draws instead (repeatable; 'all' for every family)"))
    parser.add_argument("--benchmark", action="store_true",
                        help=_("time drawing --variants versions and rendering them (LaTeX, Moodle, JSON) in memory; writes nothing"))
    parser.add_argument("--list", action="store_true", help=_("list the problem families and exit"))
    parser.add_argument("--title", default=None, help=_("the exam's title (default: 'Recurrent neural networks: exam')"))
    parser.add_argument("--course", default=None, help=_("the course, printed under the title"))
    parser.add_argument("--date", default=None, help=_("the date, printed under the title"))
    parser.add_argument("--decimal-comma", action="store_true",
                        help=_("write decimal numbers with a comma (0,05) on the sheets, keys and Moodle texts; "
                               "Moodle accepts answers typed either way"))
    parser.add_argument("--instructions", default=None,
                        help=_("instructions printed above the questions (one item per line; '\\n' in the shell's quoting)"))


def run(args: argparse.Namespace) -> int:
    from ..exam.exam import build_exam, resolve_families
    from ..exam.families import FAMILIES, ORDER

    if args.seed < 0:
        raise SymrnnError(f"--seed must be a non-negative integer, got {args.seed}")
    if args.list:
        for name in ORDER:
            print(f"{name:16s} {_(FAMILIES[name].topic)}")
        return 0
    if args.stress:
        return _stress(args, ORDER, resolve_families)
    if args.variants > limits.MAX_EXAM_VARIANTS:
        raise SymrnnError(f"--variants must be at most {limits.MAX_EXAM_VARIANTS} for an exam, got {args.variants}")
    if args.benchmark:
        return _benchmark(args, build_exam)
    from ..exam.decimal import decimal_comma
    from ..exam.output import parse_formats, write_exam
    from ._output import staged, unstaged

    formats = parse_formats(args.format)
    exam = build_exam(args.family, args.variants, args.seed)
    with decimal_comma(args.decimal_comma), staged(args.output) as tmp:  # no file under its name until all are done
        lines = [unstaged(line, tmp, args.output) for line in write_exam(
            exam, tmp, formats, timeout=latex_seconds(args.timeout), title=args.title, course=args.course,
            date=args.date, instructions=args.instructions)]
    for line in lines:
        print(line)
    return 0


def _stress(args, order, resolve) -> int:
    from ..exam.stress import stress

    if args.variants < 1:
        raise SymrnnError("--variants must be at least 1")
    names = order if "all" in args.stress else resolve(args.stress)
    failed = 0
    for name in names:
        start = time.perf_counter()
        report = stress(name, args.variants, args.seed)
        print(f"{report.summary()}  [{time.perf_counter() - start:.1f} s]")
        failed += not report.ok
    return 1 if failed else 0


def _benchmark(args, build_exam) -> int:
    from ..exam.jsonout import render_json
    from ..exam.moodle import render_moodle
    from ..exam.tex import render_tex

    stages = []
    start = time.perf_counter()
    exam = build_exam(args.family, args.variants, args.seed)
    stages.append(("draw variants, solutions and keys", time.perf_counter() - start))
    for label, render in (("LaTeX (sheet and key source)", render_tex), ("Moodle XML", render_moodle), ("JSON", render_json)):
        t0 = time.perf_counter()
        size = len(render(exam))
        stages.append((f"render {label}, {size} characters", time.perf_counter() - t0))
    total = time.perf_counter() - start
    problems = sum(len(v.problems) for v in exam.versions)
    print(f"{args.variants} versions x {len(exam.families)} families = {problems} problems (seed {args.seed})")
    for label, spent in stages:
        print(f"  {spent:7.2f} s  {label}")
    print(f"  {total:7.2f} s  total (no PDF build)")
    sys.stdout.flush()
    return 0
