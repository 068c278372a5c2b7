"""The shared PDF build: safe environment, errors and undefined references read from the log."""

from __future__ import annotations

import os
import shutil

import pytest

from symrnn.printing.latex_build import LATEXMK_ARGS, LatexBuildError, build_environment, build_pdf, parse_log

needs_tex = pytest.mark.skipif(shutil.which("latexmk") is None and not os.environ.get("CI"), reason="needs TeX Live (latexmk)")

DOC = "\\documentclass{article}\n\\begin{document}\n%s\n\\end{document}\n"


def test_command_line_and_environment_are_locked_down():
    assert "-no-shell-escape" in LATEXMK_ARGS and "-halt-on-error" in LATEXMK_ARGS and "-norc" in LATEXMK_ARGS
    env = build_environment({"PATH": "/bin"})
    assert env["openin_any"] == "p" and env["openout_any"] == "p"
    assert env["SOURCE_DATE_EPOCH"] == "0"


def test_parse_log_finds_errors_and_undefined_references():
    log = """(./r.tex
./r.tex:12: Undefined control sequence.
l.12 \\foo
! Missing $ inserted.
<inserted text>
l.40 a_b
LaTeX Warning: Reference `eq:adj:h:t' on page 2 undefined on input line 7.
LaTeX Warning: Reference `eq:adj:h:t' on page 3 undefined on input line 9.
LaTeX Warning: Citation `d2l' on page 1 undefined on input line 3.
!  ==> Fatal error occurred, no output PDF file produced!
"""
    errors, undefined = parse_log(log)
    assert errors == ("./r.tex:12: Undefined control sequence. l.12 \\foo", "! Missing $ inserted. l.40 a_b")
    assert undefined == ("eq:adj:h:t", "d2l")


def test_parse_log_of_a_clean_build_is_empty():
    assert parse_log("(./r.tex [1] [2] )\nOutput written on r.pdf (2 pages).") == ((), ())


def test_without_tex_the_source_is_written_with_instructions(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    result = build_pdf(DOC % "hi", tmp_path / "out" / "r.pdf", {"fig.pdf": b"%PDF-1.4"})
    assert result.pdf is None and result.tex_missing and not result.ok
    assert (tmp_path / "out" / "r.tex").read_text() == DOC % "hi"
    assert (tmp_path / "out" / "fig.pdf").read_bytes() == b"%PDF-1.4"
    assert "latexmk" in result.message and "apt-get install" in result.message and "r.tex" in result.message
    with pytest.raises(LatexBuildError):
        build_pdf(DOC % "hi", tmp_path / "out" / "r.pdf", check=True)


def test_extra_file_names_must_be_plain(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(ValueError):
        build_pdf(DOC % "hi", tmp_path / "r.pdf", {"../evil.tex": "x"})


@pytest.mark.latex
@needs_tex
def test_a_clean_build_is_ok_and_reproducible(tmp_path):
    source = DOC % "\\begin{equation}a=b\\label{eq:x}\\end{equation} See (\\ref{eq:x})."
    first = build_pdf(source, tmp_path / "one" / "r.pdf")
    second = build_pdf(source, tmp_path / "two" / "r.pdf")
    assert first.ok and second.ok, (first.summary(), second.summary())
    assert first.pdf.read_bytes() == second.pdf.read_bytes()


@pytest.mark.latex
@needs_tex
def test_errors_and_undefined_references_are_reported(tmp_path):
    bad = build_pdf(DOC % "\\undefinedmacro", tmp_path / "bad.pdf")
    assert not bad.ok and bad.pdf is None and bad.tex is not None
    assert any("Undefined control sequence" in e for e in bad.errors)
    dangling = build_pdf(DOC % "see \\ref{eq:nowhere}", tmp_path / "dangling.pdf")
    assert not dangling.ok and dangling.undefined == ("eq:nowhere",)
    with pytest.raises(LatexBuildError, match="eq:nowhere"):
        build_pdf(DOC % "see \\ref{eq:nowhere}", tmp_path / "dangling.pdf", check=True)


@pytest.mark.latex
@needs_tex
def test_tex_reads_no_absolute_path_and_runs_no_shell(tmp_path):
    secret = tmp_path / "secret.tex"
    secret.write_text("SECRET-CONTENT")
    read = build_pdf(DOC % f"\\input{{{secret}}}", tmp_path / "out" / "read.pdf")
    assert not read.ok and "SECRET-CONTENT" not in read.log
    marker = tmp_path / "pwned"
    shell = build_pdf(DOC % f"\\immediate\\write18{{touch {marker}}}x", tmp_path / "shell.pdf")
    assert not marker.exists()
    assert shell.ok


@pytest.mark.latex
@needs_tex
def test_time_limit_kills_a_runaway_build(tmp_path):
    result = build_pdf(DOC % "\\def\\x{\\x}\\x", tmp_path / "loop.pdf", timeout=2)
    assert result.timed_out and not result.ok and result.pdf is None
    assert "timed out" in result.summary()
