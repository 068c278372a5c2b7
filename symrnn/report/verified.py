"""The last section: how far to trust the equations (the proof, the tests, and where the code implements them)."""

from __future__ import annotations

import sympy

from ..printing.texescape import TeX
from .document import Run, Section, Table, code, para
from .equations import Builder, section
from .trust import equation_status


def _proof_paragraph(b: Builder):
    d, trust = b.d, b.trust
    if trust.proof is None:
        return para(f"Proof: {trust.proof_note}. Run ", code(f"symrnn prove {d.spec.name}"), " to prove every equation at element level.")
    p = trust.proof
    how = "exactly, in rational arithmetic" if p.exact else "to 50 significant digits"
    verdict = "All of them passed." if not p.failed else f"FAILED: {', '.join(p.failed)}."
    return para(
        f"Proof. Every adjoint, gradient and closed form was evaluated at a random exact point for {p.sizes} and "
        f"compared {how} with element-level sympy.diff oracles: the chain rule (a reverse sweep built only from the "
        f"derivative of each scalar node's own expression) and, where tractable, the expanded loss (the derivative of "
        f"the fully inlined scalar loss by each parameter entry), {p.count} comparisons. {verdict} The generic equations hold for every T; they "
        "were instantiated at every step of this unroll.",
    )


def _tests_paragraph(b: Builder):
    d, trust = b.d, b.trust
    if trust.tests is None:
        return para(f"Tests: {trust.tests_note}. Run ", code(f"symrnn verify {d.spec.name}"), " to compare the generated code with autograd, torch.nn and finite differences.")
    t = trust.tests
    worst = "0" if t.max_error == 0 else f"below 1e{int(sympy.floor(sympy.log(t.max_error, 10))) + 1}"
    seeds = ", ".join(str(s) for s in t.seeds)
    notes = " ".join(f"Not compared with {o}: {n}." for o, n in sorted(t.notes.items()))
    verdict = "all within tolerance" if t.passed else "NOT all within tolerance"
    return para(
        "Tests. The generated NumPy module ", code(trust.module), f" was run on {len(t.seeds)} drawn case(s) "
        f"(random seeds {seeds}; T = {t.steps}, batch {t.batch}, float64) and its gradients compared with "
        f"{', '.join(t.oracles)}: {verdict}, largest relative error {worst}. {notes}",
    )


def _code_table(b: Builder) -> Table:
    trust = b.trust
    rows = []
    for eq_label, eq in b.included.items():
        if eq.kind in ("forward", "loss") and eq_label not in trust.code_lines:
            continue
        lines = trust.code_lines.get(eq_label, ())
        where = ", ".join(str(n) for n in lines) if lines else ("" if eq.scope == "concrete" else "-")
        rows.append(((b.ref(eq_label),), (code(eq_label),), (Run(text=equation_status(trust, eq).split("; code")[0]),), (Run(text=where),)))
    return Table(("eq.", "label", "status", "code lines"), tuple(rows),
                 "Equations, their labels, what was verified and where the generated code implements them.",
                 TeX(r"p{0.07\linewidth}p{0.2\linewidth}p{0.47\linewidth}p{0.14\linewidth}"))


def trust_section(b: Builder) -> Section:
    """What was proved and tested; unless a handout, the generated code's lines for each equation."""
    d, trust = b.d, b.trust
    blocks: list = [_proof_paragraph(b), _tests_paragraph(b)]
    if b.handout:
        return section("How far to trust these equations", "trust", blocks)
    if trust.module:
        blocks.append(para(
            "Code. Each statement of the generated module ", code(trust.module), " ends with a comment citing the label "
            "of the equation it implements; the table lists them (regenerate the module with ",
            code(f"symrnn codegen {d.spec.name}"), ").",
        ))
    blocks.append(_code_table(b))
    return section("How far to trust these equations", "trust", blocks)


__all__ = ["trust_section"]
