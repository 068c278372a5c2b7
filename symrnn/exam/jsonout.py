"""The exam as JSON: every version, problem, answer, tolerance and diagnosed wrong value, with the
seed and the tool versions (sorted keys, no timestamps: the same seed gives the same bytes)."""

from __future__ import annotations

import json

from .exam import Exam
from .header import Header
from .model import Answer, Display, Para, Problem, Rich


def rich_json(blocks: Rich) -> list:
    out = []
    for b in blocks:
        if isinstance(b, Para):
            out.append({"paragraph": [p if isinstance(p, str) else {"math": p.tex} for p in b.parts]})
        elif isinstance(b, Display):
            out.append({"display": list(b.lines)})
    return out


def answer_json(answer: Answer) -> dict:
    data: dict = {"kind": answer.kind, "points": answer.points}
    if answer.kind == "numerical":
        data.update(value=answer.value, places=answer.places, abs_tol=answer.abs_tol, rel_tol=answer.rel_tol,
                    shown=answer.shown, exact=answer.exact,
                    wrong=[{"value": d.value, "mistake": d.mistake, "feedback": d.feedback} for d in answer.wrong])
    elif answer.kind == "choice":
        data["choices"] = [{"text": rich_json(c.text), "correct": c.correct, "mistake": c.mistake, "feedback": c.feedback}
                           for c in answer.choices]
    else:
        data.update(formula=answer.formula, note=answer.note, checker=list(answer.checker))
    return data


def problem_json(problem: Problem) -> dict:
    return {
        "family": problem.family,
        "title": problem.title,
        "seed": problem.seed,
        "givens": [[k, list(v) if isinstance(v, tuple) else v] for k, v in problem.givens],
        "statement": rich_json(problem.statement),
        "parts": [{"prompt": rich_json(p.prompt), "answer": answer_json(p.answer)} for p in problem.parts],
        "solution": rich_json(problem.solution),
    }


def render_json(exam: Exam, head: Header | None = None) -> str:
    data = {
        "header": (head or Header()).as_dict(),
        "generator": exam.meta,
        "families": list(exam.families),
        "versions": [{"number": v.number, "points": v.points, "problems": [problem_json(p) for p in v.problems]}
                     for v in exam.versions],
    }
    # Compact separators keep json on its C encoder (an indent would not): large exams stay fast.
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n"
