"""Exam problems with seeded variants, worked solutions and answer keys (see docs/ARCHITECTURE.md, exam/).

The pipeline reads as one function::

    exam = build_exam(["bptt-scalar", "vanishing"], variants=30, seed=7)   # families -> versions
    write_exam(exam, "out", ("pdf", "moodle", "json"))                     # pure renderers + files
    stress("bptt-scalar", variants=1000).summary()                         # degenerate draws

A family (``families/``) is a generator with its own seeded ``numpy.random.Generator`` plus a
statement, a worked solution read off the derivation, and answers with tolerances and the wrong
values that the mistakes of :data:`symrnn.core.mistakes.MISTAKES` produce. Renderers: ``tex`` (LaTeX
``exam`` class, sheet and key from one source), ``moodle`` (Moodle XML), ``jsonout``.
"""

from __future__ import annotations

from .exam import Exam, Version, build_exam
from .families import FAMILIES, ORDER
from .jsonout import render_json
from .moodle import render_moodle
from .output import FORMATS, write_exam
from .registry import Family, variant_seed
from .stress import StressReport, stress
from .tex import render_tex

__all__ = [
    "FAMILIES",
    "FORMATS",
    "ORDER",
    "Exam",
    "Family",
    "StressReport",
    "Version",
    "build_exam",
    "render_json",
    "render_moodle",
    "render_tex",
    "stress",
    "variant_seed",
    "write_exam",
]
