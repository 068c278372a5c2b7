"""Row notation's closed forms proved for symbolic T, by induction on t from T down to 1.

For ``S_t = sum_{k=t}^{T} r_k ⊙ ⨀_{j=t+1}^{k} g_j`` and the derived recurrence
``dL/dC_t = dL/dC_{t+1} ⊙ g_{t+1} + r_t``, ``dL/dC_T = r_T`` (``closed_rows``):

* base ``t = T``: the sum has the single term ``r_T ⊙ (empty product) = r_T``;
* step: assume ``dL/dC_{t+1} = S_{t+1}``; then ``S_{t+1} ⊙ g_{t+1} + r_t`` equals ``S_t`` after
  peeling the ``k = t`` term off ``S_t`` and moving ``g_{t+1}`` into each product
  ``⨀_{j=t+2}^{k} g_j``, which becomes ``⨀_{j=t+1}^{k} g_j``.

The rewrites are mechanical identities on the ir expressions (``⊙`` distributes over sums and
commutes; a factor in front of a sum over time moves inside it; ``g_{lo-1} ⊙ ⨀_{j=lo} = ⨀_{j=lo-1}``;
an empty product is all ones); the two sides are then compared term by term.
"""

from __future__ import annotations

import sympy

from . import ir
from .closed_rows import hadamard_all, hexpand

HTerm = tuple[sympy.Expr, tuple[ir.Expr, ...]]


def _empty(f: ir.Expr) -> bool:
    return isinstance(f, ir.TimeHadamard) and sympy.simplify(f.hi - f.lo + 1) == 0


def _absorb(factors: tuple[ir.Expr, ...]) -> tuple[ir.Expr, ...]:
    """Drop empty products; merge a factor ``g_{lo-1}`` into ``⨀_{j=lo} g_j``, until nothing changes."""
    out = [f for f in factors if not _empty(f)]
    changed = True
    while changed:
        changed = False
        for i, f in enumerate(out):
            if not isinstance(f, ir.TimeHadamard):
                continue
            before = ir.structural_key(ir.retime(f.body, {f.index: f.lo - 1}))
            hit = next((n for n, g in enumerate(out) if n != i and ir.structural_key(g) == before), None)
            if hit is not None:
                out[i] = ir.TimeHadamard(f.index, sympy.simplify(f.lo - 1), f.hi, f.body)
                del out[hit]
                changed = True
                break
    return tuple(out)


def _expand_into_sums(expr: ir.Expr) -> list[HTerm]:
    """``hexpand`` with every other factor of a term moved inside its sum over time."""
    result: list[HTerm] = []
    for coeff, factors in hexpand(expr):
        idx = next((i for i, f in enumerate(factors) if isinstance(f, ir.TimeSum)), None)
        if idx is None:
            result.append((coeff, _absorb(factors)))
            continue
        s, others = factors[idx], factors[:idx] + factors[idx + 1:]
        body = ir.hadamard(s.body, hadamard_all(sympy.Integer(1), others, s.shape)) if others else s.body
        result.append((coeff, (ir.TimeSum(s.index, s.lo, s.hi, body),)))
    return result


def _key(f: ir.Expr):
    if isinstance(f, ir.TimeSum):
        return ("sum", f.index, sympy.expand(f.lo), sympy.expand(f.hi), tuple(sorted(terms(f.body).items(), key=repr)))
    return ir.structural_key(f)


def terms(expr: ir.Expr) -> dict:
    """Expanded terms (sums over time kept whole with their bodies normalised), with summed coefficients."""
    out: dict = {}
    for coeff, factors in _expand_into_sums(expr):
        key = tuple(sorted((_key(f) for f in factors), key=repr))
        out[key] = out.get(key, 0) + coeff
    return {k: v for k, v in out.items() if v != 0}


def _peel(s: ir.TimeSum) -> ir.Expr:
    """``sum_{k=lo}^{hi} f(k) = f(lo) + sum_{k=lo+1}^{hi} f(k)``."""
    return ir.add(ir.retime(s.body, {s.index: s.lo}), ir.TimeSum(s.index, s.lo + 1, s.hi, s.body))


def _peeled(closed: ir.Expr) -> ir.Expr:
    """The closed form with the first term of its sum over time written apart (the ``k = t`` term)."""
    if isinstance(closed, ir.TimeSum):
        return _peel(closed)
    if isinstance(closed, ir.Add):
        return ir.add(*(_peel(x) if isinstance(x, ir.TimeSum) else x for x in closed.terms))
    return closed


def _at_T(closed: ir.Expr) -> ir.Expr:
    """``S_T``: a sum whose upper bound falls below its lower bound at ``t = T`` is empty."""
    at = ir.retime(closed, {ir.t_SYM: ir.T_SYM})
    parts = at.terms if isinstance(at, ir.Add) else (at,)
    kept = []
    for x in parts:
        count = sympy.simplify(x.hi - x.lo + 1) if isinstance(x, ir.TimeSum) else None
        if count == 1:
            kept.append(ir.retime(x.body, {x.index: x.lo}))
        elif count != 0:
            kept.append(x)
    return ir.add(*kept) if kept else ir.zeros(closed.shape)


def prove_rows(closed: ir.Expr, read) -> tuple[bool, bool, tuple[str, ...]]:
    """Base and step of the induction for a row-notation closed form, given the recurrence ``read``
    (``(rhs, boundary, next)`` of ``closed_forms.layer_recurrence``)."""
    rhs, tail, nxt = read
    base = terms(_at_T(closed)) == terms(tail)
    left = ir.substitute(rhs, {nxt: ir.retime(closed, {ir.t_SYM: ir.t_SYM + 1})})
    step = terms(left) == terms(_peeled(closed))
    return base, step, (
        f"base t = T: S_T equals the boundary case: {'yes' if base else 'NO'}",
        "step: S_{t+1} ⊙ g_{t+1} + r_t = S_t after peeling the k = t term and moving g_{t+1} into each product: "
        + ("yes" if step else "NO"),
    )
