"""The command line as a user meets it: outputs, exit codes, one-line errors, no tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from symrnn.cli import main


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "symrnn.cli", *args], capture_output=True, text=True, timeout=300, check=False)


def test_catalogue_lists_every_network(capsys):
    assert main(["catalogue"]) == 0
    out = capsys.readouterr().out
    for name in ("mlp-2-2-2", "rnn-linear", "rnn-tanh", "rnn-scalar", "rnn-scalar-sigmoid", "lstm", "gru-d2l", "gru-torch",
                 "deep-rnn"):
        assert name in out


def test_derive_latex_prints_d2l_97_13_to_16_and_the_power_sum(capsys):
    assert main(["derive", "rnn-linear", "--steps", "3", "--format", "latex"]) == 0
    out = capsys.readouterr().out
    for tag in ("9.7.13", "9.7.14", "9.7.15", "9.7.16"):
        assert f"\\tag{{{tag}}}" in out
    assert r"\left(\mathbf{W}_{hh}^{\top}\right)^{T-i}" in out
    assert r"\frac{\partial L}{\partial \mathbf{h}_{t}} &= \mathbf{W}_{hh}^{\top} \frac{\partial L}{\partial \mathbf{h}_{t+1}} + \mathbf{W}_{qh}^{\top} \frac{\partial L}{\partial \mathbf{o}_{t}}" in out


def test_derive_json_carries_the_worked_example(capsys):
    assert main(["derive", "mlp-2-2-2", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert {"equations", "gradients", "values", "spec"} <= set(doc)
    eq = doc["equations"][0]
    assert {"label", "latex", "text", "rule"} <= set(eq)
    assert doc["gradients"]["w5"]["text"] == "dL_din_o1 * out_h1"
    assert doc["values"]["gradients"]["w5"] == pytest.approx(0.082167041, abs=1e-9)
    assert doc["values"]["forward"]["out_o1"] == pytest.approx(0.75136507, abs=1e-8)
    assert doc["values"]["loss"] == pytest.approx(0.298371109, abs=1e-9)


def test_derive_json_matrices_are_nested_lists(tmp_path, capsys):
    spec = tmp_path / "ex.toml"
    spec.write_text(
        'name = "ex"\nnetwork = "rnn"\ncell = "rnn"\nactivation = "identity"\nbias = false\n'
        "input_size = 1\nhidden_size = 2\noutput_size = 1\nsteps = 1\n"
        "[example]\nW_hx = [[1.0], [2.0]]\nW_hh = [[0.5, 0.0], [0.0, 0.5]]\nW_qh = [[1.0, -1.0]]\n"
        "x_1 = 1.0\nh_0 = [0.0, 0.0]\ny_1 = 0.0\n"
    )
    assert main(["derive", str(spec), "--format", "json"]) == 0
    values = json.loads(capsys.readouterr().out)["values"]
    assert values["forward"]["h_1"] == [[1.0], [2.0]]
    assert values["forward"]["o_1"] == -1.0
    assert values["gradients"]["W_qh"] == [[-1.0, -2.0]]


def test_derive_text_is_deterministic():
    assert run("derive", "lstm").stdout == run("derive", "lstm").stdout


def test_prove_prints_one_line_per_result(capsys):
    assert main(["prove", "rnn-linear", "--steps", "2"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert all(line.startswith("PASS") for line in lines[:-1])
    assert "all proved" in lines[-1]


@pytest.mark.parametrize(
    "args, needle",
    [
        (["derive", "no-such-net"], "neither a catalogue network"),
        (["derive", "rnn-tanh", "--steps", "0"], "'steps'"),
        (["derive", "rnn-tanh", "--steps", "-4"], "'steps'"),
        (["derive", "rnn-tanh", "--steps", "100000000"], "'steps'"),
        (["prove", "rnn-tanh", "--steps", "60"], "T <= 6"),
        (["derive", "mlp-2-2-2", "--steps", "3"], "no time axis"),
    ],
)
def test_bad_input_gives_a_one_line_error_and_status_2(args, needle):
    proc = run(*args)
    assert proc.returncode == 2
    assert needle in proc.stderr
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "text, needle",
    [
        ("name = 'x'\nnetwork = 'rnn'\ncell = 'transformer'\ninput_size=1\nhidden_size=1\noutput_size=1\n", "'cell'"),
        ("name = 'x'\nnetwork = 'rnn'\ncell = 'rnn'\ninput_size=1\nhidden_size=1.5\noutput_size=1\n", "'hidden_size'"),
        ("name = 'x'\nnetwork = 'rnn'\ncell = 'rnn'\ninput_size=1\nhidden_size=1\noutput_size=1\nfoo=1\n", "'foo'"),
        ("name = [unclosed", "not valid TOML"),
        ("\x00\x01binary", "TOML"),
    ],
)
def test_bad_spec_files(tmp_path, text, needle):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    proc = run("derive", str(path))
    assert proc.returncode == 2 and needle in proc.stderr and "Traceback" not in proc.stderr


def test_steps_that_are_not_numbers():
    proc = run("derive", "rnn-tanh", "--steps", "three")
    assert proc.returncode == 2 and "whole number" in proc.stderr


def test_derive_paths_of_an_rnn_weight_entry(capsys):
    assert main(["derive", "rnn-tanh", "--steps", "2", "--paths", "W_hh[0,1]"]) == 0
    out = capsys.readouterr().out
    assert "dL/dW_hh[0,1] = sum over" in out


def test_derive_paths_refuses_anything_but_a_name_and_an_entry():
    proc = run("derive", "rnn-tanh", "--paths", "__import__('os')")
    assert proc.returncode == 2 and "NAME[i,j]" in proc.stderr


def test_unwritable_output_paths_give_one_line(tmp_path):
    for args in (["codegen", "lstm", "-o", str(tmp_path / "missing" / "x.py")],
                 ["codegen", "lstm", "-o", str(tmp_path)]):
        proc = run(*args)
        assert proc.returncode == 2 and "Traceback" not in proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1


def test_work_that_would_not_finish_is_refused_up_front(tmp_path):
    spec = tmp_path / "big.toml"
    spec.write_text('name = "big"\nnetwork = "rnn"\ncell = "lstm"\ninput_size = 4096\nhidden_size = 4096\n'
                    'output_size = 4096\nlayers = 16\nsteps = 200\n')
    for args, needle in ((["derive", str(spec)], "layer-steps"), (["verify", str(spec), "--steps", "2"], "<= 256"),
                         (["report", "lstm", "--steps", "100", "--format", "md"], "T <= 20"),
                         (["prove", "rnn-tanh", "--steps", "150"], "T <= 6")):
        proc = run(*args)
        assert proc.returncode == 2 and needle in proc.stderr, (args, proc.stderr)


def test_ragged_example_matrix_is_refused(tmp_path):
    spec = tmp_path / "ex.toml"
    spec.write_text('name = "ex"\nnetwork = "rnn"\ncell = "rnn"\nactivation = "identity"\nbias = false\n'
                    "input_size = 1\nhidden_size = 2\noutput_size = 1\nsteps = 1\n"
                    "[example]\nW_hx = [[1.0], [2.0]]\nW_hh = [[1.0, 2.0, 3.0], [4.0]]\nW_qh = [[1.0, -1.0]]\n"
                    "x_1 = 1.0\nh_0 = [0.0, 0.0]\ny_1 = 0.0\n")
    proc = run("derive", str(spec), "--format", "json")
    assert proc.returncode == 2 and "example.W_hh" in proc.stderr and "2 rows of 2" in proc.stderr


@pytest.mark.parametrize("command", ["derive", "prove", "codegen", "verify", "report", "check"])
def test_every_command_validates_the_worked_example(tmp_path, command):
    """prove used to report "all proved" for an example that derive refused."""
    spec = tmp_path / "ex.toml"
    spec.write_text('name = "ex"\nnetwork = "rnn"\ncell = "rnn"\nactivation = "identity"\nbias = false\n'
                    "input_size = 1\nhidden_size = 2\noutput_size = 1\nsteps = 1\n"
                    "[example]\nW_hx = [[1.0], [2.0]]\nW_hh = [[1.0, 2.0, 3.0]]\nW_qh = [[1.0, -1.0]]\n"
                    "x_1 = 1.0\nh_0 = [0.0, 0.0]\ny_1 = 0.0\nW_zz = 1.0\n")
    extra = {"report": ["--format", "md", "-o", str(tmp_path)], "check": ["--grad", "W_hh", "--answer", "0"]}
    proc = run(command, str(spec), *extra.get(command, []))
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "ex.toml" in proc.stderr and "example.W_zz" in proc.stderr and "Traceback" not in proc.stderr


def test_grade_reads_spreadsheet_csv_and_writes_no_formulas(tmp_path):
    src = tmp_path / "a.csv"
    src.write_bytes('\ufeffid,answer\n1,=cmd|calc\n2,"sum_t dL_dh[t] @ h[t-1].T"\n'.encode())
    proc = run("grade", "rnn-linear", str(src), "--grad", "W_hh")
    assert proc.returncode == 0
    lines = proc.stdout.splitlines()
    assert lines[1].startswith("1,W_hh,'=cmd|calc,invalid")
    assert ",correct," in proc.stdout
    proc = run("grade", "rnn-linear", str(src))
    assert proc.returncode == 2 and "--grad" in proc.stderr


def test_a_function_that_never_returns_times_out():
    from symrnn.check.function import check_function

    def stuck(params, data):
        while True:
            pass

    verdict = check_function("rnn-linear", stuck, time_limit=0.5)
    assert verdict.status == "timeout"


@pytest.mark.parametrize("args, needle", [
    (["exam", "--variants", "1000000000"], "between 1 and 10000"),
    (["exam", "--stress", "all", "--variants", "1000000000"], "between 1 and 10000"),
    (["exam", "--variants", "2000"], "at most 1000 for an exam"),
    (["grade", "rnn-linear", "x.csv", "--workers", "100000"], "between 1 and 64"),
])
def test_unbounded_options_are_refused_on_one_line(args, needle):
    proc = run(*args)
    assert proc.returncode == 2 and needle in proc.stderr and "Traceback" not in proc.stderr


def test_grading_never_starts_more_workers_than_rows_or_cores():
    from symrnn.commands.grade import worker_count

    assert worker_count(50, 2, cores=8) == 2
    assert worker_count(None, 1000, cores=2) == 2
    assert worker_count(64, 1000, cores=2) == 2
    assert worker_count(1, 0, cores=2) == 1


def _modules_after(code: str) -> set[str]:
    """The top-level packages a fresh interpreter has imported after running ``code``."""
    probe = code + "\nimport sys; print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))"
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=300, check=True)
    return set(proc.stdout.split())


@pytest.mark.parametrize("argv", [["--help"], ["--version"], ["derive", "--help"], ["verify", "--help"], ["check", "--help"]])
def test_help_and_version_import_neither_sympy_nor_numpy(argv):
    code = ("import contextlib, io, symrnn.cli\n"
            "with contextlib.suppress(SystemExit), contextlib.redirect_stdout(io.StringIO()):\n"
            f"    symrnn.cli.main({argv!r})")
    loaded = _modules_after(code)
    assert "symrnn" in loaded
    assert not loaded & {"sympy", "numpy", "torch", "jinja2", "lark", "autograd"}


def test_import_symrnn_is_light_and_its_names_load_on_use():
    assert "sympy" not in _modules_after("import symrnn")
    import symrnn

    assert "derive" in dir(symrnn)
    derivation = symrnn.derive(symrnn.load_catalogue("rnn-linear"), 2)
    assert isinstance(derivation, symrnn.Derivation)
    assert derivation._repr_latex_().startswith("$$")  # the Jupyter display came with the name
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        symrnn.nothing  # noqa: B018


def test_verify_without_the_torch_oracle_does_not_import_torch():
    code = ("import contextlib, io, symrnn.cli\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            "    assert symrnn.cli.main(['verify', 'rnn-tanh', '--no-torch']) == 0")
    assert "torch" not in _modules_after(code)


def test_report_formats_offered_by_the_command_are_the_reports_own():
    from symrnn.commands.report import FORMATS
    from symrnn.report import FORMATS as REPORT_FORMATS

    assert FORMATS == REPORT_FORMATS
