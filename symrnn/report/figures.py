"""Figures of the reports: vanishing and exploding gradients, drawn with matplotlib (Agg).

* :func:`gradient_norm_figure`: ``||dL/dh_t||`` against ``t`` for several spectral radii of
  ``W_hh``, computed with the recurrence (9.7.13)-(9.7.14) of the linear RNN,
  ``dL/dh_T = W_qh^T dL/do_T`` and ``dL/dh_t = W_hh^T dL/dh_{t+1} + W_qh^T dL/do_t``, with the loss
  read at the last step only (so the norm at ``t`` is that of ``(W_hh^T)^{T-t} W_qh^T dL/do_T``).
* :func:`scalar_power_figure`: the seed's scalar example ``Input x w^N`` against the number of
  unrolled steps (or layers) ``N``, for ``w`` above and below one. With an activation ``f`` other
  than the identity every step also multiplies by ``f'(a_k)``: the figure then draws
  ``dh_N/dh_0 = prod_k w f'(a_k)`` from a concrete forward pass, with its bound
  ``(|w| sup f')^N`` (``(|w|/4)^N`` for the sigmoid) and the identity case ``2^N`` for reference.

A figure is data first (:class:`Plot`: series, axis labels, scales, reference lines), drawn by one
generic function. The same data is written as JSON beside the image (``Figure.files["json"]``), so
the gallery check compares what symrnn decides to plot, not how a matplotlib version renders it.
Numbers in the JSON keep :data:`SIGNIFICANT_DIGITS` digits: BLAS and libm differ in the last bits
between machines, and a figure never shows more than three.

Output is deterministic: fixed seeds, a fixed style, sorted JSON keys, and no timestamps or
software strings in the image files (``metadata`` with ``CreationDate`` / ``Software`` set to
``None``).
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator

from ..core.activations import activation as _activation
from ..i18n import _
from .figure_words import AFTER as _AFTER
from .figure_words import BOUND as _BOUND
from .figure_words import IDENTITY as _IDENTITY
from .figure_words import PRODUCT as _PRODUCT
from .figure_words import XLABEL as _XLABEL

SPECTRAL_RADII = (0.5, 0.9, 1.0, 1.1, 1.5)
"""Spectral radii of W_hh drawn in the vanishing/exploding figure."""

WEIGHTS = (0.5, 0.9, 1.1, 2.0)
"""Scalar weights of the seed's ``Input x w^N`` figure (2 is the seed's own example)."""

SEED = 20230907
"""Seed of the random matrices of the gradient-norm figure."""

INPUT = 1.0
"""The seed's ``Input``: the scalar figure's ``h_0`` (no further input, no bias)."""

"""``sup |f'|`` of each activation: the bound of one step's factor is ``|w| sup |f'|``."""

SIGNIFICANT_DIGITS = 8
"""Digits kept for the numbers in a figure's JSON data."""

FORMATS = ("pdf", "png")

_STYLE = {
    "font.size": 9,
    "axes.titlesize": 9,
    "axes.labelsize": 9,
    "legend.fontsize": 8,
    "lines.linewidth": 1.4,
    "figure.dpi": 100,
    "svg.hashsalt": "symrnn",
    "pdf.compression": 6,
    "path.simplify": False,
}

_LINES = {
    "data": {"marker": "o", "markersize": 2.5},
    "bound": {"linestyle": "--", "linewidth": 0.9},
    "reference": {"linestyle": ":", "linewidth": 1.2, "marker": "o", "markersize": 1.8},
    "second": {"linestyle": "--", "linewidth": 1.1, "marker": "s", "markersize": 2.0},
}
"""How each kind of series is drawn: computed values, bounds, and a reference curve."""


@dataclass(frozen=True)
class Series:
    """One plotted line: a legend label (matplotlib mathtext), x and y values, its kind and colour."""

    label: str
    x: tuple
    y: tuple
    kind: str = "data"  # a key of _LINES
    color: str = "C0"
    legend: bool = True


@dataclass(frozen=True)
class Annotation:
    text: str
    xy: tuple[float, float]
    xytext: tuple[float, float]


@dataclass(frozen=True)
class Plot:
    """Everything a figure shows, as data: drawn by :func:`draw`, written by :func:`plot_json`."""

    name: str
    caption: str
    xlabel: str
    ylabel: str
    series: tuple[Series, ...]
    ylog: bool = True
    hlines: tuple[float, ...] = ()
    annotations: tuple[Annotation, ...] = ()
    integer_x: bool = False
    legend_loc: str = "best"
    inputs: tuple[tuple[str, object], ...] = ()  # what the numbers were computed from


