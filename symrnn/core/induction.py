"""The closed forms proved for symbolic T, by induction on t from T down to 1.

For ``S_t = sum_{k=t}^{T} P_{t,k} r_k`` (``P_{t,k} = (W_hh^T)^{k-t}`` or the product of
``W_hh^T diag(f'(a_j))`` for ``j = t+1..k``) and the derived recurrence
``dL/dh_t = J_{t+1} dL/dh_{t+1} + r_t``, ``dL/dh_T = r_T``:

* base ``t = T``: ``S_T`` has the single term ``P_{T,T} r_T = r_T``;
* step: assume ``dL/dh_{t+1} = S_{t+1}``; then ``J_{t+1} S_{t+1} + r_t`` equals ``S_t`` after
  peeling the ``k = t`` term off ``S_t`` (valid for ``t <= T``) and absorbing ``J_{t+1}`` into
  each ``P_{t+1,k}``.

Every rewrite is one of a few identities applied mechanically to the ir expressions (peel the
first term of a sum, move a factor into a sum, ``J J^e = J^{e+1}``, prepend a factor to a product,
an empty product is the identity); the two sides are then compared term by term.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy

from . import ir
from .closed_forms import K, expand, layer_recurrence
from .induction_rows import prove_rows
from .labels import Kind

Term = tuple[sympy.Expr, tuple[ir.Expr, ...]]


@dataclass(frozen=True)
class InductionResult:
    label: str
    base: bool
    step: bool
    steps: tuple[str, ...]

    @property
    def proved(self) -> bool:
        return self.base and self.step


def _peel(s: ir.TimeSum) -> tuple[ir.Expr, ir.TimeSum]:
    """``sum_{k=lo}^{hi} f(k) = f(lo) + sum_{k=lo+1}^{hi} f(k)``."""
    first = ir.retime(s.body, {s.index: s.lo})
    return first, ir.TimeSum(s.index, s.lo + 1, s.hi, s.body)


def _normalize_factors(factors: tuple[ir.Expr, ...]) -> tuple[ir.Expr, ...]:
    """Merge ``J J^e -> J^{e+1}``, prepend ``J_{lo-1}`` to ``prod_{j=lo}``, drop identities."""
    out: list[ir.Expr] = []
    for f in factors:
        f = _simplify_factor(f)
        if f is None:
            continue
        if isinstance(f, ir.TimeProduct):
            before = expand(ir.retime(f.body, {f.index: f.lo - 1}))
            if len(before) == 1 and before[0][0] == 1:
                m = len(before[0][1])
                if len(out) >= m and all(_same(a, b) for a, b in zip(out[-m:], before[0][1])):
                    del out[-m:]
                    out.append(ir.TimeProduct(f.index, sympy.simplify(f.lo - 1), f.hi, f.body))
                    continue
        if out:
            merged = _merge(out[-1], f)
            if merged is not None:
                out.pop()
                if not ir.is_identity(merged):
                    out.append(merged)
                continue
        out.append(f)
    return tuple(out)


def _simplify_factor(f: ir.Expr) -> ir.Expr | None:
    if isinstance(f, ir.MatPow) and sympy.simplify(f.exponent) == 0:
        return None
    if isinstance(f, ir.TimeProduct) and sympy.simplify(f.hi - f.lo + 1) == 0:
        return None  # the empty product
    if ir.is_identity(f):
        return None
    return f


def _merge(left: ir.Expr, right: ir.Expr) -> ir.Expr | None:
    base_l, exp_l = (left.x, left.exponent) if isinstance(left, ir.MatPow) else (left, sympy.Integer(1))
    base_r, exp_r = (right.x, right.exponent) if isinstance(right, ir.MatPow) else (right, sympy.Integer(1))
    if base_l == base_r and not isinstance(base_l, ir.TimeProduct):
        return ir.matpow(base_l, sympy.simplify(exp_l + exp_r))
    if isinstance(right, ir.TimeProduct):
        before = ir.retime(right.body, {right.index: right.lo - 1})
        if _same(before, left):
            return ir.TimeProduct(right.index, sympy.simplify(right.lo - 1), right.hi, right.body)
    return None


def _same(a: ir.Expr, b: ir.Expr) -> bool:
    return ir.structural_key(a) == ir.structural_key(b)


def _terms(expr: ir.Expr) -> dict:
    """Expanded terms (sums over time kept whole, bodies normalised) with summed coefficients."""
    out: dict = {}
    for coeff, factors in _expand_into_sums(expr):
        key = tuple(ir.structural_key(f) for f in _normalize_factors(factors))
        out[key] = sympy.simplify(out.get(key, 0) + coeff)
    return {k: v for k, v in out.items() if v != 0}


def _expand_into_sums(expr: ir.Expr) -> list[Term]:
    """Like ``closed_forms.expand`` but a factor in front of a time sum moves inside it."""
    result: list[Term] = []
    for coeff, factors in expand(expr):
        idx = next((i for i, f in enumerate(factors) if isinstance(f, ir.TimeSum)), None)
        if idx is None:
            result.append((coeff, factors))
            continue
        s = factors[idx]
        prefix, suffix = factors[:idx], factors[idx + 1 :]
        inner = []
        for c, body in _expand_into_sums(s.body):
            inner.append((c, _normalize_factors(prefix + body + suffix)))
        product = _rebuild(inner, s.shape if not suffix else (s.shape[0], suffix[-1].shape[1]))
        result.append((coeff, (ir.TimeSum(s.index, s.lo, s.hi, product),)))
    return result


def _rebuild(terms, shape) -> ir.Expr:
    parts = []
    for coeff, factors in terms:
        prod = None
        for f in factors:
            prod = f if prod is None else ir.MatMul(prod, f)
        parts.append(ir.scale(coeff, prod if prod is not None else ir.eye(shape[0])))
    return ir.add(*parts)


def _sum_and_tail(expr: ir.Expr) -> tuple[ir.TimeSum, ir.Expr] | None:
    """``sum_{k=t}^{T-1} f(k) + g`` split into its sum and the tail ``g`` (a GRU's form: the remainder
    of step k reads step k+1, so the last step's term stands apart), else ``None``."""
    if not isinstance(expr, ir.Add) or len(expr.terms) != 2:
        return None
    sums = [x for x in expr.terms if isinstance(x, ir.TimeSum)]
    if len(sums) != 1 or sums[0].hi != ir.T_SYM - 1:
        return None
    return sums[0], next(x for x in expr.terms if x is not sums[0])


def prove_by_induction(derivation, eq) -> InductionResult | None:
    """Prove a closed form of a state's adjoint (``dL/dh_t`` of any layer, an LSTM's ``dL/dc_t``, a GRU's
    ``dL/dh_t``) for every T >= 1, or ``None`` where it does not apply."""
    label = eq.label
    if not (label.kind is Kind.CLOSED and label.case == "t") or not isinstance(eq.lhs, ir.Adjoint):
        return None
    t, T = ir.t_SYM, ir.T_SYM
    read = layer_recurrence(derivation, label.layer, eq.lhs.of.name)
    if read is None:
        return None
    if derivation.spec.notation == "row":
        return InductionResult(eq.label, *prove_rows(eq.rhs, read))
    rhs, tail, h_next = read
    closed = eq.rhs
    if eq.label.variant == "d2l":
        # D2L's index i = T + t - k: the same sum read backwards; reindex to k first.
        i = eq.rhs.index
        closed = ir.TimeSum(K, t, T, ir.retime(eq.rhs.body, {i: T + t - K}))
    steps = []
    at_T = ir.retime(closed, {t: T})
    split = _sum_and_tail(at_T)
    if split is not None:  # sum_{k=t}^{T-1} ... + P_{t,T} r_T: at t = T the sum is empty
        base_lhs = split[1]
    else:
        base_lhs = _peel(at_T)[0] if isinstance(at_T, ir.TimeSum) else at_T
    base = _terms(base_lhs) == _terms(tail)
    steps.append(f"base t = T: S_T has one term, equal to dL/dh_T: {'yes' if base else 'NO'}")
    hypothesis = ir.retime(closed, {t: t + 1})
    left = ir.substitute(rhs, {h_next: hypothesis})
    parts = _sum_and_tail(closed)
    if parts is not None:
        right = ir.add(*_peel(parts[0]), parts[1])
    else:
        right = ir.add(*_peel(closed)) if isinstance(closed, ir.TimeSum) else closed
    step = _terms(left) == _terms(right)
    steps.append(
        "step: J_{t+1} S_{t+1} + r_t = S_t after peeling the k = t term and absorbing J_{t+1}: "
        + ("yes" if step else "NO")
    )
    return InductionResult(eq.label, base, step, tuple(steps))
