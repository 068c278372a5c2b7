"""The last section: how far to trust the equations (the proof, the tests, and where the code implements them)."""

from __future__ import annotations

import sympy

from ..codegen.verify import ORACLE_WORDS
from ..i18n import N_, _, listing, quoted_english
from ..printing.texescape import TeX
from .document import Run, Section, Table, code, para
from .equations import Builder, section
from .say import say
from .trust import equation_status


def _point(b: Builder):
    """Where the proof evaluated: this network's sizes (and unroll) as maths."""
    spec = b.spec
    if not spec.recurrent:
        return say(_("the network with layer sizes ${sizes}$"), sizes=TeX(r" \to ".join(str(s) for s in spec.sizes)))
    return say(_("the network with $d = {d}$, $h = {h}$, $q = {q}$ unrolled over $T = {steps}$ steps"),
               d=spec.input_size, h=spec.hidden_size, q=spec.output_size, steps=b.d.steps)


def _proof_paragraph(b: Builder):
    d, trust = b.d, b.trust
    if trust.proof is None:
        return para(*say(_("Proof: {note}."), note=trust.proof_note.text()), " ",
                    *say(_("Run {command} to prove every equation at element level."),
                         command=code(f"symrnn prove {d.spec.name}")))
    p = trust.proof
    how = _("exactly, in rational arithmetic") if p.exact else _("to 50 significant digits")
    verdict = say(_("All of them passed.")) if not p.failed else say(_("FAILED: {labels}."), labels=", ".join(p.failed))
    return para(*say(_("Proof. Every adjoint, gradient and closed form was evaluated at a random exact point of {point} and "
                     "compared {how} with element-level sympy.diff oracles: the chain rule (a reverse sweep built only from "
                     "the derivative of each scalar node's own expression) and, where tractable, the expanded loss (the "
                     "derivative of the fully inlined scalar loss by each parameter entry), {count} comparisons."),
                     point=_point(b), how=how, count=p.count), " ", *verdict,
                *([" ", *say(_("The generic equations hold for every $T$; they were instantiated at every step of this "
                               "unroll."))] if d.generic_adjoints or d.generic_gradients else []))


def _tests_paragraph(b: Builder):
    d, trust = b.d, b.trust
    if trust.tests is None:
        return para(*say(_("Tests: {note}."), note=trust.tests_note.text()), " ",
                *say(_("Run {command} to compare the generated code with autograd, torch.nn and finite differences."),
                     command=code(f"symrnn verify {d.spec.name}")))
    t = trust.tests
    worst = "0" if t.max_error == 0 else f"10^{{{int(sympy.floor(sympy.log(t.max_error, 10))) + 1}}}"
    sentence = _(_TESTS[(t.passed, t.max_error == 0)])
    runs = say(sentence, module=code(trust.module), cases=len(t.seeds), seeds=", ".join(str(s) for s in t.seeds),
               steps=t.steps, batch=t.batch, oracles=listing(_oracle(o) for o in t.oracles), worst=TeX(worst))
    notes = [run for o, n in sorted(t.notes.items()) for run in (" ", *say(_("Not compared with {o}: {n}."), o=_oracle(o), n=_reason(n)))]
    return para(*runs, *notes)


def _oracle(name: str) -> str:
    """An oracle as the sentence names it: a description translated, a library's name as it is."""
    return _(ORACLE_WORDS[name]) if name in ORACLE_WORDS else name


def _reason(note: str) -> str:
    """Why an oracle was not compared (``symrnn.codegen.verify``'s note): translated when the
    catalogue has it; a note written without ``N_`` is shown as English, and said to be."""
    translated = _(note)
    return translated if translated != note else quoted_english(note)


_TESTS = {
    (True, True): N_("Tests. The generated NumPy module {module} was run on {cases} drawn cases (random seeds {seeds}; "
                     "$T = {steps}$, a batch of {batch}, float64) and its gradients compared with {oracles}: all within "
                     "tolerance, the largest relative error $0$."),
    (True, False): N_("Tests. The generated NumPy module {module} was run on {cases} drawn cases (random seeds {seeds}; "
                      "$T = {steps}$, a batch of {batch}, float64) and its gradients compared with {oracles}: all within "
                      "tolerance, the largest relative error below ${worst}$."),
    (False, True): N_("Tests. The generated NumPy module {module} was run on {cases} drawn cases (random seeds {seeds}; "
                      "$T = {steps}$, a batch of {batch}, float64) and its gradients compared with {oracles}: NOT all "
                      "within tolerance, the largest relative error $0$."),
    (False, False): N_("Tests. The generated NumPy module {module} was run on {cases} drawn cases (random seeds {seeds}; "
                       "$T = {steps}$, a batch of {batch}, float64) and its gradients compared with {oracles}: NOT all "
                       "within tolerance, the largest relative error below ${worst}$."),
}
"""The tests' sentence by (all passed, largest error zero): four whole sentences, never glued."""


def _code_table(b: Builder) -> Table:
    trust = b.trust
    rows = []
    for eq_label, eq in b.included.items():
        if eq.kind in ("forward", "loss") and eq_label not in trust.code_lines:
            continue
        lines = trust.code_lines.get(eq_label, ())
        where = ", ".join(str(n) for n in lines) if lines else ("" if eq.scope == "concrete" else "-")
        rows.append(((b.ref(eq_label),), (code(eq_label),), (Run(text=equation_status(trust, eq).split("; " + _("code: line {shown}").partition(":")[0])[0]),), (Run(text=where),)))
    return Table((_("eq."), _("label"), _("status"), _("code lines")), tuple(rows),
                 _("Equations, their labels, what was verified and where the generated code implements them."),
                 TeX(r"p{0.07\linewidth}p{0.2\linewidth}p{0.47\linewidth}p{0.14\linewidth}"))


def trust_section(b: Builder) -> Section:
    """What was proved and tested; unless a handout, the generated code's lines for each equation."""
    d, trust = b.d, b.trust
    blocks: list = [_proof_paragraph(b), _tests_paragraph(b)]
    if b.handout:
        return section(_("How far to trust these equations"), "trust", blocks)
    if trust.module:
        blocks.append(para(*say(_("Code. Each statement of the generated module {module} ends with a comment citing the "
                                  "label of the equation it implements; the table lists them (regenerate the module with "
                                  "{command})."), module=code(trust.module), command=code(f"symrnn codegen {d.spec.name}"))))
    blocks.append(_code_table(b))
    return section(_("How far to trust these equations"), "trust", blocks)


__all__ = ["trust_section"]