@dataclass(frozen=True)
class Figure:
    """A rendered figure: file name stem, caption text, the bytes for each format, and its data.

    ``files`` maps a format (``pdf``, ``png``, and always ``json``, the plotted data) to bytes.
    """

    name: str
    caption: str
    files: dict  # format -> bytes
    plot: Plot | None = None


def _number(value):
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return int(value)
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"a figure's data must be finite, got {value!r}")
    return float(f"{value:.{SIGNIFICANT_DIGITS}g}")


def plot_data(plot: Plot) -> dict:
    """The JSON-able data of ``plot``: exactly what is drawn, numbers rounded to :data:`SIGNIFICANT_DIGITS`."""
    return {
        "name": plot.name,
        "caption": plot.caption,
        "x_label": plot.xlabel,
        "y_label": plot.ylabel,
        "x_log": False,
        "y_log": plot.ylog,
        "x_integer": plot.integer_x,
        "horizontal_lines": [_number(y) for y in plot.hlines],
        "annotations": [{"text": a.text, "xy": [_number(v) for v in a.xy]} for a in plot.annotations],
        "inputs": {key: (_number(v) if isinstance(v, (int, float)) else v) for key, v in plot.inputs},
        "series": [
            {"label": s.label, "kind": s.kind, "color": s.color, "in_legend": s.legend,
             "x": [_number(v) for v in s.x], "y": [_number(v) for v in s.y]}
            for s in plot.series
        ],
    }


def plot_json(plot: Plot) -> bytes:
    """:func:`plot_data` as JSON bytes: sorted keys, one value a line, ASCII, trailing newline."""
    return (json.dumps(plot_data(plot), indent=1, sort_keys=True, ensure_ascii=True, allow_nan=False) + "\n").encode("ascii")


def hidden_adjoint_norms(radius: float, steps: int, hidden: int = 8, seed: int = SEED) -> np.ndarray:
    """``||dL/dh_t||_2`` for ``t = 1..steps`` of a linear RNN whose ``W_hh`` has spectral radius ``radius``.

    ``W_hh`` is a Gaussian matrix scaled to the given spectral radius, ``W_qh`` Gaussian, and
    ``dL/do_T`` a unit vector; the loss is read at ``t = T`` only. Entry ``t - 1`` of the result is
    the norm at step ``t``.
    """
    rng = np.random.default_rng(seed)
    base = rng.standard_normal((hidden, hidden))
    W_hh = base * (radius / max(abs(np.linalg.eigvals(base))))
    W_qh = rng.standard_normal((hidden, hidden)) / np.sqrt(hidden)
    d_o = rng.standard_normal(hidden)
    d_o /= np.linalg.norm(d_o)
    d_h = W_qh.T @ d_o  # (9.7.13): dL/dh_T = W_qh^T dL/do_T
    norms = [np.linalg.norm(d_h)]
    for _step in range(steps - 1):
        d_h = W_hh.T @ d_h  # (9.7.14) with dL/do_t = 0 for t < T
        norms.append(np.linalg.norm(d_h))
    return np.array(norms[::-1])


def _functions(name: str) -> tuple[Callable[[float], float], Callable[[float], float]]:
    """``f`` and ``f'`` of a registered activation as float functions (its float64 evaluators,
    which stay finite where a naive ``exp`` would overflow: a softplus chain with w = 2 grows)."""
    f, df = _activation(name).float64
    return (lambda v: float(f(np.float64(v)))), (lambda v: float(df(np.float64(v))))


def scalar_chain(w: float, steps: int, activation: str = "identity", h0: float = INPUT) -> tuple[np.ndarray, np.ndarray]:
    """The forward pass ``a_k = w h_{k-1}``, ``h_k = f(a_k)`` from ``h_0`` and its gradient factor.

    Returns ``(a, factor)``: ``a[k-1] = a_k`` for ``k = 1..steps`` and
    ``factor[N] = dh_N/dh_0 = prod_{k=1}^{N} w f'(a_k)`` for ``N = 0..steps`` (``factor[0] = 1``).
    With the identity it is ``w^N``.
    """
    f, df = _functions(activation)
    h, product = float(h0), 1.0
    pre, factors = [], [1.0]
    for _step in range(steps):
        a = w * h
        product *= w * df(a)
        h = f(a)
        pre.append(a)
        factors.append(product)
    return np.array(pre), np.array(factors)


