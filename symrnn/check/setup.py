"""The set-up of a check (derivations, instances, the target on each), inside the check's budget.

``prepared(spec, grad, deadline)`` returns the cached :class:`~.evaluate.Problem`; building it
the first time counts against the same time limit as judging the answer.
"""

from __future__ import annotations

from ..core.spec import Spec
from ..i18n import N_
from . import budget
from .evaluate import Problem, problem


def prepared(spec: Spec, grad: str, deadline: float | None, time_limit: float | None) -> Problem:
    with budget.within(deadline):
        prob = problem(spec, grad)
        budget.spent(N_("setting up the check"))
    return prob
