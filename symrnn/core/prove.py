"""Element-level proofs: every matrix-level equation against independent ``sympy.diff`` oracles.

For a concrete small unroll, every parameter gradient (concrete and generic), every adjoint
equation (concrete, and the generic recurrence instantiated at each ``t``) and every closed form
is evaluated at a random exact rational point and compared with

* **chain** — an element-level reverse sweep built only from ``sympy.diff`` of each scalar
  node's own expression (``h_3[0,1] = tanh(a_3[0,1])`` differentiated by ``a_3[0,1]``); it never
  sees the formula sheet; and, where tractable,
* **expanded** — ``sympy.diff`` of the fully inlined scalar loss by each parameter entry.

Equality is exact when the network is rational (identity activations, squared error); otherwise
values are 70-digit floats and must agree to 50 significant digits.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass

import sympy

from ..i18n import _
from . import budget, ir, limits
from .activations import rational
from .derive import Derivation, derive
from .element import evaluate, symbol_matrix
from .errors import LimitError
from .induction import prove_by_induction
from .labels import Label, node_key, param_key
from .losses import loss_kind
from .spec import Spec

DIGITS = 50
WORKING_DIGITS = 70


@dataclass(frozen=True)
class ProofResult:
    """One proved (or refuted) equation."""

    subject: str  # what was compared, as printed: ``adj:h:t @ t=2``, ``grad:W_hh (generic)``
    oracle: str
    entries: int
    exact: bool
    max_error: float
    passed: bool
    label: Label | None = None  # the equation it proves

    def line(self) -> str:
        verdict = _("PASS") if self.passed else _("FAIL")
        how = _("exact") if self.exact else _("max rel. error {error} (< 1e-{digits})").format(
            error=f"{self.max_error:.1e}", digits=DIGITS)
        if self.oracle == "induction":
            how = _("symbolic T: base t = T and step t+1 -> t")
        entries = _("{count} entries").format(count=f"{self.entries:>3}")
        return f"{verdict:<4}  {self.subject:<28} vs {self.oracle:<8} {entries}, {how}"


@dataclass(frozen=True)
class ProofReport:
    spec_name: str
    steps: int
    sizes: str
    results: tuple[ProofResult, ...]
    seconds: float

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.results)

    def _repr_markdown_(self) -> str | None:
        from .derive import DISPLAYS

        show = DISPLAYS.get("proof:markdown")
        return show(self) if show else None

    def _repr_html_(self) -> str | None:
        from .derive import DISPLAYS

        show = DISPLAYS.get("proof:html")
        return show(self) if show else None


def _rational(rng: random.Random) -> sympy.Rational:
    q = rng.randint(3, 11)
    p = 0
    while p == 0:
        p = rng.randint(-q, q)
    return sympy.Rational(p, q)


def is_rational_network(derivation: Derivation) -> bool:
    for node in derivation.graph.nodes:
        for sub in ir.walk(node.expr):
            if isinstance(sub, ir.Apply) and not rational(sub.fn):
                return False
            if isinstance(sub, ir.Loss) and not loss_kind(sub.kind).rational:
                return False
    return True


def check_size(derivation: Derivation) -> None:
    """Refuse instances too large for element-level work, naming the limit."""
    graph = derivation.graph
    if graph.steps > limits.PROVE_MAX_STEPS:
        raise LimitError(_("element-level proofs take T <= {limit}; got T = {steps}").format(limit=limits.PROVE_MAX_STEPS, steps=graph.steps))
    for var in graph.params + graph.leaves:
        if max(var.shape) > limits.PROVE_MAX_SIZE:
            raise LimitError(_("element-level proofs take sizes <= {limit}; {name} has shape {shape}").format(
                limit=limits.PROVE_MAX_SIZE, name=param_key(var), shape=var.shape))
    scalars = sum(n.var.shape[0] * n.var.shape[1] for n in graph.nodes)
    if scalars > limits.PROVE_MAX_SCALARS:
        raise LimitError(_("the unrolled graph has {n} scalar nodes; proofs take at most {limit}").format(
            n=scalars, limit=limits.PROVE_MAX_SCALARS))


class ElementGraph:
    """The unrolled graph at element level: one SymPy expression per scalar node entry."""

    def __init__(self, derivation: Derivation, rng: random.Random, exact: bool, given: dict[ir.Var, sympy.Matrix] | None = None):
        graph = derivation.graph
        given = given or {}
        self.derivation = derivation
        self.times = {ir.T_SYM: graph.steps}
        self.symbols: dict[ir.Var, sympy.Matrix] = {}
        for var in graph.params + graph.leaves + tuple(n.var for n in graph.nodes):
            self.symbols[var] = symbol_matrix(var)
        self.local: dict[ir.Var, sympy.Matrix] = {
            n.var: evaluate(n.expr, self.symbols, self.times) for n in graph.nodes
        }
        # A random point: exact rationals, or 70-digit floats where transcendental functions appear.
        self.point: dict[sympy.Symbol, sympy.Expr] = {}
        # Targets are arbitrary rationals, also for a softmax cross-entropy: its rule
        # softmax(o) (1^T y) - y holds for any targets, not only distributions.
        for var in graph.params + graph.leaves:
            if var in given:
                values = list(given[var])
            else:
                values = [_rational(rng) for _ in self.symbols[var]]
            for sym, value in zip(self.symbols[var], values):
                self.point[sym] = value if exact else sympy.Float(value, WORKING_DIGITS)
        self.inlined_size = self._inlined_size()
        self.values: dict[ir.Var, sympy.Matrix] = {var: self.symbols[var].xreplace(self.point) for var in graph.params + graph.leaves}
        for node in graph.nodes:
            subs = self.point
            value = self.local[node.var].xreplace(subs)
            if not exact:
                value = value.evalf(WORKING_DIGITS)
            for sym, v in zip(self.symbols[node.var], value):
                self.point[sym] = v
            self.values[node.var] = value

    def _inlined_size(self) -> int:
        """Operations in the fully inlined loss, counted as a tree (what expansion would build)."""
        size: dict[sympy.Symbol, int] = {}
        for node in self.derivation.graph.nodes:
            for sym, expr in zip(self.symbols[node.var], self.local[node.var]):
                size[sym] = sympy.count_ops(expr) + sum(size.get(a, 0) for a in expr.free_symbols)
        return size[self.symbols[self.derivation.graph.loss][0, 0]]

    def chain_rule(self) -> dict[ir.Var, sympy.Matrix]:
        """Adjoints of every node and parameter by an element-level sweep of ``sympy.diff``."""
        graph = self.derivation.graph
        adj: dict[sympy.Symbol, sympy.Expr] = {s: sympy.Integer(0) for m in self.symbols.values() for s in m}
        adj[self.symbols[graph.loss][0, 0]] = sympy.Integer(1)
        for node in reversed(graph.nodes):
            budget.spent(budget.PROVING)
            for sym, expr in zip(self.symbols[node.var], self.local[node.var]):
                g = adj[sym]
                if g == 0:
                    continue
                for arg in sorted(expr.free_symbols, key=str):
                    partial = sympy.diff(expr, arg).xreplace(self.point)
                    adj[arg] = adj[arg] + g * partial
        return {
            var: matrix.applyfunc(lambda s: adj[s]) for var, matrix in self.symbols.items()
        }

    def jacobian(self, of: ir.Var, wrt: ir.Var) -> sympy.Matrix:
        """``d(of)/d(wrt)`` entry by entry: ``sympy.diff`` of ``of`` inlined down to ``wrt``."""
        graph = self.derivation.graph
        order = [n.var for n in graph.nodes]
        full: dict[sympy.Symbol, sympy.Expr] = {}
        for var in order[order.index(wrt) + 1 :]:
            for sym, expr in zip(self.symbols[var], self.local[var]):
                full[sym] = expr.xreplace(full)
        outs, ins = list(self.symbols[of]), list(self.symbols[wrt])
        return sympy.Matrix(len(outs), len(ins), lambda i, j: sympy.diff(full[outs[i]], ins[j]).xreplace(self.point))

    def expanded(self) -> dict[ir.Var, sympy.Matrix]:
        """Parameter gradients by ``sympy.diff`` of the fully inlined scalar loss."""
        graph = self.derivation.graph
        full: dict[sympy.Symbol, sympy.Expr] = {}
        for node in graph.nodes:
            for sym, expr in zip(self.symbols[node.var], self.local[node.var]):
                full[sym] = expr.xreplace(full)
        loss = full[self.symbols[graph.loss][0, 0]]
        point = {s: v for s, v in self.point.items() if s not in full}
        grads = {}
        for param in graph.params:
            grads[param] = self.symbols[param].applyfunc(lambda s: sympy.diff(loss, s).xreplace(point))
        return grads


def _compare(a: sympy.Matrix, b: sympy.Matrix, exact: bool) -> tuple[bool, float]:
    if a.shape != b.shape:
        return False, float("inf")
    worst = 0.0
    for x, y in zip(a, b):
        if exact:
            if sympy.expand(x - y) != 0:  # rational networks evaluate to exact rationals
                return False, float("inf")
            continue
        diff = abs(sympy.N(x - y, WORKING_DIGITS))
        scale = max(abs(sympy.N(x, WORKING_DIGITS)), abs(sympy.N(y, WORKING_DIGITS)), 1)
        worst = max(worst, float(diff / scale))
    return (worst < 10.0**-DIGITS), worst


def matrix_level_values(derivation: Derivation, values: dict[ir.Var, sympy.Matrix], exact: bool) -> dict[ir.Expr, sympy.Matrix]:
    """Forward values plus every adjoint, computed from the derivation's concrete equations."""
    env: dict[ir.Expr, sympy.Matrix] = dict(values)
    env[ir.Adjoint(derivation.graph.loss)] = sympy.Matrix([[1]])
    times = {ir.T_SYM: derivation.steps}
    for eq in derivation.adjoints:
        value = evaluate(eq.rhs, env, times)
        env[eq.lhs] = value if exact else value.evalf(WORKING_DIGITS)
    return env


