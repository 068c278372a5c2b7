"""What a numba ``@njit`` pass may contain: the NumPy printer's statements, rewritten and checked.

The numba back end (:mod:`symrnn.codegen.numba_backend`) compiles a generated module's forward
pass, loss and reversed pass whole. Their statements are the ones :mod:`.numpy_code` prints
(``@``, ``np.tanh``, slices, ``.T``, the activations' helpers), which numba's nopython mode
compiles as written, except for the forms over every step, which :func:`numba_code` rewrites into
calls of helpers that have a compiled form (numba reshapes no view and takes no ``out=`` or
``keepdims=``)::

    np.matmul(_steps(X, 1, T), W_xi, out=_steps(A_i, 1, T))   ->  _set_steps(A_i, 1, T, _steps(X, 1, T) @ W_xi)
    _steps(A_i, 1, T)[:] += b_i                               ->  _add_steps(A_i, 1, T, b_i)
    _steps(d_A_i, 1, T).sum(axis=0, keepdims=True)            ->  _sum_rows(_steps(d_A_i, 1, T))
    np.sum(_steps(Y, 1, T), axis=-1, keepdims=True)           ->  _sum_cols(_steps(Y, 1, T))

Every other character of a statement is kept. :func:`code_names` reads a pass's source: the names
it reads (its arguments), binds and the helpers it calls, and refuses, in one line naming it, any
construct outside the subset numba compiles (another keyword argument, a method call, a helper
without a compiled form).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from .numpy_code import CodegenError

NUMPY_CALLS = frozenset({"tanh", "exp", "log", "abs", "where", "maximum", "minimum", "logaddexp", "sqrt", "zeros",
                         "zeros_like", "ones_like", "concatenate"})
"""``np.<name>`` calls numba compiles with the arguments the printer gives them."""

KEYWORDS = {"concatenate": frozenset({"axis"})}
"""The keyword arguments numba takes, by ``np.<name>``."""

COMPILED_HELPERS = frozenset({"_sigmoid", "_sigmoid_grad", "_tanh_grad", "_relu", "_relu_grad", "_softplus",
                              "_half_sq", "_softmax", "_log_softmax", "_softmax_ce",
                              "_steps", "_set_steps", "_add_steps", "_sub_steps", "_sum_rows", "_sum_cols"})
"""Generated-code helpers with a compiled form (the activations' NumPy source unchanged, the rest
written for numba in :mod:`symrnn.codegen.numba_runtime`; each checked by a test)."""

ATTRIBUTES = frozenset({"T"})
BUILTINS = frozenset({"range"})
_INTO = {"=": "_set_steps", "+=": "_add_steps", "-=": "_sub_steps"}


@dataclass(frozen=True)
class CodeNames:
    """The names code reads from outside (a pass's arguments), binds, and the helpers it calls."""

    reads: tuple[str, ...]  # in order of first appearance
    binds: tuple[str, ...]
    helpers: tuple[str, ...]


# --------------------------------------------------------------------------- rewriting


def numba_code(code: str) -> str:
    """``code`` (one printed statement) in the form numba compiles; unchanged when it already is."""
    if "\n" in code:
        raise CodegenError(f"numba backend: a statement on several lines: {code!r}")
    node = ast.parse(code).body[0]
    return _statement(node, code) or _text(node, code)


def _statement(node: ast.stmt, src: str) -> str | None:
    """A whole-statement rewrite: the forms that write over every step."""
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call) and _seg(node.value.func, src) == "np.matmul":
        call = node.value
        out = [k.value for k in call.keywords if k.arg == "out"]
        if len(call.args) == 2 and len(call.keywords) == 1 and out and _steps_call(out[0]):
            product = f"{_operand(call.args[0], src)} @ {_operand(call.args[1], src)}"
            return f"{_INTO['=']}({_args(out[0], src)}, {product})"
    if isinstance(node, ast.Assign) and len(node.targets) == 1:
        target, op = node.targets[0], "="
    elif isinstance(node, ast.AugAssign) and isinstance(node.op, (ast.Add, ast.Sub)):
        target, op = node.target, "+=" if isinstance(node.op, ast.Add) else "-="
    else:
        return None
    if (isinstance(target, ast.Subscript) and _steps_call(target.value) and isinstance(target.slice, ast.Slice)
            and target.slice.lower is None and target.slice.upper is None and target.slice.step is None):
        return f"{_INTO[op]}({_args(target.value, src)}, {_text(node.value, src)})"
    return None


