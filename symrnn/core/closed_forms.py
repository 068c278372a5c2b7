"""Closed forms, derived from the recurrence rather than typed in.

For a one-layer vanilla RNN in column notation the generic recurrence reads
``dL/dh_t = J_{t+1} dL/dh_{t+1} + r_t`` (``t < T``) with ``dL/dh_T = r_T``, where the Jacobian
factor ``J`` and the remainder ``r`` are *read off the derived equations*: with the identity
activation ``J = W_hh^T``; otherwise the activation's adjoint ``dL/da ⊙ f'`` is rewritten as
``diag(f') dL/da`` and ``J_j = W_hh^T diag(f'(a_j))``. Unrolling the recurrence gives

    dL/dh_t = sum_{k=t}^{T} (prod_{j=t+1}^{k} J_j) r_k,

which for a constant ``J`` is the power sum ``sum_{k=t}^{T} (W_hh^T)^{k-t} W_qh^T dL/do_k`` and,
with ``k = T + t - i``, D2L's (9.7.15). :func:`check_against_recurrence` proves each closed form
equal, term by term, to the concrete recurrence substituted into itself for a given T, and
``prove.py`` checks them numerically against ``sympy.diff``. For the scalar RNN the seed's factor
``dh_T/dh_1 = w_hh^{T-1}`` is the product of the local Jacobians ``dh_k/dh_{k-1}``.
"""

from __future__ import annotations

from collections.abc import Iterable

import sympy

from . import ir
from .closed_rows import hcanonical, instantiate_product, row_closed_forms
from .labels import Equation, Label
from .rules import backprop

Term = tuple[sympy.Expr, tuple[ir.Expr, ...]]

K = ir.INDEX_SYMBOLS["k"]
J_INDEX = ir.INDEX_SYMBOLS["j"]
I_INDEX = ir.INDEX_SYMBOLS["i"]

# The closed forms of dL/dh_t: reindexed by k (ours) and by D2L's i = T + t - k (9.7.15).
CLOSED_STATE = Label.closed("h", case="t")
CLOSED_STATE_D2L = Label.closed("h", case="t", variant="d2l")


# --------------------------------------------------------------------------- term algebra


def expand(expr: ir.Expr) -> list[Term]:
    """Distribute matrix products over sums: a list of ``(coefficient, factors)``."""
    if isinstance(expr, ir.Add):
        return [term for part in expr.terms for term in expand(part)]
    if isinstance(expr, ir.Neg):
        return [(-c, f) for c, f in expand(expr.x)]
    if isinstance(expr, ir.Scale):
        return [(expr.factor * c, f) for c, f in expand(expr.x)]
    if isinstance(expr, ir.MatMul):
        return [(c1 * c2, f1 + f2) for c1, f1 in expand(expr.left) for c2, f2 in expand(expr.right)]
    if isinstance(expr, ir.MatPow) and ir.as_sym(expr.exponent).is_Integer:
        factors = (expr.x,) * int(expr.exponent)
        return [(sympy.Integer(1), factors)]
    if ir.is_identity(expr):
        return [(sympy.Integer(1), ())]
    return [(sympy.Integer(1), (expr,))]


def collect_powers(factors: tuple[ir.Expr, ...]) -> tuple[ir.Expr, ...]:
    """Runs of one repeated factor become a single power."""
    out: list[ir.Expr] = []
    run = 0
    for i, factor in enumerate(factors):
        run += 1
        if i + 1 == len(factors) or factors[i + 1] != factor:
            out.append(ir.matpow(factor, run) if run > 1 else factor)
            run = 0
    return tuple(out)


def rebuild(terms: Iterable[Term], shape: ir.Shape) -> ir.Expr:
    parts = []
    for coeff, factors in terms:
        product: ir.Expr | None = None
        for factor in factors:
            product = factor if product is None else ir.matmul(product, factor)
        parts.append(ir.scale(coeff, product if product is not None else ir.eye(shape[0])))
    return ir.add(*parts) if parts else ir.zeros(shape)


