"""Mutators for the mistakes made at one node of the graph or in one index of a closed form.

* ``activation_derivative_dropped``: ``dL/da_t = dL/dh_t`` (the ``f'`` factor left out: tanh'
  of a vanilla RNN, a gate's ``σ'``), so every adjoint before it changes too;
* ``derivative_sign_flipped``: ``σ(1 + σ)`` for ``σ(1 - σ)``, ``1 + h^2`` for ``1 - h^2``;
* ``one_path_only``: a quantity used by several others at the same step (the MLP's ``out_h1``,
  read by ``in_o1`` and ``in_o2``) gets the adjoint of one path only;
* ``power_index_mirrored``: the power sum's exponent counted from the other end
  (``(W^T)^{i-t}`` with ``dL/do_{T+t-i}``), in a closed form of an adjoint.

Each yields :class:`~.edits.Mutant` values, as the generators of ``mutations.py`` do.
"""

from __future__ import annotations

import sympy

from ..core import ir
from ..core.activations import activation
from ..i18n import N_
from .edits import Context, Mutant, safe, show
from .words import msg


def _activations(ctx: Context):
    """``(out, pre, fn)`` of every forward equation ``out = f(pre)`` with a non-identity ``f``."""
    for fwd in ctx.forward:
        if isinstance(fwd.rhs, ir.Apply) and isinstance(fwd.lhs, ir.Var) and fwd.rhs.fn != "identity":
            yield fwd.lhs, fwd.rhs.x, fwd.rhs.fn


def activation_derivative_dropped(ctx: Context):
    for out, pre, fn in _activations(ctx):
        if not isinstance(pre, ir.Var):
            continue
        changes = []
        for eq in ctx.adjoints:
            var = eq.lhs.of
            if (var.name, var.layer) != (pre.name, pre.layer):
                continue
            mine = out.at(var.time) if out.time is not None else out
            if {a.of for a in ir.adjoints(eq.rhs)} == {mine} and eq.rhs != ir.Adjoint(mine):
                changes.append((eq.label, ir.Adjoint(mine)))
        if changes:
            yield Mutant("activation_derivative_dropped", ", ".join(label for label, _ in changes),
                         msg(N_("dL/d{pre} = dL/d{out}: the factor {fn}' left out"), pre=pre.name, out=out.name, fn=fn),
                         tuple(changes), ctx.grad.rhs)


def _flip(expr: ir.Expr) -> ir.Expr:
    """``1 - x`` -> ``1 + x`` (as ``1 - (-x)``, which prints and reads back) everywhere in ``expr``."""
    if isinstance(expr, ir.OneMinus):
        return ir.one_minus(ir.neg(_flip(expr.x)))
    kids = expr.children()
    return expr if not kids else expr.rebuild(tuple(_flip(k) for k in kids))


def derivative_sign_flipped(ctx: Context):
    for out, _pre, fn in _activations(ctx):
        act = activation(fn)
        if act.from_output is None:
            continue
        correct = act.from_output(out)
        wrong = _flip(correct)
        if wrong == correct:
            continue
        for eq in ctx.adjoints:
            mapping = {correct: wrong}
            if out.time is not None and eq.lhs.of.time is not None:
                mapping = {ir.retime(correct, {ir.t_SYM: eq.lhs.of.time}): ir.retime(wrong, {ir.t_SYM: eq.lhs.of.time})}
            new = safe(ir.substitute, eq.rhs, mapping)
            if new is not None and new != eq.rhs:
                shown = show(correct)
                yield Mutant("derivative_sign_flipped", eq.label, msg(N_("{shown} written {wrong}"), shown=shown, wrong=shown.replace('1 - ', '1 + ')),
                             ((eq.label, new),), ctx.grad.rhs)


def one_path_only(ctx: Context):
    from .mutations import later_terms

    for eq in ctx.adjoints:
        later, kept = later_terms(eq)
        if later or len(kept) < 2:
            continue
        for i, term in enumerate(kept):
            dropped = " + ".join(show(t) for j, t in enumerate(kept) if j != i)
            yield Mutant("one_path_only", eq.label, msg(N_("only the path {term}; dropped {dropped}"), term=show(term), dropped=dropped),
                         ((eq.label, term),), ctx.grad.rhs)


def _mirrored(form_rhs: ir.Expr) -> ir.Expr | None:
    """The power sum with each power's exponent in index ``s`` mirrored (``s -> t + T - s``)."""
    for node in ir.walk(form_rhs):
        if not isinstance(node, ir.TimeSum) or node.lo != ir.t_SYM or node.hi != ir.T_SYM:
            continue
        s = node.index
        powers = {p: ir.MatPow(p.x, sympy.expand(sympy.sympify(p.exponent).subs(s, ir.t_SYM + ir.T_SYM - s)))
                  for p in ir.walk(node.body) if isinstance(p, ir.MatPow) and s in sympy.sympify(p.exponent).free_symbols}
        if powers:
            new_body = ir.substitute(node.body, powers)
            return ir.substitute(form_rhs, {node: ir.TimeSum(s, node.lo, node.hi, new_body)})
    return None


def power_index_mirrored(ctx: Context):
    for form in getattr(ctx.derivation, "closed_forms", ()):
        if not isinstance(form.lhs, ir.Adjoint) or form.bounds is None or form.lhs.of.time != ir.t_SYM:
            continue
        new = _mirrored(form.rhs)
        if new is None:
            continue
        var = form.lhs.of
        changes = tuple((eq.label, ir.retime(new, {ir.t_SYM: eq.lhs.of.time})) for eq in ctx.adjoints
                        if (eq.lhs.of.name, eq.lhs.of.layer) == (var.name, var.layer) and eq.lhs.of.time is not None)
        if changes:
            yield Mutant("power_index_mirrored", f"{form.label} ({', '.join(label for label, _ in changes)})",
                         msg(N_("the exponent counted from the other end of the sum")), changes, ctx.grad.rhs)
