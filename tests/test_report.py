"""Derivation reports: content in D2L 9.7's order, escaping, numbering, and PDFs that build cleanly."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest

from symrnn.core import catalogue
from symrnn.core.derive import derive
from symrnn.core.spec import load_spec_text
from symrnn.printing.latex_build import parse_log
from symrnn.printing.mdescape import markdown_escape
from symrnn.report import build, collect, render_latex, render_markdown, write_report
from symrnn.report.trust import Trust, code_citations, equation_status

needs_tex = pytest.mark.skipif(shutil.which("latexmk") is None and not os.environ.get("CI"), reason="needs TeX Live (latexmk)")
needs_poppler = pytest.mark.skipif((shutil.which("pdftoppm") is None or shutil.which("pdftotext") is None) and not os.environ.get("CI"), reason="needs poppler-utils")

NAMES = catalogue.names()

RECURRENT_ORDER = ["The network", "Forward pass", "Loss", "Output adjoints", "The last step",
                   "Backpropagation through time: the recurrence", "Parameter gradients", "Closed forms",
                   "Vanishing and exploding gradients"]


@pytest.fixture(scope="module")
def derivations():
    return {name: derive(catalogue.load(name)) for name in NAMES}


@pytest.mark.parametrize("name", NAMES)
def test_every_generic_equation_appears_once_with_its_label(derivations, name):
    d = derivations[name]
    report = build(d)
    shown = [b.label for s in report.sections for b in s.blocks if b.kind == "equation"]
    assert len(shown) == len(set(shown))
    expected = [eq.label for eq in d.generic_forward + d.generic_adjoints + d.generic_gradients + d.closed_forms]
    assert set(expected) <= set(shown)
    numbers = [b.number for s in report.sections for b in s.blocks if b.kind == "equation"]
    assert numbers == list(range(1, len(numbers) + 1))


@pytest.mark.parametrize("name", [n for n in NAMES if catalogue.load(n).recurrent])
def test_sections_follow_d2l_order(derivations, name):
    titles = [s.title for s in build(derivations[name]).sections]
    positions = [titles.index(t) for t in RECURRENT_ORDER]
    assert positions == sorted(positions)
    assert titles[-1] == "How far to trust these equations"


def test_references_point_at_displayed_equations(derivations):
    for name, d in derivations.items():
        report = build(d)
        keys = {b.key for s in report.sections for b in s.blocks if b.kind == "equation"}
        source = render_latex(report, name)
        for ref in re.findall(r"\\eqref\{([^}]*)\}", source):
            assert ref in keys, (name, ref)


def test_linear_rnn_report_cites_d2l_and_shows_the_power_sum(derivations):
    source = render_latex(build(derivations["rnn-linear"]), "rnn-linear")
    for number in ("9.7.13", "9.7.14", "9.7.15", "9.7.16"):
        assert f"D2L ({number})" in source
    assert r"\left(\mathbf{W}_{hh}^{\top}\right)^{T-i}" in source


def test_mlp_report_has_the_seeds_chain_rule_with_the_worked_numbers(derivations):
    source = render_latex(build(derivations["mlp-2-2-2"]), "mlp-2-2-2")
    # dL/dw5 = 0.74136507 * 0.18681560 * 0.59326999 = 0.082167041 (the seed's worked example)
    assert "0.74136507" in source and "0.59326999" in source and "0.082167041" in source
    assert "0.00043856773" in source  # dL/dw1, two paths
    assert "0.298371109" in source  # the loss
    # scalars multiply plainly, as in the seed: no elementwise-product sign between numbers
    assert r"\odot" not in source
    assert r"\frac{\partial L}{\partial \mathrm{out}_{h1}} \mathrm{out}_{h1} \left(1 - \mathrm{out}_{h1}\right)" in source


def test_status_lines_say_what_was_and_was_not_verified(derivations):
    d = derivations["rnn-linear"]
    nothing = Trust()
    assert equation_status(nothing, d.equation("adj:h:t")) == "not proved in this build"
    assert equation_status(nothing, d.equation("fwd:h:t")) == "definition"
    source = render_latex(build(d, nothing), "rnn-linear")
    assert "symrnn prove rnn-linear" in source.replace(r"-{}", "-")
    proved = collect(d, proof=True, tests=False)
    assert proved.proof is not None and not proved.proof.failed
    assert "proved exactly vs. sympy.diff (chain rule)" in equation_status(proved, d.equation("adj:h:t"))
    assert "line" in equation_status(proved, d.equation("adj:h:t"))


def test_generated_code_cites_the_report_labels(derivations):
    d = derivations["lstm"]
    module, lines, note = code_citations(d)
    assert module == "symrnn.derivations.lstm" and not note
    for eq in d.generic_adjoints + d.generic_gradients:
        assert eq.label in lines, eq.label


HOSTILE_TITLE = r"\input{/etc/passwd} \write18{touch pwned} }{ 100% #1 $x$ a_b ~^"


def test_hostile_title_is_escaped_in_latex_and_markdown(derivations):
    report = build(derivations["rnn-scalar"], title=HOSTILE_TITLE)
    source = render_latex(report, "x")
    assert r"\input{" not in source and r"\write18{" not in source
    assert r"\textbackslash{}input\{/etc/passwd\}" in source
    md = render_markdown(report, "x")
    assert "# " + markdown_escape(HOSTILE_TITLE) in md


def test_hostile_spec_names_are_refused_before_any_document(tmp_path):
    from symrnn.core.errors import SpecError

    with pytest.raises(SpecError):
        load_spec_text('name = "a\\\\input{x}"\nnetwork = "mlp"\nsizes = [1, 1]\nactivations = ["identity"]\n')


@pytest.mark.latex
@needs_tex
@needs_poppler
def test_hostile_text_gives_a_pdf_that_shows_it_and_reads_no_file(tmp_path):
    text = 'name = "hostile"\nnetwork = "rnn"\ncell = "rnn"\nactivation = "identity"\nbias = false\nstyle = "scalar"\n' \
           'input_size = 1\nhidden_size = 1\noutput_size = 1\nshape = "many-to-one"\nsteps = 2\n' \
           "title = '''" + HOSTILE_TITLE + "'''\n"
    spec = load_spec_text(text)
    assert spec.title == HOSTILE_TITLE
    written = write_report(derive(spec), tmp_path, "pdf", Trust())
    assert written.ok, written.build.summary()
    assert not (tmp_path / "pwned").exists()
    errors, undefined = parse_log(written.build.log)
    assert errors == () and undefined == ()
    assert not re.search(r"\(/etc/passwd", written.build.log)  # TeX logs every file it opens as "(path"
    shown = subprocess.run(["pdftotext", str(tmp_path / "hostile.pdf"), "-"], capture_output=True, text=True, check=True).stdout
    flat = re.sub(r"\s+", "", shown).replace("\u2018", "`").replace("\u2019", "'")
    assert re.sub(r"\s+", "", HOSTILE_TITLE) in flat
    assert "root:" not in shown


@pytest.mark.latex
@needs_tex
@needs_poppler
@pytest.mark.parametrize("name", NAMES)
def test_every_catalogue_report_builds_cleanly(derivations, name, tmp_path):
    written = write_report(derivations[name], tmp_path, "pdf", Trust(), timeout=90)
    build_result = written.build
    assert build_result.errors == (), build_result.errors
    assert build_result.undefined == (), build_result.undefined
    assert "multiply defined" not in build_result.log
    assert written.ok
    if name in ("rnn-linear", "lstm"):
        # a page turned into an image proves the PDF is readable
        subprocess.run(["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", str(build_result.pdf), str(tmp_path / "page")], check=True)
        page = tmp_path / "page-1.png"
        data = page.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000


@pytest.mark.parametrize("fmt", ["tex", "md"])
def test_tex_and_markdown_outputs_carry_their_figures(derivations, tmp_path, fmt):
    written = write_report(derivations["rnn-scalar"], tmp_path, fmt, Trust())
    names = sorted(p.name for p in written.files)
    ext = "png" if fmt == "md" else "pdf"
    assert names == sorted([f"rnn-scalar.{fmt}", f"rnn-scalar-scalar-power.{ext}", "rnn-scalar-scalar-power.json"])
    main = (tmp_path / f"rnn-scalar.{fmt}").read_text()
    assert f"rnn-scalar-scalar-power.{ext}" in main
    if fmt == "md":
        assert "$$" in main and r"\tag{1}" in main


def test_output_is_deterministic(derivations, tmp_path):
    a = write_report(derivations["rnn-linear"], tmp_path / "a", "md", Trust())
    b = write_report(derivations["rnn-linear"], tmp_path / "b", "md", Trust())
    for x, y in zip(a.files, b.files):
        assert x.read_bytes() == y.read_bytes()


def test_derivation_shows_itself_in_jupyter():
    import symrnn

    d = symrnn.derive(catalogue.load("rnn-linear"))  # the public name registers the display
    latex = d._repr_latex_()
    assert latex.startswith("$$") and r"\begin{aligned}" in latex and r"\mathbf{W}_{hh}^{\top}" in latex
    md = d._repr_markdown_()
    assert md.count("$$") == 2 * len(d.generic_forward + d.generic_adjoints + d.generic_gradients + d.closed_forms)


@pytest.mark.latex
@needs_tex
def test_gallery_command_writes_reports_and_an_index(tmp_path):
    from symrnn.report.gallery import COMMAND, regenerate

    assert regenerate(tmp_path, proof=False, tests=False, names=("rnn-scalar",)) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "README.md", "rnn-scalar-scalar-power.json", "rnn-scalar-scalar-power.png", "rnn-scalar.md", "rnn-scalar.pdf",
        "rnn-scalar.tex",
    ]
    index = (tmp_path / "README.md").read_text()
    assert COMMAND in index and "[rnn-scalar.pdf](rnn-scalar.pdf)" in index


def test_cli_refuses_spec_and_all_together_and_neither():
    from symrnn.cli import main

    assert main(["report", "--all", "rnn-linear", "--format", "md"]) == 2
    assert main(["report", "--format", "md"]) == 2


@pytest.mark.latex
@needs_tex
def test_pdf_is_byte_for_byte_reproducible(derivations, tmp_path):
    first = write_report(derivations["rnn-scalar"], tmp_path / "one", "pdf", Trust())
    second = write_report(derivations["rnn-scalar"], tmp_path / "two", "pdf", Trust())
    assert first.ok and second.ok
    assert first.build.pdf.read_bytes() == second.build.pdf.read_bytes()


def test_gallery_in_the_repository_covers_the_catalogue():
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent / "reports"
    if not root.is_dir():
        pytest.fail("reports/ is missing: run python -m symrnn.report.gallery")
    index = (root / "README.md").read_text(encoding="utf-8")
    for name in NAMES:
        assert (root / f"{name}.pdf").read_bytes()[:5] == b"%PDF-", name
        assert (root / f"{name}.md").is_file(), name
        assert f"[{name}.pdf]({name}.pdf)" in index


def test_scalar_sigmoid_report_shows_w_to_the_n_with_the_derivative_factor(tmp_path):
    """The seed's Input x w^N with a sigmoid: each step also multiplies by sigma' <= 1/4, so w = 2 vanishes."""
    import json

    from symrnn.core import catalogue
    from symrnn.core.derive import derive
    from symrnn.report import write_report

    write_report(derive(catalogue.load("rnn-scalar-sigmoid")), tmp_path, "md", Trust())
    text = (tmp_path / "rnn-scalar-sigmoid.md").read_text(encoding="utf-8")
    assert "same weight times the sigmoid's derivative" in text
    assert "every factor is the same weight, and the product is" not in text
    data = json.loads((tmp_path / "rnn-scalar-sigmoid-scalar-power.json").read_text(encoding="utf-8"))
    assert data["inputs"]["activation"] == "sigmoid"
    w2 = next(s for s in data["series"] if s["label"] == "$w = 2$")
    assert w2["y"][0] == 1.0 and w2["y"][-1] < 1e-6  # the seed's exploding w = 2 vanishes with the sigmoid


@pytest.mark.parametrize("style", ["vector", "scalar"])
@pytest.mark.parametrize("name", ["identity", "tanh", "sigmoid", "relu", "softplus"])
def test_vanishing_prose_is_true_of_every_activation(tmp_path, name, style):
    """The bound and any saturation claim come from the activation's registry entry: a ReLU or a
    softplus network is not told that saturation makes vanishing worse."""
    from symrnn.core.activations import ACTIVATIONS
    from symrnn.core.spec import RNNSpec

    assert name in ACTIVATIONS
    size = 1 if style == "scalar" else 2
    spec = RNNSpec("act", "rnn", size, size, size, activation=name, style=style, shape="many-to-one", steps=3)
    write_report(derive(spec), tmp_path, "md", Trust())
    text = (tmp_path / "act.md").read_text(encoding="utf-8")
    act = ACTIVATIONS[name]
    assert ("saturat" in text) == act.saturates
    if name != "identity":
        assert f"which is at most {act.derivative_bound:g}" in text


def test_handout_leaves_out_the_verification_lines_and_the_code_table(derivations, tmp_path):
    """--handout keeps equations, prose, worked numbers and figures; it drops the grey status lines and the code table."""
    from symrnn.cli import main

    d = derivations["mlp-2-2-2"]
    trust = Trust(module="symrnn.derivations.mlp_2_2_2", code_lines={eq.label: (7,) for eq in d.generic_adjoints})
    full, handout = build(d, trust), build(d, trust, handout=True)
    blocks = lambda r: [b for s in r.sections for b in s.blocks]
    assert any(b.kind == "equation" and b.status for b in blocks(full))
    assert all(not b.status for b in blocks(handout) if b.kind == "equation")
    assert [b.lines for b in blocks(full) if b.kind == "equation"] == [b.lines for b in blocks(handout) if b.kind == "equation"]
    assert sum(b.kind == "table" for b in blocks(full)) == sum(b.kind == "table" for b in blocks(handout)) + 1
    assert set(full.figures) == set(handout.figures)
    source = render_latex(handout, "x")
    assert "\\eqstatus{" not in source and "0.082167041" in source and "grey line" not in source
    assert "\\eqstatus{" in render_latex(full, "x")
    # the linear RNN keeps its citations (D2L (9.7.14)) without a status
    cited = render_latex(build(derivations["rnn-linear"], handout=True), "y")
    assert r"\eqstatus{D2L (9.7.14)}" in cited
    assert main(["report", "rnn-scalar", "--format", "md", "--handout", "--no-proof", "--no-tests", "-o", str(tmp_path)]) == 0
    text = (tmp_path / "rnn-scalar.md").read_text(encoding="utf-8")
    assert "<sub>" not in text and "code lines" not in text


def _double_superscript(tex: str) -> bool:
    """``x^{a}^{b}`` (a TeX error) anywhere in ``tex``."""
    return re.search(r"\^\{(?:[^{}]|\{[^{}]*\})*\}\s*\^", tex) is not None


@pytest.mark.parametrize("cell,layers", [("rnn", 1), ("lstm", 2), ("gru-torch", 1)])
def test_typography_words_upright_and_one_superscript_per_symbol(cell, layers):
    """A decoder's transposed weight is W^{dec T}, not W^{dec}^{T} (which TeX refuses); a word is upright."""
    from symrnn.core.spec import RNNSpec

    spec = RNNSpec("encdec", cell, 2, 2, 2, shape="encoder-decoder", layers=layers, steps=2)
    source = render_latex(build(derive(spec)), "x")
    assert r"\mathrm{dec}\top" in source or r"\mathrm{dec}}\top" in source or r"(1),\mathrm{dec}\top" in source
    assert not _double_superscript(source)
    assert _double_superscript(r"\mathbf{W}_{hh}^{\mathrm{dec}}^{\top}")
    mlp = render_latex(build(derive(catalogue.load("mlp-2-2-2"))), "m")
    assert r"\mathrm{in}_{h1}" in mlp and r"\mathrm{target}_{o1}" in mlp and r"\mathit{" not in mlp


@pytest.mark.latex
@needs_tex
def test_an_encoder_decoder_report_builds(tmp_path):
    from symrnn.core.spec import RNNSpec

    spec = RNNSpec("encdec", "rnn", 2, 2, 2, shape="encoder-decoder", steps=2)
    written = write_report(derive(spec), tmp_path, "pdf", Trust(), timeout=90)
    assert written.ok and written.build.errors == (), written.build.summary()
