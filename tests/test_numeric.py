"""symrnn.core.evaluate: evaluation of ir expressions on concrete derivations, against independent oracles."""

from __future__ import annotations

import inspect
from fractions import Fraction

import numpy as np
import pytest
import sympy

from symrnn.core import catalogue, ir
from symrnn.core import evaluate as numeric
from symrnn.core.derive import derive
from symrnn.core.labels import param_key

SPECS = catalogue.names()


@pytest.fixture(scope="module")
def derivations():
    return {name: derive(catalogue.load(name), steps=3 if catalogue.load(name).recurrent else None) for name in SPECS}


def test_every_ir_class_has_an_evaluator():
    classes = {obj for _, obj in inspect.getmembers(ir, inspect.isclass) if issubclass(obj, ir.Expr) and obj is not ir.Expr}
    assert classes == set(numeric.OPS), sorted(c.__name__ for c in classes ^ set(numeric.OPS))


def test_a_jacobian_symbol_is_refused_with_a_reason():
    d = derive(catalogue.load("rnn-scalar"))
    inst = numeric.make_instance(d, seed=1)
    h = next(n.var for n in d.graph.nodes if n.var.name == "h")
    with pytest.raises(numeric.EvaluationError, match="Jacobian"):
        numeric.evaluate(ir.Derivative(h, h), inst)


@pytest.mark.parametrize("name", SPECS)
def test_gradients_match_central_differences(name, derivations):
    d = derivations[name]
    inst = numeric.make_instance(d, seed=3)
    fd = numeric.finite_difference_gradients(d, numeric.leaf_values(inst))
    for key, value in inst.gradients().items():
        np.testing.assert_allclose(value, fd[key], rtol=1e-6, atol=1e-8, err_msg=f"{name} {key}")


@pytest.mark.parametrize("name", SPECS)
def test_generic_sweep_reproduces_the_concrete_adjoints(name, derivations):
    d = derivations[name]
    inst = numeric.make_instance(d, seed=4)
    swept = numeric.generic_sweep(inst, d.generic_adjoints)
    for key, value in inst.adjoints.items():
        np.testing.assert_allclose(swept[key], value, rtol=1e-12, atol=1e-14, err_msg=f"{name} {key}")


