"""Every rule of the formula sheet, proved against sympy.diff at element level.

The test iterates over ``rules.SHEET``: a rule added to the sheet is tested here without a
line of new test code. For an op ``Y = op(X_1..X_n)`` and a symbolic adjoint ``G``, the scalar
``<G, Y>`` is differentiated entry by entry with ``sympy.diff`` and compared with the rule.
"""

from __future__ import annotations

import zlib

import numpy as np
import pytest
import sympy

from symrnn.core import ir
from symrnn.core.element import evaluate, symbol_matrix
from symrnn.core.errors import MissingRule
from symrnn.core.rules import SHEET, backprop, rule_for
from symrnn.core.spec import ACTIVATIONS, LOSSES


def _prove_rule(expr: ir.Expr, rng: np.random.Generator) -> None:
    leaves = [v for v in ir.variables(expr)]
    env = {v: symbol_matrix(v) for v in leaves}
    g_var = ir.Var("G", expr.shape, "node")
    env[ir.Adjoint(g_var)] = symbol_matrix(g_var, prefix="adj_")
    value = evaluate(expr, env)
    inner = sum(a * b for a, b in zip(env[ir.Adjoint(g_var)], value))
    # Every entry, targets included, is an arbitrary rational: a softmax cross-entropy's targets
    # need not sum to one (soft labels), and the rule must hold for them too.
    point = {s: sympy.Rational(int(rng.integers(-9, 10)) or 1, int(rng.integers(2, 9))) for m in env.values() for s in m}
    for leaf in leaves:
        if leaf.role == "target" and isinstance(expr, ir.Loss):
            continue
        contributions = backprop(expr, ir.Adjoint(g_var), leaf)
        assert contributions, f"rule {rule_for(expr).name} gives no gradient for {leaf.name}"
        mine = sum((evaluate(c, env) for c, _ in contributions), sympy.zeros(*leaf.shape))
        truth = env[leaf].applyfunc(lambda s: sympy.diff(inner, s))
        for a, b in zip(mine, truth):
            diff = sympy.N((a - b).xreplace(point), 60)
            assert abs(diff) < sympy.Float("1e-50"), (rule_for(expr).name, leaf.name, a, b)


@pytest.mark.parametrize("op", list(SHEET), ids=lambda op: op.__name__)
def test_rule_matches_sympy_diff(op):
    rule = SHEET[op]
    # A fixed seed per op (zlib.crc32 is stable across processes, unlike hash() of a string).
    rng = np.random.default_rng(zlib.crc32(op.__name__.encode()))
    for _ in range(4):
        expr = rule.sample(rng)
        assert isinstance(expr, op) or type(expr) is op or op is ir.Scale, f"sampler of {rule.name} built {type(expr)}"
        _prove_rule(expr, rng)


@pytest.mark.parametrize("shape", [(2, 3), (3, 1), (1, 1)])
@pytest.mark.parametrize("name", ACTIVATIONS)
def test_every_activation_rule_matches_sympy_diff(name, shape):
    """Each activation by name, whatever the op samplers happen to draw."""
    rng = np.random.default_rng(20231 + ACTIVATIONS.index(name))
    for _ in range(2):
        _prove_rule(ir.Apply(name, ir.Var("A", shape, "param")), rng)


@pytest.mark.parametrize("axis, shape", [("column", (3, 1)), ("column", (3, 2)), ("row", (2, 3)), ("row", (1, 4))])
@pytest.mark.parametrize("kind", LOSSES)
def test_every_loss_rule_matches_sympy_diff(kind, axis, shape):
    """Each loss on both axes, with targets that are not distributions (they need not sum to one)."""
    rng = np.random.default_rng(7000 + LOSSES.index(kind))
    for _ in range(3):
        _prove_rule(ir.Loss(kind, ir.Var("O", shape, "param"), ir.Var("Y", shape, "target"), axis), rng)


def test_softmax_rule_is_exact_for_soft_targets_where_the_textbook_form_is_not():
    """Negative control: softmax(o) - y (the textbook form, for one-hot y) misses when 1^T y != 1."""
    o, y = ir.Var("O", (3, 1), "param"), ir.Var("Y", (3, 1), "target")
    env = {o: symbol_matrix(o), y: symbol_matrix(y)}
    loss = evaluate(ir.Loss("softmax_ce", o, y), env)[0, 0]
    truth = env[o].applyfunc(lambda s: sympy.diff(loss, s))
    point = {s: sympy.Rational(k + 1, 3) for k, s in enumerate(list(env[o]) + list(env[y]))}
    (rule, _), = backprop(ir.Loss("softmax_ce", o, y), ir.ones((1, 1)), o)
    textbook = ir.sub(ir.Softmax(o, "column"), y)
    assert all(abs(sympy.N((a - b).xreplace(point), 50)) < 1e-45 for a, b in zip(evaluate(rule, env), truth))
    assert any(abs(sympy.N((a - b).xreplace(point), 50)) > 1e-3 for a, b in zip(evaluate(textbook, env), truth))


def test_every_forward_op_has_a_rule():
    forward_ops = {ir.MatMul, ir.Add, ir.Neg, ir.Scale, ir.Transpose, ir.Hadamard, ir.OneMinus, ir.Apply,
                   ir.Broadcast, ir.SumRows, ir.Loss}
    assert forward_ops <= set(SHEET)


def test_missing_rule_names_the_op_and_the_fix():
    with pytest.raises(MissingRule, match="no VJP rule for op 'Diag'.*@vjp\\(Diag"):
        rule_for(ir.Diag(ir.Var("x", (2, 1))))


def test_a_wrong_rule_would_be_caught():
    """Negative control: without the transpose, dA = G B differs from sympy.diff's answer."""
    a, b = ir.Var("A", (2, 2), "param"), ir.Var("B", (2, 2), "param")
    g = ir.Var("G", (2, 2))
    env = {a: symbol_matrix(a), b: symbol_matrix(b), ir.Adjoint(g): symbol_matrix(g, "adj_")}
    inner = sum(x * y for x, y in zip(env[ir.Adjoint(g)], evaluate(ir.matmul(a, b), env)))
    truth = env[a].applyfunc(lambda s: sympy.diff(inner, s))
    right = evaluate(ir.matmul(ir.Adjoint(g), ir.transpose(b)), env)
    wrong = evaluate(ir.matmul(ir.Adjoint(g), b), env)
    assert (right - truth).applyfunc(sympy.expand) == sympy.zeros(2, 2)
    assert (wrong - truth).applyfunc(sympy.expand) != sympy.zeros(2, 2)
