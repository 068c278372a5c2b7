"""One evaluator, four number types: every ir op gives the same value in float64, exact
rationals, 50-digit mpmath and SymPy numbers, on drawn inputs (issue: one way to evaluate).

The SymPy value is the reference: exact where the op is rational (then the exact arithmetic must
equal it entry for entry), 50 digits otherwise (mp agrees to 1e-40, float64 to 1e-12).
"""

from __future__ import annotations

from fractions import Fraction

import mpmath
import numpy as np
import pytest
import sympy
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from symrnn.core import ir
from symrnn.core.activations import ACTIVATIONS, rational
from symrnn.core.arithmetic import ARITHMETICS, EXACT, FLOAT, MP, SYMPY, EvaluationError
from symrnn.core.evaluator import OPS, evaluate, key_of
from symrnn.core.losses import LOSSES

A = ir.Var("A", (2, 2), role="param")
B = ir.Var("B", (2, 2), role="param")
X = ir.Var("x", (2, 1))
Y = ir.Var("y", (2, 1))
H = ir.Var("h", (2, 1), time=ir.t_SYM)
K = ir.INDEX_SYMBOLS["k"]


class _Point:
    """A scope: the same drawn rationals in each arithmetic."""

    def __init__(self, arithmetic, entries: dict, T: int = 3):
        self.arithmetic, self.T, self.deadline = arithmetic, T, None
        self._values = {k: arithmetic.array(*shape, e) for k, (shape, e) in entries.items() if k[0] != "adj"}
        self._adjoints = {k[1:]: arithmetic.array(*shape, e) for k, (shape, e) in entries.items() if k[0] == "adj"}

    def value(self, key):
        return self._values.get(key)

    def adjoint(self, key):
        return self._adjoints.get(key)

    def zero_beyond_horizon(self, name, layer):
        return name == "h"


def _draw(data) -> dict:
    frac = st.builds(Fraction, st.integers(-40, 40).filter(bool), st.sampled_from([8, 16, 32]))
    entries = {}
    for var in (A, B, X, Y):
        entries[key_of(var, None)] = (var.shape, data.draw(st.lists(frac, min_size=var.rows * var.cols, max_size=var.rows * var.cols)))
    for t in range(5):
        entries[key_of(H, t)] = ((2, 1), data.draw(st.lists(frac, min_size=2, max_size=2)))
        entries[("adj",) + key_of(H, t)] = ((2, 1), data.draw(st.lists(frac, min_size=2, max_size=2)))
    return entries


def _cases() -> dict[str, ir.Expr]:
    h1 = H.at(1)
    cases = {
        "Var": A, "Adjoint": ir.Adjoint(h1), "Const": ir.Const((2, 2), 3), "Const identity": ir.eye(2),
        "MatMul": ir.MatMul(A, X), "Add": ir.Add((A, B, ir.eye(2))), "Neg": ir.Neg(A),
        "Scale": ir.Scale(sympy.Rational(1, 3) / ir.T_SYM, A), "Transpose": ir.Transpose(A),
        "Hadamard": ir.Hadamard(A, B), "OneMinus": ir.OneMinus(A),
        "Softmax": ir.Softmax(X), "Softmax row mass": ir.Softmax(ir.Transpose(X), "row", ir.Transpose(Y)),
        "Broadcast": ir.Broadcast(ir.Transpose(X), 3), "SumRows": ir.SumRows(A), "Diag": ir.Diag(X),
        "MatPow": ir.MatPow(A, ir.T_SYM - 1), "MatPow negative": ir.MatPow(A, -2),
        "TimeSum": ir.TimeSum(K, 1, ir.T_SYM, ir.MatMul(A, H.at(K))),
        "TimeProduct": ir.TimeProduct(K, 2, ir.T_SYM, ir.MatMul(ir.Diag(H.at(K)), A)),
        "TimeHadamard": ir.TimeHadamard(K, 1, ir.T_SYM, ir.Hadamard(H.at(K), ir.Adjoint(H.at(K)))),
        "TimeHadamard empty": ir.TimeHadamard(K, ir.T_SYM, ir.T_SYM - 1, ir.OneMinus(H.at(K))),
        "Adjoint beyond the horizon": ir.Adjoint(H.at(ir.T_SYM + 1)),
    }
    for name in ACTIVATIONS:
        cases[f"Apply {name}"] = ir.Apply(name, A)
        cases[f"DerivApply {name}"] = ir.DerivApply(name, A)
    for name in LOSSES:
        cases[f"Loss {name}"] = ir.Loss(name, X, Y)
        cases[f"Loss {name} row"] = ir.Loss(name, ir.Transpose(X), ir.Transpose(Y), "row")
    return cases


