"""The seed's worked example and its chain-rule view, path by path."""

from __future__ import annotations

import pytest

from symrnn.core import catalogue
from symrnn.core.derive import derive
from symrnn.core.errors import LimitError, UnknownName
from symrnn.core.paths import chain_view
from symrnn.core.values import worked_values
from symrnn.printing.plain import plain

# The well-known numbers of this example (Mazur, "A step by step backpropagation example").
KNOWN = {
    "out_h1": 0.593269992, "out_o1": 0.75136507, "E_o1": 0.274811083, "L": 0.298371109,
    "w5": 0.082167041, "w1": 0.000438568, "w7": -0.022602540,
}


@pytest.fixture(scope="module")
def seed():
    return derive(catalogue.load("mlp-2-2-2"))


def test_worked_example_matches_the_published_numbers(seed):
    values = worked_values(seed)
    assert values.forward["out_h1"] == pytest.approx(KNOWN["out_h1"], abs=1e-9)
    assert values.forward["out_o1"] == pytest.approx(KNOWN["out_o1"], abs=1e-8)
    assert values.forward["E_o1"] == pytest.approx(KNOWN["E_o1"], abs=1e-9)
    assert values.loss == pytest.approx(KNOWN["L"], abs=1e-9)
    for w in ("w5", "w1", "w7"):
        assert values.gradients[w] == pytest.approx(KNOWN[w], abs=1e-9)


def test_dl_dw5_is_the_seed_s_three_factor_product(seed):
    view = chain_view(seed, "w5")
    assert len(view.paths) == 1
    formulas = [plain(f.formula) for f in view.paths[0].factors if plain(f.formula) != "1"]
    assert formulas == ["-(target_o1 - out_o1)", "out_o1 * (1 - out_o1)", "out_h1"]
    assert float(view.value) == pytest.approx(KNOWN["w5"], abs=1e-9)


def test_dl_dout_h1_has_two_paths_one_per_output_error(seed):
    view = chain_view(seed, "out_h1")
    assert len(view.paths) == 2
    assert [p.factors[0].wrt.name for p in view.paths] == ["E_o1", "E_o2"] or [p.factors[1].wrt.name for p in view.paths] == ["out_o1", "out_o2"]
    assert float(view.value) == pytest.approx(0.036350306, abs=1e-9)


def test_path_sums_equal_the_matrix_level_gradient_for_every_weight(seed):
    values = worked_values(seed)
    for name, value in values.gradients.items():
        assert float(chain_view(seed, name).value) == pytest.approx(value, rel=1e-12), name


def test_rnn_weight_entry_paths_sum_to_the_gradient():
    d = derive(catalogue.load("rnn-tanh"), 2)
    view = chain_view(d, "W_hh", (0, 1))
    from symrnn.core.prove import prove

    report = prove(d)
    assert report.passed
    assert len(view.paths) > 1


def test_scalar_rnn_paths_show_the_powers_of_w():
    d = derive(catalogue.load("rnn-scalar"), 4)
    view = chain_view(d, "w_hh")
    counts = sorted(sum(1 for f in p.factors if plain(f.formula) == "w_hh") for p in view.paths)
    assert counts == [0, 1, 2, 3]  # one path per step, through w_hh^(T-k)


def test_unknown_quantity_and_bad_entry():
    d = derive(catalogue.load("rnn-tanh"), 2)
    with pytest.raises(UnknownName, match="W_hh"):
        chain_view(d, "W_xx")
    with pytest.raises(UnknownName, match="outside"):
        chain_view(d, "W_hh", (5, 0))


def test_too_many_paths_are_refused():
    from symrnn.core.spec import RNNSpec

    d = derive(RNNSpec("wide", "rnn", 2, 4, 2, steps=6))
    with pytest.raises(LimitError, match="paths"):
        chain_view(d, "W_hx", (0, 0))


def test_a_tanh_worked_example_is_carried_as_numbers_so_its_cost_is_linear_in_T():
    """tanh(3/8) has no rational value: carried exactly, each step nested the last one's expression
    (T = 4 took minutes). The example is evaluated to 50 digits, and agrees with the 50-digit
    evaluator of the instance at the same point."""
    import numpy as np
    import sympy

    from symrnn.core import evaluate as numeric
    from symrnn.core import ir
    from symrnn.core.spec import load_spec_text

    T = 8
    lines = ['name = "tanh-ex"', 'network = "rnn"', 'cell = "rnn"', 'activation = "tanh"', "input_size = 1",
             "hidden_size = 2", "output_size = 1", f"steps = {T}", "[example]", "W_hx = [[0.5], [-0.3]]",
             "W_hh = [[0.4, -0.2], [0.1, 0.3]]", "b_h = [[0.1], [-0.1]]", "W_qh = [[0.7, -0.5]]", "b_q = 0.05",
             "h_0 = [[0.0], [0.0]]"]
    lines += [f"x_{t} = {0.1 * t - 0.4:.1f}\ny_{t} = {0.3 - 0.05 * t:.2f}" for t in range(1, T + 1)]
    d = derive(load_spec_text("\n".join(lines)))
    values = worked_values(d)
    for key, matrix in values.exact.items():
        assert all(isinstance(v, sympy.Float) or v.is_Integer for v in matrix), (key, matrix)
    point = {numeric.key_of(v, None if v.time is None else int(v.time)): m for v, m in values.exact.items()
             if isinstance(v, ir.Var) and (v.role == "param" or v in d.graph.leaves)}
    inst = numeric.instance_from_values(d, {k: np.array(m.tolist(), dtype=object) for k, m in point.items()}, "mp")
    for name, grad in numeric.Instance.gradients(inst).items():
        assert np.allclose(numeric.as_float(grad), np.array(values.gradients[name], dtype=float).reshape(grad.shape),
                           rtol=1e-12, atol=1e-14), name
