"""Free text is escaped in one pass; printer maths passes through; labels are safe keys."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symrnn.printing.latex_build import build_pdf
from symrnn.printing.texescape import TeX, escape, finalize, label

CI = settings(derandomize=True, deadline=None, max_examples=300)

SPECIALS = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"{\ttfamily\char95}",
    "{": r"\{",
    "}": r"\}",
    "~": r"{\ttfamily\char126}",
    "^": r"{\ttfamily\char94}",
    '"': r"{\ttfamily\char34}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "|": r"\textbar{}",
    "`": r"{\ttfamily\char96}",
    "-": r"-{}",
}

# After removing every escape sequence escape() emits, no TeX-special character may remain.
_EMITTED = re.compile(r"\\text(?:backslash|less|greater|bar|endash|emdash|quoteleft|quoteright|quotedblleft|quotedblright)\{\}"
                      r"|\\ldots\{\}|\\nobreakspace\{\}|\{\\ttfamily\\char\d+\}|\\[&%$#{}]|-\{\}")


@pytest.mark.parametrize("char", sorted(SPECIALS))
def test_each_special_character(char):
    assert escape(f"a{char}b") == f"a{SPECIALS[char]}b"


def test_one_pass_never_escapes_an_escape():
    assert escape("\\{}") == r"\textbackslash{}\{\}"
    assert escape(r"\textbackslash{}") == r"\textbackslash{}textbackslash\{\}"


def test_line_breaks_and_controls_become_spaces():
    assert escape("a\nb\tc\x00d\x1be") == "a b c d e"


def test_untypesettable_characters_become_question_marks():
    assert escape("héllo ñ ß 中 😀 Ð") == "héllo ñ ß ? ? ?"


@CI
@given(st.text(max_size=60))
def test_no_special_character_survives(text):
    out = _EMITTED.sub("", escape(text))
    assert not set(out) & (set(SPECIALS) - {"-"}), out
    assert "--" not in escape(text)


def test_finalize_trusts_only_tex():
    assert finalize(TeX(r"\mathbf{W}_{hh}")) == r"\mathbf{W}_{hh}"
    assert finalize(r"\mathbf{W}") == r"\textbackslash{}mathbf\{W\}"
    assert finalize(3) == "3"
    for bad in (None, True, 1.5, object()):
        with pytest.raises(TypeError):
            finalize(bad)


def test_tex_concatenation_is_untrusted_again():
    joined = TeX("a") + "\\b"
    assert not isinstance(joined, TeX)
    assert finalize(joined) == r"a\textbackslash{}b"


def test_labels_are_safe_and_distinct():
    assert label("adj:h:t") == "eq:adj:h:t"
    assert label("grad:W_hh_l2") == "eq:grad:W_hh_l2"
    odd = [label(s) for s in ("a b", "a}b", "a\\b", "a{b")]
    assert len(set(odd)) == len(odd)
    for key in odd:
        assert re.fullmatch(r"[A-Za-z0-9:_.\-]+", key)


def _squash(text: str) -> str:
    """Without white space, accents composed (pdftotext may give a letter and a combining accent)."""
    return unicodedata.normalize("NFKC", re.sub(r"\s+", "", text))


HOSTILE = [
    r"\input{/etc/passwd}",
    r"\immediate\write18{touch pwned}",
    "}}}{{ unbalanced {",
    "100% # $x$ & a_b ~ ^ \\\\",
    r"\def\x{\x}\x",
    r"\catcode`\@=11 \makeatletter",
]


@pytest.mark.latex
@pytest.mark.skipif((shutil.which("latexmk") is None or shutil.which("pdftotext") is None) and not os.environ.get("CI"), reason="needs TeX Live and poppler-utils")
def test_escaped_text_compiles_and_reads_literally(tmp_path):
    printable = " ".join("".join(chr(c) for c in range(start, min(start + 16, 0x7F))) for start in range(0x20, 0x7F, 16))
    lines = [*HOSTILE, printable, "Backpropagación a través del tiempo: ñandú, Ærø, ß"]
    body = "\n\n".join(r"\noindent " + escape(line) for line in lines)
    source = "\\documentclass{article}\n\\usepackage[utf8]{inputenc}\n\\begin{document}\n" + body + "\n\\end{document}\n"
    result = build_pdf(source, tmp_path / "hostile.pdf")
    assert result.ok, result.summary()
    text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "hostile.pdf"), "-"], capture_output=True, text=True, check=True).stdout
    # Computer Modern names the quote glyphs quoteright and quoteleft: map them back for comparison.
    flat = _squash(text).replace("\u2019", "'").replace("\u2018", "`")
    for line in lines:
        assert _squash(line) in flat, line
    assert not (tmp_path / "pwned").exists()
    assert "root:" not in text


def test_typographic_punctuation_prints_as_itself():
    from symrnn.printing.texescape import escape

    out = escape("a \u2013 b \u2014 c \u201cd\u201d \u2018e\u2019 f\u2026 g\u00a0h ñ")
    assert r"\textendash{}" in out and r"\textemdash{}" in out and r"\ldots{}" in out
    assert r"\textquotedblleft{}" in out and r"\textquoteright{}" in out and r"g\nobreakspace{}h" in out
    assert "?" not in out and "ñ" in out
