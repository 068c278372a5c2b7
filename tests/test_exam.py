"""Exam families: keys against independent oracles, diagnosed wrong values, the stress test over
the registry, Moodle XML structure and escaping, LaTeX escaping, byte-identical reproducibility."""

from __future__ import annotations

import argparse
import math
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from symrnn.core.errors import SymrnnError
from symrnn.core.mistakes import MISTAKES
from symrnn.exam.exam import build_exam
from symrnn.exam.families import FAMILIES, ORDER
from symrnn.exam.families import counts as counts_family
from symrnn.exam.jsonout import render_json
from symrnn.exam.model import Answer, Choice, Math, Para, diagnosed, numerical, rich, tolerance
from symrnn.exam.moodle import cloze_escape, cloze_field, render_moodle
from symrnn.exam.registry import variant_seed
from symrnn.exam.stress import answer_findings, problem_findings, stress
from symrnn.exam.tex import render_tex, rich_tex

SEEDS = range(40)


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def _givens(problem) -> dict:
    return dict(problem.givens)


def _within(answer: Answer, truth: float) -> bool:
    return abs(answer.value - truth) <= answer.abs_tol


# --------------------------------------------------------------------------- keys vs oracles


def test_mlp_keys_match_the_seed_formulas_in_full_precision():
    family = FAMILIES["mlp-backprop"]
    for s in SEEDS:
        p = family.generate(s)
        g = _givens(p)
        i1, i2, t1, t2, eta = g["i1"], g["i2"], g["target_o1"], g["target_o2"], g["eta"]
        w = [None] + [g[f"w{k}"] for k in range(1, 9)]
        h1 = _sigmoid(w[1] * i1 + w[2] * i2 + g["b1"])
        h2 = _sigmoid(w[3] * i1 + w[4] * i2 + g["b1"])
        o1 = _sigmoid(w[5] * h1 + w[6] * h2 + g["b2"])
        o2 = _sigmoid(w[7] * h1 + w[8] * h2 + g["b2"])
        d1 = (o1 - t1) * o1 * (1 - o1)
        d2 = (o2 - t2) * o2 * (1 - o2)
        dw5 = d1 * h1
        dw1 = (d1 * w[5] + d2 * w[7]) * h1 * (1 - h1) * i1
        a, b, c, d = (part.answer for part in p.parts)
        assert _within(a, o1) and _within(b, dw5) and _within(c, dw1) and _within(d, w[1] - eta * dw1), s


def test_bptt_keys_match_a_plain_loop():
    family = FAMILIES["bptt-scalar"]
    for s in SEEDS:
        p = family.generate(s)
        g = _givens(p)
        T = g["T"]
        h = [0.0]
        for t in range(1, T + 1):
            h.append(g["w_hx"] * g[f"x_{t}"] + g["w_hh"] * h[t - 1])
        do = {t: (g["w_qh"] * h[t] - g[f"y_{t}"]) / T for t in range(1, T + 1)}
        dh = {T + 1: 0.0}
        for t in range(T, 0, -1):
            dh[t] = g["w_hh"] * dh[t + 1] + g["w_qh"] * do[t]
        dw_hh = sum(dh[t] * h[t - 1] for t in range(1, T + 1))
        a, b = (part.answer for part in p.parts)
        assert _within(a, dh[1]) and _within(b, dw_hh), s
        assert {d.mistake for d in b.wrong} >= {"shared_weights_not_summed", "missing_mean"}


def _gate_forward(cell: str, g: dict, first: bool = False) -> float:
    """H_1 of one scalar step (C_1 or the GRU candidate with ``first``), written from the D2L
    equations (independent of the derivation)."""
    x, h0 = g["X_1"], g["H_0"]

    def pre(k):
        return x * g[f"W_x{k}"] + h0 * g[f"W_h{k}"] + g[f"b_{k}"]

    if cell == "lstm":
        i, f, o, c_tilde = _sigmoid(pre("i")), _sigmoid(pre("f")), _sigmoid(pre("o")), math.tanh(pre("c"))
        c = f * g["C_0"] + i * c_tilde
        return c if first else o * math.tanh(c)
    r, z = _sigmoid(pre("r")), _sigmoid(pre("z"))
    h_tilde = math.tanh(x * g["W_xh"] + (r * h0) * g["W_hh"] + g["b_h"])
    return h_tilde if first else z * h0 + (1 - z) * h_tilde


