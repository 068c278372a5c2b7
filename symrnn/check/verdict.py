"""The verdict on a typed gradient: read as ..., correct or wrong, counterexample, mistake.

``check_answer(spec, grad, text)`` runs, in order (a chain of answer tests, as in STACK):

1. read the answer (grammar, symbols, shapes); a problem here gives status ``invalid`` with the
   column, and no verdict;
2. echo it back in LaTeX ("read as ...");
3. compare its value with the derivation's on every setting of ``evaluate.Problem`` (exact or
   50-digit, float64 at ``T`` and ``T + 1``, non-square sizes);
4. if it differs: a counterexample (``counterexample.py``) and the mutants of ``mutations.py``
   it equals on the float settings. One match names the mistake with its student feedback and
   teacher note; several matches from different mistakes are reported as coinciding, without a
   guess.

``grad`` is any quantity the derivation has (``targets.py``): a parameter's gradient, an
adjoint at a generic step or at T, a Jacobian, or a forward value. On a spec with a worked
example the answer is checked on it first; an answer that is only a number (``0.082167041``)
is checked on the worked example alone, to the decimals it gives (``numbers.py``).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

import numpy as np

from ..core import evaluate as numeric
from ..core import ir
from ..core.errors import LimitError, SymrnnError
from ..core.mistakes import MISTAKES
from ..i18n import N_, _
from ..printing.latex import latex
from ..printing.plain import plain
from . import budget, jacobian, limits, numbers
from .counterexample import Counterexample, build
from .diagnose import MUTANT_SETTINGS, diagnose, mutant_table
from .evaluate import Problem, agree, close, deadline_from, evaluate_answer, resolve_spec
from .parse import AnswerError
from .setup import prepared
from .shapes import read
from .targets import uses_forbidden
from .words import label, setting_word, status_word

DIFFERS = {
    "gradient": N_("the answer differs from the gradient"), "adjoint": N_("the answer differs from the adjoint"),
    "jacobian": N_("the answer differs from the jacobian"), "value": N_("the answer differs from the value"),
}
"""The message of a wrong answer, per kind of quantity (``targets.Target.kind``)."""

__all__ = ["Counterexample", "Verdict", "check_answer", "check_text", "mutant_table", "normalize_grad"]


@dataclass
class Verdict:
    spec: str
    grad: str
    answer: str
    status: str  # correct | wrong | invalid
    read_as: str = ""
    read_as_plain: str = ""
    message: str = ""
    score: float = 0.0
    mistakes: list = field(default_factory=list)  # ids of the matching mistakes
    feedback: str = ""
    teacher_note: str = ""
    detail: str = ""
    counterexample: Counterexample | None = None
    checks: list = field(default_factory=list)  # the settings checked, in order
    limited: bool = False  # refused because the time limit ran out (``symrnn check`` exits 2, as every command)

    @property
    def correct(self) -> bool:
        return self.status == "correct"

    @property
    def mistake(self) -> str:
        return self.mistakes[0] if len(self.mistakes) == 1 else ""

    def to_dict(self) -> dict:
        out = asdict(self)
        del out["limited"]  # the exit status says it; the record keeps its fields
        return out

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True)

    def to_text(self) -> str:
        lines = [label(_("answer:")) + self.answer]
        if self.read_as:
            lines.append(label(_("read as:")) + self.read_as)
        lines.append(label(_("verdict:")) + status_word(self.status))
        if self.message:
            lines.append(label(_("message:")) + self.message)
        if self.mistakes:
            names = ", ".join(f"{MISTAKES[m].number}. {MISTAKES[m].title} ({m})" for m in self.mistakes)
            lines.append(label(_("mistake:")) + names)
        if self.detail:
            lines.append(label(_("where:")) + self.detail)
        if self.feedback:
            lines.append(label(_("feedback:")) + self.feedback)
        if self.teacher_note:
            lines.append(label(_("teacher:")) + self.teacher_note)
        if self.counterexample is not None:
            lines.extend(self.counterexample.lines(self.grad))
        if self.checks:
            lines.append(_("checked on:") + " " + "; ".join(self.checks))
        return "\n".join(lines)


# --------------------------------------------------------------------------- the chain


def normalize_grad(grad: str) -> str:
    """``W_{hh}``, ``W_{hh}^{(2)}``, ``dL/dW_hh`` -> the parameter key (``W_hh``, ``W_hh_l2``)."""
    g = grad.strip()
    for prefix in ("dL/d", "dL_d"):
        g = g.removeprefix(prefix)
    layer = ""
    if "^{(" in g and g.endswith(")}"):
        g, _sep, rest = g.partition("^{(")
        layer = "_l" + rest[:-2]
    return g.replace("{", "").replace("}", "").replace("\\", "") + layer


def check_answer(spec, grad: str, text: str, time_limit: float | None = limits.TIME_LIMIT) -> Verdict:
    """The verdict on ``text`` as the quantity ``grad`` of ``spec`` (name or Spec).

    ``time_limit`` covers all of the check: setting up the problem (derivations, instances,
    mutants) and judging the answer; past it the verdict is ``invalid`` with the reason.
    """
    spec = resolve_spec(spec)
    deadline = deadline_from(time_limit)
    verdict = Verdict(spec.name, grad, text if isinstance(text, str) else repr(text), "invalid")
    try:
        prob = prepared(spec, grad, deadline, time_limit)
    except LimitError as err:
        verdict.message = _("refused: {reason}").format(reason=err)
        verdict.limited = True
        return verdict
    if isinstance(text, str):
        text = numbers.decimal_points(text)  # 0,082 in Spanish (the echo shows the point)
    try:
        expr = read(text, prob.table, prob.shape, free=prob.free)
        if uses_forbidden(expr, prob.target):
            raise AnswerError(_("the answer may not use {quantity}: that is what it should compute").format(
                quantity=prob.target.describe()), text)
    except AnswerError as err:
        return _unreadable(verdict, err)
    verdict.read_as = numbers.echo(expr, text, latex=True) or jacobian.echo(latex(expr), expr, True)
    verdict.read_as_plain = numbers.echo(expr, text, latex=False) or jacobian.echo(plain(expr), expr, False)
    try:
        with budget.within(deadline):
            if numbers.is_number(expr) and "worked" in prob.settings:
                return numbers.judge(prob, expr, text, verdict)
            return _judge(prob, expr, text, verdict, deadline)
    except LimitError as err:
        verdict.status = "invalid"
        verdict.message = _("refused: {reason}").format(reason=err)
        verdict.limited = True
    except numeric.EvaluationError as err:
        verdict.status = "invalid"
        verdict.message = _("cannot evaluate the answer: {reason}").format(reason=err)
    except (OverflowError, MemoryError):
        verdict.status = "invalid"
        verdict.message = _("refused: a number in the answer is too large to evaluate")
    return verdict


def _unreadable(verdict: Verdict, err: AnswerError) -> Verdict:
    verdict.message = str(err)
    hint = err.hint
    if hint:
        verdict.mistakes = [hint]
        verdict.feedback = MISTAKES[hint].feedback
        verdict.teacher_note = MISTAKES[hint].teacher_note + " " + _("(the answer does not even have matching shapes)")
    return verdict


def _order(prob: Problem, expr: ir.Expr) -> list:
    exact = prob.exact_setting(numeric.rational_ok([expr]))
    first = [prob.settings["worked"]] if "worked" in prob.settings else []
    return first + [exact] + [prob.settings[n] for n in ("float", "float T+1", "sizes") if n in prob.settings]


def _first_failure(prob: Problem, expr: ir.Expr, text: str, verdict: Verdict, values: dict, deadline):
    for setting in _order(prob, expr):
        verdict.checks.append(f"{setting_word(setting.name)} ({setting.sizes})")
        if setting.table is not prob.table:
            try:
                sized = read(text, setting.table, setting.target.shape, free=prob.free)
            except AnswerError as err:
                return (setting, None, _("at these sizes the answer does not fit: {problem}").format(problem=err.problem))
        else:
            sized = expr
        got = evaluate_answer(sized, setting, deadline)
        values[setting.name] = got
        if got.shape != setting.truth.shape:
            return (setting, got, _("the answer has shape {got}, the quantity {want}").format(
                got=f"{got.shape[0]}x{got.shape[1]}", want=f"{setting.truth.shape[0]}x{setting.truth.shape[1]}"))
        if not np.all(close(got, setting.truth, setting.instance.arithmetic.name)):
            return (setting, got, "")
    return None


def _judge(prob: Problem, expr: ir.Expr, text: str, verdict: Verdict, deadline) -> Verdict:
    values: dict[str, np.ndarray] = {}
    failure = _first_failure(prob, expr, text, verdict, values, deadline)
    if failure is None:
        verdict.status = "correct"
        verdict.score = 1.0
        verdict.feedback = _("Correct.")
        return verdict
    verdict.status = "wrong"
    setting, got, note = failure
    if setting.name in ("exact", "mp") and got is not None and got.shape == setting.truth.shape:
        # The float64 setting (the same draw when the sizes agree): decimals read better than fractions.
        flt = prob.settings["float"]
        f_got = evaluate_answer(expr, flt, deadline)
        values["float"] = f_got
        if not agree(f_got, flt.truth, "float"):
            same = setting.table is prob.table
            setting, got = flt, f_got
            note = (_("(the {setting} check at the same values differs too)") if same
                    else _("(the {setting} check at small sizes differs too)")).format(setting=setting_word(failure[0].name))
    verdict.counterexample = build(prob, setting, expr, got, note)
    verdict.message = _(DIFFERS[prob.target.kind]) + (f" {note}" if note.startswith("(") else f": {note}" if note else "")
    for name in MUTANT_SETTINGS:
        if name in prob.settings and name not in values:
            try:
                values[name] = evaluate_answer(expr, prob.settings[name], deadline)
            except (numeric.EvaluationError, SymrnnError):
                pass
    diagnose(prob, expr, values, verdict, deadline)
    return verdict


def check_text(spec, grad: str, text: str, fmt: str = "text") -> str:
    verdict = check_answer(spec, grad, text)
    return verdict.to_json() if fmt == "json" else verdict.to_text()