def prove(spec: Spec | Derivation, steps: int | None = None, seed: int = 0, expanded: bool | None = None) -> ProofReport:
    """Prove every equation of the derivation of ``spec`` at element level."""
    start = time.perf_counter()
    if not isinstance(spec, Derivation) and spec.recurrent:
        requested = spec.steps if steps is None else steps
        if requested > limits.PROVE_MAX_STEPS:  # refuse before deriving anything
            raise LimitError(_("element-level proofs take T <= {limit}; got T = {steps}").format(limit=limits.PROVE_MAX_STEPS, steps=requested))
    derivation = spec if isinstance(spec, Derivation) else derive(spec, steps)
    check_size(derivation)
    exact = is_rational_network(derivation)
    rng = random.Random(seed)
    element = ElementGraph(derivation, rng, exact)
    chain = element.chain_rule()
    env = matrix_level_values(derivation, element.values, exact)
    times = {ir.T_SYM: derivation.steps}
    results: list[ProofResult] = []

    def record(label: Label, oracle: str, mine: sympy.Matrix, truth: sympy.Matrix, detail: str = "") -> None:
        budget.spent(budget.PROVING)
        ok, err = _compare(mine, truth, exact)
        results.append(ProofResult(label + detail, oracle, mine.rows * mine.cols, exact, err, ok, label))

    use_expanded = element.inlined_size <= limits.EXPANDED_ORACLE_MAX_OPS if expanded is None else expanded
    expanded_grads = element.expanded() if use_expanded else {}

    for eq in derivation.gradients:
        param = eq.lhs.of
        mine = evaluate(eq.rhs, env, times)
        record(eq.label, "chain", mine, chain[param])
        if use_expanded:
            record(eq.label, "expanded", mine, expanded_grads[param])
    for eq in derivation.generic_gradients:
        record(eq.label, "chain", evaluate(eq.rhs, env, times), chain[eq.lhs.of], " (generic)")
    for eq in derivation.adjoints:
        record(eq.label, "chain", env[eq.lhs], chain[eq.lhs.of])
    for eq in derivation.generic_adjoints:
        _prove_generic(eq, derivation, env, chain, record, element)
    for eq in derivation.closed_forms:
        _prove_generic(eq, derivation, env, chain, record, element)
        induction = prove_by_induction(derivation, eq)
        if induction is not None:
            results.append(ProofResult(f"{eq.label} (every T)", "induction", 0, True, 0.0, induction.proved, eq.label))
    sizes = _sizes(derivation)
    return ProofReport(derivation.spec.name, derivation.steps, sizes, tuple(results), time.perf_counter() - start)


