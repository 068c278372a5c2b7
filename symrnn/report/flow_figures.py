"""Each network's own figure of vanishing and exploding gradients, from its own derivation.

* a vanilla RNN (any activation): the hidden-state adjoint over ``t`` for several scales of the
  recurrent weight (its spectral radius), so the activation's derivative factor is in every step;
* an LSTM: the memory-cell path against the hidden path, for forget gates near zero, one half and
  one (the forget gate's bias set), the lecture's point that a forget gate near one carries the
  gradient;
* a GRU: the hidden state's adjoint for update gates near zero, one half and one;
* a stacked RNN: every layer's adjoint, for two scales of the recurrent weights.

Each curve is the norm of ``dL/ds_t`` relative to its value at ``t = T``, with the loss read at the
last step only (:mod:`symrnn.report.flows`). The plot's ``inputs`` say what was computed from what.
"""

from __future__ import annotations

from ..core.activations import activation
from ..i18n import N_, _
from .equations import number_latex
from .figures import Plot, Series
from .flows import SEED, Setting, gate_means, last_step_derivation, state_adjoint_norms, state_vars

STEPS = 30
"""Steps unrolled for a flow figure."""

RADII = (0.5, 1.0, 2.0, 4.0)
"""Spectral radii of the recurrent weight in a vanilla RNN's figure."""

LINEAR_RADII = (0.5, 0.9, 1.0, 1.1, 1.5)
"""Spectral radii in a linear RNN's figure (no activation bounds the product: it explodes above one)."""

GATE_BIASES = (-3.0, 0.0, 3.0)
"""Biases of the forget gate (LSTM) or the update gate (GRU): gates near 0.05, 0.5 and 0.95."""

DEEP_RADII = (0.5, 1.5)


def _relative(norms: tuple[float, ...]) -> tuple[float, ...]:
    last = norms[-1]
    return tuple(n / last for n in norms) if last else norms


def _plot(name: str, caption: str, ylabel: str, series, inputs, spec) -> Plot:
    return Plot(name, caption, xlabel=_("time step $t$ (loss read at $t = T = {steps}$ only)").format(steps=STEPS), ylabel=ylabel,
                series=tuple(series), hlines=(1.0,), integer_x=True, legend_loc="outside",
                inputs=(("cell", spec.cell), ("seed", SEED), ("steps", STEPS), *inputs))


def _outcome(radii, curves) -> str:
    """What the curves show at ``t = 1``, read off them: which radii vanish and which explode."""
    small = [f"{r:g}" for r, y in zip(radii, curves) if y[0] < 0.1]
    same = [f"{r:g}" for r, y in zip(radii, curves) if 0.1 <= y[0] <= 10.0]
    large = [f"{r:g}" for r, y in zip(radii, curves) if y[0] > 10.0]
    parts = ([_("it has vanished (below a tenth) for $\\rho = {radii}$").format(radii=", ".join(small))] if small else []) + \
            ([_("it is of the same order for $\\rho = {radii}$").format(radii=", ".join(same))] if same else []) + \
            ([_("it has exploded (above ten) for $\\rho = {radii}$").format(radii=", ".join(large))] if large else [])
    return " " + _("Back at $t = 1$ {outcomes}.").format(outcomes="; ".join(parts))


