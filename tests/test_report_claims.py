"""Every claim a report's prose makes is checked against the derivation it was built from.

Reports are generated for many specs drawn from the grid cell x activation x loss x shape x layers x
notation (and a few feed-forward networks), and each sentence that states a fact is held against
the equations: a factor 1/T is mentioned only where an equation shows one, "its own output" only
where every state's recurrence reads an output of its own step, saturation only for an activation
that saturates, a matrix power only where a closed form has one, and so on. The checks read the
derivation's equations and roles directly; they do not use the facts module the prose is made from.
"""

from __future__ import annotations

import itertools
import random
import re

import pytest

from symrnn.core import ir
from symrnn.core.activations import ACTIVATIONS
from symrnn.core.derive import derive
from symrnn.core.spec import MLPSpec, RNNSpec
from symrnn.printing.latex import latex
from symrnn.report import build
from symrnn.report.say import as_text, plain_text

CELLS = ("rnn", "lstm", "gru-d2l", "gru-torch")
ACTS = tuple(ACTIVATIONS)
LOSSES = ("half_sq", "softmax_ce")
SHAPES = ("many-to-many", "many-to-one", "one-to-many", "encoder-decoder")
REDUCTIONS = ("mean", "sum")


def _grid() -> list[RNNSpec]:
    specs = []
    for cell, act, loss, shape, layers, notation, reduction, bias in itertools.product(
            CELLS, ACTS, LOSSES, SHAPES, (1, 2), ("column", "row"), REDUCTIONS, (True, False)):
        if cell != "rnn" and act != "tanh":
            continue
        specs.append(RNNSpec("drawn", cell, 2, 2, 2, activation=act, loss=loss, shape=shape, layers=layers,
                             notation=notation, reduction=reduction, bias=bias, steps=3))
    return specs


DRAWN = random.Random(11).sample(_grid(), 36)
SCALAR = [RNNSpec("scalar", "rnn", 1, 1, 1, activation=a, style="scalar", bias=False, shape="many-to-one", steps=4)
          for a in ("identity", "sigmoid")]
MLPS = [MLPSpec("mlp", (2, 2, 2), ("sigmoid", "sigmoid")), MLPSpec("mlp", (3, 2, 2), ("tanh", "identity")),
        MLPSpec("mlp", (2, 3, 2), ("relu", "sigmoid"), naming="matrix")]


def _paragraphs(report, key: str | None = None) -> list:
    return [b.runs for s in report.sections if key is None or s.key == key for b in s.blocks if b.kind == "paragraph"]


def _equations(report, key: str) -> str:
    return "\n".join("\n".join(b.lines) for s in report.sections if s.key == key for b in s.blocks if b.kind == "equation")


def _section_text(report, key: str) -> str:
    return " ".join(as_text(runs) for runs in _paragraphs(report, key))


def _is_state(var: ir.Var) -> bool:
    m = var.meaning
    return m is not None and m.of == "hidden" and m.kind in ("state", "handover")


def _hidden_recurrences(d):
    return [eq for eq in d.generic_adjoints if _is_state(eq.lhs.of) and eq.label.case == "t"]


def _outputs(d) -> set:
    return {n.var.name for n in d.graph.nodes if n.var.meaning is not None and n.var.meaning.kind == "output"}


def _reads_own_output(d, eq) -> bool:
    return any(a.of.name in _outputs(d) and a.of.time == ir.t_SYM for a in ir.adjoints(eq.rhs))


def check_claims(spec) -> None:
    d = derive(spec)
    report = build(d)
    everything = " ".join(as_text(runs) for runs in _paragraphs(report))
    # 1/T: the prose of a section names the factor exactly when that section's equations show it
    for key in ("model", "loss", "outputs"):
        shown = r"\frac{1}{T}" in (_equations(report, "loss") if key == "model" else _equations(report, key))
        said = r"\frac{1}{T}" in _section_text(report, key) or "1/T" in _section_text(report, key)
        assert said == shown, (key, spec)
    # symbols are maths: no prose run carries an equation sign, a caret or a subscript
    for runs in _paragraphs(report):
        prose = plain_text(runs)
        assert not re.search(r"[=^_]|\b1/T\b", prose), (prose, spec)
    assert "the seed" not in everything.lower(), spec
    if spec.recurrent:
        _check_recurrent(spec, d, report, everything)
    _check_figures(spec, report)


