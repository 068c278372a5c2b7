"""``symrnn check SPEC --grad NAME --answer TEXT``: the verdict on a hand-derived gradient."""

from __future__ import annotations

import argparse
import json
import sys

from ..core.errors import SymrnnError
from ..i18n import N_, _
from ._seconds import seconds

NAME = "check"
HELP = N_("check a hand-derived gradient (typed formula or your own NumPy function) against the derivation")


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("spec", help=_("a catalogue name (rnn-linear, lstm, ...) or a .toml spec file"))
    parser.add_argument("--grad", help=_("the parameter whose gradient the answer gives (W_hh; W_hh_l2 for layer 2)"))
    parser.add_argument("--answer", help=_("the gradient, as LaTeX or plain text (e.g. 'sum_t dL_dh[t] @ h[t-1].T')"))
    parser.add_argument("--function", metavar="FILE.py:NAME",
                        help=_("check your own NumPy BPTT function instead (runs FILE.py in its own bounded process)"))
    parser.add_argument("--time-limit", type=seconds("--time-limit", 0, 600), default=None,
                        help=_("seconds for the check (default: 5 for a formula; 10 CPU seconds for a function)"))
    parser.add_argument("--format", choices=("text", "json"), default="text", help=_("output format (default: text)"))


def budget_seconds(args: argparse.Namespace) -> float:
    """All of the command's time: the check's own (set-up and verdict, or the function's process) and
    its start (reading the spec, loading NumPy and SymPy)."""
    from ..check import limits

    if args.function:
        return max(limits.FUNCTION_WALL_SECONDS, args.time_limit or 0) + START_SECONDS
    return (args.time_limit or limits.TIME_LIMIT) + START_SECONDS


START_SECONDS = 10.0
"""Time the command may take beyond its --time-limit to start and print (loaded machine: about 2 s)."""


def run(args: argparse.Namespace) -> int:
    from ..check import limits
    from ..check.terminal import safe

    if args.function:
        return _run_function(args)
    if not args.grad or args.answer is None:
        raise SymrnnError(_("give --grad NAME and --answer TEXT (or --function FILE.py:NAME)"))
    from ..check.verdict import check_answer

    verdict = check_answer(args.spec, args.grad, args.answer, time_limit=args.time_limit or limits.TIME_LIMIT)
    out = verdict.to_json() if args.format == "json" else safe(verdict.to_text())
    sys.stdout.write(out + "\n")
    if verdict.limited:
        return 2  # out of time, as every command (not a judged answer)
    return 0 if verdict.correct else 1


def _run_function(args: argparse.Namespace) -> int:
    """The person's file runs in its own bounded process; the verdict is reached here."""
    from ..check import limits
    from ..check.function import check_function_file, function_file
    from ..check.terminal import safe

    path, name = function_file(args.function)
    verdict = check_function_file(args.spec, path, name, cpu=args.time_limit or limits.FUNCTION_CPU_SECONDS)
    if args.format == "json":
        print(json.dumps({"spec": verdict.spec, "status": verdict.status, "message": verdict.message,
                          "draws": verdict.draws, "isolation": verdict.isolation, "parameters": verdict.parameters},
                         indent=2, sort_keys=True))
    else:
        print(safe(verdict.to_text()))
    return 0 if verdict.correct else 1
