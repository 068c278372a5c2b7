"""The closed-forms section: the recurrence unrolled into a sum over later steps, as the derivation gives it."""

from __future__ import annotations

from ..core import ir
from ..core.derive import Derivation
from ..i18n import N_, _
from ..printing.latex import latex
from ..printing.texescape import TeX
from .document import Section, code, para
from .equations import Builder, section
from .facts import is_terminal, state_recurrences
from .say import say


def recurrent_weight(d: Derivation) -> ir.Var | None:
    """The hidden-to-hidden weight of a one-layer vanilla RNN, found by its meaning."""
    return next((p for p in d.graph.params if p.layer is None and p.meaning is not None and p.meaning.kind == "weight"
                 and p.meaning.source == "hidden" and p.meaning.of == "hidden" and not p.meaning.decoder), None)


def jacobian(d: Derivation, weight: ir.Var | None, index) -> ir.Expr | None:
    """``W_hh^T diag(f'(a_j))``: one step's Jacobian factor of a nonlinear vanilla RNN."""
    pre = next((n.var for n in d.graph.nodes if n.var.layer is None and n.var.meaning is not None
                and n.var.meaning.kind == "preactivation" and not n.var.meaning.decoder), None)
    if weight is None or pre is None:
        return None
    deriv = ir.DerivApply(d.spec.activation, pre.at(index))
    return ir.matmul(ir.transpose(weight), deriv if pre.shape == (1, 1) else ir.Diag(deriv))


def _none_derived(b: Builder) -> Section:
    runs = say(_("The derivation gives no closed form for this network: the recurrence above is the result. Unrolling "
                 "it by hand gives a sum over the later steps of products of the per-step Jacobians, through every gate "
                 "and layer."))
    return section(_("Closed forms"), "closed", [para(*runs)])


def _substitution(b: Builder) -> list:
    d = b.d
    carried = next((eq.lhs.of.name for eq in d.closed_forms if isinstance(eq.lhs, ir.Adjoint)), None)
    recs = [eq for eq in state_recurrences(d) if eq.lhs.of.layer is None and eq.lhs.of.name == carried]
    if not recs and _one_term_forms(d):  # a stack whose top layer hears only step T
        return list(say(_("Substituting each layer's recurrence into itself down to its boundary case gives that layer's "
                        "hidden-state adjoint as what the later steps send back, multiplied by one Jacobian per step in "
                        "between: a single term where only step $T$ sends anything, a sum over the steps $k$ where each "
                        "step does.")))
    if not recs:  # a stack: each layer has its own recurrence
        return list(say(_("Substituting each layer's recurrence into itself down to its boundary case gives that layer's "
                        "hidden-state adjoint as a sum over the later steps $k$ of what step $k$ sends back, multiplied by "
                        "one Jacobian per step in between.")))
    state_rec = next((eq.label for eq in recs), None)
    state_end = next((eq.label for eq in d.generic_adjoints if is_terminal(eq) and recs and eq.lhs.of == recs[0].lhs.of.at(ir.T_SYM)), None)
    refs = {"rec": (b.ref(state_rec),) if state_rec and b.has(state_rec) else (),
            "end": (b.ref(state_end),) if state_end and b.has(state_end) else ()}
    if refs["rec"] and refs["end"] and single_term(d):
        return list(say(_("Substituting the recurrence {rec} into itself down to the boundary case {end} gives the "
                        "state's adjoint as what step $T$ sends back, the only step with an output, multiplied by one "
                        "Jacobian per step in between."), **refs))
    if refs["rec"] and refs["end"]:
        return list(say(_("Substituting the recurrence {rec} into itself down to the boundary case {end} gives the "
                        "state's adjoint as a sum over the later steps $k$ of what step $k$ sends back, multiplied by "
                        "one Jacobian per step in between."), **refs))
    return list(say(_("Substituting the recurrence into itself down to its boundary case gives the state's adjoint as a "
                    "sum over the later steps $k$ of what step $k$ sends back, multiplied by one Jacobian per step in between.")))


