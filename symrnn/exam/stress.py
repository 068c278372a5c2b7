"""The stress test: draw many variants of a family and report the degenerate ones (R/exams).

A variant is degenerate when an answer is zero (or within its own tolerance of zero), not a
finite number, or equal (within tolerance) to the answer a diagnosed mistake gives; when an
activation it goes through is saturated; when rounding the intermediates as displayed moves the
key by more than the tolerance; when a choice has two identical options; when a formula key is
empty. The family fails on duplicates beyond what uniform draws from its declared number of
distinct variants explain (any duplicate, when that number is not finite), or when a variant's
recorded seed does not reproduce it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..core import budget
from .families import FAMILIES
from .model import Answer, Problem
from .registry import variant_seed

SATURATION = 0.02
"""An activation is saturated within this fraction of its range's ends (sigmoid > 0.98)."""

DUPLICATE_SLACK = 0.9
"""A finite family must reach this fraction of the distinct variants expected from uniform draws."""


@dataclass(frozen=True)
class Finding:
    kind: str
    seed: int
    detail: str


@dataclass(frozen=True)
class StressReport:
    family: str
    variants: int
    seed: int
    findings: tuple[Finding, ...]
    distinct: int
    expected_distinct: float | None

    @property
    def ok(self) -> bool:
        return not self.findings

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for f in self.findings:
            out[f.kind] = out.get(f.kind, 0) + 1
        return dict(sorted(out.items()))

    def summary(self) -> str:
        expected = "" if self.expected_distinct is None else f" (expected about {self.expected_distinct:.0f} from uniform draws)"
        head = f"{self.family}: {self.variants} variants, {self.distinct} distinct{expected}: "
        if self.ok:
            return head + "no degenerate draw"
        parts = ", ".join(f"{n} {kind}" for kind, n in self.counts().items())
        first = "; ".join(f"{f.kind} at seed {f.seed}: {f.detail}" for f in self.findings[:3])
        return head + f"FAILED: {parts} (first: {first})"


def expected_distinct(space: int, draws: int) -> float:
    """Expected number of distinct values among ``draws`` uniform draws from ``space`` values."""
    return space * (1.0 - (1.0 - 1.0 / space) ** draws)


def answer_findings(answer: Answer, label: str) -> list[tuple[str, str]]:
    found = []
    if answer.kind == "numerical":
        v, tol = answer.value, answer.abs_tol
        if v is None or not math.isfinite(v):
            return [("nan", f"{label} is {v!r}")]
        if v == 0 or abs(v) <= tol:
            found.append(("zero", f"{label} = {answer.shown}"))
        if answer.exact is not None and abs(answer.exact - v) > max(tol, 1e-12):
            found.append(("rounding", f"{label}: {answer.shown} shown, {answer.exact!r} unrounded (tolerance {tol})"))
        for d in answer.masked + tuple(d for d in answer.wrong if abs(d.value - v) <= tol):
            found.append(("equals-mistake", f"{label}: {d.title or d.mistake} also gives {d.value}"))
    elif answer.kind == "choice":
        texts = [c.text for c in answer.choices]
        if len(set(texts)) != len(texts):
            found.append(("duplicate-options", f"{label} has identical options"))
    elif not answer.formula.strip():
        found.append(("empty", f"{label} has no key formula"))
    return found


def problem_findings(problem: Problem) -> list[Finding]:
    found = []
    for n, part in enumerate(problem.parts):
        label = f"part ({chr(ord('a') + n)})"
        found += [Finding(kind, problem.seed, detail) for kind, detail in answer_findings(part.answer, label)]
    for name, value, lo, hi in problem.bounded:
        position = (value - lo) / (hi - lo)
        if not SATURATION <= position <= 1 - SATURATION:
            found.append(Finding("saturated", problem.seed, f"{name} = {value} in ({lo}, {hi})"))
    return found


def stress(name: str, variants: int = 1000, seed: int = 0) -> StressReport:
    """Draw ``variants`` variants of family ``name`` (as an exam with that seed would) and check them."""
    family = FAMILIES[name]
    findings: list[Finding] = []
    seen: dict[tuple, int] = {}
    for k in range(variants):
        budget.spent(budget.STRESS)
        s = variant_seed(seed, name, k)
        problem = family.generate(s)
        findings += problem_findings(problem)
        seen.setdefault(problem.fingerprint, s)
        if k < 5 and family.generate(s) != problem:
            findings.append(Finding("not-reproducible", s, "the same seed gave a different problem"))
    distinct = len(seen)
    expected = None if family.space is None else expected_distinct(family.space, variants)
    if expected is None and distinct < variants:
        findings.append(Finding("duplicate", seed, f"{variants - distinct} duplicate variants of a continuous family"))
    elif expected is not None and distinct < DUPLICATE_SLACK * min(expected, variants):
        findings.append(Finding("duplicate", seed, f"{distinct} distinct variants, about {expected:.0f} expected"))
    return StressReport(name, variants, seed, tuple(findings), distinct, expected)
