"""A Derivation as one block of maths, for Jupyter (``_repr_latex_``) and Markdown (``_repr_markdown_``).

Also the Jupyter displays of an :class:`~symrnn.core.labels.Equation` (its maths, with its label
and range) and of a :class:`~symrnn.core.prove.ProofReport` (a table of every proof line), filled
into ``core.derive.DISPLAYS`` or set on the class here, so the core imports no printer.

The generic equations in reading order (forward pass, adjoints with their boundary cases,
parameter gradients, closed forms), each printed by :func:`symrnn.printing.latex.latex`. The
full document with prose, figures and verification is :mod:`symrnn.report`.
"""

from __future__ import annotations

import html

from ..core.catalogue import shown_title
from ..core.derive import DISPLAYS
from ..core.labels import Equation
from ..i18n import N_, _
from .latex import condition_latex, latex
from .mdescape import markdown_escape
from .texescape import escape

_GROUPS = (
    (N_("Forward pass"), "generic_forward"),
    (N_("Adjoints"), "generic_adjoints"),
    (N_("Parameter gradients"), "generic_gradients"),
    (N_("Closed forms"), "closed_forms"),
)


def _line(eq) -> str:
    cond = condition_latex(eq.bounds)
    text = f"{latex(eq.lhs)} &= {latex(eq.rhs)}"
    return text + (rf" && ({cond})" if cond else "")


def _title(derivation) -> str:
    spec = derivation.spec
    steps = f", T = {derivation.steps}" if spec.recurrent else ""
    return f"{shown_title(spec) or spec.name} ({spec.name}{steps})"


def derivation_latex(derivation) -> str:
    """``$$\\begin{aligned} ... \\end{aligned}$$`` with every generic equation, grouped."""
    rows = []
    for heading, attr in _GROUPS:
        eqs = getattr(derivation, attr)
        if not eqs:
            continue
        rows.append(rf"&\textbf{{{escape(_(heading))}}} \\")
        rows.extend(_line(eq) + r" \\" for eq in eqs)
    body = "\n".join(rows)
    return f"$$\n\\begin{{aligned}}\n{body}\n\\end{{aligned}}\n$$"


def derivation_markdown(derivation) -> str:
    """A Markdown heading per group and one ``$$`` display per equation (GitHub and Jupyter)."""
    out = [f"### {markdown_escape(_title(derivation))}", ""]
    for heading, attr in _GROUPS:
        eqs = getattr(derivation, attr)
        if not eqs:
            continue
        out += [f"**{_(heading)}**", ""]
        for eq in eqs:
            cond = condition_latex(eq.bounds)
            shown = f"{latex(eq.lhs)} = {latex(eq.rhs)}" + (rf" \qquad ({cond})" if cond else "")
            out += ["$$", shown, "$$", f"<sub>`{eq.label}`</sub>", ""]
    return "\n".join(out)


def _equation(eq) -> str:
    cond = condition_latex(eq.bounds)
    return f"{latex(eq.lhs)} = {latex(eq.rhs)}" + (rf" \qquad ({cond})" if cond else "")


def equation_latex(eq) -> str:
    r"""``$$ lhs = rhs \qquad (range) $$`` for one equation (its label is in the Markdown display)."""
    return f"$$ {_equation(eq)} $$"


def equation_markdown(eq) -> str:
    """The equation as a ``$$`` display with its label below."""
    return f"$$\n{_equation(eq)}\n$$\n<sub>`{eq.label}`</sub>"


def _proof_rows(report) -> list[tuple[str, str, str, str, str]]:
    rows = []
    for r in report.results:
        how = "exact" if r.exact else f"{r.max_error:.1e}"
        rows.append(("PASS" if r.passed else "FAIL", r.subject, r.oracle, str(r.entries), how))
    return rows


def _proof_title(report) -> str:
    verdict = _("all passed") if report.passed else _("{n} FAILED").format(n=sum(not r.passed for r in report.results))
    return _("Proof of {spec} at T = {steps} ({sizes}): {n} results, {verdict}, {seconds} s").format(
        spec=report.spec_name, steps=report.steps, sizes=report.sizes, n=len(report.results), verdict=verdict,
        seconds=f"{report.seconds:.1f}")


def proof_markdown(report) -> str:
    """A ProofReport as a Markdown table (one row per proved equation)."""
    out = [f"**{markdown_escape(_proof_title(report))}**", "", "| | equation | oracle | entries | error |",
           "| --- | --- | --- | ---: | --- |"]
    out += [f"| {v} | `{s}` | {o} | {n} | {h} |" for v, s, o, n, h in _proof_rows(report)]
    return "\n".join(out) + "\n"


def proof_html(report) -> str:
    """A ProofReport as an HTML table, every text escaped."""
    head = "<tr><th></th><th>equation</th><th>oracle</th><th>entries</th><th>error</th></tr>"
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row) + "</tr>" for row in _proof_rows(report))
    return (f"<p><strong>{html.escape(_proof_title(report))}</strong></p>"
            f"<table>{head}{body}</table>")


__all__ = ["derivation_latex", "derivation_markdown", "equation_latex", "equation_markdown", "proof_html",
           "proof_markdown"]


DISPLAYS["latex"] = derivation_latex
DISPLAYS["markdown"] = derivation_markdown
DISPLAYS["proof:markdown"] = proof_markdown
DISPLAYS["proof:html"] = proof_html
Equation._repr_latex_ = equation_latex  # labels.py is core: its class is given its display here
Equation._repr_markdown_ = equation_markdown
