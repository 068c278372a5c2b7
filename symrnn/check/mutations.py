"""The mistakes of ``symrnn.core.mistakes.MISTAKES`` as mutations of a correct derivation.

A :class:`Mutant` is the derivation with one mistake made: some generic adjoint equations
and/or the gradient equation rewritten. Its value on an instance is what a person making that
mistake would get: the (possibly mutated) adjoint recurrence is run from the loss back
(``numeric.generic_sweep``) and the (possibly mutated) gradient evaluated on it. A wrong answer
whose values equal a mutant's on every instance is diagnosed as that mistake.

One generator per mistake id (a table, :data:`MUTATORS`); each yields mutants at every site
where the mistake can be made (every transpose that can be dropped, every product that can be
swapped, ...), with the tree edits of ``edits.py``. Mutants that cannot be built (shapes),
cannot be evaluated (an index out of range) or equal the correct gradient are dropped by
``diagnose.mutant_table``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import sympy

from ..core import ir
from ..core.activations import activation
from ..core.derive import Derivation
from ..core.labels import Equation
from ..core.mistakes import MISTAKES
from ..i18n import N_
from .edits import Context, Mutant, changed, closed_form_sites, safe, show, sites, variants
from .mutations_local import activation_derivative_dropped, derivative_sign_flipped, one_path_only, power_index_mirrored
from .words import msg

__all__ = ["MUTATORS", "Context", "Mutant", "candidates"]


def missing_transpose(ctx: Context):
    def edit(e):
        return [e.x] if isinstance(e, ir.Transpose) else []

    yield from sites(ctx, edit, "missing_transpose", changed)


def row_column_mixed(ctx: Context):
    def edit(e):
        if isinstance(e, ir.MatMul):
            swapped = safe(ir.matmul, e.right, e.left)
            return [swapped] if swapped is not None else []
        return []

    yield from sites(ctx, edit, "row_column_mixed", changed)
    flipped = _transposed_sum(ctx.grad.rhs)
    if ctx.grad.kind == "jacobian" and ctx.grad.rhs.rows == ctx.grad.rhs.cols:
        yield Mutant("row_column_mixed", ctx.grad.label, msg(N_("the Jacobian transposed (its rows are the quantity's entries)")),
                     (), ir.transpose(ctx.grad.rhs))
    if flipped is not None:
        yield Mutant("row_column_mixed", ctx.grad.label, msg(N_("the gradient transposed (x delta^T instead of delta x^T)")), (), flipped)


def _transposed_sum(expr: ir.Expr) -> ir.Expr | None:
    if isinstance(expr, ir.TimeSum):
        inner = _transposed_sum(expr.body)
        return None if inner is None else ir.TimeSum(expr.index, expr.lo, expr.hi, inner)
    if isinstance(expr, ir.MatMul):
        return safe(ir.matmul, ir.transpose(expr.right), ir.transpose(expr.left))
    return None


def later_terms(eq: Equation) -> tuple[list[ir.Expr], list[ir.Expr]]:
    """Split an adjoint rhs into terms through later steps and the others."""
    lhs_time = eq.lhs.of.time
    terms = eq.rhs.terms if isinstance(eq.rhs, ir.Add) else (eq.rhs,)
    later, kept = [], []
    for term in terms:
        times = [a.of.time for a in ir.adjoints(term) if a.of.time is not None]
        if lhs_time is not None and any(sympy.simplify(t - lhs_time).is_positive for t in times):
            later.append(term)
        else:
            kept.append(term)
    return later, kept


def _dropped_recurrence(ctx: Context, cell_state: bool):
    for eq in ctx.adjoints:
        var = eq.lhs.of
        is_cell = var.meaning is not None and var.meaning.kind == "memory"
        if is_cell != cell_state:
            continue
        later, kept = later_terms(eq)
        if later and kept:
            new = ir.add(*kept)
            yield Mutant("lstm_cell_path_dropped" if cell_state else "missing_recurrent_term", eq.label,
                         msg(N_("dropped {terms}"), terms=" + ".join(show(t) for t in later)), ((eq.label, new),), ctx.grad.rhs)


def missing_recurrent_term(ctx: Context):
    yield from _dropped_recurrence(ctx, False)


def lstm_cell_path_dropped(ctx: Context):
    yield from _dropped_recurrence(ctx, True)


def wrong_activation_derivative(ctx: Context):
    for fwd in ctx.forward:
        if not isinstance(fwd.rhs, ir.Apply) or not isinstance(fwd.lhs, ir.Var):
            continue
        fn, out, pre = fwd.rhs.fn, fwd.lhs, fwd.rhs.x
        act = activation(fn)
        if act.from_output is None:
            correct = ir.DerivApply(fn, pre)
            wrongs = [(ir.DerivApply(fn, out), msg(N_("{fn}' applied to the activation {out}"), fn=fn, out=show(out)))]
        else:
            correct = act.from_output(out)
            wrongs = [(ir.DerivApply(fn, out), msg(N_("{fn}' applied to the activation {out} instead of {pre}"),
                                                    fn=fn, out=show(out), pre=show(pre)))]
            if out.time is not None:
                prev = out.at(out.time - 1)
                wrongs.append((act.from_output(prev), msg(N_("the derivative written with {prev} instead of {out}"),
                                                          prev=show(prev), out=show(out))))
            if isinstance(pre, ir.Var):
                wrongs.append((act.from_output(pre), msg(N_("the output form of {fn}' written with the pre-activation {pre}"),
                                                         fn=fn, pre=show(pre))))
        for eq in ctx.adjoints:
            for wrong, text in wrongs:
                new = safe(ir.substitute, eq.rhs, {correct: wrong})
                if new is not None and new != eq.rhs:
                    yield Mutant("wrong_activation_derivative", eq.label, text, ((eq.label, new),), ctx.grad.rhs)


def _has_target(expr: ir.Expr) -> bool:
    return any(isinstance(v, ir.Var) and v.role == "target" for v in ir.walk(expr))


def sign_error(ctx: Context):
    for eq in ctx.adjoints:
        if _has_target(eq.rhs):
            yield Mutant("sign_error", eq.label, msg(N_("{expr} with the opposite sign"), expr=show(eq.rhs)), ((eq.label, ir.neg(eq.rhs)),), ctx.grad.rhs)


def off_by_one(ctx: Context):
    def edit(e):
        out = []
        if isinstance(e, (ir.TimeSum, ir.TimeProduct, ir.TimeHadamard)):
            for lo, hi in ((e.lo + 1, e.hi), (e.lo - 1, e.hi), (e.lo, e.hi + 1), (e.lo, e.hi - 1)):
                out.append(type(e)(e.index, lo, hi, e.body))
        if isinstance(e, ir.MatPow):
            out.extend([ir.MatPow(e.x, e.exponent + 1), ir.MatPow(e.x, e.exponent - 1)])
        return out

    def describe(old, rep):
        if isinstance(rep, ir.MatPow):
            return msg(N_("power {old} -> {new}"), old=old.exponent, new=rep.exponent)
        return msg(N_("sum from {lo} to {hi} -> from {new_lo} to {new_hi}"), lo=old.lo, hi=old.hi, new_lo=rep.lo, new_hi=rep.hi)

    yield from sites(ctx, edit, "off_by_one", describe)
    yield from closed_form_sites(ctx, edit, "off_by_one", describe)


def missing_mean(ctx: Context):
    def strip(e: ir.Expr) -> ir.Expr:
        if isinstance(e, ir.Scale) and ir.T_SYM in sympy.sympify(e.factor).free_symbols:
            rest = sympy.sympify(e.factor).subs(ir.T_SYM, 1)
            return ir.scale(rest, strip(e.x))
        kids = e.children()
        return e if not kids else e.rebuild(tuple(strip(k) for k in kids))

    edited = []
    for eq in ctx.adjoints:
        new = strip(eq.rhs)
        if new != eq.rhs:
            edited.append((eq.label, new))
    grad = strip(ctx.grad.rhs)
    if edited or grad != ctx.grad.rhs:
        where = ", ".join([label for label, _ in edited] + ([ctx.grad.label] if grad != ctx.grad.rhs else []))
        yield Mutant("missing_mean", where, msg(N_("the factor 1/T dropped")), tuple(edited), grad)


def _is_bias(ctx: Context) -> bool:
    lhs = ctx.grad.lhs
    var = lhs.of if isinstance(lhs, ir.Adjoint) else lhs
    return isinstance(var, ir.Var) and var.meaning is not None and var.meaning.kind == "bias"


def _last_step_only(ctx: Context, mistake: str):
    rhs = ctx.grad.rhs
    sums = [e for e in ir.walk(rhs) if isinstance(e, ir.TimeSum)]
    for s in sums:
        for at in (s.hi,):
            body = ir.retime(s.body, {s.index: at})
            new = ir.substitute(rhs, {s: body})
            yield Mutant(mistake, ctx.grad.label, msg(N_("only the term at {index} = {at} of the sum"), index=s.index, at=at), (), new)


def shared_weights_not_summed(ctx: Context):
    if not _is_bias(ctx):
        yield from _last_step_only(ctx, "shared_weights_not_summed")


def bias_not_summed(ctx: Context):
    if not _is_bias(ctx):
        return
    yield from _last_step_only(ctx, "bias_not_summed")

    def edit(e):
        return [e.x] if isinstance(e, ir.SumRows) else []

    for new, old, rep in variants(ctx.grad.rhs, edit):
        yield Mutant("bias_not_summed", ctx.grad.label, msg(N_("not summed over the batch (rows)")), (), new)


def _signal_templates(ctx: Context) -> tuple[set, set]:
    """Adjoint signals and inputs that appear in the derivation's gradient equations."""
    signals, inputs = set(), set()
    for eq in ctx.derivation.generic_gradients:
        for node in ir.walk(eq.rhs):
            if isinstance(node, ir.Adjoint):
                signals.add(node.of)
            elif isinstance(node, ir.Var) and node.role != "param":
                inputs.add(node)
    return signals, inputs


