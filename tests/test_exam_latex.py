"""The exam PDF: sheet and key build with TeX Live, and a page renders to a readable PNG.

Marked ``latex``: it needs latexmk, pdflatex with exam.cls (texlive-latex-extra) and poppler-utils;
it fails (it does not skip) where they are missing, so CI with TeX always runs it. Deselect with
``-m "not latex"`` on a machine without TeX.
"""

from __future__ import annotations

import shutil
import subprocess

import pytest

from symrnn.exam.exam import build_exam
from symrnn.exam.output import write_exam

pytestmark = pytest.mark.latex


def test_pdf_sheet_and_key_build_and_render(tmp_path):
    for tool in ("latexmk", "pdflatex", "pdftoppm", "pdftotext"):
        assert shutil.which(tool), f"{tool} is needed for this test (TeX Live and poppler-utils)"
    exam = build_exam(variants=1, seed=7)
    lines = write_exam(exam, tmp_path, ("pdf",), timeout=240, title="Final exam: RNNs", course="Deep Learning 101",
                       date="2 December 2026", instructions="Calculators allowed.\nTwo hours.")
    sheet, key = tmp_path / "exam.pdf", tmp_path / "exam-key.pdf"
    assert f"wrote {sheet}" in lines and f"wrote {key}" in lines

    sheet_text = subprocess.run(["pdftotext", str(sheet), "-"], capture_output=True, text=True, check=True).stdout
    key_text = subprocess.run(["pdftotext", str(key), "-"], capture_output=True, text=True, check=True).stdout
    assert "Version 1" in sheet_text and "Answer:" not in sheet_text
    assert "Answer key, version 1" in key_text and "Answer:" in key_text and "Worked solution" in key_text
    # the student's sheet prints neither the seed (the key could be regenerated from it) nor the
    # tool versions: those are for reproducing the key, which prints both
    assert "seed" not in sheet_text.lower() and "NumPy" not in sheet_text
    assert "seed 7" in key_text and "NumPy" in key_text
    for text in ("Final exam: RNNs", "Deep Learning 101", "2 December 2026", "Calculators allowed.", "Two hours."):
        assert text in sheet_text

    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(sheet), str(tmp_path / "page")], check=True)
    (png,) = tmp_path.glob("page*.png")
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000
