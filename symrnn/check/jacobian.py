"""Jacobians of one quantity by another (``\\partial h_T / \\partial h_t``), as values on an instance.

A person writes ``\\frac{\\partial \\mathbf{h}_{t+1}}{\\partial \\mathbf{h}_t}`` or
``\\frac{\\partial in_{o1}}{\\partial w_5}`` inside an answer, or asks for one with ``--grad``.
The reader turns it into an ``ir.Var`` of role ``jacobian`` whose name is registered here with
what it stands for (:class:`JacobianRef`); the checker computes its value on each instance
before it evaluates the answer (:func:`with_jacobians`), so the core evaluator needs no new op.

The value is the total derivative through the unrolled graph (every path, other leaves held
fixed), computed by reverse sweeps over the graph from a unit seed on each entry of the
quantity (one sweep per entry, in the instance's own arithmetic: exact, 50-digit or float64).
Shapes: column vectors give the ``n x m`` matrix ``J[i, j] = d x_i / d y_j``; a 1x1 quantity by
any ``r x c`` one gives an ``r x c`` matrix, and any ``r x c`` quantity by a 1x1 one too. Other
pairs (two batches of rows) have four indices and are refused where they are read.

A Jacobian carries one time index: the index of whichever side has a bound index (``t``, a sum's
``i``); the other side's time is stored relative to it (``t + 1``) or absolute (``T``, ``3``).
"""

from __future__ import annotations

import copy
import hashlib
from dataclasses import dataclass

import numpy as np
import sympy

from ..core import evaluate as numeric
from ..core import ir
from ..core.rules import backprop
from ..i18n import N_, _
from . import budget

TAU = sympy.Symbol("tau", integer=True)
"""The carried time of a Jacobian in its stored description."""


@dataclass(frozen=True)
class JacobianRef:
    of: ir.Var  # the quantity differentiated, its time a function of TAU (or fixed, or None)
    wrt: ir.Var  # the quantity it is differentiated by
    carried: bool  # the Jacobian Var's time is TAU

    @property
    def uses_t(self) -> bool:
        """A side's time reads the step ``t`` an answer is checked at (``dh_k/dh_t`` in ``\\sum_k``)."""
        return any(v.time is not None and ir.t_SYM in sympy.sympify(v.time).free_symbols for v in (self.of, self.wrt))

    def times(self, tau: int | None, T: int, t: int | None = None) -> tuple[int | None, int | None]:
        def at(var):
            if var.time is None:
                return None
            value = sympy.sympify(var.time).subs({TAU: tau if tau is not None else 0, ir.T_SYM: T})
            if t is not None:
                value = value.subs(ir.t_SYM, t)
            return int(value)

        return at(self.of), at(self.wrt)


REGISTRY: dict[str, JacobianRef] = {}
"""Every Jacobian read so far, by the name of its ``ir.Var`` (deterministic: made from the ref)."""

ROLE = "jacobian"


class JacobianShapeError(ValueError):
    """The pair has no matrix Jacobian (both are batches of rows, or matrices)."""


def jacobian_shape(of: tuple[int, int], wrt: tuple[int, int]) -> tuple[int, int]:
    if of == (1, 1):
        return wrt
    if wrt == (1, 1):
        return of
    if of[1] == 1 and wrt[1] == 1:
        return (of[0], wrt[0])
    raise JacobianShapeError(_("the Jacobian of a {of} quantity by a {wrt} one has four indices").format(
        of=f"{of[0]}x{of[1]}", wrt=f"{wrt[0]}x{wrt[1]}"))


def _bound_symbols(time) -> set:
    return {s for s in sympy.sympify(time).free_symbols if s != ir.T_SYM} if time is not None else set()


