"""The checker's words for a person, in the current language (``symrnn.i18n``).

A check's set-up is cached (``evaluate.problem``, ``diagnose.mutant_table``), so the texts it
keeps (a setting's sizes, what a mutant changed) are :class:`Msg` values: an English message id
with its arguments, translated each time it is shown, never at the time it is cached. The
verdict's machine words (``correct``, ``wrong``, ``invalid``; the settings' names) stay English
in JSON; :func:`status_word` and :func:`setting_word` are what the text shows.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..i18n import N_, _

STATUS = {"correct": N_("correct"), "wrong": N_("wrong"), "invalid": N_("invalid"), "error": N_("error"),
          "timeout": N_("timeout"), "ungraded": N_("ungraded"), "pending": N_("pending")}
SETTINGS = {  # the English words are the names themselves (the English text is unchanged)
    "worked": N_("worked"), "exact": N_("exact"), "mp": N_("mp"), "float": N_("float"),
    "float T+1": N_("float T+1"), "sizes": N_("sizes"),
}


@dataclass(frozen=True)
class Msg:
    """An English message and its arguments; ``str()`` translates it (arguments too, if ``Msg``)."""

    msgid: str
    args: tuple = ()  # (name, value) pairs

    def __str__(self) -> str:
        return _(self.msgid).format(**{k: str(v) for k, v in self.args})


def msg(msgid: str, **args) -> Msg:
    return Msg(msgid, tuple(args.items()))


def status_word(status: str) -> str:
    return _(STATUS[status]) if status in STATUS else status


def setting_word(name: str) -> str:
    return _(SETTINGS[name]) if name in SETTINGS else name


LABELS = (N_("answer:"), N_("read as:"), N_("verdict:"), N_("message:"), N_("mistake:"), N_("where:"),
          N_("feedback:"), N_("teacher:"))
"""The labels of a verdict's lines (``Verdict.to_text``): the values start in one column."""


def label(text: str) -> str:
    """A line's label padded to the widest label in the current language, then a space (in
    English the column of ``feedback: ``)."""
    width = max(len(_(word)) for word in LABELS)
    return f"{text:<{width}} "
