"""The symbols an answer may use for one spec, with their shapes, read off the derivation.

Every parameter, input, target, initial state and graph node of the unrolled graph is a
symbol: ``W_hh`` (no time), ``h`` (timed: needs ``h_t``, ``h_{t-1}``, ``h[3]``), ``o``,
``A_i`` (an LSTM gate pre-activation, written ``A_{i,t}`` in LaTeX). Adjoints are written
``\\frac{\\partial L}{\\partial h_{t+1}}``, ``dL/dh_t`` or ``dL_dh[t+1]``; ``\\delta_t`` is the
adjoint of the hidden pre-activation ``a_t`` (or of ``h_t`` when the cell has none).

A symbol is resolved from its base and its subscripts (``naming.py`` has the conventions,
``reading.py`` reads them): the longest run of name-like pieces that spells a known name
(``W`` + ``hh`` -> ``W_hh``; ``w`` + ``5`` -> ``w5``; ``b`` + ``i`` -> the LSTM bias ``b_i``)
is the name; ``lN`` or ``^{(N)}`` is the layer; what is left is the time index (``t``,
``t-1``, ``T+t-i``, ``3``). Unknown names are refused with their column.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy

from ..core import ir
from ..core.derive import Derivation
from ..core.labels import param_key

INDEX_NAMES = ("t", "T", "i", "j", "k")


def index_symbol(name: str) -> sympy.Symbol:
    if name == "t":
        return ir.t_SYM
    if name == "T":
        return ir.T_SYM
    return ir.INDEX_SYMBOLS[name]


@dataclass(frozen=True)
class Symbol:
    name: str
    layer: int | None
    shape: tuple[int, int]
    role: str
    timed: bool

    @property
    def key(self) -> str:
        return self.name if self.layer is None else f"{self.name}_l{self.layer}"

    def var(self, time=None) -> ir.Var:
        return ir.Var(self.name, self.shape, self.role, None if time is None else sympy.sympify(time), self.layer)


class SymbolTable:
    """Names of one derivation: ``lookup(name, layer)`` and the list shown in error messages."""

    def __init__(self, derivation: Derivation):
        graph = derivation.graph
        self.derivation = derivation
        self.symbols: dict[tuple[str, int | None], Symbol] = {}
        for var in list(graph.params) + list(graph.leaves) + [n.var for n in graph.nodes]:
            key = (var.name, var.layer)
            if key not in self.symbols:
                role = var.role if var.role != "state" else "node"
                self.symbols[key] = Symbol(var.name, var.layer, var.shape, role, var.time is not None)
        self.names = frozenset(name for name, _ in self.symbols)
        self.params = frozenset(param_key(p) for p in graph.params)
        self.loss = graph.loss.name
        self.layers = sorted({layer for _, layer in self.symbols if layer is not None})

    def has(self, name: str) -> bool:
        return name in self.names

    def lookup(self, name: str, layer: int | None) -> Symbol | None:
        found = self.symbols.get((name, layer))
        if found is None and layer is None:
            # A name that exists only in layers (deep-rnn h^(1), h^(2)) needs its layer.
            return None
        return found

    def layers_of(self, name: str) -> list[int]:
        return sorted(layer for n, layer in self.symbols if n == name and layer is not None)

    def delta_target(self, layer: int | None) -> str | None:
        """The quantity ``\\delta`` stands for: the hidden pre-activation ``a`` or else ``h``."""
        for name in ("a", "h"):
            if (name, layer) in self.symbols:
                return name
        return None

    def listing(self) -> str:
        out = []
        for (name, layer), sym in sorted(self.symbols.items(), key=lambda kv: (kv[0][0], kv[0][1] or 0)):
            label = name if layer is None else f"{name}^({layer})"
            out.append(label + ("_t" if sym.timed else ""))
        return ", ".join(dict.fromkeys(out))
