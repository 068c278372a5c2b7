"""The questions a server asks: from an exam's JSON (``symrnn exam --format json``) or a spec.

A :class:`Question` is a page: a statement and a prompt as rich blocks (``("text", str)``,
``("math", tex)``, ``("display", (line, ...))``), and the checker's ``(spec, grad)`` that grades
it. From an exam, every formula part with a ``checker`` of every version is one question; from
``SPEC --grad NAME ...``, each name is one, stated with the network's generic forward equations.
Both are read strictly, each problem refused on one line naming it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ..core.errors import SymrnnError
from ..i18n import _

MAX_EXAM_BYTES = 32 * 1024 * 1024
"""Largest exam JSON read."""

MAX_QUESTIONS = 500
"""Most questions one server asks."""


class QuestionError(SymrnnError):
    """An exam file or a ``--grad`` list that gives no usable question; the message says why."""


@dataclass(frozen=True)
class Question:
    qid: str
    title: str
    spec: str  # a catalogue name or a spec file's path, as the checker takes it
    grad: str
    statement: tuple
    prompt: tuple


def _rich(blocks, where: str) -> tuple:
    """An exam's rich JSON (``paragraph`` / ``display`` blocks) as ``(kind, content)`` tuples."""
    out = []
    if not isinstance(blocks, list):
        raise QuestionError(_("the exam file: {where} is not a list of blocks").format(where=where))
    for block in blocks:
        if isinstance(block, dict) and isinstance(block.get("paragraph"), list):
            for part in block["paragraph"]:
                if isinstance(part, str):
                    out.append(("text", part))
                elif isinstance(part, dict) and isinstance(part.get("math"), str):
                    out.append(("math", part["math"]))
                else:
                    raise QuestionError(_("the exam file: {where} has a paragraph part that is neither text nor math").format(where=where))
            out.append(("break", ""))
        elif isinstance(block, dict) and isinstance(block.get("display"), list):
            out.append(("display", tuple(str(line) for line in block["display"])))
        else:
            raise QuestionError(_("the exam file: {where} has a block that is neither a paragraph nor a display").format(where=where))
    return tuple(out)


def _read_json(path_text: str) -> dict:
    path = Path(path_text)
    try:
        regular = path.is_file()
    except (OSError, ValueError):
        regular = False
    if not regular:
        raise QuestionError(_("no such exam file (or not a regular file): {path}").format(path=repr(path_text[:200])))
    if path.stat().st_size > MAX_EXAM_BYTES:
        raise QuestionError(_("the exam file is larger than {size} MB").format(size=MAX_EXAM_BYTES // 1024**2))
    try:
        data = json.loads(path.read_bytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as err:
        raise QuestionError(_("the exam file is not JSON written by 'symrnn exam --format json': {error}").format(error=err)[:300]) from None
    if not isinstance(data, dict) or not isinstance(data.get("versions"), list):
        raise QuestionError(_("the exam file has no 'versions' list: write it with 'symrnn exam --format json'"))
    return data


def _parts(problem: dict, where: str):
    parts = problem.get("parts")
    if not isinstance(parts, list):
        raise QuestionError(_("the exam file: {where} has no 'parts' list").format(where=where))
    for j, part in enumerate(parts, 1):
        answer = part.get("answer") if isinstance(part, dict) else None
        checker = answer.get("checker") if isinstance(answer, dict) else None
        if checker and (not isinstance(checker, list) or len(checker) != 2
                        or not all(isinstance(c, str) and c for c in checker)):
            raise QuestionError(_("the exam file: {where}, part {j}: 'checker' is not [spec, grad]").format(where=where, j=j))
        if checker:
            yield j, part, checker


def from_exam(path_text: str) -> tuple[Question, ...]:
    """Every part of the exam that the checker grades (formula parts with a ``checker``), in order."""
    data = _read_json(path_text)
    out = []
    for v, version in enumerate(data["versions"], 1):
        problems = version.get("problems") if isinstance(version, dict) else None
        if not isinstance(problems, list):
            raise QuestionError(_("the exam file: version {v} has no 'problems' list").format(v=v))
        for i, problem in enumerate(problems, 1):
            where = f"version {v}, problem {i}"
            if not isinstance(problem, dict):
                raise QuestionError(_("the exam file: {where} is not an object").format(where=where))
            for j, part, (spec, grad) in _parts(problem, where):
                title = str(problem.get("title") or "")[:200]
                out.append(Question(f"v{v}-p{i}-{j}", _("Version {version}, problem {problem}, part {part}: {title}").format(version=v, problem=i, part=j, title=title), spec, grad,
                                    _rich(problem.get("statement", []), where),
                                    _rich(part.get("prompt", []), f"{where}, part {j}")))
    if not out:
        raise QuestionError(_("the exam has no part the checker can grade (a formula part with a 'checker'); "
                            "draw one with 'symrnn exam --family derive-formula --format json'"))
    return _bounded(out)


def _bounded(questions: list[Question]) -> tuple[Question, ...]:
    if len(questions) > MAX_QUESTIONS:
        raise QuestionError(_("{length} questions: one server asks at most {max_questions}").format(length=len(questions), max_questions=MAX_QUESTIONS))
    return tuple(questions)


def from_spec(spec: str, grads: list[str]) -> tuple[Question, ...]:
    """One question per ``--grad`` name, stated with the spec's generic forward equations."""
    from ..printing.latex import latex
    from .preview import asked, problem

    if not grads:
        raise QuestionError(_("give the quantities to ask with --grad NAME (one or more), or --exam EXAM.json"))
    out = []
    for k, grad in enumerate(dict.fromkeys(grads), 1):
        prob = problem(spec, grad)
        model = tuple(f"{latex(e.lhs)} &= {latex(e.rhs)}" for e in prob.derivation.generic_forward)
        name = _(prob.spec.title) if prob.spec.title else prob.spec.name  # a catalogue title is a message
        statement = (("text", _("The network {name}:").format(name=name)), ("display", model))
        derive, after = _("Derive {quantity}.").split("{quantity}")
        prompt = (("text", derive), ("math", asked(spec, grad)), ("text", after))
        out.append(Question(f"q{k}", f"{name}: {grad}", spec, grad, statement, prompt))
    return _bounded(out)


__all__ = ["MAX_QUESTIONS", "Question", "QuestionError", "from_exam", "from_spec"]
