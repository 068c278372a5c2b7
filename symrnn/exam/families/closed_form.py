"""The linear RNN's closed form (D2L 9.7.15): choose the expanded power sum, complete it.

``dL/dh_t = sum_{i=t}^{T} (W_hh^T)^{T-i} W_qh^T dL/do_{T+t-i}``: the correct option is the
closed form of the catalogue spec ``rnn-linear`` (``closed:h:t:d2l`` of its derivation) at the
drawn ``t``; each wrong option is one mutation of it from the mistakes list, built as a matrix
expression (``symrnn.core.ir``) and printed by ``symrnn.printing.latex``.
"""

from __future__ import annotations

from functools import lru_cache

import sympy

from ...core import catalogue, ir
from ...core.closed_forms import CLOSED_STATE, CLOSED_STATE_D2L
from ...i18n import N_, _
from ..model import Answer, Choice, Part, diagnosed, display, numerical, rich
from ..numeric import derivation, equation_latex, latex
from ..registry import Draft, Family
from ._draw import pick, retry, shuffled

H, Q = 2, 2
W_hh = ir.Var("W_hh", (H, H), "param")
W_qh = ir.Var("W_qh", (Q, H), "param")
i = ir.INDEX_SYMBOLS["i"]
LENGTHS = (3, 4, 5, 6)
CASES = tuple((T, t, k) for T in LENGTHS for t in range(2, T) for k in range(t + 1, T + 1) if T - k != k - t)
"""(T, t, k) with 2 <= t < T (a real sum, and not every output: with t = 1 counting all T outputs
would give the right number of terms), t < k <= T (a power of at least 1, never zero) and
T - k != k - t (counting the power from the end would give the right answer)."""


@lru_cache(maxsize=256)
def power_sum(T: int, t: int, *, shift: int = 0, transpose: bool = True, start: int = 0, paired_with_i: bool = False) -> ir.Expr:
    """The sum of 9.7.15 for a concrete ``t`` (``T`` stays a symbol), or one of its mutations."""
    T = ir.T_SYM
    W = ir.transpose(W_hh) if transpose else W_hh
    V = ir.transpose(W_qh) if transpose else W_qh
    k = i if paired_with_i else T + t - i
    out = ir.Adjoint(ir.Var("o", (Q, 1), "node", ir.as_sym(k)))
    body = ir.matmul(ir.matmul(ir.MatPow(W, T - i + shift), V), out)
    return ir.TimeSum(i, sympy.Integer(t + start), T, body)


@lru_cache(maxsize=64)
def derived(t: int) -> ir.Expr:
    """The derivation's closed form D2L 9.7.15 of ``dL/dh_t`` at a concrete ``t``."""
    eq = derivation(catalogue.load("rnn-linear")).equation(CLOSED_STATE_D2L)
    return ir.retime(eq.rhs, {ir.t_SYM: t})


@lru_cache(maxsize=64)
def _options(T: int, t: int) -> tuple[Choice, ...]:
    def math(expr: ir.Expr) -> tuple:
        return rich(f"${latex(expr)}$")

    return (
        Choice(math(derived(t)), correct=True),
        Choice(math(power_sum(T, t, shift=1)), mistake="off_by_one"),
        Choice(math(power_sum(T, t, transpose=False)), mistake="missing_transpose"),
        Choice(math(power_sum(T, t, start=-1)) if t > 1 else math(power_sum(T, t, shift=-1)), mistake="off_by_one"),
        Choice(math(power_sum(T, t, paired_with_i=True)), mistake="wrong_signal_pairing"),
    )


