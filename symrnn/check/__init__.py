"""Check hand-derived gradients: typed formulas (LaTeX or plain text) and NumPy functions.

``check_answer(spec, "W_hh", text)`` reads a formula with the project's own grammar (no eval),
echoes it in LaTeX, and compares it with the derivation; ``check_function(spec, fn)`` calls a
person's own BPTT on drawn inputs; ``grade_csv`` grades a class's submissions in parallel.
"""

from __future__ import annotations

from .function import check_function
from .grade import grade_csv, grade_rows
from .parse import AnswerError
from .verdict import Verdict, check_answer

__all__ = ["AnswerError", "Verdict", "check_answer", "check_function", "grade_csv", "grade_rows"]
