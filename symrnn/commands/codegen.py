"""``symrnn codegen SPEC [-o FILE] [--backend numpy|numba]``: the NumPy module of a spec's gradients.

``--backend numba`` writes the same module with everything after the argument checks compiled by numba
(:mod:`symrnn.codegen.numba_backend`).

``symrnn codegen --all [--check]`` regenerates (or checks) the committed modules of the whole
catalogue under ``derivations/`` (``gru-torch`` -> ``derivations/gru_torch.py``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..core.errors import SymrnnError
from ..i18n import N_, _

NAME = "codegen"
HELP = N_("generate the NumPy module (forward loop + reversed loop) of a spec's gradients")
TIME_LIMIT = 300.0
"""Default --time-limit (benchmarks/README.md, "Cost of every command"; --all regenerates every module)."""


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("spec", nargs="?", help=_("a catalogue name (rnn-tanh, lstm, ...) or a .toml spec file"))
    parser.add_argument("-o", "--output", metavar="FILE", help=_("write the module here (default: standard output)"))
    parser.add_argument("--steps", type=int, help=_("ignored: generated code takes any number of steps at run time"))
    parser.add_argument("--all", action="store_true", help=_("regenerate every catalogue module under derivations/"))
    parser.add_argument("--check", action="store_true", help=_("with --all: only report stale modules (exit 1 if any)"))
    parser.add_argument("--dir", metavar="DIR", help=_("with --all: write into DIR instead of the catalogue folder"))
    parser.add_argument("--backend", choices=tuple(BACKENDS), default="numpy",
                        help=_("numpy (default) or numba: the whole call after the argument checks compiled with @njit "
                               "(needs numba; fastest at small sizes)"))


def _numpy(spec):
    from ..codegen.generate import generate

    return generate(spec)


def _numba(spec):
    from ..codegen.numba_backend import generate_numba

    return generate_numba(spec)


BACKENDS = {"numpy": _numpy, "numba": _numba}


def regenerate_all(directory: Path | None = None, check: bool = False) -> list[str]:
    """Write (or compare) every catalogue module; returns the names of stale or rewritten files."""
    from ..codegen.generate import generate, golden_dir, module_name
    from ..core import catalogue
    from ._output import write_atomically

    directory = Path(directory) if directory else golden_dir()
    changed = []
    for name in catalogue.names():
        path = directory / f"{module_name(name)}.py"
        source = generate(catalogue.load(name))
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current != source:
            changed.append(path.name)
            if not check:
                write_atomically(path, source)
    return changed


def run(args: argparse.Namespace) -> int:
    from ..core import catalogue

    if args.all and args.backend != "numpy":
        raise SymrnnError(_("--all writes the committed NumPy modules: drop --backend"))
    if args.all:
        changed = regenerate_all(Path(args.dir) if args.dir else None, check=args.check)
        verb = _("stale") if args.check else _("written")
        for name in changed:
            print(f"{verb}: {name}")
        if not changed:
            print(_("every catalogue module is up to date"))
        return 1 if (args.check and changed) else 0
    if not args.spec:
        raise SymrnnError(_("name a spec (catalogue name or .toml file), or pass --all"))
    source = BACKENDS[args.backend](catalogue.resolve(args.spec))
    if args.output:
        from ._output import write_atomically

        write_atomically(args.output, source)
    else:
        sys.stdout.write(source)
    return 0
