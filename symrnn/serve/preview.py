"""How the checker reads an answer, for the page's live preview (no verdict: that is the pool's job).

The same steps as the first half of :func:`symrnn.check.verdict.check_answer`: the problem's
set-up (cached per spec and quantity, built once when the server starts), the answer read with
the checker's grammar and symbol table (bounded by ``symrnn.check.limits``), echoed in LaTeX.
Reading is cheap and bounded, so it runs in the server's threads; judging runs in the pool.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..check import jacobian, numbers
from ..check.evaluate import deadline_from, resolve_spec
from ..check.parse import AnswerError
from ..check.setup import prepared
from ..check.shapes import read
from ..check.targets import uses_forbidden
from ..core.errors import SymrnnError
from ..i18n import _
from ..printing.latex import latex

SETUP_SECONDS = 120.0
"""Seconds the set-up of one question may take when the server starts."""


@dataclass(frozen=True)
class Reading:
    """``ok``: ``latex`` is the answer as read; else ``message`` says why it cannot be read."""

    ok: bool
    latex: str = ""
    message: str = ""


def problem(spec, grad: str):
    """The checker's cached set-up of ``grad`` on ``spec`` (raises ``SymrnnError`` naming the problem)."""
    return prepared(resolve_spec(spec), grad, deadline_from(SETUP_SECONDS), SETUP_SECONDS)


def asked(spec, grad: str) -> str:
    """The quantity asked, in LaTeX (``\\frac{\\partial L}{\\partial \\mathbf{W}_{hh}}``)."""
    target = problem(spec, grad).target
    if target.kind == "jacobian":
        return jacobian.shown(target.expr, latex=True)
    return latex(target.equation.lhs)


def reading(spec, grad: str, text: str) -> Reading:
    """The answer as the checker reads it, or the checker's message (with its column)."""
    if not text.strip():
        return Reading(False, message=_("type an answer"))
    try:
        prob = problem(spec, grad)
        expr = read(text, prob.table, prob.shape, free=prob.free)
        if uses_forbidden(expr, prob.target):
            raise AnswerError(_("the answer may not use {quantity}: that is what it should compute").format(quantity=prob.target.describe()), text)
    except AnswerError as err:
        return Reading(False, message=str(err))
    except SymrnnError as err:
        return Reading(False, message=str(err))
    except (RecursionError, OverflowError, MemoryError):
        return Reading(False, message=_("the answer is too large to read"))
    shown = numbers.echo(expr, text, latex=True) or jacobian.echo(latex(expr), expr, True)
    return Reading(True, latex=shown)


__all__ = ["Reading", "asked", "problem", "reading"]
