"""Build a :class:`~symrnn.report.document.Report` from a Derivation, in D2L 9.7's order.

The model and its symbols; the forward equations; the loss; the output adjoints; the adjoint at
the last step; the recurrence; the parameter gradients as sums over ``t``; the closed forms;
vanishing and exploding gradients with the network's own figure; the equations unrolled for the
chosen ``T``; and what was verified. For the lecture's 2-2-2 network, the per-weight chain rule
with the worked example's numbers follows the gradients.

Each section lives in its own module (``passes``, ``closed``, ``chain``, ``vanishing``,
``verified``); every sentence is chosen by the facts of the derivation (``facts``, ``prose``).
All maths comes from the printers; these modules choose which equations go where.
"""

from __future__ import annotations

from ..core.catalogue import shown_title
from ..core.derive import Derivation
from ..i18n import _
from .chain import chain_rule_section
from .closed import closed_form_section
from .document import Report, Section, para
from .equations import Builder, number_latex, section
from .passes import backward_sections, forward_sections
from .prose import mlp_model_paragraph, model_paragraph
from .say import say
from .symbols import symbol_table
from .trust import Trust
from .vanishing import vanishing_section
from .verified import trust_section


def _unrolled_section(b: Builder) -> Section:
    d = b.d
    blocks: list = [para(*say(_("The same gradients for $T = {steps}$, with the sums over $t$ written out."), steps=d.steps), " ",
                         *say(_("These concrete equations are what the element-level proof checks first.")))]
    blocks += [b.equation(eq) for eq in d.gradients]
    return section(_("Unrolled for T = {steps}").format(steps=d.steps), "unrolled", blocks)


def _model_section(b: Builder) -> Section:
    spec = b.spec
    first = model_paragraph(b.facts, spec) if spec.recurrent else mlp_model_paragraph(b.facts, spec)
    return section(_("The network"), "model", [first, symbol_table(b.d)])


def build(derivation: Derivation, trust: Trust | None = None, title: str | None = None, handout: bool = False) -> Report:
    """The report of ``derivation``; ``trust`` says what was verified (default: nothing was run).

    ``handout``: leave out the verification line under each equation and the table of code lines
    (the equations, prose, worked numbers and figures stay).
    """
    b = Builder(derivation, trust or Trust(), handout)
    spec = derivation.spec
    figures: dict = {}
    sections = [_model_section(b), *forward_sections(b), *backward_sections(b)]
    chain = chain_rule_section(b)
    if chain is not None:
        sections.append(chain)
    if spec.recurrent:
        sections.append(closed_form_section(b))
    sections.append(vanishing_section(b, figures))
    if spec.recurrent:
        sections.append(_unrolled_section(b))
    sections.append(trust_section(b))
    heading = title if title is not None else (shown_title(spec) or spec.name)
    subtitle = (_("Derivation report for the network {name}, unrolled over {steps} steps") if spec.recurrent
                else _("Derivation report for the network {name}")).format(name=spec.name, steps=derivation.steps)
    return Report(heading, subtitle, tuple(sections), figures, handout)


__all__ = ["build", "number_latex", "symbol_table"]