def test_gate_gradients_match_central_differences_through_the_gate_bias():
    # With one example and one step, dL/dA_g = dL/dH_1 * dH_1/db_g (A_g depends on b_g with slope 1).
    family = FAMILIES["gate-step"]
    for s in SEEDS:
        p = family.generate(s)
        g = _givens(p)
        cell, gate = g.pop("cell"), g.pop("gate")
        eps = 1e-6
        up, down = dict(g), dict(g)
        up[f"b_{gate}"] += eps
        down[f"b_{gate}"] -= eps
        slope = (_gate_forward(cell, up) - _gate_forward(cell, down)) / (2 * eps)
        a, b, c = (part.answer for part in p.parts)
        assert _within(a, _gate_forward(cell, g, first=True)), s
        assert _within(b, _gate_forward(cell, g)), s
        assert _within(c, g["d:H_1"] * slope), (s, cell, gate)


def _torch_layout_count(cell: str, d: int, h: int, layers: int, q: int) -> int:
    """Parameters listed as PyTorch names them (docs/REFERENCE.md section 2), then the Linear head."""
    blocks = {"RNN": 1, "GRU": 3, "LSTM": 4}[cell]
    shapes = []
    for layer in range(layers):
        inputs = d if layer == 0 else h
        shapes += [(blocks * h, inputs), (blocks * h, h), (blocks * h,), (blocks * h,)]
    if q:
        shapes += [(q, h), (q,)]
    return sum(int(np.prod(s)) for s in shapes)


def test_parameter_counts_match_pytorch_layouts():
    family = FAMILIES["param-count"]
    for s in SEEDS:
        p = family.generate(s)
        g = _givens(p)
        assert p.parts[0].answer.value == _torch_layout_count(g["cell"], g["d"], g["H"], g["layers"], g["q"])
    assert counts_family.count("LSTM", 10, 20, 1, 0) == 4 * (20 * 10 + 20 * 20 + 2 * 20)


def test_vanishing_keys():
    family = FAMILIES["vanishing"]
    for s in SEEDS:
        p = family.generate(s)
        g = _givens(p)
        power, first, radius, verdict = (part.answer for part in p.parts)
        assert _within(power, g["w"] ** g["N"])
        T = first.value
        assert g["decay"] ** T < g["eps"] <= g["decay"] ** (T - 1)
        matrix = np.array([[g["a"], g["b"]], [g["b"], g["a"]]])
        rho = max(abs(np.linalg.eigvals(matrix)))
        assert _within(radius, rho)
        correct = verdict.choices[verdict.correct_index]
        assert ("vanishes" in correct.text[0].parts[0]) == (rho < 1)


def test_closed_form_correct_option_is_d2l_9_7_15():
    p = next(FAMILIES["closed-form"].generate(s) for s in range(100) if dict(FAMILIES["closed-form"].generate(s).givens)["t"] == 2)
    choice = p.parts[0].answer
    correct = choice.choices[choice.correct_index].text[0].parts[0]
    assert isinstance(correct, Math)
    assert correct.tex == (r"\sum_{i=2}^{T} \left(\mathbf{W}_{hh}^{\top}\right)^{T-i} \mathbf{W}_{qh}^{\top} "
                           r"\frac{\partial L}{\partial \mathbf{o}_{T+2-i}}")
    wrong = {c.mistake for c in choice.choices if not c.correct}
    assert wrong == {"off_by_one", "missing_transpose", "wrong_signal_pairing"}
    g = _givens(p)
    assert p.parts[1].answer.value == g["k"] - g["t"] and p.parts[2].answer.value == g["T"] - g["t"] + 1


