"""Segments of the planned pass as blocks: one statement over every step, or a loop over time.

A loop's loop-free part (``X_t W_xh + b_h``, ``dL/dYhat_t W_hq^T``) is one product over every step
before the loop, which then adds the recurrent part with ``+=``, both citing the same label; an
activation a loop body needs twice is computed once per step.
"""

from __future__ import annotations

from dataclasses import replace

import sympy

from ..core import ir
from ..core.labels import Equation
from ..printing.numpy_code import NumPyCodePrinter, TimeMode, adjoint_code, name_code, time_code
from .fusion import Fusion, find, fuse_adjoint_terms
from .layout import at_step
from .planner import (
    LARGE,
    Planner,
    by_template,
    cases,
    condition,
    emit,
    is_loop,
    lhs_var,
    loop_bounds,
)
from .program import Block, Branch, Statement
from .rows import width


def blocks(p: Planner, segs, adjoint: bool, backward: bool) -> list[Block]:
    """One block per segment (two when a loop has a hoisted part)."""
    out: list[Block] = []
    for seg in segs:
        eqs = cases(seg)
        if is_loop(eqs, adjoint):
            out.extend(_loop(p, eqs, adjoint, backward))
            continue
        if len(eqs) == 1 and eqs[0].bounds is not None and eqs[0].bounds[0] != eqs[0].bounds[1]:
            mode = TimeMode("flat", ir.t_SYM, *eqs[0].bounds)  # every step at once
        else:
            mode = TimeMode()
        stmts = [s for e in eqs for s in emit(p, lhs_var(e, adjoint), adjoint, e.label, p.terms(e), mode)]
        out.append(Block(None, (Branch(None, tuple(stmts)),)))
    return out


def _loop(p: Planner, eqs: list[Equation], adjoint: bool, backward: bool) -> list[Block]:
    loop_lo, loop_hi = loop_bounds(eqs)
    if backward:
        header = f"for t in range({time_code(loop_hi)}, {time_code(loop_lo - 1)}, -1):"
    else:
        header = f"for t in range({time_code(loop_lo)}, {time_code(loop_hi + 1)}):"
    groups = by_template(eqs, adjoint)
    before: list[Statement] = []
    plans = []  # (equation, its variable, the terms the loop computes, whether a hoisted part is there)
    for group in groups.values():
        hoisted = _hoist(p, group, adjoint, set(groups)) if p.hoist else None
        if hoisted:
            before.extend(hoisted[0])
        for e in group:
            plans.append((e, lhs_var(e, adjoint), hoisted[1][e.label] if hoisted else p.terms(e), bool(hoisted)))
    if adjoint and p.fusions:
        plans = [(e, var, fuse_adjoint_terms(p.fusions, terms), acc) for e, var, terms, acc in plans]
    shared, shared_stmts = _shared_activations([(e.label, t) for e, _, terms, _ in plans for t in terms])
    shared.update(_local_mapping(p, groups) if adjoint else {})
    branches: list[Branch] = [Branch(None, tuple(shared_stmts))] if shared_stmts else []
    first_of: set = set()
    fused_at, fused_rest = ({}, set()) if adjoint else _fused_plans(p, plans)
    for i, (e, var, terms, accumulate) in enumerate(plans):
        if i in fused_at:  # one product for every gate of the fusion, where its first gate's was
            f = fused_at[i]
            stmts = [Statement(f"{NumPyCodePrinter().code(f.array.at(ir.t_SYM))}", "+=",
                               NumPyCodePrinter().code(f.forward_term()), ", ".join(f.labels))]
        else:
            stmts = [] if i in fused_rest else emit(p, var, adjoint, e.label, terms, TimeMode(), shared, accumulate)
            stmts = ([] if adjoint else p.product_statements(e)) + stmts
        cond = condition(e.bounds, loop_lo, loop_hi)
        key = (var.name, var.layer)
        head = None
        if cond is not None and stmts:
            head = ("elif " if key in first_of else "if ") + cond + ":"
            first_of.add(key)
        if stmts:
            branches.append(Branch(head, tuple(stmts)))
        elif i not in fused_rest:
            continue
        last_of_template = all((v.name, v.layer) != key for _, v, _, _ in plans[i + 1:])
        if not adjoint and last_of_template:
            store = p.store_statements(var)
            if store:
                branches.append(Branch(None, tuple(store)))
    hoisted_block = [Block(None, (Branch(None, tuple(before)),))] if before else []
    return hoisted_block + [Block(header, tuple(branches))]


def _fused_plans(p: Planner, plans) -> tuple[dict[int, Fusion], set[int]]:
    """Which plans of this forward loop a fusion replaces: ``({first member: fusion}, the others)``."""
    first: dict[int, Fusion] = {}
    rest: set[int] = set()
    for fusion in p.fusions:
        idx = [i for i, (_, var, _, _) in enumerate(plans) if (var.name, var.layer) in fusion.members]
        if len(idx) == len(fusion.members):
            first[idx[0]] = fusion
            rest.update(idx[1:])
    return first, rest


def fusions(p: Planner, segs, taken: set[str]) -> list[Fusion]:
    """Gate templates of a forward loop whose loop part is a product of one shared source
    (``H_{t-1} W_hi``, ``H_{t-1} W_hf``, ...): the fusions :mod:`.fusion` finds among them."""
    out: list[Fusion] = []
    if not p.hoist:
        return out
    for seg in segs:
        eqs = cases(seg)
        if not is_loop(eqs, False):
            continue
        loop_lo, loop_hi = loop_bounds(eqs)
        groups = by_template(eqs, False)
        candidates = []
        for group in groups.values():
            e = group[0]
            if len(group) != 1 or condition(e.bounds, loop_lo, loop_hi) is not None:
                continue
            if _hoist(p, group, False, set(groups)):
                loop_terms = [t for t in p.terms(e) if _depends(t, set(groups), False)]
                candidates.append((lhs_var(e, False), e.label, loop_terms, width(lhs_var(e, False), p.row)))
        out.extend(find(candidates, taken))
    return out


