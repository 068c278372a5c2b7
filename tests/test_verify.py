"""symrnn verify: its verdict is the generated code's, not the rounding of finite differences."""

from __future__ import annotations

import numpy as np
import pytest

from symrnn.codegen.verify import FD_FLOOR, relative_error, verify
from symrnn.core.spec import RNNSpec


def test_deep_encoder_decoder_passes_although_some_gradients_are_tiny():
    """A 3-layer LSTM encoder-decoder: the first decoder layer's gradients are ~1e-5 of the rest,
    and a finite difference's rounding alone used to exceed 1e-8 of them (a false FAIL)."""
    spec = RNNSpec("ed3", "lstm", 2, 2, 2, shape="encoder-decoder", layers=3, steps=3)
    report = verify(spec, use_torch=False)
    assert report.passed, report.table()


def test_the_floor_only_forgives_errors_that_are_small_against_the_whole_gradient():
    tiny, reference = np.array([1e-6]), np.array([1e-6 + 1e-13])
    assert relative_error(tiny, reference) > 1e-8
    assert relative_error(tiny, reference, FD_FLOOR * 1.0) < 1e-8
    assert relative_error(np.array([1.0]), np.array([1.0 + 1e-6]), FD_FLOOR * 1.0) > 1e-8


def test_a_sampled_finite_difference_is_judged_on_its_entries_within_its_own_error_bound():
    import numpy as np
    import pytest

    from symrnn.codegen.verify import relative_error

    value = np.array([[2.0, 5.0]])
    sampled = np.array([[2.0 + 1e-6, np.nan]])  # the second entry was not differenced
    assert relative_error(value, sampled) == pytest.approx(1e-6 / (2.0 + 1e-6))
    assert relative_error(value, sampled, allowance=np.array([[2e-6, 0.0]])) == 0.0
    assert relative_error(value, sampled, allowance=np.array([[4e-7, 0.0]])) == pytest.approx(6e-7 / (2.0 + 1e-6))
    assert relative_error(np.array([[np.nan, 5.0]]), sampled) == float("inf")


def test_verify_passes_at_its_cap():
    """A 4-layer LSTM, 256 wide, T = 32 (the largest verify accepts in its work budget) used to
    FAIL: drawn with every weight of scale 0.5, its gates saturated, gradients reached 4e5 and the
    difference quotients went the wrong way at every step size tried. Drawn as a network is
    initialised (the scale shrinks as 1/sqrt(width)), autograd and torch.nn agree to 1e-15 and
    finite differences settle."""
    spec = RNNSpec("cap", "lstm", 256, 256, 256, layers=4, steps=32, notation="row", batch=2)
    report = verify(spec)
    assert report.passed, report.table()
    assert report.undecided[0] == 0, report.table()
    assert max(e for _, errors in report.rows for o, e in errors.items() if o != "finite diff") < 1e-12


def test_draws_shrink_with_the_width_and_small_networks_draw_as_before():
    from symrnn.core import catalogue
    from symrnn.oracles.reference import draw, param_shapes

    small = catalogue.load("lstm")
    params, _, _ = draw(small, 2, 3, np.random.default_rng(5))
    rng = np.random.default_rng(5)
    assert all(np.array_equal(params[k], rng.normal(scale=0.5, size=s)) for k, s in param_shapes(small).items())
    wide = RNNSpec("wide", "rnn", 256, 256, 256, steps=2)
    params, _, _ = draw(wide, 2, 2, np.random.default_rng(5))
    assert 0.05 < float(np.std(params["W_hh"])) < 0.075  # 0.5 * sqrt(4 / 256) = 0.0625


def test_finite_differences_that_do_not_settle_do_not_judge():
    """Entry 0 settles (its change falls 256-fold per fourfold step); entry 1 does not (the
    difference quotient wanders): its bound is infinite and it is counted, not failed."""
    from symrnn.codegen.verify import fd_bounds

    fd = {"W": np.array([1.0 + 1e-12, 3.0, np.nan])}
    coarse = {"W": np.array([1.0 + 256e-12, -1.0, np.nan])}
    coarser = {"W": np.array([1.0 + 65536e-12, 2.0, np.nan])}
    bound, undecided = fd_bounds(fd, coarse, coarser, rounding=1e-16)
    assert undecided == (1, 2)
    assert bound["W"][0] == pytest.approx(2 * 255e-12 + 4e-16, rel=1e-4)
    assert bound["W"][1] == np.inf
