"""The words of the page templates (``templates/*.html``), marked for the message catalogue.

The catalogue's extractor (``symrnn.i18n.catalog``) reads Jinja templates named ``*.j2``; these
pages are ``*.html`` (as the package data lists them), so their messages are listed here, where
the extractor finds them. ``tests/test_i18n_check.py`` fails when a template has a message this
list lacks.
"""

from __future__ import annotations

from ..i18n import N_

TEMPLATE_MESSAGES = (
    N_("answers are read by the checker's own grammar, never run."),
    N_("All questions"),
    N_("Questions"),
    N_("Type your answer as LaTeX"),
    N_("or as plain text"),
    N_("The preview shows how it is read."),
    N_("Your student id"),
    N_("Your answer"),
    N_("Read as:"),
    N_("preview unavailable"),
    N_("Submit"),
    N_("Verdict:"),
    N_("Being graded"),
    N_("this page reloads by itself."),
    N_("Mistake:"),
    N_("Counterexample"),
    N_("Try again"),
    N_("Keep this page's address to see this verdict again: submission %(id)s."),
)
