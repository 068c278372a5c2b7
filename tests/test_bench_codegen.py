"""The codegen benchmark's own logic: the jax column is optional, ratios name the best peer, and
every table carries the machine it ran on."""

from __future__ import annotations

import sys

from benchmarks import bench_codegen, machine


def test_without_a_jax_environment_the_column_is_skipped_with_a_reason(monkeypatch):
    monkeypatch.delenv("SYMRNN_BENCH_JAX_PYTHON", raising=False)
    assert bench_codegen.find_jax(None)[0] is None and "--jax-python" in bench_codegen.find_jax(None)[1]
    python, why = bench_codegen.find_jax("/nonexistent/python")
    assert python is None and "cannot be run" in why
    python, why = bench_codegen.find_jax(sys.executable)  # this interpreter has no jax
    assert (python is None and "cannot import jax" in why) or python == sys.executable


def test_the_best_peer_is_the_fastest_of_the_four_and_the_floor_is_no_peer():
    t = {"generated": 2.0, "hand": 3.0, "eager": 5.0, "torch.nn": 4.0, "jax.jit": 1.0, "floor": 0.5}
    row = bench_codegen.table_row("lstm", (1, 2, 2, 5), t)
    assert row["best_peer"] == "jax.jit" and row["gen_over_best_peer"] == 2.0 and row["gen_over_floor"] == 4.0
    del t["jax.jit"]
    assert bench_codegen.table_row("lstm", (1, 2, 2, 5), t)["best_peer"] == "hand"
    lines = bench_codegen.markdown([bench_codegen.table_row("lstm", (1, 2, 2, 5), t)], tuple(t))
    assert lines[0].startswith("| cell | B, D, H, T | generated ms") and lines[2].endswith("| hand | 0.67 | 4.00 |")


def test_the_machine_label_names_the_cpu_the_blas_and_the_versions():
    text = machine.label()
    assert machine.cpu_model() in text and "logical cores" in text and "NumPy" in text and "Python" in text
    assert "BLAS" in text or "kernel" in text or "no BLAS" in text
