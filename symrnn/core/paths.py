"""The seed's chain-rule view: a gradient as a sum over paths of products of local partials.

``dL/dw5 = dE_o1/dout_o1 · dout_o1/din_o1 · din_o1/dw5`` and the two paths of ``dL/dout_h1``.
Paths run through the graph at element level (one scalar per entry), so they also exist for a
chosen entry of an RNN weight, e.g. ``W_hh[0,0]``. Each local partial is printed from the
formula sheet (for scalar graphs, such as the seed's MLP and the scalar RNN) and evaluated
exactly at the worked example (or at a seeded random point).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import sympy

from . import ir
from .derive import Derivation
from .element import evaluate
from .errors import LimitError, UnknownName
from .labels import node_key, param_key
from .rules import backprop

MAX_PATHS = 512


@dataclass(frozen=True)
class Factor:
    """One local partial ``d(of)/d(wrt)``: its formula (scalar graphs) and its value."""

    of: ir.Var
    wrt: ir.Var
    entry_of: tuple[int, int]
    entry_wrt: tuple[int, int]
    formula: ir.Expr | None
    value: sympy.Expr


@dataclass(frozen=True)
class Path:
    factors: tuple[Factor, ...]

    @property
    def value(self) -> sympy.Expr:
        out = sympy.Integer(1)
        for f in self.factors:
            out *= f.value
        return out


@dataclass(frozen=True)
class ChainView:
    """``dL/d(target)[entry]`` as a sum over paths."""

    target: ir.Var
    entry: tuple[int, int]
    paths: tuple[Path, ...]
    at_example: bool = False

    @property
    def value(self) -> sympy.Expr:
        return sum((p.value for p in self.paths), sympy.Integer(0))


def _find(derivation: Derivation, name: str) -> ir.Var:
    graph = derivation.graph
    for var in graph.params:
        if param_key(var) == name:
            return var
    for node in graph.nodes:
        if node_key(node.var) == name:
            return node.var
    known = [param_key(p) for p in graph.params] + [node_key(n.var) for n in graph.nodes]
    raise UnknownName(f"no quantity {name!r} in {derivation.spec.name}; known: {', '.join(known)}")


def _count_paths(element, graph, consumers) -> dict[sympy.Symbol, int]:
    """Number of paths from each scalar to the loss, by dynamic programming (no enumeration)."""
    count: dict[sympy.Symbol, int] = {element.symbols[graph.loss][0, 0]: 1}
    order = [n.var for n in graph.nodes]
    for var in reversed(order):
        for sym, expr in zip(element.symbols[var], element.local[var]):
            for arg in expr.free_symbols:
                count[arg] = count.get(arg, 0) + count.get(sym, 0)
    return count


def chain_view(derivation: Derivation, name: str, entry: tuple[int, int] = (0, 0), point: dict | None = None) -> ChainView:
    """The gradient of quantity ``name`` (a parameter or a node) at ``entry`` as a sum over paths.

    ``point`` gives the leaves (default: the spec's worked example, else a seeded random point).
    """
    from .prove import ElementGraph, is_rational_network

    target = _find(derivation, name)
    if not (0 <= entry[0] < target.shape[0] and 0 <= entry[1] < target.shape[1]):
        raise UnknownName(f"{name} has shape {target.shape}; entry {entry} is outside it")
    at_example = point is None and bool(derivation.spec.example)
    if at_example:
        from .values import example_point

        point = example_point(derivation)
    exact = True if point is not None else is_rational_network(derivation)
    element = ElementGraph(derivation, random.Random(0), exact, given=point)
    graph = derivation.graph
    consumers: dict[ir.Var, list[ir.Var]] = {}
    for node in graph.nodes:
        for var in ir.variables(node.expr):
            consumers.setdefault(var, []).append(node.var)
    local = {n.var: n.expr for n in graph.nodes}
    scalar_graph = all(n.var.shape == (1, 1) for n in graph.nodes) and target.shape == (1, 1)
    env = element.values
    times = {ir.T_SYM: derivation.steps}
    paths: list[Path] = []

    def walk(var: ir.Var, idx: tuple[int, int], prefix: list[Factor]) -> None:
        if var == graph.loss:
            paths.append(Path(tuple(reversed(prefix))))
            if len(paths) > MAX_PATHS:
                raise LimitError(f"more than {MAX_PATHS} paths; choose a smaller T or network")
            return
        sym = element.symbols[var][idx]
        for user in consumers.get(var, []):
            for k, expr in enumerate(element.local[user]):
                if sym not in expr.free_symbols:
                    continue
                value = sympy.diff(expr, sym).xreplace(element.point)
                formula = None
                if scalar_graph:
                    parts = backprop(local[user], ir.ones((1, 1)), var, out=user)
                    formula = ir.add(*[p for p, _ in parts])
                    value = evaluate(formula, env, times)[0, 0]
                out_idx = divmod(k, user.shape[1])
                walk(user, out_idx, prefix + [Factor(user, var, out_idx, idx, formula, value)])

    count = _count_paths(element, graph, consumers)
    start = element.symbols[target][entry]
    if count.get(start, 0) > MAX_PATHS:
        raise LimitError(
            f"dL/d{name}{list(entry)} runs over {count[start]} paths; the path view shows at most {MAX_PATHS} "
            "(choose a smaller T or network)"
        )
    walk(target, entry, [])
    return ChainView(target, entry, tuple(paths), at_example)
