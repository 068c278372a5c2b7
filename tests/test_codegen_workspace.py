"""The NumPy module reuses its arrays indexed by step across calls (``_zeros``, issue 14 item 2).

A reused array must be zeroed where the code accumulates into it, must never be what a call
returns, and must not be shared by two threads: each test fails on a module that gets one of
these wrong. Every catalogue network and drawn specs of every cell, shape, loss, target kind and
number of layers (up to 4) are run.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path

import numpy as np
import pytest
from codegen_support import CATALOGUE, compiled, rnn_specs
from hypothesis import given, settings

from symrnn.core import catalogue
from symrnn.oracles.reference import draw


def _call(module, spec, B, T, seed, dtype=np.float64):
    params, inputs, targets = draw(spec, B, T, np.random.default_rng(seed), initial_state=spec.recurrent and seed % 2 == 1)
    steps = T if spec.recurrent else None

    def cast(values):
        return {k: np.asarray(v, dtype) for k, v in values.items()}

    loss, grads = module.gradients(cast(params), cast(inputs), cast(targets), steps=steps)
    return loss, grads, module.forward(cast(params), cast(inputs), steps=steps)


def _copy(result):
    loss, grads, outputs = result
    return loss, {k: v.copy() for k, v in grads.items()}, {k: np.array(v, copy=True) for k, v in outputs.items()}


def _same(a, b) -> bool:
    return (a[0] == b[0] and a[1].keys() == b[1].keys() and all(np.array_equal(a[1][k], b[1][k]) for k in a[1])
            and a[2].keys() == b[2].keys() and all(np.array_equal(a[2][k], b[2][k]) for k in a[2]))


CALLS = ((2, 3, 1, np.float64), (2, 3, 2, np.float64), (3, 4, 3, np.float32), (2, 3, 4, np.float64),
         (2, 3, 1, np.float64), (2, 3, 2, np.float64))
"""(B, T, seed, dtype) of a run of calls: same sizes with and without initial states (odd seeds give
them), then other sizes and dtype, then the first calls again."""


def _reused_arrays_are_zeroed_and_never_returned(spec):
    module = compiled(spec)
    workspace = module.__dict__.get("_WORKSPACE", threading.local()).__dict__
    fresh = []
    for B, T, seed, dtype in CALLS:
        workspace.clear()
        fresh.append(_copy(_call(module, spec, B, T, seed, dtype)))
    workspace.clear()
    results = [_call(module, spec, B, T, seed, dtype) for B, T, seed, dtype in CALLS]
    for i, (got, want) in enumerate(zip(results, fresh)):
        assert _same(got, want), f"{spec}: call {i} {CALLS[i]} differs with the arrays of the calls before it"


@pytest.mark.parametrize("name", CATALOGUE)
def test_catalogue_modules_reuse_arrays_safely(name):
    _reused_arrays_are_zeroed_and_never_returned(catalogue.load(name))


@settings(max_examples=25, deadline=None)
@given(spec=rnn_specs())
def test_drawn_modules_reuse_arrays_safely(spec):
    _reused_arrays_are_zeroed_and_never_returned(spec)


def test_threads_do_not_share_arrays():
    spec = catalogue.load("lstm")
    module = compiled(spec)
    want = {seed: _copy(_call(module, spec, 8, 12, seed)) for seed in range(4)}
    wrong: list[int] = []

    def work(seed):
        for _ in range(30):
            if not _same(_call(module, spec, 8, 12, seed), want[seed]):
                wrong.append(seed)

    threads = [threading.Thread(target=work, args=(seed,)) for seed in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not wrong, f"threads {sorted(set(wrong))} got another thread's numbers"


@pytest.mark.parametrize("name", [n for n in CATALOGUE if catalogue.load(n).recurrent])
def test_each_array_has_its_own_name(name):
    """Two arrays of one call under one name would be one array."""
    source = Path(compiled(catalogue.load(name)).__file__).read_text(encoding="utf-8")
    names = re.findall(r'_zeros\("(\w+)"', source)  # the statements (the helpers name "input KEY")
    assert names and len(names) == len(set(names)), names


@settings(max_examples=25, deadline=None)
@given(spec=rnn_specs())
def test_drawn_modules_name_each_array_once(spec):
    source = Path(compiled(spec).__file__).read_text(encoding="utf-8")
    names = re.findall(r'_zeros\("(\w+)"', source)  # the statements (the helpers name "input KEY")
    assert len(names) == len(set(names)), names
    inputs = re.findall(r'_(?:sequence|initial|one_step)\((?:inputs|targets), "([^"]+)"', source)
    assert len(inputs) == len(set(inputs)), inputs  # their arrays are named "input KEY"


def test_the_numba_module_allocates_its_own_arrays():
    from symrnn.codegen.generate import plan
    from symrnn.core.derive import derive

    program = plan(derive(catalogue.load("rnn-tanh")), workspace=False)
    assert not any('_zeros("' in s.code for s in program.setup + program.adjoint_setup)
