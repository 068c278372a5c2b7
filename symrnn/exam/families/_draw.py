"""Drawing numbers suited to hand computation: few decimals, away from zero."""

from __future__ import annotations

import numpy as np

from ..model import r


def value(rng: np.random.Generator, lo: float, hi: float, places: int = 2, away: float = 0.0) -> float:
    """A uniform draw in ``[lo, hi]`` rounded to ``places`` decimals, with ``|x| >= away``."""
    while True:
        x = r(float(rng.uniform(lo, hi)), places)
        if abs(x) >= away:
            return x


def pick(rng: np.random.Generator, options):
    """One of ``options`` (a sequence), uniformly."""
    return options[int(rng.integers(len(options)))]


def shuffled(rng: np.random.Generator, items):
    """``items`` in a random order (a tuple)."""
    order = rng.permutation(len(items))
    return tuple(items[int(i)] for i in order)


class Redraw(Exception):
    """Raised inside a draw to reject it (the family draws again from the same generator)."""


def retry(draw_once, rng: np.random.Generator, attempts: int = 200):
    """Call ``draw_once(rng)`` until it neither raises :class:`Redraw` nor gives an answer that a
    diagnosed mistake also produces (deterministic: the generator is consumed in order)."""
    for _ in range(attempts):
        try:
            draft = draw_once(rng)
        except Redraw:
            continue
        if any(part.answer.masked for part in draft.parts):
            continue
        return draft
    raise RuntimeError(f"no acceptable draw in {attempts} attempts")
