"""A spec's text is data in every output: nothing a spec says can break out of the format it lands in.

People share spec files, so every string of a spec is hostile input. Which strings exist
(``symrnn.core.spec``):

* ``name``: letters, digits, ``-`` and ``_`` only; anything else is refused on one line.
* ``title``: free text, at most 200 characters. It reaches the generated module's docstring
  (``codegen``, ``verify``), the report's title (LaTeX/PDF and Markdown), the notebook Markdown of a
  derivation, and the ``derive`` listings (text and JSON; the LaTeX listing carries the name only).
* ``network``, ``cell``, ``activation``, ``loss``, ``reduction``, ``shape``, ``notation``,
  ``style``, ``naming``, ``activations[i]``: choices; a hostile value is refused, shown by ``repr``.
* the keys of ``[example]``: must name leaves of the network, otherwise refused; no key reaches
  an output other than that refusal.

Exams are drawn from the catalogue only (``symrnn exam`` takes no spec), and the grading CSV
carries the class's answers, not spec text: both get the same corpus as defence in depth (exam
free text through the renderers, answers and ids through ``symrnn grade``).
"""

from __future__ import annotations

import ast
import csv
import functools
import io
import json
import re
import shutil
import subprocess
import sys
import textwrap
import unicodedata
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from html import unescape
from pathlib import Path

import pytest

from symrnn.codegen.generate import generate
from symrnn.core.derive import derive
from symrnn.core.errors import SpecError
from symrnn.core.spec import load_spec_text
from symrnn.printing import texescape

# --------------------------------------------------------------------------- the corpus

PYTHON = [
    'x"""\nimport os; open("pwned-py1", "w").close()\n"""',
    "x'''\nimport os; os.system('touch pwned-py2')\n'''",
    '\\"""\nopen("pwned-py3", "w").close()\n#',
    '"""; open("pwned-py4", "w").close(); """',
    'x"',
    '""""""',
    "ends with a backslash\\",
    "\\N{BULLET} \\N{",
    "\\x0 \\u12 \\U0001",
    "\x00 nul",
    "\nimport os\n",
    "# comment",
    "\n# -*- coding: utf-7 -*-\n",
    '\u2028"""\u2028open("pwned-py5", "w").close()\u2028"""',
    "\u2029 paragraph separator",
    '\r"""\ropen("pwned-py6", "w").close()\r"""',
    "form\x0cfeed\x0bvtab",
    "next\x85line",
    "tab\there",
    "\u202e\u2066 trojan source \u2069\u202c",
    "\ufeffbom \u200b zero width",
    "\U0001f600 astral",
    "{{ 7 * 7 }} {% if true %}JINJA{% endif %} ((( x ))) ((* if true *))",
    "x" * 200,
]
LATEX = [
    r"\input{/etc/passwd}",
    r"\write18{touch pwned-tex1}",
    r"\immediate\write18{touch pwned-tex2}",
    r"\catcode`\@=0 @input{/etc/passwd}",
    r"\def\title#1{pwned}",
    r"^^5cinput{/etc/passwd}",
    "^^5c^^5c ^^M ^^J",
    r"100% \input{/etc/passwd}",
    r"$\input{/etc/passwd}$",
    r"}\input{/etc/passwd}{",
    r"\end{document}",
    r"\verb|\input{/etc/passwd}|",
    r"\makeatletter\@@input /etc/passwd ",
    r"\openin5=/etc/passwd",
    r"\csname input\endcsname{/etc/passwd}",
    "#1 ## & _ ~ ^ ` \" < > |",
    "-- --- !` ?` ''",
    "\\\\ \\par \\\\[2pt]",
    r"\begin{verbatim}",
]
MARKDOWN = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))",
    "![x](https://evil.example/x.png)",
    "<https://evil.example>",
    "[ref]: javascript:alert(1)",
    "<!-- comment",
    "a | b | c",
    "`code` `` ``` ",
    "*bold* _it_ **x** __y__",
    "heading ## #",
    "&lt;script&gt; &#60;script&#62; &amp;",
    "line\n# injected heading\n\n---\n",
    "$$\\input{/etc/passwd}$$",
    "\\<script>",
]
XML = [
    "]]>",
    "<![CDATA[x]]>",
    "& &amp; <tag attr='1'>",
    "{1:NUMERICAL:=1}",
    "{2:MULTICHOICE:=a~b}",
    "}#~",
    "<?xml version='1.0'?>",
    '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>&e;',
    "\x00\x01\x08\x1b[31m\x7f",
    "\ufffe\uffff",
]
CSV = [
    "=cmd|' /C calc'!A0",
    "=HYPERLINK(\"https://evil.example\")",
    "+1+1",
    "-1+1",
    "@SUM(A1:A2)",
    "\t=1",
    "\r=1",
    '"quoted", "x"',
    "a,b,c",
    "line1\nline2\r\nline3",
]
TITLES = list(dict.fromkeys(PYTHON + LATEX + MARKDOWN + XML + CSV))
PAYLOAD = (
    'x"""\nopen("pwned-v", "w").close()\n"""\u2028\\N{\x00'
    r" \input{/etc/passwd} ^^5cinput{/etc/passwd} 100% $x$ } \end{document}"
    " <script>alert(1)</script> [a](javascript:1) | `"
)
"""One title that tries every format at once (used for the end-to-end runs)."""
assert len(PAYLOAD) <= 200


