"""The small exception hierarchy of symrnn.

Every error a user can cause is a :class:`SymrnnError`; the CLI prints its message on one line
and exits with status 2. Anything else escaping is a bug in symrnn.
"""

from __future__ import annotations

from ..i18n import _


class SymrnnError(Exception):
    """Base of every error symrnn raises on purpose."""


class SpecError(SymrnnError):
    """A network spec is malformed; the message names the field."""

    def __init__(self, field: str, problem: str, source: str | None = None):
        self.field = field
        self.problem = problem
        self.source = source
        message = _("invalid spec field {field}: {problem}").format(field=_shown(field, quote=True), problem=problem)
        super().__init__(f"{_shown(source)}: {message}" if source else message)


def _shown(text: str, quote: bool = False) -> str:
    """Text from a spec (a field name, a file name) as one printable line: ``repr`` when needed."""
    if text.isprintable():
        return f"'{text}'" if quote else text
    return repr(text)


class UnknownName(SymrnnError):
    """A catalogue name, cell, activation, loss or rule that is not registered."""


class ShapeError(SymrnnError):
    """Two operands of a matrix expression do not fit together."""


class LimitError(SymrnnError):
    """A request is too large for the exact (element-level) machinery."""


class MissingRule(SymrnnError):
    """The formula sheet has no vector-Jacobian rule for an op."""
