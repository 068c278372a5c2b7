"""Row notation's closed forms: a batch's gated state (the LSTM's memory cell, the GRU's hidden state)
unrolled into ``sum_k r_k ⊙ ⨀_{j=t+1}^{k} g_j``, read off the derived recurrence, equal to it term by
term, proved for every T by induction, proved numerically by ``symrnn prove``, and refused when
wrong (a mutated bound, gate or term is caught by each proof)."""

from __future__ import annotations

from dataclasses import replace

import pytest
import sympy

from symrnn.core import catalogue, ir
from symrnn.core.arithmetic import EXACT
from symrnn.core.closed_forms import check_against_recurrence
from symrnn.core.derive import derive
from symrnn.core.evaluator import evaluate
from symrnn.core.induction import prove_by_induction
from symrnn.core.prove import prove
from symrnn.core.spec import RNNSpec
from symrnn.printing.latex import latex

GATED = [("lstm", "C", "forget_gate"), ("gru-d2l", "H", "update_gate"), ("gru-torch", "H", "update_gate")]


def _products(expr):
    return [n for n in ir.walk(expr) if isinstance(n, ir.TimeHadamard)]


def _wrong_forms(eq):
    """Three classic slips: the product starts one step early, the gate is replaced by 1 - gate, the
    k = t term is dropped."""
    products = _products(eq.rhs)
    early = ir.substitute(eq.rhs, {p: ir.TimeHadamard(p.index, p.lo - 1, p.hi, p.body) for p in products})
    flipped = ir.substitute(eq.rhs, {p: ir.TimeHadamard(p.index, p.lo, p.hi, ir.one_minus(p.body)) for p in products})
    out = [early, flipped]
    sums = [x for x in (eq.rhs.terms if isinstance(eq.rhs, ir.Add) else (eq.rhs,)) if isinstance(x, ir.TimeSum)]
    out += [ir.substitute(eq.rhs, {s: ir.TimeSum(s.index, s.lo + 1, s.hi, s.body)}) for s in sums]
    return out


@pytest.mark.parametrize("cell,carrier,gate", GATED)
@pytest.mark.parametrize("shape", ["many-to-many", "many-to-one", "one-to-many"])
def test_the_carried_state_through_its_gate_elementwise(cell, carrier, gate, shape):
    for layers in (1, 2):
        for steps in (1, 2, 4):
            spec = RNNSpec("rows", cell, 2, 2, 2, notation="row", shape=shape, layers=layers, steps=steps, batch=2)
            d = derive(spec)
            assert [eq.label.quantity for eq in d.closed_forms] == [carrier] * layers
            for eq in d.closed_forms:
                assert check_against_recurrence(d, eq), (cell, shape, layers, steps, eq.label)
                products = _products(eq.rhs)
                assert products and {v.meaning.of for p in products for v in ir.variables(p.body)} == {gate}
                assert not any(isinstance(n, (ir.TimeProduct, ir.Diag)) for n in ir.walk(eq.rhs))
                if steps > 1:
                    for wrong in _wrong_forms(eq):
                        assert not check_against_recurrence(d, replace(eq, rhs=wrong)), ir.structural_key(wrong)


@pytest.mark.parametrize("cell,carrier,gate", GATED)
@pytest.mark.parametrize("hidden,batch", [(1, 1), (1, 3), (3, 1)])
def test_one_unit_or_one_example_is_still_row_notation(cell, carrier, gate, hidden, batch):
    """A B x 1 or 1 x H batch keeps its elementwise products (no diag of a column sneaks in)."""
    for steps in (1, 3):
        d = derive(RNNSpec("thin", cell, 1, hidden, 1, notation="row", batch=batch, steps=steps))
        (eq,) = d.closed_forms
        assert check_against_recurrence(d, eq) and prove_by_induction(d, eq).proved, (hidden, batch, steps)
        assert _products(eq.rhs) and not any(isinstance(n, ir.Diag) for n in ir.walk(eq.rhs))