def _save(fig, fmt: str) -> bytes:
    buffer = io.BytesIO()
    if fmt == "pdf":
        metadata = {"CreationDate": None, "Producer": None, "Creator": None}
    else:
        metadata = {"Software": None}
    fig.savefig(buffer, format=fmt, metadata=metadata, bbox_inches="tight", dpi=150)
    return buffer.getvalue()


def draw(ax, plot: Plot) -> None:
    """Draw ``plot`` on the matplotlib axes ``ax``: its series, scales, reference lines, labels and legend."""
    for s in plot.series:
        ax.plot(s.x, s.y, color=s.color, label=s.label if s.legend else "_nolegend_", **_LINES[s.kind])
    if plot.ylog:
        ax.set_yscale("log")
    for y in plot.hlines:
        ax.axhline(y, color="0.5", linewidth=0.6)
    for a in plot.annotations:
        ax.annotate(a.text, xy=a.xy, xytext=a.xytext, arrowprops={"arrowstyle": "->", "linewidth": 0.6})
    if plot.integer_x:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(plot.xlabel)
    ax.set_ylabel(plot.ylabel)
    ax.grid(True, which="major", linewidth=0.4, alpha=0.6)
    if plot.legend_loc == "outside":  # beside the axes: a legend never covers a curve
        ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), frameon=False, borderaxespad=0.0)
    else:
        ax.legend(loc=plot.legend_loc, frameon=False)


def render(plot: Plot, formats: tuple[str, ...] = FORMATS) -> Figure:
    """Draw ``plot`` in each of ``formats``; the figure's files also hold its JSON data."""
    with plt.rc_context(_STYLE):
        fig, ax = plt.subplots(figsize=(7.0, 3.0) if plot.legend_loc == "outside" else (5.0, 3.0))
        try:
            draw(ax, plot)
            fig.tight_layout()
            files = {fmt: _save(fig, fmt) for fmt in formats}
        finally:
            plt.close(fig)
    files["json"] = plot_json(plot)
    return Figure(plot.name, plot.caption, files, plot)


def gradient_norm_plot(steps: int = 40, radii: tuple[float, ...] = SPECTRAL_RADII) -> Plot:
    """``||dL/dh_t||`` against ``t`` on a log scale, one line per spectral radius of ``W_hh``."""
    t = tuple(range(1, steps + 1))
    series = tuple(
        Series(rf"$\rho(W_{{hh}}) = {radius:g}$", t, tuple(hidden_adjoint_norms(radius, steps)), color=f"C{i}")
        for i, radius in enumerate(radii)
    )
    caption = _(
        "Norm of the hidden-state adjoint of a linear RNN (hidden size 8, a random recurrent weight scaled to "
        "each spectral radius, loss at t = T = {steps} only), computed with the recurrence. Going back in "
        "time it shrinks geometrically when the spectral radius is below one (vanishing) and grows "
        "when it is above one (exploding)."
    ).format(steps=steps)
    return Plot(
        "gradient-norms", caption,
        xlabel=_("time step $t$ (loss read at $t = T = {steps}$)").format(steps=steps),
        ylabel=r"$\|\partial L / \partial h_t\|_2$",
        series=series,
        inputs=(("hidden", 8), ("seed", SEED), ("steps", steps)),
    )


def gradient_norm_figure(steps: int = 40, radii: tuple[float, ...] = SPECTRAL_RADII, formats: tuple[str, ...] = FORMATS) -> Figure:
    """The figure of :func:`gradient_norm_plot`."""
    return render(gradient_norm_plot(steps, radii), formats)


_DEPTH = {"steps": ("unrolled steps", "unrolled step"), "layers": ("layers", "layer")}
"""What ``N`` counts: unrolled steps of a recurrent network, or layers of a feed-forward one."""



