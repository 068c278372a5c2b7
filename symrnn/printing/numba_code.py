"""What a numba ``@njit`` kernel may contain: the NumPy printer's loop statements, checked.

The numba back end (:mod:`symrnn.codegen.numba_backend`) compiles the loops over time of a
generated module. Their statements are the ones :mod:`.numpy_code` prints (``@``, ``np.tanh``,
slices, ``.T``, the activations' helpers), which numba's nopython mode compiles as written. This
module reads a loop's source and says which names it reads and binds (the kernel's arguments and
its locals), and refuses, in one line naming it, any construct outside the subset numba compiles
(a keyword argument such as ``keepdims=True``, a method call, a helper without a compiled form).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from .numpy_code import CodegenError

NUMPY_CALLS = frozenset({"tanh", "exp", "log", "abs", "where", "maximum", "minimum", "logaddexp", "sqrt", "zeros"})
"""``np.<name>`` calls numba compiles with the arguments the printer gives them."""

COMPILED_HELPERS = frozenset({"_sigmoid", "_sigmoid_grad", "_tanh_grad", "_relu", "_relu_grad", "_softplus"})
"""Generated-code helpers whose NumPy source numba compiles unchanged (each checked by a test)."""

ATTRIBUTES = frozenset({"T"})
BUILTINS = frozenset({"range"})


@dataclass(frozen=True)
class LoopNames:
    """The names a loop reads from outside (its kernel's arguments), binds, and the helpers it calls."""

    reads: tuple[str, ...]  # in order of first appearance
    binds: tuple[str, ...]
    helpers: tuple[str, ...]


def _refuse(what: str, where: str) -> CodegenError:
    return CodegenError(f"numba backend: {what} is not supported in a compiled loop ({where})")


def _check_call(node: ast.Call, where: str) -> str | None:
    """The helper a call names (None for ``np.<f>``); refuses what numba would not compile."""
    if node.keywords:
        raise _refuse(f"keyword argument {node.keywords[0].arg}=", where)
    func = node.func
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "np":
        if func.attr not in NUMPY_CALLS:
            raise _refuse(f"np.{func.attr}", where)
        return None
    if isinstance(func, ast.Name) and func.id in BUILTINS:
        return None
    if isinstance(func, ast.Name):
        if func.id not in COMPILED_HELPERS:
            raise _refuse(f"the helper {func.id}()", where)
        return func.id
    raise _refuse(f"the call {ast.unparse(func)}()", where)


def _check(node: ast.AST, where: str, helpers: list[str]) -> None:
    if isinstance(node, ast.Call):
        helper = _check_call(node, where)
        if helper and helper not in helpers:
            helpers.append(helper)
    elif isinstance(node, ast.Attribute) and node.attr not in ATTRIBUTES and not (
            isinstance(node.value, ast.Name) and node.value.id == "np"):
        raise _refuse(f"the attribute .{node.attr}", where)


def loop_names(source: str, where: str) -> LoopNames:
    """Read ``source`` (one ``for`` loop as printed): its free names, bound names and helpers."""
    tree = ast.parse(source)
    reads: list[str] = []
    binds: list[str] = []
    helpers: list[str] = []
    for node in ast.walk(tree):
        _check(node, where, helpers)
    loop = tree.body[0]
    if isinstance(loop, ast.For) and isinstance(loop.target, ast.Name):
        binds.append(loop.target.id)
    for node in _in_order(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store) and node.id not in binds:
            binds.append(node.id)
    skip = ("np", *BUILTINS, *helpers)
    for node in _in_order(tree):
        if (isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id not in binds
                and node.id not in reads and node.id not in skip):
            reads.append(node.id)
    return LoopNames(tuple(reads), tuple(binds), tuple(helpers))


def _in_order(tree: ast.AST):
    """Every node, in source order (line, then column): a deterministic order of first appearance."""
    nodes = [n for n in ast.walk(tree) if hasattr(n, "lineno")]
    return sorted(nodes, key=lambda n: (n.lineno, n.col_offset))


def names_in(source: str) -> frozenset[str]:
    """Every name ``source`` (statements outside the loops) reads or binds."""
    return frozenset(n.id for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Name))


__all__ = ["COMPILED_HELPERS", "NUMPY_CALLS", "LoopNames", "loop_names", "names_in"]