@pytest.mark.parametrize("cell,carrier,gate", GATED)
@pytest.mark.parametrize("shape,layers", [("many-to-many", 1), ("many-to-one", 2), ("one-to-many", 1)])
def test_proved_for_every_t_by_induction_and_a_wrong_one_is_not(cell, carrier, gate, shape, layers):
    """The induction is on a symbolic T: one unroll length is enough to read the recurrence from."""
    d = derive(RNNSpec("rows", cell, 2, 2, 2, notation="row", shape=shape, layers=layers, steps=3, batch=2))
    for eq in d.closed_forms:
        result = prove_by_induction(d, eq)
        assert result is not None and result.proved, (cell, shape, layers, result)
        for wrong in _wrong_forms(eq):
            assert not prove_by_induction(d, replace(eq, rhs=wrong)).proved, ir.structural_key(wrong)


@pytest.mark.parametrize("name", ["lstm", "gru-d2l", "gru-torch"])
def test_the_catalogue_gated_cells_have_their_closed_form_proved(name):
    report = prove(catalogue.load(name))
    closed = [r for r in report.results if str(r.label).startswith("closed:")]
    assert {r.oracle for r in closed} >= {"chain", "induction"}
    assert closed and all(r.passed for r in closed), [r.subject for r in closed if not r.passed]


def test_the_lstm_closed_form_reads_as_a_textbook_prints_it():
    d = derive(catalogue.load("lstm"))
    (eq,) = d.closed_forms
    text = latex(eq.rhs)
    assert text.startswith("\\sum_{k=t}^{T}") and "\\bigodot_{j=t+1}^{k}" in text, text
    assert "\\mathbf{F}_{j}" in text or "\\mathbf{F}_j" in text, text


class _Scope:
    """Three matrices ``X_1, X_2, X_3`` as the leaves of an evaluation."""

    arithmetic = EXACT
    T = 3
    deadline = None

    def __init__(self, values):
        self.values = values

    def value(self, key):
        return self.values.get(key)

    def adjoint(self, key):
        return None

    def zero_beyond_horizon(self, name, layer):
        return False


def test_the_product_over_time_is_evaluated_elementwise():
    """``⨀_{j=lo}^{hi} X_j`` is the entrywise product of the matrices, the empty product all ones."""
    j = ir.INDEX_SYMBOLS["j"]
    raw = {1: [[2, 3], [5, 7]], 2: [[11, 13], [17, 19]], 3: [[1, -1], [2, -2]]}
    scope = _Scope({("X", None, t): EXACT.array(2, 2, [e for row in v for e in row]) for t, v in raw.items()})
    body = ir.Var("X", (2, 2), time=j)
    whole = evaluate(ir.TimeHadamard(j, sympy.Integer(1), ir.T_SYM, body), scope)
    want = [[raw[1][r][c] * raw[2][r][c] * raw[3][r][c] for c in range(2)] for r in range(2)]
    assert [[whole[r][c] for c in range(2)] for r in range(2)] == want
    empty = evaluate(ir.TimeHadamard(j, sympy.Integer(3), sympy.Integer(2), body), scope)
    assert [[empty[r][c] for c in range(2)] for r in range(2)] == [[1, 1], [1, 1]]


@pytest.mark.parametrize("name", ["lstm", "gru-d2l", "gru-torch"])
def test_the_checker_reads_the_closed_form_as_printed_and_names_an_early_product(name):
    """A student who copies the report's closed form (LaTeX or plain) is right; one whose product of
    gates starts at j = t instead of t + 1 is told the mistake (off by one) with a counterexample."""
    from symrnn.check import check_answer
    from symrnn.printing.plain import plain

    (eq,) = derive(catalogue.load(name)).closed_forms
    target = f"dL/d{eq.lhs.of.name}_t"
    for text in (latex(eq.rhs), plain(eq.rhs)):
        verdict = check_answer(name, target, text)
        assert verdict.correct, verdict.to_text()
    first = _products(eq.rhs)[0]
    early = ir.substitute(eq.rhs, {first: ir.TimeHadamard(first.index, first.lo - 1, first.hi, first.body)})
    verdict = check_answer(name, target, latex(early))
    assert verdict.status == "wrong" and "off_by_one" in verdict.mistakes, verdict.to_text()
