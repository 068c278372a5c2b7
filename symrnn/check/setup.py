"""The set-up of a check (derivations, instances, the target on each), inside the check's budget.

``prepared(spec, grad, deadline)`` returns the cached :class:`~.evaluate.Problem`; building it
the first time counts against the same time limit as judging the answer.
"""

from __future__ import annotations

import time

from ..core.errors import LimitError
from ..core.spec import Spec
from .evaluate import Problem, problem


def prepared(spec: Spec, grad: str, deadline: float | None, time_limit: float | None) -> Problem:
    prob = problem(spec, grad)
    if deadline is not None and time.monotonic() > deadline:
        raise LimitError(f"setting up the check took longer than the time limit ({time_limit:g} s)")
    return prob
