"""Vanishing and exploding gradients: ``Input x w^N``, the step at which ``w^T`` falls under a
threshold, and the spectral radius of ``W_hh`` deciding between the two (D2L 9.7.15)."""

from __future__ import annotations

from ...i18n import N_, _
from ..model import Answer, Choice, Part, diagnosed, fmt, numerical, rich
from ..numeric import shown_number
from ..registry import Draft, Family
from ._draw import Redraw, pick, retry, shuffled

FACTORS = (0.5, 0.6, 0.7, 0.8, 0.9, 1.1, 1.2, 1.3, 1.5, 2.0)
UNROLLS = (3, 4, 5, 6, 7, 8)
DECAYS = (0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95)
THRESHOLDS = (0.1, 0.05, 0.01, 0.001)
ENTRIES = tuple(round(0.1 * k, 1) for k in range(-9, 10) if k != 0)
VERDICTS = (
    ("vanishes", N_("the gradient vanishes: the terms decay geometrically with the distance $T - i$")),
    ("explodes", N_("the gradient explodes: the terms grow geometrically with the distance $T - i$")),
    ("constant", N_("the gradient stays of the same size, whatever the distance $T - i$")),
)


def _first_below(w: float, eps: float) -> int:
    """The smallest T with w^T < eps, by repeated multiplication (no logarithm rounding)."""
    T, power = 1, w
    while power >= eps:
        T, power = T + 1, power * w
    return T


def _draw_once(rng) -> Draft:
    w, N = pick(rng, FACTORS), pick(rng, UNROLLS)
    decay, eps = pick(rng, DECAYS), pick(rng, THRESHOLDS)
    a, b = pick(rng, ENTRIES), pick(rng, ENTRIES)
    rho = round(abs(a) + abs(b), 1)
    if rho == 1.0:
        raise Redraw  # neither vanishing nor exploding: no clean verdict
    power = w**N
    places = 4 if power < 10 else 2
    T_star = _first_below(decay, eps)
    verdict = "vanishes" if rho < 1 else "explodes"
    choices = tuple(
        Choice(rich(_(text)), correct=(key == verdict),
               note="" if key == verdict else (
                   _("Compare the spectral radius with 1: below 1 the powers shrink, above 1 they grow.")))
        for key, text in VERDICTS
    )
    parts = (
        Part(rich(_("An input is multiplied by the same weight $w = {w}$ at each of $T = {N}$ unrolled steps "
                    "(the lecture's $\\text{{Input}} \\times w^{{T}}$). By what factor is the input multiplied?").format(
                        w=shown_number(w), N=N)),
             numerical(power, places, 1, [
                 diagnosed(w ** (N - 1), "off_by_one"), diagnosed(w ** (N + 1), "off_by_one"),
                 diagnosed(N * w, note=_("Multiplied instead of raised to a power: the factor is w^T, not T w.")),
             ], exact=power)),
        Part(rich(_("With $w = {w}$, what is the smallest number of steps $T$ for which $w^{{T}} < {eps}$?").format(
            w=shown_number(decay), eps=shown_number(eps))),
             numerical(T_star, 0, 1, [
                 diagnosed(T_star - 1, "off_by_one"), diagnosed(T_star + 1, "off_by_one"),
             ], integer=True, exact=T_star)),
        Part(rich(_("The recurrent weight matrix is $\\mathbf{{W}}_{{hh}} = {matrix}$. "
                    "What is its spectral radius (the largest absolute value of its eigenvalues)?").format(matrix=_matrix(a, b))),
             numerical(rho, 2, 1, [
                 diagnosed(max(abs(a), abs(b)), note=_("The largest entry is not an eigenvalue: the eigenvalues of [[a, b], [b, a]] are a + b and a - b.")),
                 diagnosed(abs(a + b) if abs(a + b) != rho else abs(a - b), note=_("Only one eigenvalue: the spectral radius is the largest of |a + b| and |a - b|.")),
             ], rel=0.0, exact=rho)),
        Part(rich(_("With the $\\mathbf{W}_{hh}$ of (c), in $\\partial L/\\partial \\mathbf{h}_t = \\sum_{i=t}^{T} (\\mathbf{W}_{hh}^{\\top})^{T-i} "
                  "\\mathbf{W}_{qh}^{\\top} \\partial L/\\partial \\mathbf{o}_{T+t-i}$ (identity activation), for long sequences")),
             Answer("choice", 1, choices=shuffled(rng, choices))),
    )
    solution = rich(
        _("(a) The input is multiplied by $w$ once per step: $w^{{T}} = {w}^{{{N}}} = {power}$.").format(
            w=shown_number(w), N=N, power=fmt(power, places)),
        _("(b) $w^{{T}}$ decreases with $T$; $w^{{{before}}} = {above} \\ge {eps}$ "
          "and $w^{{{T}}} = {below} < {eps}$, so $T = {T}$.").format(
            before=T_star - 1, above=fmt(decay ** (T_star - 1), 5), eps=shown_number(eps), T=T_star, below=fmt(decay ** T_star, 5)),
        _("(c) The symmetric matrix ${matrix}$, with diagonal $a = {a}$ and off-diagonal $b = {b}$, has the "
          "eigenvectors $(1, 1)$ and $(1, -1)$ with eigenvalues "
          "$a + b = {sum}$ and $a - b = {difference}$; the spectral radius is "
          "$\\max(|a + b|, |a - b|) = |a| + |b| = {rho}$.").format(
            matrix=_matrix(a, b), a=shown_number(a), b=shown_number(b), sum=shown_number(round(a + b, 1)), difference=shown_number(round(a - b, 1)), rho=fmt(rho, 2)),
        (_("(d) $(\\mathbf{{W}}_{{hh}}^{{\\top}})^{{k}}$ scales like $\\rho^{{k}} = {rho}^{{k}}$, which tends to 0: the gradient vanishes.")
         if rho < 1 else
         _("(d) $(\\mathbf{{W}}_{{hh}}^{{\\top}})^{{k}}$ scales like $\\rho^{{k}} = {rho}^{{k}}$, which grows without bound: the gradient explodes.")
         ).format(rho=fmt(rho, 1)),
    )
    statement = rich(_("In a scalar linear recurrent network (one unit, identity activation) the gradient is multiplied by the "
                       "same factor, the recurrent weight, once per unrolled step; with a weight matrix, the powers of "
                       "$\\mathbf{W}_{hh}^{\\top}$ take its place."))
    order = tuple(c.correct for c in parts[3].answer.choices)
    return Draft(statement, parts, solution, (("w", w), ("N", N), ("decay", decay), ("eps", eps), ("a", a), ("b", b), ("order", order)))


def _matrix(a: float, b: float) -> str:
    return f"\\begin{{pmatrix}} {shown_number(a)} & {shown_number(b)} \\\\ {shown_number(b)} & {shown_number(a)} \\end{{pmatrix}}"


def draw(rng) -> Draft:
    return retry(_draw_once, rng)


FAMILY = Family(
    name="vanishing",
    title=N_("Vanishing and exploding gradients"),
    topic=N_("Vanishing/exploding gradients: Input x w^N, (W_hh^T)^(T-i) and the spectral radius"),
    draw=draw,
    space=len(FACTORS) * len(UNROLLS) * len(DECAYS) * len(THRESHOLDS) * len(ENTRIES) ** 2 * 3,
)
