"""Versions of one exam are of equal difficulty, and the sheet is one a lecturer can hand out.

Every family draws from a declared set of equal-weight variants; the measure is the number of
arithmetic operations of the worked solution (``symrnn.exam.difficulty``), the steps a student
does by hand. Also: the derive-formula pool, exact titles, dependent parts, answer space, the
header options, and a student sheet that never prints the seed.
"""

from __future__ import annotations

import re

import pytest

from symrnn.core.errors import SymrnnError
from symrnn.exam.difficulty import hand_operations, operations
from symrnn.exam.exam import build_exam
from symrnn.exam.families import FAMILIES, ORDER
from symrnn.exam.header import Header, HeaderError, header
from symrnn.exam.tex import render_tex


def _spread_ok(ops: list[int]) -> bool:
    """Equal within a tolerance: the hardest version has at most two operations, or a fifth, more."""
    return max(ops) - min(ops) <= max(2, 0.2 * max(ops))


@pytest.mark.parametrize("seed", [0, 1])
def test_every_family_gives_every_version_the_same_hand_work(seed):
    exam = build_exam(None, 30, seed)
    for i, family in enumerate(exam.families):
        ops = [hand_operations(v.problems[i]) for v in exam.versions]
        assert _spread_ok(ops), (family, sorted(set(ops)))


def test_the_measure_can_fail():
    assert not _spread_ok([44, 59]) and not _spread_ok([74, 96]) and _spread_ok([28, 34])
    assert operations(r"a \cdot b + c") == 2 and operations(r"\frac{1}{T} x") == 1


def test_derive_formula_questions_are_distinct_and_of_equal_work_with_softplus():
    from symrnn.exam.difficulty import written_operations
    from symrnn.exam.families.formulas import POINTS, QUESTIONS, WORK, solution
    from symrnn.exam.numeric import derivation

    distinct = {(name, label) for name, _, label, _, _ in QUESTIONS}
    assert len(distinct) == len(QUESTIONS) >= 100  # issue 11: no 30-version exam repeats a question
    assert FAMILIES["derive-formula"].space == len(QUESTIONS)
    assert any(spec.activation == "softplus" for _, spec, _, _, _ in QUESTIONS)
    # a closed form takes an induction, not one step: the closed-form family asks it
    assert all(label.kind.value != "closed" for _, _, label, _, _ in QUESTIONS)
    for _, spec, label, _, _ in QUESTIONS:
        d = derivation(spec)
        assert WORK[0] <= written_operations(solution(d, d.equation(label))) <= WORK[1]
    exam = build_exam(["derive-formula"], 30, 3)
    assert len({p.fingerprint for v in exam.versions for p in v.problems}) == 30
    assert {p.points for v in exam.versions for p in v.problems} == {POINTS}


def test_titles_say_exactly_what_is_asked():
    for s in range(40):
        p = FAMILIES["gate-step"].generate(s)
        cell = dict(p.givens)["cell"]
        assert ("LSTM" in p.title) == (cell == "lstm") and ("GRU" in p.title) == (cell == "gru-d2l"), p.title
        assert " or " not in p.title
        f = FAMILIES["derive-formula"].generate(s)
        assert "seed" not in f.title and "^" not in f.title


def test_a_part_that_uses_an_earlier_part_says_so():
    needs = {"mlp-backprop": {3: "(c)"}, "vanishing": {3: "(c)"}, "bptt-scalar": {1: "(a)"}, "gate-step": {1: "(a)", 2: "(b)"},
             "closed-form": {1: "(a)", 2: "(a)"}}
    for family, parts in needs.items():
        p = FAMILIES[family].generate(5)
        for index, ref in parts.items():
            prompt = " ".join(x for block in p.parts[index].prompt for x in block.parts if isinstance(x, str))
            assert ref in prompt, (family, index, prompt)


def test_answer_space_is_sized_to_the_work():
    mlp = FAMILIES["mlp-backprop"].generate(2)
    rooms = [float(p.room.rstrip("cm")) for p in mlp.parts]
    assert rooms[2] == max(rooms) >= 7  # dL/dw1: two paths of the chain rule by hand
    assert rooms[3] < rooms[2]
    source = render_tex(build_exam(["mlp-backprop"], 1, 2))
    assert r"\begin{solution}[8cm]" in source and r"\begin{solution}[2.5cm]" in source


def test_the_student_sheet_never_prints_the_seed():
    exam = build_exam(None, 2, 424242)
    source = render_tex(exam)
    for line in source.splitlines():
        if "424242" in line or re.search(r"\bseed\b", line):
            # only the key prints it: in the footer's \ifprintanswers branch, or inside a solution
            assert line.startswith((r"\footer{\footnotesize \ifprintanswers", r"\textbf{Worked solution}")), line
    footer = next(line for line in source.splitlines() if line.startswith(r"\footer"))
    assert footer.index(r"\ifprintanswers") < footer.index("seed 424242") < footer.index(r"\fi")


def test_header_options_are_data_and_bad_ones_are_refused(tmp_path, capsys):
    from symrnn.cli import main

    head = header("A & B $x$ \\input{y}", "C_1", "2026", "one\\ntwo")
    source = render_tex(build_exam(["vanishing"], 1, 0), head)
    assert r"A \& B \$x\$ \textbackslash{}input\{y\}" in source and r"\input{y}" not in source
    assert "\\item one" in source and "\\item two" in source
    with pytest.raises(HeaderError):
        Header(title="x" * 201)
    with pytest.raises(HeaderError):
        Header(title="a\x1bb")
    with pytest.raises(HeaderError):
        Header(title=" ")
    assert issubclass(HeaderError, SymrnnError)
    assert main(["exam", "--family", "vanishing", "--format", "json", "-o", str(tmp_path), "--course", "x\x07"]) == 2
    assert "--course holds a control character" in capsys.readouterr().err
    assert main(["exam", "--family", "vanishing", "--format", "tex", "-o", str(tmp_path), "--title", "Examen → final"]) == 0
    assert "no glyph for '→' (U+2192) in --title" in capsys.readouterr().err


def test_every_family_is_in_the_order():
    assert sorted(ORDER) == sorted(FAMILIES)


def test_every_version_of_the_default_exam_totals_30_points():
    """A round total the lecturer can grade on; every version the same (equal work, equal marks)."""
    exam = build_exam(None, 4, 11)
    assert {sum(p.points for p in v.problems) for v in exam.versions} == {30}
