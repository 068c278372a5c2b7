"""``symrnn derive SPEC [--steps T] [--format text|latex|json]``."""

from __future__ import annotations

from ..derive import derive, param_key
from ..paths import chain_view
from ..printing.listing import as_json, as_latex, as_text
from ..values import worked_values
from ._common import add_spec_arguments, load_spec

NAME = "derive"
HELP = "derive the backprop/BPTT equations of a network (generic recurrence, unrolled, closed forms)"
FORMATS = ("text", "latex", "json")


def register(parser) -> None:
    add_spec_arguments(parser)
    parser.add_argument("--format", "-f", choices=FORMATS, default="text", help="output format (default: text)")


def _chains(derivation):
    """The seed's path-by-path view, for networks whose every quantity is a scalar."""
    graph = derivation.graph
    if not all(n.var.shape == (1, 1) for n in graph.nodes) or len(graph.params) > 16:
        return ()
    return tuple(chain_view(derivation, param_key(p)) for p in graph.params)


def run(args) -> int:
    derivation = derive(load_spec(args))
    values = worked_values(derivation) if derivation.spec.example else None
    if args.format == "json":
        print(as_json(derivation, values), end="")
    elif args.format == "latex":
        print(as_latex(derivation), end="")
    else:
        print(as_text(derivation, values, _chains(derivation)), end="")
    return 0