def wrong_signal_pairing(ctx: Context):
    signals, inputs = _signal_templates(ctx)

    def edit(e):
        out = []
        if isinstance(e, ir.Adjoint):
            for other in sorted(signals, key=lambda v: (v.name, v.layer or 0, str(v.time))):
                if (other.name, other.layer) != (e.of.name, e.of.layer) and other.shape == e.of.shape:
                    out.append(ir.Adjoint(other.at(e.of.time) if other.time is not None and e.of.time is not None else other))
        elif isinstance(e, ir.Var) and e.role != "param" and e.time is not None:
            out.extend([e.at(e.time + 1), e.at(e.time - 1)])
            for other in sorted(inputs, key=lambda v: (v.name, v.layer or 0, str(v.time))):
                if (other.name, other.layer) != (e.name, e.layer) and other.shape == e.shape and other.time is not None:
                    out.append(other)
        return out

    yield from sites(ctx, edit, "wrong_signal_pairing", changed, include_adjoints=False)

    def local_edit(e):
        """``dL/dC_t ⊙ C_{t-1}`` paired with the wrong step: ``dL/dC_t ⊙ C_t``."""
        if not isinstance(e, ir.Hadamard):
            return []
        out = []
        for mine, other, rebuild in ((e.left, e.right, lambda v: ir.hadamard(v, e.right)),
                                     (e.right, e.left, lambda v: ir.hadamard(e.left, v))):
            if isinstance(mine, ir.Var) and mine.role != "param" and mine.time is not None and ir.adjoints(other):
                out.extend(rebuild(mine.at(mine.time + d)) for d in (1, -1))
        return out

    yield from sites(ctx, local_edit, "wrong_signal_pairing", changed, include_grad=False)


