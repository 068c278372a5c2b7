"""How much hand work a problem asks: the operations of its worked solution, counted.

A worked solution writes every step a student does by hand (the chain-rule products, the
per-step adjoints, the sums). :func:`hand_operations` counts the arithmetic operations in its
displayed lines: products, sums and differences, quotients, powers, and the elementary functions
(exp, tanh, the sigmoid) applied to numbers. It is the measure behind "versions of one exam are
of equal difficulty" (``tests/test_exam_difficulty.py``).
"""

from __future__ import annotations

import re

from .model import Display, Para, Problem, Rich

_OPS = re.compile(r"\\cdot|\\times|\\odot|\\frac|\+|(?<=[\w)}\]]) - |\^\{|\^\d|\\sigma|\\tanh|\\exp|e\^")


def operations(tex: str) -> int:
    """The arithmetic operations written in a LaTeX formula."""
    return len(_OPS.findall(tex))


def hand_operations(problem: Problem) -> int:
    """The number of arithmetic operations in the worked solution's displays and inline maths."""
    return written_operations(problem.solution)


def written_operations(blocks: Rich) -> int:
    """The arithmetic operations in rich text's displays and inline maths."""
    total = 0
    for block in blocks:
        if isinstance(block, Display):
            total += sum(operations(line) for line in block.lines)
        elif isinstance(block, Para):
            total += sum(operations(p.tex) for p in block.parts if not isinstance(p, str))
    return total


__all__ = ["hand_operations", "operations", "written_operations"]
