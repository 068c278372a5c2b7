"""Order a derivation's generic equations into blocks of printed statements (see :func:`plan_blocks`).

A *segment* is a run of nodes one loop (or one statement) computes, in graph order. A segment
whose equation does not depend on another step is one statement over every step; a recurrent one
is a ``for`` loop whose boundary cases (``adj:h:T``) are ``if``/``elif`` branches, with its
loop-free part hoisted before the loop (:mod:`.hoist`). Nothing here mutates: a :class:`Planner`
is the frozen context (the equations, the kept activations, the per-step adjoint locals) that
every step of planning reads.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import sympy

from ..core import ir
from ..core.labels import Equation
from ..core.unroll import Graph
from ..printing.numpy_code import NumPyCodePrinter, TimeMode, adjoint_code, name_code, time_code
from .layout import at_step, equation_for
from .program import Statement
from .rows import cols_of, reduce_batch, row_var, rows_of

LARGE = 10**6  # a T larger than any fixed step: orders bounds written in T


@dataclass(frozen=True)
class Planner:
    """What planning reads: the generic equations, the notation, and two decisions made up front."""

    graph: Graph
    fwd: tuple[Equation, ...]
    adj: tuple[Equation, ...]
    grads: tuple[Equation, ...]
    row: bool
    hoist: bool
    stored: dict  # {(fn, name, layer): (array name, labels)}: activations kept by the forward loop
    locals: frozenset  # adjoint templates (name, layer) kept as per-step locals ``d_I``
    fusions: tuple = ()  # gates sharing a source, one product per step (:mod:`.fusion`)
    products: tuple = ()  # products of a state both passes read, kept by the forward loop (:mod:`.products`)

    def row_form(self, expr: ir.Expr) -> ir.Expr:
        return expr if self.row else rows_of(expr)

    def node_form(self, expr: ir.Expr) -> ir.Expr:
        return self.use_stored(self.row_form(expr))

    def grad_form(self, expr: ir.Expr) -> ir.Expr:
        return self.use_stored(expr if self.row else cols_of(expr))

    def use_stored(self, expr: ir.Expr) -> ir.Expr:
        """``tanh(C[t])`` read from the array ``tanh_C[t]`` the forward loop filled (and a kept
        product ``H[t - 1] @ W_hn + b_hn`` from ``H_W_hn[t]``)."""
        if self.products:
            expr = ir.substitute(expr, {k.expr: k.at_t for k in self.products})
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

    def store_statements(self, var: ir.Var) -> list[Statement]:
        """``tanh_C[t] = np.tanh(C[t])`` right after ``C[t]`` is computed in the forward loop."""
        out = []
        for (fn, name, layer), (code, labels) in self.stored.items():
            if (name, layer) != (var.name, var.layer):
                continue
            at_t = replace(var, time=ir.t_SYM)
            if not self.row:
                at_t = row_var(at_t)
            value = NumPyCodePrinter().code(ir.Apply(fn, at_t))
            out.append(Statement(f"{code}[t]", "=", value, "shared by " + ", ".join(labels)))
        return out

    def product_statements(self, eq: Equation) -> list[Statement]:
        """``H_W_hn[t] = H[t - 1] @ W_hn + b_hn`` before the forward equation that first reads it."""
        nodes = set(ir.walk(self.row_form(eq.rhs)))
        return [Statement(f"{k.code}[t]", "=", NumPyCodePrinter().code(k.expr), "shared by " + ", ".join(k.labels))
                for k in self.products if k.expr in nodes and k.labels[0] == eq.label]

    def terms(self, eq: Equation) -> list[ir.Expr]:
        rhs = self.node_form(eq.rhs)
        return list(rhs.terms) if isinstance(rhs, ir.Add) else [rhs]


# --------------------------------------------------------------------------- segments


def segments(p: Planner, nodes, equations, backward: bool) -> list[list[tuple[ir.Var, Equation]]]:
    """Runs of nodes computed by one loop (or one statement), in graph order."""
    runs: list[list[tuple[ir.Var, Equation]]] = []
    last = None
    for node in nodes:
        var = node.var
        time = None if var.time is None else int(var.time)
        went_back = last is not None and time is not None and (time > last if backward else time < last)
        if not runs or time is None or last is None or went_back:
            runs.append([])
        runs[-1].append((var, equation_for(list(equations), var)))
        last = time
    out: list[list[tuple[ir.Var, Equation]]] = []
    for seg in runs:
        # a fixed-step case before (forward) or after (backward) a loop is its own statement
        peeled = []
        while len(seg) > 1 and _peelable(seg, -1 if backward else 0):
            peeled.append([seg.pop(-1 if backward else 0)])
        # so is a quantity that exists at one step only (the output of many-to-one) at the loop's end
        tail = []
        while len(seg) > 1 and _single_step(seg, 0 if backward else -1):
            tail.append([seg.pop(0 if backward else -1)])
        out.extend(tail + [seg] + peeled[::-1] if backward else peeled + [seg] + tail[::-1])
    return out


def _single_step(seg, idx) -> bool:
    var, eq = seg[idx]
    if eq.bounds is None or eq.bounds[0] != eq.bounds[1]:
        return False
    return all((v.name, v.layer) != (var.name, var.layer) for v, e in seg if e.label != eq.label)


def _peelable(seg, idx) -> bool:
    _var, eq = seg[idx]
    if eq.bounds is None or eq.bounds[0] != eq.bounds[1]:
        return False
    # compared with the loop's ranges only: several fixed-step cases at the same step (a
    # decoder's h_0 and c_0, one per layer, set from the encoder) are all peeled
    others = [e for v, e in seg if e.label != eq.label and e.bounds is not None and e.bounds[0] != e.bounds[1]]
    if not others:
        return False
    return at_step(eq.bounds[0], LARGE) < min(at_step(e.bounds[0], LARGE) for e in others)


def lhs_var(eq: Equation, adjoint: bool) -> ir.Var:
    return eq.lhs.of if adjoint else eq.lhs


def cases(seg) -> list[Equation]:
    """The distinct equations of a segment, in order."""
    found: dict[str, Equation] = {}
    for _, eq in seg:
        found.setdefault(eq.label, eq)
    return list(found.values())


def is_loop(eqs: list[Equation], adjoint: bool) -> bool:
    """Does this segment need a ``for`` loop (rather than one statement over every step)?"""
    timed = [e for e in eqs if e.bounds is not None]
    if not timed:
        return False
    if len(eqs) == 1:
        return eqs[0].bounds[0] != eqs[0].bounds[1] and _recurrent_in(eqs[0], adjoint)
    return True


def _recurrent_in(eq: Equation, adjoint: bool) -> bool:
    var = lhs_var(eq, adjoint)
    for node in ir.walk(eq.rhs):
        other = node.of if isinstance(node, ir.Adjoint) else node
        same = isinstance(other, ir.Var) and (other.name, other.layer) == (var.name, var.layer)
        if isinstance(node, ir.Adjoint if adjoint else ir.Var) and same and other.time != var.time:
            return True
    return False


def by_template(eqs: list[Equation], adjoint: bool) -> dict[tuple, list[Equation]]:
    groups: dict[tuple, list[Equation]] = {}
    for e in eqs:
        var = lhs_var(e, adjoint)
        groups.setdefault((var.name, var.layer), []).append(e)
    return groups


def local_adjoints(groups: dict, eqs: list[Equation], everything: list[Equation]) -> set:
    """Adjoints needed only within their own step of this loop (``dL/dI_t``, used for ``dL/dA_i,t``
    and nowhere else): a per-step local ``d_I``, not an array over all steps."""
    labels = {e.label for e in eqs}
    found = set()
    for key, group in groups.items():
        if len(group) != 1 or group[0].bounds[0] == group[0].bounds[1]:
            continue
        ok = True
        for eq in everything:
            for node in ir.walk(eq.rhs):
                refers = isinstance(node, ir.Adjoint) and (node.of.name, node.of.layer) == key
                if refers and (eq.label not in labels or sympy.sympify(node.of.time) != ir.t_SYM):
                    ok = False
        if ok:
            found.add(key)
    return found


def loop_bounds(eqs: list[Equation]):
    timed = [e for e in eqs if e.bounds is not None]
    lo = min((e.bounds[0] for e in timed), key=lambda b: at_step(b, LARGE))
    hi = max((e.bounds[1] for e in timed), key=lambda b: at_step(b, LARGE))
    return lo, hi


def condition(bounds, loop_lo, loop_hi) -> str | None:
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


# --------------------------------------------------------------------------- statements


def target_code(p: Planner, var: ir.Var, adjoint: bool, mode: TimeMode) -> str:
    """``h[t]``, or ``_steps(h, 1, T)[:]`` (a view: steps stacked as rows) for every step at once.

    Stacking steps as rows keeps products two-dimensional: one GEMM (NumPy's matmul on a
    (T, B, n) stack calls one small GEMM per step)."""
    var = var if p.row else row_var(var)
    text = NumPyCodePrinter(mode).code(ir.Adjoint(var) if adjoint else var)
    return f"{text}[:]" if mode.how == "flat" else text


def emit(p: Planner, var: ir.Var, adjoint: bool, label: str, terms: list, mode: TimeMode,
         shared: dict | None = None, accumulate: bool = False) -> list[Statement]:
    """``target = term_1`` then ``target += term_k`` (adjoints: one statement per contribution;
    forward nodes: one statement). ``accumulate``: the slot already holds a part (``+=`` only)."""
    if shared:
        terms = [ir.substitute(term, shared) for term in terms]
    terms = [term for term in terms if not ir.is_zero(term)]
    printer = NumPyCodePrinter(mode)
    target = target_code(p, var, adjoint, mode)
    indexed = var.time is not None
    if adjoint and (var.name, var.layer) in p.locals:
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
        product = _step_product(printer, term, mode, target) if i == 0 and not accumulate else None
        if product is not None:
            out += _product_in_place(printer, target, term, product, label)
        elif i == 0 and not accumulate:
            out.append(Statement(target, "=", printer.code(term), label))
        elif indexed:
            op, term = ("-=", term.x) if isinstance(term, ir.Neg) else ("+=", term)
            out.append(Statement(target, op, printer.code(term), label))
        else:
            shape = var.shape if p.row else (var.shape[1], var.shape[0])
            plain = ir.Var(adjoint_code(var) if adjoint else name_code(var), shape, "node")
            out.append(Statement(target, "=", printer.code(ir.add(plain, term)), label))
    return out


def _time_of(node: ir.Expr):
    """The time index of a variable or of the variable an adjoint is of (None without one)."""
    var = node.of if isinstance(node, ir.Adjoint) else node
    return var.time if isinstance(var, ir.Var) else None


def _step_product(printer: NumPyCodePrinter, term: ir.Expr, mode: TimeMode, target: str) -> ir.MatMul | None:
    """The product of ``S @ W`` or ``S @ W + b`` in a statement over every step (``mode`` flat, S
    read at the steps summed over, the target not among its operands), else None."""
    if mode.how != "flat":
        return None
    products = [term] if isinstance(term, ir.MatMul) else [
        k for k in term.terms if isinstance(k, ir.MatMul)] if isinstance(term, ir.Add) else []
    if len(products) != 1 or printer.kind(products[0]) != "rows" or printer._matmul_form(products[0])[1] != "@":
        return None
    product = products[0]
    stepped = any(_time_of(v) is not None and mode.index in sympy.sympify(_time_of(v)).free_symbols
                  for v in ir.walk(product.left))
    written = re.findall(r"\w+", target)[1]  # _steps(NAME, lo, hi)[:]
    read = set(re.findall(r"\w+", printer.code(product)))
    return product if stepped and written not in read else None  # out= must not alias an operand


def _product_in_place(printer: NumPyCodePrinter, target: str, term: ir.Expr, product: ir.MatMul,
                      label: str) -> list[Statement]:
    """``np.matmul(S, W, out=view)`` then ``view[:] += b``: the product written straight into the
    stacked steps, with no temporary of all steps for it nor for its sum with the bias."""
    view = target.removesuffix("[:]")
    call = f"np.matmul({printer.code(product.left)}, {printer.code(product.right)}, out={view})"
    out = [Statement(call, "", "", label)]
    rest = [k for k in term.terms if k is not product] if isinstance(term, ir.Add) else []
    if rest:
        op, rest_term = ("-=", rest[0].x) if len(rest) == 1 and isinstance(rest[0], ir.Neg) else ("+=", ir.add(*rest))
        out.append(Statement(target, op, printer.code(rest_term), label))
    return out


def gradient_statements(p: Planner) -> list[Statement]:
    """``d_W = ...``: each parameter gradient, summed over the batch, one statement per term."""
    out = []
    printer = NumPyCodePrinter()
    for eq in p.grads:
        rhs = reduce_batch(p.grad_form(eq.rhs), printer)
        name = "d_" + eq.node
        if ir.is_zero(rhs):
            out.append(Statement(name, "=", f"np.zeros_like({eq.node})", eq.label))
            continue
        for i, term in enumerate(rhs.terms if isinstance(rhs, ir.Add) else (rhs,)):
            op = "=" if i == 0 else "+="
            if i and isinstance(term, ir.Neg):
                op, term = "-=", term.x
            out.append(Statement(name, op, printer.code(term), eq.label))
    return out