def _one_term_forms(d: Derivation) -> list:
    """The closed forms of a state's adjoint that are one term (only step ``T`` sends anything back)."""
    return [eq for eq in d.closed_forms if isinstance(eq.lhs, ir.Adjoint)
            and not any(isinstance(n, ir.TimeSum) for n in ir.walk(eq.rhs))]


def single_term(d: Derivation) -> bool:
    """Is every closed form of a state's adjoint one term?"""
    forms = [eq for eq in d.closed_forms if isinstance(eq.lhs, ir.Adjoint)]
    return bool(forms) and len(_one_term_forms(d)) == len(forms)


def _products_runs(b: Builder) -> list:
    """How to read the products over time: their order, and what an empty one is."""
    nodes = [n for eq in b.d.closed_forms for n in ir.walk(eq.rhs) if isinstance(n, (ir.TimeProduct, ir.TimeHadamard))]
    if not nodes:
        return []
    if any(isinstance(n, ir.TimeHadamard) for n in nodes):
        return list(say(_("A product whose upper bound is below its lower bound is empty: all ones.")))
    if b.facts.scalar:
        return list(say(_("A product whose upper bound is below its lower bound is empty: one.")))
    return list(say(_("The products of matrices are ordered from left to right with increasing $j$; one whose upper bound "
                      "is below its lower bound is empty: the identity.")))


def _implicit_runs(b: Builder) -> list:
    """A gated cell's closed form still holds later adjoints in what each step adds: say so, naming them."""
    carried = {eq.lhs.of.name for eq in b.d.closed_forms if isinstance(eq.lhs, ir.Adjoint)}
    inside = []
    for eq in b.d.closed_forms:
        for adj in ir.adjoints(eq.rhs):
            m = adj.of.meaning
            if adj.of.name not in carried and (m is None or m.kind != "output") and adj not in inside:
                inside.append(adj)
    if not inside:
        return []
    return list(say(_("That still holds ${adjoints}$, whose own equations read later adjoints, the carried state's among "
                      "them: the closed form unrolls the gate's direct path, it is not an explicit formula."),
                    adjoints=TeX(",\\ ".join(latex(a) for a in inside))))


def _linear_runs(b: Builder, weight: ir.Var | None, forms) -> list:
    K = ir.INDEX_SYMBOLS["k"]
    if weight is None:
        runs = list(say(_("With the identity activation every Jacobian is the transposed recurrent weight, so the product is a "
                        "matrix power: the power sum.")))
    elif single_term(b.d):  # one term: a single power, no sum
        sentence = (N_("With the identity activation every Jacobian is the weight ${w}$, so the product is its power ${power}$.")
                    if b.facts.scalar else
                    N_("With the identity activation every Jacobian is ${w}$, so the product is a matrix power, ${power}$."))
        runs = list(say(_(sentence), w=TeX(latex(ir.transpose(weight))),
                        power=TeX(latex(ir.matpow(ir.transpose(weight), ir.T_SYM - ir.t_SYM)))))
    else:
        sentence = (N_("With the identity activation every Jacobian is the weight ${w}$, so the product is its power ${power}$: "
                       "the power sum.") if b.facts.scalar else
                    N_("With the identity activation every Jacobian is ${w}$, so the product is a matrix power, ${power}$: "
                       "the power sum."))
        runs = list(say(_(sentence), w=TeX(latex(ir.transpose(weight))),
                        power=TeX(latex(ir.matpow(ir.transpose(weight), K - ir.t_SYM)))))
    if any(eq.label.variant == "d2l" for eq in forms):
        runs += [" ", *say(_("Writing the summation index as $i = T + t - k$ gives the form printed in D2L (9.7.15)."))]
    return runs + [" ", *say(_("This holds only for the identity activation."))]


