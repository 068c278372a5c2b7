"""The seed's 2-2-2 sigmoid network: forward pass, dL/dw5, dL/dw1 and one gradient step.

The worked solution is the derivation of the catalogue spec ``mlp-2-2-2`` evaluated by hand:
each equation printed, then with the numbers substituted, then rounded as displayed (forward
quantities to 4 decimals, derivatives to 5).
"""

from __future__ import annotations

from functools import lru_cache

from ...core import catalogue, ir
from ...core.labels import Kind, Label
from ...i18n import N_, _
from ..model import Part, diagnosed, display, fmt, numerical, r, rich
from ..numeric import compute, derivation, exact_values, latex, shown_number
from ..registry import Draft, Family
from ._draw import Redraw, pick, retry, value

SPEC = catalogue.load("mlp-2-2-2")
WEIGHTS = tuple(f"w{i}" for i in range(1, 9))
RATES = (0.1, 0.25, 0.5, 1.0)
FORWARD_PLACES, BACKWARD_PLACES = 4, 5
SHOWN_ADJOINTS = tuple(Label.adjoint(q) for q in ("out_o1", "in_o1", "out_o2", "in_o2", "out_h1", "in_h1"))
LOSS_TERMS = ("L", "E_o1", "E_o2")  # forward quantities the worked solution does not repeat


def _places(eq) -> int:
    return FORWARD_PLACES if eq.kind in ("forward", "loss") else BACKWARD_PLACES


def _givens(rng) -> dict[str, float]:
    g = {"i1": value(rng, 0.05, 1.0, 2), "i2": value(rng, 0.05, 1.0, 2)}
    g["target_o1"] = value(rng, 0.01, 0.99, 2)
    g["target_o2"] = value(rng, 0.01, 0.99, 2)
    for w in WEIGHTS:
        g[w] = value(rng, -1.0, 1.0, 2, away=0.1)
    g["b1"] = value(rng, -0.6, 0.6, 2)
    g["b2"] = value(rng, -0.6, 0.6, 2)
    return g


@lru_cache(maxsize=64)
def _sym(name: str) -> str:
    return latex(ir.Var(name, (1, 1)))


def _wrong(v: dict, eta: float) -> tuple[list, list, list, list]:
    """Diagnosed wrong values of the four parts, each a mutation of the hand computation."""
    g5, g1 = v["d:w5"], v["d:w1"]
    e1 = v["out_o1"] - v["target_o1"]
    out = [diagnosed(v["in_o1"], note=_("Activation not applied: out_o1 is sigma(in_o1), not in_o1."))]
    w5 = [
        diagnosed(-g5, "sign_error"),
        diagnosed(e1 * v["in_o1"] * (1 - v["in_o1"]) * v["out_h1"], "wrong_activation_derivative"),
        diagnosed(v["d:in_o1"] * v["out_h2"], "wrong_signal_pairing"),
        diagnosed(e1 * v["out_h1"], note=_("Sigmoid derivative missing: the factor dout_o1/din_o1 = out_o1 (1 - out_o1) is left out.")),
    ]
    sig_h1 = v["out_h1"] * (1 - v["out_h1"])
    w1 = [
        diagnosed(-g1, "sign_error"),
        diagnosed(v["w5"] * v["d:in_o1"] * sig_h1 * v["i1"],
                  note=_("One path only: dL/dout_h1 sums the paths through out_o1 and out_o2 (w5 and w7).")),
        diagnosed(v["d:in_h1"] * v["i2"], "wrong_signal_pairing"),
        diagnosed(v["d:out_h1"] * v["in_h1"] * (1 - v["in_h1"]) * v["i1"], "wrong_activation_derivative"),
    ]
    step = [
        diagnosed(v["w1"] + eta * g1, note=_("Stepped uphill: gradient descent subtracts eta times the gradient.")),
        diagnosed(v["w1"] - g1, note=_("Learning rate left out: the step is eta times the gradient.")),
    ]
    return out, w5, w1, step


def _parts(v: dict, exact: dict, eta: float) -> tuple[Part, ...]:
    """(a) a forward value, (b) dL/dw5, (c) dL/dw1, (d) a step that uses (c); each with room to work."""
    out, w5, w1, step = _wrong(v, eta)
    w1_new = r(v["w1"] - eta * v["d:w1"], BACKWARD_PLACES)
    return (
        Part(rich(_("the output ${out}$;").format(out=_sym('out_o1'))),
             numerical(v["out_o1"], FORWARD_PLACES, 1, out, exact=exact["out_o1"]), space="5cm"),
        Part(rich(_("$\\partial L / \\partial w_5$, by the chain rule, with the ${out}$ of (a);").format(out=_sym('out_o1'))),
             numerical(v["d:w5"], BACKWARD_PLACES, 2, w5, rel=0.02, exact=exact["d:w5"]), space="5cm"),
        Part(rich(_("$\\partial L / \\partial w_1$, by the chain rule (both paths to the loss), with the ${out}$ of (a);").format(out=_sym('out_o1'))),
             numerical(v["d:w1"], BACKWARD_PLACES, 3, w1, rel=0.02, exact=exact["d:w1"]), space="8cm"),
        Part(rich(_("the new value of $w_1$ after one gradient-descent step with learning rate $\\eta = {eta}$, "
                    "with the $\\partial L / \\partial w_1$ of (c).").format(eta=shown_number(eta))),
             numerical(w1_new, BACKWARD_PLACES, 1, step, rel=0.02, scale=eta * v["d:w1"],
                       exact=exact["w1"] - eta * exact["d:w1"]), space="2.5cm"),
    )


