"""The figures' data: what they plot, the JSON written beside them, and the scalar factor with f'."""

from __future__ import annotations

import json
import math

import matplotlib.pyplot as plt
import numpy as np
import pytest

from symrnn.core.errors import UnknownName
from symrnn.report.figures import (
    SIGNIFICANT_DIGITS,
    WEIGHTS,
    draw,
    gradient_norm_plot,
    plot_data,
    plot_json,
    render,
    scalar_chain,
    scalar_power_plot,
)


def _sigmoid_chain(w, steps):
    """The sigmoid chain written out by hand: h_0 = 1, a_k = w h_{k-1}, factor *= w s (1 - s)."""
    h, product, out = 1.0, 1.0, [1.0]
    for _ in range(steps):
        s = 1.0 / (1.0 + math.exp(-w * h))
        product *= w * s * (1.0 - s)
        h = s
        out.append(product)
    return out


def test_identity_chain_is_the_seeds_power():
    assert scalar_chain(2.0, 4)[1].tolist() == [1.0, 2.0, 4.0, 8.0, 16.0]


def test_sigmoid_chain_includes_the_derivative_and_vanishes_even_for_w_2():
    pre, factor = scalar_chain(2.0, 20, "sigmoid")
    assert factor.tolist() == pytest.approx(_sigmoid_chain(2.0, 20), rel=1e-13)
    assert pre[0] == 2.0  # a_1 = w h_0 with h_0 = Input = 1
    bound = 0.5 ** np.arange(21)  # (w/4)^N
    assert np.all(np.abs(factor) <= bound * (1 + 1e-12))
    assert factor[4] < 0.01 and factor[-1] < 1e-10  # the identity case gives 2^4 = 16 and 2^20


def test_tanh_chain_saturates_below_the_identity_case():
    factor = scalar_chain(2.0, 6, "tanh")[1]
    expected, h = [1.0], 1.0
    for _ in range(6):
        h = math.tanh(2.0 * h)
        expected.append(expected[-1] * 2.0 * (1.0 - h * h))
    assert factor.tolist() == pytest.approx(expected, rel=1e-13)
    assert factor[-1] < 1.0 < 2.0 ** 6


def test_identity_plot_is_the_seeds_w_to_the_n():
    data = plot_data(scalar_power_plot())
    assert [s["label"] for s in data["series"]] == [f"$w = {w:g}$" for w in WEIGHTS]
    two = next(s for s in data["series"] if s["label"] == "$w = 2$")
    assert two["y"][4] == 16.0 and two["x"] == list(range(21))
    assert data["y_log"] is True and data["inputs"]["activation"] == "identity"


def test_sigmoid_plot_shows_the_factor_the_bound_and_the_seeds_power():
    plot = scalar_power_plot(activation="sigmoid")
    data = plot_data(plot)
    kinds = [s["kind"] for s in data["series"]]
    assert kinds == ["data"] * len(WEIGHTS) + ["bound"] * len(WEIGHTS) + ["reference"]
    two = next(s for s in data["series"] if s["label"] == "$w = 2$")
    assert two["y"][1:] == pytest.approx(_sigmoid_chain(2.0, 20)[1:], rel=10 ** (1 - SIGNIFICANT_DIGITS))
    bound_two = data["series"][len(WEIGHTS) + WEIGHTS.index(2.0)]
    assert bound_two["y"] == pytest.approx([0.5 ** n for n in range(21)], rel=1e-7) and bound_two["label"] == "bound $(|w|/4)^N$"
    assert data["series"][-1]["y"][4] == 16.0
    assert "1/4" in plot.caption and "(|w|/4)^N" in plot.caption and "w = 2" in plot.caption
    assert "unrolled steps" in data["x_label"]


def test_depth_layers_speaks_of_layers():
    plot = scalar_power_plot(activation="sigmoid", depth="layers")
    assert "layers" in plot.xlabel and "every layer multiplies" in plot.caption


def test_unknown_activation_or_depth_is_refused():
    with pytest.raises(UnknownName):
        scalar_power_plot(activation="softsign")
    with pytest.raises(ValueError, match="depth"):
        scalar_power_plot(depth="years")


@pytest.mark.parametrize("plot", [gradient_norm_plot(), scalar_power_plot(), scalar_power_plot(activation="sigmoid")],
                         ids=["gradient-norms", "scalar-power", "scalar-power-sigmoid"])