def _draw_once(rng) -> Draft:
    T, t, k = pick(rng, CASES)
    options = _options(T, t)
    order = shuffled(rng, tuple(range(len(options))))
    choices = tuple(options[n] for n in order)
    parts = (
        Part(rich(_("Which expression equals $\\partial L/\\partial \\mathbf{{h}}_{{{t}}}$ for any sequence length $T \\ge {t}$?").format(t=t)),
             Answer("choice", 2, choices=choices)),
        Part(rich(_("Now $T = {T}$. In the sum of (a), to which power is $\\mathbf{{W}}_{{hh}}^{{\\top}}$ raised in the term containing "
                    "$\\partial L/\\partial \\mathbf{{o}}_{{{k}}}$?").format(T=T, k=k)),
             numerical(k - t, 0, 1, [diagnosed(k - t + 1, "off_by_one"), diagnosed(k - t - 1, "off_by_one"),
                                     diagnosed(T - k, note=_("Counted from the end of the sequence: the output k reaches h_t through k - t steps."))],
                       integer=True, exact=k - t)),
        Part(rich(_("With $T = {T}$ as in (b), how many terms does the sum of (a) for $\\partial L/\\partial \\mathbf{{h}}_{{{t}}}$ have?").format(T=T, t=t)),
             numerical(T - t + 1, 0, 1, [diagnosed(T - t, "off_by_one"), diagnosed(T, note=_("Only the outputs at steps t to T depend on h_t."))],
                       integer=True, exact=T - t + 1)),
    )
    statement = rich(
        _("For the linear RNN of D2L 9.7 (no bias, identity activation), $\\mathbf{h}_t = \\mathbf{W}_{hx}\\mathbf{x}_t + "
        "\\mathbf{W}_{hh}\\mathbf{h}_{t-1}$, $\\mathbf{o}_t = \\mathbf{W}_{qh}\\mathbf{h}_t$, the recurrence "
        "$\\partial L/\\partial \\mathbf{h}_T = \\mathbf{W}_{qh}^{\\top} \\partial L/\\partial \\mathbf{o}_T$ and "
        "$\\partial L/\\partial \\mathbf{h}_t = \\mathbf{W}_{hh}^{\\top} \\partial L/\\partial \\mathbf{h}_{t+1} + "
        "\\mathbf{W}_{qh}^{\\top} \\partial L/\\partial \\mathbf{o}_t$ can be expanded into a sum of powers of "
        "$\\mathbf{W}_{hh}^{\\top}$."),
    )
    correct = derived(t)
    unrolled = [f"\\frac{{\\partial L}}{{\\partial \\mathbf{{h}}_{{{s}}}}} &= \\mathbf{{W}}_{{hh}}^{{\\top}} "
                f"\\frac{{\\partial L}}{{\\partial \\mathbf{{h}}_{{{s + 1}}}}} + \\mathbf{{W}}_{{qh}}^{{\\top}} "
                f"\\frac{{\\partial L}}{{\\partial \\mathbf{{o}}_{{{s}}}}}" for s in range(t, min(t + 2, T))]
    solution = rich(
        _("Unroll the recurrence from $t = {t}$:").format(t=t),
        display(*unrolled),
        _("Substituting each line into the one above, the output at step $k$ reaches $\\mathbf{h}_t$ through "
        "$k - t$ factors $\\mathbf{W}_{hh}^{\\top}$. With $i = T + t - k$, so that $k - t = T - i$:"),
        display(f"\\frac{{\\partial L}}{{\\partial \\mathbf{{h}}_{{{t}}}}} &= {latex(correct)}"),
        _("This is the derivation's closed form (D2L 9.7.15) at this $t$; summing over the output index "
        "$k = T + t - i$ instead gives the equivalent form"),
        display(equation_latex(derivation(catalogue.load("rnn-linear")).equation(CLOSED_STATE))),
        _("The term with $\\partial L/\\partial \\mathbf{{o}}_{{{k}}}$ has the power $k - t = {power}$; "
          "the sum runs over $i = {t}, \\dots, {T}$: ${terms}$ terms.").format(k=k, power=k - t, t=t, T=T, terms=T - t + 1),
    )
    return Draft(statement, parts, solution, (("T", T), ("t", t), ("k", k), ("order", order)))


def draw(rng) -> Draft:
    return retry(_draw_once, rng)


FAMILY = Family(
    name="closed-form",
    title=N_("The linear RNN's closed form"),
    topic=N_("D2L 9.7.15: the expanded power sum of dL/dh_t for the linear RNN"),
    draw=draw,
    space=len(CASES) * 120,
)