def canonical(expr: ir.Expr) -> dict[tuple[ir.Expr, ...], sympy.Expr]:
    """A comparable form: expanded terms (powers unfolded) mapped to their summed coefficients."""
    merged: dict[tuple[ir.Expr, ...], sympy.Expr] = {}
    for coeff, factors in expand(expr):
        flat = tuple(_flatten_powers(factors))
        merged[flat] = merged.get(flat, sympy.Integer(0)) + coeff
    return {f: sympy.simplify(c) for f, c in merged.items() if sympy.simplify(c) != 0}


def _flatten_powers(factors: tuple[ir.Expr, ...]) -> Iterable[ir.Expr]:
    for f in factors:
        if isinstance(f, ir.MatPow) and ir.as_sym(f.exponent).is_Integer:
            yield from (f.x,) * int(f.exponent)
        else:
            yield f


def hadamard_to_diag(expr: ir.Expr) -> ir.Expr:
    """``g ⊙ v`` with ``g`` an adjoint column vector becomes ``diag(v) g``."""
    kids = expr.children()
    if kids:
        expr = expr.rebuild(tuple(hadamard_to_diag(k) for k in kids))
    if isinstance(expr, ir.Hadamard) and expr.shape == (1, 1):  # scalars: a plain product, no diag of a number
        if isinstance(expr.left, ir.Adjoint):
            return ir.matmul(expr.right, expr.left)
        if isinstance(expr.right, ir.Adjoint):
            return ir.matmul(expr.left, expr.right)
    if isinstance(expr, ir.Hadamard) and expr.shape[1] == 1:
        if isinstance(expr.left, ir.Adjoint):
            return ir.matmul(ir.Diag(expr.right), expr.left)
        if isinstance(expr.right, ir.Adjoint):
            return ir.matmul(ir.Diag(expr.left), expr.right)
    return expr


def instantiate(expr: ir.Expr, times: dict) -> ir.Expr:
    """Substitute concrete times and unfold sums and products over time into explicit terms."""
    if isinstance(expr, ir.TimeSum):
        lo, hi = (int(ir.as_sym(b).subs(times)) for b in (expr.lo, expr.hi))
        parts = [instantiate(expr.body, {**times, expr.index: k}) for k in range(lo, hi + 1)]
        return ir.add(*parts) if parts else ir.zeros(expr.shape)
    if isinstance(expr, ir.TimeProduct):
        lo, hi = (int(ir.as_sym(b).subs(times)) for b in (expr.lo, expr.hi))
        out: ir.Expr = ir.eye(expr.shape[0])
        for j in range(lo, hi + 1):
            out = ir.matmul(out, instantiate(expr.body, {**times, expr.index: j}))
        return out
    if isinstance(expr, ir.TimeHadamard):
        lo, hi = (int(ir.as_sym(b).subs(times)) for b in (expr.lo, expr.hi))
        return instantiate_product(expr, lo, hi, lambda j: instantiate(expr.body, {**times, expr.index: j}))
    if isinstance(expr, (ir.Var, ir.Adjoint)):
        return ir.retime(expr, times)
    if isinstance(expr, ir.MatPow):
        return ir.matpow(instantiate(expr.x, times), ir.as_sym(expr.exponent).subs(times))
    if isinstance(expr, ir.Scale):
        return ir.scale(ir.as_sym(expr.factor).subs(times), instantiate(expr.x, times))
    kids = expr.children()
    return expr.rebuild(tuple(instantiate(k, times) for k in kids)) if kids else expr


# --------------------------------------------------------------------------- the recurrence


def _applies(derivation) -> bool:
    spec = derivation.spec
    return (
        spec.recurrent
        and spec.cell == "rnn"
        and spec.notation == "column"
        and spec.shape != "encoder-decoder"
    )


