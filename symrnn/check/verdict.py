"""The verdict on a typed gradient: read as ..., correct or wrong, counterexample, mistake.

``check_answer(spec, grad, text)`` runs, in order (a chain of answer tests, as in STACK):

1. read the answer (grammar, symbols, shapes); a problem here gives status ``invalid`` with the
   column, and no verdict;
2. echo it back in LaTeX ("read as ...");
3. compare its value with the derivation's on every setting of ``evaluate.Problem`` (exact or
   50-digit, float64 at ``T`` and ``T + 1``, non-square sizes);
4. if it differs: a counterexample (the values, both results, the entries that differ) and the
   mutants of ``mutations.py`` it equals on the float settings. One match names the mistake with
   its student feedback and teacher note; several matches from different mistakes are reported
   as coinciding, without a guess.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from fractions import Fraction

import numpy as np

from ..core import evaluate as numeric
from ..core import ir
from ..core.errors import LimitError, SymrnnError
from ..core.mistakes import MISTAKES
from ..printing.latex import latex
from ..printing.plain import plain
from . import limits
from .diagnose import MUTANT_SETTINGS, diagnose, mutant_table
from .evaluate import Problem, Setting, agree, close, deadline_from, evaluate_answer, problem, resolve_spec
from .parse import AnswerError
from .shapes import read

__all__ = ["Counterexample", "Verdict", "check_answer", "check_text", "mutant_table", "normalize_grad"]



@dataclass
class Counterexample:
    setting: str
    sizes: str
    values: dict  # name -> nested list (parameters, leaves, and the adjoints the answer uses)
    expected: list
    got: list
    differ: list  # [[row, col], ...] of the entries that differ (empty when the shapes differ)
    note: str = ""


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

    @property
    def correct(self) -> bool:
        return self.status == "correct"

    @property
    def mistake(self) -> str:
        return self.mistakes[0] if len(self.mistakes) == 1 else ""

    def to_dict(self) -> dict:
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True)

    def to_text(self) -> str:
        lines = [f"answer:   {self.answer}"]
        if self.read_as:
            lines.append(f"read as:  {self.read_as}")
        lines.append(f"verdict:  {self.status}")
        if self.message:
            lines.append(f"message:  {self.message}")
        if self.mistakes:
            names = ", ".join(f"{MISTAKES[m].number}. {MISTAKES[m].title} ({m})" for m in self.mistakes)
            lines.append(f"mistake:  {names}")
        if self.detail:
            lines.append(f"where:    {self.detail}")
        if self.feedback:
            lines.append(f"feedback: {self.feedback}")
        if self.teacher_note:
            lines.append(f"teacher:  {self.teacher_note}")
        ce = self.counterexample
        if ce is not None:
            lines.append(f"counterexample ({ce.setting}: {ce.sizes}):")
            for name in sorted(ce.values):
                lines.append(f"  {name} = {_fmt(ce.values[name])}")
            lines.append(f"  expected {self.grad} = {_fmt(ce.expected)}")
            lines.append(f"  your answer gives  = {_fmt(ce.got)}")
            if ce.differ:
                lines.append("  entries that differ: " + ", ".join(f"({r + 1},{c + 1})" for r, c in ce.differ))
            if ce.note:
                lines.append(f"  {ce.note}")
        if self.checks:
            lines.append("checked on: " + "; ".join(self.checks))
        return "\n".join(lines)


def _fmt(value) -> str:
    """A matrix for reading: decimals to 6 significant digits, exact fractions as they are."""

    def one(v):
        return f"{v:.6g}" if isinstance(v, float) else str(v)

    if isinstance(value, list) and value and isinstance(value[0], list):
        return "[" + "; ".join(" ".join(one(v) for v in row) for row in value) + "]"
    return json.dumps(value)


def _to_list(x: np.ndarray) -> list:
    def one(v):
        if isinstance(v, Fraction):
            return str(v) if v.denominator != 1 else int(v.numerator)
        return float(v)

    return [[one(v) for v in row] for row in np.asarray(x)]


# --------------------------------------------------------------------------- the chain


def normalize_grad(grad: str) -> str:
    """``W_{hh}``, ``W_{hh}^{(2)}``, ``dL/dW_hh`` -> the parameter key (``W_hh``, ``W_hh_l2``)."""
    g = grad.strip()
    for prefix in ("dL/d", "dL_d"):
        g = g.removeprefix(prefix)
    layer = ""
    if "^{(" in g and g.endswith(")}"):
        g, _, rest = g.partition("^{(")
        layer = "_l" + rest[:-2]
    return g.replace("{", "").replace("}", "").replace("\\", "") + layer


def check_answer(spec, grad: str, text: str, time_limit: float | None = limits.TIME_LIMIT) -> Verdict:
    """The verdict on ``text`` as the gradient of parameter ``grad`` of ``spec`` (name or Spec)."""
    spec = resolve_spec(spec)
    prob = problem(spec, normalize_grad(grad))
    verdict = Verdict(spec.name, grad, text if isinstance(text, str) else repr(text), "invalid")
    deadline = deadline_from(time_limit)
    try:
        expr = read(text, prob.table, prob.shape)
    except AnswerError as err:
        verdict.message = str(err)
        hint = err.hint
        if hint:
            verdict.mistakes = [hint]
            verdict.feedback = MISTAKES[hint].feedback
            verdict.teacher_note = MISTAKES[hint].teacher_note + " (the answer does not even have matching shapes)"
        return verdict
    verdict.read_as = latex(expr)
    verdict.read_as_plain = plain(expr)
    try:
        return _judge(prob, expr, text, verdict, deadline)
    except LimitError as err:
        verdict.status = "invalid"
        verdict.message = f"refused: {err}"
        return verdict
    except numeric.EvaluationError as err:
        verdict.status = "invalid"
        verdict.message = f"cannot evaluate the answer: {err}"
        return verdict


def _judge(prob: Problem, expr: ir.Expr, text: str, verdict: Verdict, deadline) -> Verdict:
    values: dict[str, np.ndarray] = {}
    failure = None
    exact = prob.exact_setting(numeric.rational_ok([expr]))
    order = [exact] + [prob.settings[n] for n in ("float", "float T+1", "sizes") if n in prob.settings]
    for setting in order:
        verdict.checks.append(f"{setting.name} ({setting.sizes})")
        if setting.table is not prob.table:
            try:
                sized = read(text, setting.table, setting.truth.shape)
            except AnswerError as err:
                if failure is None:
                    failure = (setting, None, f"at these sizes the answer does not fit: {err.problem}")
                continue
        else:
            sized = expr
        got = evaluate_answer(sized, setting, deadline)
        values[setting.name] = got
        if got.shape != setting.truth.shape:
            if failure is None:
                failure = (setting, got, (f"the answer has shape {got.shape[0]}x{got.shape[1]}, the gradient "
                                         f"{setting.truth.shape[0]}x{setting.truth.shape[1]}"))
            continue
        if not np.all(close(got, setting.truth, setting.name if setting.name in ("exact", "mp") else "float")) and failure is None:
            failure = (setting, got, "")
        if failure is not None:
            break
    if failure is None:
        verdict.status = "correct"
        verdict.score = 1.0
        verdict.feedback = "Correct."
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
            note = f"(the {failure[0].name} check {'at the same values' if same else 'at small sizes'} differs too)"
    verdict.counterexample = _counterexample(prob, setting, expr, got, note)
    verdict.message = "the answer differs from the gradient" + (f" {note}" if note.startswith("(") else f": {note}" if note else "")
    for name in MUTANT_SETTINGS:
        if name in prob.settings and name not in values:
            try:
                values[name] = evaluate_answer(expr, prob.settings[name], deadline)
            except (numeric.EvaluationError, SymrnnError):
                pass
    diagnose(prob, expr, values, verdict, deadline)
    return verdict


def _counterexample(prob: Problem, setting: Setting, expr: ir.Expr, got, note: str) -> Counterexample:
    inst = setting.instance
    values = {}
    for key, value in numeric.leaf_values(inst).items():
        values[_key_name(key)] = _to_list(value)
    for adj in ir.adjoints(expr):
        var = adj.of
        for (name, layer, t), value in sorted(inst.adjoints.items(), key=lambda kv: (kv[0][0], kv[0][1] or 0, kv[0][2] or 0)):
            if name == var.name and layer == var.layer:
                values["dL/d" + _key_name((name, layer, t))] = _to_list(value)
    differ = []
    got_list = _to_list(got) if got is not None else []
    if got is not None and got.shape == setting.truth.shape:
        mask = ~close(got, setting.truth, setting.name if setting.name in ("exact", "mp") else "float")
        differ = [[int(r), int(c)] for r, c in zip(*np.nonzero(mask))]
    return Counterexample(setting.name, setting.sizes, values, _to_list(setting.truth), got_list, differ, note)


def _key_name(key) -> str:
    name, layer, t = key
    text = name if layer is None else f"{name}_l{layer}"
    return text if t is None else f"{text}[{t}]"


def check_text(spec, grad: str, text: str, fmt: str = "text") -> str:
    verdict = check_answer(spec, grad, text)
    return verdict.to_json() if fmt == "json" else verdict.to_text()
