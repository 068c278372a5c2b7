"""How a person's names map to the derivation's quantities: the checker's naming conventions.

A name is spelled by its base and the name-like pieces of its subscripts: the longest run that
spells a known name is the name (``W`` + ``hh`` -> ``W_hh``; ``w`` + ``5`` -> ``w5``), tried
as written, then under its aliases (``z_t`` is ``a_t``), then in lower case when the network
has no such capital (the lecture's ``W_5`` is the MLP's ``w5``; the echo shows what was read). ``\\tilde{C}`` and ``\\hat{y}`` add
``_tilde`` and ``hat``. A piece ``lN`` is layer ``N``.

An adjoint is written ``\\frac{\\partial L}{\\partial x}``, ``\\frac{dL}{dx}``, ``dL/dx``,
``dL/d x`` or ``dL_dx``; ``\\delta`` is the adjoint of the hidden pre-activation ``a`` (or of
``h`` when the cell has none). Function names may be wrapped in ``\\operatorname{...}`` and
the like; ``f`` and ``\\phi`` are the spec's own activation.
"""

from __future__ import annotations

from lark import Token, Tree

from ..core.activations import ACTIVATIONS
from ..i18n import _
from .parse import AnswerError
from .symbols import INDEX_NAMES, SymbolTable
from .values import Pending, column

FUNCTIONS = {
    **{alias: act.name for act in ACTIVATIONS.values() for alias in (act.name, *act.aliases)},
    "diag": "diag", "softmax": "softmax", "sum_rows": "sum_rows", "sum\\_rows": "sum_rows", "phi": "spec", "f": "spec",
}
"""Every function name a person may type -> the activation (or ``diag``, ``softmax``,
``sum_rows``; ``spec``: the spec's own activation)."""

FUNCTION_WRAPPERS = ("\\operatorname", "\\mathrm", "\\textrm", "\\text", "\\mathop")


def function_name(raw: str) -> str:
    """``\\operatorname{tanh}``, ``\\mathrm{softmax}``, ``\\sigma`` -> ``tanh``, ``softmax``, ``sigma``."""
    for prefix in FUNCTION_WRAPPERS:
        if raw.startswith(prefix):
            raw = raw[len(prefix):].strip().strip("{}").strip()
    return raw.lstrip("\\")


def layer_of(word: str) -> int | None:
    """The layer a subscript piece names (``l2`` -> 2), or None."""
    return int(word[1:]) if word.startswith("l") and word[1:].isdigit() else None


def candidates(base: str, words: list[str]) -> list[str]:
    """Every spelling of ``base`` followed by ``words``, joined with or without ``_``."""
    out = [base]
    for w in words:
        out = [c + sep + w for c in out for sep in ("_", "")]
    return out


def decorate(name: str, wrappers: tuple) -> str:
    if "tilde" in wrappers or "widetilde" in wrappers:
        name += "_tilde"
    if "hat" in wrappers or "widehat" in wrappers:
        name += "hat"
    return name


def spell(table: SymbolTable, base: str, pieces: list, wrappers: tuple, text: str, col) -> tuple[str, list]:
    """The known name spelled by ``base`` and the longest run of name-like pieces, and the pieces left.

    Refuses an unknown name with the list of the network's names.
    """
    words = []
    for kind, value, _c in pieces:
        if kind not in ("word", "num"):
            break
        words.append(value)
    for name in (base, table.alias(base), base.lower() if not table.has(base) else None):
        if name is None:
            continue
        for k in range(len(words), -1, -1):
            for cand in candidates(name, words[:k]):
                cand = decorate(cand, wrappers)
                if table.has(cand):
                    return cand, pieces[k:]
    shown = decorate("_".join([base] + words[:1]) if words and words[0] not in INDEX_NAMES else base, wrappers)
    raise AnswerError(_("unknown symbol {shown}; this network has: {value}").format(shown=repr(shown), value=table.listing()), text, col)


