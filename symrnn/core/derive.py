"""The reverse sweep: from an unrolled graph to labelled gradient equations.

``derive(spec, steps)`` returns a :class:`Derivation` holding, in order,

* the forward equations, generic (one per step-template quantity, at a generic ``t``) and
  concrete (every node of the graph unrolled over ``steps``);
* the adjoint equations ``dL/dv = ...``: the generic recurrence with its boundary cases
  (``t = T``), and the concrete ones for every node, last node first;
* the parameter gradients, as sums over ``t`` (generic) and as explicit sums (concrete);
* closed forms (``closed_forms.py``).

Each adjoint is the sum, over the node's consumers, of the consumer's definition pushed back
through the formula sheet (``rules.backprop``); every equation records which node and which
rules produced it. Generic equations are read off a concrete unroll of ``GENERIC_STEPS`` steps:
the equation of ``h_n`` rewritten with indices relative to ``n`` (``h_{n+1} -> h_{t+1}``) is the
same for every interior ``n``; steps where it differs become boundary cases.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

import sympy

from . import budget, ir, limits
from .closed_forms import closed_forms
from .errors import LimitError
from .labels import Equation, Kind, Label, node_key, param_key
from .rules import VariableIndex, backprop
from .spec import Spec, with_steps
from .unroll import Graph, Node, unroll

GENERIC_STEPS = 5
"""Steps unrolled to read off the generic equations: enough for an interior step and both ends."""


@dataclass(frozen=True)
class Derivation:
    spec: Spec
    steps: int
    graph: Graph
    forward: tuple[Equation, ...]
    adjoints: tuple[Equation, ...]
    gradients: tuple[Equation, ...]
    generic_forward: tuple[Equation, ...]
    generic_adjoints: tuple[Equation, ...]
    generic_gradients: tuple[Equation, ...]
    closed_forms: tuple[Equation, ...] = field(default=())

    def equations(self) -> tuple[Equation, ...]:
        """Every equation, in reading order: generic, then concrete, then closed forms.

        An MLP has no time axis: its generic equations are its concrete ones, listed once.
        """
        if not self.spec.recurrent:
            return self.generic_forward + self.generic_adjoints + self.generic_gradients + self.closed_forms
        return (
            self.generic_forward
            + self.generic_adjoints
            + self.generic_gradients
            + self.forward
            + self.adjoints
            + self.gradients
            + self.closed_forms
        )

    def equation(self, label: Label | str) -> Equation:
        """The equation keyed ``label`` (a :class:`Label`, or its citation such as ``adj:h:t``)."""
        for eq in self.equations():
            if eq.label == label:
                return eq
        raise KeyError(f"no equation labelled {label!r}")

    @property
    def params(self) -> tuple[ir.Var, ...]:
        return self.graph.params

    def gradient(self, name: str, layer: int | None = None, generic: bool = True) -> Equation:
        """The gradient equation of parameter ``name`` (``W_hh``)."""
        key = param_key(ir.Var(name, (1, 1), layer=layer))
        for eq in self.generic_gradients if generic else self.gradients:
            if eq.node == key:
                return eq
        raise KeyError(f"no parameter {key!r}; parameters: {', '.join(param_key(p) for p in self.params)}")

    def _repr_latex_(self) -> str | None:
        show = DISPLAYS.get("latex")
        return show(self) if show else None

    def _repr_markdown_(self) -> str | None:
        show = DISPLAYS.get("markdown")
        return show(self) if show else None


DISPLAYS: dict[str, Callable[[Derivation], str]] = {}
"""How core values show themselves in Jupyter, by format: ``latex`` and ``markdown`` for a
Derivation, ``proof:markdown`` and ``proof:html`` for a ProofReport. Filled by
``symrnn.printing.document`` (imported by ``import symrnn`` in IPython), so the core imports no printer."""


# --------------------------------------------------------------------------- the sweep


@dataclass(frozen=True)
class _Contribution:
    value: ir.Expr
    rules: tuple[str, ...]
    consumer: Node


def _consumers(graph: Graph) -> dict[ir.Var, list[Node]]:
    found: dict[ir.Var, list[Node]] = {}
    for node in graph.nodes:
        for var in ir.variables(node.expr):
            found.setdefault(var, []).append(node)
    return found


def _time_order(node: Node) -> tuple:
    """Consumers later in time first, so ``W_hh^T dL/dh_{t+1}`` leads as in D2L (9.7.14)."""
    time = node.var.time
    return (-(int(time) if time is not None else 10**9),)


def sweep(graph: Graph) -> tuple[dict[ir.Var, ir.Expr], dict[ir.Var, list[_Contribution]], dict[ir.Var, list[_Contribution]]]:
    """Reverse-mode over the graph at matrix level.

    Returns the adjoint of every node (as an expression of later adjoints), the contributions
    that make each node's adjoint, and the contributions that make each parameter's gradient.
    """
    consumers = _consumers(graph)
    order = {node.var: i for i, node in enumerate(graph.nodes)}
    # An adjoint that is a constant (dL/dL = 1, dL/dE_o1 = 1) is written inline, as the seed does.
    inline: dict[ir.Var, ir.Expr] = {graph.loss: ir.ones((1, 1))}
    node_parts: dict[ir.Var, list[_Contribution]] = {}
    rhs: dict[ir.Var, ir.Expr] = {graph.loss: ir.ones((1, 1))}
    index = VariableIndex()  # the loss reads all T outputs: asking it T times must not cost T^2

    def contributions(var: ir.Var, latest_first: bool = True) -> list[_Contribution]:
        parts = []
        users = consumers.get(var, [])
        if latest_first:
            users = sorted(users, key=lambda n: (_time_order(n), order[n.var]))
        for user in users:
            g = inline.get(user.var, ir.Adjoint(user.var))
            for value, names in backprop(user.expr, g, var, out=user.var, index=index):
                parts.append(_Contribution(value, names, user))
        return parts

    for node in reversed(graph.nodes):
        budget.spent(budget.DERIVING)
        if node.var == graph.loss:
            continue
        parts = contributions(node.var)
        node_parts[node.var] = parts
        value = ir.add(*[p.value for p in parts]) if parts else ir.zeros(node.var.shape)
        rhs[node.var] = value
        if value.shape == (1, 1) and isinstance(value, ir.Const):
            inline[node.var] = value
    # Parameter gradients read in time order: dL/dh_1 x_1^T + dL/dh_2 x_2^T + ...
    param_parts = {p: contributions(p, latest_first=False) for p in graph.params}
    return rhs, node_parts, param_parts


# --------------------------------------------------------------------------- generic forms


def _relative(expr: ir.Expr, n: int, anchor: sympy.Expr, axis: str, steps: int) -> ir.Expr:
    """Rewrite concrete time indices ``m`` on ``axis`` as ``anchor + (m - n)``; an index on
    another time axis (the encoder's ``h_T`` seen from the decoder) is pinned to its start or end."""

    def leaf(node):
        var = node.of if isinstance(node, ir.Adjoint) else node
        if var.time is not None and var.axis == axis:
            var = var.at(anchor + (int(var.time) - n))
        elif var.time is not None:
            var = var.at(_bound(int(var.time), steps))
        return ir.Adjoint(var) if isinstance(node, ir.Adjoint) else var

    return ir.map_leaves(expr, leaf)


def _classes(times: list[int]) -> list[list[int]]:
    """Split sorted times into maximal runs of consecutive integers."""
    runs: list[list[int]] = []
    for n in times:
        if runs and runs[-1][-1] == n - 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    return runs


def _bound(n: int, steps: int) -> sympy.Expr:
    """A concrete step of the generic unroll as ``n`` (near the start) or ``T - k`` (near the end)."""
    return sympy.Integer(n) if n <= 2 else ir.T_SYM - (steps - n)


def _generalize(items: list[tuple[int, ir.Expr]], steps: int, axis: str = "") -> list[tuple[sympy.Expr, sympy.Expr, ir.Expr, int]]:
    """Group ``(time, concrete expr)`` pairs into generic cases ``(lo, hi, expr_at_t, first)``."""
    by_form: dict[ir.Expr, list[int]] = {}
    concrete: dict[int, ir.Expr] = {}
    for n, expr in items:
        by_form.setdefault(_relative(expr, n, ir.t_SYM, axis, steps), []).append(n)
        concrete[n] = expr
    cases = []
    for form, times in by_form.items():
        for run in _classes(sorted(times)):
            lo, hi = run[0], run[-1]
            if lo == hi:
                anchor = ir.T_SYM if lo == steps else sympy.Integer(lo)
                expr = _relative(concrete[lo], lo, anchor, axis, steps)
                bound = _bound(lo, steps) if lo == steps or lo <= 2 else sympy.Integer(lo)
                cases.append((bound, bound, expr, lo))
            else:
                cases.append((_bound(lo, steps), _bound(hi, steps), form, lo))
    cases.sort(key=lambda c: c[3])
    return cases


def _time_sum(items: list[tuple[int, ir.Expr]], steps: int, axis: str = "") -> ir.Expr:
    """Sum of time-indexed terms, folded into ``sum_t`` where a term repeats over a run of steps."""
    parts = []
    for lo, hi, form, _ in _generalize(items, steps, axis):
        if lo == hi:
            parts.append(form)
        else:
            parts.append(ir.TimeSum(ir.t_SYM, lo, hi, form))
    return ir.add(*parts)


def _templates(nodes: Iterable[Node]) -> dict[tuple, list[Node]]:
    found: dict[tuple, list[Node]] = {}
    for node in nodes:
        found.setdefault(node.template, []).append(node)
    return found


def _label_case(lo: sympy.Expr, hi: sympy.Expr) -> str:
    if lo == hi:
        return str(lo).replace(" ", "")
    return "t"


def _var_at(var: ir.Var, time: sympy.Expr | None) -> ir.Var:
    return var if var.time is None else var.at(time)


def _generic_node_equations(graph: Graph, rhs_of, kind: str, prefix: Kind, adjoint: bool, parts_of=None) -> list[Equation]:
    equations = []
    for nodes in _templates(graph.nodes).values():
        if adjoint and nodes[0].var == graph.loss:
            continue
        timed = [n for n in nodes if n.var.time is not None]
        if not timed:
            for node in nodes:
                value = rhs_of(node)
                if not adjoint:
                    value = _fold_timeless(value, graph.steps)
                equations.append(_equation(prefix, node.var, None, value, kind, adjoint, parts_of, node))
            continue
        items = [(int(n.var.time), rhs_of(n)) for n in timed]
        for lo, hi, form, first in _generalize(items, graph.steps, timed[0].var.axis):
            time = lo if lo == hi else ir.t_SYM
            source = next(n for n in timed if int(n.var.time) == first)
            var = _var_at(source.var, time)  # the case's own first node: its meaning (a decoder's h_0 is a hand-over)
            eq = _equation(prefix, var, _label_case(lo, hi), form, kind, adjoint, parts_of, source)
            equations.append(replace(eq, bounds=(lo, hi)))
    return equations


def _fold_timeless(expr: ir.Expr, steps: int) -> ir.Expr:
    """``L = 1/T (l_1 + ... + l_5)`` becomes ``L = 1/T sum_t l_t``."""
    if isinstance(expr, ir.Scale):
        return ir.scale(expr.factor, _fold_timeless(expr.x, steps))
    terms = expr.terms if isinstance(expr, ir.Add) else (expr,)
    items = []
    axes = set()
    for term in terms:
        times = {(v.time, v.axis) for v in ir.variables(term) if v.time is not None}
        if len(times) != 1:
            return expr
        (time, axis), = times
        axes.add(axis)
        items.append((int(time), term))
    if len(axes) != 1:
        return expr
    return _time_sum(items, steps, axes.pop())


def _equation(label_kind, var, case, value, kind, adjoint, parts_of, node) -> Equation:
    """A generic equation (its ``bounds`` are set by the caller)."""
    label = Label(label_kind, var.name, layer=var.layer, case=case)
    lhs = ir.Adjoint(var) if adjoint else var
    rules: tuple[str, ...] = ()
    if parts_of is not None:
        rules = tuple(dict.fromkeys(r for p in parts_of(node) for r in p.rules))
    provenance = node_key(node.var)
    return Equation(label, lhs, value, kind, "generic", provenance, rules)


def derive(spec: Spec, steps: int | None = None) -> Derivation:
    """Derive every gradient equation of ``spec`` unrolled over ``steps`` steps."""
    spec = with_steps(spec, steps)
    if spec.recurrent and spec.layers * spec.steps > limits.MAX_UNROLLED_STEPS:
        raise LimitError(
            f"{spec.layers} layers x T = {spec.steps} unrolls {spec.layers * spec.steps} layer-steps; "
            f"a derivation takes at most {limits.MAX_UNROLLED_STEPS}"
        )
    graph = unroll(spec)
    rhs, node_parts, param_parts = sweep(graph)
    forward = tuple(_concrete_forward(graph))
    adjoints = tuple(_concrete_adjoints(graph, rhs, node_parts))
    gradients = tuple(_concrete_gradients(graph, param_parts))

    gen_graph = graph if not spec.recurrent or spec.steps == GENERIC_STEPS else unroll(spec, GENERIC_STEPS)
    if gen_graph is graph:
        gen_rhs, gen_node_parts, gen_param_parts = rhs, node_parts, param_parts
    else:
        gen_rhs, gen_node_parts, gen_param_parts = sweep(gen_graph)
    generic_forward = tuple(_generic_node_equations(gen_graph, lambda n: n.expr, "forward", Kind.FORWARD, False))
    generic_adjoints = tuple(
        _generic_node_equations(gen_graph, lambda n: gen_rhs[n.var], "adjoint", Kind.ADJOINT, True, lambda n: gen_node_parts[n.var])
    )
    generic_gradients = tuple(_generic_gradients(gen_graph, gen_param_parts))
    derivation = Derivation(spec, graph.steps, graph, forward, adjoints, gradients, generic_forward, generic_adjoints, generic_gradients)

    return replace(derivation, closed_forms=tuple(closed_forms(derivation)))


def _concrete_forward(graph: Graph) -> Iterable[Equation]:
    for node in graph.nodes:
        timeless = graph.spec.recurrent and node.var.time is None
        label = Label.of(Kind.FORWARD, node.var, steps=graph.steps if timeless else None)
        yield Equation(label, node.var, node.expr, "loss" if node.var == graph.loss else "forward", "concrete", node=node_key(node.var))


def _concrete_adjoints(graph: Graph, rhs, node_parts) -> Iterable[Equation]:
    for node in reversed(graph.nodes):
        if node.var == graph.loss:
            continue
        rules = tuple(dict.fromkeys(r for p in node_parts[node.var] for r in p.rules))
        yield Equation(Label.of(Kind.ADJOINT, node.var), ir.Adjoint(node.var), rhs[node.var], "adjoint", "concrete", node=node_key(node.var), rules=rules)


def _concrete_gradients(graph: Graph, param_parts) -> Iterable[Equation]:
    for param in graph.params:
        parts = param_parts[param]
        value = ir.add(*[p.value for p in parts]) if parts else ir.zeros(param.shape)
        rules = tuple(dict.fromkeys(r for p in parts for r in p.rules))
        key = param_key(param)
        steps = graph.steps if graph.spec.recurrent else None
        label = Label(Kind.GRADIENT, param.name, layer=param.layer, steps=steps)
        yield Equation(label, ir.Adjoint(param), value, "gradient", "concrete", node=key, rules=rules)


def _generic_gradients(graph: Graph, param_parts) -> Iterable[Equation]:
    for param in graph.params:
        parts = param_parts[param]
        key = param_key(param)
        rules = tuple(dict.fromkeys(r for p in parts for r in p.rules))
        if not graph.spec.recurrent:
            value = ir.add(*[p.value for p in parts]) if parts else ir.zeros(param.shape)
        else:
            timed_parts = [p for p in parts if p.consumer.var.time is not None]
            timed = [(int(p.consumer.var.time), p.value) for p in timed_parts]
            untimed = [p.value for p in parts if p.consumer.var.time is None]
            axes = {p.consumer.var.axis for p in timed_parts}
            if len(axes) > 1:
                raise AssertionError(f"parameter {key} is shared by two time axes")
            folded = [_time_sum(timed, graph.steps, axes.pop())] if timed else []
            value = ir.add(*folded, *untimed) if (folded or untimed) else ir.zeros(param.shape)
        yield Equation(Label(Kind.GRADIENT, param.name, layer=param.layer), ir.Adjoint(param), value, "gradient", "generic", node=key, rules=rules)