def test_closed_form_mutations_start_from_the_derivations_closed_form():
    from symrnn.exam.families.closed_form import derived, power_sum
    from symrnn.exam.numeric import latex

    for t in (2, 3, 5):
        assert latex(power_sum(6, t)) == latex(derived(t))
        assert latex(power_sum(6, t, shift=1)) != latex(derived(t))


def test_sequence_shape_key_is_the_task_shape():
    from symrnn.exam.families.shapes import SHAPES, TASKS

    expected = dict(TASKS)
    for s in SEEDS:
        p = FAMILIES["sequence-shape"].generate(s)
        answer = p.parts[0].answer
        assert answer.choices[answer.correct_index].text == rich(SHAPES[expected[_givens(p)["task"]]])


def test_formula_keys_pass_the_checker_under_their_grade_with_line():
    """Every question the key says to grade with ``symrnn check`` (gradients, and adjoints such as
    dL/dZ_t since the checker reads any quantity) is accepted by it when answered with the key."""
    from symrnn.check.verdict import check_answer
    from symrnn.core import catalogue
    from symrnn.core.labels import Kind
    from symrnn.exam.families.formulas import QUESTIONS, _checker_target, derivation
    from symrnn.printing.latex import latex

    checked = {Kind.GRADIENT: 0, Kind.ADJOINT: 0}
    for spec_name, spec, label, _, graded in QUESTIONS:
        eq = derivation(catalogue.load(spec_name)).equation(label) if graded else None
        if eq is None or not _checker_target(eq):
            continue
        verdict = check_answer(spec_name, _checker_target(eq), latex(eq.rhs))
        assert verdict.correct, (spec_name, label, verdict.to_text())
        checked[label.kind] += 1
    assert checked[Kind.GRADIENT] >= 4 and checked[Kind.ADJOINT] >= 4, checked
    answers = [FAMILIES["derive-formula"].generate(s).parts[0].answer for s in range(60)]
    assert any(a.checker for a in answers) and any(not a.checker for a in answers)


# --------------------------------------------------------------------------- answers, tolerances, mistakes


def test_tolerance_is_relative_with_a_floor_and_one_significant_digit():
    assert tolerance(0.01764, 5, 0.02) == 0.0004
    assert tolerance(3.375, 4, 0.01) == 0.04
    assert tolerance(0.0, 4, 0.01) == 0.0001


def test_numerical_masks_mistakes_that_give_the_key_and_drops_repeated_wrong_values():
    a = numerical(1.0, 2, 1, [diagnosed(1.001, "sign_error"), diagnosed(2.0, "off_by_one"), diagnosed(2.001, "missing_mean")])
    assert [d.mistake for d in a.masked] == ["sign_error"]
    assert [d.mistake for d in a.wrong] == ["off_by_one"]
    with pytest.raises(KeyError):
        diagnosed(1.0, "no_such_mistake")


@pytest.mark.parametrize("name", ORDER)
def test_every_family_passes_the_stress_test(name):
    report = stress(name, variants=150, seed=3)
    assert report.ok, report.summary()


def test_stress_findings_catch_degenerate_answers():
    zero = numerical(0.0, 3, 1)
    assert [k for k, _ in answer_findings(zero, "a")] == ["zero"]
    nan = Answer("numerical", 1, float("nan"), 3, 0.1)
    assert [k for k, _ in answer_findings(nan, "a")] == ["nan"]
    masked = numerical(1.0, 2, 1, [diagnosed(1.0, "missing_mean")])
    assert "equals-mistake" in [k for k, _ in answer_findings(masked, "a")]
    drift = numerical(1.0, 2, 1, exact=1.5)
    assert "rounding" in [k for k, _ in answer_findings(drift, "a")]
    same = Answer("choice", 1, choices=(Choice(rich("x"), correct=True), Choice(rich("x"))))
    assert [k for k, _ in answer_findings(same, "a")] == ["duplicate-options"]
    problem = FAMILIES["mlp-backprop"].generate(1)
    saturated = type(problem)(**{**problem.__dict__, "bounded": (("out_o1", 0.995, 0.0, 1.0),)})
    assert [f.kind for f in problem_findings(saturated)] == ["saturated"]


