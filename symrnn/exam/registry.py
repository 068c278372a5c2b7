"""Problem families and the seeds of their variants.

A family is data (docs/ARCHITECTURE.md, exam/): a name, a title, the part of the seed lecture it
examines, and ``draw(rng) -> Draft``, which draws one variant from its own seeded
``numpy.random.Generator``. ``space`` is the number of distinct variants when it is finite (the
stress test then expects duplicates at the rate of uniform draws from that many), ``None`` when
the draws are effectively continuous (no duplicate is acceptable).

Variant seeds are derived from the exam seed, the family's name and the variant's index with
``numpy.random.SeedSequence``, so adding a family never changes another family's variants, and
a single variant is regenerated from its recorded seed with ``family.generate(seed)``.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ..i18n import _
from .model import Part, Problem, Rich


@dataclass(frozen=True)
class Draft:
    """What a family's ``draw`` returns: a problem without its family name and seed."""

    statement: Rich
    parts: tuple[Part, ...]
    solution: Rich
    givens: tuple[tuple[str, object], ...]
    bounded: tuple[tuple[str, float, float, float], ...] = field(default=())
    title: str = ""  # what this variant asks, when it is narrower than the family's title


@dataclass(frozen=True)
class Family:
    name: str
    title: str
    topic: str
    draw: Callable[[np.random.Generator], Draft]
    space: int | None = None

    def generate(self, seed: int) -> Problem:
        """The variant drawn from ``seed`` (the same seed gives the same problem)."""
        draft = self.draw(np.random.default_rng(seed))
        return Problem(self.name, draft.title or _(self.title), int(seed), draft.statement, draft.parts, draft.solution,
                       draft.givens, draft.bounded)


def variant_seed(master: int, family: str, index: int, attempt: int = 0) -> int:
    """The seed of variant ``index`` of ``family`` in an exam drawn with seed ``master``."""
    sequence = np.random.SeedSequence([int(master), zlib.crc32(family.encode("utf-8")), int(index), int(attempt)])
    return int(sequence.generate_state(1, dtype=np.uint32)[0])