CASES = _cases()


def test_every_ir_op_is_covered():
    covered = {type(node) for expr in CASES.values() for node in ir.walk(expr)} | {ir.Derivative}
    assert covered == set(OPS), sorted(c.__name__ for c in set(OPS) ^ covered)


def _rational(expr) -> bool:
    for node in ir.walk(expr):
        if isinstance(node, (ir.Apply, ir.DerivApply)) and not rational(node.fn):
            return False
        if isinstance(node, ir.Softmax) or (isinstance(node, ir.Loss) and not LOSSES[node.kind].rational):
            return False
    return True


@pytest.mark.parametrize("case", sorted(CASES))
@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_the_four_arithmetics_agree_op_by_op(case, data):
    expr = CASES[case]
    entries = _draw(data)
    a = [sympy.Rational(v.numerator, v.denominator) for v in entries[key_of(A, None)][1]]
    assume(case != "MatPow negative" or a[0] * a[3] - a[1] * a[2] != 0)
    with mpmath.workdps(60):
        truth = evaluate(expr, _Point(SYMPY, entries))
        reference = np.vectorize(lambda v: mpmath.mpf(sympy.N(v, 60)), otypes=[object])(truth)
    got_float = evaluate(expr, _Point(FLOAT, entries))
    assert got_float.dtype == np.float64 and got_float.shape == expr.shape
    assert np.allclose(got_float, np.vectorize(float)(reference).astype(float), rtol=1e-12, atol=1e-12)
    with mpmath.workdps(50):
        got_mp = evaluate(expr, _Point(MP, entries))
        for a, b in zip(got_mp.flat, reference.flat):
            assert abs(a - b) <= mpmath.mpf(10) ** -40 * max(1, abs(b)), (case, a, b)
    if _rational(expr):
        got_exact = evaluate(expr, _Point(EXACT, entries))
        assert all(isinstance(v, Fraction) for v in got_exact.flat)
        assert [sympy.Rational(v.numerator, v.denominator) for v in got_exact.flat] == list(truth.flat), case
    else:
        with pytest.raises(EvaluationError):
            evaluate(expr, _Point(EXACT, entries))


def test_no_arithmetic_evaluates_an_unexpanded_jacobian():
    expr = ir.Derivative(H.at(ir.T_SYM), H.at(1))
    for arith in ARITHMETICS.values():
        with pytest.raises(EvaluationError):
            evaluate(expr, _Point(arith, {}))


def test_a_power_of_a_power_multiplies_the_exponents():
    """``matpow`` folds ``(A^a)^b`` into one power: ``A^(ab)``, never ``A^(a+b)``."""
    folded = ir.matpow(ir.matpow(A, 2), 3)
    assert isinstance(folded, ir.MatPow) and folded.exponent == 6
    entries = {key_of(A, None): ((2, 2), [Fraction(1, 2), Fraction(1, 3), Fraction(-1, 4), Fraction(1)])}
    point = _Point(EXACT, entries)
    a = evaluate(A, point)
    assert (evaluate(folded, point) == a @ a @ a @ a @ a @ a).all()