def test_every_diagnosis_names_a_known_mistake_or_says_what_it_is():
    for name in ORDER:
        for s in range(15):
            for part in FAMILIES[name].generate(s).parts:
                for d in part.answer.wrong:
                    assert (d.mistake in MISTAKES) if d.mistake else d.note
                for c in part.answer.choices:
                    assert c.correct or (c.mistake in MISTAKES if c.mistake else c.note)


# --------------------------------------------------------------------------- seeds and reproducibility


def test_variant_seeds_depend_on_family_index_and_master_seed():
    seeds = {variant_seed(7, name, k) for name in ORDER for k in range(50)}
    assert len(seeds) == len(ORDER) * 50
    assert variant_seed(7, "vanishing", 3) == variant_seed(7, "vanishing", 3) != variant_seed(8, "vanishing", 3)


def test_a_variant_is_regenerated_from_its_recorded_seed():
    exam = build_exam(variants=3, seed=11)
    for version in exam.versions:
        for problem in version.problems:
            assert FAMILIES[problem.family].generate(problem.seed) == problem


def test_versions_of_one_exam_are_distinct():
    exam = build_exam(["mlp-backprop", "derive-formula"], variants=20, seed=5)
    for column, name in enumerate(exam.families):
        prints = [v.problems[column].fingerprint for v in exam.versions]
        space = FAMILIES[name].space or len(prints)
        assert len(set(prints)) == min(len(prints), space), name


def test_same_seed_same_bytes_other_seed_other_bytes():
    a, b, c = (build_exam(variants=2, seed=s) for s in (4, 4, 5))
    for render in (render_tex, render_moodle, render_json):
        assert render(a) == render(b)
        assert render(a) != render(c)


def _run_command(argv: list[str]) -> int:
    from symrnn.commands import exam as command

    parser = argparse.ArgumentParser()
    command.register(parser)
    return command.run(parser.parse_args(argv))


