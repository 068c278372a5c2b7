"""A Derivation as one block of maths, for Jupyter (``_repr_latex_``) and Markdown (``_repr_markdown_``).

The generic equations in reading order (forward pass, adjoints with their boundary cases,
parameter gradients, closed forms), each printed by :func:`symrnn.printing.latex.latex`. The
full document with prose, figures and verification is :mod:`symrnn.report`.
"""

from __future__ import annotations

from ..core.derive import DISPLAYS
from .latex import condition_latex, latex
from .mdescape import markdown_escape
from .texescape import escape

_GROUPS = (
    ("Forward pass", "generic_forward"),
    ("Adjoints", "generic_adjoints"),
    ("Parameter gradients", "generic_gradients"),
    ("Closed forms", "closed_forms"),
)


def _line(eq) -> str:
    cond = condition_latex(eq.bounds)
    text = f"{latex(eq.lhs)} &= {latex(eq.rhs)}"
    return text + (rf" && ({cond})" if cond else "")


def _title(derivation) -> str:
    spec = derivation.spec
    steps = f", T = {derivation.steps}" if spec.recurrent else ""
    return f"{spec.title or spec.name} ({spec.name}{steps})"


def derivation_latex(derivation) -> str:
    """``$$\\begin{aligned} ... \\end{aligned}$$`` with every generic equation, grouped."""
    rows = []
    for heading, attr in _GROUPS:
        eqs = getattr(derivation, attr)
        if not eqs:
            continue
        rows.append(rf"&\textbf{{{escape(heading)}}} \\")
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
        out += [f"**{heading}**", ""]
        for eq in eqs:
            cond = condition_latex(eq.bounds)
            shown = f"{latex(eq.lhs)} = {latex(eq.rhs)}" + (rf" \qquad ({cond})" if cond else "")
            out += ["$$", shown, "$$", f"<sub>`{eq.label}`</sub>", ""]
    return "\n".join(out)


__all__ = ["derivation_latex", "derivation_markdown"]


DISPLAYS["latex"] = derivation_latex
DISPLAYS["markdown"] = derivation_markdown
