"""Element level: matrix expressions evaluated entry by entry with SymPy.

:func:`evaluate` turns an ir expression into an explicit ``sympy.Matrix`` given explicit matrices
for its variables and adjoints: exact with rational inputs, high-precision floats where a
transcendental function meets a ``Float``. :func:`symbol_matrix` gives a matrix of scalar symbols
for a variable (``h_3[0,1]``), the building block of the element-level graph of ``prove.py``.

The evaluation is the one evaluator of :mod:`symrnn.core.evaluator` on SymPy numbers
(:data:`symrnn.core.arithmetic.SYMPY`); this module gives it the explicit matrices as its scope.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import sympy

from . import ir
from .arithmetic import SYMPY, EvaluationError
from .errors import SymrnnError
from .evaluator import evaluate as evaluate_in
from .evaluator import key_of

Env = Mapping[ir.Expr, sympy.Matrix]


def symbol_matrix(var: ir.Var, prefix: str = "") -> sympy.Matrix:
    """A matrix of real scalar symbols named after the variable's entries."""
    from .labels import node_key

    base = prefix + node_key(var)
    rows, cols = var.shape
    return sympy.Matrix(rows, cols, lambda i, j: sympy.Symbol(f"{base}[{i},{j}]", real=True))


class _MatrixScope:
    """The evaluator's scope over explicit matrices keyed by ir variables and adjoints."""

    arithmetic = SYMPY

    def __init__(self, env: Env, T: int | None):
        self.T = T
        self.deadline = None
        self._values: dict = {}
        self._adjoints: dict = {}
        for key, matrix in env.items():
            var = key.of if isinstance(key, ir.Adjoint) else key
            if not isinstance(var, ir.Var):
                continue
            time = None if var.time is None else sympy.sympify(var.time)
            if time is not None and not time.is_Integer:
                continue
            target = self._adjoints if isinstance(key, ir.Adjoint) else self._values
            target[key_of(var, None if time is None else int(time))] = matrix

    def value(self, key):
        return _array(self._values.get(key))

    def adjoint(self, key):
        return _array(self._adjoints.get(key))

    def zero_beyond_horizon(self, name, layer) -> bool:
        return False


def _array(matrix: sympy.Matrix | None) -> np.ndarray | None:
    if matrix is None:
        return None
    out = np.empty(matrix.shape, dtype=object)
    for i in range(matrix.rows):
        for j in range(matrix.cols):
            out[i, j] = matrix[i, j]
    return out


def evaluate(expr: ir.Expr, env: Env, times: Mapping[sympy.Symbol, int] | None = None) -> sympy.Matrix:
    """The explicit matrix of ``expr``; ``times`` gives values to ``T``, ``t`` and sum indices.

    The one evaluator of :mod:`symrnn.core.evaluator`, on SymPy numbers.
    """
    bindings = dict(times or {})
    T = bindings.pop(ir.T_SYM, None)
    try:
        out = evaluate_in(expr, _MatrixScope(env, None if T is None else int(T)), bindings=bindings)
    except EvaluationError as err:
        raise SymrnnError(str(err)) from None
    return sympy.Matrix(out.tolist())
