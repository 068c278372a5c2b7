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

from ..printing.texescape import TeX, escape, finalize
from .exam import Exam
from .header import Header
from .model import Answer, Display, Para, Part, Problem, Rich, fmt

SOURCE_NAME = "exam.tex"
KEY_WRAPPER = "\\def\\symrnnkey{}\n\\input{exam.tex}\n"
"""The key's source: defines ``\\symrnnkey`` and reads the student sheet's source."""


def inline(para: Para, style: str = "") -> str:
    return "".join(escape(p) if isinstance(p, str) else f"\\({style}{p.tex}\\)" for p in para.parts)


def block(b: Para | Display, style: str = "") -> str:
    if isinstance(b, Para):
        return inline(b, style)
    env = "align*" if any("&" in line for line in b.lines) else "gather*"
    body = " \\\\\n".join(b.lines)
    return f"\\begin{{{env}}}\n{body}\n\\end{{{env}}}"


def rich_tex(blocks: Rich, style: str = "") -> TeX:
    """Rich text as LaTeX: paragraphs separated by blank lines, displays as ``align*``;
    ``style`` prefixes inline maths (``\\displaystyle`` for the options of a choice)."""
    return TeX("\n\n".join(block(b, style) for b in blocks))


def _tolerance(answer: Answer) -> str:
    if answer.abs_tol == 0:
        return "exact"
    return f"accepted within $\\pm {fmt(answer.abs_tol, max(answer.places, 1) + 1).rstrip('0').rstrip('.')}$"


def answer_tex(answer: Answer) -> TeX:
    """The key of one part, with the diagnosed wrong values a grader will meet."""
    if answer.kind == "numerical":
        text = f"\\textbf{{Answer:}} ${fmt(answer.value, answer.places)}$ ({_tolerance(answer)})."
        if answer.wrong:
            items = "; ".join(f"${fmt(d.value, answer.places)}$: {escape(d.title)}" for d in answer.wrong)
            text += f" \\emph{{Diagnosed wrong values}} --- {items}."
        return TeX(text)
    if answer.kind == "choice":
        return TeX("\\textbf{Answer:} " + rich_tex(answer.choices[answer.correct_index].text))
    return TeX(f"\\textbf{{Answer:}} \\[ {answer.formula} \\] {escape(answer.note)}")


def part_view(part: Part) -> dict:
    answer = part.answer
    choices = None
    if answer.kind == "choice":
        choices = [{"text": rich_tex(c.text, "\\displaystyle "), "correct": "yes" if c.correct else ""} for c in answer.choices]
    return {"points": answer.points, "prompt": rich_tex(part.prompt), "choices": choices, "key": answer_tex(answer),
            "space": TeX(part.room)}


def problem_view(problem: Problem) -> dict:
    return {
        "title": problem.title,
        "family": problem.family,
        "seed": str(problem.seed),
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


def render_tex(exam: Exam, head: Header | None = None) -> str:
    """The exam's LaTeX source (student sheet; see :data:`KEY_WRAPPER` for the key).

    The student sheet never prints the seed (anyone with symrnn could regenerate the key from
    it); the key prints it in its footer and beside each worked solution.
    """
    head = head or Header()
    template = environment().get_template("exam.tex.j2")
    versions = [{"number": str(v.number), "points": f"({v.points} points)", "problems": [problem_view(p) for p in v.problems]} for v in exam.versions]
    instructions = [line for line in re.split(r"\n|\\n", head.instructions) if line.strip()]
    return template.render(title=head.title, course=head.course, date=head.date, instructions=instructions,
                           provenance=exam.provenance, tool=exam.tool, versions=versions)