def toml_string(text: str) -> str:
    """``text`` as a TOML basic string: only printable ASCII, every other character a \\u escape."""
    out = []
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif " " <= ch <= "~":
            out.append(ch)
        elif ord(ch) <= 0xFFFF:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(f"\\U{ord(ch):08x}")
    return '"' + "".join(out) + '"'


BASE = {
    "network": '"rnn"', "cell": '"rnn"', "input_size": "1", "hidden_size": "1", "output_size": "1",
    "style": '"scalar"', "steps": "2",
}


def spec_toml(title: str = "benign", name: str = "hostile", **fields: str) -> str:
    table = {"name": toml_string(name), "title": toml_string(title), **BASE, **fields}
    return "".join(f"{k} = {v}\n" for k, v in table.items())


def load(title: str = "benign", name: str = "hostile", **fields: str):
    return load_spec_text(spec_toml(title, name, **fields))


@functools.cache
def derived(title: str):
    """The derivation of the hostile spec titled ``title`` (shared by the tests of every output)."""
    return derive(load(title))


ONE_LINE_BREAKERS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029\x1b\x00"


def assert_one_clean_line(message: str) -> None:
    assert not set(message) & set(ONE_LINE_BREAKERS), repr(message)
    assert len(message.splitlines()) == 1, repr(message)


# --------------------------------------------------------------------------- what a spec accepts


@pytest.mark.parametrize("title", TITLES + [PAYLOAD])
def test_the_title_is_free_text_kept_exactly(title):
    assert load(title).title == title


def test_a_title_over_200_characters_is_refused():
    with pytest.raises(SpecError, match="title"):
        load("x" * 201)


HOSTILE_NAMES = [
    'x"""', "a b", "a\nb", "a\rb", "../x", "a/b", "a;b", "a$b", "a\\b", "a%b", "a{b}", "a<b>", "a|b", "a`b",
    "a.b", "", "x" * 65, "a\u2028b", "a\x00b", "a\x1b[2Jb", "a'b", "a=b", "\ufeffa",
]


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_a_hostile_name_is_refused_on_one_line(name):
    with pytest.raises(SpecError) as info:
        load(name=name)
    assert info.value.field == "name"
    assert_one_clean_line(str(info.value))