def test_files_are_byte_identical_across_processes(tmp_path):
    assert _run_command(["--variants", "2", "--seed", "9", "--format", "tex,moodle,json", "-o", str(tmp_path / "a")]) == 0
    code = ("import argparse, sys\nfrom symrnn.commands import exam\np = argparse.ArgumentParser(); exam.register(p)\n"
            "sys.exit(exam.run(p.parse_args(sys.argv[1:])))\n")
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    subprocess.run([sys.executable, "-c", code, "--variants", "2", "--seed", "9", "--format", "tex,moodle,json",
                    "-o", str(tmp_path / "b")], check=True, env=env, capture_output=True)
    for name in ("exam.tex", "exam-key.tex", "exam-moodle.xml", "exam.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def test_every_output_records_seed_and_versions():
    import numpy
    import sympy

    from symrnn import __version__

    exam = build_exam(["vanishing"], variants=1, seed=21)
    for text in (render_tex(exam), render_moodle(exam), render_json(exam)):
        for needle in (__version__, numpy.__version__, sympy.__version__, "21"):
            assert needle in text
    _, questions = _questions(render_moodle(build_exam(["vanishing", "sequence-shape"], variants=2, seed=21)))
    for q in questions:  # each question keeps its record after import into Moodle: the tools in the feedback, the seed in the name
        feedback = q.find("generalfeedback/text").text
        assert f"NumPy {numpy.__version__}" in feedback and "seed" not in feedback  # students read the feedback
        assert "seed" in q.find("name/text").text


def test_command_errors_and_stress(tmp_path, capsys):
    with pytest.raises(SymrnnError):
        _run_command(["--family", "no-such-family", "-o", str(tmp_path)])
    with pytest.raises(SymrnnError):
        _run_command(["--format", "docx", "-o", str(tmp_path)])
    with pytest.raises(SystemExit) as refused:  # a usage error: one line naming --variants, exit 2
        _run_command(["--variants", "0", "-o", str(tmp_path)])
    assert refused.value.code == 2 and "--variants must be between 1 and" in capsys.readouterr().err
    assert _run_command(["--stress", "param-count", "--variants", "50"]) == 0
    assert "no degenerate draw" in capsys.readouterr().out


# --------------------------------------------------------------------------- Moodle XML


def _questions(xml_text: str):
    root = ET.fromstring(xml_text.encode("utf-8"))
    assert root.tag == "quiz"
    return root, [q for q in root if q.get("type") != "category"]


# Moodle's cloze grammar (question/type/multianswer/questiontype.php), in Python's re syntax.
_FRACTION = r"=|%(-?[0-9]+(?:[.,][0-9]*)?)%"
_ANSWER = r".+?(?<!\\)(?<!&)(?<!&amp;)(?=[~#}]|$)"
_FEEDBACK = r".*?(?<!\\)(?=[~}]|$)"
_ALTERNATIVE = f"({_FRACTION})?({_ANSWER})(#({_FEEDBACK}))?"
_FIELD = re.compile(r"\{([0-9]*):(NUMERICAL|MULTICHOICE_V):(" + _ALTERNATIVE + "(?:~" + _ALTERNATIVE + ")*)\\}", re.DOTALL)


def _alternatives(body: str) -> list[tuple[str, str, str]]:
    """(fraction, answer, feedback) of each alternative, unescaped as Moodle does."""
    out = []
    rest = body
    while rest:
        m = re.match("~?" + _ALTERNATIVE, rest, re.DOTALL)
        assert m, rest
        feedback = (m.group(5) or "").replace("\\}", "}").replace("\\#", "#").replace("&#126;", "~")
        out.append((m.group(1) or "", m.group(3), feedback))
        rest = rest[m.end():]
    return out


def test_moodle_xml_is_well_formed_and_follows_the_question_format():
    exam = build_exam(variants=3, seed=7)
    xml_text = render_moodle(exam)
    assert xml_text.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    root, questions = _questions(xml_text)
    categories = [q for q in root if q.get("type") == "category"]
    assert len(categories) == len(ORDER) and len(questions) == 3 * len(ORDER)
    kinds = {q.get("type") for q in questions}
    assert kinds == {"cloze", "numerical", "multichoice", "essay"}
    for q in questions:
        assert q.find("name/text").text
        text = q.find("questiontext")
        assert text.get("format") == "html" and text.find("text").text
        assert float(q.find("defaultgrade").text) > 0
        if q.get("type") == "numerical":
            answers = q.findall("answer")
            assert answers[0].get("fraction") == "100"
            assert all(a.get("fraction") == "0" for a in answers[1:]) and len(answers) >= 2
            for a in answers:
                float(a.find("text").text), float(a.find("tolerance").text)
                assert a.find("feedback/text").text
        if q.get("type") == "multichoice":
            fractions = sorted(a.get("fraction") for a in q.findall("answer"))
            assert fractions.count("100") == 1 and q.find("single").text == "true"
        if q.get("type") == "essay":
            assert "Key" in q.find("graderinfo/text").text
        if q.get("type") == "cloze":
            fields = _FIELD.findall(text.find("text").text)
            assert len(fields) >= 2
            for field in fields:
                alternatives = _alternatives(field[2])
                assert sum(1 for f, _, _ in alternatives if f == "=") == 1
                assert all(f in ("=", "%0%") for f, _, _ in alternatives)
                if field[1] == "NUMERICAL":
                    assert alternatives[0][0] == "="
                    for _, value, _ in alternatives:
                        number, tol = value.split(":")
                        float(number), float(tol)
                else:
                    assert len(alternatives) >= 3


def test_cloze_fields_parse_back_with_their_numbers_and_feedback():
    problem = FAMILIES["bptt-scalar"].generate(2)
    answer = problem.parts[1].answer
    field = cloze_field(answer)
    (m,) = _FIELD.findall(field)
    alternatives = _alternatives(m[2])
    assert alternatives[0][1] == f"{answer.shown}:{np.format_float_positional(answer.abs_tol, trim='-')}"
    assert [a[2] for a in alternatives[1:]] == [d.feedback for d in answer.wrong]


def test_cloze_escape_survives_moodle_parsing():
    nasty = "W_{hh} } # ~ end"
    field = "{1:MULTICHOICE_V:=" + cloze_escape(r"\(W_{hh}\)") + "#" + cloze_escape(nasty) + "~%0%" + cloze_escape("b}") + "#no}"
    (m,) = _FIELD.findall(field)
    alternatives = _alternatives(m[2])
    assert alternatives[0][2] == nasty
    assert alternatives[0][1].replace("\\}", "}") == r"\(W_{hh}\)"
    assert alternatives[1][1].replace("\\}", "}") == "b}"


def test_moodle_html_escapes_text_and_guards_cdata():
    from symrnn.exam.moodle import cdata, rich_html

    html_text = rich_html((Para(("a < b & c ", Math("x < y"))),))
    assert html_text == r"<p>a &lt; b &amp; c \(x &lt; y\)</p>"
    assert str(cdata("a ]]> b")) == "a ]]]]><![CDATA[> b"


# --------------------------------------------------------------------------- LaTeX


def test_latex_free_text_is_escaped_once_and_maths_passes():
    tex = rich_tex((Para(("50% of #1 & {x} ", Math(r"\frac{a}{b}"))),))
    assert tex == r"50\% of \#1 \& \{x\} \(\frac{a}{b}\)"


def test_key_and_sheet_come_from_one_source():
    from symrnn.exam.tex import KEY_WRAPPER

    source = render_tex(build_exam(["sequence-shape"], variants=1, seed=1))
    assert "\\ifdefined\\symrnnkey\\printanswers\\fi" in source
    assert KEY_WRAPPER.strip().endswith("\\input{exam.tex}")
    assert source.count("\\begin{solution}") == 2 and "\\CorrectChoice" in source


# --------------------------------------------------------------------------- hand computation


def test_hand_computation_of_the_seeds_worked_example():
    """The well-known 2-2-2 example (docs/REFERENCE.md section 1): dE/dw5 = 0.082167041,
    dE/dw1 = 0.000438568 in full precision; the rounded chain stays within 1%."""
    from symrnn.core import catalogue
    from symrnn.exam.numeric import compute, derivation, exact_values

    spec = catalogue.load("mlp-2-2-2")
    d = derivation(spec)
    givens = spec.example.as_dict()
    equations = d.forward + d.adjoints + d.gradients
    values, steps = compute(equations, givens, lambda eq: 4 if eq.kind in ("forward", "loss") else 5)
    exact = exact_values(equations, givens)
    assert abs(exact["d:w5"] - 0.082167041) < 1e-9 and abs(exact["d:w1"] - 0.000438568) < 1e-9
    assert abs(values["d:w5"] - 0.082167041) < 0.01 * 0.082167041
    first = next(s for s in steps if s.label == "fwd:in_h1")
    assert first.line() == (r"\mathrm{in}_{h1} &= w_{1} i_{1} + w_{2} i_{2} + b_{1} \\ "
                            r"&= 0.15 \cdot 0.05 + 0.2 \cdot 0.1 + 0.35 = 0.3775")
    sigmoid = next(s for s in steps if s.label == "fwd:out_h1")
    assert sigmoid.line().endswith(r"&= \sigma\left(0.3775\right) = 0.5933")
