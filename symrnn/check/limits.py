"""Limits on typed answers and on checking, in one place, each with its rejection message.

Every limit is checked before the expensive step it protects: length, characters, commands
and bracket depth before lark runs; tree depth before the tree is walked; exponents and sizes
while building; evaluation time cooperatively inside the evaluator (``numeric.evaluate``).
"""

from __future__ import annotations

from ..core.errors import LimitError

MAX_LENGTH = 2000
"""Longest answer, in characters."""

MAX_DEPTH = 40
"""Deepest nesting of brackets in an answer."""

MAX_TREE_DEPTH = 120
"""Deepest parse tree (long chains of unary minus, postfix operators)."""

MAX_NODES = 3000
"""Largest parse tree, in nodes."""

MAX_NUMBER_DIGITS = 12
"""Longest number literal."""

MAX_EXPONENT = 64
"""Largest constant in an exponent or time index (``(W^T)^{T-i}`` is fine; ``W^{99999}`` is not)."""

MAX_SCALAR = 10**12
"""Largest number a power of numbers may produce (``9^{9}`` is fine; ``9**9**9**9`` is not)."""

MAX_ELEMENTWISE_POWER = 8
"""Largest elementwise power (``h_t^2``)."""

MAX_CHECK_SIZE = 64
"""Largest layer size, batch or sequence length a check evaluates at."""

TIME_LIMIT = 5.0
"""Seconds one check may spend evaluating before it is refused."""

MEMORY_LIMIT = 2 * 1024**3
"""Bytes of address space a grading worker process may add to what it maps when it starts
(``resource.RLIMIT_AS``; one check needs a few tens of megabytes)."""

FUNCTION_CPU_SECONDS = 10
"""CPU seconds a person's function file may use in its own process (loading and every draw;
``RLIMIT_CPU``: SIGXCPU, then SIGKILL a second later)."""

FUNCTION_WALL_SECONDS = 30.0
"""Wall-clock seconds before the function's process group is killed (a sleeping or blocked function)."""

FUNCTION_MEMORY = 1024**3
"""Bytes of address space of the function's process (``RLIMIT_AS``; Python and NumPy map about 0.3 GB)."""

FUNCTION_FILE_MAX = 1024 * 1024
"""Largest function file accepted, in bytes."""

GRADE_RETRIES = 3
"""Times a row whose grading worker died is graded again on a fresh worker before it is reported ungraded."""


__all__ = [
    "FUNCTION_CPU_SECONDS",
    "FUNCTION_FILE_MAX",
    "FUNCTION_MEMORY",
    "FUNCTION_WALL_SECONDS",
    "GRADE_RETRIES",
    "MAX_CHECK_SIZE",
    "MAX_DEPTH",
    "MAX_ELEMENTWISE_POWER",
    "MAX_EXPONENT",
    "MAX_LENGTH",
    "MAX_NODES",
    "MAX_NUMBER_DIGITS",
    "MAX_SCALAR",
    "MAX_TREE_DEPTH",
    "MEMORY_LIMIT",
    "TIME_LIMIT",
    "LimitError",
]
