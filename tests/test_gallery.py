"""The committed gallery (reports/) is what the current sources generate.

Reports cite the generated code's line numbers and each equation's proof status, so a change to
the derivation, the printers or the code generator makes reports/ stale; regenerate it with
``python -m symrnn.report.gallery``. The check compares the ``.tex``, ``.md`` and figure ``.json``
files byte for byte and only requires the PDFs and PNGs to exist and look valid: their bytes depend
on the TeX Live and matplotlib versions, not on symrnn. The end-to-end test needs TeX Live: in CI
(env CI set) a missing TeX fails it. The other tests compare a perturbed copy of reports/ with
reports/ itself, so they run in a second and need no TeX.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from symrnn.core import catalogue
from symrnn.report.gallery import compare

ROOT = Path(__file__).resolve().parents[1]
REPORTS = ROOT / "reports"


@pytest.mark.latex
@pytest.mark.skipif(shutil.which("latexmk") is None and not os.environ.get("CI"), reason="needs TeX Live (latexmk)")
def test_committed_gallery_is_current():
    proc = subprocess.run(
        [sys.executable, "-m", "symrnn.report.gallery", "--check"],
        cwd=ROOT, capture_output=True, text=True, timeout=900, check=False,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]


@pytest.fixture
def copy(tmp_path):
    """A copy of the committed gallery, to perturb and compare with the original."""
    target = tmp_path / "reports"
    shutil.copytree(REPORTS, target)
    return target


def _flip_inside(path: Path) -> None:
    """Change bytes in the middle of a file, keeping its start and end (what a new library version does)."""
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle:middle + 16] = bytes(b ^ 0x5A for b in data[middle:middle + 16])
    path.write_bytes(bytes(data))


def test_committed_gallery_has_every_file_the_check_compares():
    for name in catalogue.names():
        for suffix in (".pdf", ".tex", ".md"):
            assert (REPORTS / f"{name}{suffix}").is_file(), f"{name}{suffix}"
    pngs = sorted(REPORTS.glob("*.png"))
    assert pngs
    for png in pngs:
        data = json.loads(png.with_suffix(".json").read_text(encoding="utf-8"))
        assert data["series"] and data["caption"], png.name


def test_a_copy_is_current(copy):
    assert compare(copy, REPORTS) == {}


def test_image_bytes_are_not_compared(copy):
    """A PNG or PDF rendered by another matplotlib or TeX Live has other bytes, and that is not stale."""
    figure = min(copy.glob("*-gradient-norms.png"))
    _flip_inside(figure)
    _flip_inside(copy / "rnn-scalar.pdf")
    assert figure.read_bytes() != (REPORTS / figure.name).read_bytes()
    assert compare(copy, REPORTS) == {}


def test_a_changed_figure_value_is_stale(copy):
    path = copy / "rnn-scalar-scalar-power.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["series"][0]["y"][3] *= 1.001
    path.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    assert compare(copy, REPORTS) == {path.name: "differs"}


def test_a_changed_tex_or_markdown_byte_is_stale(copy):
    for name in ("lstm.tex", "lstm.md", "README.md"):
        path = copy / name
        path.write_bytes(path.read_bytes().replace(b"LSTM", b"LSTn", 1))
    assert compare(copy, REPORTS) == {"README.md": "differs", "lstm.md": "differs", "lstm.tex": "differs"}


def test_missing_broken_or_extra_files_are_stale(copy):
    (copy / "rnn-tanh-gradient-norms.png").unlink()
    (copy / "rnn-tanh-gradient-norms.json").unlink()
    (copy / "lstm-cell-path.png").write_bytes(b"")
    (copy / "deep-rnn.pdf").write_bytes((copy / "deep-rnn.pdf").read_bytes()[:5000])  # a truncated PDF
    (copy / "notes.txt").write_text("left over\n", encoding="utf-8")
    assert compare(copy, REPORTS) == {
        "deep-rnn.pdf": "not a valid PDF file",
        "lstm-cell-path.png": "not a valid PNG file",
        "notes.txt": "not made by the regeneration",
        "rnn-tanh-gradient-norms.json": "missing",
        "rnn-tanh-gradient-norms.png": "missing",
    }
