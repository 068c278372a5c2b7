"""Figures of the reports: vanishing and exploding gradients, drawn with matplotlib (Agg).

* :func:`gradient_norm_figure`: ``||dL/dh_t||`` against ``t`` for several spectral radii of
  ``W_hh``, computed with the recurrence (9.7.13)-(9.7.14) of the linear RNN,
  ``dL/dh_T = W_qh^T dL/do_T`` and ``dL/dh_t = W_hh^T dL/dh_{t+1} + W_qh^T dL/do_t``, with the loss
  read at the last step only (so the norm at ``t`` is that of ``(W_hh^T)^{T-t} W_qh^T dL/do_T``).
* :func:`scalar_power_figure`: the seed's scalar example ``Input x w^N`` against the number of
  unrolled steps ``N``, for ``w`` above and below one.

Output is deterministic: fixed seeds, a fixed style, and no timestamps or software strings in
the files (``metadata`` with ``CreationDate`` / ``Software`` set to ``None``), so regenerating
the gallery changes no bytes unless the figure changed.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator

SPECTRAL_RADII = (0.5, 0.9, 1.0, 1.1, 1.5)
"""Spectral radii of W_hh drawn in the vanishing/exploding figure."""

WEIGHTS = (0.5, 0.9, 1.1, 2.0)
"""Scalar weights of the seed's ``Input x w^N`` figure (2 is the seed's own example)."""

SEED = 20230907
"""Seed of the random matrices of the gradient-norm figure."""

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


@dataclass(frozen=True)
class Figure:
    """A rendered figure: file name stem, caption text, and the bytes for each format."""

    name: str
    caption: str
    files: dict  # format -> bytes


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
    for _ in range(steps - 1):
        d_h = W_hh.T @ d_h  # (9.7.14) with dL/do_t = 0 for t < T
        norms.append(np.linalg.norm(d_h))
    return np.array(norms[::-1])


def _save(fig, fmt: str) -> bytes:
    buffer = io.BytesIO()
    if fmt == "pdf":
        metadata = {"CreationDate": None, "Producer": None, "Creator": None}
    else:
        metadata = {"Software": None}
    fig.savefig(buffer, format=fmt, metadata=metadata, bbox_inches="tight", dpi=150)
    return buffer.getvalue()


def _render(draw, name: str, caption: str, formats: tuple[str, ...]) -> Figure:
    with plt.rc_context(_STYLE):
        fig, ax = plt.subplots(figsize=(5.0, 3.0))
        try:
            draw(ax)
            fig.tight_layout()
            files = {fmt: _save(fig, fmt) for fmt in formats}
        finally:
            plt.close(fig)
    return Figure(name, caption, files)


def gradient_norm_figure(steps: int = 40, radii: tuple[float, ...] = SPECTRAL_RADII, formats: tuple[str, ...] = FORMATS) -> Figure:
    """``||dL/dh_t||`` against ``t`` on a log scale, one line per spectral radius of ``W_hh``."""

    def draw(ax):
        t = np.arange(1, steps + 1)
        for radius in radii:
            ax.semilogy(t, hidden_adjoint_norms(radius, steps), marker="o", markersize=2.5, label=rf"$\rho(W_{{hh}}) = {radius:g}$")
        ax.set_xlabel(rf"time step $t$ (loss read at $t = T = {steps}$)")
        ax.set_ylabel(r"$\|\partial L / \partial h_t\|_2$")
        ax.grid(True, which="major", linewidth=0.4, alpha=0.6)
        ax.legend(loc="best", frameon=False)

    caption = (
        f"Norm of the hidden-state adjoint of a linear RNN (hidden size 8, a random recurrent weight scaled to "
        f"each spectral radius, loss at t = T = {steps} only), computed with the recurrence. Going back in "
        f"time it shrinks geometrically when the spectral radius is below one (vanishing) and grows "
        f"when it is above one (exploding)."
    )
    return _render(draw, "gradient-norms", caption, formats)


def scalar_power_figure(unrolls: int = 20, weights: tuple[float, ...] = WEIGHTS, formats: tuple[str, ...] = FORMATS) -> Figure:
    """The seed's ``Input x w^N`` against ``N`` (Input = 1), log scale."""

    def draw(ax):
        n = np.arange(0, unrolls + 1)
        for w in weights:
            ax.semilogy(n, np.power(w, n), marker="o", markersize=2.5, label=rf"$w = {w:g}$")
        ax.axhline(1.0, color="0.5", linewidth=0.6)
        if 2.0 in weights and unrolls >= 4:
            ax.annotate(r"$2^4 = 16$ (the seed)", xy=(4, 16), xytext=(6, 2e3), arrowprops={"arrowstyle": "->", "linewidth": 0.6})
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel(r"number of unrolled steps $N$")
        ax.set_ylabel(r"$\mathrm{Input} \times w^{N}$ (Input $= 1$)")
        ax.grid(True, which="major", linewidth=0.4, alpha=0.6)
        ax.legend(loc="best", frameon=False)

    caption = (
        "The seed's scalar example: a signal multiplied by the same weight w at every unrolled step "
        "becomes Input x w^N. With w = 2 and four steps it is 16 times the input; for w > 1 it "
        "explodes, for w < 1 it vanishes."
    )
    return _render(draw, "scalar-power", caption, formats)


__all__ = ["Figure", "gradient_norm_figure", "hidden_adjoint_norms", "scalar_power_figure"]
