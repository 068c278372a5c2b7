"""One step of an LSTM or a GRU (D2L notation, one unit): forward values and one gate's gradient.

The worked solution evaluates the derivation of the catalogue specs ``lstm`` and ``gru-d2l``
(reduced to one unit, one example, one step) by hand; the gradient starts from a given
``dL/dH_1``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from functools import lru_cache

import sympy

from ...core import catalogue, ir
from ...core.labels import Kind, Label
from ...i18n import N_, _
from ..model import Part, diagnosed, display, numerical, rich
from ..numeric import compute, derivation, exact_values, key_of, latex, shown_number
from ..registry import Draft, Family
from ._draw import Redraw, pick, retry, value

FORWARD_PLACES, BACKWARD_PLACES = 4, 5


@lru_cache(maxsize=8)
def _scalar(name: str):
    return replace(catalogue.load(name), input_size=1, hidden_size=1, output_size=1, batch=1, steps=1)


@dataclass(frozen=True)
class Cell:
    spec_name: str
    title: str
    gates: tuple[str, ...]          # the gate letters of the pre-activations A_<g>
    states: tuple[str, ...]         # initial states besides H_0
    first: str                      # the intermediate asked in part (a)
    gate_names: dict


CELLS = {
    "lstm": Cell("lstm", N_("an LSTM cell"), ("i", "f", "o", "c"), ("C_0",), "C_1",
                 {"i": N_("input gate"), "f": N_("forget gate"), "o": N_("output gate")}),
    "gru-d2l": Cell("gru-d2l", N_("a GRU cell (D2L: reset applied before the product with the weight)"), ("r", "z", "h"), (),
                    "H_tilde_1", {"r": N_("reset gate"), "z": N_("update gate")}),
}
VARIANTS = (("lstm", "i"), ("lstm", "f"), ("lstm", "o"), ("gru-d2l", "r"))
"""The (cell, gate) pairs asked, of equal weight: their hand computations take 50 to 59 operations
(the GRU's update gate, 44, is a shorter computation and is not asked)."""


# dL/dH_1 is given; the output path (Yhat) is not part of the question.
_GIVEN_ADJOINTS = (Label.adjoint("Yhat", time=1), Label.adjoint("H", time=1))

def _places(eq) -> int:
    return FORWARD_PLACES if eq.kind in ("forward", "loss") else BACKWARD_PLACES


def _wrong(cell: str, gate: str, v: dict) -> tuple[list, list, list]:
    """Diagnosed wrong values for parts (a), (b), (c): each a mutation of the hand computation."""
    g = v["d:H_1"]
    if cell == "lstm":
        first = [diagnosed(v["I_1"] * v["C_0"] + v["F_1"] * v["C_tilde_1"], note=_("Gates swapped: the forget gate multiplies the old cell C_{t-1}, the input gate the candidate."))]
        second = [diagnosed(v["O_1"] * v["C_1"], note=_("tanh missing: H_t = O_t * tanh(C_t), not O_t * C_t."))]
        dC_wrong = g * v["O_1"] * (1 - v["C_1"] ** 2)
        gate_value = {"i": v["I_1"], "f": v["F_1"], "o": v["O_1"]}[gate]
        upstream = {"i": v["C_tilde_1"], "f": v["C_0"]}
        # the gate's own adjoint as the worked solution carries it (not recovered by a division,
        # which would differ from the key's printed value in the last digit)
        third = [diagnosed(v[f"d:{gate.upper()}_1"],
                           note=_("Gate's sigmoid derivative missing: dL/dA = dL/dgate * gate * (1 - gate)."))]
        if gate in upstream:
            third.append(diagnosed(dC_wrong * upstream[gate] * gate_value * (1 - gate_value), "wrong_activation_derivative"))
            other = {"i": v["C_0"], "f": v["C_tilde_1"]}[gate]
            third.append(diagnosed(v["d:C_1"] * other * gate_value * (1 - gate_value), "wrong_signal_pairing"))
        else:
            third.append(diagnosed(g * v["C_1"] * gate_value * (1 - gate_value), note=_("tanh missing: dH/dO = tanh(C_t), not C_t.")))
        return first, second, third
    first = [diagnosed(math.tanh(v["X_1"] * v["W_xh"] + v["H_0"] * v["W_hh"] + v["b_h"]),
                       note=_("Reset gate ignored: the candidate uses R_t * H_{t-1}."))]
    second = [diagnosed((1 - v["Z_1"]) * v["H_0"] + v["Z_1"] * v["H_tilde_1"],
                        note=_("Update gate roles swapped: in D2L, H_t = Z_t * H_{t-1} + (1 - Z_t) * candidate."))]
    if gate == "z":
        third = [diagnosed(-v["d:A_z_1"], note=_("Sign of dH/dZ: it is H_{t-1} - candidate, not candidate - H_{t-1}.")),
                 diagnosed(v["d:Z_1"], note=_("Gate's sigmoid derivative missing: dL/dA_z = dL/dZ * Z (1 - Z)."))]
    else:
        r_ = v["R_1"]
        wrong_dAh = v["d:H_tilde_1"] * (1 - v["A_h_1"] ** 2)
        third = [diagnosed(wrong_dAh * v["W_hh"] * v["H_0"] * r_ * (1 - r_), "wrong_activation_derivative"),
                 diagnosed(v["d:R_1"], note=_("Gate's sigmoid derivative missing: dL/dA_r = dL/dR * R (1 - R)."))]
    return first, second, third


def _draw_once(rng) -> Draft:
    cell_name, gate = pick(rng, VARIANTS)
    cell = CELLS[cell_name]
    spec = _scalar(cell.spec_name)
    givens = {"X_1": value(rng, -1.0, 1.0, 1, away=0.2), "H_0": value(rng, -0.9, 0.9, 1, away=0.2)}
    for state in cell.states:
        givens[state] = value(rng, -1.0, 1.0, 1, away=0.2)
    for g in cell.gates:
        givens[f"W_x{g}"] = value(rng, -1.0, 1.0, 1, away=0.1)
        givens[f"W_h{g}"] = value(rng, -1.0, 1.0, 1, away=0.1)
        givens[f"b_{g}"] = value(rng, -0.5, 0.5, 1)
    givens["d:H_1"] = value(rng, -1.0, 1.0, 1, away=0.2)
    d = derivation(spec)
    forward = tuple(eq for eq in d.forward if eq.kind != "loss" and eq.label != Label.forward("Yhat", time=1))
    backward = tuple(eq for eq in d.adjoints if eq.label not in _GIVEN_ADJOINTS)
    v, steps = compute(forward + backward, givens, _places)
    answer_key = f"d:A_{gate}_1"
    if abs(v[answer_key]) < 0.003 or abs(v["H_1"]) < 0.01 or abs(v[cell.first]) < 0.01:
        raise Redraw
    exact = exact_values(forward + backward, givens)
    first, second, third = _wrong(cell_name, gate, v)
    gate_title = _(cell.gate_names[gate])
    first_tex = latex(next(eq.lhs for eq in d.forward if key_of(eq.lhs) == cell.first))
    parts = (
        Part(rich(f"${first_tex}$;"), numerical(v[cell.first], FORWARD_PLACES, 1, first, exact=exact[cell.first])),
        Part(rich(_("$H_{1}$, with the value of (a);")), numerical(v["H_1"], FORWARD_PLACES, 1, second, exact=exact["H_1"]), space="3cm"),
        Part(rich(_("$\\partial L/\\partial A_{{{gate},1}}$, the gradient at the pre-activation of the {gate_title}, "
                    "given $\\partial L/\\partial H_{{1}} = {given}$ and the forward values of (a) and (b).").format(
                        gate=gate, gate_title=gate_title, given=shown_number(givens['d:H_1']))),
             numerical(v[answer_key], BACKWARD_PLACES, 2, third, rel=0.02, exact=exact[answer_key]), space="6cm"),
    )
    generic = forward
    ws = [",\\ ".join(f"{latex_name(k)} = {shown_number(givens[k])}" for k in (f"W_x{g}", f"W_h{g}", f"b_{g}")) for g in cell.gates]
    inputs = ",\\ ".join(f"{latex_name(k)} = {shown_number(givens[k])}" for k in ("X_1", "H_0") + cell.states)
    statement = rich(
        _("One step ($t = 1$) of {cell} with one unit and one example:").format(cell=_(cell.title)),
        display(*(f"{latex(eq.lhs)} &= {latex(eq.rhs)}" for eq in generic)),
        _("with"),
        display(inputs, *ws),
        _("Round forward values to 4 decimals and derivatives to 5, carrying the rounded values on. Compute"),
    )
    needed = _chain(d, answer_key)
    solution = rich(
        _("Forward pass:"),
        display(*(s.line() for s in steps if s.label.kind is Kind.FORWARD)),
        _("Backward pass from $\\partial L/\\partial H_{{1}} = {given}$ to the {gate_title}:").format(
            given=shown_number(givens['d:H_1']), gate_title=gate_title),
        display(*(s.line() for s in steps if s.label in needed)),
    )
    return Draft(statement, parts, solution, (("cell", cell_name), ("gate", gate)) + tuple(sorted(givens.items())),
                 title=_("One step of {cell}: the gradient at the {gate_title}").format(
                     cell=_(cell.title).split(" (")[0], gate_title=gate_title),
                 bounded=tuple((k, v[k], 0.0, 1.0) for k in ("I_1", "F_1", "O_1", "R_1", "Z_1") if k in v))


def _chain(d, key: str) -> set[Label]:
    """Labels of the adjoint equations the answer ``key`` depends on (transitively)."""
    by_key = {key_of(eq.lhs): eq for eq in d.adjoints}
    needed, todo = set(), [key]
    while todo:
        eq = by_key.get(todo.pop())
        if eq is None or eq.label in needed or eq.label in _GIVEN_ADJOINTS:
            continue
        needed.add(eq.label)
        todo.extend(key_of(a) for a in ir.adjoints(eq.rhs))
    return needed


@lru_cache(maxsize=256)
def latex_name(key: str) -> str:
    """LaTeX of a given's key: ``W_xi`` (a parameter) or ``X_1`` (a quantity at a time)."""
    name, _, time = key.rpartition("_")
    if key.startswith(("W_", "b_")):
        return latex(ir.Var(key, (1, 1)))
    return latex(ir.Var(name, (1, 1), time=sympy.Integer(int(time))))


def draw(rng) -> Draft:
    return retry(_draw_once, rng)


FAMILY = Family(
    name="gate-step",
    title=N_("One step of a gated cell"),
    topic=N_("LSTM and GRU (D2L): one forward step and the gradient at one gate"),
    draw=draw,
)
