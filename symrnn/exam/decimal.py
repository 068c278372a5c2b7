"""Decimal commas of the exam sheets, keys and Moodle texts: :mod:`symrnn.i18n.decimal`.

The one implementation is shared with ``report`` and ``derive`` (``--decimal-comma`` on each);
this module keeps the exam's import path.
"""

from __future__ import annotations

from ..i18n.decimal import active, decimal_comma, math, mixed, text

__all__ = ["active", "decimal_comma", "math", "mixed", "text"]
