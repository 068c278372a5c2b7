"""symrnn verify: its verdict is the generated code's, not the rounding of finite differences."""

from __future__ import annotations

import numpy as np

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