def diag_wrong_side(ctx: Context):
    """``W^T (f'_{t+1} ⊙ g)`` written ``f'_{t+1} ⊙ (W^T g)``: the diagonal on the wrong side."""
    local = {}
    for eq in ctx.adjoints:
        rhs = eq.rhs
        if isinstance(rhs, ir.Hadamard):
            left, right = rhs.left, rhs.right
            if isinstance(left, ir.Adjoint) and not ir.adjoints(right):
                local[(eq.lhs.of.name, eq.lhs.of.layer)] = (eq.lhs.of.time, left, right)

    def edit(e):
        if not isinstance(e, ir.MatMul):
            return []
        for adj_side in ("right", "left"):
            adj = getattr(e, adj_side)
            other = e.left if adj_side == "right" else e.right
            if not isinstance(adj, ir.Adjoint) or isinstance(other, ir.Adjoint):
                continue
            found = local.get((adj.of.name, adj.of.layer))
            if found is None or found[0] is None or adj.of.time is None:
                continue
            t0, g, d = found
            mapping = {ir.t_SYM: adj.of.time} if t0 == ir.t_SYM else None
            if mapping is None:
                continue
            g2, d2 = ir.retime(g, mapping), ir.retime(d, mapping)
            inner = safe(ir.matmul, other, g2) if adj_side == "right" else safe(ir.matmul, g2, other)
            if inner is None or inner.shape != d2.shape:
                continue
            return [ir.hadamard(d2, inner)]
        return []

    yield from sites(ctx, edit, "diag_wrong_side", changed)


