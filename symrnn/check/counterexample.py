"""A counterexample a person can follow: the values that matter, both results, where they differ.

The JSON keeps every drawn parameter and leaf (so both results can be reproduced); the text shows
only what the answer and the correct equation read: the parameters and leaves they use, the
intermediate quantities they use (an LSTM's or GRU's gate values are always shown), and the
adjoints the answer uses. On a spec with a worked example (``[example]``) the counterexample
is the worked example itself, so it can be followed by hand. A quantity asked at a generic step
is shown step by step.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from ..core import evaluate as numeric
from ..core import ir
from ..i18n import _
from . import jacobian
from .evaluate import Problem, Setting, close
from .words import setting_word

GATE_KINDS = ("gate",)
"""Meanings whose values a counterexample always shows (``ir.Meaning.kind``)."""


@dataclass
class Counterexample:
    setting: str
    sizes: str
    values: dict  # name -> nested list (every parameter and leaf, and the adjoints the answer uses)
    expected: list
    got: list
    differ: list  # [[row, col], ...] of the entries that differ (rows stacked over the steps)
    note: str = ""
    steps: list = field(default_factory=list)  # the steps t stacked in expected/got (empty: one value)
    shown: list = field(default_factory=list)  # the names of ``values`` the text shows
    intermediate: dict = field(default_factory=dict)  # name -> value of the forward quantities that matter

    def lines(self, grad: str) -> list[str]:
        out = [_("counterexample ({setting}: {sizes}):").format(setting=setting_word(self.setting), sizes=self.sizes)]
        for name in self.shown:
            out.append(f"  {name} = {fmt(self.values[name])}")
        hidden = len(self.values) - len(self.shown)
        for name in sorted(self.intermediate):
            out.append(f"  {name} = {fmt(self.intermediate[name])}")
        if hidden > 0:
            out.append("  " + _("({count} other values the answer does not read: all are in --format json)").format(count=hidden))
        rows = len(self.expected) // max(len(self.steps), 1) if self.steps else 0
        for label, value in ((_("expected {quantity}").format(quantity=grad), self.expected), (_("your answer gives"), self.got)):
            if self.steps and len(value) == rows * len(self.steps):
                for k, t in enumerate(self.steps):
                    out.append(f"  {label} " + _("at t = {t}:").format(t=t) + f" {fmt(value[k * rows:(k + 1) * rows])}")
            else:
                out.append(f"  {label} = {fmt(value)}")
        if self.differ:
            out.append("  " + _("entries that differ:") + " " + ", ".join(self._where(r, c, rows) for r, c in self.differ))
        if self.note:
            out.append(f"  {self.note}")
        return out

    def _where(self, r: int, c: int, rows: int) -> str:
        if self.steps and rows:
            return f"t = {self.steps[r // rows]} ({r % rows + 1},{c + 1})"
        return f"({r + 1},{c + 1})"


def fmt(value) -> str:
    """A matrix for reading: decimals to 6 significant digits, exact fractions as they are."""

    def one(v):
        return f"{v:.6g}" if isinstance(v, float) else str(v)

    if isinstance(value, list) and value and isinstance(value[0], list):
        if len(value) == 1 and len(value[0]) == 1:
            return one(value[0][0])
        return "[" + "; ".join(" ".join(one(v) for v in row) for row in value) + "]"
    return json.dumps(value)


def to_list(x: np.ndarray) -> list:
    def one(v):
        if isinstance(v, Fraction):
            return str(v) if v.denominator != 1 else int(v.numerator)
        return float(v)

    return [[one(v) for v in row] for row in np.asarray(x)]


def key_name(key) -> str:
    name, layer, t = key
    text = name if layer is None else f"{name}_l{layer}"
    return text if t is None else f"{text}[{t}]"


def build(prob: Problem, setting: Setting, expr: ir.Expr, got, note: str) -> Counterexample:
    inst = setting.instance
    values = {key_name(k): to_list(v) for k, v in numeric.leaf_values(inst).items()}
    read = _templates(expr) | _templates(setting.target.equation.rhs) | _templates(_truth_equation(prob))
    shown = [key_name(k) for k in numeric.leaf_values(inst) if (k[0], k[1]) in read]
    adjoint_keys = {(a.of.name, a.of.layer) for a in ir.adjoints(expr)}
    for (name, layer, t), value in sorted(inst.adjoints.items(), key=lambda kv: (kv[0][0], kv[0][1] or 0, kv[0][2] or 0)):
        if (name, layer) in adjoint_keys:
            values["dL/d" + key_name((name, layer, t))] = to_list(value)
            shown.append("dL/d" + key_name((name, layer, t)))
    intermediate = {}
    for node in inst.derivation.graph.nodes:
        var = node.var
        meaning = var.meaning
        if (var.name, var.layer) in read or (meaning is not None and meaning.kind in GATE_KINDS):
            key = numeric.key_of(var, None if var.time is None else int(var.time))
            intermediate[key_name(key)] = to_list(inst.values[key])
    differ = []
    got_list = to_list(got) if got is not None else []
    if got is not None and got.shape == setting.truth.shape:
        mask = ~close(got, setting.truth, _kind(setting))
        differ = [[int(r), int(c)] for r, c in zip(*np.nonzero(mask))]
    return Counterexample(setting.name, str(setting.sizes), values, to_list(setting.truth), got_list, differ, note,
                          list(setting.times), shown, intermediate)


def _kind(setting: Setting) -> str:
    return setting.instance.arithmetic.name


def _truth_equation(prob: Problem) -> ir.Expr:
    """What the correct answer reads: the gradient's equation, or the adjoint's own generic one."""
    target = prob.target
    if target is not None and target.kind == "adjoint":
        var = target.expr.of
        for eq in prob.derivation.generic_adjoints:
            if (eq.lhs.of.name, eq.lhs.of.layer) == (var.name, var.layer):
                return eq.rhs
    return prob.equation.rhs


def _templates(expr: ir.Expr) -> set:
    found = set()
    for node in ir.walk(expr):
        if isinstance(node, ir.Var) and node.role != jacobian.ROLE:
            found.add((node.name, node.layer))
        elif isinstance(node, ir.Var):
            ref = jacobian.REGISTRY.get(node.name)
            if ref is not None:
                found |= {(ref.of.name, ref.of.layer), (ref.wrt.name, ref.wrt.layer)}
    return found
