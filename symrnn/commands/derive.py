"""``symrnn derive SPEC [--steps T] [--format text|latex|json]``."""

from __future__ import annotations

import re

from ..core.errors import UnknownName
from ..i18n import N_, _, decimal
from ._common import add_spec_arguments, load_spec

NAME = "derive"
HELP = N_("derive the backprop/BPTT equations of a network (generic recurrence, unrolled, closed forms)")
FORMATS = ("text", "latex", "json")
TIME_LIMIT = 120.0
"""Default --time-limit (benchmarks/README.md, "Cost of every command")."""


def register(parser) -> None:
    add_spec_arguments(parser)
    parser.add_argument("--format", "-f", choices=FORMATS, default="text", help=_("output format (default: text)"))
    parser.add_argument(
        "--paths",
        metavar="NAME[i,j]",
        action="append",
        default=[],
        help=_("also show dL/dNAME[i,j] as a sum over paths of local partials (text format; e.g. 'W_hh[0,1]')"),
    )
    parser.add_argument("--decimal-comma", action="store_true",
                        help=_("write decimal numbers with a comma (0,05) in the text and LaTeX formats (json keeps the point)"))


def _chains(derivation):
    """The seed's path-by-path view, for networks whose every quantity is a scalar."""
    from ..core.labels import param_key
    from ..core.paths import chain_view

    graph = derivation.graph
    if not all(n.var.shape == (1, 1) for n in graph.nodes) or len(graph.params) > 16:
        return ()
    return tuple(chain_view(derivation, param_key(p)) for p in graph.params)


_ENTRY = re.compile(r"^([A-Za-z][A-Za-z0-9_]{0,40})(?:\[(\d{1,3}),(\d{1,3})\])?$")


def _parse_entry(text: str) -> tuple[str, tuple[int, int]]:
    match = _ENTRY.match(text.replace(" ", ""))
    if not match:
        raise UnknownName(_("--paths takes NAME or NAME[i,j] (e.g. W_hh[0,1]), got {text}").format(text=repr(text)))
    name, i, j = match.groups()
    return name, (int(i), int(j)) if i is not None else (0, 0)


def _commas(args, write, printed: str) -> str:
    """``printed`` with decimal commas when asked (``0{,}05`` in LaTeX maths, ``0,05`` in text)."""
    with decimal.decimal_comma(args.decimal_comma):
        return write(printed)


def run(args) -> int:
    from ..core.derive import derive
    from ..core.paths import chain_view
    from ..core.values import worked_values
    from ..printing.listing import as_json, as_latex, as_text

    derivation = derive(load_spec(args))
    values = worked_values(derivation) if derivation.spec.example else None
    requested = tuple(chain_view(derivation, *_parse_entry(text)) for text in args.paths)
    if requested and args.format != "text":
        raise UnknownName(_("--paths is shown in the text format only"))
    if args.format == "json":
        print(as_json(derivation, values), end="")
    elif args.format == "latex":
        print(_commas(args, decimal.math, as_latex(derivation, values)), end="")
    else:
        print(_commas(args, decimal.text, as_text(derivation, values, requested or _chains(derivation))), end="")
    return 0
