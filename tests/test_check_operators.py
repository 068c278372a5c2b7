"""Every operator of the answer language read against its meaning, on drawn non-square matrices.

Hypothesis builds random expressions over rnn-linear's quantities at input 3, hidden 4,
output 2 (so no transpose can hide behind a square shape), each written with a random choice
of spellings (``@``/juxtaposition/``\\cdot``, ``*``/``\\odot``, ``.T``/``^\\top``/``^T``,
parentheses/``\\left( \\right)``/D2L's brace groups, U+2212 for minus, powers of powers), and
with its meaning computed directly in NumPy from the same instance. The checker's reading,
evaluated, must equal the NumPy value.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symrnn.check.evaluate import problem
from symrnn.check.parse import AnswerError
from symrnn.check.shapes import read
from symrnn.core import catalogue
from symrnn.core import evaluate as numeric


class Sized:
    """rnn-linear at input 3, hidden 4, output 2 (shown by name only: hypothesis prints its arguments)."""

    def __init__(self):
        setting = problem(catalogue.load("rnn-linear"), "W_hh").settings["sizes"]
        self.table, self.inst = setting.table, setting.instance
        self.leaves = _leaves(self.inst)

    def __repr__(self) -> str:
        return "Sized(rnn-linear 3-4-2)"


@pytest.fixture(scope="module")
def sized():
    return Sized()


def _leaves(inst):
    v = inst.values
    return {
        "W_hh": ("W_hh", r"\mathbf{W}_{hh}", v[("W_hh", None, None)]),
        "W_hx": ("W_hx", r"\mathbf{W}_\textrm{hx}", v[("W_hx", None, None)]),
        "W_qh": ("W_qh", r"W_{\text{qh}}", v[("W_qh", None, None)]),
        "W_qh2": ("W_qh", r"\mathbf{W}_\mathrm{qh}", v[("W_qh", None, None)]),
        "h1": ("h[1]", r"\mathbf{h}_1", v[("h", None, 1)]),
        "h2": ("h[2]", r"h_{2}", v[("h", None, 2)]),
        "x3": ("x[3]", r"\mathbf{x}_{3}", v[("x", None, 3)]),
        "o2": ("o[2]", r"\mathbf{o}_2", v[("o", None, 2)]),
        "dh2": ("dL_dh[2]", r"\frac{\partial L}{\partial \mathbf{h}_2}", inst.adjoints[("h", None, 2)]),
    }


MATMUL = ["<a> @ <b>", "<a> <b>", r"<a> \cdot <b>"]
HADAMARD = ["<a> * <b>", r"<a> \odot <b>", r"<a> \circ <b>"]
TRANSPOSE = ["<a>.T", r"<a>^\top", "<a>^T", r"<a>^{\top}"]
GROUP = ["(<a>)", r"\left(<a>\right)", "{<a>}"]
MINUS = ["<a> - <b>", "<a> \u2212 <b>"]


def fill(form: str, a: str, b: str = "") -> str:
    return form.replace("<a>", a).replace("<b>", b)


@st.composite
def expression(draw, leaves, shape=None, depth=3):
    """``(text, value)`` of a random expression with the given shape (any shape when None)."""
    latex = draw(st.booleans())
    pick = 1 if latex else 0
    atoms = [(name, spec) for name, spec in leaves.items() if shape is None or spec[2].shape == shape]
    atoms_t = [(name, spec) for name, spec in leaves.items() if shape is not None and spec[2].shape == shape[::-1]]
    choices = ["atom"] * bool(atoms) + ["atom_t"] * bool(atoms_t)
    if depth > 0:
        choices += ["add", "sub", "hadamard", "matmul", "scale", "neg"]
        if shape in (None, (4, 4)):
            choices += ["power"]
    if not choices:
        return _outer(leaves, shape, pick)
    kind = draw(st.sampled_from(choices))
    if kind == "atom":
        _, spec = draw(st.sampled_from(atoms))
        return spec[pick], spec[2]
    if kind == "atom_t":
        _, spec = draw(st.sampled_from(atoms_t))
        return fill(draw(st.sampled_from(TRANSPOSE)), _group(draw, spec[pick])), spec[2].T
    if kind == "power":
        a, b = draw(st.integers(0, 3)), draw(st.integers(1, 3))
        base = draw(st.sampled_from([("W_hh", r"\mathbf{W}_{hh}", leaves["W_hh"][2]),
                                     ("W_hh.T", r"\mathbf{W}_{hh}^\top", leaves["W_hh"][2].T)]))
        inner = f"{_group(draw, base[pick])}^{{{a}}}"
        value = np.linalg.matrix_power(np.linalg.matrix_power(base[2], a), b)
        return f"{_group(draw, inner)}^{{{b}}}", value
    if shape is None:
        shape = draw(st.sampled_from([(4, 1), (4, 4), (2, 1), (4, 3), (1, 4)]))
    if kind in ("add", "sub", "hadamard"):
        ta, va = draw(expression(leaves, shape, depth - 1))
        tb, vb = draw(expression(leaves, shape, depth - 1))
        form = {"add": ["<a> + <b>"], "sub": MINUS, "hadamard": HADAMARD}[kind]
        value = {"add": va + vb, "sub": va - vb, "hadamard": va * vb}[kind]
        return _group(draw, fill(draw(st.sampled_from(form)), _group(draw, ta), _group(draw, tb))), value
    if kind == "scale":
        ta, va = draw(expression(leaves, shape, depth - 1))
        num, text = draw(st.sampled_from([(2.0, "2"), (0.5, r"\frac{1}{2}"), (0.25, "0.25")]))
        return _group(draw, f"{text} {_group(draw, ta)}"), num * va
    if kind == "neg":
        ta, va = draw(expression(leaves, shape, depth - 1))
        return _group(draw, f"-{_group(draw, ta)}"), -va
    inner = draw(st.sampled_from([1, 2, 3, 4]))
    ta, va = draw(expression(leaves, (shape[0], inner), depth - 1))
    tb, vb = draw(expression(leaves, (inner, shape[1]), depth - 1))
    return _group(draw, fill(draw(st.sampled_from(MATMUL)), _group(draw, ta), _group(draw, tb))), va @ vb


COLUMNS = {4: "h1", 3: "x3", 2: "o2"}


def _outer(leaves, shape, pick):
    """A shape no atom has, at depth 0: a column times a row (``o_2^T o_2`` for 1x1)."""
    r, c = shape
    col = {n: leaves[name] for n, name in COLUMNS.items()}
    if (r, c) == (1, 1):
        return f"({col[2][pick]})^T ({col[2][pick]})", col[2][2].T @ col[2][2]
    if r == 1:
        return f"({col[c][pick]})^T", col[c][2].T
    if c == 1:
        return col[r][pick], col[r][2]
    return f"({col[r][pick]}) ({col[c][pick]})^T", col[r][2] @ col[c][2].T


def _group(draw, text: str) -> str:
    return fill(draw(st.sampled_from(GROUP)), text)


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_every_operator_reads_as_its_meaning_on_drawn_matrices(sized, data):
    table, inst = sized.table, sized.inst
    text, want = data.draw(expression(sized.leaves))
    try:
        expr = read(text, table)
    except AnswerError as err:  # only a product that needs shapes the generator cannot make
        assert "cannot multiply" in err.problem or "power" in err.problem, (text, err)
        return
    got = numeric.evaluate(expr, inst)
    np.testing.assert_allclose(np.asarray(got, dtype=float), want, rtol=1e-10, atol=1e-12, err_msg=text)


def test_a_power_of_a_power_multiplies_the_exponents(sized):
    table, inst = sized.table, sized.inst
    w = inst.values[("W_hh", None, None)]
    for text in ("(W_hh^{2})^{3}", r"{\left(\mathbf{W}_{hh}^{2}\right)}^{3}", "((W_hh^2)^3)^2"):
        k = 12 if text.endswith("^2") else 6
        np.testing.assert_allclose(numeric.evaluate(read(text, table), inst), np.linalg.matrix_power(w, k), rtol=1e-10)


def test_a_huge_number_is_refused_with_its_column_not_an_overflow():
    from symrnn.check import check_answer

    v = check_answer("rnn-linear", "W_hh", "(T T T T T T T T)^{64} W_hh")
    assert v.status == "invalid" and "is too large" in v.message and v.message.startswith("column 19:")
    v = check_answer("rnn-linear", "W_hh", "T T T T T T T T T T T T T T T T T T T T T T T T W_hh")
    assert v.status == "invalid" and "is too large" in v.message


def test_cli_refuses_an_overflowing_answer_in_one_verdict(capsys):
    from symrnn.cli import main

    code = main(["check", "rnn-linear", "--grad", "W_hh", "--answer", "(T T T T T T T T)^{64} W_hh"])
    out = capsys.readouterr()
    assert code == 1 and "Traceback" not in out.err and "verdict:  invalid" in out.out