CARRIERS = {"lstm": "memory", "gru-d2l": "state", "gru-torch": "state"}
"""The state whose recurrence a gated cell's closed form unrolls: the LSTM's memory cell (its factor
is the forget gate, the gradient highway), the GRU's hidden state (its factor the update gate)."""


def _carrier(derivation) -> str | None:
    """The name of the gated cell's carried state, found by its meaning (in column notation its closed
    form is a product of ``diag`` matrices, in row notation an elementwise product: ``closed_rows``)."""
    spec = derivation.spec
    kind = CARRIERS.get(spec.cell) if spec.recurrent else None
    if kind is None or spec.shape == "encoder-decoder":
        return None
    return next((n.var.name for n in derivation.graph.nodes if n.var.meaning is not None and n.var.meaning.kind == kind
                 and not n.var.meaning.decoder), None)


def _output_name(derivation) -> str | None:
    """The adjoints where unrolling stops: the outputs' (none without an output layer)."""
    return "o" if derivation.spec.output_layer else None


def unroll_recurrence(derivation, t: int, layer: int | None = None, quantity: str = "h") -> ir.Expr:
    """The concrete ``dL/dh_t`` (of ``layer``) with every later adjoint of that layer substituted: only
    the output adjoints (or, below the top of a stack, the layer above's) remain. For a gated cell's
    carried state (``quantity``) only its own later adjoints are substituted."""
    rows = derivation.spec.notation == "row"
    eqs = {eq.lhs: eq.rhs if rows else hadamard_to_diag(eq.rhs) for eq in derivation.adjoints}
    stop = _output_name(derivation)
    above = None if layer is None else layer + 1

    def own(adj: ir.Adjoint) -> bool:
        """This layer's adjoints, and the pre-activation of the layer above (its derivative factor)."""
        if adj.of.name == stop or adj not in eqs:
            return False
        if quantity != "h" or derivation.spec.cell != "rnn":
            return adj.of.name == quantity and adj.of.layer == layer
        return adj.of.layer == layer or (adj.of.name == "a" and adj.of.layer == above)

    def resolve(expr: ir.Expr) -> ir.Expr:
        mapping = {adj: resolve(eqs[adj]) for adj in ir.adjoints(expr) if own(adj)}
        return ir.substitute(expr, mapping) if mapping else expr

    start = next(adj for adj in eqs if adj.of.name == quantity and adj.of.layer == layer and adj.of.time == t)
    return resolve(eqs[start])


def _split_recurrence(rhs: ir.Expr, next_adjoint: ir.Adjoint, shape) -> tuple[ir.Expr, ir.Expr]:
    """``rhs = J next_adjoint + r``: the Jacobian factor ``J`` and the remainder ``r``."""
    jac, rest = [], []
    for coeff, factors in expand(rhs):
        if factors and factors[-1] == next_adjoint:
            jac.append((coeff, factors[:-1]))
        else:
            rest.append((coeff, factors))
    if len(jac) != 1:
        raise AssertionError("the recurrence is not linear in the next adjoint")
    return rebuild(jac, (shape[0], shape[0])), rebuild(rest, shape)


def closed_label(layer: int | None, variant: str | None = None, quantity: str = "h") -> Label:
    """The label of the closed form of ``dL/dh_t`` of ``layer`` (``closed:h:t``, ``closed:h_l1:t``)."""
    return Label.closed(quantity, case="t", layer=layer, variant=variant)


