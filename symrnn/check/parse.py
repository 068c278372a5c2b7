"""Read a typed gradient: checks before parsing, then lark (LALR) into a parse tree.

``parse_tree(text)`` returns a lark ``Tree``; ``read(text, table)`` (in ``shapes.py``) turns it
into an ir expression. No text is ever evaluated: the only interpreter is the grammar.

Order of the checks, cheapest first, each refusing with the column it found:
length, characters (printable ASCII and a few math symbols), LaTeX commands (a whitelist),
number lengths, bracket depth; then lark; then tree depth and size.
"""

from __future__ import annotations

import re
from functools import lru_cache

from lark import Lark, Tree
from lark.exceptions import LarkError, UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from ..core.errors import SymrnnError
from . import limits
from .grammar import ALLOWED_COMMANDS, ALLOWED_SYMBOLS, ALLOWED_UNICODE, GRAMMAR


class AnswerError(SymrnnError):
    """A typed answer cannot be read; the message names the column and shows a caret.

    ``hint`` is the id of the mistake (``symrnn.core.mistakes.MISTAKES``) the problem points to,
    given where the error is made (a product of mismatched shapes that a transpose would fix:
    ``missing_transpose``); empty when it points to none.
    """

    def __init__(self, message: str, text: str = "", column: int | None = None, hint: str = ""):
        self.column = column
        self.problem = message
        self.hint = hint
        where = f"column {column}: " if column is not None else ""
        snippet = ""
        if text and column is not None and len(text) <= 200:
            snippet = f"\n  {text}\n  {' ' * (column - 1)}^"
        super().__init__(f"{where}{message}{snippet}")


class AnswerLimit(AnswerError):
    """A typed answer is too large (length, depth, exponent): refused before any work."""


@lru_cache(maxsize=1)
def parser() -> Lark:
    return Lark(GRAMMAR, parser="lalr", propagate_positions=True, maybe_placeholders=False)


_COMMAND = re.compile(r"\\([A-Za-z]+|.)", re.DOTALL)
_NUMBER = re.compile(r"[0-9]+")
_OPEN = "([{"
_CLOSE = ")]}"


def precheck(text: str) -> None:
    """Refuse input that is too long, has odd characters, unknown commands or deep nesting."""
    if not isinstance(text, str):
        raise AnswerError("the answer must be text")
    if len(text) > limits.MAX_LENGTH:
        raise AnswerLimit(f"the answer is {len(text)} characters long; the limit is {limits.MAX_LENGTH}")
    if not text.strip():
        raise AnswerError("the answer is empty")
    for i, ch in enumerate(text, start=1):
        if ch in ALLOWED_UNICODE or ch in "\t\n\r":
            continue
        if not (" " <= ch <= "~"):
            raise AnswerError(f"character U+{ord(ch):04X} is not allowed (use ASCII or LaTeX commands)", text, i)
        if ch in "%#&$\"`;|!?<>":
            if i >= 2 and text[i - 2] == "\\":
                continue
            raise AnswerError(f"character {ch!r} is not allowed here", text, i)
    for match in _COMMAND.finditer(text):
        word = match.group(1)
        if match.group(0) in ALLOWED_SYMBOLS:
            continue
        if word.isalpha() and word in ALLOWED_COMMANDS:
            continue
        shown = "\\" + word
        raise AnswerError(f"unknown command {shown!r}; allowed: \\frac, \\sum, \\prod, \\odot, \\top, \\partial, "
                          "\\delta, \\sigma, \\tanh, \\operatorname{diag}, \\mathbf, \\left( \\right) ...", text, match.start() + 1)
    for match in _NUMBER.finditer(text):
        if len(match.group(0)) > limits.MAX_NUMBER_DIGITS:
            raise AnswerLimit(f"a number with {len(match.group(0))} digits is above the limit of {limits.MAX_NUMBER_DIGITS}", text, match.start() + 1)
    depth = 0
    stack: list[tuple[str, int]] = []
    for i, ch in enumerate(text, start=1):
        if ch in _OPEN:
            depth += 1
            stack.append((ch, i))
            if depth > limits.MAX_DEPTH:
                raise AnswerLimit(f"brackets are nested more than {limits.MAX_DEPTH} deep", text, i)
        elif ch in _CLOSE:
            if not stack:
                raise AnswerError(f"{ch!r} closes nothing", text, i)
            opened, _ = stack.pop()
            if _OPEN.index(opened) != _CLOSE.index(ch):
                raise AnswerError(f"{ch!r} does not match {opened!r}", text, i)
            depth -= 1
    if stack:
        opened, where = stack[-1]
        raise AnswerError(f"{opened!r} is never closed", text, where)


def _describe(token) -> str:
    value = str(getattr(token, "value", token))
    return repr(value) if value else "end of input"


def parse_tree(text: str) -> Tree:
    """The parse tree of ``text``, after :func:`precheck`; :class:`AnswerError` on any problem."""
    precheck(text)
    try:
        tree = parser().parse(text)
    except UnexpectedCharacters as err:
        raise AnswerError(f"unexpected character {text[err.pos_in_stream]!r}", text, err.column) from None
    except UnexpectedEOF:
        raise AnswerError("the answer ends too early", text, len(text)) from None
    except UnexpectedToken as err:
        if err.token.type == "$END":
            raise AnswerError("the answer ends too early", text, len(text)) from None
        raise AnswerError(f"unexpected {_describe(err.token)}", text, err.column) from None
    except UnexpectedInput as err:  # pragma: no cover - other lark input errors
        raise AnswerError(f"cannot read the answer ({type(err).__name__})", text, getattr(err, "column", None)) from None
    except LarkError as err:  # pragma: no cover
        raise AnswerError(f"cannot read the answer ({type(err).__name__})", text) from None
    _check_tree(tree, text)
    return tree


def _check_tree(tree: Tree, text: str) -> None:
    """Refuse trees deeper or larger than the limits (iteratively: no recursion on user input)."""
    stack = [(tree, 1)]
    count = 0
    while stack:
        node, depth = stack.pop()
        count += 1
        if depth > limits.MAX_TREE_DEPTH:
            col = getattr(getattr(node, "meta", None), "column", None) if isinstance(node, Tree) else getattr(node, "column", None)
            raise AnswerLimit(f"the expression is nested more than {limits.MAX_TREE_DEPTH} levels deep", text, col)
        if count > limits.MAX_NODES:
            raise AnswerLimit(f"the expression has more than {limits.MAX_NODES} parts")
        if isinstance(node, Tree):
            stack.extend((child, depth + 1) for child in node.children)
