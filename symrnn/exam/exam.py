"""An exam: ``variants`` versions, each asking one variant of every chosen family.

Version ``k`` asks, for each family, the variant drawn from ``variant_seed(seed, family, k)``.
Within one exam no two versions get the same variant of a family (a duplicate is redrawn with
the next attempt number, deterministically), as long as the family has enough distinct variants.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy

from .. import __version__
from ..core import budget
from ..core.errors import LimitError, UnknownName
from ..i18n import _
from .families import FAMILIES, ORDER
from .model import Problem
from .registry import variant_seed

MAX_VARIANTS = 10_000
REDRAWS = 20


@dataclass(frozen=True)
class Version:
    number: int
    problems: tuple[Problem, ...]

    @property
    def points(self) -> int:
        return sum(p.points for p in self.problems)


@dataclass(frozen=True)
class Exam:
    seed: int
    families: tuple[str, ...]
    versions: tuple[Version, ...]

    @property
    def meta(self) -> dict[str, str]:
        """What every output records: the seed and the tool and library versions."""
        return {"seed": str(self.seed), "symrnn": __version__, "numpy": np.__version__, "sympy": sympy.__version__}

    @property
    def tool(self) -> str:
        """The tool and library versions, without the seed: what a student copy may print."""
        m = self.meta
        return f"symrnn {m['symrnn']}, NumPy {m['numpy']}, SymPy {m['sympy']}"

    @property
    def provenance(self) -> str:
        """The tool versions and the seed: for the key, the JSON and the teacher's side of Moodle."""
        return f"{self.tool}; seed {self.meta['seed']}"


def resolve_families(names: list[str] | tuple[str, ...] | None) -> tuple[str, ...]:
    """The families to ask, in lecture order; all of them when ``names`` is empty."""
    if not names:
        return ORDER
    unknown = sorted(set(names) - set(FAMILIES))
    if unknown:
        raise UnknownName(_("no exam family {name}; known: {known}").format(name=repr(unknown[0]), known=", ".join(ORDER)))
    return tuple(n for n in ORDER if n in set(names))


def build_exam(families: list[str] | tuple[str, ...] | None = None, variants: int = 1, seed: int = 0) -> Exam:
    """Draw ``variants`` versions of the exam with seed ``seed``."""
    if not 1 <= variants <= MAX_VARIANTS:
        raise LimitError(_("--variants must be between 1 and {most}, got {variants}").format(most=MAX_VARIANTS, variants=variants))
    names = resolve_families(families)
    columns = {name: _variants(name, variants, seed) for name in names}
    versions = tuple(Version(k + 1, tuple(columns[name][k] for name in names)) for k in range(variants))
    return Exam(int(seed), names, versions)


def _variants(name: str, count: int, seed: int) -> list[Problem]:
    family = FAMILIES[name]
    seen: set = set()
    out = []
    for k in range(count):
        budget.spent(budget.EXAM_VERSIONS)
        # Redraw duplicates only while the family still has unseen variants to give.
        attempts = REDRAWS if family.space is None or len(seen) < family.space else 1
        for attempt in range(attempts):
            problem = family.generate(variant_seed(seed, name, k, attempt))
            if problem.fingerprint not in seen:
                break
        seen.add(problem.fingerprint)
        out.append(problem)
    return out