def rnn_plot(spec) -> Plot:
    d = last_step_derivation(spec, STEPS)
    act = activation(spec.activation)
    radii = LINEAR_RADII if act.identity else RADII
    t = tuple(range(1, STEPS + 1))
    key = next((name, layer) for name, layer, kind in state_vars(d) if kind == "state")
    series = []
    for i, radius in enumerate(radii):
        norms = state_adjoint_norms(d, (Setting("weight", "hidden", radius),))[key]
        series.append(Series(rf"$\rho(W_{{hh}}) = {radius:g}$", t, _relative(norms), color=f"C{i}"))
    if act.identity:
        caption = _("Norm of the hidden-state adjoint of this linear RNN, relative to its value at $t = T$, for a recurrent "
                    "weight scaled to each spectral radius $\\rho$ (the network's own sizes; other parameters, inputs and "
                    "targets drawn). Going back in time every step multiplies by $W_{hh}^\\top$.")
    else:
        caption = (_("Norm of the hidden-state adjoint of this {act} RNN, relative to its value at $t = T$, for a "
                     "recurrent weight scaled to each spectral radius $\\rho$ (the network's own sizes; other parameters, inputs "
                     "and targets drawn). Every step back multiplies by $W_{{hh}}^\\top \\mathrm{{diag}}(f'(a_j))$ with "
                     "$f' \\leq {bound}$; a larger weight also drives the activation into saturation, where $f'$ is small.")
                   if act.saturates else
                   _("Norm of the hidden-state adjoint of this {act} RNN, relative to its value at $t = T$, for a "
                     "recurrent weight scaled to each spectral radius $\\rho$ (the network's own sizes; other parameters, inputs "
                     "and targets drawn). Every step back multiplies by $W_{{hh}}^\\top \\mathrm{{diag}}(f'(a_j))$ with "
                     "$f' \\leq {bound}$.")).format(act=spec.activation, bound=f"{act.derivative_bound:g}")
    caption += _outcome(radii, [s.y for s in series])
    return _plot("gradient-norms", caption, r"$\|\partial L / \partial h_t\| \,/\, \|\partial L / \partial h_T\|$", series,
                 (("activation", spec.activation), ("radii", ", ".join(f"{r:g}" for r in radii))), spec)


def _gate_series(d, of: str, states, labels) -> list[Series]:
    t = tuple(range(1, STEPS + 1))
    series = []
    for i, bias in enumerate(GATE_BIASES):
        setting = (Setting("bias", of, bias),)
        norms = state_adjoint_norms(d, setting)
        mean = gate_means(d, of, setting)
        for j, (key, label) in enumerate(zip(states, labels)):
            series.append(Series(_("{label}, $b = {b}$ (mean gate ${mean}$)").format(
                                     label=_(label), b=f"{bias:g}", mean=f"{mean:.2f}"), t, _relative(norms[key]),
                                 "data" if j == 0 else "second", f"C{i}"))
    return series


def _tracks(hidden, cell, skip: int = 5, within: float = 3.0) -> bool:
    """Does ``hidden`` stay a fixed fraction of ``cell`` (within a factor ``within``) before the last ``skip`` steps?"""
    ratios = [h / c for h, c in zip(hidden[:-skip], cell[:-skip]) if c > 0 and h > 0]
    return bool(ratios) and max(ratios) / min(ratios) < within


def _hidden_path_words(series) -> str:
    """What the dashed curves show, read off them (each sentence only where the data bear it out)."""
    cells, hiddens = series[0::2], series[1::2]
    words = []
    if all(_tracks(h.y, c.y) for c, h in zip(cells, hiddens)):
        words.append(_("The hidden state's adjoint (dashed) starts from the output's direct contribution at $T$, which does "
                       "not travel back through the hidden state itself: within a few steps it falls to a fraction of its "
                       "value at $T$, and from there it falls at the cell's pace, since what reaches $H_t$ comes back through "
                       "the next step's gates, which read the cell's adjoint."))
    high_c, high_h = cells[-1].y[0], hiddens[-1].y[0]
    words.append(_("For $b = {b}$, back at $t = 1$ the cell's adjoint keeps ${cell}$ of its value at $T$ and the hidden "
                   "state's ${hidden}$.").format(b=f"{GATE_BIASES[-1]:g}", cell=number_latex(high_c, 2), hidden=number_latex(high_h, 2)))
    for bias, c, h in zip(GATE_BIASES, cells, hiddens):
        factor = max((max(a, b) / min(a, b) for a, b in zip(c.y, h.y) if a > 0 and b > 0), default=float("inf"))
        if factor <= 3.0:
            words.append(_("For $b = {b}$ the two curves nearly coincide (within a factor of ${factor}$ at every step), so the "
                           "dashed one hides under the solid one.").format(b=f"{bias:g}", factor=number_latex(factor, 2)))
    return " " + " ".join(words)


