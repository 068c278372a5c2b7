"""A lecturer's page-by-page review of ``symrnn exam --variants 30 --seed 7``, one test per fault.

Each test fails on the sheet as it was reviewed: a one-line derive-formula key, undefined a and b,
a diagnosed value off the worked solution's by one digit, a part parted from its answer space,
parts that use an earlier part without saying so, awkward or doubled wording, an untranslated
activation name, and the tool's versions printed on the student sheet.
"""

from __future__ import annotations

import re

from symrnn.core import catalogue
from symrnn.exam.exam import build_exam
from symrnn.exam.families import FAMILIES
from symrnn.exam.families.formulas import QUESTIONS, network_words, solution
from symrnn.exam.model import Display, fmt, plain_text
from symrnn.exam.numeric import derivation, equation_latex
from symrnn.exam.tex import render_tex
from symrnn.i18n import use_language


def _words(rich) -> str:
    return " ".join(x for block in rich if not isinstance(block, Display) for x in block.parts if isinstance(x, str))


def test_derive_formula_key_shows_its_steps_read_off_the_derivation():
    # the reviewed question: dL/db_q of the tanh RNN, column notation
    d = derivation(catalogue.load("rnn-tanh"))
    assert any(name == "rnn-tanh" and label == d.equation("grad:b_q").label for name, _, label, *_ in QUESTIONS)
    text = plain_text(solution(d, d.equation("grad:b_q")))
    assert r"\frac{\partial \mathbf{o}_{t}}{\partial \mathbf{b}_{q}} = I" in text
    assert equation_latex(d.equation("adj:o:t")) in text
    for seed in range(40):
        q = FAMILIES["derive-formula"].generate(seed)
        displays = [b for b in q.solution if isinstance(b, Display)]
        assert len(displays) >= 2, q.title  # at least one step before the key


def test_derive_formula_watches_only_mistakes_the_question_allows():
    from symrnn.exam.families.formulas import _watch

    d = derivation(catalogue.load("rnn-tanh"))
    assert "bias_not_summed" not in _watch(d.equation("grad:b_q"), "column")
    assert "bias_not_summed" in _watch(d.equation("grad:b_q"), "row")
    for seed in range(60):
        q = FAMILIES["derive-formula"].generate(seed)
        if "one example" in plain_text(q.statement):
            # one example: no batch to sum a bias over
            assert "Bias gradient not summed" not in q.parts[0].answer.note, q.parts[0].answer.note


def test_spectral_radius_solution_defines_a_and_b():
    p = FAMILIES["vanishing"].generate(2994899620)
    g = dict(p.givens)
    text = plain_text(p.solution)
    assert f"diagonal $a = {g['a']}$" in text and f"off-diagonal $b = {g['b']}$" in text


def test_a_diagnosed_gate_value_is_the_worked_solutions_own_number():
    p = FAMILIES["gate-step"].generate(855679773)
    missing = next(d for d in p.parts[2].answer.wrong if "sigmoid derivative" in d.title)
    assert fmt(missing.value, p.parts[2].answer.places) == "-0.07344"
    for seed in range(60):
        q = FAMILIES["gate-step"].generate(seed)
        answer = q.parts[2].answer
        for d in answer.wrong:
            if "sigmoid derivative" in d.title:
                shown = fmt(d.value, answer.places)
                shown = shown if not shown.startswith("-") else "(" + shown
                assert shown in plain_text(q.solution), (seed, shown)


def test_every_part_keeps_its_question_with_its_whole_answer_space():
    source = render_tex(build_exam(None, 2, 7))
    lines = source.splitlines()
    for i, line in enumerate(lines):
        if line.startswith(r"\part["):
            guard = next(lines[j] for j in range(i - 1, 0, -1) if lines[j].startswith(r"\Needspace"))
            space = next(lines[j] for j in range(i, len(lines)) if lines[j].startswith(r"\begin{solution}["))
            assert space[len(r"\begin{solution}["):-1] in guard, (guard, space)


def test_parts_that_use_an_earlier_part_say_so_and_one_letter_counts_the_steps():
    mlp = FAMILIES["mlp-backprop"].generate(1211759350)
    assert "(a)" in _words(mlp.parts[1].prompt) and "(a)" in _words(mlp.parts[2].prompt)
    closed = FAMILIES["closed-form"].generate(851887730)
    assert r"T \ge" in plain_text(closed.parts[0].prompt)
    v = FAMILIES["vanishing"].generate(2994899620)
    assert "N" not in re.findall(r"\$([^$]*)\$", plain_text(v.parts[0].prompt))[1]
    assert "scalar linear" in plain_text(v.statement)


def test_no_doubled_punctuation_plural_slips_or_empty_ranges_in_sheet_and_key():
    source = render_tex(build_exam(None, 30, 7))
    text = re.sub(r"\\ldots|\\dots|\.\.\.", "", source)
    for bad in ("..", ".;", "(s)", "2..2", "$q = 1$ outputs", "relu RNN"):
        assert bad not in text, bad
    counts = [FAMILIES["param-count"].generate(s) for s in range(80)]
    two = next(p for p in counts if dict(p.givens)["layers"] == 2)
    assert r"\text{layer 2}" in plain_text(two.solution)


def test_activation_names_are_written_properly_and_translated():
    specs = {spec.activation: spec for name, spec, *_ in QUESTIONS if spec.cell == "rnn" and spec.layers == 1}
    assert network_words(specs["relu"]) == "ReLU RNN"
    with use_language("es"):
        assert "sigmoide" in network_words(specs["sigmoid"])


def test_student_sheet_prints_the_tool_versions_only_in_the_key():
    source = render_tex(build_exam(["vanishing"], 1, 7))
    footer = next(line for line in source.splitlines() if line.startswith(r"\footer"))
    assert "NumPy" in footer[footer.index(r"\ifprintanswers"):footer.index(r"\fi")]
    assert r"\else" not in footer


def test_key_notes_typeset_their_maths_in_both_languages():
    # the reviewed key printed the catalogue's plain notes: "W{\ttfamily\char94}T delta"
    from symrnn.core.mistakes import MISTAKES
    from symrnn.exam.model import para
    from symrnn.exam.moodle import render_moodle

    for lang in ("en", "es"):
        with use_language(lang):
            for m in MISTAKES.values():
                assert m.teacher_note_tex != m.teacher_note or not re.search(r"[_^]|delta|sigma", m.teacher_note), m.id
                words = "".join(p for p in para(m.teacher_note_tex).parts if isinstance(p, str))
                assert not re.search(r"[_^\\]", words), (lang, m.id, words)
            exam = build_exam(["derive-formula"], 30, 7)
            source = render_tex(exam)
            assert r"\char94" not in source and r"\(W^\top \delta\)" in source, lang
            assert r"\(W^\top \delta\)" in render_moodle(exam), lang
