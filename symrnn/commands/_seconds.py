"""An argparse type for durations: a finite number of seconds in a range, refused on one line."""

from __future__ import annotations

import argparse
import math


def seconds(option: str, lo: float, hi: float):
    """A type for ``option``: a finite number of seconds with ``lo < value <= hi`` (no nan, no inf)."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{option} takes a number of seconds, got {text[:40]!r}") from None
        if not math.isfinite(value) or not lo < value <= hi:
            raise argparse.ArgumentTypeError(f"{option} must be more than {lo:g} and at most {hi:g} seconds, got {text[:40]!r}")
        return value

    return parse
