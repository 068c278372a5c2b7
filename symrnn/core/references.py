"""Where a derived equation appears in the literature, so output can cite it.

Dive into Deep Learning (D2L) section 9.7 numbers the BPTT equations of its linear RNN,
``h_t = W_hx x_t + W_hh h_{t-1}``, ``o_t = W_qh h_t``. A tag means "this is the book's equation",
so an equation is tagged only when it has the book's form, checked structurally: the expected
right-hand side is built here from the book and compared with the derived one. A network without
an output layer (``dL/dh_T = (1/T)(h_T - y_T)``), a many-to-one shape (no ``W_qh^T dL/do_t`` term
before T), an activation, stacked layers or row notation give other forms and get no tag.
"""

from __future__ import annotations

from collections.abc import Callable

import sympy

from . import ir
from .labels import Label

_t, _T, _i = ir.t_SYM, ir.T_SYM, ir.INDEX_SYMBOLS["i"]


def _vars(spec) -> dict[str, ir.Var]:
    D, H, Q = spec.input_size, spec.hidden_size, spec.output_size
    return {
        "W_hx": ir.Var("W_hx", (H, D), "param"),
        "W_hh": ir.Var("W_hh", (H, H), "param"),
        "W_qh": ir.Var("W_qh", (Q, H), "param"),
        "h": ir.Var("h", (H, 1)),
        "x": ir.Var("x", (D, 1), "input"),
        "o": ir.Var("o", (Q, 1)),
    }


def _adj(var: ir.Var, time) -> ir.Adjoint:
    return ir.Adjoint(var.at(time))


D2L_97: dict[Label, tuple[str, Callable[[dict], ir.Expr]]] = {
    # dL/dh_T = W_qh^T dL/do_T
    Label.adjoint("h", case="T"): ("9.7.13", lambda v: ir.matmul(ir.transpose(v["W_qh"]), _adj(v["o"], _T))),
    # dL/dh_t = W_hh^T dL/dh_{t+1} + W_qh^T dL/do_t
    Label.adjoint("h", case="t"): ("9.7.14", lambda v: ir.add(
        ir.matmul(ir.transpose(v["W_hh"]), _adj(v["h"], _t + 1)),
        ir.matmul(ir.transpose(v["W_qh"]), _adj(v["o"], _t)))),
    # dL/dh_t = sum_{i=t}^{T} (W_hh^T)^{T-i} W_qh^T dL/do_{T+t-i}
    Label.closed("h", case="t", variant="d2l"): ("9.7.15", lambda v: ir.TimeSum(_i, _t, _T, ir.matmul(
        ir.matpow(ir.transpose(v["W_hh"]), _T - _i),
        ir.matmul(ir.transpose(v["W_qh"]), _adj(v["o"], _T + _t - _i))))),
    # dL/dW_hx = sum_t dL/dh_t x_t^T, dL/dW_hh = sum_t dL/dh_t h_{t-1}^T
    Label.gradient("W_hx"): ("9.7.16", lambda v: ir.TimeSum(_t, sympy.Integer(1), _T, ir.matmul(
        _adj(v["h"], _t), ir.transpose(v["x"].at(_t))))),
    Label.gradient("W_hh"): ("9.7.16", lambda v: ir.TimeSum(_t, sympy.Integer(1), _T, ir.matmul(
        _adj(v["h"], _t), ir.transpose(v["h"].at(_t - 1))))),
}


def citation(spec, eq) -> str | None:
    """``'D2L (9.7.14)'`` when the equation ``eq`` is, term for term, the one D2L 9.7 prints."""
    if not getattr(spec, "recurrent", False) or spec.notation != "column" or spec.layers != 1:
        return None
    entry = D2L_97.get(eq.label)
    if entry is None:
        return None
    number, build = entry
    return f"D2L ({number})" if _same(eq.rhs, build(_vars(spec))) else None


def _same(got: ir.Expr, want: ir.Expr) -> bool:
    """Structural equality up to the order of the terms of a sum."""
    if isinstance(got, ir.Add) and isinstance(want, ir.Add):
        return len(got.terms) == len(want.terms) and all(
            any(_same(g, w) for g in got.terms) for w in want.terms)
    if isinstance(got, ir.TimeSum) and isinstance(want, ir.TimeSum):
        return (got.index, ir.as_sym(got.lo), ir.as_sym(got.hi)) == (want.index, ir.as_sym(want.lo), ir.as_sym(want.hi)) \
            and _same(got.body, want.body)
    return got == want