def test_the_json_is_what_is_drawn(plot):
    """Every line on the axes is a series of the JSON, in order, with the JSON's numbers."""
    data = plot_data(plot)
    fig, ax = plt.subplots()
    try:
        draw(ax, plot)
        drawn = [line for line in ax.get_lines() if len(line.get_xdata()) > 2]  # not the axhline at 1
        assert len(drawn) == len(data["series"])
        for line, series in zip(drawn, data["series"]):
            assert np.asarray(line.get_xdata(), float).tolist() == pytest.approx(series["x"])
            assert np.asarray(line.get_ydata(), float).tolist() == pytest.approx(series["y"], rel=10 ** (1 - SIGNIFICANT_DIGITS))
        assert ax.get_yscale() == ("log" if data["y_log"] else "linear")
        assert ax.get_xlabel() == data["x_label"] and ax.get_ylabel() == data["y_label"]
    finally:
        plt.close(fig)


def test_json_is_deterministic_sorted_and_rounded():
    first = render(scalar_power_plot(activation="sigmoid"), formats=()).files["json"]
    second = plot_json(scalar_power_plot(activation="sigmoid"))
    assert first == second and first.endswith(b"\n") and first.isascii()
    data = json.loads(first)
    assert first == (json.dumps(data, indent=1, sort_keys=True) + "\n").encode()
    for series in data["series"]:
        for y in series["y"]:
            assert float(f"{y:.{SIGNIFICANT_DIGITS}g}") == y


def test_json_ignores_float_noise_below_its_digits():
    plot = gradient_norm_plot(steps=10)
    noisy = type(plot)(**{**plot.__dict__, "series": tuple(
        type(s)(**{**s.__dict__, "y": tuple(v * (1 + 1e-15) for v in s.y)}) for s in plot.series)})
    assert plot_json(noisy) == plot_json(plot)


def test_a_growing_chain_stays_finite_for_every_activation():
    """softplus with w = 2 grows without bound; its factor must not overflow (math.exp did)."""
    from symrnn.core.activations import ACTIVATIONS

    for name in ACTIVATIONS:
        plot = scalar_power_plot(activation=name)
        assert all(np.isfinite(y) for s in plot.series for y in s.y), name


# --------------------------------------------------------------------------- each network's own figure


def _series(plot, start: str) -> dict:
    return {s.label: s.y for s in plot.series if s.label.startswith(start)}


def test_lstm_figure_the_cell_carries_the_gradient_when_the_forget_gate_is_near_one():
    from symrnn.core import catalogue
    from symrnn.report.flow_figures import lstm_plot

    plot = lstm_plot(catalogue.load("lstm"))
    cell = {label.split("$b = ")[1].split("$")[0]: y for label, y in _series(plot, "cell").items()}
    hidden = {label.split("$b = ")[1].split("$")[0]: y for label, y in _series(plot, "hidden").items()}
    assert set(cell) == set(hidden) == {"-3", "0", "3"}
    assert cell["3"][0] > 0.05 and cell["-3"][0] < 1e-10  # at t = 1, relative to t = T
    assert cell["3"][0] > 100 * hidden["3"][0]  # the cell path against the hidden path
    assert all(y[-1] == 1.0 for y in cell.values())
    assert "forget" in plot.caption and dict(plot.inputs)["cell"] == "lstm"


def test_gru_figure_the_update_gate_near_one_keeps_the_gradient():
    from symrnn.core import catalogue
    from symrnn.report.flow_figures import gru_plot

    for name in ("gru-d2l", "gru-torch"):
        plot = gru_plot(catalogue.load(name))
        ys = {label.split("$b = ")[1].split("$")[0]: y for label, y in _series(plot, "hidden").items()}
        assert ys["3"][0] > 0.01 and ys["-3"][0] < 1e-6, name


def test_rnn_figures_come_from_the_networks_own_activation_and_layers():
    from dataclasses import replace

    from symrnn.core import catalogue
    from symrnn.report.flow_figures import deep_plot, flow_plot, rnn_plot

    linear = rnn_plot(catalogue.load("rnn-linear"))
    ys = {s.label: s.y for s in linear.series}
    assert ys[r"$\rho(W_{hh}) = 0.5$"][0] < 1e-3 and ys[r"$\rho(W_{hh}) = 1.5$"][0] > 1e3  # vanishing, exploding
    tanh = rnn_plot(catalogue.load("rnn-tanh"))
    assert dict(tanh.inputs)["activation"] == "tanh" and "saturation" in tanh.caption
    relu = rnn_plot(replace(catalogue.load("rnn-tanh"), activation="relu"))
    assert "saturation" not in relu.caption and "f' \\leq 1" in relu.caption
    deep = deep_plot(catalogue.load("deep-rnn"))
    assert {s.label.split(",")[0] for s in deep.series} == {"layer 1", "layer 2"}
    assert flow_plot(catalogue.load("deep-rnn")).name == "layers"
    for plot in (linear, tanh, deep):
        assert plot.annotations == () and plot.legend_loc == "outside"  # nothing drawn over a curve
