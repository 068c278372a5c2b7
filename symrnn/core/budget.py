"""A time budget for a piece of work: a deadline per thread, checked cooperatively.

Whoever bounds the work opens ``within(deadline)`` (a ``time.monotonic()`` value); long loops call
:func:`spent` between their steps, naming the step, and a step that cannot be stopped half-way is
preceded by :func:`afford`. Past the deadline the work ends with :class:`BudgetExceeded` (a
:class:`~.errors.LimitError`), so nothing half-built is kept. With no deadline open both are
no-ops. The command line opens one for every command (``--time-limit``); a check opens its own
inside it (the smaller deadline wins).

The deadline is a context variable: a check abandoned in another thread, or running beside this
one in a server, can never leave its deadline on this one (a process-wide value did, and every
later check in the process then ran out of time at once).
"""

from __future__ import annotations

import contextlib
import contextvars
import time

from ..i18n import N_, _
from .errors import LimitError

DERIVING = N_("deriving the equations")
PROVING = N_("proving the equations")
EXAM_VERSIONS = N_("drawing the exam's versions")
STRESS = N_("stress-testing a problem family")
"""Steps named by the checkpoints of modules outside the command line (message ids)."""

_DEADLINE: contextvars.ContextVar[float | None] = contextvars.ContextVar("symrnn_deadline", default=None)


class BudgetExceeded(LimitError):
    """The time budget ran out; ``step`` names what was under way (translated), when known."""

    def __init__(self, message: str, step: str | None = None):
        super().__init__(message)
        self.step = step


@contextlib.contextmanager
def within(deadline: float | None):
    """Run the block with ``deadline`` (or None for no limit of its own); an enclosing one still holds."""
    previous = _DEADLINE.get()
    token = _DEADLINE.set(deadline if previous is None or deadline is None else min(previous, deadline))
    try:
        yield
    finally:
        _DEADLINE.reset(token)


def current() -> float | None:
    """The deadline in force in this thread, or None."""
    return _DEADLINE.get()


def remaining() -> float | None:
    """Seconds left before the deadline (at least 0), or None without one."""
    deadline = _DEADLINE.get()
    return None if deadline is None else max(0.0, deadline - time.monotonic())


def spent(what: str) -> None:
    """Refuse when the budget is spent, naming the step (a message id, translated here) that was under way."""
    deadline = _DEADLINE.get()
    if deadline is not None and time.monotonic() > deadline:
        step = _(what)
        raise BudgetExceeded(_("the time limit ran out while {step}").format(step=step), step)


def afford(seconds: float, what: str) -> None:
    """Refuse before a step expected to take ``seconds`` (measured on a like step) when less is left."""
    deadline = _DEADLINE.get()
    if deadline is not None and time.monotonic() + seconds > deadline:
        step = _(what)
        raise BudgetExceeded(_("the time limit would run out while {step} (it takes about {seconds} s here)").format(
            step=step, seconds=f"{seconds:.1f}"), step)
