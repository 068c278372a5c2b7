"""Reading a class's CSV strictly (delimiter sniffed, line numbers), writing it safe for a spreadsheet,
and the class summary."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

from symrnn.check.csvio import CSVError, read_csv, spreadsheet_safe, write_csv
from symrnn.check.grade import OUT_FIELDS, grade_csv
from symrnn.check.summary import bar_chart, summarize, to_csv, to_markdown, to_text


def _graded(text: str, grad: str | None = "W_hh") -> list[dict]:
    with ThreadPoolExecutor(max_workers=1) as pool:
        out = grade_csv("rnn-linear", text, grad=grad, executor=pool, time_limit=60)  # never refused under load
    assert out.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(out[1:], newline="")))


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_comma_semicolon_and_tab_files_are_sniffed(delimiter):
    text = delimiter.join(["id", "answer", "nombre"]) + "\n" + delimiter.join(["a1", "sum_t dL_dh[t] @ h[t-1].T", "Ana, Núñez"]) + "\n"
    if delimiter == ",":
        text = text.replace("Ana, Núñez", '"Ana, Núñez"')
    table = read_csv(text)
    assert table.delimiter == delimiter and table.rows[0]["nombre"] == "Ana, Núñez"
    rows = _graded(text)
    assert rows[0]["status"] == "correct" and rows[0]["nombre"] == "Ana, Núñez"
    assert list(rows[0])[: len(OUT_FIELDS)] == list(OUT_FIELDS) and list(rows[0])[-1] == "nombre"


def test_a_file_no_delimiter_fits_is_refused_clearly():
    with pytest.raises(CSVError, match="no delimiter fits.*comma, a semicolon or a tab"):
        read_csv("id|answer\n1|x\n")


def test_an_unclosed_quote_is_refused_with_its_line():
    text = 'id,answer\ns1,W_hh\ns2,"sum_t dL_dh[t]\ns3,W_hh\ns4,W_hh\n'
    with pytest.raises(CSVError, match=r"^line 3: .*never closed"):
        read_csv(text)


@pytest.mark.parametrize(("text", "fragment"), [
    ('id,answer\ns1,"ab"c\n', "line 2: "),
    ("id,answer\ns1,W_hh,extra\n", "line 2: 3 fields where the header has 2"),
    ("id,answer\ns1,W_hh\ns2\n", "line 3: 1 fields"),
    ("id,answer,id\n", "names a column twice"),
    ("", "empty"),
])
def test_malformed_files_are_refused_with_the_line(text, fragment):
    with pytest.raises(CSVError, match=fragment):
        read_csv(text)


def test_duplicate_ids_are_flagged_and_lines_kept():
    text = 'id,answer\na,W_hh\nb,"W_hh\n+ W_hh"\na,W_hh\n'
    table = read_csv(text)
    assert table.lines == (2, 3, 5) and table.duplicates() == {"a": (2, 5)}
    rows = _graded(text)
    assert [r["line"] for r in rows] == ["2", "3", "5"]
    assert rows[0]["flags"] == "duplicate id: also on line 5" and rows[2]["flags"] == "duplicate id: also on line 2"
    assert rows[1]["flags"] == ""


def test_a_multi_line_answers_error_names_its_line_and_column():
    rows = _graded('id,answer\na,"sum_t dL_dh[t]\n  @ zz[t-1].T"\n')
    assert rows[0]["status"] == "invalid"
    assert rows[0]["message"].startswith("line 2, column 5: unknown symbol 'zz'"), rows[0]["message"]


@pytest.mark.parametrize("cell", ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", "  =1", "\n\n=1", " \t@x",
                                  "\uff1dcmd|' /C calc'!A0", "=cmd|' /C calc'!A0"])
def test_formula_cells_are_neutralised(cell):
    assert spreadsheet_safe(cell) == "'" + cell
    out = write_csv([{"answer": cell}], ("answer",))
    back = next(csv.DictReader(io.StringIO(out, newline="")))
    assert back["answer"] == "'" + cell


@pytest.mark.parametrize("cell", ["W_hh", "sum_t x", "a=b", "1-2", "'quoted"])
def test_ordinary_cells_are_kept(cell):
    assert spreadsheet_safe(cell) == cell


def test_carriage_returns_inside_cells_are_kept_and_quoted():
    out = write_csv([{"answer": "W_hh\r+ W_hh", "id": "a\r\nb"}], ("id", "answer"), bom=True)
    assert out.startswith("\ufeff") and '"W_hh\r+ W_hh"' in out
    back = next(csv.DictReader(io.StringIO(out[1:], newline="")))
    assert back == {"id": "a\r\nb", "answer": "W_hh\r+ W_hh"}


def test_control_characters_are_escaped_for_a_terminal():
    assert spreadsheet_safe("W\x1b[31mred\x07", escape_controls=True) == "W\\x1b[31mred\\x07"
    assert spreadsheet_safe("a\u202eb", escape_controls=True) == "a\\u202eb"
    assert spreadsheet_safe("a\u202eb") == "a\u202eb"


def test_the_class_summary_counts_verdicts_and_mistakes(tmp_path):
    results = [{"status": "correct", "mistakes": ""}, {"status": "wrong", "mistakes": "missing_transpose"},
               {"status": "wrong", "mistakes": "missing_transpose;missing_recurrent_term"},
               {"status": "invalid", "mistakes": "", "flags": "duplicate id: also on line 2"}]
    s = summarize(results)
    assert s.total == 4 and s.count("correct") == 1 and s.count("wrong") == 2
    assert [(m, n) for m, _, n in s.mistakes] == [("missing_transpose", 2), ("missing_recurrent_term", 1)]
    assert "| mistake | Missing transpose (missing_transpose) | 2 | 50% |" in to_markdown(s)
    assert "mistake,Missing transpose (missing_transpose),2,50%" in to_csv(s)
    assert "correct" in to_text(s) and s.duplicates == 1
    png = tmp_path / "chart.png"
    bar_chart(s, png)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def _cli(*args, timeout=120):
    return subprocess.run([sys.executable, "-m", "symrnn.cli", *args], capture_output=True, text=True, timeout=timeout,
                          check=False)


def test_cli_writes_a_bom_the_summary_and_the_chart(tmp_path):
    src = tmp_path / "clase.csv"
    src.write_bytes("id;grad;answer;nombre\nana;W_hh;sum_t dL_dh[t] @ h[t-1].T;Ana Núñez\n"
                    "ben;W_hh;sum_t W_qh.T @ dL_do[t] @ h[t-1].T;Benjamín\n".encode())
    out, md, png = tmp_path / "out.csv", tmp_path / "sum.md", tmp_path / "sum.png"
    proc = _cli("grade", "rnn-linear", str(src), "-o", str(out), "--summary", str(md), "--chart", str(png), "--workers", "1",
                "--time-limit", "60")
    assert proc.returncode == 0, proc.stderr
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"), newline="")))
    assert [r["nombre"] for r in rows] == ["Ana Núñez", "Benjamín"]
    assert "2 submissions" in proc.stdout and "Recurrent term missing" in proc.stdout
    assert "| status | correct | 1 | 50% |" in md.read_text(encoding="utf-8")
    assert png.read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize(("args", "fragment"), [
    (["--workers", "-1"], "--workers must be between 1"),
    (["--workers", "x"], "--workers takes a whole number"),
    (["--time-limit", "inf"], "--time-limit must be more than 0"),
    (["--time-limit", "nan"], "--time-limit must be more than 0"),
    (["--time-limit", "-3"], "--time-limit must be more than 0"),
    (["--summary", "x.txt"], "--summary writes .md or .csv"),
    (["--chart", "x.svg"], "--chart writes a .png"),
    (["--dask", "udp://x"], "--dask takes 'local'"),
])
def test_cli_bad_options_are_one_line_errors(tmp_path, args, fragment):
    src = tmp_path / "s.csv"
    src.write_text("id,grad,answer\na,W_hh,W_hh\n", encoding="utf-8")
    proc = _cli("grade", "rnn-linear", str(src), *args)
    assert proc.returncode == 2, proc.stderr
    assert fragment in proc.stderr and len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr


def test_cli_refuses_an_unclosed_quote_with_its_line(tmp_path):
    src = tmp_path / "s.csv"
    src.write_text('id,grad,answer\na,W_hh,W_hh\nb,W_hh,"W_hh\nc,W_hh,W_hh\nd,W_hh,W_hh\n', encoding="utf-8")
    proc = _cli("grade", "rnn-linear", str(src))
    assert proc.returncode == 2 and proc.stderr.startswith("symrnn: error: line 3: "), proc.stderr
    assert proc.stdout == ""


def test_control_characters_in_an_answer_are_not_echoed_raw(tmp_path):
    src = tmp_path / "s.csv"
    src.write_text('id,grad,answer\n"\x1b]0;pwned\x07",W_hh,"W_hh\x1b[2J"\n', encoding="utf-8")
    proc = _cli("grade", "rnn-linear", str(src), "--workers", "1")
    assert "\x1b" not in proc.stdout and "\x1b" not in proc.stderr and "\x07" not in proc.stdout
    proc = _cli("check", "rnn-linear", "--grad", "W_hh", "--answer", "W_hh\x1b[2J\x9b")
    assert "\x1b" not in proc.stdout and "\x9b" not in proc.stdout and "\x1b" not in proc.stderr


def test_bytes_that_are_not_utf8_are_not_echoed_raw():
    proc = subprocess.run([sys.executable, "-m", "symrnn.cli", "check", "rnn-linear", "--grad", "W_hh", "--answer",
                           b"W_hh\x9b2J\xe2\x80\xae"], capture_output=True, timeout=120, check=False)
    assert b"\x9b" not in proc.stdout and b"\xe2\x80\xae" not in proc.stdout, proc.stdout
    assert b"\\udc9b" in proc.stdout and proc.returncode == 1
