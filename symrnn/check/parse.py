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
from ..i18n import _
from . import limits
from .grammar import ALLOWED_COMMANDS, ALLOWED_SYMBOLS, ALLOWED_UNICODE


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
        where = _("column {column}: ").format(column=column) if column is not None else ""
        snippet = ""
        if text and column is not None and len(text) <= 200:
            snippet = f"\n  {text}\n  {' ' * (column - 1)}^"
        super().__init__(f"{where}{message}{snippet}")


class AnswerLimit(AnswerError):
    """A typed answer is too large (length, depth, exponent): refused before any work."""


@lru_cache(maxsize=1)
def parser() -> Lark:
    """The LALR parser of the answer grammar: loaded from its shipped tables (``tables.py``), else built."""
    from . import tables

    return tables.parser()


_ALLOWED_SHOWN = "\\frac, \\sum, \\prod, \\odot, \\top, \\partial, \\delta, \\sigma, \\tanh, \\operatorname{diag}, \\mathbf, \\left( \\right)"
_COMMAND = re.compile(r"\\([A-Za-z]+|.)", re.DOTALL)
_NUMBER = re.compile(r"[0-9]+")
_OPEN = "([{"
_CLOSE = ")]}"


def precheck(text: str) -> None:
    """Refuse input that is too long, has odd characters, unknown commands or deep nesting."""
    if not isinstance(text, str):
        raise AnswerError(_("the answer must be text"))
    if len(text) > limits.MAX_LENGTH:
        raise AnswerLimit(_("the answer is {length} characters long; the limit is {limit}").format(length=len(text), limit=limits.MAX_LENGTH))
    if not text.strip():
        raise AnswerError(_("the answer is empty"))
    for i, ch in enumerate(text, start=1):
        if ch in ALLOWED_UNICODE or ch in "\t\n\r":
            continue
        if not (" " <= ch <= "~"):
            raise AnswerError(_("character {code} is not allowed (use ASCII or LaTeX commands)").format(code=f"U+{ord(ch):04X}"), text, i)
        if ch in "%#&$\"`;|!?<>":
            if i >= 2 and text[i - 2] == "\\":
                continue
            raise AnswerError(_("character {char} is not allowed here").format(char=repr(ch)), text, i)
    for match in _COMMAND.finditer(text):
        word = match.group(1)
        if match.group(0) in ALLOWED_SYMBOLS:
            continue
        if word.isalpha() and word in ALLOWED_COMMANDS:
            continue
        shown = "\\" + word
        raise AnswerError(_("unknown command {command}; allowed: {allowed} ...").format(command=repr(shown), allowed=_ALLOWED_SHOWN),
                          text, match.start() + 1)
    for match in _NUMBER.finditer(text):
        if len(match.group(0)) > limits.MAX_NUMBER_DIGITS:
            raise AnswerLimit(_("a number with {digits} digits is above the limit of {limit}").format(
                digits=len(match.group(0)), limit=limits.MAX_NUMBER_DIGITS), text, match.start() + 1)
    depth = 0
    stack: list[tuple[str, int]] = []
    for i, ch in enumerate(text, start=1):
        if ch in _OPEN:
            depth += 1
            stack.append((ch, i))
            if depth > limits.MAX_DEPTH:
                raise AnswerLimit(_("brackets are nested more than {limit} deep").format(limit=limits.MAX_DEPTH), text, i)
        elif ch in _CLOSE:
            if not stack:
                raise AnswerError(_("{char} closes nothing").format(char=repr(ch)), text, i)
            opened, _where = stack.pop()
            if _OPEN.index(opened) != _CLOSE.index(ch):
                raise AnswerError(_("{char} does not match {opened}").format(char=repr(ch), opened=repr(opened)), text, i)
            depth -= 1
    if stack:
        opened, where = stack[-1]
        raise AnswerError(_("{opened} is never closed").format(opened=repr(opened)), text, where)


def _describe(token) -> str:
    value = str(getattr(token, "value", token))
    return repr(value) if value else _("end of input")


def parse_tree(text: str) -> Tree:
    """The parse tree of ``text``, after :func:`precheck`; :class:`AnswerError` on any problem."""
    precheck(text)
    try:
        tree = parser().parse(text)
    except UnexpectedCharacters as err:
        raise AnswerError(_("unexpected character {char}").format(char=repr(text[err.pos_in_stream])), text, err.column) from None
    except UnexpectedEOF:
        raise AnswerError(_("the answer ends too early"), text, len(text)) from None
    except UnexpectedToken as err:
        if err.token.type == "$END":
            raise AnswerError(_("the answer ends too early"), text, len(text)) from None
        raise AnswerError(_("unexpected {token}").format(token=_describe(err.token)), text, err.column) from None
    except UnexpectedInput as err:  # pragma: no cover - other lark input errors
        raise AnswerError(_("cannot read the answer ({error})").format(error=type(err).__name__), text, getattr(err, "column", None)) from None
    except LarkError as err:  # pragma: no cover
        raise AnswerError(_("cannot read the answer ({error})").format(error=type(err).__name__), text) from None
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
            raise AnswerLimit(_("the expression is nested more than {limit} levels deep").format(limit=limits.MAX_TREE_DEPTH), text, col)
        if count > limits.MAX_NODES:
            raise AnswerLimit(_("the expression has more than {limit} parts").format(limit=limits.MAX_NODES))
        if isinstance(node, Tree):
            stack.extend((child, depth + 1) for child in node.children)