def make(of: ir.Var, wrt: ir.Var, free: tuple = ()) -> ir.Var:
    """The ``ir.Var`` that stands for ``d(of)/d(wrt)``; :class:`ValueError` when it cannot be one.

    ``free``: the index an answer is checked at (``t`` of ``dL/dh_t``); a side may keep it, and
    the Jacobian is then computed at each step the answer is evaluated at.
    """
    shape = jacobian_shape(of.shape, wrt.shape)
    a, b = of.time, wrt.time
    free = set(free)
    carried_time = None
    if _bound_symbols(a) - free:
        carried_time, of_t = a, TAU
        wrt_t = _relative(b, a, free)
    elif _bound_symbols(b) - free:
        carried_time, wrt_t = b, TAU
        of_t = _relative(a, b, free)
    else:
        of_t, wrt_t = a, b
    ref = JacobianRef(of.at(of_t) if a is not None else of, wrt.at(wrt_t) if b is not None else wrt, carried_time is not None)
    name = _name(ref)
    REGISTRY.setdefault(name, ref)
    return ir.Var(name, shape, ROLE, carried_time)


def _relative(other, carried, free: set):
    """``other`` in terms of TAU (= ``carried``): fixed when it has no summation index, else shifted."""
    if other is None:
        return None
    if not _bound_symbols(other) - free:
        return other
    diff = sympy.simplify(sympy.sympify(other) - sympy.sympify(carried))
    if _bound_symbols(diff) - free:
        raise ValueError(_("a Jacobian between two different summation indices; write it with one index"))
    return TAU + diff


def _label(var: ir.Var) -> str:
    text = var.name if var.layer is None else f"{var.name}_l{var.layer}"
    return text if var.time is None else f"{text}[{var.time}]"


def _name(ref: JacobianRef) -> str:
    """A plain identifier (the printers split names at ``_``): ``Jac`` and a digest of the ref."""
    text = f"{_label(ref.of)}/{_label(ref.wrt)}/{ref.carried}"
    return "Jac" + hashlib.sha1(text.encode()).hexdigest()[:10]


def refs_in(expr: ir.Expr) -> list[tuple[ir.Var, JacobianRef]]:
    out = []
    for node in ir.walk(expr):
        if isinstance(node, ir.Var) and node.role == ROLE and node.name in REGISTRY and node not in [v for v, _ in out]:
            out.append((node, REGISTRY[node.name]))
    return out


def shown(var: ir.Var, latex: bool) -> str:
    """``\\frac{\\partial h_{T}}{\\partial h_{t}}`` of a Jacobian Var (in plain names with ``latex=False``)."""
    from ..printing.naming import var_latex, var_plain

    ref = REGISTRY[var.name]
    tau = var.time if var.time is not None else TAU
    of = ref.of if ref.of.time is None else ref.of.at(sympy.sympify(ref.of.time).subs(TAU, tau))
    wrt = ref.wrt if ref.wrt.time is None else ref.wrt.at(sympy.sympify(ref.wrt.time).subs(TAU, tau))
    if latex:
        return rf"\frac{{\partial {var_latex(of)}}}{{\partial {var_latex(wrt)}}}"
    return rf"\frac{{\partial {var_plain(of)}}}{{\partial {var_plain(wrt)}}}"


def echo(text: str, expr: ir.Expr, latex: bool) -> str:
    """A printed expression with each Jacobian shown as the fraction it was read from."""
    from ..printing.latex import latex as to_latex
    from ..printing.plain import plain as to_plain

    for var, _ref in refs_in(expr):
        for node in ir.walk(expr):
            if isinstance(node, ir.Var) and node.name == var.name:
                printed = to_latex(node) if latex else to_plain(node)
                text = text.replace(printed, shown(node, latex))
    return text


# --------------------------------------------------------------------------- values


_CONTRIBUTIONS: dict = {}


def _contributions(derivation) -> tuple[dict, dict]:
    """Per key: the (consumer position, vjp expression) pairs; and each node's position."""
    found = _CONTRIBUTIONS.get(id(derivation))
    if found is not None and found[0] is derivation:
        return found[1], found[2]
    graph = derivation.graph
    contrib: dict = {}
    pos = {}
    for k, node in enumerate(graph.nodes):
        pos[_key(node.var)] = k
        for var in ir.variables(node.expr):
            parts = [value for value, _ in backprop(node.expr, ir.Adjoint(node.var), var, out=node.var)]
            if parts:
                contrib.setdefault(_key(var), []).append((k, ir.add(*parts)))
    if len(_CONTRIBUTIONS) > 64:
        _CONTRIBUTIONS.clear()
    _CONTRIBUTIONS[id(derivation)] = (derivation, contrib, pos)
    return contrib, pos