@pytest.mark.parametrize("name", SPECS)
def test_generic_gradients_equal_concrete_gradients(name, derivations):
    d = derivations[name]
    inst = numeric.make_instance(d, seed=5)
    truth = inst.gradients()
    for eq in d.generic_gradients:
        np.testing.assert_allclose(numeric.evaluate(eq.rhs, inst), truth[eq.node], rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name", ["rnn-linear", "rnn-scalar"])
def test_exact_arithmetic_agrees_with_float(name, derivations):
    d = derivations[name]
    exact = numeric.make_instance(d, seed=6, arithmetic="exact")
    flt = numeric.make_instance(d, seed=6, arithmetic="float")
    for key, value in exact.gradients().items():
        assert all(isinstance(v, Fraction) for v in value.flat)
        np.testing.assert_allclose(numeric.as_float(value), flt.gradients()[key], rtol=1e-12)


def test_mp_arithmetic_agrees_with_float(derivations):
    d = derivations["lstm"]
    mp = numeric.make_instance(d, seed=7, arithmetic="mp")
    flt = numeric.make_instance(d, seed=7, arithmetic="float")
    for key, value in mp.gradients().items():
        np.testing.assert_allclose(numeric.as_float(value), flt.gradients()[key], rtol=1e-10, atol=1e-14)


def test_rational_ok_tells_polynomial_graphs_apart(derivations):
    assert numeric.rational_ok([eq.rhs for eq in derivations["rnn-linear"].forward])
    assert not numeric.rational_ok([eq.rhs for eq in derivations["rnn-tanh"].forward])


def test_draws_avoid_saturation_and_zeros(derivations):
    for name, d in derivations.items():
        inst = numeric.make_instance(d, seed=8)
        for node in d.graph.nodes:
            if isinstance(node.expr, ir.Apply) and node.expr.fn in ("tanh", "sigmoid"):
                assert np.max(np.abs(numeric.evaluate(node.expr.x, inst))) <= 2.0, name
        for value in numeric.leaf_values(inst).values():
            assert np.all(value != 0)


def _linear_setup(derivations):
    d = derivations["rnn-linear"]
    inst = numeric.make_instance(d, seed=9)
    W = next(p for p in d.graph.params if p.name == "W_hh")
    return d, inst, W, numeric.as_float(inst.values[("W_hh", None, None)])


def test_time_sum_product_and_matpow_over_concrete_bounds(derivations):
    _d, inst, W, Wv = _linear_setup(derivations)
    h = ir.Var("h", (2, 1), "node", ir.t_SYM)
    i = ir.INDEX_SYMBOLS["i"]
    total = numeric.evaluate(ir.TimeSum(ir.t_SYM, 1, ir.T_SYM, h), inst)
    want = sum(inst.values[("h", None, n)] for n in range(1, 4))
    np.testing.assert_allclose(total, want)
    power = numeric.evaluate(ir.MatPow(W, ir.T_SYM - 1), inst)
    np.testing.assert_allclose(power, Wv @ Wv)
    prod = numeric.evaluate(ir.TimeProduct(i, 1, ir.T_SYM, ir.MatPow(W, i)), inst)
    np.testing.assert_allclose(prod, Wv @ (Wv @ Wv) @ (Wv @ Wv @ Wv))


def test_adjoint_beyond_the_horizon_is_zero_and_missing_values_raise(derivations):
    _d, inst, _w, _ = _linear_setup(derivations)
    beyond = ir.Adjoint(ir.Var("h", (2, 1), "node", sympy.Integer(4)))
    assert np.all(numeric.evaluate(beyond, inst) == 0)
    with pytest.raises(numeric.EvaluationError, match="x_0"):
        numeric.evaluate(ir.Var("x", (2, 1), "input", sympy.Integer(0)), inst)
    with pytest.raises(numeric.EvaluationError, match="dL/do_4"):
        numeric.evaluate(ir.Adjoint(ir.Var("o", (2, 1), "node", sympy.Integer(4))), inst)


def test_negative_powers_are_inverses_in_every_arithmetic(derivations):
    d = derivations["rnn-linear"]
    W = next(p for p in d.graph.params if p.name == "W_hh")
    for arithmetic in ("float", "exact", "mp"):
        inst = numeric.make_instance(d, seed=9, arithmetic=arithmetic)
        Wv = numeric.as_float(inst.values[("W_hh", None, None)])
        got = numeric.as_float(numeric.evaluate(ir.MatPow(W, ir.T_SYM - 5), inst))
        np.testing.assert_allclose(got, np.linalg.inv(Wv @ Wv), rtol=1e-10)
    inst = numeric.make_instance(d, seed=9)
    inst.values[("W_hh", None, None)] = np.ones((2, 2))
    with pytest.raises(numeric.EvaluationError, match="singular"):
        numeric.evaluate(ir.MatPow(W, -1), inst)


def test_deadline_stops_evaluation(derivations):
    _d, inst, W, _ = _linear_setup(derivations)
    i = ir.INDEX_SYMBOLS["i"]
    slow = ir.TimeSum(i, 1, 10 * ir.T_SYM, ir.MatPow(W, 900))
    with pytest.raises(numeric.LimitError):
        numeric.evaluate(slow, inst, deadline=0.0)


def test_param_keys_are_the_gradient_keys(derivations):
    d = derivations["deep-rnn"]
    inst = numeric.make_instance(d, seed=10)
    assert set(inst.gradients()) == {param_key(p) for p in d.graph.params}


def test_mp_arithmetic_really_carries_50_digits(derivations):
    d = derivations["rnn-tanh"]
    inst = numeric.make_instance(d, seed=12, arithmetic="mp")
    h = [ir.Var("h", (2, 1), "node", sympy.Integer(n)) for n in (1, 2, 3)]
    left = numeric.evaluate(ir.hadamard(ir.hadamard(h[0], h[1]), h[2]), inst)
    right = numeric.evaluate(ir.hadamard(h[0], ir.hadamard(h[1], h[2])), inst)
    with numeric.precision(numeric.MP):
        gaps = [abs(a - b) for a, b in zip(left.flat, right.flat)]
        digits = [len(str(v)) for v in left.flat]
    assert max(gaps) < 1e-45
    assert min(digits) > 40  # the values themselves have about 50 significant digits
