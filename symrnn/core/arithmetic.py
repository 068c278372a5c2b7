"""The number types one evaluator runs on: one implementation each, behind one protocol.

:mod:`symrnn.core.evaluate` walks an ir expression once, whatever the numbers; an
:class:`Arithmetic` says how numbers of one type are made and combined:

* :data:`FLOAT`: NumPy float64, at any size (generated-code checks, the checker, exams);
* :data:`EXACT`: Python ``Fraction`` entries in object arrays, for graphs whose every operation
  maps rationals to rationals (identity activations, squared error): equality is exact;
* :data:`MP`: ``mpmath`` numbers at 50 significant digits, for tanh, sigmoid and softmax;
* :data:`SYMPY`: SymPy numbers (rationals, or 50-digit ``Float`` where a transcendental
  function meets one): the element-level proofs of :mod:`symrnn.core.prove`.

Each method is implemented once per type; no method asks which type it is. A test compares the
four on every ir op at drawn inputs (``tests/test_arithmetic.py``).
"""

from __future__ import annotations

import contextlib
from fractions import Fraction

import mpmath
import numpy as np
import sympy

from .activations import activation
from .errors import SymrnnError, UnknownName

MP_DIGITS = 50


class EvaluationError(SymrnnError):
    """An expression cannot be evaluated on an instance (an index out of range, a bad power)."""


class Arithmetic:
    """Numbers in object arrays: the shared behaviour of the exact, 50-digit and SymPy types."""

    name = ""
    numbers = ""  # which evaluators of an activation's registry entry apply: float64, exact or mp

    def number(self, value: Fraction):
        raise NotImplementedError

    def exp(self, x):
        raise EvaluationError(f"exp has no exact rational value; use the 'mp' arithmetic ({self.name})")

    def log(self, x):
        raise EvaluationError(f"log has no exact rational value; use the 'mp' arithmetic ({self.name})")

    def activation(self, name: str, derivative: bool = False):
        """``f`` (or ``f'``) of a registered activation, on one number of this type."""
        try:
            return activation(name).evaluators(self.numbers)[1 if derivative else 0]
        except UnknownName as err:
            raise EvaluationError(str(err)) from None

    def context(self):
        """The context every computation in this type runs in (50 digits for ``mp``)."""
        return contextlib.nullcontext()

    # -- arrays -------------------------------------------------------------------------------
    def array(self, rows: int, cols: int, entries) -> np.ndarray:
        out = np.empty((rows, cols), dtype=object)
        for r in range(rows):
            for c in range(cols):
                out[r, c] = self.number(entries[r * cols + c])
        return out

    def full(self, shape, value) -> np.ndarray:
        out = np.empty(shape, dtype=object)
        one = self.number(Fraction(value))
        for idx in np.ndindex(*shape):
            out[idx] = one
        return out

    def eye(self, n: int) -> np.ndarray:
        out = self.full((n, n), 0)
        for i in range(n):
            out[i, i] = self.number(Fraction(1))
        return out

    def map(self, fn, x: np.ndarray) -> np.ndarray:
        out = np.empty(x.shape, dtype=object)
        for idx in np.ndindex(*x.shape):
            out[idx] = fn(x[idx])
        return out

    def softmax(self, x: np.ndarray, axis: str) -> np.ndarray:
        """Softmax of each column (``column``) or row (``row``)."""
        z = self.map(self.exp, x)
        return z / np.sum(z, axis=0 if axis == "column" else 1, keepdims=True)

    def inverse(self, x: np.ndarray) -> np.ndarray:
        try:
            return self._inverse(x)
        except (np.linalg.LinAlgError, ValueError, ZeroDivisionError) as err:  # sympy: NonInvertibleMatrixError
            raise EvaluationError("a negative power of a singular matrix") from err

    def _inverse(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def to_float(self, x: np.ndarray) -> np.ndarray:
        return np.array(np.vectorize(float, otypes=[float])(x), dtype=float) if x.size else np.zeros(x.shape)


class Float64(Arithmetic):
    name, numbers = "float", "float64"

    def number(self, value):
        return float(value)

    def exp(self, x):
        return np.exp(x)

    def log(self, x):
        return np.log(x)

    def array(self, rows, cols, entries):
        return np.array([[float(e) for e in entries[r * cols:(r + 1) * cols]] for r in range(rows)], dtype=float)

    def full(self, shape, value):
        return np.full(shape, float(value))

    def eye(self, n):
        return np.eye(n)

    def map(self, fn, x):
        return fn(x)

    def softmax(self, x, axis):
        ax = 0 if axis == "column" else 1
        z = np.exp(x - np.max(x, axis=ax, keepdims=True))
        return z / np.sum(z, axis=ax, keepdims=True)

    def _inverse(self, x):
        if abs(np.linalg.det(x)) < 1e-12:
            raise np.linalg.LinAlgError
        return np.linalg.inv(x)

    def to_float(self, x):
        return np.asarray(x, dtype=float)


class Exact(Arithmetic):
    name, numbers = "exact", "exact"

    def number(self, value):
        return Fraction(value)

    def _inverse(self, x):
        inv = sympy.Matrix(x.shape[0], x.shape[1], [sympy.Rational(v.numerator, v.denominator) for v in x.flat]).inv()
        return self.array(x.shape[0], x.shape[1], [Fraction(int(v.p), int(v.q)) for v in inv])


class Mp50(Arithmetic):
    name, numbers = "mp", "mp"

    def number(self, value):
        if isinstance(value, Fraction):
            return mpmath.mpf(value.numerator) / value.denominator
        return mpmath.mpf(value)

    def exp(self, x):
        return mpmath.exp(x)

    def log(self, x):
        return mpmath.log(x)

    def context(self):
        return mpmath.workdps(MP_DIGITS)

    def _inverse(self, x):
        inv = mpmath.matrix(x.tolist()) ** -1
        return self.array(x.shape[0], x.shape[1], [inv[i, j] for i in range(x.shape[0]) for j in range(x.shape[1])])


class SymPyNumbers(Arithmetic):
    """SymPy numbers: exact rationals stay exact, a ``Float`` carries its own precision."""

    name, numbers = "sympy", "sympy"

    def number(self, value):
        if isinstance(value, Fraction):
            return sympy.Rational(value.numerator, value.denominator)
        return sympy.sympify(value)

    def exp(self, x):
        return sympy.exp(x)

    def log(self, x):
        return sympy.log(x)

    def activation(self, name, derivative=False):
        try:
            entry = activation(name)
        except UnknownName as err:
            raise EvaluationError(str(err)) from None
        return entry.derivative if derivative else entry.scalar

    def _inverse(self, x):
        inv = sympy.Matrix(x.tolist()).inv()
        return self.array(x.shape[0], x.shape[1], list(inv))

    def to_float(self, x):
        return np.array(np.vectorize(lambda v: float(sympy.N(v, 17)), otypes=[float])(x), dtype=float)


FLOAT = Float64()
EXACT = Exact()
MP = Mp50()
SYMPY = SymPyNumbers()

ARITHMETICS: dict[str, Arithmetic] = {a.name: a for a in (FLOAT, EXACT, MP, SYMPY)}


def precision(arith: Arithmetic):
    """The context every computation of ``arith`` runs in (50 significant digits for ``mp``).

    mpmath numbers round to the precision of the context they are computed in, so every
    operation on ``mp`` values (drawing, forward, adjoints, evaluation, comparison) is wrapped.
    """
    return arith.context()


__all__ = ["ARITHMETICS", "EXACT", "FLOAT", "MP", "MP_DIGITS", "SYMPY", "Arithmetic", "EvaluationError", "precision"]
