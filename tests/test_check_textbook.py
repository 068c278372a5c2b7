"""The textbook corpus: D2L 9.7, 10.1, 10.2 and the lecture, as printed, read to the right meaning.

``tests/data/textbook_latex.toml`` holds each display byte for byte; here it is split the way a
reader does (rows of ``aligned`` at ``\\\\``, each row at its top-level ``=``, the equation tag and
the closing punctuation dropped). The left side names the quantity; each right side is checked
against the derivation's truth on drawn values, exactly as ``symrnn check`` does.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from symrnn.check import check_answer

DATA = Path(__file__).parent / "data" / "textbook_latex.toml"
CORPUS = tomllib.loads(DATA.read_text(encoding="utf-8"))

_TAG = re.compile(r"\\quad\s*\(\d+\.\d+\.\d+\)|\\tag\{[^{}]*\}")


def _top_level_split(text: str, sep: str) -> list[str]:
    parts, depth, start, i = [], 0, 0, 0
    while i < len(text):
        ch = text[i]
        if ch in "{(":
            depth += 1
        elif ch in "})":
            depth -= 1
        elif depth == 0 and text.startswith(sep, i):
            parts.append(text[start:i])
            start = i + len(sep)
            i = start
            continue
        i += 1
    parts.append(text[start:])
    return parts


def equations(printed: str) -> list[tuple[str, list[str]]]:
    """``[(lhs, [rhs, ...]), ...]`` of one display."""
    body = _TAG.sub("", printed).replace(r"\begin{aligned}", "").replace(r"\end{aligned}", "")
    out = []
    for row in body.split("\\\\"):
        row = row.replace("&", "").strip().rstrip(".,").strip()
        if not row:
            continue
        lhs, *rhs = _top_level_split(row, "=")
        out.append((lhs.strip(), [r.strip().rstrip(".,").strip() for r in rhs]))
    return out


def grad_of(lhs: str) -> str:
    return lhs if lhs.startswith(r"\frac{\partial") else "value:" + lhs


def cases():
    for display in CORPUS["display"]:
        parts = [(lhs, rhs) for lhs, rhss in equations(display["printed"]) for rhs in rhss]
        expect = display.get("expect", ["correct"] * len(parts))
        assert len(expect) == len(parts), display["source"]
        for k, ((lhs, rhs), want) in enumerate(zip(parts, expect)):
            yield pytest.param(display["spec"], grad_of(lhs), rhs, want, id=f"{display['source'].split(' (')[0]}#{k}")


def test_the_corpus_covers_the_three_chapters_and_the_lecture():
    sources = " ".join(d["source"] for d in CORPUS["display"])
    for where in ("bptt.md", "lstm.md", "gru.md", "lecture"):
        assert where in sources
    assert len(list(cases())) >= 45
    assert all(s["why"] for s in CORPUS["skipped"])


@pytest.mark.parametrize("spec, grad, answer, want", list(cases()))
def test_textbook_formula_reads_to_its_meaning(spec, grad, answer, want):
    v = check_answer(spec, grad, answer)
    if want.startswith("unsupported:"):
        assert v.status == "invalid" and want.split(":", 1)[1].strip() in v.message, v.to_text()
        return
    assert v.status == want, v.to_text()
    assert v.read_as, v.to_text()
    if want == "correct":
        assert check_answer(spec, grad, v.read_as).correct, v.read_as  # the echo reads back to the same


def test_the_splitter_keeps_brace_groups_and_drops_tags():
    rows = equations(r"\frac{\partial L}{\partial h_t}= \sum_{i=t}^T {\left(W^\top\right)}^{T-i} x. \quad (9.7.15)")
    assert rows == [(r"\frac{\partial L}{\partial h_t}", [r"\sum_{i=t}^T {\left(W^\top\right)}^{T-i} x"])]