HOSTILE_CHOICE = "rnn\n\x1b[2J<script>\\input{/etc/passwd}\u2028=cmd|x"
CHOICES = {
    "network": {}, "cell": {}, "activation": {}, "loss": {}, "reduction": {}, "shape": {}, "notation": {}, "style": {},
    "naming": {"network": '"mlp"', "sizes": "[1, 1]", "activations": '["tanh"]'},
    "activations": {"network": '"mlp"', "sizes": "[1, 1]"},
}


@pytest.mark.parametrize("field", sorted(CHOICES))
def test_a_hostile_choice_is_refused_and_shown_only_by_repr(field):
    fields = CHOICES[field]
    if fields:  # an MLP's fields
        text = 'name = "m"\n' + "".join(f"{k} = {v}\n" for k, v in fields.items())
        value = f"[{toml_string(HOSTILE_CHOICE)}]" if field == "activations" else toml_string(HOSTILE_CHOICE)
        text += f"{field} = {value}\n"
    else:
        text = spec_toml(**{**fields, field: toml_string(HOSTILE_CHOICE)})
    with pytest.raises(SpecError) as info:
        load_spec_text(text)
    assert info.value.field.startswith(field)
    message = str(info.value)
    assert_one_clean_line(message)
    assert HOSTILE_CHOICE not in message


@pytest.mark.parametrize("value", ["[1, 2]", "{ a = 1 }", "1", "true", "1979-05-27"])
def test_a_title_that_is_not_text_is_refused(value):
    with pytest.raises(SpecError, match="must be text"):
        load_spec_text(spec_toml().replace('title = "benign"', f"title = {value}"))


def test_a_surrogate_in_the_toml_is_refused_cleanly():
    with pytest.raises(SpecError) as info:
        load_spec_text(spec_toml().replace('"benign"', '"\\ud800"'))
    assert_one_clean_line(str(info.value))


HOSTILE_KEY = "a\nb\x1b[31m\u2028<script>"


def test_an_unknown_field_is_refused_on_one_line():
    with pytest.raises(SpecError) as info:
        load_spec_text(spec_toml() + f"{toml_string(HOSTILE_KEY)} = 1\n")
    assert_one_clean_line(str(info.value))


def test_a_hostile_example_key_is_refused_on_one_line():
    from symrnn.core.values import example_point

    spec = load_spec_text(spec_toml() + f"[example]\n{toml_string(HOSTILE_KEY)} = 1\n")
    with pytest.raises(SpecError) as info:
        example_point(derive(spec))
    assert_one_clean_line(str(info.value))


def test_a_hostile_example_key_reaches_no_output():
    """Keys must name leaves: a hostile one stops ``derive`` and ``report`` before any output."""
    from symrnn.core.values import example_point

    spec = load_spec_text(spec_toml() + f"[example]\n{toml_string(HOSTILE_KEY)} = 1\n")
    with pytest.raises(SpecError) as info:
        example_point(derive(spec))
    assert info.value.field.startswith("example.")


# --------------------------------------------------------------------------- generated Python

BENIGN_MODULE = generate(load("benign"))


def _without_docstring(tree: ast.Module) -> str:
    body = tree.body
    assert isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant), "the module has no docstring"
    return ast.dump(ast.Module(body=body[1:], type_ignores=[]))


@pytest.fixture(scope="module")
def hostile_modules():
    return {title: generate(load(title)) for title in TITLES + [PAYLOAD]}


@pytest.mark.parametrize("title", TITLES + [PAYLOAD])
def test_a_hostile_title_adds_no_statement_to_the_module(title, hostile_modules):
    source = hostile_modules[title]
    tree = ast.parse(source)
    assert _without_docstring(tree) == _without_docstring(ast.parse(BENIGN_MODULE))
    doc = ast.get_docstring(tree, clean=False)
    assert doc.startswith(f"Gradients of the symrnn network hostile: {title}.\n")
    assert source.isascii()
    assert all(c == "\n" or c.isprintable() for c in source)


