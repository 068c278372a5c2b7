"""Size limits, in one place, so that every refusal names the same numbers."""

from __future__ import annotations

MAX_SIZE = 4096
"""Largest layer size a spec may declare (the matrix-level derivation does not depend on it)."""

MAX_STEPS = 1000
"""Largest sequence length T for a matrix-level derivation. The cost is linear in T: measured on a
shared 2-core AMD EPYC (CPU time, ``python -m benchmarks.bench_core``), lstm derives in 1.1 s at
T = 250, 2.2 s at T = 500 and 4.6 s at T = 1000; gru-torch 0.9, 1.9 and 4.2 s."""

MAX_UNROLLED_STEPS = 1000
"""Largest layers x T of a derivation (a cell step costs about the same in any layer: 1,000 LSTM
steps take about 5 s); a 16-layer LSTM unrolled 1,000 times would take over a minute."""

REPORT_MAX_STEPS = 20
"""Largest T of a report: every unrolled equation is typeset, and a teacher reads them."""

VERIFY_MAX_SIZE = 256
"""Largest layer size (and batch) of the numeric verification of generated code against the oracles."""

VERIFY_MAX_WORK = 2**24
"""Largest batch x (largest size)^2 x layers x T of a numeric verification: the work of a forward
pass, which every oracle repeats. Measured with ``python -m benchmarks.bench_cost`` (shared 2-core
AMD EPYC, load about 4): at 2 x 256^2 x 4 x 20 = 10.5 M (issue 16's LSTM) verify takes 147 s for
lstm, 41 s for rnn and 39 s for gru-torch; at the cap, 1.6 times that (lstm 256, 4, T = 32), it took
52 to 80 s at load 2, inside verify's default 600 s budget (an unbounded 16-layer T = 62 LSTM would
have taken over an hour)."""


REPORT_MAX_TEST_WORK = 2**25
"""The same work, summed over the three draws on which a report tests the generated code: issue 16's
LSTM (3 x 10.5 M) is admitted, and its report took 372 s at load 3.4, inside the report's default
900 s budget; a larger one is refused at once, with --no-tests named."""


def verify_size(spec, batch: int) -> int:
    """The largest size (or batch) :data:`VERIFY_MAX_SIZE` bounds."""
    return max(*(spec.sizes if not spec.recurrent else (spec.input_size, spec.hidden_size, spec.output_size)), batch)


def verify_work(spec, batch: int) -> int:
    """The work :data:`VERIFY_MAX_WORK` bounds, for ``spec`` verified on ``batch`` examples."""
    if not spec.recurrent:
        return batch * max(spec.sizes) ** 2 * len(spec.sizes)
    size = max(spec.input_size, spec.hidden_size, spec.output_size)
    return batch * size**2 * spec.layers * spec.steps

MAX_LAYERS = 16
"""Largest number of stacked recurrent layers."""

MAX_BATCH = 4096
"""Largest batch size a row-notation spec may declare."""

PROVE_MAX_SIZE = 4
"""Element-level proofs instantiate every entry: sizes above this are refused."""

PROVE_MAX_STEPS = 6
"""Element-level proofs instantiate every step: T above this is refused."""

PROVE_MAX_SCALARS = 4000
"""Element-level proofs refuse graphs with more scalar nodes than this."""

EXPANDED_ORACLE_MAX_OPS = 600
"""Graphs whose fully inlined loss has at most this many operations (counted as a tree) are also
checked against sympy.diff of that loss; larger ones use the element-level chain rule only
(both oracles are sympy.diff based). Measured here: rnn-tanh at T = 3 counts 443 and its
expanded oracle takes 2.6 s; a column GRU with hidden 2 at T = 2 counts 1,507 and takes 27 s."""

MAX_EXAM_VARIANTS = 1000
"""Versions of one exam. Measured here (2-core machine): 1,000 versions x 8 families draw and
render in memory in about 10 s (``symrnn exam --benchmark --variants 1000``)."""

MAX_STRESS_VARIANTS = 10_000
"""Draws of a stress test: 1,000 draws of every family take about 7 s here, so 10,000 about 70 s."""

MAX_WORKERS = 64
"""Worker processes of ``symrnn grade``; never more than the machine's cores or the rows to grade."""
