"""Every command has a budget covering all of its work (issue 16, section 1): --time-limit and
--memory-limit, one line and exit status 2 when either runs out, the processes it started killed,
and no output file left under its final name."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time

import pytest

from symrnn.cli import build_parser
from symrnn.commands import budgets, load
from symrnn.commands._output import staged, write_atomically
from symrnn.i18n import use_language

BIG = textwrap.dedent("""\
    name = "big-lstm"
    network = "rnn"
    cell = "lstm"
    notation = "row"
    batch = 2
    input_size = 2
    hidden_size = 256
    output_size = 2
    layers = 4
    loss = "half_sq"
    reduction = "mean"
    shape = "many-to-many"
    steps = 20
""")
"""The LSTM of issue 16: its report ran for minutes (over 400 s on the shared 2-core machine)."""

LONG = BIG.replace("hidden_size = 256", "hidden_size = 2").replace("steps = 20", "steps = 250")
"""4 layers x 250 steps: the most a derivation accepts (core/limits.py MAX_UNROLLED_STEPS)."""

START = 12.0
"""Seconds to start Python and import symrnn on a loaded 2-core machine, and to end."""

LIMIT = 0.1
"""Less than any command needs to import what it uses: each must run out."""


def _cli(argv: list[str], cwd, timeout: float = 120) -> tuple[int, str, str, float]:
    start = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "symrnn.cli", *argv], cwd=cwd, capture_output=True, text=True, check=False,
                          timeout=timeout)
    return proc.returncode, proc.stdout, proc.stderr, time.monotonic() - start


COMMANDS = {
    "derive": ["derive", "long.toml"],
    "prove": ["prove", "lstm", "-T", "6"],
    "verify": ["verify", "big.toml"],
    "report": ["report", "big.toml", "--format", "tex", "-o", "out"],
    "codegen": ["codegen", "big.toml", "-o", "out/big.py"],
    "exam": ["exam", "--variants", "1000", "--format", "json", "-o", "out"],
    "stress": ["exam", "--stress", "all", "--variants", "10000"],
}


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_a_tiny_time_limit_ends_the_command_on_one_line_soon_after_it(name, tmp_path):
    (tmp_path / "big.toml").write_text(BIG, encoding="utf-8")
    (tmp_path / "long.toml").write_text(LONG, encoding="utf-8")
    (tmp_path / "out").mkdir()
    status, out, err, seconds = _cli([*COMMANDS[name], "--time-limit", f"{LIMIT:g}"], tmp_path)
    assert status == 2, (out, err)
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert f"the time limit of {LIMIT:g} s ran out" in err and "--time-limit SECONDS" in err, err
    assert seconds < LIMIT + budgets.GRACE + budgets.UNWIND + START, seconds
    assert not list((tmp_path / "out").iterdir())  # nothing written, nothing half-written


def test_the_step_under_way_is_named_when_a_checkpoint_sees_the_limit(tmp_path):
    (tmp_path / "long.toml").write_text(LONG, encoding="utf-8")
    status, _out, err, _ = _cli(["derive", "long.toml", "--time-limit", "0.01"], tmp_path)
    assert status == 2 and "ran out while deriving the equations" in err, err


def test_a_normal_run_is_unaffected(tmp_path):
    status, out, err, _ = _cli(["derive", "rnn-tanh"], tmp_path)
    bounded = _cli(["derive", "rnn-tanh", "--time-limit", "600", "--memory-limit", "8192"], tmp_path)
    assert status == 0 and not err and "dL_dW_hh" in out
    assert bounded[:3] == (0, out, "")


def test_the_watchdog_kills_what_the_command_started_and_reports_the_time_limit():
    started = time.monotonic()

    def blocked(_args):  # waits for a child with no time limit of its own (a worker, LaTeX)
        subprocess.run(["sleep", "60"], check=False)
        return 0

    with pytest.raises(budgets.budget.BudgetExceeded, match="the time limit of 0.5 s ran out"):
        budgets.run_within("report", blocked, None, 0.5, None)
    assert time.monotonic() - started < 0.5 + budgets.GRACE + budgets.UNWIND + 2


_HOG = """
import sys, time
from symrnn.commands import budgets
from symrnn.core.errors import LimitError
budgets.hard_exit = True
def hog(_args):
    block = bytearray({size})
    block[::4096] = b"x" * len(block[::4096])  # resident, not only mapped
    time.sleep(30)
    return 0
try:
    budgets.run_within("derive", hog, None, None, 256)
except LimitError as err:
    print(err, file=sys.stderr)
    sys.exit(2)
