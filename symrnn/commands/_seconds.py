"""An argparse type for durations: a finite number of seconds in a range, refused on one line."""

from __future__ import annotations

import argparse
import math

from ..i18n import _


def seconds(option: str, lo: float, hi: float):
    """A type for ``option``: a finite number of seconds with ``lo < value <= hi`` (no nan, no inf)."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(_("{option} takes a number of seconds, got {text}").format(option=option, text=repr(text[:40]))) from None
        if not math.isfinite(value) or not lo < value <= hi:
            raise argparse.ArgumentTypeError(_("{option} must be more than {lo} and at most {hi} seconds, got {text}").format(
                option=option, lo=f"{lo:g}", hi=f"{hi:g}", text=repr(text[:40])))
        return value

    return parse


def latex_seconds(timeout: float) -> float:
    """A LaTeX build's timeout: its own option, but never past the command's time limit."""
    from ..core import budget

    left = budget.remaining()
    return timeout if left is None else max(0.1, min(timeout, left))
