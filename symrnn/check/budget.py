"""One time budget for a whole check: the set-up (derivations, instances, mutants) and the verdict.

``check_answer`` opens ``within(deadline)``; the set-up steps call :func:`spent` between their
parts and draw instances with :func:`instance`, whose evaluation stops cooperatively at the
deadline. Past it the check ends with a :class:`LimitError` naming what was being done; nothing
half-built is cached (the problem cache keeps only finished problems).
"""

from __future__ import annotations

import time

from ..core import evaluate as numeric
from ..core.budget import BudgetExceeded, current, within
from ..i18n import N_, _

__all__ = ["current", "instance", "instance_from", "spent", "within"]


def spent(what: str) -> None:
    """Refuse when the budget is spent, naming the step that was under way."""
    deadline = current()
    if deadline is not None and time.monotonic() > deadline:
        raise BudgetExceeded(_("the time limit ran out while {step}; a smaller spec (sizes, steps) checks faster").format(step=_(what)), _(what))


def afford(seconds: float, what: str) -> None:
    """Refuse before a step that is expected to take ``seconds`` (measured on a like step) when
    less than that is left: a derivation cannot be stopped half-way."""
    deadline = current()
    if deadline is not None and time.monotonic() + seconds > deadline:
        raise BudgetExceeded(_("the time limit would run out while {step} (it takes about {seconds} s here); "
                              "a smaller spec (sizes, steps) checks faster").format(step=_(what), seconds=f"{seconds:.1f}"), _(what))


def instance(derivation, seed: int, arithmetic: str) -> numeric.Instance:
    """An instance drawn within the budget (its later evaluations are not bound by it)."""
    spent(N_("drawing values"))
    inst = numeric.make_instance(derivation, seed=seed, arithmetic=arithmetic, deadline=current())
    inst.deadline = None
    spent(N_("evaluating the network on drawn values"))
    return inst


def instance_from(derivation, values: dict, arithmetic: str) -> numeric.Instance:
    """An instance at given values (the worked example), evaluated within the budget."""
    spent(N_("reading the worked example"))
    inst = numeric.Instance(derivation, numeric.ARITHMETICS[arithmetic], -1, deadline=current())
    inst.values.update(values)
    with numeric.precision(inst.arithmetic):
        numeric.forward(inst)
        numeric.backward(inst)
    inst.deadline = None
    spent(N_("evaluating the worked example"))
    return inst
