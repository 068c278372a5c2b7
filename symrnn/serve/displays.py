"""Rich displays of a checker's :class:`~symrnn.check.verdict.Verdict` and of an exam variant
(:class:`~symrnn.exam.model.Problem`), for Jupyter and for the server's pages alike.

HTML with the maths as MathML made here (``mathml.py``: rebuilt from a whitelist) and every text
escaped, so a notebook shows them without MathJax; Markdown with ``$...$`` maths. The classes
belong to the checker and the exams: their ``_repr_html_`` / ``_repr_markdown_`` are set here
(:func:`register`, run by ``import symrnn`` in IPython), so neither module imports a printer.
"""

from __future__ import annotations

from markupsafe import Markup, escape

from ..check.verdict import Verdict
from ..check.words import status_word
from ..core.mistakes import MISTAKES
from ..exam.model import Display, Para, Problem
from ..i18n import _
from ..printing.mdescape import markdown_escape
from .mathml import aligned, to_mathml


def verdict_html(v: Verdict) -> str:
    """The verdict as ``symrnn check`` says it: answer, reading, verdict, mistake, counterexample."""
    rows = [Markup("<p><strong>{}</strong> &mdash; {} <code>{}</code></p>").format(status_word(v.status).upper(), v.spec, v.grad),
            Markup("<p>{} <code>{}</code></p>").format(_("answer:"), v.answer)]
    if v.read_as:
        rows.append(Markup("<p>{} {}</p>").format(_("read as:"), to_mathml(v.read_as)))
    if v.message:
        rows.append(Markup("<pre>{}</pre>").format(v.message))
    for mid in v.mistakes:
        title = MISTAKES[mid].title if mid in MISTAKES else mid
        rows.append(Markup("<p>{} <strong>{}</strong> <code>{}</code></p>").format(_("mistake:"), title, mid))
    if v.feedback:
        rows.append(Markup("<p>{}</p>").format(v.feedback))
    if v.counterexample is not None:
        rows.append(Markup("<pre>{}</pre>").format("\n".join(v.counterexample.lines(v.grad))))
    return str(Markup("<div class=\"symrnn-verdict\">{}</div>").format(Markup("").join(rows)))


def verdict_markdown(v: Verdict) -> str:
    lines = [_("**{status}**: `{grad}` of `{spec}`").format(status=status_word(v.status), grad=v.grad, spec=v.spec), ""]
    if v.read_as:
        lines += [_("read as:") + f" ${v.read_as}$", ""]
    if v.message:
        lines += [markdown_escape(v.message), ""]
    if v.mistakes:
        titles = (MISTAKES[m].title if m in MISTAKES else m for m in v.mistakes)
        lines += [_("mistake:") + " " + ", ".join(f"{markdown_escape(t)} (`{m}`)" for t, m in zip(titles, v.mistakes)), ""]
    if v.feedback:
        lines += [markdown_escape(v.feedback), ""]
    return "\n".join(lines)


def _rich_html(blocks) -> Markup:
    out = []
    for block in blocks:
        if isinstance(block, Para):
            out.append(Markup("<p>{}</p>").format(Markup("").join(
                escape(p) if isinstance(p, str) else to_mathml(p.tex) for p in block.parts)))
        elif isinstance(block, Display):
            out.append(aligned(block.lines))
    return Markup("").join(out)


def _rich_markdown(blocks) -> str:
    out = []
    for block in blocks:
        if isinstance(block, Para):
            out.append("".join(markdown_escape(p) if isinstance(p, str) else f"${p.tex}$" for p in block.parts))
        elif isinstance(block, Display):
            body = r" \\ ".join(block.lines)
            out.append("$$\\begin{aligned}" + body + "\\end{aligned}$$" if "&" in body else f"$${body}$$")
    return "\n\n".join(out)


def problem_html(p: Problem) -> str:
    """An exam variant: title, statement, each part with its key, and the worked solution."""
    parts = Markup("").join(
        Markup("<li>{}<p><em>{}</em> {}</p></li>").format(_rich_html(part.prompt), _("key:"), _key_html(part.answer))
        for part in p.parts)
    return str(Markup("<div class=\"symrnn-problem\"><h4>{}</h4>{}<ol>{}</ol><details><summary>{}"
                      "</summary>{}</details></div>").format(p.title, _rich_html(p.statement), parts,
                                                             _("worked solution"), _rich_html(p.solution)))


def _key_html(answer) -> Markup:
    if answer.kind == "formula":
        return to_mathml(answer.formula)
    return escape(answer.shown)


def problem_markdown(p: Problem) -> str:
    out = [f"#### {markdown_escape(p.title)}", "", _rich_markdown(p.statement), ""]
    for k, part in enumerate(p.parts, 1):
        key = f"${part.answer.formula}$" if part.answer.kind == "formula" else markdown_escape(part.answer.shown)
        out += [f"{k}. {_rich_markdown(part.prompt)}", "", f"   *{_('key:')}* {key}", ""]
    return "\n".join(out)


def register() -> None:
    """Give Verdict and exam Problem their Jupyter displays (idempotent)."""
    Verdict._repr_html_ = verdict_html
    Verdict._repr_markdown_ = verdict_markdown
    Problem._repr_html_ = problem_html
    Problem._repr_markdown_ = problem_markdown


register()

__all__ = ["problem_html", "problem_markdown", "register", "verdict_html", "verdict_markdown"]
