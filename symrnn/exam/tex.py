"""The LaTeX ``exam``-class document: every version's student sheet, and the key, from ONE source.

The document starts with ``\\ifdefined\\symrnnkey\\printanswers\\fi``: compiled as is it is the
student sheet; compiled through the two-line wrapper :data:`KEY_WRAPPER` (which defines
``\\symrnnkey`` and inputs the same file) it prints every solution environment, i.e. the key.

Free text is escaped once, here or by the template's ``finalize``
(:func:`symrnn.printing.texescape.finalize`); maths made in Python is passed as trusted
:class:`~symrnn.printing.texescape.TeX`.
"""

from __future__ import annotations

import re
from functools import lru_cache

import jinja2

from ..i18n import _, current
from ..printing.texescape import TeX, escape, finalize
from . import decimal
from .exam import Exam
from .header import Header, header
from .model import Answer, Display, Para, Part, Problem, Rich, fmt, rich

SOURCE_NAME = "exam.tex"
KEY_WRAPPER = "\\def\\symrnnkey{}\n\\input{exam.tex}\n"
"""The key's source: defines ``\\symrnnkey`` and reads the student sheet's source."""


def inline(para: Para, style: str = "") -> str:
    return "".join(escape(decimal.text(p)) if isinstance(p, str) else f"\\({style}{decimal.math(p.tex)}\\)" for p in para.parts)


def block(b: Para | Display, style: str = "") -> str:
    if isinstance(b, Para):
        return inline(b, style)
    env = "align*" if any("&" in line for line in b.lines) else "gather*"
    body = " \\\\\n".join(decimal.math(line) for line in b.lines)
    return f"\\begin{{{env}}}\n{body}\n\\end{{{env}}}"


def rich_tex(blocks: Rich, style: str = "") -> TeX:
    """Rich text as LaTeX: paragraphs separated by blank lines, displays as ``align*``;
    ``style`` prefixes inline maths (``\\displaystyle`` for the options of a choice)."""
    return TeX("\n\n".join(block(b, style) for b in blocks))


def _tolerance(answer: Answer) -> str:
    if answer.abs_tol == 0:
        return _("exact")
    return _("accepted within $\\pm {tolerance}$").format(
        tolerance=decimal.math(fmt(answer.abs_tol, max(answer.places, 1) + 1).rstrip('0').rstrip('.')))


def answer_tex(answer: Answer) -> TeX:
    """The key of one part, with the diagnosed wrong values a grader will meet."""
    said, diagnosed = escape(_("Answer:")), escape(_("Diagnosed wrong values"))
    if answer.kind == "numerical":
        text = f"\\textbf{{{said}}} ${decimal.math(fmt(answer.value, answer.places))}$ ({_tolerance(answer)})."
        if decimal.active() and "." in fmt(answer.value, answer.places):
            text += " " + escape(_("Moodle accepts it written {comma} or {point}.").format(
                comma=decimal.text(fmt(answer.value, answer.places)), point=fmt(answer.value, answer.places)))
        if answer.wrong:
            items = "; ".join(f"${decimal.math(fmt(d.value, answer.places))}$: {escape(d.title)}" for d in answer.wrong)
            text += f" \\emph{{{diagnosed}}} --- {items}."
        return TeX(text)
    if answer.kind == "choice":
        return TeX(f"\\textbf{{{said}}} " + rich_tex(answer.choices[answer.correct_index].text))
    return TeX(f"\\textbf{{{said}}} \\[ {answer.formula} \\] " + rich_tex(rich(answer.note)))


def part_view(part: Part) -> dict:
    answer = part.answer
    choices = None
    if answer.kind == "choice":
        choices = [{"text": rich_tex(c.text, "\\displaystyle "), "correct": "yes" if c.correct else ""} for c in answer.choices]
    return {"points": answer.points, "prompt": rich_tex(part.prompt), "choices": choices, "key": answer_tex(answer),
            "space": TeX(part.room), "choices_room": TeX(f"{_choices_room(answer)}\\baselineskip")}


def _choices_room(answer: Answer) -> int:
    """Lines to keep for a part's options: two each (an option with a displayed sum takes more)."""
    return 2 * len(answer.choices) if answer.kind == "choice" else 0


def problem_view(problem: Problem) -> dict:
    return {
        "title": problem.title,
        "family": problem.family,
        "seed": str(problem.seed),
        "origin": _("(variant seed {seed}, family {family}).").format(seed=problem.seed, family=problem.family),
        "statement": rich_tex(problem.statement),
        "parts": [part_view(p) for p in problem.parts],
        "solution": rich_tex(problem.solution),
    }


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """jinja2 with LaTeX-safe delimiters, StrictUndefined, and escaping by ``finalize``."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader("symrnn", "templates"),
        block_start_string="((*", block_end_string="*))",
        variable_start_string="(((", variable_end_string=")))",
        comment_start_string="((=", comment_end_string="=))",
        line_statement_prefix=None, trim_blocks=True, lstrip_blocks=True,
        undefined=jinja2.StrictUndefined, autoescape=False, finalize=finalize, keep_trailing_newline=True,
    )


BABEL = {"es": TeX("\\usepackage[spanish,es-noquoting,es-nodecimaldot,es-noshorthands]{babel}\n\\pointpoints{punto}{puntos}")}
"""The babel line (and the exam class's word for points) of each language but English."""


def _words() -> dict[str, str]:
    """The sheet's own words (the header, the footer, the name line), in the current language."""
    return {"key": _("Key"), "version": _("Version"), "page": _("Page"), "answer_key": _("Answer key, version"),
            "name": _("Name:"), "worked": _("Worked solution")}


def render_tex(exam: Exam, head: Header | None = None) -> str:
    """The exam's LaTeX source (student sheet; see :data:`KEY_WRAPPER` for the key).

    The student sheet never prints the seed (anyone with symrnn could regenerate the key from
    it); the key prints it in its footer and beside each worked solution.
    """
    head = head or header()
    template = environment().get_template("exam.tex.j2")
    versions = [{"number": str(v.number), "points": _("({points} points)").format(points=v.points), "problems": [problem_view(p) for p in v.problems]} for v in exam.versions]
    instructions = [line for line in re.split(r"\n|\\n", head.instructions) if line.strip()]
    return template.render(title=head.title, course=head.course, date=head.date, instructions=instructions,
                           provenance=exam.provenance, tool=exam.tool, versions=versions, w=_words(),
                           babel=BABEL.get(current(), ""))