"""


@pytest.mark.parametrize("size, how", [(400 * 1024**2, "watchdog"), (4 * 1024**3, "address space")])
def test_the_memory_limit_gives_one_line_and_status_2(size, how):
    start = time.monotonic()
    proc = subprocess.run([sys.executable, "-c", _HOG.format(size=size)], capture_output=True, text=True,
                          check=False, timeout=60)
    assert proc.returncode == 2, (how, proc.stderr)
    assert proc.stderr.strip().endswith("derive: the memory limit of 256 MiB ran out; raise it with --memory-limit MIB"), proc.stderr
    assert "Traceback" not in proc.stderr
    assert time.monotonic() - start < 20


def test_output_is_moved_into_place_only_when_complete(tmp_path):
    with pytest.raises(RuntimeError), staged(tmp_path / "out") as tmp:
        (tmp / "report.tex").write_text("half", encoding="utf-8")
        raise RuntimeError("ran out")
    assert not list((tmp_path / "out").iterdir())
    with staged(tmp_path / "out") as tmp:
        (tmp / "report.tex").write_text("whole", encoding="utf-8")
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["report.tex"]
    write_atomically(tmp_path / "module.py", "x = 1\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["module.py", "out"]


def test_a_per_answer_time_limit_is_not_the_commands_budget():
    parser = build_parser()
    grade = parser.parse_args(["grade", "rnn-linear", "x.csv", "--time-limit", "1"])
    check = parser.parse_args(["check", "rnn-linear", "--grad", "W_hh", "--answer", "0", "--time-limit", "1"])
    assert load("grade").budget_seconds(grade) is None
    assert load("grade").budget_seconds(parser.parse_args(["grade", "rnn-linear", "x.csv", "--total-time-limit", "60"])) > 60
    assert load("check").budget_seconds(check) > 1  # the check's own limit, and its start
    serve = next(a for a in parser._actions if a.dest == "command").choices["serve"]
    assert "--memory-limit" not in serve.format_help()  # a server runs until stopped


def test_check_out_of_time_exits_2_as_every_command(capsys):
    """A check whose time limit runs out is refused, not judged: exit 2 (a wrong answer is 1)."""
    from symrnn.cli import main

    assert main(["check", "rnn-linear", "--grad", "W_hh", "--answer", "0", "--time-limit", "0.001"]) == 2
    out = capsys.readouterr().out
    assert "refused" in out and "time limit" in out, out
    assert main(["check", "rnn-linear", "--grad", "W_hh", "--answer", "0"]) == 1  # judged: wrong


@pytest.mark.parametrize("lang, words", [("en", "wall-clock seconds"), ("es", "segundos de reloj")])
@pytest.mark.parametrize("command", ["derive", "prove", "verify", "report", "codegen", "exam"])
def test_every_command_shows_its_limits_in_help(command, lang, words):
    with use_language(lang):
        parser = build_parser()
        sub = next(a for a in parser._actions if a.dest == "command").choices[command]
        text = sub.format_help()
    assert "--time-limit" in text and "--memory-limit" in text and words in text


def test_verify_refuses_at_once_what_would_run_past_its_budget(tmp_path, capsys):
    from symrnn.cli import main

    huge = tmp_path / "huge.toml"
    huge.write_text(BIG.replace("layers = 4", "layers = 16").replace("steps = 20", "steps = 62"), encoding="utf-8")
    start = time.monotonic()
    assert main(["verify", str(huge)]) == 2
    err = capsys.readouterr().err
    assert "numeric verification takes batch x size^2 x layers x T" in err and "130,023,424" in err, err
    assert time.monotonic() - start < 10


def test_the_watchdogs_message_is_in_the_commands_language(tmp_path):
    (tmp_path / "big.toml").write_text(BIG, encoding="utf-8")
    status, _out, err, _ = _cli(["codegen", "big.toml", "--lang", "es", "--time-limit", "0.05"], tmp_path)
    assert status == 2 and "codegen: " in err and "tiempo límite de 0.05 s" in err and "--time-limit SEGUNDOS" in err, err
    with use_language("es"):
        dog = budgets.Watchdog("report", 60.0, time.monotonic() + 60, 512)
    dog.stop()
    assert dog.messages == {False: "report: se agotó el tiempo límite de 60 s; aumentalo con --time-limit SEGUNDOS",
                            True: "report: se agotó el límite de memoria de 512 MiB; aumentalo con --memory-limit MIB"}


def test_report_refuses_at_once_tests_that_would_run_past_its_budget(tmp_path, capsys):
    from symrnn.cli import main

    deep = tmp_path / "deep.toml"
    deep.write_text(BIG.replace("layers = 4", "layers = 8"), encoding="utf-8")
    assert main(["report", str(deep), "--format", "tex", "-o", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "got 62,914,560" in err and "pass --no-tests" in err, err
    assert not (tmp_path / "out").exists()
