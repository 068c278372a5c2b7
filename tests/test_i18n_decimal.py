"""Decimal commas in reports and ``derive`` (``--decimal-comma``), and the rule they share with exams.

Argentina writes 0,05. The option changes what a reader sees (prose, maths, a figure's words);
generated code, JSON and the numbers a figure plots keep the point, and without the option the
output is byte for byte what it was.
"""

from __future__ import annotations

import json

import pytest

from symrnn.core import catalogue
from symrnn.core.derive import derive
from symrnn.exam import build_exam
from symrnn.exam.tex import render_tex
from symrnn.i18n import decimal, use_language
from symrnn.report import build, render_latex, render_markdown
from symrnn.report.commas import with_decimal_commas
from symrnn.report.document import Report, Section, code, para, ref


@pytest.mark.parametrize("text, expected", [
    ("w = 0.05", "w = 0,05"),
    ("for the linear RNN of D2L 9.7 (no bias)", "for the linear RNN of D2L 9.7 (no bias)"),
    ("LSTM (D2L 10.1 notation)", "LSTM (D2L 10.1 notation)"),
    ("Linear RNN of Dive into Deep Learning 9.7", "Linear RNN of Dive into Deep Learning 9.7"),
    ("D2L 9.7.13, 9.7.14, 9.7.16 and symrnn 0.1.0", "D2L 9.7.13, 9.7.14, 9.7.16 and symrnn 0.1.0"),
    ("near 0.05, 0.5 and 0.95", "near 0,05; 0,5 and 0,95"),
    ("seeds 0, 1, 2", "seeds 0, 1, 2"),
    ("With w = 0.9, how many steps", "With w = 0,9, how many steps"),
])
def test_a_decimal_is_one_point_between_digits_and_a_list_of_decimals_takes_semicolons(text, expected):
    assert decimal.text(text) == text
    with decimal.decimal_comma():
        assert decimal.text(text) == expected


def test_in_maths_the_comma_is_braced_and_an_item_after_a_decimal_takes_a_semicolon():
    with decimal.decimal_comma():
        assert decimal.math(r"i_{1} = 0.05,\quad i_{2} = 0.1") == r"i_{1} = 0{,}05;\quad i_{2} = 0{,}1"
        assert decimal.math(r"\rho = 0.5, 0.9") == r"\rho = 0{,}5;\ 0{,}9"
        assert decimal.math(r"(1, 2)") == "(1, 2)"
        assert decimal.mixed(r"gate mean 0.05, $b = 0.5$") == r"gate mean 0,05, $b = 0{,}5$"


def test_an_exam_question_citing_d2l_keeps_its_section_number():
    exam = build_exam(["closed-form"], 1, 0)
    with decimal.decimal_comma():
        tex = render_tex(exam)
    assert "D2L 9.7 " in tex and "D2L 9,7" not in tex


def test_a_report_with_decimal_commas_and_without():
    derivation = derive(catalogue.load("mlp-2-2-2"))
    report = build(derivation)
    assert with_decimal_commas(report) is report  # the option off: the same object, untouched
    plain = render_latex(report, "x")
    with use_language("es"), decimal.decimal_comma():
        spanish = render_latex(with_decimal_commas(build(derivation)), "x")
        markdown = render_markdown(with_decimal_commas(build(derivation)), "x")
    assert "i_{1} = 0.05" in plain and "{,}" not in plain
    assert "i_{1} = 0{,}05;" in spanish and "0.05" not in spanish.split(r"\begin{document}")[1]
    assert "0{,}05" in markdown
    tiny = Report("T 0.5", "", (Section("S", (para("eps 0.5 ", code("--eps 0.5"), ref("eq:a.1")),), "s"),), {})
    with decimal.decimal_comma():
        runs = with_decimal_commas(tiny).sections[0].blocks[0].runs
    assert [r.text or r.code or r.ref for r in runs] == ["eps 0,5 ", "--eps 0.5", "eq:a.1"]  # code and references stay


def test_a_figure_says_its_numbers_with_commas_and_plots_them_as_numbers():
    from symrnn.report import figure_files

    derivation = derive(catalogue.load("lstm"))
    with decimal.decimal_comma():
        report = with_decimal_commas(build(derivation))
    data = json.loads(figure_files(report, "x", "md")["x-cell-path.json"])
    labels = " ".join(s["label"] for s in data["series"])
    assert ("0,0" in labels or "0{,}0" in labels) and "0.0" not in labels
    assert all(isinstance(v, float) for s in data["series"] for v in s["y"])


def test_derive_prints_decimal_commas_when_asked_and_only_then(capsys):
    from symrnn.cli import main

    def out(*args):
        assert main(["derive", "mlp-2-2-2", *args]) == 0
        return capsys.readouterr().out

    text, latex, data = out(), out("--format", "latex"), out("--format", "json")
    assert "0.05" in text and "0,05" not in text and "{,}" not in latex
    comma_text, comma_latex = out("--decimal-comma"), out("--format", "latex", "--decimal-comma")
    assert comma_text == decimal_text(text) and "0,741365 * 0,186816" in comma_text
    assert r"i_{1} = 0{,}05;\quad i_{2} = 0{,}1" in comma_latex and "0.05" not in comma_latex
    assert out("--format", "json", "--decimal-comma") == data  # data keeps the point


def decimal_text(text: str) -> str:
    with decimal.decimal_comma():
        return decimal.text(text)
