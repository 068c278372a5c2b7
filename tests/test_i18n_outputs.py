"""Reports, exams and derive listings in Spanish: no English sentence left, the lecture's terms,
babel and decimal commas only where asked, and the English output untouched by the catalogue."""

from __future__ import annotations

import re

import pytest

from symrnn.core import catalogue
from symrnn.core.derive import derive
from symrnn.exam.decimal import decimal_comma
from symrnn.exam.exam import build_exam
from symrnn.exam.moodle import render_moodle
from symrnn.exam.tex import answer_tex, render_tex
from symrnn.i18n import _, use_language
from symrnn.i18n.catalog import read
from symrnn.printing.listing import as_latex, as_text
from symrnn.report import build, render_latex, render_markdown

REPORTED = ("lstm", "gru-d2l", "gru-torch", "rnn-scalar", "rnn-tanh", "rnn-linear", "deep-rnn", "mlp-2-2-2")
DERIVED = ("rnn-scalar", "mlp-2-2-2", "lstm")
ENGLISH = re.compile(r"\b(the|of the|with the|is|are|and|which|from|through|each|every|step|steps|gate|weight|"
                     r"weights|bias|loss|hidden|gradient|Answer|Version|Page|Key|Correct|wrote)\b")
"""English words that Spanish prose never uses (maths and code are taken out before looking)."""


def _quotes(text: str) -> str:
    """``text`` with LaTeX's escaped quotation marks written as the characters."""
    return text.replace(r"\textquotedblleft{}", "“").replace(r"\textquotedblright{}", "”")


def _prose(text: str) -> str:
    """``text`` without maths, TeX commands, code, labels, tags and the specs' own (English) data."""
    for spec in catalogue.names():
        loaded = catalogue.load(spec)
        text = text.replace(loaded.title, " ")
    text = re.sub(r"\\(title|author)\{[^\n]*\}|^# [^\n]*|^\*[^\n]*\*$", " ", text, flags=re.MULTILINE)
    text = _quotes(text)
    text = re.sub(r"en inglés “[^”]*”(?:(?:, | y )“[^”]*”)*", " ", text)  # a gate's English name, given on purpose
    text = re.sub(r"\$\$.*?\$\$|\$[^$]*\$|\\\(.*?\\\)|\\\[.*?\\\]", " ", text, flags=re.DOTALL)
    text = re.sub(r"\\begin\{(equation|align\*?|gather\*?|aligned)\}.*?\\end\{\1\}", " ", text, flags=re.DOTALL)
    text = re.sub(r"\\(label|eqref|ref|texttt|includegraphics|usepackage|documentclass|input|def)(\[[^]]*\])?\{[^}]*\}", " ", text)
    text = re.sub(r"\b[a-z0-9]+(-[a-z0-9]+)+\b", " ", text)  # identifiers: family and spec names, file stems
    text = re.sub(r"!\[[^]]*\]\([^)]*\)", " ", text)  # a figure's file name
    text = re.sub(r"`[^`]*`|<[^>]+>|\\[A-Za-z]+|%[^\n]*|\[[a-z]+:[^]]*\]", " ", text)
    return text


@pytest.fixture(scope="module")
def translated():
    """The catalogue's messages whose Spanish differs from the English, long enough to be a sentence."""
    out = []
    for m in read("es"):
        if not m.id or not isinstance(m.id, str) or not m.string or m.string == m.id:
            continue
        if "{" not in m.id and "%" not in m.id and len(m.id.split()) >= 4:
            out.append(m.id)
    return out


@pytest.fixture(scope="module")
def spanish_outputs():
    texts = {}
    with use_language("es"):
        for name in REPORTED:
            report = build(derive(catalogue.load(name)))
            texts[f"report {name} tex"] = render_latex(report, name)
            texts[f"report {name} md"] = render_markdown(report, name)
            texts[f"report {name} captions"] = " ".join(p.caption + " " + p.xlabel + " " + p.ylabel + " " +
                                                        " ".join(s.label for s in p.series) for p in report.figures.values())
        exam = build_exam(None, 2, 0)
        texts["exam tex"] = render_tex(exam)
        texts["exam moodle"] = render_moodle(exam)
        texts["exam key"] = "\n".join(str(answer_tex(part.answer)) for v in exam.versions for p in v.problems for part in p.parts)
        for name in DERIVED:
            d = derive(catalogue.load(name))
            texts[f"derive {name} text"] = as_text(d)
            texts[f"derive {name} latex"] = as_latex(d)
    return texts


