"""Diagnose a wrong answer: which mutants of ``mutations.py`` it equals, and the mistake they name.

``mutant_table(prob)`` evaluates every mutant of a problem on the float settings (cached per
spec and gradient); ``diagnose`` compares an answer's values with each, and ``report_matches``
names the mistake (or reports several coinciding mistakes without a guess).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from ..core import evaluate as numeric
from ..core import ir
from ..core.errors import LimitError, SymrnnError
from ..core.mistakes import MISTAKES
from ..i18n import N_, _
from . import budget
from .evaluate import Problem, Setting, agree, value_of
from .mutations import Mutant, candidates

if TYPE_CHECKING:
    from .verdict import Verdict

MUTANT_SETTINGS = ("float", "float T+1")
"""The settings a mutant is evaluated on (float64 at T and T + 1)."""


@dataclass
class MutantValues:
    mutant: Mutant
    values: dict  # setting name -> the mutant's gradient
    adjoints: dict  # setting name -> the adjoints of the mutated recurrence (None: the true ones)


MUTANT_CACHE: dict = {}


def mutant_table(prob: Problem) -> list[MutantValues]:
    """The mutants of a problem that differ from the truth, with their values (cached)."""
    key = (prob.spec, prob.grad)
    if key in MUTANT_CACHE:
        return MUTANT_CACHE[key]
    out = []
    labels = {eq.label: eq for eq in prob.derivation.generic_adjoints}
    for m in candidates(prob.derivation, prob.equation):
        budget.spent(N_("evaluating the known mistakes"))
        values, adjoints = {}, {}
        try:
            for name in MUTANT_SETTINGS:
                setting = prob.settings.get(name)
                if setting is None:
                    continue
                values[name], adjoints[name] = mutant_value(m, setting, labels)
        except (SymrnnError, ValueError, ArithmeticError, KeyError):
            continue
        if all(agree(values[n], prob.settings[n].truth, "float") for n in values):
            continue
        out.append(MutantValues(m, values, adjoints))
    MUTANT_CACHE[key] = out
    return out


def mutant_value(m: Mutant, setting: Setting, labels: dict) -> tuple[np.ndarray, dict | None]:
    """The mutant's gradient on a setting, and the adjoints its recurrence gives (None: true)."""
    inst = setting.instance
    if m.adjoints:
        changed = dict(m.adjoints)
        eqs = [labels[label] if label not in changed else _with_rhs(labels[label], changed[label]) for label in labels]
        adj = numeric.generic_sweep(inst, eqs, changed=frozenset(changed))
    else:
        adj = None
    return value_of(m.gradient, setting, adjoints=adj), adj


def _with_rhs(eq, rhs):
    return replace(eq, rhs=rhs)


def diagnose(prob: Problem, expr: ir.Expr, values: dict, verdict: Verdict, deadline) -> None:
    """Match the answer against every mutant.

    In the world of a mutant, an adjoint symbol the answer uses (``dL/dh_{t+1}``) stands for
    the adjoint the mistaken recurrence gives: so an answer that expands one step of a
    mistaken recurrence matches that mistake, as does one that writes it out fully.
    """
    names = [n for n in MUTANT_SETTINGS if n in prob.settings]
    if not all(n in values for n in names):
        return
    matches = []
    try:
        table = mutant_table(prob)
    except LimitError as err:
        verdict.feedback = _("Not correct: compare with the counterexample.")
        verdict.teacher_note = _("The known mistakes were not all tried: {reason}.").format(reason=err)
        return
    for mv in table:
        ok = True
        for n in names:
            if mv.adjoints.get(n) is None:
                mine = values[n]
            else:
                try:
                    mine = value_of(expr, prob.settings[n], adjoints=mv.adjoints[n], deadline=deadline, fill=mv.values[n])
                except numeric.EvaluationError:
                    ok = False
                    break
            if not agree(mine, mv.values[n], "float"):
                ok = False
                break
        if ok:
            matches.append(mv)
    report_matches(matches, verdict)


def report_matches(matches: list[MutantValues], verdict: Verdict) -> None:
    """Name the mistake of the matching mutants; several distinct mistakes are reported as coinciding."""
    if not matches:
        verdict.feedback = _("Not correct, and not one of the known mistakes: compare with the counterexample.")
        verdict.teacher_note = _("No catalogued mistake reproduces this answer.")
        return
    ids = list(dict.fromkeys(mv.mutant.mistake for mv in matches))
    verdict.mistakes = ids
    first = matches[0].mutant
    if len(ids) == 1:
        m = MISTAKES[ids[0]]
        verdict.feedback = m.feedback
        verdict.teacher_note = m.teacher_note
        verdict.detail = f"{first.where}: {first.detail}"
    else:
        titles = _(" and ").join(f"'{MISTAKES[i].title}'" for i in ids)
        verdict.feedback = (_("On this problem the mistakes {titles} give the same result, so symrnn cannot tell "
                              "which one was made:").format(titles=titles) + " " + " / ".join(MISTAKES[i].feedback for i in ids))
        verdict.teacher_note = _("Coinciding mistakes:") + " " + "; ".join(f"{i}: {MISTAKES[i].teacher_note}" for i in ids)
        verdict.detail = "; ".join(_("{mistake} at {where}: {detail}").format(
            mistake=mv.mutant.mistake, where=mv.mutant.where, detail=mv.mutant.detail) for mv in matches[:4])
