"""What a lecturer puts at the top of an exam: title, course, date and instructions.

Free text from the command line: it is checked here (length, no control characters) and then
only ever printed as data (escaped by each renderer), never interpreted.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..core.errors import SymrnnError
from ..i18n import N_, _

LIMITS = {"title": 200, "course": 200, "date": 100, "instructions": 2000}
"""The longest text each field takes, in characters."""

DEFAULT_TITLE = N_("Recurrent neural networks: exam")


class HeaderError(SymrnnError):
    """A header field is too long or holds a control character."""


@dataclass(frozen=True)
class Header:
    title: str = DEFAULT_TITLE
    course: str = ""
    date: str = ""
    instructions: str = ""

    def __post_init__(self) -> None:
        for name, limit in LIMITS.items():
            text = getattr(self, name)
            if not isinstance(text, str):
                raise HeaderError(_("--{name} must be text").format(name=name))
            if len(text) > limit:
                raise HeaderError(_("--{name} is longer than {limit} characters").format(name=name, limit=limit))
            bad = next((c for c in text if not c.isprintable() and c not in "\n"), None)
            if bad is not None:
                raise HeaderError(_("--{name} holds a control character ({code})").format(name=name, code=f"U+{ord(bad):04X}"))
        if not self.title.strip():
            raise HeaderError(_("--title must not be empty"))

    def as_dict(self) -> dict[str, str]:
        return {"title": self.title, "course": self.course, "date": self.date, "instructions": self.instructions}


def header(title: str | None = None, course: str | None = None, date: str | None = None,
           instructions: str | None = None) -> Header:
    """A header from command-line values (``None``: the default)."""
    return Header(_(DEFAULT_TITLE) if title is None else title, course or "", date or "", instructions or "")


__all__ = ["DEFAULT_TITLE", "LIMITS", "Header", "HeaderError", "header"]