def gate_product(d: Derivation) -> ir.TimeProduct | ir.TimeHadamard | None:
    """The product over steps of a gate in a closed form (a gated cell's carried state), if any: of its
    ``diag`` in column notation, elementwise in row notation."""
    for eq in d.closed_forms:
        for node in ir.walk(eq.rhs):
            if (isinstance(node, ir.TimeProduct) and isinstance(node.body, ir.Diag) or isinstance(node, ir.TimeHadamard)) and any(
                    v.meaning is not None and v.meaning.kind == "gate" for v in ir.variables(node.body)):
                return node
    return None


_GATED = {
    "forget_gate": N_("Along the memory cell each step back multiplies by the forget gate, elementwise: the product ${prod}$ "
                    "is the derivative of the cell at step $k$ by the cell at step $t$ along the cell's own path, the "
                    "gradient highway, and it stays near one where the forget gates do. What step $k$ adds is what the "
                    "hidden state of that step sends into the cell."),
    "update_gate": N_("Along the hidden state each step back keeps the part the update gate lets through, elementwise: the "
                    "product ${prod}$ carries the gradient unchanged where the update gates are near one."),
}
_GRU_ADDS = {
    "all": N_("What step $k$ adds is what the gates of the next step and the output of step $k$ send back."),
    "some": N_("What step $k$ adds is what the gates of the next step send back, and the output of step $k$ where it has one."),
    "none": N_("What step $k$ adds is what the gates of the next step send back."),
}


def _jacobian_runs(b: Builder, weight) -> list:
    d = b.d
    if b.facts.linear:
        return _linear_runs(b, weight, list(d.closed_forms))
    gated = gate_product(d)
    if gated is not None:
        of = next(v.meaning.of for v in ir.variables(gated.body) if v.meaning is not None and v.meaning.kind == "gate")
        product = type(gated)(gated.index, gated.lo, ir.INDEX_SYMBOLS["k"], gated.body)
        runs = list(say(_(_GATED[of]), prod=TeX(latex(product))))
        if of == "update_gate":
            runs += [" ", *say(_(_GRU_ADDS[b.facts.state_outputs]))]
        implicit = _implicit_runs(b)
        return runs + ([" ", *implicit] if implicit else [])
    jac = jacobian(d, weight, ir.INDEX_SYMBOLS["j"])
    if jac is not None and b.facts.scalar:
        return list(say(_("With a nonlinear activation each factor carries the activation's derivative at its own step, "
                        "${jac}$, so no power appears and the closed form is a product of different numbers."),
                        jac=TeX(latex(jac))))
    if jac is not None:
        return list(say(_("With a nonlinear activation each Jacobian carries the activation's derivative at its own step, "
                        "${jac}$, so no power appears and the closed form is a product of different matrices."),
                        jac=TeX(latex(jac))))
    return list(say(_("With a nonlinear activation each Jacobian carries the activation's derivative at its own step, so "
                    "no power appears and the closed form is a product of different matrices.")))


def closed_form_section(b: Builder) -> Section:
    d = b.d
    forms = list(d.closed_forms)
    if not forms:
        return _none_derived(b)
    blocks: list = [b.equation(eq) for eq in forms]
    intro = _substitution(b) + [" "]
    if any(eq.lhs.of.layer is not None for eq in forms if hasattr(eq.lhs, "of")):
        intro += [*say(_("In a lower layer what step $k$ sends back comes down from the layer above, through that layer's "
                       "input weight and its activation's derivative: a product over the layers as well as over time.")), " "]
    intro += _jacobian_runs(b, recurrent_weight(d))
    products = _products_runs(b)
    intro += [" ", *products] if products else []
    intro.append(" ")
    if b.trust.proof is not None and not b.trust.proof.failed:
        intro += say(_("The closed forms are proved equal to the recurrence at element level (see the last section)."))
    else:
        intro += [*say(_("Check them against the recurrence at element level with {command}."),
                       command=code(f"symrnn prove {d.spec.name}"))]
    blocks.insert(0, para(*intro))
    return section(_("Closed forms"), "closed", blocks)


__all__ = ["closed_form_section", "gate_product", "jacobian", "recurrent_weight"]
