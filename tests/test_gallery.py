"""The committed gallery (reports/) is what the current sources generate.

Reports cite the generated code's line numbers and each equation's proof status, so a change to
the derivation, the printers or the code generator makes reports/ stale; regenerate it with
``python -m symrnn.report.gallery``. Needs TeX Live: in CI (env CI set) a missing TeX fails.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.latex
@pytest.mark.skipif(shutil.which("latexmk") is None and not os.environ.get("CI"), reason="needs TeX Live (latexmk)")
def test_committed_gallery_is_current():
    proc = subprocess.run(
        [sys.executable, "-m", "symrnn.report.gallery", "--check"],
        cwd=ROOT, capture_output=True, text=True, timeout=900, check=False,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
