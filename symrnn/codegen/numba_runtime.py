"""The helper functions a numba module defines: the NumPy module's, and compiled forms of the rest.

A numba module runs two kinds of code: the argument reading in Python (``_param``, ``_sizes``,
``_sequence``: the NumPy module's helpers, unchanged) and the compiled passes, which call the
activations' helpers (their NumPy source compiles as written), ``_half_sq``, and the helpers below,
written for numba: a step range stacked as rows (a copy when the array is a gate's view, which
numba cannot reshape), a step range written from such rows (what ``np.matmul(out=)`` and
``_steps(a, lo, hi)[:] = ...`` do in the NumPy module), sums that keep a dimension (loops: numba
compiles ``x.sum(axis=0)`` six times slower), and the softmax row by row. :func:`module_helpers` picks, for the code a module holds, each helper it
calls (with what those call) and whether it is compiled.
"""

from __future__ import annotations

import re

from ..printing.numba_code import COMPILED_HELPERS
from ..printing.numpy_code import CodegenError
from .runtime import HELPERS

_INTO = '''def {name}(a, lo, hi, value):
    """Steps lo..hi of ``a`` {verb} ``value``: its rows as ``_steps`` stacks them (one row: every step)."""
    B, n, rows = a.shape[1], a.shape[2], value.shape[0]
    for s in range(hi - lo + 1):
        for b in range(B):
            r = (s * B + b) % rows
            for j in range(n):
                a[lo + s, b, j] {op} value[r, j]
'''

NUMBA_HELPERS: dict[str, tuple[tuple[str, ...], str]] = {
    # name: (helpers it calls, source numba compiles)
    "_steps": ((), '''def _steps(a, lo, hi):
    """Steps lo..hi of a time-indexed array stacked as rows, ((hi - lo + 1) * B, n): a view, or a copy of a gate's view."""
    return np.ascontiguousarray(a[lo:hi + 1]).reshape(-1, a.shape[-1])
'''),
    "_set_steps": ((), _INTO.format(name="_set_steps", verb="set to", op="=")),
    "_add_steps": ((), _INTO.format(name="_add_steps", verb="plus", op="+=")),
    "_sub_steps": ((), _INTO.format(name="_sub_steps", verb="minus", op="-=")),
    "_sum_rows": ((), '''def _sum_rows(x):
    """The sum of the rows of x, as one row (1, n): a sum over the examples (and the steps stacked)."""
    out = np.zeros((1, x.shape[1]), x.dtype)
    for i in range(x.shape[0]):
        for j in range(x.shape[1]):
            out[0, j] += x[i, j]
    return out
'''),
    "_sum_cols": ((), '''def _sum_cols(x):
    """The sum of each row of x, as a column (m, 1)."""
    out = np.zeros((x.shape[0], 1), x.dtype)
    for i in range(x.shape[0]):
        for j in range(x.shape[1]):
            out[i, 0] += x[i, j]
    return out
'''),
    "_softmax": ((), '''def _softmax(x):
    """Softmax over the last axis (each example's row), shifted by the row maximum."""
    out = np.empty(x.shape, x.dtype)
    for i in range(x.shape[0]):
        e = np.exp(x[i] - np.max(x[i]))
        out[i] = e / np.sum(e)
    return out
'''),
    "_log_softmax": ((), '''def _log_softmax(x):
    """Log-softmax over the last axis, row by row, shifted by the row maximum."""
    out = np.empty(x.shape, x.dtype)
    for i in range(x.shape[0]):
        z = x[i] - np.max(x[i])
        out[i] = z - np.log(np.sum(np.exp(z)))
    return out
'''),
}
"""The helpers whose NumPy form numba does not compile, in a form it does."""


def _called(code: str, table) -> set[str]:
    return {name for name in table if re.search(rf"(?<![\w.]){name}\(", code)}


def _closure(names: set[str], needs) -> set[str]:
    todo, found = list(names), set()
    while todo:
        name = todo.pop()
        if name not in found:
            found.add(name)
            todo.extend(needs(name))
    return found


def compiled_source(name: str) -> tuple[tuple[str, ...], str]:
    """``(helpers it calls, source)`` of a helper compiled code calls; refuses one without a compiled form."""
    if name not in COMPILED_HELPERS:
        raise CodegenError(f"numba backend: the helper {name}() is not supported in compiled code")
    return NUMBA_HELPERS.get(name) or HELPERS[name]


def module_helpers(python_code: str, compiled_code: str) -> tuple[tuple[str, bool], ...]:
    """``(source, compiled)`` of every helper the module calls: the Python ones, then the compiled ones.

    A helper compiled code calls is compiled, in its compiled form, with what it calls; the Python
    code's helpers are the NumPy module's (none is called from both sides)."""
    table = {**HELPERS, **NUMBA_HELPERS}
    compiled = _closure(_called(compiled_code, table), lambda n: compiled_source(n)[0])
    python = _closure(_called(python_code, HELPERS), lambda n: HELPERS[n][0])
    both = sorted(compiled & python)
    if both:
        raise CodegenError(f"numba backend: the helper {both[0]}() is called both in Python and compiled code")
    return (tuple((HELPERS[n][1], False) for n in HELPERS if n in python)
            + tuple((compiled_source(n)[1], True) for n in table if n in compiled))


__all__ = ["NUMBA_HELPERS", "compiled_source", "module_helpers"]
