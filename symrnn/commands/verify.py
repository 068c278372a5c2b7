"""``symrnn verify SPEC [--steps T]``: the generated module against autograd, torch.nn and finite differences."""

from __future__ import annotations

import argparse

from ..i18n import N_, _

NAME = "verify"
HELP = N_("check the generated NumPy gradients against autograd, torch.nn and finite differences")
TIME_LIMIT = 600.0
"""Default --time-limit (benchmarks/README.md, "Cost of every command")."""


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("spec", help=_("a catalogue name (rnn-tanh, lstm, ...) or a .toml spec file"))
    parser.add_argument("--steps", type=int, help=_("sequence length T (default: the spec's own)"))
    parser.add_argument("--batch", type=int, default=2, help=_("batch size of the drawn data (default: 2)"))
    parser.add_argument("--seed", type=int, default=0, help=_("seed of the drawn data (default: 0)"))
    parser.add_argument("--no-torch", action="store_true", help=_("skip the torch.nn comparison"))


def run(args: argparse.Namespace) -> int:
    from ..core import catalogue
    from ..core.errors import SymrnnError
    from ..core.spec import with_steps

    try:
        from ..codegen.verify import verify
    except ImportError as err:  # autograd is an optional (test) dependency
        raise SymrnnError(_("symrnn verify needs HIPS autograd ({err}); pip install 'symrnn[test]'").format(err=err)) from None

    if args.batch < 1:
        raise SymrnnError(_("--batch must be at least 1"))
    spec = with_steps(catalogue.resolve(args.spec), args.steps)
    refuse_large(spec, args.batch)
    report = verify(spec, batch=args.batch, seed=args.seed, use_torch=not args.no_torch)
    print(report.table())
    return 0 if report.passed else 1


def refuse_large(spec, batch: int, runs: int = 1, cap: int | None = None, hint: str = "") -> None:
    """Refuse before any work ``runs`` verifications whose work is past ``cap``
    (:data:`~symrnn.core.limits.VERIFY_MAX_WORK` by default)."""
    from ..core import limits
    from ..core.errors import LimitError

    cap = limits.VERIFY_MAX_WORK if cap is None else cap
    work = limits.verify_work(spec, batch) * runs
    if work > cap and limits.verify_size(spec, batch) <= limits.VERIFY_MAX_SIZE:  # else verify names the size
        raise LimitError(_("numeric verification takes batch x size^2 x layers x T (times the draws) up to {limit}, "
                           "got {work}: it would run past its time limit{hint}").format(
            limit=f"{cap:,}", work=f"{work:,}", hint=hint))