@pytest.mark.parametrize("name", ["\u00e9\u00b2", "\uff58", "\u0663a", "\u01c5-x_1"])
def test_a_name_with_any_unicode_letters_or_digits_enters_the_module_escaped(name):
    """``isalnum`` admits every script's letters and digits: they reach the module only as escapes."""
    source = generate(load(name=name))
    assert source.isascii()
    tree = ast.parse(source)
    spec_line = [s for s in tree.body if isinstance(s, ast.Assign) and s.targets[0].id == "SPEC"]
    assert len(spec_line) == 1 and ast.literal_eval(spec_line[0].value) == name


def test_the_python_payloads_are_live_when_pasted(tmp_path):
    """The check below would see an escape: the same title pasted raw into the module runs its code."""
    title = PYTHON[0]
    pasted = BENIGN_MODULE.replace("network hostile: benign.", f"network hostile: {title}.", 1)
    assert pasted != BENIGN_MODULE
    (tmp_path / "pasted.py").write_text(pasted, encoding="utf-8")
    events = _import_in_subprocess(tmp_path, ["pasted"])
    assert len(events) == 1 and events[0].startswith("open ('pwned-py1'")
    assert (tmp_path / "pwned-py1").exists()


_IMPORTER = textwrap.dedent("""
    import sys
    events = []
    WATCHED = ("os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork", "subprocess.Popen", "socket.",
               "ctypes.", "os.remove", "os.rename", "shutil.")
    def hook(event, args):
        if event.startswith(WATCHED) or (event == "open" and "pwned" in str(args[0])):
            events.append(f"{event} {args!r}"[:200])
    import numpy  # imported first: its own start-up is not the module's doing
    sys.addaudithook(hook)
    sys.path.insert(0, ".")
    for name in sys.argv[1:]:
        __import__(name)
    print("\\n".join(events))
""")