def layer_recurrence(derivation, layer: int | None, quantity: str = "h") -> tuple[ir.Expr, ir.Expr, ir.Adjoint] | None:
    """The generic recurrence of ``dL/dh_t`` of ``layer`` read for unrolling: ``(rhs, boundary, next)``.

    The adjoint of the pre-activation at ``t+1`` is replaced by its own generic equation (so the
    Jacobian ``J_{t+1}`` is explicit), and so is the layer above's at ``t`` (its derivative factor
    then shows in the remainder: the product over layers); in column notation ``g ⊙ v`` becomes
    ``diag(v) g``.
    """
    t = ir.t_SYM
    generic = {eq.label: eq for eq in derivation.generic_adjoints}
    interior = generic.get(Label.adjoint(quantity, case="t", layer=layer))
    boundary = generic.get(Label.adjoint(quantity, case="T", layer=layer))
    if interior is None or boundary is None:
        return None
    shape = interior.lhs.shape

    def explicit(rhs: ir.Expr, at, layers) -> ir.Expr:
        for lay in layers:
            rule = generic.get(Label.adjoint("a", case="t", layer=lay))
            if rule is not None:
                rhs = ir.substitute(rhs, {ir.Adjoint(ir.Var("a", shape, time=ir.as_sym(at), layer=lay)): ir.retime(rule.rhs, {t: at})})
        return rhs

    above = [layer + 1] if layer is not None and layer < derivation.spec.layers else []
    rhs = explicit(explicit(interior.rhs, t + 1, [layer]), t, above)
    tail = explicit(boundary.rhs, ir.T_SYM, above)
    if derivation.spec.notation != "row":  # a batch of rows keeps its elementwise products (even as B x 1)
        rhs, tail = hadamard_to_diag(rhs), hadamard_to_diag(tail)
    return rhs, tail, ir.Adjoint(ir.Var(quantity, shape, time=t + 1, layer=layer))


def _layer_closed_forms(derivation, layer: int | None, quantity: str = "h") -> list:
    t, T = ir.t_SYM, ir.T_SYM
    read = layer_recurrence(derivation, layer, quantity)
    if read is None:
        return []
    if derivation.spec.notation == "row":
        return row_closed_forms(layer, quantity, read)
    rhs, tail_T, h_next = read
    shape = h_next.shape
    jac, rest = _split_recurrence(rhs, h_next, shape)
    jac_j = ir.retime(jac, {t: J_INDEX - 1})
    time_free = all(v.time is None for v in ir.variables(jac))

    def propagator(upper) -> ir.Expr:
        if time_free:
            return ir.matpow(jac, upper - t)
        return ir.TimeProduct(J_INDEX, t + 1, upper, jac_j)

    rest_k = ir.retime(rest, {t: K})
    if ir.is_zero(rest):
        closed = ir.matmul(propagator(T), tail_T)
    elif canonical(ir.retime(rest, {t: T})) == canonical(tail_T):
        closed = ir.TimeSum(K, t, T, ir.matmul(propagator(K), rest_k))
    else:
        closed = ir.add(ir.TimeSum(K, t, T - 1, ir.matmul(propagator(K), rest_k)), ir.matmul(propagator(T), tail_T))
    lhs = ir.Adjoint(ir.Var(quantity, shape, time=t, layer=layer))
    name = "power sum" if time_free else "product of Jacobians"
    eqs = [Equation(closed_label(layer, quantity=quantity), lhs, closed, "closed-form", "generic", quantity, (name,),
                    (sympy.Integer(1), T))]
    if time_free and isinstance(closed, ir.TimeSum) and layer is None:
        body = ir.matmul(ir.matpow(jac, T - I_INDEX), ir.retime(rest, {t: T + t - I_INDEX}))
        d2l = ir.TimeSum(I_INDEX, t, T, body)
        eqs.append(Equation(CLOSED_STATE_D2L, lhs, d2l, "closed-form", "generic", "h", ("D2L (9.7.15)",), (sympy.Integer(1), T)))
    return eqs


def recurrence_closed_forms(derivation) -> list:
    """The closed form of every layer's ``dL/dh_t``: a sum over the later steps of products of Jacobians.

    In a stack, a lower layer's remainder is what the layer above sends down at the same step,
    through its input weight and its activation's derivative: the closed form is a product over
    time within the layer, times the layer above's adjoint (a product over layers).
    """
    layers = [None] if derivation.spec.recurrent and derivation.spec.layers == 1 else \
        list(range(getattr(derivation.spec, "layers", 1), 0, -1))
    if _applies(derivation):
        return [eq for layer in layers for eq in _layer_closed_forms(derivation, layer)]
    carrier = _carrier(derivation)
    if carrier is None:
        return []
    return [eq for layer in layers for eq in _layer_closed_forms(derivation, layer, carrier)]