def scalar_power_plot(unrolls: int = 20, weights: tuple[float, ...] = WEIGHTS, activation: str = "identity", depth: str = "steps") -> Plot:
    """The seed's ``Input x w^N`` against ``N``, log scale; with a nonlinear ``activation``, ``prod w f'(a_k)``.

    ``depth`` says what ``N`` counts: ``steps`` (a recurrent network unrolled) or ``layers`` (a
    feed-forward one, one neuron a layer, every weight ``w``).
    """
    if depth not in _DEPTH:
        raise ValueError(f"unknown depth {depth!r}; choose one of {', '.join(_DEPTH)}")
    _activation(activation)  # an unknown name raises UnknownName listing the known ones
    n = tuple(range(unrolls + 1))
    xlabel = _(_XLABEL[depth])
    seed_note = 2.0 in weights and unrolls >= 4
    if activation == "identity":
        series = tuple(Series(rf"$w = {w:g}$", n, tuple(np.power(w, n)), color=f"C{i}") for i, w in enumerate(weights))
        caption = _(_IDENTITY[depth]).format()
        return Plot(
            "scalar-power", caption, xlabel, _("$\\mathrm{Input} \\times w^{N}$ (Input $= 1$)"), series,
            hlines=(1.0,),
            integer_x=True,
            legend_loc="outside",
            inputs=(("activation", activation), ("depth", depth)),
        )

    fn = _activation(activation).latex
    sup = _activation(activation).derivative_bound
    bound_math = _BOUNDS.get(sup, rf"(|w| \cdot {sup:g})^N")
    series: list[Series] = []
    ends = {}
    for i, w in enumerate(weights):
        factor = scalar_chain(w, unrolls, activation)[1]
        ends[w] = factor[-1]
        series.append(Series(rf"$w = {w:g}$", n, tuple(factor), color=f"C{i}"))
    for i, w in enumerate(weights):
        series.append(Series(_("bound ${bound}$").format(bound=bound_math), n, tuple(np.power(abs(w) * sup, n)), "bound", f"C{i}", legend=i == 0))
    if seed_note:
        series.append(Series(_("$2^N$ (identity, the lecture's $w = 2$)"), n, tuple(np.power(2.0, n)), "reference", "0.45"))

    caption = _factor_caption(activation, sup, bound_math, depth, unrolls, ends, seed_note)
    return Plot(
        "scalar-power", caption, xlabel,
        _("$\\partial h_N / \\partial h_0$, factors $w\\,{fn}'(a_k)$").format(fn=fn),
        tuple(series),
        hlines=(1.0,),
        integer_x=True,
        legend_loc="outside",
        inputs=(("activation", activation), ("depth", depth), ("h_0", INPUT), ("sup_derivative", sup)),
    )


_BOUNDS = {0.25: r"(|w|/4)^N", 1.0: r"|w|^N"}
"""How the bound ``(|w| sup f')^N`` is written, for the common values of ``sup f'``."""

def _factor_caption(activation: str, sup: float, bound: str, depth: str, unrolls: int, ends: dict, seed_note: bool) -> str:
    """The caption of the scalar figure with a nonlinear activation (maths between dollars); ``ends``
    maps each ``w`` to its factor at ``N = unrolls``. Three whole sentences, each chosen by the facts."""
    act = _activation(activation)
    f = act.latex
    first = _(_PRODUCT[depth]).format(act=_(act.words), f=f)
    slots = {"f": f, "sup": "1/4" if sup == 0.25 else f"{sup:g}", "bound": bound}
    if sup < 1.0:
        slots["limit"] = f"{1 / sup:g}"
        if seed_note:
            slots["seed"] = f"{scalar_chain(2.0, 4, activation)[1][-1]:.2g}"
        key = ("vanishes", depth) if seed_note else ("below", None)
    else:  # only a saturating activation (the registry says which) has small derivatives far from 0
        key = ("saturates", None) if act.saturates else ("identity", None)
    second = _(_BOUND[key]).format(**slots)
    below = ", ".join(f"{w:g}" for w, end in ends.items() if abs(end) < 1.0)
    above = ", ".join(f"{w:g}" for w, end in ends.items() if abs(end) > 1.0)
    which = "both" if below and above else "below" if below else "above"
    third = _(_AFTER[(which, depth)]).format(n=unrolls, below=below, above=above)
    return f"{first} {second} {third}"


def scalar_power_figure(
    unrolls: int = 20,
    weights: tuple[float, ...] = WEIGHTS,
    formats: tuple[str, ...] = FORMATS,
    activation: str = "identity",
    depth: str = "steps",
) -> Figure:
    """The figure of :func:`scalar_power_plot`."""
    return render(scalar_power_plot(unrolls, weights, activation, depth), formats)


__all__ = [
    "Figure",
    "Plot",
    "Series",
    "draw",
    "gradient_norm_figure",
    "gradient_norm_plot",
    "hidden_adjoint_norms",
    "plot_data",
    "plot_json",
    "render",
    "scalar_chain",
    "scalar_power_figure",
    "scalar_power_plot",
]
