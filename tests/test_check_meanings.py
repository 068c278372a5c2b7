"""The checker reads what a variable is from its ``ir.Meaning`` (issue 10 item 2), never from its name."""

from __future__ import annotations

import re
from pathlib import Path

from symrnn.check.edits import Context
from symrnn.check.evaluate import problem
from symrnn.check.mutations import _is_bias, lstm_cell_path_dropped
from symrnn.check.shapes import read
from symrnn.core import catalogue, ir
from symrnn.core.derive import derive
from symrnn.core.labels import Equation, Label

CHECK = Path(__file__).resolve().parents[1] / "symrnn" / "check"


def test_no_checker_module_parses_a_variable_name():
    banned = re.compile(r"\.(name|node|quantity)\.(lower|upper|split|partition|startswith|endswith)\(|_dec\b")
    for path in sorted(CHECK.glob("*.py")):
        for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            assert not banned.search(line.split("#", 1)[0]), f"{path.name}:{lineno}: {line.strip()}"


def test_delta_and_z_are_read_from_meanings():
    lstm = problem(catalogue.load("lstm"), "W_hi").table
    assert read(r"\delta_2", lstm) == ir.Adjoint(ir.Var("H", (2, 2), "node", 2))  # the hidden state: no pre-activation
    deep = problem(catalogue.load("deep-rnn"), "W_hh_l1").table
    assert read("z^{(2)}_3", deep) == read("a_l2[3]", deep)
    assert lstm.delta_target(None) == "H" and deep.delta_target(2) == "a"


def test_a_bias_is_a_bias_by_its_meaning_whatever_its_name():
    d = derive(catalogue.load("rnn-tanh"))
    named_like_a_weight = ir.Var("W_extra", (2, 1), "param", meaning=ir.Meaning("bias", of="hidden"))
    named_like_a_bias = ir.Var("b_h", (2, 2), "param", meaning=ir.Meaning("weight", of="hidden", source="input"))
    for var, want in ((named_like_a_weight, True), (named_like_a_bias, False)):
        eq = Equation(Label.gradient(var.name), ir.Adjoint(var), ir.Adjoint(var), "gradient", "generic", node=var.name)
        assert _is_bias(Context(d, eq)) is want


def test_the_memory_cell_is_found_by_its_meaning():
    d = derive(catalogue.load("lstm"))
    grad = d.generic_gradients[0]
    mutants = list(lstm_cell_path_dropped(Context(d, grad)))
    assert mutants and all("C" in str(m.where) for m in mutants)