def _steps_call(node: ast.AST) -> bool:
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "_steps"
            and len(node.args) == 3 and not node.keywords)


def _args(call: ast.Call, src: str) -> str:
    return ", ".join(_text(a, src) for a in call.args)


def _operand(node: ast.expr, src: str) -> str:
    """An operand of a new ``@``: parenthesised unless an atom."""
    text = _text(node, src)
    return text if isinstance(node, (ast.Name, ast.Attribute, ast.Subscript, ast.Call)) else f"({text})"


def _keywords(call: ast.Call, src: str) -> dict[str, str]:
    return {k.arg: _seg(k.value, src) for k in call.keywords if k.arg}


def _expression(node: ast.AST, src: str) -> str | None:
    """A sub-expression rewrite: the sums that keep a dimension."""
    if not isinstance(node, ast.Call):
        return None
    kw = _keywords(node, src)
    if (isinstance(node.func, ast.Attribute) and node.func.attr == "sum" and not node.args
            and kw == {"axis": "0", "keepdims": "True"}):
        return f"_sum_rows({_text(node.func.value, src)})"
    if _seg(node.func, src) == "np.sum" and len(node.args) == 1 and kw == {"axis": "-1", "keepdims": "True"}:
        return f"_sum_cols({_text(node.args[0], src)})"
    return None


def _seg(node: ast.AST, src: str) -> str:
    return src[node.col_offset:node.end_col_offset]


def _text(node: ast.AST, src: str) -> str:
    """The source of ``node`` with every rewrite inside it made; the rest kept as written."""
    new = _expression(node, src)
    if new is not None:
        return new
    kids = sorted((k for k in ast.iter_child_nodes(node) if hasattr(k, "col_offset")), key=lambda k: k.col_offset)
    out, pos = [], node.col_offset
    for kid in kids:
        out += [src[pos:kid.col_offset], _text(kid, src)]
        pos = kid.end_col_offset
    return "".join(out) + src[pos:node.end_col_offset]


# --------------------------------------------------------------------------- checking


def _refuse(what: str, where: str) -> CodegenError:
    return CodegenError(f"numba backend: {what} is not supported in compiled code ({where})")


def _check_call(node: ast.Call, where: str) -> str | None:
    """The helper a call names (None for ``np.<f>``); refuses what numba would not compile."""
    func = node.func
    numpy = isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "np"
    allowed = KEYWORDS.get(func.attr, frozenset()) if numpy else frozenset()
    bad = [k for k in node.keywords if k.arg not in allowed]
    if bad:
        raise _refuse(f"keyword argument {bad[0].arg}=", where)
    if numpy:
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


def code_names(source: str, where: str) -> CodeNames:
    """Read ``source`` (statements and loops as printed): its free names, bound names and helpers."""
    tree = ast.parse(source)
    binds: list[str] = []
    helpers: list[str] = []
    for node in ast.walk(tree):
        _check(node, where, helpers)
    for node in _in_order(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store) and node.id not in binds:
            binds.append(node.id)
    skip = ("np", *BUILTINS, *helpers)
    reads: list[str] = []
    for node in _in_order(tree):
        if (isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id not in binds
                and node.id not in reads and node.id not in skip):
            reads.append(node.id)
    return CodeNames(tuple(reads), tuple(binds), tuple(helpers))


def _in_order(tree: ast.AST):
    """Every node, in source order (line, then column): a deterministic order of first appearance."""
    nodes = [n for n in ast.walk(tree) if hasattr(n, "lineno")]
    return sorted(nodes, key=lambda n: (n.lineno, n.col_offset))


def names_in(source: str) -> frozenset[str]:
    """Every name ``source`` reads or binds."""
    return frozenset(n.id for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Name))


__all__ = ["COMPILED_HELPERS", "KEYWORDS", "NUMPY_CALLS", "CodeNames", "code_names", "names_in", "numba_code"]