def _local_mapping(p: Planner, groups: dict) -> dict:
    """``dL/dI_t`` -> the per-step local ``d_I`` for this loop's local adjoints."""
    mapping: dict[ir.Expr, ir.Expr] = {}
    for key, group in groups.items():
        if key in p.locals:
            lhs = group[0].lhs.of
            row_lhs = lhs if p.row else replace(lhs, shape=(lhs.shape[1], lhs.shape[0]))
            mapping[ir.Adjoint(row_lhs)] = ir.Var(adjoint_code(lhs), row_lhs.shape, "node")
    return mapping


def _shared_activations(terms: list[tuple[str, ir.Expr]]) -> tuple[dict, list[Statement]]:
    """An activation of a step-``t`` quantity used twice or more in one loop body is computed once.

    The derivation writes ``1 - tanh(C_t) ⊙ tanh(C_t)`` and ``dL/dH_t ⊙ tanh(C_t)``: the loop
    computes ``tanh_C = np.tanh(C[t])`` first (citing the equations that share it).
    """
    counts: dict[ir.Expr, list[str]] = {}
    for label, term in terms:
        for node in ir.walk(term):
            if (isinstance(node, (ir.Apply, ir.DerivApply)) and isinstance(node.x, ir.Var) and node.fn != "identity"
                    and node.x.time is not None and sympy.sympify(node.x.time) == ir.t_SYM):
                counts.setdefault(node, []).append(label)
    mapping: dict[ir.Expr, ir.Expr] = {}
    statements: list[Statement] = []
    for node, labels in counts.items():
        if len(labels) < 2:
            continue
        prefix = node.fn if isinstance(node, ir.Apply) else f"{node.fn}_grad"
        name = f"{prefix}_{name_code(node.x)}"
        mapping[node] = ir.Var(name, node.shape, "node")
        cited = ", ".join(dict.fromkeys(labels))
        statements.append(Statement(name, "=", NumPyCodePrinter().code(node), f"shared by {cited}"))
    return mapping, statements


# --------------------------------------------------------------------------- hoisting out of the loop


def _depends(term: ir.Expr, internal: set, adjoint: bool) -> bool:
    """Does ``term`` read a quantity that this loop computes (so it must stay in the loop)?"""
    for node in ir.walk(term):
        if adjoint and isinstance(node, ir.Adjoint) and (node.of.name, node.of.layer) in internal:
            return True
        if not adjoint and isinstance(node, ir.Var) and (node.name, node.layer) in internal:
            return True
    return False


def _to_generic(expr: ir.Expr, bound) -> ir.Expr:
    """A fixed-step case written at ``t``: the step ``bound`` becomes ``t`` (``T - 1`` -> ``t - 1``)."""

    def leaf(node):
        var = node.of if isinstance(node, ir.Adjoint) else node
        if var.time is not None and ir.t_SYM not in sympy.sympify(var.time).free_symbols:
            var = replace(var, time=ir.t_SYM + (sympy.sympify(var.time) - bound))
        return ir.Adjoint(var) if isinstance(node, ir.Adjoint) else var

    return ir.map_leaves(expr, leaf)


def _free_terms(p: Planner, e: Equation, internal: set, adjoint: bool) -> list[ir.Expr]:
    """The loop-free terms of one case, written at ``t`` when the case is a fixed step."""
    free = [term for term in p.terms(e) if not _depends(term, internal, adjoint)]
    lo, hi = e.bounds
    return [_to_generic(term, lo) for term in free] if lo == hi else free


def _hoist(p: Planner, group: list[Equation], adjoint: bool, internal: set):
    """Split a template's cases into a part computed for all steps at once and a per-step part.

    ``X_t W_xi + b_i`` does not depend on the loop: it becomes one product over every step
    before the loop, and the loop adds ``H_{t-1} W_hi``. Likewise ``dL/dYhat_t W_hq^T`` in
    ``dL/dH_t``. Done only when every case of the template has the same loop-free part.
    Returns ``(statements before the loop, {label: terms left in the loop})`` or ``None``.
    """
    generic = [sorted(_free_terms(p, e, internal, adjoint), key=repr) for e in group]
    loop_terms = {e.label: [t for t in p.terms(e) if _depends(t, internal, adjoint)] for e in group}
    if not generic[0] or any(g != generic[0] for g in generic):
        return None
    if all(not terms for terms in loop_terms.values()) and len(group) == 1:
        return None  # nothing would stay in the loop: the planner vectorises such a template itself
    lo = min((e.bounds[0] for e in group), key=lambda b: at_step(b, LARGE))
    hi = max((e.bounds[1] for e in group), key=lambda b: at_step(b, LARGE))
    first = group[0]
    var = lhs_var(first, adjoint)
    if first.bounds[0] == first.bounds[1]:
        var = replace(var, time=ir.t_SYM)
    label = ", ".join(e.label for e in group)
    free = _free_terms(p, first, internal, adjoint)
    before = emit(p, var, adjoint, label, free, TimeMode("flat", ir.t_SYM, lo, hi))
    return before, loop_terms