def _statement(givens: dict, steps) -> tuple:
    forward_lines = tuple(f"{s.lhs} &= {s.symbolic}" for s in steps if s.label.kind is Kind.FORWARD)
    given_text = ",\\quad ".join(f"{_sym(k)} = {shown_number(givens[k])}" for k in ("i1", "i2", "target_o1", "target_o2"))
    weight_text = ",\\ ".join(f"{_sym(k)} = {shown_number(givens[k])}" for k in WEIGHTS[:4])
    weight_text2 = ",\\ ".join(f"{_sym(k)} = {shown_number(givens[k])}" for k in WEIGHTS[4:])
    bias_text = f"{_sym('b1')} = {shown_number(givens['b1'])},\\ {_sym('b2')} = {shown_number(givens['b2'])}"
    return rich(
        _("The 2-2-2 network of the lecture has sigmoid activations in both layers, "
        "$\\sigma(z) = 1/(1 + e^{-z})$, and the squared error summed over both outputs:"),
        display(*forward_lines),
        _("with the values"),
        display(given_text, weight_text, weight_text2, bias_text),
        _("Round forward quantities to 4 decimals and derivatives to 5, carrying the rounded values on. Compute"),
    )


def _solution(steps, givens: dict, eta: float, g1: float) -> tuple:
    """Every step with its numbers: the forward pass, each node's adjoint (the chain-rule products), the step."""
    by_label = {s.label: s for s in steps}
    w1_new = r(givens["w1"] - eta * g1, BACKWARD_PLACES)
    new = _("new")
    return rich(
        _("Forward pass (each line: the equation, the numbers, the rounded value):"),
        display(*(s.line() for s in steps if s.label.kind is Kind.FORWARD and s.label.quantity not in LOSS_TERMS)),
        _("Backward pass: the chain rule through each node, from the loss back "
          "($\\partial L/\\partial {h}$ collects the paths through ${o1}$ and ${o2}$):").format(
            h=_sym('out_h1'), o1=_sym('out_o1'), o2=_sym('out_o2')),
        display(*(by_label[label].line() for label in SHOWN_ADJOINTS), by_label[Label.gradient("w5")].line(),
                by_label[Label.gradient("w1")].line()),
        _("One gradient step:"),
        display(f"w_{{1}}^{{\\text{{{new}}}}} &= w_{{1}} - \\eta \\frac{{\\partial L}}{{\\partial w_{{1}}}} = "
                f"{shown_number(givens['w1'])} - {shown_number(eta)} \\cdot ({fmt(g1, BACKWARD_PLACES)}) = {fmt(w1_new, BACKWARD_PLACES)}"),
    )


def _draw_once(rng) -> Draft:
    givens = _givens(rng)
    eta = pick(rng, RATES)
    d = derivation(SPEC)
    equations = d.forward + d.adjoints + d.gradients
    v, steps = compute(equations, givens, _places)
    if not all(0.05 <= v[name] <= 0.95 for name in ("out_h1", "out_h2", "out_o1", "out_o2")):
        raise Redraw  # saturated sigmoid: derivatives vanish, nothing to compute by hand
    if abs(v["d:w5"]) < 0.002 or abs(v["d:w1"]) < 0.0005:
        raise Redraw
    exact = exact_values(equations, givens)
    recorded = tuple(sorted(givens.items())) + (("eta", eta),)
    bounded = tuple((name, v[name], 0.0, 1.0) for name in ("out_h1", "out_h2", "out_o1", "out_o2"))
    return Draft(_statement(givens, steps), _parts(v, exact, eta), _solution(steps, givens, eta, v["d:w1"]), recorded, bounded)


def draw(rng) -> Draft:
    return retry(_draw_once, rng)


FAMILY = Family(
    name="mlp-backprop",
    title=N_("Backpropagation in the 2-2-2 sigmoid network"),
    topic=N_("Backpropagation: forward pass, dL/dw5, dL/dw1 and a gradient step (seed, section 'Backpropagation')"),
    draw=draw,
)
