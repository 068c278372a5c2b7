"""Derivation reports: a Derivation -> a report document -> LaTeX/PDF or Markdown.

The pipeline in one function (:func:`write_report`)::

    derivation = derive(spec, steps)
    trust = collect(derivation)                 # proof, tests, code citations (each optional)
    report = build(derivation, trust)           # sections of printed maths and prose (content.py)
    source = render_latex(report, stem)         # jinja2 templates only arrange the strings
    build_pdf(source, out / f"{stem}.pdf", figures)

Formats: ``pdf`` (compiled by :mod:`symrnn.printing.latex_build`; without TeX the ``.tex`` is written and
the message says how to build it), ``tex`` (the source and its figure PDFs), ``md`` (Markdown
with ``$$`` maths and PNG figures, for GitHub and notebooks). Beside each figure file goes
``<stem>-<figure>.json``, the data the figure plots (:func:`symrnn.report.figures.plot_json`).
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

from ..core.derive import Derivation
from ..printing.latex import glyph_warning
from ..printing.latex_build import DEFAULT_TIMEOUT, BuildResult, build_pdf
from .commas import with_decimal_commas
from .content import build
from .document import Report
from .render import render_latex, render_markdown
from .trust import Trust, collect

FORMATS = ("pdf", "tex", "md")


@dataclass(frozen=True)
class Written:
    """What :func:`write_report` produced: the files, and the PDF build's result (``pdf`` format)."""

    files: tuple[Path, ...]
    build: BuildResult | None = None

    @property
    def ok(self) -> bool:
        return self.build is None or self.build.ok


def file_stem(name: str) -> str:
    """A safe file stem from a spec name (catalogue names already are)."""
    return re.sub(r"[^A-Za-z0-9_-]", "-", name) or "report"


def figure_files(report: Report, stem: str, fmt: str) -> dict[str, bytes]:
    """Each figure's image (PNG for Markdown, PDF for LaTeX) and, beside it, the JSON of the data it plots."""
    from .figures import render  # matplotlib loads when a figure is drawn, not when the CLI starts

    ext = "png" if fmt == "md" else "pdf"
    files = {}
    for name, plot in sorted(report.figures.items()):
        fig = render(plot, (ext,))
        files[f"{stem}-{name}.{ext}"] = fig.files[ext]
        files[f"{stem}-{name}.json"] = fig.files["json"]
    return files


def write_report(
    derivation: Derivation,
    out_dir: str | Path,
    fmt: str = "pdf",
    trust: Trust | None = None,
    title: str | None = None,
    stem: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    keep_tex: bool = False,
    handout: bool = False,
) -> Written:
    """Write the report of ``derivation`` into ``out_dir`` as ``<stem>.pdf`` / ``.tex`` / ``.md``.

    With ``keep_tex`` the ``pdf`` format also keeps the LaTeX source, ``<stem>.tex``, beside the PDF.
    ``handout`` leaves out the verification lines and the table of code lines.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown report format {fmt!r}; choose one of {', '.join(FORMATS)}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    stem = file_stem(stem or derivation.spec.name)
    report = with_decimal_commas(build(derivation, trust, title, handout))  # when --decimal-comma is on
    figures = figure_files(report, stem, fmt)
    if fmt == "md":
        files = [out / f"{stem}.md"]
        files[0].write_text(render_markdown(report, stem), encoding="utf-8")
        for name, data in figures.items():
            (out / name).write_bytes(data)
            files.append(out / name)
        return Written(tuple(files))
    warning = glyph_warning("the title", report.title)
    if warning:
        print(warning, file=sys.stderr)
    source = render_latex(report, stem)
    if fmt == "tex":
        files = [out / f"{stem}.tex"]
        files[0].write_text(source, encoding="utf-8")
        for name, data in figures.items():
            (out / name).write_bytes(data)
            files.append(out / name)
        return Written(tuple(files))
    result = build_pdf(source, out / f"{stem}.pdf", figures, timeout=timeout, keep_tex=keep_tex)
    files = tuple(p for p in (result.pdf, result.tex) if p is not None)
    return Written(files, result)


__all__ = ["FORMATS", "Written", "build", "collect", "file_stem", "render_latex", "render_markdown", "write_report"]