def test_no_translated_english_sentence_is_left_in_the_spanish_outputs(spanish_outputs, translated):
    assert len(translated) > 200
    for where, text in spanish_outputs.items():
        left = [m for m in translated if m in text]
        assert not left, f"{where}: English left: {left[:3]}"


def test_no_english_function_words_in_the_spanish_prose(spanish_outputs):
    for where, text in spanish_outputs.items():
        found = sorted(set(ENGLISH.findall(_prose(text))))
        assert not found, f"{where}: English words {found} in {_prose(text)[:0]}" + " ".join(
            _prose(text)[max(0, m.start() - 60):m.end() + 60].replace("\n", " ") for m in list(ENGLISH.finditer(_prose(text)))[:2])


def test_the_spanish_report_speaks_the_lecture_s_words(spanish_outputs):
    lstm = spanish_outputs["report lstm tex"]
    for words in ("compuerta de olvido", "celda de memoria", "pesos del estado oculto a la compuerta de entrada",
                  "Retropropagación a través del tiempo", "Desvanecimiento y explosión del gradiente", "función de pérdida"
                  if "función de pérdida" in lstm else "pérdida"):
        assert words in lstm, words
    gru = spanish_outputs["report gru-d2l tex"]
    assert "compuerta de reinicio" in gru and "compuerta de actualización" in gru and "estado oculto candidato" in gru
    # the lecture names the gates in English ("Forget gate"): the cell's description gives both, once
    assert "en inglés “input gate”, “forget gate” y “output gate”" in _quotes(lstm)
    assert "en inglés “reset gate” y “update gate”" in _quotes(gru)


def test_babel_spanish_only_in_spanish():
    report = build(derive(catalogue.load("rnn-scalar")))
    english = render_latex(report, "x")
    with use_language("es"):
        spanish = render_latex(report, "x")
        sheet = render_tex(build_exam(["vanishing"], 1, 0))
    assert "babel" not in english and "Figura" not in english
    assert r"\usepackage[spanish," in spanish and "es-noshorthands" in spanish
    assert r"\usepackage[spanish," in sheet and r"\pointpoints{punto}{puntos}" in sheet
    assert "babel" not in render_tex(build_exam(["vanishing"], 1, 0))


def test_moodle_questions_carry_the_language():
    exam = build_exam(["vanishing", "bptt-scalar"], 1, 0)
    english = render_moodle(exam)
    assert 'lang="' not in english
    with use_language("es"):
        spanish = render_moodle(build_exam(["vanishing", "bptt-scalar"], 1, 0))
        correct = _("Correct.")
    assert spanish.count('<div lang="es">') >= 4
    assert correct != "Correct." and f"#{correct}" in spanish and "Correct." not in spanish


def test_decimal_comma_in_what_is_read_and_a_point_in_what_moodle_stores():
    exam = build_exam(["bptt-scalar", "vanishing"], 1, 0)
    plain_tex, plain_xml = render_tex(exam), render_moodle(exam)
    with decimal_comma():
        tex, xml = render_tex(exam), render_moodle(exam)
    assert "{,}" not in plain_tex and "{,}" not in plain_xml
    assert re.search(r"\d\{,\}\d", tex) and re.search(r"\d\{,\}\d", xml)
    stored = re.findall(r"<answer fraction=\"\d+\" format=\"moodle_auto_format\">\s*<text>([^<]*)</text>", xml)
    cloze = re.findall(r"\{\d+:NUMERICAL:=([-\d.]+):", xml)
    assert stored or cloze
    assert all("," not in value for value in stored + cloze)
    assert re.findall(r"\{\d+:NUMERICAL:=([-\d.]+):", plain_xml) == cloze
    assert "D2L 9.7.13, 9.7.14, 9.7.16" in tex  # a section number is not a decimal
    key = "\n".join(str(answer_tex(part.answer)) for p in exam.versions[0].problems for part in p.parts)
    with decimal_comma():
        key_comma = "\n".join(str(answer_tex(part.answer)) for p in exam.versions[0].problems for part in p.parts)
    assert "accepts it written" not in key and "Moodle accepts it written" in key_comma


def test_the_decimal_comma_option_reaches_the_files(tmp_path, capsys):
    from symrnn.cli import main

    assert main(["exam", "--family", "vanishing", "--format", "tex", "-o", str(tmp_path / "c"), "--decimal-comma"]) == 0
    assert main(["exam", "--family", "vanishing", "--format", "tex", "-o", str(tmp_path / "p")]) == 0
    assert "{,}" in (tmp_path / "c" / "exam.tex").read_text("utf-8")
    assert "{,}" not in (tmp_path / "p" / "exam.tex").read_text("utf-8")
    capsys.readouterr()
