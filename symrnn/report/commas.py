"""A report with decimal commas (``symrnn report --decimal-comma``): Argentina writes 0,05.

The document is rewritten before rendering, piece by piece, with the shared rule of
:mod:`symrnn.i18n.decimal`: prose gets ``0,05``, maths ``0{,}05`` (no space after the comma in
LaTeX or MathJax), a list of decimals is separated by semicolons. Code, equation labels and
references are left alone, and so are the numbers a figure plots (its JSON keeps them as data);
a figure's caption, axis labels and legend are text and get commas. Without the option the
report is the same object, untouched.
"""

from __future__ import annotations

from dataclasses import replace

from ..i18n import decimal
from ..printing.texescape import TeX
from .document import EquationBlock, FigureBlock, Paragraph, Report, Run, Table


def _run(run: Run) -> Run:
    if run.math is not None:
        return replace(run, math=TeX(decimal.math(str(run.math))))
    if run.ref is not None or run.code:
        return run
    return replace(run, text=decimal.text(run.text))


def _runs(runs) -> tuple[Run, ...]:
    return tuple(_run(r) for r in runs)


def _block(block):
    if isinstance(block, Paragraph):
        return replace(block, runs=_runs(block.runs))
    if isinstance(block, EquationBlock):
        lines = tuple(TeX(decimal.math(str(line))) for line in block.lines)
        condition = None if block.condition is None else TeX(decimal.math(str(block.condition)))
        return replace(block, lines=lines, condition=condition)
    if isinstance(block, Table):
        rows = tuple(tuple(_runs(cell) for cell in row) for row in block.rows)
        return replace(block, rows=rows, caption=decimal.text(block.caption))
    if isinstance(block, FigureBlock):
        return replace(block, caption=_runs(block.caption))
    return block


def with_decimal_commas(report: Report) -> Report:
    """``report`` with its decimal numbers written with a comma, when the option is on."""
    if not decimal.active():
        return report
    sections = tuple(replace(s, title=decimal.text(s.title), blocks=tuple(_block(b) for b in s.blocks))
                     for s in report.sections)
    figures = {name: plot_with_decimal_commas(plot) for name, plot in report.figures.items()}
    return replace(report, title=decimal.text(report.title), subtitle=decimal.text(report.subtitle),
                   sections=sections, figures=figures)


def plot_with_decimal_commas(plot):
    """A figure's words (caption, axis labels, legend, annotations) with commas; its data unchanged."""
    if not decimal.active():
        return plot
    series = tuple(replace(s, label=decimal.mixed(s.label)) for s in plot.series)
    notes = tuple(replace(a, text=decimal.mixed(a.text)) for a in plot.annotations)
    return replace(plot, caption=decimal.mixed(plot.caption), xlabel=decimal.mixed(plot.xlabel),
                   ylabel=decimal.mixed(plot.ylabel), series=series, annotations=notes)


__all__ = ["plot_with_decimal_commas", "with_decimal_commas"]