def elementwise_matmul_confused(ctx: Context):
    def edit(e):
        if isinstance(e, ir.Hadamard):
            m = safe(ir.matmul, e.left, e.right)
            return [m] if m is not None and m.shape == e.shape and e.shape != (1, 1) else []
        if isinstance(e, ir.MatMul) and e.left.shape == e.right.shape and e.shape != (1, 1):
            return [ir.hadamard(e.left, e.right)]
        return []

    yield from sites(ctx, edit, "elementwise_matmul_confused", changed)


def output_nonlinearity_twice(ctx: Context):
    spec = ctx.derivation.spec
    if getattr(spec, "loss", "") != "softmax_ce":
        return
    for eq in ctx.adjoints:
        for node in ir.walk(eq.rhs):
            if isinstance(node, ir.Softmax):
                p = ir.Softmax(node.x, node.axis)
                factor = ir.hadamard(p, ir.one_minus(p))
                yield Mutant("output_nonlinearity_twice", eq.label, msg(N_("p - y multiplied by p (1 - p) again")),
                             ((eq.label, ir.hadamard(eq.rhs, factor)),), ctx.grad.rhs)
                break


MUTATORS: dict[str, Callable[[Context], Iterator[Mutant]]] = {
    "missing_transpose": missing_transpose,
    "row_column_mixed": row_column_mixed,
    "missing_recurrent_term": missing_recurrent_term,
    "wrong_activation_derivative": wrong_activation_derivative,
    "sign_error": sign_error,
    "off_by_one": off_by_one,
    "missing_mean": missing_mean,
    "shared_weights_not_summed": shared_weights_not_summed,
    "wrong_signal_pairing": wrong_signal_pairing,
    "diag_wrong_side": diag_wrong_side,
    "elementwise_matmul_confused": elementwise_matmul_confused,
    "bias_not_summed": bias_not_summed,
    "output_nonlinearity_twice": output_nonlinearity_twice,
    "lstm_cell_path_dropped": lstm_cell_path_dropped,
    "activation_derivative_dropped": activation_derivative_dropped,
    "derivative_sign_flipped": derivative_sign_flipped,
    "one_path_only": one_path_only,
    "power_index_mirrored": power_index_mirrored,
}
"""One mutation generator per mistake of ``symrnn.core.mistakes.MISTAKES`` (a test checks both match)."""


def candidates(derivation: Derivation, grad: Equation) -> list[Mutant]:
    """Every mutant of ``grad`` (and of the adjoint equations it uses), in the order of MISTAKES."""
    ctx = Context(derivation, grad)
    out: list[Mutant] = []
    seen = set()
    for mistake in MISTAKES:
        for m in MUTATORS[mistake](ctx):
            key = (m.mistake, m.adjoints, m.gradient)
            if key in seen:
                continue
            seen.add(key)
            out.append(m)
    return out
