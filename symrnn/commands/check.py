"""``symrnn check SPEC --grad NAME --answer TEXT``: the verdict on a hand-derived gradient."""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from pathlib import Path

from ..core.errors import SymrnnError

NAME = "check"
HELP = "check a hand-derived gradient (typed formula or your own NumPy function) against the derivation"


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("spec", help="a catalogue name (rnn-linear, lstm, ...) or a .toml spec file")
    parser.add_argument("--grad", help="the parameter whose gradient the answer gives (W_hh; W_hh_l2 for layer 2)")
    parser.add_argument("--answer", help="the gradient, as LaTeX or plain text (e.g. 'sum_t dL_dh[t] @ h[t-1].T')")
    parser.add_argument("--function", metavar="FILE.py:NAME",
                        help="check your own NumPy BPTT function instead (runs FILE.py as Python: your own code)")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")


def _load_function(ref: str):
    path, _, name = ref.rpartition(":")
    if not path or not name:
        raise SymrnnError("--function needs FILE.py:NAME")
    file = Path(path)
    if not file.is_file():
        raise SymrnnError(f"no such file: {path}")
    spec = importlib.util.spec_from_file_location("symrnn_user_function", file)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # the user's own file, named on their own command line
    fn = getattr(module, name, None)
    if not callable(fn):
        raise SymrnnError(f"{path} has no function {name!r}")
    return fn


def run(args: argparse.Namespace) -> int:
    from ..check.function import check_function
    from ..check.verdict import check_answer

    if args.function:
        verdict = check_function(args.spec, _load_function(args.function))
        if args.format == "json":
            print(json.dumps({"spec": verdict.spec, "status": verdict.status, "message": verdict.message,
                              "draws": verdict.draws, "parameters": verdict.parameters}, indent=2, sort_keys=True))
        else:
            print(verdict.to_text())
        return 0 if verdict.correct else 1
    if not args.grad or args.answer is None:
        raise SymrnnError("give --grad NAME and --answer TEXT (or --function FILE.py:NAME)")
    verdict = check_answer(args.spec, args.grad, args.answer)
    out = verdict.to_json() if args.format == "json" else verdict.to_text()
    sys.stdout.write(out + "\n")
    return 0 if verdict.correct else 1
