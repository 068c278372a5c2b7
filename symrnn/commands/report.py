"""``symrnn report SPEC [--steps T] [-o DIR] [--format pdf|tex|md]``: a derivation report.

The report is built from the derivation (``symrnn.report``): the model and its symbols, the
forward pass, the loss, the adjoints, the recurrence, the parameter gradients, closed forms,
vanishing and exploding gradients, and what was verified. ``--all`` writes every catalogue
network (the gallery: ``symrnn report --all -o reports`` or ``python -m symrnn.report.gallery``).
"""

from __future__ import annotations

import sys

from ..core import limits
from ..core.errors import LimitError, SymrnnError
from ..i18n import N_, _
from ._common import steps_argument
from ._seconds import latex_seconds, seconds

FORMATS = ("pdf", "tex", "md")
"""The report formats (``symrnn.report.FORMATS``, spelled here so that ``--help`` loads no report)."""

NAME = "report"
HELP = N_("write a LaTeX/PDF or Markdown derivation report of a network")
TIME_LIMIT = 900.0
"""Default --time-limit: issue 16's LSTM (the largest whose code a report tests) took 372 s at load
3.4 on the shared 2-core machine, and a PDF build may take --timeout more (benchmarks/README.md,
"Cost of every command")."""


def budget_seconds(args) -> float:
    """The command's budget: --time-limit, for each network with --all (the gallery is many reports)."""
    from ..core import catalogue

    return args.time_limit * (len(catalogue.names()) if args.all else 1)


def register(parser) -> None:
    parser.add_argument("spec", metavar="SPEC", nargs="?", help=_("a catalogue name (see 'symrnn catalogue') or a TOML spec file"))
    parser.add_argument("--steps", "-T", type=steps_argument, default=None, help=_("sequence length T to unroll (default: the spec's)"))
    parser.add_argument("-o", "--output", default=".", metavar="DIR", help=_("directory to write into (default: the current one)"))
    parser.add_argument("--format", "-f", choices=FORMATS, default="pdf", help=_("pdf (needs TeX Live), tex or md (default pdf)"))
    parser.add_argument("--title", default=None, help=_("title of the report (default: the spec's title)"))
    parser.add_argument("--no-proof", action="store_true", help=_("skip the element-level proof (the report says so)"))
    parser.add_argument("--no-tests", action="store_true", help=_("skip testing the generated code (the report says so)"))
    parser.add_argument("--all", action="store_true", help=_("every catalogue network (SPEC must be omitted)"))
    parser.add_argument("--handout", action="store_true", help=_("a copy for students: no verification lines under the equations, no table of code lines"))
    parser.add_argument("--timeout", type=seconds("--timeout", 0, 3600), default=120.0, help=_("seconds allowed for the LaTeX build (default 120)"))
    parser.add_argument("--decimal-comma", action="store_true",
                        help=_("write decimal numbers with a comma (0,05) in the text, the equations and the figures' words"))


def run(args) -> int:
    from ..i18n.decimal import decimal_comma

    with decimal_comma(args.decimal_comma):
        return _run(args)


def _run(args) -> int:
    from ..core import budget, catalogue
    from ..core.derive import derive
    from ..core.spec import with_steps
    from ..report import collect, write_report
    from ..report.trust import DEFAULT_SEEDS
    from ._output import moved, staged, unstaged
    from .verify import refuse_large

    if args.all == (args.spec is not None):
        raise SymrnnError("give either SPEC or --all")
    specs = [catalogue.load(n) for n in catalogue.names()] if args.all else [catalogue.resolve(args.spec)]
    failures = 0
    for spec in specs:
        steps = args.steps if args.steps is not None else getattr(spec, "steps", None)
        if spec.recurrent and steps > limits.REPORT_MAX_STEPS:
            raise LimitError(f"a report typesets every unrolled step; it takes T <= {limits.REPORT_MAX_STEPS}, got {steps}")
        if not args.no_tests:  # the code is tested on every one of DEFAULT_SEEDS
            refuse_large(with_steps(spec, args.steps), 2, len(DEFAULT_SEEDS), limits.REPORT_MAX_TEST_WORK,
                         _("; pass --no-tests to write the report without testing the code"))
        derivation = derive(spec, args.steps)
        trust = collect(derivation, proof=not args.no_proof, tests=not args.no_tests)
        budget.spent(N_("proving and testing the equations"))  # collect says "not run" of a step cut short
        with staged(args.output) as tmp:  # no file under its final name until the report is done
            written = write_report(derivation, tmp, args.format, trust, args.title, timeout=latex_seconds(args.timeout),
                                   handout=args.handout)
            if written.build is not None and not written.build.ok:
                budget.spent(N_("building the PDF"))  # a build cut short by the time limit (or its watchdog)
        build = written.build
        if build is not None and build.tex_missing:
            print(f"symrnn: {unstaged(build.message, tmp, args.output)}", file=sys.stderr)
            failures += 1
            continue
        if build is not None and not build.ok:
            print("symrnn: error: " + _("LaTeX build of {name} failed: {summary}").format(name=spec.name, summary=build.summary()),
                  file=sys.stderr)
            if build.tex is not None:
                print("symrnn: " + _("the LaTeX source is in {path}").format(path=moved(build.tex, tmp, args.output)), file=sys.stderr)
            failures += 1
            continue
        for path in written.files:
            print(_("wrote {path}").format(path=moved(path, tmp, args.output)))
    return 1 if failures else 0
