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

ALIASES = {"z": ("preactivation", "hidden")}
"""Other names for a quantity, by its meaning: ``z_t``, the usual letter for a pre-activation,
is the hidden state's pre-activation (this project's ``a_t``; the echo shows the name read)."""


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
    meaning: ir.Meaning | None = None  # what the cell says the quantity is (read, never the name)

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
        # Nodes first: a state's symbol carries the node's meaning, not its initial value's (h_0).
        for var in [n.var for n in graph.nodes] + list(graph.params) + list(graph.leaves):
            key = (var.name, var.layer)
            if key not in self.symbols:
                role = var.role if var.role != "state" else "node"
                self.symbols[key] = Symbol(var.name, var.layer, var.shape, role, var.time is not None, var.meaning)
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

    def with_meaning(self, layer, kind: str, of: str) -> str | None:
        """The name of the quantity of ``layer`` (``"any"``: of every layer) whose meaning is
        ``kind`` of ``of``, when exactly one name has it."""
        found = {sym.name for (name, lay), sym in self.symbols.items()
                 if (layer == "any" or lay == layer) and sym.meaning is not None and sym.meaning.kind == kind
                 and sym.meaning.of == of}
        return found.pop() if len(found) == 1 else None

    def delta_target(self, layer: int | None) -> str | None:
        """The quantity ``\\delta`` stands for: the hidden state's pre-activation, or else the hidden
        state itself (read from the variables' meanings)."""
        return self.with_meaning(layer, "preactivation", "hidden") or self.with_meaning(layer, "state", "hidden")

    def alias(self, base: str) -> str | None:
        """Another name a person may use: ``z`` for the hidden state's pre-activation (``a_t``)."""
        meaning = ALIASES.get(base)
        return None if meaning is None or self.has(base) else self.with_meaning("any", *meaning)

    def listing(self) -> str:
        out = []
        for (name, layer), sym in sorted(self.symbols.items(), key=lambda kv: (kv[0][0], kv[0][1] or 0)):
            label = name if layer is None else f"{name}^({layer})"
            out.append(label + ("_t" if sym.timed else ""))
        return ", ".join(dict.fromkeys(out))
