"""``symrnn derive --format text|latex`` shows the worked example's given values as well as its results."""

from __future__ import annotations

from symrnn.cli import main
from symrnn.core import catalogue
from symrnn.core.derive import derive
from symrnn.core.values import worked_values
from symrnn.printing.listing import as_latex, as_text, given_values


def test_given_values_are_grouped_by_role_in_the_graphs_order():
    d = derive(catalogue.load("mlp-2-2-2"))
    groups = dict(given_values(d))
    assert groups["inputs"] == [("i1", 0.05), ("i2", 0.1)]
    assert groups["targets"] == [("target_o1", 0.01), ("target_o2", 0.99)]
    assert [n for n, _ in groups["weights and biases"]] == ["w1", "w2", "b1", "w3", "w4", "w5", "w6", "b2", "w7", "w8"]
    assert sum(len(items) for items in groups.values()) == len(d.spec.example.as_dict())


def test_text_and_latex_show_the_givens_and_the_results(capsys):
    d = derive(catalogue.load("mlp-2-2-2"))
    values = worked_values(d)
    text = as_text(d, values)
    assert "given:" in text and "inputs: i1 = 0.05, i2 = 0.1" in text and "w5 = 0.4" in text
    assert text.index("given:") < text.index("results:") < text.index("L = 0.298371109")
    tex = as_latex(d, values)
    assert r"i_{1} = 0.05,\quad i_{2} = 0.1" in tex and r"w_{5} = 0.4" in tex
    assert r"\frac{\partial L}{\partial w_{5}} &= 0.0821670406" in tex
    assert "Worked example" not in as_latex(d)  # without values, no example section
    assert main(["derive", "mlp-2-2-2", "--format", "latex"]) == 0
    assert "% Worked example: given values" in capsys.readouterr().out
