"""Moodle XML: one category per family, one question per variant.

* one numerical part  -> ``numerical`` (absolute tolerance; every diagnosed wrong value is an
  extra ``fraction="0"`` answer carrying its feedback);
* one choice part     -> ``multichoice`` (single answer; wrong options carry the mistake's feedback);
* one formula part    -> ``essay`` (the key and what to look for in the grader information);
* several parts       -> ``cloze`` (``{n:NUMERICAL:=v:tol#ok~%0%w:tol#feedback}`` and
  ``{n:MULTICHOICE_V:...}``, the only cloze layout where maths in the options renders).

HTML goes inside CDATA, maths in ``\\( \\)`` and ``\\[ \\]``. Inside a cloze field Moodle ends
the field at an unescaped ``}``, ``#`` or ``~`` and un-escapes only ``\\}`` and ``\\#`` (see
``qtype_multianswer_extract_question``), so :func:`cloze_escape` writes ``\\}``, ``\\#`` and the
entity ``&#126;`` for ``~``. Teachers add the questions to a quiz as "random question from
category", one per family: each student then gets one variant of each.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache

import jinja2
import numpy as np
from markupsafe import Markup

from ..i18n import DEFAULT, _, current
from . import decimal
from .exam import Exam
from .model import Answer, Display, Para, Part, Problem, Rich, fmt, rich

CATEGORY_ROOT = "$course$/top/symrnn"


_NOT_IN_TEXT = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ufffe\uffff\ud800-\udfff]")
"""Characters XML 1.0 cannot hold (C0 controls but tab and newline, noncharacters, lone surrogates),
the carriage return (an XML parser turns it into a newline) and the C1 controls."""


def html_text(text: str) -> str:
    """Free text as HTML: escaped, with controls (and what XML cannot hold) as spaces, and ``\\`` as
    ``&#92;``: in a cloze field a backslash escapes the ``}``, ``#`` or ``~`` after it, so text ending
    with one would swallow the field's end and run on into the rest of the question."""
    return html.escape(_NOT_IN_TEXT.sub(" ", text), quote=False).replace("\\", "&#92;")


def inline_html(para: Para) -> str:
    """A paragraph's free text as HTML, with ``{`` as ``&#123;``: Moodle scans a cloze question's whole
    text for ``{n:TYPE:...}``, so no text may open a field (inside a field, :func:`cloze_escape` keeps
    every ``}`` from closing it)."""
    return "".join(html_text(decimal.text(p)).replace("{", "&#123;") if isinstance(p, str)
                   else f"\\({html.escape(decimal.math(p.tex), quote=False)}\\)" for p in para.parts)


def block_html(b: Para | Display) -> str:
    if isinstance(b, Para):
        return f"<p>{inline_html(b)}</p>"
    env = "aligned" if any("&" in line for line in b.lines) else "gathered"
    body = html.escape(" \\\\ ".join(decimal.math(line) for line in b.lines), quote=False)
    return f"<p>\\[\\begin{{{env}}}{body}\\end{{{env}}}\\]</p>"


def rich_html(blocks: Rich) -> str:
    return "".join(block_html(b) for b in blocks)


def rich_inline_html(blocks: Rich) -> str:
    """Rich text of paragraphs only, without ``<p>`` (for options and cloze prompts)."""
    return " ".join(inline_html(b) if isinstance(b, Para) else block_html(b) for b in blocks)


def cloze_escape(text: str) -> str:
    """Text inside a cloze field: ``}`` and ``#`` backslash-escaped, ``~`` as an entity."""
    return text.replace("}", "\\}").replace("#", "\\#").replace("~", "&#126;")


def number(value: float, places: int) -> str:
    return fmt(value, places)


def tolerance_text(answer: Answer) -> str:
    """The absolute tolerance in plain decimal notation (``0.00004``, never ``4e-05``)."""
    return np.format_float_positional(answer.abs_tol, trim="-") if answer.abs_tol else "0"


