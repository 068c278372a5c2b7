"""HTML pieces of the pages: rich blocks and verdicts, every user text escaped, maths as MathML.

Templates are jinja2 with autoescape on; what this module returns is ``Markup`` built only from
escaped text and sanitized MathML (``mathml.py``).
"""

from __future__ import annotations

import json
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

from ..i18n import _, ngettext
from .mathml import aligned, to_mathml

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"


def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(default=True),
                      trim_blocks=True, lstrip_blocks=True, extensions=["jinja2.ext.i18n"])
    env.install_gettext_callables(gettext=_, ngettext=ngettext, newstyle=True)  # the language at render time
    return env


def _block(kind: str, content) -> Markup:
    if kind == "text":
        return Markup("{}").format(content)
    if kind == "math":
        return to_mathml(content)
    if kind == "display":
        return Markup('<div class="display">{}</div>').format(aligned(content))
    return Markup("</p><p>")


def rich(blocks: tuple) -> Markup:
    """``(kind, content)`` blocks of a question as one HTML paragraph group."""
    inner = Markup("").join(_block(kind, content) for kind, content in blocks)
    return Markup("<p>{}</p>").format(inner).replace("<p></p>", "")


def mistakes(result: dict) -> list[dict]:
    """The named mistakes of a result row, with their titles and student feedback."""
    from ..core.mistakes import MISTAKES

    out = []
    for mid in filter(None, str(result.get("mistakes", "")).split(";")):
        m = MISTAKES.get(mid)
        out.append({"id": mid, "title": m.title if m else mid, "feedback": m.feedback if m else ""})
    return out


def counterexample(result: dict) -> list[str]:
    """The counterexample's lines as ``symrnn check`` prints them ([] when there is none)."""
    from ..check.counterexample import Counterexample

    text = result.get("counterexample") or ""
    if not text:
        return []
    try:
        lines = Counterexample(**json.loads(text)).lines(str(result.get("grad", "")))
    except (TypeError, ValueError):
        return []
    # The command line's pointer to --format json means nothing on a page: the values are in the export.
    cli_only = _(": all are in --format json")
    return [line.replace(cli_only, "") for line in lines]


def escaped(text: str) -> Markup:
    return escape(text)


__all__ = ["STATIC", "counterexample", "environment", "mistakes", "rich"]