def _prove_generic(eq, derivation: Derivation, env, chain, record, element) -> None:
    """Instantiate a generic equation at every concrete ``t`` it covers and compare."""
    steps = derivation.steps
    if isinstance(eq.lhs, ir.Derivative):
        times = {ir.T_SYM: steps}
        of, wrt = (ir.shift_time(v, times) for v in (eq.lhs.of, eq.lhs.wrt))
        record(eq.label, "diff", evaluate(eq.rhs, env, times), element.jacobian(of, wrt))
        return
    lhs_var = eq.lhs.of if isinstance(eq.lhs, ir.Adjoint) else eq.lhs
    if eq.bounds is None:
        truth = chain.get(lhs_var)
        if truth is not None:
            record(eq.label, "chain", evaluate(eq.rhs, env, {ir.T_SYM: steps}), truth)
        return
    lo, hi = eq.bounds
    lo_n = int(ir.as_sym(lo).subs(ir.T_SYM, steps))
    hi_n = int(ir.as_sym(hi).subs(ir.T_SYM, steps))
    for t in range(max(lo_n, 1) if lo_n >= 0 else 1, hi_n + 1):
        times = {ir.T_SYM: steps, ir.t_SYM: t}
        var = ir.shift_time(lhs_var, times)
        if var not in chain:
            continue
        record(eq.label, "chain", evaluate(eq.rhs, env, times), chain[var], f" @ t={t}")


def _sizes(derivation: Derivation) -> str:
    spec = derivation.spec
    if not spec.recurrent:
        return _("sizes {sizes}").format(sizes="-".join(str(s) for s in spec.sizes))
    if spec.notation == "row":
        return _("input {i}, hidden {h}, output {o}, T = {T}, batch {b}").format(
            i=spec.input_size, h=spec.hidden_size, o=spec.output_size, T=derivation.steps, b=spec.batch)
    return _("input {i}, hidden {h}, output {o}, T = {T}").format(
        i=spec.input_size, h=spec.hidden_size, o=spec.output_size, T=derivation.steps)


__all__ = ["ProofReport", "ProofResult", "node_key", "prove"]
