"""The data of an exam problem: rich text, answers with tolerances and diagnosed wrong values.

Everything is a frozen dataclass, so a problem is a value: renderers (LaTeX, Moodle XML, JSON)
are pure functions of it. Text is kept as *rich text*, a tuple of blocks whose free text is
escaped exactly once by the renderer that prints it, and whose maths is LaTeX produced in Python
(by ``symrnn.printing.latex`` or by the family itself from numbers).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from ..core.mistakes import MISTAKES
from ..i18n import _

# --------------------------------------------------------------------------- rich text


@dataclass(frozen=True)
class Math:
    """Inline maths, LaTeX source (rendered as ``\\( ... \\)``)."""

    tex: str


@dataclass(frozen=True)
class Para:
    """A paragraph: free text (``str``, escaped when rendered) and inline maths."""

    parts: tuple[str | Math, ...]


@dataclass(frozen=True)
class Display:
    """Displayed maths: one or more lines aligned at ``&``."""

    lines: tuple[str, ...]


Block = Para | Display
Rich = tuple[Block, ...]


def para(text: str) -> Para:
    """A paragraph from ``"free text $maths$ more text"`` (text written in this package only)."""
    pieces = text.split("$")
    if len(pieces) % 2 == 0:
        raise ValueError(f"unbalanced $ in {text!r}")
    parts: list[str | Math] = []
    for i, piece in enumerate(pieces):
        if not piece:
            continue
        parts.append(Math(piece) if i % 2 else piece)
    return Para(tuple(parts))


def display(*lines: str) -> Display:
    return Display(tuple(lines))


def rich(*items: str | Block) -> Rich:
    """Blocks from paragraphs written as strings (see :func:`para`) or ready blocks."""
    return tuple(para(item) if isinstance(item, str) else item for item in items)


def plain_text(blocks: Rich) -> str:
    """The text with maths in ``$...$``: for fingerprints and JSON readers."""
    out = []
    for block in blocks:
        if isinstance(block, Para):
            out.append("".join(p if isinstance(p, str) else f"${p.tex}$" for p in block.parts))
        else:
            out.append(" \\\\ ".join(block.lines))
    return "\n".join(out)


# --------------------------------------------------------------------------- numbers


def r(x: float, places: int) -> float:
    """``x`` rounded as it is displayed with ``places`` decimals (the value a student carries on)."""
    value = float(f"{x:.{places}f}")
    return 0.0 if value == 0 else value


def fmt(x: float, places: int) -> str:
    """``x`` with ``places`` decimals; never ``-0``."""
    text = f"{x:.{places}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text


def tolerance(value: float, places: int, rel: float) -> float:
    """An absolute tolerance: ``rel * |value|``, at least one unit of the last displayed decimal,
    rounded up to one significant digit so that it reads cleanly in Moodle."""
    raw = max(rel * abs(value), 10.0 ** (-places))
    exponent = math.floor(math.log10(raw))
    unit = 10.0**exponent
    return float(f"{math.ceil(raw / unit - 1e-9) * unit:.{max(0, -exponent)}f}")


# --------------------------------------------------------------------------- answers


@dataclass(frozen=True)
class Diagnosis:
    """A wrong value that a known mistake produces, with the feedback it earns.

    ``mistake`` is an id of :data:`symrnn.core.mistakes.MISTAKES`, or ``""`` for a slip that is not in
    that list (then ``note`` says what it is).
    """

    value: float
    mistake: str
    note: str = ""

    @property
    def feedback(self) -> str:
        if self.mistake:
            return _(MISTAKES[self.mistake].feedback)
        return self.note

    @property
    def title(self) -> str:
        # a note without a colon is a whole sentence: its full stop is the list's to place
        return _(MISTAKES[self.mistake].title) if self.mistake else self.note.split(":")[0].rstrip(".")


@dataclass(frozen=True)
class Choice:
    """One option of a multiple-choice part; wrong options name the mistake they embody."""

    text: Rich
    correct: bool = False
    mistake: str = ""
    note: str = ""

    @property
    def feedback(self) -> str:
        if self.correct:
            return _("Correct.")
        return _(MISTAKES[self.mistake].feedback) if self.mistake else self.note


KINDS = ("numerical", "choice", "formula")


@dataclass(frozen=True)
class Answer:
    """What a part expects.

    * ``numerical``: ``value`` shown with ``places`` decimals, accepted within ``abs_tol``
      (Moodle's tolerance is absolute; ``rel_tol`` is the relative tolerance it was made from);
      ``wrong`` are diagnosed wrong values (zero-credit answers with feedback).
    * ``choice``: ``choices`` with exactly one correct option.
    * ``formula``: ``formula`` is the key (LaTeX), graded by hand or by the checker; ``note`` is
      for the grader, its maths between ``$`` signs (read by :func:`para`; the JSON keeps it so).

    ``exact`` is the key computed without rounding the intermediates; the stress test checks
    that it lies within the tolerance of ``value`` (a draw where rounding as displayed moves the
    answer by more than the tolerance is degenerate). ``masked`` are diagnosed wrong values that
    fall within the tolerance of the key: a student making that mistake would get full credit
    (a degenerate draw, which families reject and the stress test reports). ``checker`` is
    ``(spec, parameter)`` when a formula answer can be graded by ``symrnn check`` / ``symrnn grade``.
    """

    kind: str
    points: int
    value: float | None = None
    places: int = 4
    abs_tol: float = 0.0
    rel_tol: float = 0.0
    wrong: tuple[Diagnosis, ...] = ()
    choices: tuple[Choice, ...] = ()
    formula: str = ""
    note: str = ""
    exact: float | None = None
    masked: tuple[Diagnosis, ...] = ()
    checker: tuple[str, str] = ()

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown answer kind {self.kind!r}")
        if self.kind == "choice" and sum(c.correct for c in self.choices) != 1:
            raise ValueError("a choice answer needs exactly one correct option")

    @property
    def shown(self) -> str:
        """The key as displayed."""
        if self.kind == "numerical":
            return fmt(self.value, self.places)
        if self.kind == "choice":
            return plain_text(next(c for c in self.choices if c.correct).text)
        return self.formula

    @property
    def correct_index(self) -> int:
        return next(i for i, c in enumerate(self.choices) if c.correct)


def numerical(value: float, places: int, points: int, wrong=(), rel: float = 0.01, integer: bool = False,
              exact: float | None = None, scale: float | None = None) -> Answer:
    """A numerical answer; wrong values that round like the key, or like an earlier wrong value,
    are dropped (their feedback could never be shown).

    The tolerance is ``rel`` times ``|value|``, or times ``|scale|`` when the quantity that can go
    wrong is smaller than the answer (a weight after one small step: ``scale`` is the step).
    """
    value = r(value, places)
    abs_tol = 0.0 if integer else tolerance(value if scale is None else scale, places, rel)
    kept: list[Diagnosis] = []
    masked: list[Diagnosis] = []
    for d in wrong:
        w = r(d.value, places) if math.isfinite(d.value) else d.value
        if not math.isfinite(w):
            continue
        if abs(w - value) <= 2 * abs_tol + 1e-12:
            masked.append(Diagnosis(w, d.mistake, d.note))
            continue
        if any(abs(w - k.value) <= 2 * abs_tol + 1e-12 for k in kept):
            continue  # same value as an earlier diagnosis: its feedback could never be shown
        kept.append(Diagnosis(w, d.mistake, d.note))
    return Answer("numerical", points, value, places, abs_tol, 0.0 if integer else rel, tuple(kept),
                  exact=exact, masked=tuple(masked))


def diagnosed(value: float, mistake: str = "", note: str = "") -> Diagnosis:
    if mistake and mistake not in MISTAKES:
        raise KeyError(f"unknown mistake {mistake!r}; known: {', '.join(sorted(MISTAKES))}")
    return Diagnosis(value, mistake, note)


# --------------------------------------------------------------------------- problems


SPACE = {"numerical": "2.5cm", "choice": "0.6cm", "formula": "5cm"}
"""The answer space a part leaves on the student sheet by its kind, unless the part sets its own."""


@dataclass(frozen=True)
class Part:
    """One question of a problem: a prompt and its answer.

    ``space`` is the room left for the answer on the student sheet (a LaTeX length); empty: by
    the answer's kind (:data:`SPACE`). A hand derivation sets more.
    """

    prompt: Rich
    answer: Answer
    space: str = ""

    @property
    def room(self) -> str:
        return self.space or SPACE[self.answer.kind]


@dataclass(frozen=True)
class Problem:
    """One variant of a family: statement, parts, worked solution and the draw's record.

    ``givens`` are the drawn numbers (name, value) that make the variant; two variants with the
    same givens are duplicates. ``bounded`` are intermediate values that must stay away from an
    activation's saturation: (name, value, low, high) with the open range of the activation.
    """

    family: str
    title: str
    seed: int
    statement: Rich
    parts: tuple[Part, ...]
    solution: Rich
    givens: tuple[tuple[str, object], ...]
    bounded: tuple[tuple[str, float, float, float], ...] = field(default=())

    @property
    def points(self) -> int:
        return sum(p.answer.points for p in self.parts)

    @property
    def fingerprint(self) -> tuple:
        return (self.family,) + tuple(self.givens)