def _key(var: ir.Var) -> tuple:
    return numeric.key_of(var, None if var.time is None else int(var.time))


def value(inst: numeric.Instance, of: tuple, wrt: tuple, of_shape, wrt_shape) -> np.ndarray:
    """``d(of)/d(wrt)`` on ``inst`` (keys ``(name, layer, time)``); EvaluationError when undefined."""
    derivation = inst.derivation
    contrib, pos = _contributions(derivation)
    arith = inst.arithmetic
    known = set(inst.values)
    if of not in known or wrt not in known:
        missing = of if of not in known else wrt
        raise numeric.EvaluationError(_("{name} at step {step} is not defined for T = {T}").format(
            name=missing[0], step=missing[2], T=inst.T))
    shape = jacobian_shape(of_shape, wrt_shape)
    out = arith.full(shape, 0)
    if of not in pos:  # a parameter or a leaf depends on nothing
        if of == wrt:
            return arith.eye(shape[0]) if shape[0] == shape[1] and of_shape != (1, 1) else arith.full(shape, 1)
        return out
    top = pos[of]
    for idx in np.ndindex(*of_shape):
        budget.spent(N_("computing a Jacobian"))
        seed = arith.full(of_shape, 0)
        seed[idx] = arith.number(1) if arith.name != "float" else 1.0
        grad = _sweep(inst, contrib, pos, top, of, seed, wrt)
        _place(out, idx, grad, of_shape, wrt_shape)
    return out


def _sweep(inst, contrib, pos, top, of, seed, wrt):
    arith = inst.arithmetic
    if wrt in pos and pos[wrt] > top:  # a later quantity: no path back to it
        return arith.full(inst.values[wrt].shape, 0)
    cot = {of: seed}
    nodes = inst.derivation.graph.nodes
    for k in range(top - 1, -1, -1):
        key = _key(nodes[k].var)
        cot[key] = _gather(inst, contrib.get(key, ()), top, cot, nodes[k].var.shape)
        if key == wrt:
            return cot[key]
    if wrt == of:
        return seed
    return _gather(inst, contrib.get(wrt, ()), top, cot, inst.values[wrt].shape)


def _gather(inst, parts, top, cot, shape):
    total = inst.arithmetic.full(shape, 0)
    for k, expr in parts:
        if k <= top:
            total = total + numeric.evaluate(expr, inst, adjoints=cot, deadline=budget.current())
    return total


def _place(out, idx, grad, of_shape, wrt_shape) -> None:
    if of_shape == (1, 1):
        out[...] = grad
    elif wrt_shape == (1, 1):
        out[idx] = grad[0, 0]
    else:
        out[idx[0], :] = grad[:, 0]


def with_jacobians(inst: numeric.Instance, expr: ir.Expr, cache: dict, t: int | None = None) -> numeric.Instance:
    """``inst`` with the values of every Jacobian ``expr`` reads (at every step it can have; at
    the step ``t`` the answer is evaluated at, for one that reads it)."""
    refs = refs_in(expr)
    if not refs:
        return inst
    extra = {}
    for var, ref in refs:
        key = (var.name, t if ref.uses_t else None)
        if ref.uses_t and t is None:
            continue  # undefined without its step: the evaluation says so
        if key not in cache:
            cache[key] = _values(inst, var, ref, key[1])
        extra.update(cache[key])
    out = copy.copy(inst)
    out.values = {**inst.values, **extra}
    out.__dict__.pop("_inputs", None)
    return out


def _values(inst, var: ir.Var, ref: JacobianRef, t: int | None) -> dict:
    steps = range(inst.T + 2) if ref.carried else (None,)
    found = {}
    with numeric.precision(inst.arithmetic):
        for tau in steps:
            ta, tb = ref.times(tau, inst.T, t)
            of = numeric.key_of(ref.of, ta)
            wrt = numeric.key_of(ref.wrt, tb)
            try:
                found[(var.name, None, tau)] = value(inst, of, wrt, inst.values[of].shape, inst.values[wrt].shape)
            except (numeric.EvaluationError, KeyError):
                continue
    return found
