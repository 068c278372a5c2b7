"""Generate a NumPy module from a Derivation: a forward loop over time and a reversed loop.

The pipeline reads as one function, :func:`generate`::

    derivation = derive(spec)                   # generic equations with boundary cases
    program = plan(derivation)                  # ordered blocks of printed statements
    source = render(program)                    # jinja2 arranges the printed strings

Everything comes from the derivation's *generic* equations (``generic_forward``,
``generic_adjoints``, ``generic_gradients``): each equation becomes one statement per forward
node and one per adjoint contribution, cites its label (``# adj:h:t``), and the boundary cases
(``adj:h:T``) become ``if``/``elif`` branches inside the loop. Steps whose equation does not
depend on another step (outputs, their adjoints) are one statement over all steps at once; so is
the loop-free part of a recurrent equation (``X_t W_xh + b_h``, ``dL/dYhat_t W_hq^T``), computed
before the loop that then adds the recurrent part (``H_{t-1} W_hh``) with ``+=``, both citing the
same label; an activation the forward loop computes and the reversed loop needs again
(``tanh(C_t)``) is kept in an array (``tanh_C[t]``), one a loop body needs twice is computed once
per step; an adjoint used only within its own step (``dL/dI_t``) is a per-step local ``d_I``; and
each parameter gradient ``sum_t ...`` is one product over all steps stacked as rows (the reversed
loop accumulates the adjoints, the sums over t then need no loop).

Layout of generated code: a leading batch axis on every array. Column-notation equations
(``h_t = f(W_hx x_t + ...)``) are rewritten for examples stored as *rows* by transposing both
sides (:func:`rows_of`: ``(W_hx x_t)^T = x_t^T W_hx^T``), so that ``W_hx x_t`` prints as
``x[t] @ W_hx.T``; parameter gradients keep the parameter's own layout (:func:`cols_of`). The loss
is the sum over the batch of each example's loss, which is the derivation's loss at ``B = 1``
(row-notation specs already sum over their rows).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path

import jinja2
import sympy

from .. import __version__
from ..core import ir
from ..core.derive import GENERIC_STEPS, Derivation, derive
from ..core.labels import Equation, param_key
from ..core.spec import Spec, with_steps
from ..core.unroll import Graph, unroll
from ..printing.numpy_code import (
    BatchSum,
    CodegenError,
    NumPyCodePrinter,
    TimeMode,
    adjoint_code,
    name_code,
    time_code,
)
from ..printing.pytext import docstring_text, python_string
from .runtime import helpers_used

_LARGE = 10**6


# --------------------------------------------------------------------------- row world


def _is_batched(var: ir.Var) -> bool:
    return var.role != "param"


def _row_var(var: ir.Var) -> ir.Var:
    return replace(var, shape=(var.shape[1], var.shape[0]))


def rows_of(expr: ir.Expr) -> ir.Expr:
    """``expr^T`` written with per-example rows: the form of a column-notation node equation."""
    if isinstance(expr, ir.Var):
        return _row_var(expr) if _is_batched(expr) else ir.transpose(expr)
    if isinstance(expr, ir.Adjoint):
        return ir.Adjoint(_row_var(expr.of)) if _is_batched(expr.of) else ir.transpose(expr)
    if isinstance(expr, ir.Const):
        return ir.Const((expr.cols, expr.rows), expr.value, expr.identity)
    if isinstance(expr, ir.MatMul):
        return ir.matmul(rows_of(expr.right), rows_of(expr.left))
    if isinstance(expr, ir.Transpose):
        return cols_of(expr.x)
    if isinstance(expr, ir.Softmax):
        return ir.Softmax(rows_of(expr.x), "row", None if expr.mass is None else rows_of(expr.mass))
    if isinstance(expr, ir.Loss):
        return ir.Loss(expr.kind, rows_of(expr.pred), rows_of(expr.target), "row", expr.seed_form)
    if isinstance(expr, ir.TimeSum):
        return ir.TimeSum(expr.index, expr.lo, expr.hi, rows_of(expr.body))
    if isinstance(expr, (ir.Add, ir.Neg, ir.Scale, ir.Hadamard, ir.OneMinus, ir.Apply, ir.DerivApply)):
        return expr.rebuild(tuple(rows_of(k) for k in expr.children()))
    raise CodegenError(f"no row form for op {type(expr).__name__} in generated code")


def cols_of(expr: ir.Expr) -> ir.Expr:
    """``expr`` itself written with per-example rows: the form of a parameter gradient."""
    if isinstance(expr, ir.Var):
        return ir.transpose(_row_var(expr)) if _is_batched(expr) else expr
    if isinstance(expr, ir.Adjoint):
        return ir.transpose(ir.Adjoint(_row_var(expr.of))) if _is_batched(expr.of) else expr
    if isinstance(expr, ir.Const):
        return expr
    if isinstance(expr, ir.MatMul):
        return ir.matmul(cols_of(expr.left), cols_of(expr.right))
    if isinstance(expr, ir.Transpose):
        return rows_of(expr.x)
    if isinstance(expr, ir.Loss):
        return rows_of(expr)
    if isinstance(expr, ir.TimeSum):
        return ir.TimeSum(expr.index, expr.lo, expr.hi, cols_of(expr.body))
    if isinstance(expr, (ir.Add, ir.Neg, ir.Scale, ir.Hadamard, ir.OneMinus, ir.Apply, ir.DerivApply)):
        return expr.rebuild(tuple(cols_of(k) for k in expr.children()))
    return ir.transpose(rows_of(expr))


def reduce_batch(expr: ir.Expr, printer: NumPyCodePrinter) -> ir.Expr:
    """A gradient is the sum over examples: sum the rows of every per-example term."""
    kind = printer.kind(expr)
    if kind == "shared":
        return expr
    if isinstance(expr, ir.Add):
        return ir.Add(tuple(reduce_batch(t, printer) for t in expr.terms))
    if isinstance(expr, ir.Neg):
        return ir.Neg(reduce_batch(expr.x, printer))
    if isinstance(expr, ir.Scale):
        return ir.Scale(expr.factor, reduce_batch(expr.x, printer))
    if isinstance(expr, ir.TimeSum):
        return ir.TimeSum(expr.index, expr.lo, expr.hi, reduce_batch(expr.body, printer))
    if kind == "rows":
        return BatchSum(expr)
    return ir.Transpose(BatchSum(_flip(expr)))


def _flip(expr: ir.Expr) -> ir.Expr:
    """The transpose of ``expr`` with the transpose pushed down to the leaves."""
    if isinstance(expr, ir.Transpose):
        return expr.x
    if isinstance(expr, (ir.Var, ir.Adjoint, ir.Const)):
        return ir.transpose(expr)
    if isinstance(expr, ir.MatMul):
        return ir.matmul(_flip(expr.right), _flip(expr.left))
    if isinstance(expr, (ir.Add, ir.Neg, ir.Scale, ir.Hadamard, ir.OneMinus, ir.Apply, ir.DerivApply)):
        return expr.rebuild(tuple(_flip(k) for k in expr.children()))
    raise CodegenError(f"cannot sum a per-example column value over the batch: {type(expr).__name__}")


# --------------------------------------------------------------------------- program


@dataclass(frozen=True)
class Statement:
    target: str
    op: str
    value: str
    label: str

    @property
    def text(self) -> str:
        return f"{self.target} {self.op} {self.value}  # {self.label}"


@dataclass(frozen=True)
class Branch:
    head: str | None
    statements: tuple[Statement, ...]


@dataclass(frozen=True)
class Block:
    header: str | None
    branches: tuple[Branch, ...]


@dataclass(frozen=True)
class Leaf:
    """An input, target or initial state as the module receives it."""

    key: str
    name: str
    role: str
    form: str  # "sequence", "first", "last", "initial", "static"
    width: int

    @property
    def layout(self) -> str:
        return {
            "sequence": f"(B, T, {self.width})",
            "first": f"(B, {self.width}), step 1 only",
            "last": f"(B, {self.width}), step T only",
            "initial": f"(B, {self.width}), optional, zeros by default",
            "static": f"(B, {self.width})",
        }[self.form]


@dataclass(frozen=True)
class Program:
    spec: Spec
    version: str
    notation: str
    params: tuple[tuple[str, tuple[int, int]], ...]
    inputs: tuple[Leaf, ...]
    targets: tuple[Leaf, ...]
    outputs: tuple[tuple[str, str, str], ...]  # (key, code, layout)
    arrays: tuple[tuple[str, int], ...]  # time-indexed node arrays (name, width)
    adjoint_arrays: tuple[tuple[str, int], ...]
    forward: tuple[Block, ...]
    loss: tuple[Block, ...]
    backward: tuple[Block, ...]
    gradients: tuple[Statement, ...]
    recurrent: bool
    labels: tuple[str, ...] = field(default=())
    helpers: tuple[str, ...] = ()  # the activation helpers the statements call, and only those
    param_lines: tuple[str, ...] = ()
    size_line: str = ""
    input_lines: tuple[str, ...] = ()
    target_lines: tuple[str, ...] = ()
    alloc_lines: tuple[str, ...] = ()
    adjoint_alloc_lines: tuple[str, ...] = ()

    @property
    def filename(self) -> str:
        return module_name(self.spec.name) + ".py"

    @property
    def main_input(self) -> str:
        return next(leaf.key for leaf in self.inputs if leaf.form != "initial")

    @property
    def main_target(self) -> str:
        return self.targets[0].key

    @property
    def input_forms(self) -> str:
        return "{" + ", ".join(f"{leaf.key!r}: {leaf.form!r}" for leaf in self.inputs) + "}"

    @property
    def target_forms(self) -> str:
        return "{" + ", ".join(f"{leaf.key!r}: {leaf.form!r}" for leaf in self.targets) + "}"

    @property
    def output_keys(self) -> str:
        return ", ".join(key for key, _, _ in self.outputs)

    @property
    def notation_note(self) -> str:
        if self.notation == "row":
            return (
                "Row notation: the spec's rows are the batch, so the equations read as written\n"
                "(``X_t W_xh``, a bias row broadcast over the batch)."
            )
        return (
            "Column notation: each example is stored as a row, so ``W_hx x_t`` is written\n"
            "``x[t] @ W_hx.T`` and a column bias ``b_h`` (n, 1) enters as the row ``b_h.T``."
        )


def _width(var: ir.Var, row: bool) -> int:
    return var.shape[1] if row else var.shape[0]


def _at(expr: sympy.Expr, T: int) -> int:
    return int(sympy.sympify(expr).subs(ir.T_SYM, T))


def _fix_time(time):
    """Repair a fixed time read off the ``GENERIC_STEPS`` unroll that was not rewritten in ``T``.

    The generic equations of an encoder-decoder spec come back with ``s_0 = h_5`` and
    ``dL/dh_T = dL/ds_{T-5}``: a fixed step ``n > 2`` of the 5-step unroll means ``T - (5 - n)``
    and ``T - k`` with ``k > 2`` means step ``5 - k`` (the ``_bound`` convention of derive.py).
    """
    if time is None:
        return None
    time = sympy.sympify(time)
    if ir.t_SYM in time.free_symbols:
        return time
    if time.is_Integer and int(time) > 2:
        return ir.T_SYM - (GENERIC_STEPS - int(time))
    if time.free_symbols == {ir.T_SYM}:
        k = int(ir.T_SYM - time) if (ir.T_SYM - time).is_Integer else None
        if k is not None and k > 2:
            return sympy.Integer(GENERIC_STEPS - k)
    return time


def _repair(expr: ir.Expr) -> ir.Expr:
    def leaf(node):
        var = node.of if isinstance(node, ir.Adjoint) else node
        if var.time is not None:
            var = replace(var, time=_fix_time(var.time))
        return ir.Adjoint(var) if isinstance(node, ir.Adjoint) else var

    return ir.map_leaves(expr, leaf)


def _repair_equation(eq: Equation) -> Equation:
    lhs_var = eq.lhs.of if isinstance(eq.lhs, ir.Adjoint) else eq.lhs
    bounds = eq.bounds
    if bounds is not None and lhs_var.time is not None and ir.t_SYM not in sympy.sympify(lhs_var.time).free_symbols:
        fixed = _fix_time(lhs_var.time)
        bounds = (fixed, fixed)
    return replace(eq, lhs=_repair(eq.lhs), rhs=_repair(eq.rhs), bounds=bounds)


class _Planner:
    def __init__(self, derivation: Derivation, hoist: bool = True):
        self.hoist = hoist
        self.locals: set = set()  # adjoint templates kept as per-step locals (filled while planning)
        self.d = derivation
        self.spec = derivation.spec
        self.row = getattr(self.spec, "notation", "column") == "row"
        self.recurrent = self.spec.recurrent
        self.graph: Graph = unroll(self.spec, GENERIC_STEPS) if self.recurrent else derivation.graph
        seen: set = set()
        for node in self.graph.nodes:
            if node.var in seen:
                raise CodegenError(
                    f"two quantities of {self.spec.name} share the name {node.var.name!r} at step {node.var.time}"
                    " (for example an LSTM output gate o and an output layer o in column notation); rename one"
                )
            seen.add(node.var)
        self.fwd = [_repair_equation(e) for e in derivation.generic_forward]
        self.adj = [_repair_equation(e) for e in derivation.generic_adjoints]
        self.grads = [_repair_equation(e) for e in derivation.generic_gradients]
        self.stored: dict = {}
        self.stored = self._find_stored()
        self.emitted: set = set()  # stored activations whose forward-loop statement was planned

    # ------------------------------------------------------------------ helpers

    def node_form(self, expr: ir.Expr) -> ir.Expr:
        return self._use_stored(expr if self.row else rows_of(expr))

    def grad_form(self, expr: ir.Expr) -> ir.Expr:
        return self._use_stored(expr if self.row else cols_of(expr))

    # ------------------------------------------------------------------ activations kept from the forward pass

    def _find_stored(self) -> dict:
        """Activations of a step quantity that the forward pass computes and the backward pass needs
        again (``tanh(C_t)`` in ``H_t = O_t ⊙ tanh(C_t)`` and in ``dL/dC_t``): kept in an array
        ``tanh_C`` by the forward loop, so the reversed loop reads them instead of recomputing.

        Returns ``{(fn, name, layer): (array name, width, labels)}``."""
        found: dict[tuple, list[str]] = {}
        in_forward: set = set()
        for eqs, forward in ((self.fwd, True), (self.adj, False)):
            for eq in eqs:
                rhs = eq.rhs if self.row else rows_of(eq.rhs)
                for node in ir.walk(rhs):
                    if (isinstance(node, ir.Apply) and node.fn != "identity" and isinstance(node.x, ir.Var)
                            and node.x.role != "param" and node.x.time is not None):
                        key = (node.fn, node.x.name, node.x.layer)
                        found.setdefault(key, [])
                        if eq.label not in found[key]:
                            found[key].append(eq.label)
                        if forward and sympy.sympify(node.x.time) == ir.t_SYM:
                            in_forward.add(key)
        stored = {}
        for key, labels in found.items():
            if key in in_forward and any(label.startswith("adj:") for label in labels):
                fn, name, layer = key
                code = f"{fn}_{name_code(ir.Var(name, (1, 1), layer=layer))}"
                stored[key] = (code, labels)
        return stored

    def _use_stored(self, expr: ir.Expr) -> ir.Expr:
        if not self.stored:
            return expr

        def go(node: ir.Expr) -> ir.Expr:
            if isinstance(node, ir.Apply) and isinstance(node.x, ir.Var):
                hit = self.stored.get((node.fn, node.x.name, node.x.layer))
                if hit is not None and node.x.time is not None:
                    return replace(node.x, name=hit[0], layer=None, role="node")
            kids = node.children()
            if not kids or isinstance(node, (ir.Var, ir.Adjoint)):
                return node
            return node.rebuild(tuple(go(k) for k in kids))

        return go(expr)

    def _store_statements(self, var: ir.Var) -> list[Statement]:
        """``tanh_C[t] = np.tanh(C[t])`` right after ``C[t]`` is computed in the forward loop."""
        out = []
        for (fn, name, layer), (code, labels) in self.stored.items():
            if (name, layer) != (var.name, var.layer):
                continue
            at_t = replace(var, time=ir.t_SYM)
            if not self.row:
                at_t = _row_var(at_t)
            value = NumPyCodePrinter().code(ir.Apply(fn, at_t))
            out.append(Statement(f"{code}[t]", "=", value, "shared by " + ", ".join(labels)))
            self.emitted.add((fn, name, layer))
        return out

    def _equation_for(self, equations: list[Equation], var: ir.Var) -> Equation:
        for eq in equations:
            lhs = eq.lhs.of if isinstance(eq.lhs, ir.Adjoint) else eq.lhs
            if (lhs.name, lhs.layer) != (var.name, var.layer):
                continue
            if var.time is None or eq.bounds is None:
                return eq
            lo, hi = (_at(b, GENERIC_STEPS) for b in eq.bounds)
            if lo <= int(var.time) <= hi:
                return eq
        raise CodegenError(f"no generic equation covers {var.name} at step {var.time}")

    def _segments(self, nodes, equations, backward: bool):
        """Runs of nodes computed by one loop (or one statement), in graph order."""
        segments: list[list[tuple[ir.Var, Equation]]] = []
        last = None
        for node in nodes:
            var = node.var
            eq = self._equation_for(equations, var)
            time = None if var.time is None else int(var.time)
            went_back = last is not None and time is not None and (time > last if backward else time < last)
            if not segments or time is None or last is None or went_back:
                segments.append([])
            segments[-1].append((var, eq))
            last = time
        out: list[list[tuple[ir.Var, Equation]]] = []
        for seg in segments:
            # a fixed-step case before (forward) or after (backward) a loop is its own statement
            peeled = []
            while len(seg) > 1 and self._peelable(seg, -1 if backward else 0):
                peeled.append([seg.pop(-1 if backward else 0)])
            # so is a quantity that exists at one step only (the output of many-to-one) at the loop's end
            tail = []
            while len(seg) > 1 and self._single_step(seg, 0 if backward else -1):
                tail.append([seg.pop(0 if backward else -1)])
            if backward:
                out.extend(tail + [seg] + peeled[::-1])
            else:
                out.extend(peeled + [seg] + tail[::-1])
        return out

    def _single_step(self, seg, idx) -> bool:
        var, eq = seg[idx]
        if eq.bounds is None or eq.bounds[0] != eq.bounds[1]:
            return False
        return all((v.name, v.layer) != (var.name, var.layer) for v, e in seg if e.label != eq.label)

    def _peelable(self, seg, idx) -> bool:
        _var, eq = seg[idx]
        if eq.bounds is None or eq.bounds[0] != eq.bounds[1]:
            return False
        # compared with the loop's ranges only: several fixed-step cases at the same step (a
        # decoder's h_0 and c_0, one per layer, set from the encoder) are all peeled
        others = [e for v, e in seg if e.label != eq.label and e.bounds is not None and e.bounds[0] != e.bounds[1]]
        if not others:
            return False
        return _at(eq.bounds[0], _LARGE) < min(_at(e.bounds[0], _LARGE) for e in others)

    # ------------------------------------------------------------------ statements

    def _target(self, var: ir.Var, adjoint: bool, mode: TimeMode) -> str:
        """``h[t]``, or ``_steps(h, 1, T)[:]`` (a view: steps stacked as rows) for every step at once.

        Stacking steps as rows keeps products two-dimensional: one GEMM (NumPy's matmul on a
        (T, B, n) stack calls one small GEMM per step)."""
        expr = ir.Adjoint(var) if adjoint else var
        text = NumPyCodePrinter(mode).code(expr)
        return f"{text}[:]" if mode.how == "flat" else text

    def _statements(self, eq: Equation, adjoint: bool, mode: TimeMode, shared: dict | None = None) -> list[Statement]:
        var = eq.lhs.of if adjoint else eq.lhs
        rhs = self.node_form(eq.rhs)
        terms = list(rhs.terms) if isinstance(rhs, ir.Add) else [rhs]
        return self._emit(var, adjoint, eq.label, terms, mode, shared, accumulate=False)

    def _emit(self, var: ir.Var, adjoint: bool, label: str, terms: list, mode: TimeMode, shared: dict | None,
              accumulate: bool) -> list[Statement]:
        """``target = term_1`` then ``target += term_k`` (adjoints: one statement per contribution;
        forward nodes: one statement). ``accumulate``: the slot already holds a part (``+=`` only)."""
        if shared:
            terms = [ir.substitute(term, shared) for term in terms]
        terms = [term for term in terms if not ir.is_zero(term)]
        printer = NumPyCodePrinter(mode)
        target = self._target(_row_var(var) if not self.row else var, adjoint, mode)
        indexed = var.time is not None
        if adjoint and (var.name, var.layer) in self.locals:
            target, indexed = adjoint_code(var), False
        if not terms:
            return [] if (indexed or accumulate) else [Statement(target, "=", "0.0", label)]
        if not adjoint:
            terms = [ir.add(*terms)]
        else:
            # a contribution from a consumer carries that consumer's adjoint; terms without one
            # are the loss's own derivative (``o_t - y_t``), a single contribution: keep them together
            local = [term for term in terms if not ir.adjoints(term)]
            if len(local) > 1:
                terms = [ir.add(*local)] + [term for term in terms if ir.adjoints(term)]
        out = []
        for i, term in enumerate(terms):
            if i == 0 and not accumulate:
                out.append(Statement(target, "=", printer.code(term), label))
            elif indexed:
                if isinstance(term, ir.Neg):
                    out.append(Statement(target, "-=", printer.code(term.x), label))
                else:
                    out.append(Statement(target, "+=", printer.code(term), label))
            else:
                shape = var.shape if self.row else (var.shape[1], var.shape[0])
                plain = ir.Var(adjoint_code(var) if adjoint else name_code(var), shape, "node")
                out.append(Statement(target, "=", printer.code(ir.add(plain, term)), label))
        return out

    # ------------------------------------------------------------------ hoisting out of the loop

    def _depends(self, term: ir.Expr, internal: set, adjoint: bool) -> bool:
        """Does ``term`` read a quantity that this loop computes (so it must stay in the loop)?"""
        for node in ir.walk(term):
            if adjoint and isinstance(node, ir.Adjoint) and (node.of.name, node.of.layer) in internal:
                return True
            if not adjoint and isinstance(node, ir.Var) and (node.name, node.layer) in internal:
                return True
        return False

    def _hoist(self, group: list[Equation], adjoint: bool, internal: set):
        """Split a template's cases into a part computed for all steps at once and a per-step part.

        ``X_t W_xi + b_i`` does not depend on the loop: it becomes one product over every step
        before the loop, and the loop adds ``H_{t-1} W_hi``. Likewise ``dL/dYhat_t W_hq^T`` in
        ``dL/dH_t``. Done only when every case of the template has the same loop-free part.
        Returns ``(statements before the loop, {label: terms left in the loop})`` or ``None``.
        """
        generic, loop_terms = [], {}
        for e in group:
            rhs = self.node_form(e.rhs)
            terms = list(rhs.terms) if isinstance(rhs, ir.Add) else [rhs]
            free = [term for term in terms if not self._depends(term, internal, adjoint)]
            loop_terms[e.label] = [term for term in terms if self._depends(term, internal, adjoint)]
            lo, hi = e.bounds
            free = [_to_generic(term, lo) if lo == hi else term for term in free]
            generic.append(sorted(free, key=repr))
        if not generic[0] or any(g != generic[0] for g in generic):
            return None
        if all(not terms for terms in loop_terms.values()) and len(group) == 1:
            return None  # nothing would stay in the loop: the planner vectorises such a template itself
        lo = min((e.bounds[0] for e in group), key=lambda b: _at(b, _LARGE))
        hi = max((e.bounds[1] for e in group), key=lambda b: _at(b, _LARGE))
        first = group[0]
        var = first.lhs.of if adjoint else first.lhs
        label = ", ".join(e.label for e in group)
        rhs = self.node_form(first.rhs)
        terms = list(rhs.terms) if isinstance(rhs, ir.Add) else [rhs]
        free = [term for term in terms if not self._depends(term, internal, adjoint)]
        if first.bounds[0] == first.bounds[1]:
            free = [_to_generic(term, first.bounds[0]) for term in free]
            var = replace(var, time=ir.t_SYM)
        before = self._emit(var, adjoint, label, free, TimeMode("flat", ir.t_SYM, lo, hi), None, accumulate=False)
        return before, loop_terms

    def _condition(self, bounds, loop_lo, loop_hi) -> str | None:
        lo, hi = bounds
        if lo == hi:
            return f"t == {time_code(lo)}"
        if lo == loop_lo and hi == loop_hi:
            return None
        if lo == loop_lo:
            return f"t <= {time_code(hi)}"
        if hi == loop_hi:
            return f"t >= {time_code(lo)}"
        return f"{time_code(lo)} <= t <= {time_code(hi)}"

    def _recurrent_in(self, eq: Equation, adjoint: bool) -> bool:
        var = eq.lhs.of if adjoint else eq.lhs
        for node in ir.walk(eq.rhs):
            other = node.of if isinstance(node, ir.Adjoint) else node
            same = isinstance(other, ir.Var) and (other.name, other.layer) == (var.name, var.layer)
            if isinstance(node, ir.Adjoint if adjoint else ir.Var) and same and other.time != var.time:
                return True
        return False

    def blocks(self, segments, adjoint: bool, backward: bool) -> list[Block]:
        blocks: list[Block] = []
        for seg in segments:
            cases: dict[str, Equation] = {}
            for _, eq in seg:
                cases.setdefault(eq.label, eq)
            eqs = list(cases.values())
            timed = [e for e in eqs if e.bounds is not None]
            if not timed:
                stmts = [s for e in eqs for s in self._statements(e, adjoint, TimeMode())]
                blocks.append(Block(None, (Branch(None, tuple(stmts)),)))
                continue
            if len(eqs) == 1 and eqs[0].bounds[0] == eqs[0].bounds[1]:
                blocks.append(Block(None, (Branch(None, tuple(self._statements(eqs[0], adjoint, TimeMode()))),)))
                continue
            if len(eqs) == 1 and not self._recurrent_in(eqs[0], adjoint):
                lo, hi = eqs[0].bounds
                mode = TimeMode("flat", ir.t_SYM, lo, hi)
                eq = eqs[0]
                generic = eq
                blocks.append(Block(None, (Branch(None, tuple(self._statements(generic, adjoint, mode))),)))
                continue
            loop_lo = min((e.bounds[0] for e in timed), key=lambda b: _at(b, _LARGE))
            loop_hi = max((e.bounds[1] for e in timed), key=lambda b: _at(b, _LARGE))
            if backward:
                header = f"for t in range({time_code(loop_hi)}, {time_code(loop_lo - 1)}, -1):"
            else:
                header = f"for t in range({time_code(loop_lo)}, {time_code(loop_hi + 1)}):"
            by_template: dict[tuple, list[Equation]] = {}
            for e in eqs:
                var = e.lhs.of if adjoint else e.lhs
                by_template.setdefault((var.name, var.layer), []).append(e)
            internal = set(by_template)
            local = self._local_adjoints(by_template, eqs) if adjoint else {}
            before: list[Statement] = []
            plans = []
            for group in by_template.values():
                hoisted = self._hoist(group, adjoint, internal) if self.hoist else None
                if hoisted:
                    before.extend(hoisted[0])
                for e in group:
                    var = e.lhs.of if adjoint else e.lhs
                    if hoisted:
                        plans.append((e, var, hoisted[1][e.label], True))
                    else:
                        rhs = self.node_form(e.rhs)
                        plans.append((e, var, list(rhs.terms) if isinstance(rhs, ir.Add) else [rhs], False))
            shared, shared_stmts = self._shared_activations([(e.label, t) for e, _, terms, _ in plans for t in terms])
            shared = {**shared, **local}
            branches: list[Branch] = [Branch(None, tuple(shared_stmts))] if shared_stmts else []
            first_of: set = set()
            for e, var, terms, accumulate in plans:
                stmts = self._emit(var, adjoint, e.label, terms, TimeMode(), shared, accumulate)
                if not stmts:
                    continue
                cond = self._condition(e.bounds, loop_lo, loop_hi)
                key = (var.name, var.layer)
                head = None
                if cond is not None:
                    head = ("elif " if key in first_of else "if ") + cond + ":"
                    first_of.add(key)
                branches.append(Branch(head, tuple(stmts)))
                last_of_template = all((v.name, v.layer) != key for _, v, _, _ in plans[plans.index((e, var, terms, accumulate)) + 1:])
                if not adjoint and last_of_template:
                    store = self._store_statements(var)
                    if store:
                        branches.append(Branch(None, tuple(store)))
            if before:
                blocks.append(Block(None, (Branch(None, tuple(before)),)))
            blocks.append(Block(header, tuple(branches)))
        return blocks

    def _local_adjoints(self, by_template: dict, eqs: list[Equation]) -> dict:
        """Adjoints needed only within their own step of this loop (``dL/dI_t``, used for ``dL/dA_i,t``
        and nowhere else) are a per-step local ``d_I``, not an array over all steps."""
        labels = {e.label for e in eqs}
        mapping: dict[ir.Expr, ir.Expr] = {}
        for key, group in by_template.items():
            if len(group) != 1 or group[0].bounds[0] == group[0].bounds[1]:
                continue
            lhs = group[0].lhs.of
            ok = True
            for eq in self.adj + self.grads:
                for node in ir.walk(eq.rhs):
                    refers = isinstance(node, ir.Adjoint) and (node.of.name, node.of.layer) == key
                    if refers and (eq.label not in labels or sympy.sympify(node.of.time) != ir.t_SYM):
                        ok = False
            if ok:
                row_lhs = lhs if self.row else _row_var(lhs)
                mapping[ir.Adjoint(row_lhs)] = ir.Var(adjoint_code(lhs), row_lhs.shape, "node")
                self.locals.add(key)
        return mapping

    def _shared_activations(self, terms: list[tuple[str, ir.Expr]]) -> tuple[dict, list[Statement]]:
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

    # ------------------------------------------------------------------ gradients

    def gradient_statements(self) -> list[Statement]:
        out = []
        printer = NumPyCodePrinter()
        for eq in self.grads:
            key = eq.node
            rhs = reduce_batch(self.grad_form(eq.rhs), printer)
            terms = rhs.terms if isinstance(rhs, ir.Add) else (rhs,)
            name = "d_" + key
            if ir.is_zero(rhs):
                out.append(Statement(name, "=", f"np.zeros_like({key})", eq.label))
                continue
            for i, term in enumerate(terms):
                op = "=" if i == 0 else "+="
                if i and isinstance(term, ir.Neg):
                    op, term = "-=", term.x
                out.append(Statement(name, op, printer.code(term), eq.label))
        return out

    # ------------------------------------------------------------------ leaves and layout

    def leaves(self) -> tuple[list[Leaf], list[Leaf]]:
        forms: dict[tuple, set] = {}
        first: dict[tuple, ir.Var] = {}
        for leaf in self.graph.leaves:
            key = (leaf.name, leaf.layer, leaf.role)
            forms.setdefault(key, set()).add(None if leaf.time is None else int(leaf.time))
            first.setdefault(key, leaf)
        inputs, targets = [], []
        for key, times in forms.items():
            var = first[key]
            width = _width(var, self.row)
            code = name_code(var)
            if times == {None}:
                form, dict_key = "static", code
            elif times == {0}:
                form, dict_key = "initial", f"{code}_0"
            elif times == set(range(1, GENERIC_STEPS + 1)):
                form, dict_key = "sequence", code
            elif times == {1}:
                form, dict_key = "first", code
            elif times == {GENERIC_STEPS}:
                form, dict_key = "last", code
            else:
                raise CodegenError(f"leaf {code} appears at steps {sorted(times)}: no input layout for that")
            leaf = Leaf(dict_key, code, var.role, form, width)
            (targets if var.role == "target" else inputs).append(leaf)
        return inputs, targets

    def arrays(self, adjoint: bool) -> list[tuple[str, int]]:
        seen: dict[str, int] = {}
        for node in self.graph.nodes:
            var = node.var
            if var.time is None or var == self.graph.loss:
                continue
            name = adjoint_code(var) if adjoint else name_code(var)
            seen.setdefault(name, _width(var, self.row))
        return list(seen.items())

    def stored_arrays(self) -> list[tuple[str, int]]:
        widths = {(v.name, v.layer): _width(v, self.row) for v in (n.var for n in self.graph.nodes)}
        return [(code, widths[(name, layer)]) for (fn, name, layer), (code, _) in self.stored.items()]

    def outputs(self) -> list[tuple[str, str, str]]:
        found: dict[str, tuple[str, str, str]] = {}
        for node in ir.walk(self.graph.node_of(self.graph.loss).expr):
            if isinstance(node, ir.Loss):
                pred = node.pred
                if isinstance(pred, ir.Var):
                    self._add_output(found, pred)
        for node in self.graph.nodes:  # the seed's E_o1 nodes: the loss of each output
            if node.var.time is None and isinstance(node.expr, ir.Loss) and isinstance(node.expr.pred, ir.Var):
                self._add_output(found, node.expr.pred)
        return list(found.values())

    def _add_output(self, found, pred: ir.Var) -> None:
        code = name_code(pred)
        if code in found:
            return
        times = {int(n.var.time) for n in self.graph.nodes if n.var.time is not None and (n.var.name, n.var.layer) == (pred.name, pred.layer)}
        width = _width(pred, self.row)
        if pred.time is None:
            found[code] = (code, code, f"(B, {width})")
        elif times == {GENERIC_STEPS}:
            found[code] = (code, f"{code}[T].copy()", f"(B, {width}) at step T")
        else:
            found[code] = (code, f"np.moveaxis({code}[1:T + 1], 0, 1).copy()", f"(B, T, {width})")


def _prologue(p: _Planner, inputs: list[Leaf], targets: list[Leaf]):
    params = [f'{param_key(v)} = _param(params, "{param_key(v)}", {v.shape}, dtype)' for v in p.graph.params]

    def get(leaf: Leaf) -> str:
        where = "inputs" if leaf.role != "target" else "targets"
        return f'_get({where}, "{leaf.key}")'

    if p.recurrent:
        seqs = [get(leaf) for leaf in inputs + targets if leaf.form == "sequence"]
        others = [get(leaf) for leaf in inputs + targets if leaf.form != "sequence"]
        size = f"B, T = _sizes(steps, ({', '.join(seqs)}{',' if len(seqs) == 1 else ''}), ({', '.join(others)}{',' if len(others) == 1 else ''}))"
    else:
        size = f"B = np.asarray(inputs[\"{inputs[0].key}\"]).shape[0]"

    def load(leaf: Leaf) -> str:
        where = "inputs" if leaf.role != "target" else "targets"
        args = {
            "sequence": f'_sequence({where}, "{leaf.key}", T, B, {leaf.width}, dtype)',
            "first": f'_one_step({where}, "{leaf.key}", 1, T, B, {leaf.width}, dtype)',
            "last": f'_one_step({where}, "{leaf.key}", T, T, B, {leaf.width}, dtype)',
            "initial": f'_initial({where}, "{leaf.key}", T, B, {leaf.width}, dtype)',
            "static": f'_static({where}, "{leaf.key}", B, {leaf.width}, dtype)',
        }[leaf.form]
        return f"{leaf.name} = {args}"

    input_lines = [load(leaf) for leaf in inputs]
    target_lines = [load(leaf) for leaf in targets]
    provided = {leaf.name for leaf in inputs}
    allocs = [f"{n} = np.zeros((T + 2, B, {w}), dtype)" for n, w in p.arrays(False) if n not in provided]
    allocs += [f"{code} = np.zeros((T + 2, B, {w}), dtype)" for code, w in p.stored_arrays()]
    local_names = {adjoint_code(ir.Var(name, (1, 1), layer=layer)) for name, layer in p.locals}
    adj_allocs = [f"{n} = np.zeros((T + 2, B, {w}), dtype)" for n, w in p.arrays(True)
                  if n not in _inline_names(p) and n not in local_names]
    return tuple(params), size, tuple(input_lines), tuple(target_lines), tuple(allocs), tuple(adj_allocs)


def plan(derivation: Derivation, hoist: bool = True) -> Program:
    """Order the derivation's generic equations into printed blocks.

    ``hoist``: compute the loop-free part of a recurrent equation (``X_t W_xh + b_h``) for every
    step at once before the loop (one product instead of T).
    """
    p = _Planner(derivation, hoist)
    graph = p.graph
    needs_targets = _needs_targets(graph)
    fwd_nodes = [n for n in graph.nodes if n.var not in needs_targets]
    loss_nodes = [n for n in graph.nodes if n.var in needs_targets]
    forward = p.blocks(p._segments(fwd_nodes, p.fwd, backward=False), adjoint=False, backward=False)
    if set(p.stored) - p.emitted:  # an activation of a quantity not computed in a forward loop: recompute it
        p.stored = {k: v for k, v in p.stored.items() if k in p.emitted}
        forward = p.blocks(p._segments(fwd_nodes, p.fwd, backward=False), adjoint=False, backward=False)
    loss = p.blocks(p._segments(loss_nodes, p.fwd, backward=False), adjoint=False, backward=False)
    adj_nodes = [n for n in reversed(graph.nodes) if n.var != graph.loss and not _inline_constant(p, n.var)]
    backward = p.blocks(p._segments(adj_nodes, p.adj, backward=True), adjoint=True, backward=True)
    inputs, targets = p.leaves()
    params = tuple((param_key(v), v.shape) for v in graph.params)
    labels = tuple(e.label for e in p.fwd + p.adj + p.grads)
    param_lines, size_line, input_lines, target_lines, allocs, adj_allocs = _prologue(p, inputs, targets)
    gradient_statements = tuple(p.gradient_statements())
    code = "\n".join(s.text for block in (*forward, *loss, *backward) for branch in block.branches
                     for s in branch.statements) + "\n".join(s.text for s in gradient_statements)
    return Program(
        spec=derivation.spec,
        version=__version__,
        notation="row" if p.row else "column",
        params=params,
        inputs=tuple(inputs),
        targets=tuple(targets),
        outputs=tuple(p.outputs()),
        arrays=tuple(p.arrays(False)),
        adjoint_arrays=tuple(a for a in p.arrays(True) if a[0] not in _inline_names(p)),
        forward=tuple(forward),
        loss=tuple(loss),
        backward=tuple(backward),
        gradients=gradient_statements,
        helpers=helpers_used(code),
        recurrent=p.recurrent,
        labels=labels,
        param_lines=param_lines,
        size_line=size_line,
        input_lines=input_lines,
        target_lines=target_lines,
        alloc_lines=allocs,
        adjoint_alloc_lines=adj_allocs,
    )


def _to_generic(expr: ir.Expr, bound) -> ir.Expr:
    """A fixed-step case written at ``t``: the step ``bound`` becomes ``t`` (``T - 1`` -> ``t - 1``)."""

    def leaf(node):
        var = node.of if isinstance(node, ir.Adjoint) else node
        if var.time is not None and ir.t_SYM not in sympy.sympify(var.time).free_symbols:
            var = replace(var, time=ir.t_SYM + (sympy.sympify(var.time) - bound))
        return ir.Adjoint(var) if isinstance(node, ir.Adjoint) else var

    return ir.map_leaves(expr, leaf)


def _needs_targets(graph: Graph) -> set:
    """Nodes that read a target, directly or through another node (the loss terms)."""
    found: set = set()
    for node in graph.nodes:
        for var in ir.variables(node.expr):
            if var.role == "target" or var in found:
                found.add(node.var)
                break
    return found


def _inline_constant(p: _Planner, var: ir.Var) -> bool:
    """Adjoints that derive writes inline (``dL/dE_o1 = 1``) get no statement of their own."""
    eq = p._equation_for(p.adj, var)
    return isinstance(eq.rhs, ir.Const) and not ir.is_zero(eq.rhs)


def _inline_names(p: _Planner) -> set[str]:
    return {adjoint_code(n.var) for n in p.graph.nodes if n.var != p.graph.loss and _inline_constant(p, n.var)}


# --------------------------------------------------------------------------- render


def _environment() -> jinja2.Environment:
    loader = jinja2.PackageLoader("symrnn", "templates")
    env = jinja2.Environment(loader=loader, keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True,
                             undefined=jinja2.StrictUndefined, autoescape=False)
    # Spec text (name, title) is data: it enters the module only through these escaping filters.
    env.filters["pystr"] = python_string
    env.filters["pydoc"] = docstring_text
    return env


def render(program: Program) -> str:
    """The module source: the template only arranges the printed statements."""
    template = _environment().get_template("module.py.j2")
    text = template.render(p=program)
    return text


def generate(spec: Spec, hoist: bool = True) -> str:
    """NumPy source of the gradients of ``spec``: ``derive -> plan -> render``.

    Only the generic equations are used, and derive reads them off a ``GENERIC_STEPS`` unroll:
    deriving at that length directly does the sweep once. The spec's own ``steps`` plays no part.
    ``hoist=False`` keeps every term of a recurrent equation inside the loop (see :func:`plan`).
    """
    if spec.recurrent:
        spec = with_steps(spec, GENERIC_STEPS)
    return render(plan(derive(spec), hoist=hoist))


def module_name(spec_name: str) -> str:
    """``lstm`` -> ``lstm``, ``gru-torch`` -> ``gru_torch`` (a Python module name)."""
    return spec_name.replace("-", "_")


def write_module(spec: Spec, path: str | Path, hoist: bool = True) -> Path:
    path = Path(path)
    path.write_text(generate(spec, hoist=hoist), encoding="utf-8")
    return path


def load_module(path: str | Path, name: str | None = None):
    """Import a generated module from its real file, so tracebacks point at real lines."""
    import importlib.util

    path = Path(path)
    mod_name = name or f"symrnn_generated_{path.stem}"
    spec = importlib.util.spec_from_file_location(mod_name, path)
    if spec is None or spec.loader is None:
        raise CodegenError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def compile_spec(spec: Spec, directory: str | Path, hoist: bool = True):
    """Write the generated module of ``spec`` into ``directory`` and import it."""
    path = Path(directory) / f"{module_name(spec.name)}.py"
    write_module(spec, path, hoist=hoist)
    return load_module(path, f"symrnn_generated_{module_name(spec.name)}_{abs(hash(str(path)))}")


def golden_dir() -> Path:
    """Where the committed generated modules of the catalogue live (the ``derivations`` package)."""
    return Path(str(resources.files("symrnn.derivations")))


__all__ = ["Program", "cols_of", "compile_spec", "generate", "load_module", "module_name", "plan", "render", "rows_of", "write_module"]
