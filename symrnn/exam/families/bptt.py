"""BPTT by hand for a scalar linear RNN (the seed's D2L 9.7 network with one unit), T = 3.

``h_t = w_hx x_t + w_hh h_{t-1}``, ``o_t = w_qh h_t``, ``L = 1/T sum_t 1/2 (o_t - y_t)^2``,
``h_0 = 0``. Asked: ``dL/dh_1`` (the recurrence 9.7.13-9.7.14) and ``dL/dw_hh`` (9.7.16). The
worked solution is the derivation of the catalogue spec ``rnn-scalar`` made many-to-many with
a mean over time, evaluated by hand.
"""

from __future__ import annotations

from dataclasses import replace

from ...core import catalogue
from ...core.labels import Kind, Label
from ...i18n import N_, _
from ..model import Part, diagnosed, display, numerical, rich
from ..numeric import compute, derivation, equation_latex, exact_values, shown_number
from ..registry import Draft, Family
from ._draw import Redraw, retry, value

BASE = replace(catalogue.load("rnn-scalar"), shape="many-to-many", reduction="mean")
STEPS = (3,)
"""Every version unrolls the same number of steps: the same number of hand operations."""
FORWARD_PLACES, BACKWARD_PLACES = 4, 5


def _places(eq) -> int:
    return FORWARD_PLACES if eq.kind in ("forward", "loss") else BACKWARD_PLACES


def _draw_once(rng) -> Draft:
    T = int(rng.choice(STEPS))
    spec = replace(BASE, steps=T)
    givens = {"w_hx": value(rng, -1.5, 1.5, 1, away=0.2), "w_hh": value(rng, -1.2, 1.2, 1, away=0.3),
              "w_qh": value(rng, -1.5, 1.5, 1, away=0.2), "h_0": 0.0}
    for t in range(1, T + 1):
        givens[f"x_{t}"] = value(rng, -2.0, 2.0, 1, away=0.1)
        givens[f"y_{t}"] = value(rng, -2.0, 2.0, 1)
    d = derivation(spec)
    equations = tuple(eq for eq in d.forward if eq.label != Label.forward("L", steps=T)) + d.adjoints + d.gradients
    v, steps = compute(equations, givens, _places, steps=T)
    dh1, dw = v["d:h_1"], v["d:w_hh"]
    if abs(dh1) < 0.01 or abs(dw) < 0.01 or max(abs(v[f"h_{t}"]) for t in range(1, T + 1)) > 9:
        raise Redraw
    exact = exact_values(equations, givens, steps=T)

    do = {t: v[f"d:o_{t}"] for t in range(1, T + 1)}
    # Mutations: no recurrent term (dL/dh_t = w_qh dL/do_t), no 1/T, last step only, h_t for h_{t-1}.
    local = {t: v["w_qh"] * do[t] for t in range(1, T + 1)}
    wrong_h1 = [
        diagnosed(local[1], "missing_recurrent_term"),
        diagnosed(T * dh1, "missing_mean"),
        diagnosed(-dh1, "sign_error"),
    ]
    wrong_w = [
        diagnosed(v[f"d:h_{T}"] * v[f"h_{T - 1}"], "shared_weights_not_summed"),
        diagnosed(sum(local[t] * v[f"h_{t - 1}"] for t in range(1, T + 1)), "missing_recurrent_term"),
        diagnosed(T * dw, "missing_mean"),
        diagnosed(sum(v[f"d:h_{t}"] * v[f"h_{t}"] for t in range(1, T + 1)), "wrong_signal_pairing"),
        diagnosed(-dw, "sign_error"),
    ]
    parts = (
        Part(rich(_("$\\partial L / \\partial h_1$ (through every $\\partial L / \\partial h_t$, from $t = T$ back);")),
             numerical(dh1, BACKWARD_PLACES, 2, wrong_h1, rel=0.02, exact=exact["d:h_1"]), space="7cm"),
        Part(rich(_("$\\partial L / \\partial w_{hh}$, with the adjoints $\\partial L / \\partial h_t$ of (a).")),
             numerical(dw, BACKWARD_PLACES, 3, wrong_w, rel=0.02, exact=exact["d:w_hh"]), space="4cm"),
    )
    xs = ",\\ ".join(f"x_{{{t}}} = {shown_number(givens[f'x_{t}'])}" for t in range(1, T + 1))
    ys = ",\\ ".join(f"y_{{{t}}} = {shown_number(givens[f'y_{t}'])}" for t in range(1, T + 1))
    ws = ",\\ ".join(f"w_{{{k[2:]}}} = {shown_number(givens[k])}" for k in ("w_hx", "w_hh", "w_qh"))
    generic = {eq.label: eq for eq in d.generic_forward + d.generic_adjoints + d.generic_gradients}
    statement = rich(
        _("A recurrent network with one hidden unit, no bias and the identity activation is unrolled over $T = {T}$ steps:").format(T=T),
        display(equation_latex(generic[Label.forward("h", case="t")]), equation_latex(generic[Label.forward("o", case="t")]),
                equation_latex(generic[Label.forward("L")])),
        _("with $h_0 = 0$ and"),
        display(ws, xs, ys),
        _("Round forward values to 4 decimals and derivatives to 5, carrying the rounded values on. Compute"),
    )
    forward = tuple(s.line() for s in steps if s.label.kind is Kind.FORWARD)
    backward = tuple(s.line() for s in steps if s.label.kind is Kind.ADJOINT)
    grad = next(s for s in steps if s.label == Label.gradient("w_hh", steps=T))
    solution = rich(
        _("Backpropagation through time (D2L 9.7.13, 9.7.14, 9.7.16), here with scalars:"),
        display(*(equation_latex(generic[k]) for k in (Label.adjoint("o", case="t"), Label.adjoint("h", case="T"),
                                                       Label.adjoint("h", case="t"), Label.gradient("w_hh")))),
        _("Forward pass:"),
        display(*forward),
        _("Backward pass, from the last step to the first:"),
        display(*backward),
        _("The weight is shared by every step, so its gradient sums over $t$:"),
        display(grad.line()),
    )
    return Draft(statement, parts, solution, (("T", T),) + tuple(sorted(givens.items())))


def draw(rng) -> Draft:
    return retry(_draw_once, rng)


FAMILY = Family(
    name="bptt-scalar",
    title=N_("Backpropagation through time by hand"),
    topic=N_("BPTT for the linear RNN of D2L 9.7 (9.7.13-9.7.16), scalar case, T = 3"),
    draw=draw,
)
