"""The tutorial notebook (docs/tutorial.ipynb) runs clean, and every listed object renders richly in it.

nbclient runs every cell in a fresh Python kernel (ipykernel); a failing cell fails the test.
Then the outputs are searched for each display the issue lists: a Derivation and an Equation
(LaTeX and Markdown), a ProofReport (an HTML table), a Verdict and an exam variant (HTML with
MathML). A display that is not registered falls back to ``text/plain`` and fails here.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat", reason="pip package 'nbformat' (the test extra) is not installed")
nbclient = pytest.importorskip("nbclient", reason="pip package 'nbclient' (the test extra) is not installed")
pytest.importorskip("ipykernel", reason="pip package 'ipykernel' (the test extra) is not installed")

NOTEBOOK = Path(__file__).resolve().parents[1] / "docs" / "tutorial.ipynb"


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=900, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path_factory.mktemp("nb"))}})
    client.execute()  # raises CellExecutionError, naming the cell, when one fails
    return nb


def _displays(nb) -> list[dict]:
    return [o.get("data", {}) for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
            if o.get("output_type") in ("execute_result", "display_data")]


def test_the_notebook_is_committed_without_outputs():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")
    assert nbformat.validate(nb) is None


def test_the_notebook_follows_the_lecture():
    text = "\n".join(c.source for c in nbformat.read(NOTEBOOK, as_version=4).cells if c.cell_type == "markdown")
    for heading in ("The 2-2-2 example", "BPTT with the power sum", "Vanishing gradients", "An LSTM",
                    "Checking a wrong answer", "Generating an exam"):
        assert heading in text


def test_every_cell_runs_and_no_error_is_shown(executed):
    errors = [o for c in executed.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert not errors


@pytest.mark.parametrize("kind, mime, marker", [
    ("Derivation", "text/latex", r"\begin{aligned}"),
    ("Derivation", "text/markdown", "**Parameter gradients**"),
    ("Equation", "text/latex", r"\frac{\partial L}{\partial w_{5}}"),
    ("Equation", "text/markdown", "<sub>`grad:w5`</sub>"),
    ("ProofReport", "text/html", "<table>"),
    ("ProofReport", "text/markdown", "| PASS |"),
    ("Verdict", "text/html", "Activation derivative"),
    ("Verdict", "text/html", "<math"),
    ("exam variant", "text/html", 'class="symrnn-problem"'),
    ("exam variant", "text/markdown", "*key:*"),
])
def test_every_listed_object_renders(executed, kind, mime, marker):
    assert any(marker in d.get(mime, "") for d in _displays(executed)), f"no {kind} shown as {mime} with {marker!r}"


def test_importing_a_core_name_in_ipython_registers_the_displays():
    """In a notebook, 'from symrnn.core.derive import derive' alone (no symrnn.<name> touched) renders."""
    code = ("import IPython\n"
            "from symrnn.core.derive import derive\n"
            "from symrnn.core.catalogue import load\n"
            "from symrnn.check.verdict import check_answer\n"
            "d = derive(load('rnn-linear'), steps=2)\n"
            "assert d._repr_latex_() and d.gradient('W_hh')._repr_latex_()\n"
            "assert '<math' in check_answer('rnn-linear', 'W_hh', 'W_hh')._repr_html_()\n")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=300)


def test_plain_import_symrnn_stays_light():
    code = "import sys, symrnn; assert 'sympy' not in sys.modules and 'symrnn.printing.document' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