def _check_recurrent(spec, d, report, everything: str) -> None:
    recs = _hidden_recurrences(d)
    text = _section_text(report, "recurrence")
    if "through its own output" in text and "a state that feeds an output" not in text:
        assert recs and all(_reads_own_output(d, eq) for eq in recs), spec
    if "only through the next step" in text:
        assert not any(_reads_own_output(d, eq) for eq in recs), spec
        assert spec.layers == 1
    if "a state that feeds an output" in text:
        assert any(_reads_own_output(d, eq) for eq in recs) and not all(_reads_own_output(d, eq) for eq in recs), spec
    assert ("layer above" in text) == (spec.layers > 1), spec
    assert ("no biases" in everything) == (not any(p.meaning.kind == "bias" for p in d.graph.params)), spec
    assert ("stacked layers" in everything) == any(p.layer == 2 for p in d.graph.params), spec
    assert ("saturat" in everything) <= ACTIVATIONS[spec.activation].saturates, spec
    assert ("linear RNN" in everything) == (spec.cell == "rnn" and spec.activation == "identity"), spec
    powers = any(isinstance(n, ir.MatPow) for eq in d.closed_forms for n in ir.walk(eq.rhs))
    assert ("of the closed form" in everything or "the power sum" in everything) <= powers, spec
    assert ("the product is the power" in everything or "matrix power" in everything) <= (spec.activation == "identity"), spec
    if "at every step" in _section_text(report, "model"):
        times = {int(n.var.time) for n in d.graph.nodes if n.var.name in _outputs(d) and n.var.time is not None}
        assert times == set(range(1, d.steps + 1)), spec
    closed_text = _section_text(report, "closed")
    gates = {v.meaning.of for eq in d.closed_forms for n in ir.walk(eq.rhs) if isinstance(n, (ir.TimeProduct, ir.TimeHadamard))
             for v in ir.variables(n.body) if v.meaning is not None and v.meaning.kind == "gate"}
    assert ("gradient highway" in closed_text) == ("forget_gate" in gates), spec
    assert ("update gate lets through" in closed_text) == ("update_gate" in gates), spec
    if "the output of step $k$ send back" in closed_text:
        assert all(_reads_own_output(d, eq) for eq in recs), spec
    if "product over the layers" in _section_text(report, "closed"):
        assert any(eq.lhs.of.layer == 1 for eq in d.closed_forms if isinstance(eq.lhs, ir.Adjoint)), spec
    if "product over layers" in _section_text(report, "vanishing"):
        assert any(p.layer == 2 for p in d.graph.params), spec
    if "forget gate" in _section_text(report, "vanishing"):
        assert any(p.meaning.of == "forget_gate" for p in d.graph.params), spec
    if "update gate" in _section_text(report, "vanishing"):
        assert any(p.meaning.of == "update_gate" for p in d.graph.params), spec
    if r"\mathbf{W}_{hh}^{\top}" in _section_text(report, "vanishing"):
        assert latex(ir.transpose(next(p for p in d.graph.params if p.name == "W_hh"))) in _equations(report, "recurrence")


FIGURES = {"lstm": "cell-path", "gru-d2l": "update-gate", "gru-torch": "update-gate"}


def _check_figures(spec, report) -> None:
    names = set(report.figures)
    if not spec.recurrent or spec.style == "scalar":
        assert names == {"scalar-power"}, spec
        return
    expected = FIGURES.get(spec.cell, "layers" if spec.layers > 1 else "gradient-norms")
    assert names == {expected}, (names, spec)
    plot = report.figures[expected]
    assert dict(plot.inputs)["cell"] == spec.cell
    if spec.cell == "rnn":
        assert dict(plot.inputs)["activation"] == spec.activation


@pytest.mark.parametrize("spec", DRAWN + SCALAR + MLPS, ids=lambda s: "-".join(
    str(x) for x in ((s.cell, s.activation, s.loss, s.shape, s.layers, s.notation, s.reduction, s.bias)
                     if s.recurrent else (s.sizes, s.activations, s.naming))))
def test_every_claim_is_true_of_the_derivation(spec):
    check_claims(spec)


def test_the_draw_covers_every_cell_shape_and_activation():
    assert {s.cell for s in DRAWN} == set(CELLS)
    assert {s.shape for s in DRAWN} == set(SHAPES)
    assert {s.activation for s in DRAWN if s.cell == "rnn"} >= {"identity", "tanh"}
    assert {s.layers for s in DRAWN} == {1, 2} and {s.notation for s in DRAWN} == {"column", "row"}


def test_the_check_catches_a_false_factor_and_a_false_output_claim(monkeypatch):
    """The checks can fail: prose that names 1/T, or "its own output", for a many-to-one network is caught."""
    from symrnn.report import prose
    from symrnn.report.document import para
    from symrnn.report.say import say

    spec = RNNSpec("x", "rnn", 2, 2, 2, loss="softmax_ce", shape="many-to-one", steps=3)
    check_claims(spec)
    with monkeypatch.context() as m:
        m.setattr(prose, "output_intro", lambda f: para(*say(r"The mean over time gives it the factor $\frac{1}{T}$.")))
        with pytest.raises(AssertionError):
            check_claims(spec)
    with monkeypatch.context() as m:
        m.setattr(prose, "_THROUGH", {k: "For $t < T$ a state influences the loss through its own output." for k in ("all", "some", "none")})
        with pytest.raises(AssertionError):
            check_claims(spec)