def adjoint_spelling(table: SymbolTable, p: Pending, text: str, col) -> tuple[str, list, bool]:
    """``(base, pieces, adjoint)`` of a pending name once the adjoint spellings are read.

    ``dL_dh_t`` -> ``h``, ``t``; ``dh`` after ``dL/`` -> ``h``; ``\\delta`` -> the quantity it
    stands for (refused where the network has neither ``a`` nor ``h``).
    """
    base, pieces, adjoint = p.base, list(p.pieces), p.adjoint
    if base == "dL" and not adjoint and pieces and pieces[0][0] == "word" and pieces[0][1].startswith("d") and len(pieces[0][1]) > 1:
        adjoint = True
        base = pieces[0][1][1:]
        pieces = pieces[1:]
    elif adjoint and not p.wrappers and base.startswith("d") and len(base) > 1 and not table.has(base):
        base = base[1:]
    if base == "delta":
        adjoint = True
        layer = p.layer
        for kind, value, _c in pieces:
            if kind == "word" and layer_of(value) is not None:
                layer = layer_of(value)
        base = table.delta_target(layer)
        if base is None:
            raise AnswerError(_("\\delta is ambiguous for this network; write \\frac{\\partial L}{\\partial ...} instead"), text, col)
    return base, pieces, adjoint


# --------------------------------------------------------------------------- dL/dx as a tree


def is_loss_tree(tree) -> bool:
    """``L`` or ``dL`` (or ``\\mathcal{L}``): the numerator's loss."""
    if isinstance(tree, Tree) and tree.data == "name":
        return tree.children[0].value in ("L", "dL")
    if isinstance(tree, Tree) and tree.data == "wrapped":
        inner = tree.children[1]
        return isinstance(inner, Token) and inner.value == "L"
    return False


def d_prefixed(tree) -> bool:
    """``dh_t``, ``dh[t]``: a name starting with d (handled when the symbol resolves)."""
    node = tree
    while isinstance(node, Tree) and node.data in ("sub_", "index", "sup"):
        node = node.children[0]
    return isinstance(node, Tree) and node.data == "name" and node.children[0].value.startswith("d") and len(node.children[0].value) > 1


def _is_d(tree) -> bool:
    return isinstance(tree, Tree) and (tree.data == "partial" or (tree.data == "name" and tree.children[0].value == "d"))


def adjoint_target(num, den, text: str):
    """The tree of ``x`` when ``num/den`` reads as ``dL/dx`` (``\\partial L`` / ``d L`` / ``dL``), else None."""
    is_d = False
    if isinstance(num, Tree) and num.data == "juxt":
        head, tail = num.children
        if isinstance(head, Tree) and head.data in ("partial",) and is_loss_tree(tail):
            is_d = True
        if isinstance(head, Tree) and head.data == "name" and head.children[0].value == "d" and is_loss_tree(tail):
            is_d = True
    elif isinstance(num, Tree) and num.data == "name" and num.children[0].value == "dL":
        is_d = True
    if not is_d:
        return None
    if isinstance(den, Tree) and den.data == "juxt":
        head, tail = den.children
        if _is_d(head):
            return tail
    if d_prefixed(den):
        return den
    raise AnswerError(_("the denominator of dL/dx must be \\partial x or dx"), text, column(den))


def _strip_d(tree) -> tuple[object, bool] | None:
    """``\\partial x`` / ``d x`` -> ``(x, False)``; ``dx`` -> ``(dx, True)`` (the d is stripped when read)."""
    if isinstance(tree, Tree) and tree.data == "juxt":
        head, tail = tree.children
        if _is_d(head):
            return tail, False
        return None
    if d_prefixed(tree):
        return tree, True
    return None


def jacobian_target(num, den):
    """``((x, strip), (y, strip))`` when ``num/den`` reads as the Jacobian ``dx/dy`` (x not the loss), else None."""
    top = _strip_d(num)
    if top is None or is_loss_tree(top[0]):
        return None
    if top[1] and isinstance(top[0], Tree):
        node = top[0]
        while isinstance(node, Tree) and node.data in ("sub_", "index", "sup"):
            node = node.children[0]
        if node.children[0].value == "dL":
            return None
    bottom = _strip_d(den)
    if bottom is None:
        return None
    return top, bottom
