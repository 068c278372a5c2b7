"""The derivation's work grows linearly in T (issue 14: lstm took 0.67 s at T = 200, 7.6 s at T = 800).

Counted, not timed: the number of rule applications (``rules.backprop`` calls) of a derivation
at T and at 2T. The sweep used to walk the loss, a sum over all T outputs, once per output.
"""

from __future__ import annotations

import pytest

from symrnn.core import catalogue, rules
from symrnn.core import derive as derive_module


def _calls(monkeypatch, spec, steps: int, index: bool = True) -> int:
    count = 0
    original = rules.backprop

    def counted(*args, **kwargs):
        nonlocal count
        count += 1
        if not index:
            kwargs["index"] = None
        return original(*args, **kwargs)

    monkeypatch.setattr(rules, "backprop", counted)
    monkeypatch.setattr(derive_module, "backprop", counted)
    derive_module.derive(spec, steps)
    return count


@pytest.mark.parametrize("name", ["lstm", "rnn-tanh"])
def test_rule_applications_grow_linearly_in_T(monkeypatch, name):
    spec = catalogue.load(name)
    small, large = _calls(monkeypatch, spec, 30), _calls(monkeypatch, spec, 60)
    assert large <= 2.05 * small, (small, large)


def test_without_the_index_the_sweep_is_quadratic(monkeypatch):
    """The same count without the sweep's VariableIndex: what the test above guards against."""
    spec = catalogue.load("rnn-tanh")
    small, large = _calls(monkeypatch, spec, 30, index=False), _calls(monkeypatch, spec, 60, index=False)
    assert large > 2.5 * small, (small, large)


def test_the_index_answers_like_a_walk():
    from symrnn.core import ir

    h = [ir.Var("h", (2, 1), time=t) for t in range(1, 5)]
    expr = ir.add(*[ir.hadamard(v, v) for v in h[:3]])
    index = rules.VariableIndex()
    assert index.variables(expr) == frozenset(ir.variables(expr))
    assert index.readers(expr, h[1]) == (1,)
    assert index.readers(expr, h[3]) == ()
