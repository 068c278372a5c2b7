"""Numbers for a derivation: the worked example of a spec, evaluated exactly.

The example gives every leaf (inputs, targets, parameters, initial states) by its plain name
(``w5``, ``i1``, ``W_hh``, ``x_1``, ``h_0``); numbers are read as exact decimals, every forward
quantity comes from the graph, and every adjoint and gradient from the derivation's own
equations, evaluated exactly (a network with tanh, sigmoid or softmax: to 50 significant digits)
and rounded to floats only at the end.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sympy

from . import ir
from .arithmetic import MP_DIGITS as DIGITS
from .derive import Derivation
from .element import evaluate
from .errors import SpecError
from .evaluate import rational_ok
from .labels import node_key, param_key
from .unroll import unroll


def _to_matrix(value: Any, var: ir.Var) -> sympy.Matrix:
    rows, cols = var.shape
    if not isinstance(value, tuple):
        value = (value,)
    nested = any(isinstance(item, tuple) for item in value)
    if nested and (len(value) != rows or any(not isinstance(r, tuple) or len(r) != cols for r in value)):
        raise SpecError(f"example.{node_key(var)}", f"needs {rows} rows of {cols} numbers (shape {rows}x{cols})")
    if nested and any(isinstance(v, tuple) for r in value for v in r):
        raise SpecError(f"example.{node_key(var)}", "is nested too deeply for a matrix")
    flat: list = []
    for item in value:
        flat.extend(item if isinstance(item, tuple) else (item,))
    if len(flat) != rows * cols:
        raise SpecError(f"example.{node_key(var)}", f"needs {rows * cols} numbers (shape {rows}x{cols}), got {len(flat)}")
    return sympy.Matrix(rows, cols, [sympy.Rational(repr(v)) for v in flat])


def example_point(derivation: Derivation) -> dict[ir.Var, sympy.Matrix]:
    """The spec's worked example as exact matrices for every leaf and parameter."""
    return _example_point(derivation.graph, derivation.spec.example.as_dict())


def check_example(spec) -> None:
    """Refuse a worked example that names an unknown leaf, misses one or has a wrong shape.

    Every command that loads a spec calls this (through ``catalogue.resolve``), so ``prove``
    refuses what ``derive`` refuses. Only the graph is built, at the spec's own T.
    """
    if spec.example:
        _example_point(unroll(spec), spec.example.as_dict())


def _example_point(graph, example: dict) -> dict[ir.Var, sympy.Matrix]:
    leaves = {node_key(v) if v.role != "param" else param_key(v): v for v in graph.params + graph.leaves}
    unknown = sorted(set(example) - set(leaves))
    if unknown:
        raise SpecError(f"example.{unknown[0]}", f"not a leaf of this network; leaves: {', '.join(sorted(leaves))}")
    missing = sorted(set(leaves) - set(example))
    if missing:
        raise SpecError(f"example.{missing[0]}", "missing from the worked example")
    return {var: _to_matrix(example[name], var) for name, var in leaves.items()}


def _number(m: sympy.Matrix):
    if m.shape == (1, 1):
        return float(m[0, 0])
    return [[float(v) for v in m.row(i)] for i in range(m.rows)]


@dataclass(frozen=True)
class WorkedValues:
    forward: dict[str, Any]
    loss: float
    adjoints: dict[str, Any]
    gradients: dict[str, Any]
    exact: dict[ir.Expr, sympy.Matrix]

    def as_json(self) -> dict[str, Any]:
        return {"forward": self.forward, "loss": self.loss, "adjoints": self.adjoints, "gradients": self.gradients}


def worked_values(derivation: Derivation, point: dict[ir.Var, sympy.Matrix] | None = None) -> WorkedValues:
    """Every forward quantity, the loss, every adjoint and gradient at ``point`` (default: the example)."""
    point = example_point(derivation) if point is None else point
    if not rational_ok(node.expr for node in derivation.graph.nodes):
        # tanh(3/8) has no rational value: carried exactly, the expressions nest deeper at every
        # step and the cost grows exponentially in T; 50-digit numbers keep it linear.
        point = {var: m.applyfunc(lambda v: sympy.Float(v, DIGITS)) for var, m in point.items()}
    times = {ir.T_SYM: derivation.steps}
    env: dict[ir.Expr, sympy.Matrix] = dict(point)
    graph = derivation.graph
    forward = {}
    for node in graph.nodes:
        env[node.var] = evaluate(node.expr, env, times)
        if node.var != graph.loss:
            forward[node_key(node.var)] = _number(env[node.var].evalf(30))
    env[ir.Adjoint(graph.loss)] = sympy.Matrix([[1]])
    adjoints = {}
    for eq in derivation.adjoints:
        env[eq.lhs] = evaluate(eq.rhs, env, times)
        adjoints[node_key(eq.lhs.of)] = _number(env[eq.lhs].evalf(30))
    gradients = {}
    for eq in derivation.gradients:
        value = evaluate(eq.rhs, env, times)
        env[eq.lhs] = value
        gradients[eq.node] = _number(value.evalf(30))
    loss = float(env[graph.loss].evalf(30)[0, 0])
    return WorkedValues(forward, loss, adjoints, gradients, env)
