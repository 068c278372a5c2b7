"""The report as data: sections of paragraphs, numbered equations, tables and figures.

Every piece of maths in here is a :class:`~symrnn.printing.texescape.TeX` string made by a printer;
every piece of prose is plain text (escaped by the renderer for LaTeX or Markdown). Templates
only arrange these values (``symrnn/templates/report*.j2``).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..printing.texescape import TeX


@dataclass(frozen=True)
class Run:
    """A piece of a paragraph: prose (``text``), inline maths (``math``) or a reference to an equation."""

    text: str = ""
    math: TeX | None = None
    ref: TeX | None = None  # a sanitized label key (texescape.label); printed as (n)
    code: str = ""  # an identifier or a command, set in typewriter type


def text(value: str) -> Run:
    return Run(text=value)


def math(value: str) -> Run:
    return Run(math=TeX(value))


def ref(key: str) -> Run:
    """A reference to the equation whose sanitized key (``texescape.label``) is ``key``."""
    return Run(ref=TeX(key))


def code(value: str) -> Run:
    return Run(code=value)


@dataclass(frozen=True)
class Paragraph:
    runs: tuple[Run, ...]
    kind: str = "paragraph"


def para(*parts: Run | str) -> Paragraph:
    """A paragraph from runs; a plain ``str`` is prose."""
    return Paragraph(tuple(text(p) if isinstance(p, str) else p for p in parts))


@dataclass(frozen=True)
class EquationBlock:
    """A numbered display: ``lines`` are aligned at ``&`` (one line when short).

    ``label`` is the derivation's label (``adj:h:t``), ``key`` its sanitized ``\\label``,
    ``status`` a short verification note, ``citation`` a literature reference (``D2L (9.7.14)``).
    """

    label: str
    key: TeX
    lines: tuple[TeX, ...]
    condition: TeX | None
    status: str
    citation: str = ""
    number: int = 0
    kind: str = "equation"
    small: bool = False  # set in a smaller size: its widest line would run into the margin


@dataclass(frozen=True)
class Table:
    """A table with a header row; cells are runs (so maths and prose can mix)."""

    header: tuple[str, ...]
    rows: tuple[tuple[tuple[Run, ...], ...], ...]
    caption: str
    align: TeX
    kind: str = "table"


@dataclass(frozen=True)
class FigureBlock:
    name: TeX  # figure name from symrnn.report.figures (ASCII letters and '-'); files are <prefix>-<name>.pdf/.png
    caption: tuple[Run, ...]  # prose and maths (symrnn.report.say.caption_runs)
    kind: str = "figure"


Block = Paragraph | EquationBlock | Table | FigureBlock


@dataclass(frozen=True)
class Section:
    title: str
    blocks: tuple[Block, ...]
    key: str


@dataclass(frozen=True)
class Report:
    """A whole report: title and subtitle (free text), sections, and the figures it needs.

    ``handout``: a copy for students, without the verification lines and the table of code lines.
    """

    title: str
    subtitle: str
    sections: tuple[Section, ...]
    figures: dict  # name -> symrnn.report.figures.Plot (drawn when the files are written)
    handout: bool = False


__all__ = [
    "Block",
    "EquationBlock",
    "FigureBlock",
    "Paragraph",
    "Report",
    "Run",
    "Section",
    "Table",
    "code",
    "math",
    "para",
    "ref",
    "text",
]
