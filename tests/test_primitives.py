"""Every registered activation, each of its forms against the others and against sympy.diff.

The test iterates over ``activations.ACTIVATIONS``: a new entry is tested here without a line of
new test code. Its SymPy form is the reference; the float64, 50-digit and exact evaluators, the
derivative bound, the textbook derivative written with the output, and the NumPy code of
generated modules (with its helpers) must agree with it.
"""

from __future__ import annotations

from fractions import Fraction

import mpmath
import numpy as np
import pytest
import sympy

from symrnn.codegen.generate import load_module
from symrnn.codegen.runtime import HELPERS, helpers_used
from symrnn.core import ir
from symrnn.core.activations import ACTIVATIONS
from symrnn.core.element import evaluate, symbol_matrix
from symrnn.core.losses import LOSSES

POINTS = (-3.5, -1.25, -0.5, 0.25, 0.75, 2.0, 4.5)
X = sympy.Symbol("x", real=True)


@pytest.fixture(params=sorted(ACTIVATIONS))
def act(request):
    return ACTIVATIONS[request.param]


def test_float64_and_50_digit_evaluators_match_the_sympy_form(act):
    f, df = sympy.lambdify(X, act.sympy(X), "mpmath"), sympy.lambdify(X, act.derivative(X), "mpmath")
    with mpmath.workdps(60):
        for v in POINTS:
            x = mpmath.mpf(v)
            assert abs(act.mp[0](x) - f(x)) < mpmath.mpf(10) ** -50
            assert abs(act.mp[1](x) - df(x)) < mpmath.mpf(10) ** -50
            assert float(act.float64[0](np.float64(v))) == pytest.approx(float(f(x)), rel=1e-14, abs=1e-300)
            assert float(act.float64[1](np.array([v]))[0]) == pytest.approx(float(df(x)), rel=1e-13, abs=1e-15)


def test_exact_evaluator_is_exact_where_it_exists(act):
    if act.exact is None:  # then its value at a rational is not rational
        assert not act.sympy(sympy.Rational(1, 3)).is_rational
        return
    for v in POINTS:
        q = Fraction(v).limit_denominator(100)
        assert sympy.Rational(act.exact[0](q)) == act.sympy(sympy.Rational(q))
        assert sympy.Rational(act.exact[1](q)) == act.derivative(sympy.Rational(q))


def test_derivative_bound_is_the_supremum(act):
    df = sympy.lambdify(X, act.derivative(X), "math")
    largest = max(abs(float(df(v))) for v in np.linspace(-20, 20, 8001) if v != 0.0)
    assert largest <= act.derivative_bound + 1e-12
    assert largest == pytest.approx(act.derivative_bound, abs=1e-4)


def test_textbook_derivative_from_the_output_is_the_derivative(act):
    if act.from_output is None:
        return
    out = ir.Var("h", (2, 1))
    env = {out: symbol_matrix(out)}
    form = evaluate(act.from_output(out), env)
    for v, entry in zip((0.3, -1.7), form):
        value = entry.subs({s: act.sympy(sympy.Float(v, 30)) for s in env[out]})
        assert float(value) == pytest.approx(float(act.derivative(sympy.Float(v, 30))), rel=1e-12)


def test_generated_code_computes_the_activation_and_its_derivative(act, tmp_path):
    """The registry's code and helpers, written to a module as codegen writes them, and imported."""
    body = f"def f(x):\n    return {act.call('x')}\n\n\ndef df(x):\n    return {act.grad_call('x')}\n"
    helpers = "\n\n".join(helpers_used(body))
    path = tmp_path / f"act_{act.name}.py"
    path.write_text(f"import numpy as np\n\n\n{helpers}\n\n{body}", encoding="utf-8")
    module = load_module(path, f"symrnn_test_activation_{act.name}")
    x = np.array([[v] for v in POINTS])
    assert np.allclose(module.f(x), act.float64[0](x), rtol=1e-14, atol=0)
    assert np.allclose(module.df(x), act.float64[1](x), rtol=1e-13, atol=1e-16)


def test_every_activation_can_be_typed_in_the_checker(act):
    from symrnn.check.shapes import FUNCTIONS  # the checker's table of function names

    assert FUNCTIONS[act.name] == act.name and all(FUNCTIONS[a] == act.name for a in act.aliases)


@pytest.fixture(params=sorted(LOSSES))
def loss(request):
    return LOSSES[request.param]


@pytest.mark.parametrize("axis, shape", [("column", (3, 1)), ("row", (2, 3))])
def test_loss_evaluators_agree_with_the_element_form(loss, axis, shape):
    """The float64 and 50-digit values of each loss equal its SymPy value, on soft targets too."""
    from symrnn.core.evaluate import FLOAT, MP, precision

    pred, target = ir.Var("O", shape, "param"), ir.Var("Y", shape, "target")
    expr = ir.Loss(loss.name, pred, target, axis)
    rng = np.random.default_rng(11)
    o, y = rng.normal(size=shape), rng.uniform(0.0, 2.0, size=shape)  # targets need not sum to one
    env = {pred: symbol_matrix(pred), target: symbol_matrix(target)}
    point = {**dict(zip(env[pred], o.ravel())), **dict(zip(env[target], y.ravel()))}
    truth = sympy.N(evaluate(expr, env)[0, 0].xreplace({k: sympy.Float(v, 60) for k, v in point.items()}), 55)
    from symrnn.core.evaluate import softmax_array

    value = loss.numeric(FLOAT, o, y, axis, softmax_array)
    assert float(value[0, 0]) == pytest.approx(float(truth), rel=1e-13)
    with precision(MP):
        mo = MP.array(*shape, [Fraction(v) for v in o.ravel()])
        my = MP.array(*shape, [Fraction(v) for v in y.ravel()])
        exact = loss.numeric(MP, mo, my, axis, softmax_array)[0, 0]
        assert abs(exact - mpmath.mpf(str(truth))) < mpmath.mpf(10) ** -45


def test_loss_printers_and_code_are_registered(loss):
    e = ir.Loss(loss.name, ir.Var("o", (3, 1)), ir.Var("y", (3, 1), "target"))
    assert loss.latex(e, "o", "y") and loss.plain(e, "o", "y")
    assert loss.code in HELPERS and loss.min_outputs >= 1
