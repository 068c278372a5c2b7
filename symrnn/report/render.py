"""Render a :class:`~symrnn.report.document.Report` to LaTeX or Markdown through jinja2.

Two environments, both with ``StrictUndefined`` (a missing value is an error, never an empty
string) and a ``finalize`` hook that decides what may reach the output unescaped:

* LaTeX: delimiters ``((( ... )))``, ``((* ... *))``, ``((# ... #))`` (braces and ``%`` are TeX's),
  ``finalize = texescape.finalize``: printer-made :class:`~symrnn.printing.texescape.TeX` passes, every
  other string is escaped in one pass.
* Markdown: the usual delimiters; TeX passes (it sits between ``$`` signs), other text is escaped
  for Markdown (``* _ [ ] < > | $ ~ # \\`` and backticks get a backslash, ``&`` becomes ``&amp;``).
"""

from __future__ import annotations

import re
from importlib import resources

import jinja2

from .. import __version__
from ..printing.mdescape import markdown_escape, md_space
from ..printing.texescape import TeX, finalize
from .document import Report


def _md_finalize(value: object) -> str:
    if isinstance(value, TeX):
        return str(value)
    if isinstance(value, bool) or value is None:
        raise TypeError(f"refusing to print {value!r} into a Markdown document (a template bug)")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return markdown_escape(value)
    raise TypeError(f"refusing to print a {type(value).__name__} into a Markdown document")


def _md_code(text: str) -> TeX:
    """Inline code: backticks cannot be escaped inside a code span, so they become quotes."""
    return TeX("".join(md_space(c) if not c.isprintable() else c for c in text).replace("`", "'"))


def _rendered(value: str) -> TeX:
    """Output of a template macro: every value inside it already went through ``finalize``.

    jinja2 finalizes a macro call's result like any other value, which would escape it twice;
    templates pipe macro calls (and only those) through ``|rendered``.
    """
    return TeX(value)


def _loader() -> jinja2.BaseLoader:
    root = resources.files("symrnn").joinpath("templates")
    return jinja2.FunctionLoader(lambda name: root.joinpath(name).read_text(encoding="utf-8"))


def latex_environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=_loader(),
        block_start_string="((*",
        block_end_string="*))",
        variable_start_string="(((",
        variable_end_string=")))",
        comment_start_string="((#",
        comment_end_string="#))",
        undefined=jinja2.StrictUndefined,
        finalize=finalize,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["rendered"] = _rendered
    return env


def markdown_environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=_loader(),
        undefined=jinja2.StrictUndefined,
        finalize=_md_finalize,
        autoescape=False,
        keep_trailing_newline=True,
    )
    env.filters["code"] = _md_code
    env.filters["rendered"] = _rendered
    return env


def render_latex(report: Report, figure_prefix: str) -> str:
    """The LaTeX document; figures are expected as ``<figure_prefix>-<name>.pdf`` next to it."""
    _check_prefix(figure_prefix)
    template = latex_environment().get_template("report.tex.j2")
    return template.render(report=report, version=__version__, figure_prefix=TeX(figure_prefix))


def render_markdown(report: Report, figure_prefix: str) -> str:
    """The Markdown document; figures are expected as ``<figure_prefix>-<name>.png`` next to it."""
    _check_prefix(figure_prefix)
    numbers = {}
    for section in report.sections:
        for block in section.blocks:
            if block.kind == "equation":
                numbers[block.key] = block.number
    template = markdown_environment().get_template("report.md.j2")
    return template.render(report=report, version=__version__, figure_prefix=TeX(figure_prefix), numbers=numbers)


def _check_prefix(prefix: str) -> None:
    if not re.fullmatch(r"[A-Za-z0-9_-]+", prefix):
        raise ValueError(f"figure prefix must be a plain file stem, got {prefix!r}")


__all__ = ["latex_environment", "markdown_environment", "markdown_escape", "render_latex", "render_markdown"]