def cloze_field(answer: Answer) -> str:
    """One cloze sub-question."""
    if answer.kind == "numerical":
        tol = tolerance_text(answer)
        correct = cloze_escape(html_text(_("Correct.")))
        alts = [f"={number(answer.value, answer.places)}:{tol}#{correct}"]
        alts += [f"%0%{number(d.value, answer.places)}:{tol}#{cloze_escape(html_text(decimal.text(d.feedback)))}" for d in answer.wrong]
        return f"{{{answer.points}:NUMERICAL:{'~'.join(alts)}}}"
    if answer.kind == "choice":
        alts = [("=" if c.correct else "%0%") + cloze_escape(rich_inline_html(c.text)) + "#" + cloze_escape(html_text(decimal.text(c.feedback)))
                for c in answer.choices]
        return f"{{{answer.points}:MULTICHOICE_V:{'~'.join(alts)}}}"
    raise ValueError("a formula answer cannot be a cloze sub-question; give it its own problem")


def question_type(problem: Problem) -> str:
    if len(problem.parts) > 1:
        return "cloze"
    return {"numerical": "numerical", "choice": "multichoice", "formula": "essay"}[problem.parts[0].answer.kind]


def question_text(problem: Problem, qtype: str) -> str:
    text = rich_html(problem.statement)
    if qtype == "cloze":
        items = "".join(f"<li>{rich_inline_html(p.prompt)} {cloze_field(p.answer)}</li>" for p in problem.parts)
        return text + f'<ol type="a">{items}</ol>'
    return text + rich_html(problem.parts[0].prompt)


def answers_view(part: Part) -> list[dict]:
    answer = part.answer
    if answer.kind == "numerical":
        tol = tolerance_text(answer)
        rows = [{"fraction": "100", "text": number(answer.value, answer.places), "tolerance": tol, "feedback": html_text(_("Correct."))}]
        rows += [{"fraction": "0", "text": number(d.value, answer.places), "tolerance": tol,
                  "feedback": html_text(decimal.text(d.feedback))}
                 for d in answer.wrong]
        return rows
    if answer.kind == "choice":
        return [{"fraction": "100" if c.correct else "0", "text": rich_inline_html(c.text), "tolerance": "",
                 "feedback": html_text(decimal.text(c.feedback))} for c in answer.choices]
    return []


def question_view(problem: Problem, version: int, provenance: str = "") -> dict:
    qtype = question_type(problem)
    part = problem.parts[0]
    view = {
        "type": qtype,
        "name": _("{family} v{version} (seed {seed})").format(family=problem.family, version=f"{version:03d}", seed=problem.seed),
        "idnumber": f"{problem.family}-{problem.seed}",
        "text": _in_language(question_text(problem, qtype)),
        # the general feedback is shown to students: it names the tool, never the seed (the name and id are the teacher's)
        "feedback": _in_language(rich_html(problem.solution) + "<p><small>" + html_text(
            _("{provenance}; family {family}").format(provenance=provenance, family=problem.family)) + "</small></p>"),
        "grade": f"{problem.points:.7f}",
        "answers": answers_view(part) if qtype != "cloze" else [],
        "graderinfo": "",
    }
    if qtype == "essay":
        key = html_text(_("Key:"))
        view["graderinfo"] = _in_language(f"<p>{key}</p><p>\\[{html.escape(part.answer.formula, quote=False)}\\]</p>"
                                          + rich_html(rich(part.answer.note)))
    return view


def _in_language(html_body: str) -> str:
    """HTML in a language other than English marked with it (``<div lang="es">``): Moodle keeps the
    question's HTML as written, so browsers hyphenate, and screen readers speak, the right language."""
    lang = current()
    return html_body if lang == DEFAULT else f'<div lang="{lang}">{html_body}</div>'


def cdata(text: str) -> Markup:
    """Text for a CDATA section (a literal ``]]>`` is split across two sections)."""
    return Markup(str(text).replace("]]>", "]]]]><![CDATA[>"))


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("symrnn", "templates"),
        undefined=jinja2.StrictUndefined, autoescape=True, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
    )
    env.filters["cdata"] = cdata
    return env


def render_moodle(exam: Exam) -> str:
    """The Moodle XML quiz file of the exam."""
    categories = []
    for index, family in enumerate(exam.families):
        questions = [question_view(v.problems[index], v.number, exam.tool) for v in exam.versions]
        categories.append({"path": f"{CATEGORY_ROOT}-seed-{exam.seed}/{family}", "questions": questions})
    return environment().get_template("exam_moodle.xml.j2").render(provenance=exam.provenance, categories=categories,
                                                                  correct=_("Correct."), incorrect=_("Incorrect."))