def lstm_plot(spec) -> Plot:
    d = last_step_derivation(spec, STEPS)
    kinds = {kind: (name, layer) for name, layer, kind in state_vars(d) if layer in (None, spec.layers if spec.layers > 1 else None)}
    series = _gate_series(d, "forget_gate", [kinds["memory"], kinds["state"]], [N_("cell $C$"), N_("hidden $H$")])
    caption = _("The memory cell's adjoint against the hidden state's in this LSTM: the norm of $\\partial L/\\partial C_t$ "
                "(solid) and of $\\partial L/\\partial H_t$ (dashed), each relative to its value at $t = T$, for forget-gate "
                "biases $b$ that make the forget gate near 0.05, 0.5 and 0.95 (its mean over the steps in the legend). Going "
                "back one step the cell's adjoint is multiplied elementwise by the forget gate, $F_{t+1}$: with forget gates "
                "near one the cell carries the gradient over many steps, the lecture's weight of value 1, and with forget "
                "gates near zero it vanishes within a few steps.")
    caption += _hidden_path_words(series)
    return _plot("cell-path", caption, _("adjoint norm relative to $t = T$"), series, (("gate", "forget_gate"),), spec)


def gru_plot(spec) -> Plot:
    d = last_step_derivation(spec, STEPS)
    state = next((name, layer) for name, layer, kind in state_vars(d) if kind == "state" and layer in (None, spec.layers if spec.layers > 1 else None))
    series = _gate_series(d, "update_gate", [state], [N_("hidden $H$")])
    caption = _("The hidden state's adjoint in this GRU, $\\|\\partial L/\\partial H_t\\|$ relative to its value at $t = T$, for "
               "update-gate biases $b$ that make the update gate near 0.05, 0.5 and 0.95 (its mean in the legend). The "
               "update gate $Z$ interpolates between the previous state and the candidate, so going back one step the "
               "adjoint keeps a part $Z_{t+1}$ of itself unchanged: with update gates near one it passes almost unchanged "
               "over many steps, with update gates near zero it vanishes.")
    return _plot("update-gate", caption, r"$\|\partial L / \partial H_t\| \,/\, \|\partial L / \partial H_T\|$", series,
                 (("gate", "update_gate"),), spec)


def deep_plot(spec) -> Plot:
    d = last_step_derivation(spec, STEPS)
    t = tuple(range(1, STEPS + 1))
    states = [(name, layer) for name, layer, kind in state_vars(d) if kind == "state"]
    series = []
    for i, radius in enumerate(DEEP_RADII):
        norms = state_adjoint_norms(d, (Setting("weight", "hidden", radius),))
        for j, key in enumerate(states):
            series.append(Series(_("layer {layer}, $\\rho = {radius}$").format(layer=key[1], radius=f"{radius:g}"), t, _relative(norms[key]),
                                 "data" if i == 0 else "second", f"C{j}"))
    caption = _("Every layer's hidden-state adjoint in this stacked {act} RNN, relative to its value at $t = T$, "
               "for recurrent weights scaled to spectral radius $\\rho$ (solid and dashed). A lower layer's adjoint comes "
               "down from the layer above at each step and then back in time through its own recurrent weight, so it is a "
               "product over layers and over time.").format(act=spec.activation)
    if activation(spec.activation).saturates:
        caption += " " + _("A larger weight also drives the activation into saturation, where its derivative is small, so "
                           "a larger $\\rho$ can make the gradient vanish faster, not explode.")
    return _plot("layers", caption, _("adjoint norm relative to $t = T$"), series,
                 (("activation", spec.activation), ("radii", ", ".join(f"{r:g}" for r in DEEP_RADII))), spec)


def _vanilla_plot(spec) -> Plot:
    return deep_plot(spec) if spec.layers > 1 else rnn_plot(spec)


PLOTS = {"rnn": _vanilla_plot, "lstm": lstm_plot, "gru-d2l": gru_plot, "gru-torch": gru_plot}
"""The figure of each cell."""


def flow_plot(spec) -> Plot:
    """The figure of ``spec``'s own network (a recurrent spec)."""
    return PLOTS[spec.cell](spec)


__all__ = ["PLOTS", "deep_plot", "flow_plot", "gru_plot", "lstm_plot", "rnn_plot"]
