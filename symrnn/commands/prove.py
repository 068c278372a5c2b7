"""``symrnn prove SPEC [--steps T]``: element-level proofs, one line per result."""

from __future__ import annotations

from ..i18n import N_, _
from ._common import add_spec_arguments, load_spec

NAME = "prove"
HELP = N_("prove every derived equation equal to sympy.diff at element level (small sizes)")
TIME_LIMIT = 300.0
"""Default --time-limit (benchmarks/README.md, "Cost of every command")."""


def register(parser) -> None:
    add_spec_arguments(parser)
    parser.add_argument("--seed", type=int, default=0, help=_("seed of the random rational point (default 0)"))


def run(args) -> int:
    from ..core.prove import prove

    report = prove(load_spec(args), seed=args.seed)
    for result in report.results:
        print(result.line())
    failed = sum(not r.passed for r in report.results)
    verdict = _("all proved") if not failed else _("{count} FAILED").format(count=failed)
    print(f"{report.spec_name} ({report.sizes}): " + _("{count} results, {verdict} in {seconds} s").format(
        count=len(report.results), verdict=verdict, seconds=f"{report.seconds:.1f}"))
    return 0 if not failed else 1