def _local_jacobian(fwd: dict, target: ir.Var, prev: ir.Var) -> ir.Expr:
    """``d target / d prev`` of a scalar step by the chain rule through the step's own nodes.

    ``fwd`` maps each generic forward quantity at ``t`` to its right-hand side; the derivative of
    ``h_t = f(a_t)`` with ``a_t = w_hx x_t + w_hh h_{t-1} + b_h`` is ``f'(a_t) w_hh``.
    """
    if target == prev:
        return ir.ones((1, 1))
    rhs = fwd.get(target)
    if rhs is None:
        return ir.zeros((1, 1))
    parts = []
    for var in ir.variables(rhs):
        if var != prev and var not in fwd:
            continue
        inner = _local_jacobian(fwd, var, prev)
        if ir.is_zero(inner):
            continue
        outer = [c for c, _ in backprop(rhs, ir.ones((1, 1)), var, out=target)]  # sigma' as h (1 - h), as the adjoints
        if outer:
            parts.append(ir.matmul(inner, ir.add(*outer)))  # scalars: w_hh first, as the adjoints print it
    return ir.add(*parts) if parts else ir.zeros((1, 1))


def scalar_factor(derivation) -> list:
    """The seed's ``dh_T/dh_1`` for a scalar RNN: the product of the local Jacobians ``dh_j/dh_{j-1}``.

    With the identity activation each factor is ``w_hh`` and the product is ``w_hh^{T-1}`` (the
    seed's ``Input x w^N``); otherwise each factor carries the activation's derivative,
    ``f'(a_j) w_hh``, so the product is ``prod_{j=2}^{T} f'(a_j) w_hh`` (for the sigmoid each
    ``f'`` is at most 1/4, which is why even ``w_hh = 2`` vanishes).
    """
    spec = derivation.spec
    if not (_applies(derivation) and spec.style == "scalar" and spec.layers == 1):
        return []
    t, T = ir.t_SYM, ir.T_SYM
    fwd = {eq.lhs: eq.rhs for eq in derivation.generic_forward if isinstance(eq.lhs, ir.Var) and eq.lhs.time == t}
    h_t = ir.Var("h", (1, 1), time=t)
    if h_t not in fwd:
        return []
    local = _local_jacobian(fwd, h_t, ir.Var("h", (1, 1), time=t - 1))
    if ir.is_zero(local):
        return []
    if all(v.time is None for v in ir.variables(local)):
        value = ir.matpow(local, T - 1)
    else:
        value = ir.TimeProduct(J_INDEX, 2, T, ir.retime(local, {t: J_INDEX}))
    lhs = ir.Derivative(ir.Var("h", (1, 1), time=T), ir.Var("h", (1, 1), time=sympy.Integer(1)))
    return [Equation(Label.closed("dhT_dh1"), lhs, value, "closed-form", "generic", "h", ("product of local Jacobians",))]


def closed_forms(derivation) -> list:
    """Every closed form that applies to the derivation's network."""
    return recurrence_closed_forms(derivation) + scalar_factor(derivation)


def check_against_recurrence(derivation, eq) -> bool:
    """Is closed form ``eq`` equal, term by term, to the substituted recurrence at every ``t``?"""
    if not isinstance(eq.lhs, ir.Adjoint):
        return True
    steps = derivation.steps
    terms = hcanonical if derivation.spec.notation == "row" else canonical
    for t in range(1, steps + 1):
        times = {ir.T_SYM: steps, ir.t_SYM: t}
        concrete = instantiate(eq.rhs, times)
        unrolled = unroll_recurrence(derivation, t, eq.lhs.of.layer, eq.lhs.of.name)
        if terms(concrete) != terms(instantiate(unrolled, times)):
            return False
    return True