def _import_in_subprocess(directory: Path, names: list[str]) -> list[str]:
    proc = subprocess.run([sys.executable, "-c", _IMPORTER, *names], cwd=directory, capture_output=True, text=True,
                          timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return [line for line in proc.stdout.splitlines() if line]


def test_importing_hostile_modules_runs_no_code_from_the_spec(tmp_path, hostile_modules):
    names = []
    for i, title in enumerate(TITLES + [PAYLOAD]):
        names.append(f"hostile_{i}")
        (tmp_path / f"hostile_{i}.py").write_text(hostile_modules[title], encoding="utf-8")
    assert _import_in_subprocess(tmp_path, names) == []
    assert not list(tmp_path.glob("pwned*"))


def test_verify_on_a_hostile_spec_file_runs_no_code_from_it(tmp_path):
    (tmp_path / "hostile.toml").write_text(spec_toml(PAYLOAD), encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "symrnn.cli", "verify", "hostile.toml", "--no-torch"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "PASS" in proc.stdout
    assert not list(tmp_path.glob("pwned*"))


# --------------------------------------------------------------------------- LaTeX

_TEX_TOKEN = re.compile("|".join(re.escape(t) for t in sorted(set(texescape._SPECIAL.values()), key=len, reverse=True)))
_TEX_ACTIVE = set("\\{}$%#&^_~\"<>|`") | {chr(c) for c in range(0x20)} | {"\x7f"}


def assert_inert_tex(text: str) -> None:
    """Once every escape symrnn writes is removed, no character TeX acts on is left."""
    rest = _TEX_TOKEN.sub(" ", text)
    assert not set(rest) & _TEX_ACTIVE, (text, rest)
    assert "^^" not in text
    assert all(ord(c) < 0x7F or texescape._typesettable(c) for c in rest), rest


def test_the_latex_check_sees_an_unescaped_control_sequence():
    for raw in (r"\input{/etc/passwd}", "^^5cinput", "100%", "$x$"):
        with pytest.raises(AssertionError):
            assert_inert_tex(raw)


@pytest.fixture(scope="module")
def hostile_report():
    """The report of a spec whose title is the all-format payload (built once: figures take seconds)."""
    from symrnn.report.content import build

    spec = load(PAYLOAD)
    report = build(derive(spec))
    assert report.title == PAYLOAD
    return report


def _tex_title(source: str) -> str:
    lines = [line for line in source.splitlines() if line.startswith("\\title{")]
    assert len(lines) == 1, lines
    return lines[0][len("\\title{"):-1]


@pytest.mark.parametrize("title", TITLES + [PAYLOAD])
def test_report_latex_holds_the_title_only_escaped(title, hostile_report):
    from symrnn.report.render import render_latex

    source = render_latex(replace(hostile_report, title=title), "hostile")
    escaped = _tex_title(source)
    assert escaped == texescape.escape(title)
    assert_inert_tex(escaped)
    assert source.count("\\end{document}") == 1
    assert source.count("\\begin{document}") == 1


def test_the_latex_listing_carries_no_title():
    from symrnn.printing.listing import as_latex

    source = as_latex(derived(PAYLOAD))
    assert "passwd" not in source and "pwned" not in source and "script" not in source


def test_the_build_reads_no_file_outside_its_directory():
    from symrnn.printing.latex_build import LATEXMK_ARGS, build_environment

    env = build_environment({})
    assert env["openin_any"] == "p" and env["openout_any"] == "p" and env["shell_escape"] == "f"
    assert "-no-shell-escape" in LATEXMK_ARGS


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.mark.latex
@pytest.mark.skipif(shutil.which("latexmk") is None or shutil.which("pdftotext") is None,
                    reason="needs TeX Live and poppler-utils")
def test_the_hostile_report_compiles_and_shows_the_title_literally(tmp_path, hostile_report):
    from symrnn.printing.latex_build import build_pdf
    from symrnn.report import figure_files
    from symrnn.report.render import render_latex

    title = r"\input{/etc/passwd} ^^5cinput{/etc/passwd} 100% $x$ } \write18{touch pwned-tex} \end{document} #"
    report = replace(hostile_report, title=title)
    result = build_pdf(render_latex(report, "hostile"), tmp_path / "hostile.pdf", figure_files(report, "hostile", "pdf"))
    assert result.ok, result.summary()
    assert "(/etc/passwd" not in result.log
    text = subprocess.run(["pdftotext", "-l", "1", str(tmp_path / "hostile.pdf"), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert _squash(title) in _squash(text).replace("\u2019", "'")
    assert "root:" not in text
    assert not list(tmp_path.glob("pwned*"))


# --------------------------------------------------------------------------- Markdown

_MD_ESCAPED = re.compile(r"\\[\\`*_\[\]<>|$~#]|&amp;")
_MD_ACTIVE = set("\\`*_[]<>|$~#&") | {chr(c) for c in range(0x20)} | {"\x7f", "\x85", "\u2028", "\u2029"}


def assert_inert_markdown_line(text: str) -> None:
    rest = _MD_ESCAPED.sub(" ", text)
    assert not set(rest) & _MD_ACTIVE, (text, rest)
    assert len(text.splitlines()) == 1, repr(text)


def test_the_markdown_check_sees_raw_html_and_links():
    for raw in ("<script>", "[a](javascript:1)", "a | b", "`x`", "&#60;", "a\u2028b"):
        with pytest.raises(AssertionError):
            assert_inert_markdown_line(raw)


@pytest.mark.parametrize("title", TITLES + [PAYLOAD])
def test_report_markdown_holds_the_title_only_escaped(title, hostile_report):
    from symrnn.report.render import render_markdown

    source = render_markdown(replace(hostile_report, title=title), "hostile")
    first = source.splitlines()[0]
    assert first.startswith("# ")
    assert_inert_markdown_line(first[2:])
    assert source.splitlines()[1] == ""
    assert source.splitlines()[2].startswith("*Derivation report for the network")
    assert _md_text(first[2:]) == _md_visible(title)


@pytest.mark.parametrize("title", TITLES + [PAYLOAD])
def test_notebook_markdown_holds_the_title_only_escaped(title):
    from symrnn.printing.document import derivation_markdown

    first = derivation_markdown(derived(title)).split("\n")[0]
    assert first.startswith("### ")
    assert_inert_markdown_line(first[4:])
    assert _md_text(first[4:]).startswith(_md_visible(title))


def _md_text(line: str) -> str:
    """What a CommonMark renderer shows for an escaped line: backslash escapes and entities resolved."""
    return unescape(re.sub(r"\\([\\`*_\[\]<>|$~#])", r"\1", line))


def _md_visible(title: str) -> str:
    """The title as the Markdown shows it: control and format characters and line breaks as spaces."""
    return "".join(" " if unicodedata.category(c)[0] == "C" or c in "\u2028\u2029" else c for c in title)


# --------------------------------------------------------------------------- listings


CONTROL_TITLES = ["\x1b[2J\x1b]0;owned\x07", "a\nfake: line\r\n[grad:W_hh]"]


@pytest.mark.parametrize("title", [PAYLOAD, *CONTROL_TITLES])
def test_derive_json_holds_the_title_as_a_string(title, tmp_path, capsys):
    from symrnn.cli import main

    (tmp_path / "hostile.toml").write_text(spec_toml(title), encoding="utf-8")
    assert main(["derive", str(tmp_path / "hostile.toml"), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["spec"]["title"] == title
    assert data["spec"]["name"] == "hostile"


@pytest.mark.parametrize("title", TITLES + [PAYLOAD, *CONTROL_TITLES])
def test_the_text_listing_shows_the_title_on_one_line_without_controls(title):
    from symrnn.printing.listing import as_text

    text = as_text(derived(title))
    head, _, rest = text.partition("\n")
    assert rest == as_text(derived("benign")).partition("\n")[2]
    assert head == "hostile" or head.startswith("hostile: ")
    assert all(c.isprintable() for c in head), repr(head)


# --------------------------------------------------------------------------- exams (defence in depth)


def _hostile_exam(text: str):
    from symrnn.exam.exam import Exam, Version
    from symrnn.exam.model import Answer, Choice, Math, Para, Part, Problem, diagnosed, numerical

    words = (Para((text, Math("x_{1}"), text)),)
    numeric = numerical(0.5, 3, 2, wrong=(diagnosed(0.25, note=text),))
    choice = Answer("choice", 1, choices=(Choice(words, True), Choice(words, False, note=text)))
    essay = Answer("formula", 3, formula="x", note=text)

    def problem(family, parts):
        return Problem(family, text, 7, words, tuple(Part(words, a) for a in parts), words, (("g", 1),))

    problems = (problem("fam-num", [numeric]), problem("fam-choice", [choice]), problem("fam-essay", [essay]),
                problem("fam-cloze", [numeric, choice]))
    return Exam(0, tuple(p.family for p in problems), (Version(1, problems),))


EXAM_TEXTS = TITLES + [PAYLOAD]


@pytest.mark.parametrize("text", EXAM_TEXTS)
def test_exam_moodle_xml_parses_and_shows_free_text_literally(text):
    from symrnn.exam.moodle import render_moodle

    xml = render_moodle(_hostile_exam(text))
    root = ET.fromstring(xml.encode("utf-8"))
    questions = [q for q in root.iter("question") if q.get("type") != "category"]
    assert [q.get("type") for q in questions] == ["numerical", "multichoice", "essay", "cloze"]
    shown = _xml_visible(text)
    for q in questions:
        html = q.find("questiontext/text").text
        assert shown in _html_text(html), (q.get("type"), html)
        assert "<script" not in html.lower() and "<img" not in html.lower() and "<!" not in html
        fields = _MOODLE_FIELD.findall(html)
        assert len(fields) == (2 if q.get("type") == "cloze" else 0), fields
        assert not any("<li>" in f or "</li>" in f for f in fields), fields


_TYPES = ("NUMERICAL|NM|MULTICHOICE|MC|MULTICHOICE_V|MCV|MULTICHOICE_H|MCH|SHORTANSWER|SA|MW|SHORTANSWER_C|SAC|MWC|"
          "MULTICHOICE_S|MCS|MULTICHOICE_VS|MCVS|MULTICHOICE_HS|MCHS|MULTIRESPONSE|MR|MULTIRESPONSE_H|MRH|"
          "MULTIRESPONSE_S|MRS|MULTIRESPONSE_HS|MRHS")
_ALT = r"(?:=|%-?[0-9]+(?:[.,][0-9]*)?%)?.+?(?<!\\)(?<!&)(?<!&amp;)(?=[~#}]|$)(?:#.*?(?<!\\)(?=[~}]|$))?"
_MOODLE_FIELD = re.compile(r"\{[0-9]*:(?:" + _TYPES + "):" + _ALT + "(?:~" + _ALT + ")*\\}", re.DOTALL)
"""Moodle's ``ANSWER_REGEX`` (qtype/multianswer/questiontype.php): how it finds cloze fields in a question's text."""


def _xml_visible(text: str) -> str:
    """Controls (but tab and newline) and what XML 1.0 cannot hold are shown as spaces; the rest as typed."""
    return "".join(c if c in "\t\n" or (c.isprintable() or unicodedata.category(c) != "Cc") and c not in "\ufffe\uffff"
                   else " " for c in text)


def _html_text(html: str) -> str:
    return unescape(re.sub(r"<[^>]*>", "", html)).replace("\\}", "}").replace("\\#", "#")


@pytest.mark.parametrize("text", EXAM_TEXTS)
def test_exam_latex_holds_free_text_only_escaped(text):
    from symrnn.exam.tex import render_tex

    source = render_tex(_hostile_exam(text))
    titles = re.findall(r"^\\titledquestion\{(.*)\}$", source, flags=re.MULTILINE)
    assert titles == [texescape.escape(text)] * 4
    assert_inert_tex(titles[0])
    assert source.count("\\end{document}") == 1


@pytest.mark.parametrize("text", EXAM_TEXTS)
def test_exam_json_holds_free_text_as_strings(text):
    from symrnn.exam.jsonout import render_json

    data = json.loads(render_json(_hostile_exam(text)))
    problems = data["versions"][0]["problems"]
    assert [p["title"] for p in problems] == [text] * 4
    assert problems[0]["statement"][0]["paragraph"][0] == text


# --------------------------------------------------------------------------- grading CSV


def _grade(rows: list[dict]) -> str:
    from symrnn.check.grade import grade_rows, write_csv

    with ThreadPoolExecutor(max_workers=1) as pool:
        return write_csv(grade_rows("rnn-linear", rows, grad="W_hh", executor=pool, time_limit=5))


@pytest.mark.parametrize("text", CSV + ["\x00", "\u2028", PAYLOAD])
def test_grade_csv_neutralises_formulas_and_keeps_its_shape(text):
    from symrnn.check.grade import OUT_FIELDS

    rows = [{"id": text, "answer": text}, {"id": "ok", "answer": "sum_t dL_dh[t] @ h[t-1].T"}]
    out = _grade(rows)
    parsed = list(csv.reader(io.StringIO(out)))
    assert parsed[0] == list(OUT_FIELDS)
    assert len(parsed) == 3 and all(len(row) == len(OUT_FIELDS) for row in parsed)
    for row in parsed[1:]:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r", "\n")), (cell, row)
    record = dict(zip(OUT_FIELDS, parsed[1]))
    shown = text  # carriage returns inside a cell are kept as they are
    assert record["id"] in (shown, "'" + shown)
    assert record["answer"] in (shown, "'" + shown)
