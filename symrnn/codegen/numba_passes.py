"""A planned module cut for numba: the arguments read in Python, the passes compiled whole.

The set-up statements that read arguments (``_param``, ``_sizes``, ``_sequence``: helpers with no
compiled form) stay Python, in ``_arguments``, which returns what they bind (the *given* names:
the dtype, the parameters, B and T, the inputs and targets indexed by step). The rest of the set-up
(concatenated weights, arrays of zeros, gate views) and the forward blocks are the forward pass;
the loss blocks, the loss pass; the adjoint set-up, the reversed blocks and the gradients, the
reversed pass. Each statement is rewritten for numba (:func:`~symrnn.printing.numba_code.numba_code`)
and keeps its label. A pass's arguments are the names it reads, in the order the given names and
the earlier passes' results are bound; its results are the names it binds that later code reads.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from ..printing.numba_code import COMPILED_HELPERS, code_names, names_in, numba_code
from ..printing.numpy_code import CodegenError
from .numba_runtime import module_helpers
from .program import Block, Branch, Program, Statement
from .runtime import HELPERS

READING = frozenset(HELPERS) - COMPILED_HELPERS
"""Helpers that read arguments: a set-up statement calling one runs in Python."""


@dataclass(frozen=True)
class Pass:
    """One compiled function: its name, arguments, the planned blocks (loops inline) and results."""

    name: str
    doc: str
    args: tuple[str, ...]
    blocks: tuple[Block, ...]
    returns: tuple[str, ...]

    @property
    def signature(self) -> str:
        return wrap(["def ", f"{self.name}(", *_listed(self.args, "):")], "        ")

    @property
    def result(self) -> str:
        return returning(self.returns)

    def call(self, indent: str, lhs: tuple[str, ...] = (), head: str = "") -> str:
        """``a, b = name(x, y)`` (or ``head name(x, y)``) at ``indent``."""
        bound = _tuple(lhs, f" = {self.name}(") if lhs else [f"{self.name}("]
        return wrap([indent + head, *bound, *_listed(self.args, ")")], indent + "    ")


@dataclass(frozen=True)
class NumbaProgram:
    """The planned module as the numba template prints it."""

    p: Program
    reading: tuple[Statement, ...]  # the body of _arguments
    given: tuple[str, ...]  # what _arguments returns
    forward: Pass
    loss: Pass
    backward: Pass
    inputs_of_gradients: tuple[str, ...]  # the given names the passes read: _gradients_pass's arguments
    helpers: tuple[tuple[str, bool], ...]  # (source, compiled)

    @property
    def target(self) -> str:
        """The array of the (first) target: None when ``forward`` is called without targets."""
        return self.p.targets[0].name

    @property
    def gradients_call(self) -> str:
        grads = ["d_" + key for key, _ in self.p.params]
        pieces = ["    L, (", *_listed(grads, ") = _gradients_pass("), *_listed(self.inputs_of_gradients, ")")]
        return wrap(pieces, "        ")


def assign(indent: str, names, value: str) -> str:
    """``a, b = value`` at ``indent``, the names wrapped in parentheses when several."""
    return wrap([indent, *_tuple(list(names), " = " + value)], indent + "    ")


def listed(head: str, names, tail: str = "", indent: str = "        ") -> str:
    """``head a, b, c tail``, wrapped."""
    return wrap([head, *_listed(names, tail)], indent)


def returning(names) -> str:
    """``return a`` or ``return (a, b)``, wrapped."""
    return wrap(["    return ", *_tuple(list(names))], "            ")


def wrap(pieces: list[str], indent: str, width: int = 100) -> str:
    """``pieces`` joined, a line broken before a piece that would pass ``width`` (continuation at ``indent``)."""
    lines = [""]
    for piece in pieces:
        if lines[-1].strip() and len(lines[-1]) + len(piece.rstrip()) > width:
            lines[-1] = lines[-1].rstrip()
            lines.append(indent)
        lines[-1] += piece
    return "\n".join(lines)


def _listed(names, tail: str = "") -> list[str]:
    """Names as pieces to wrap: ``a, `` ... ``z`` + ``tail`` (a closing bracket stays on the last name's line)."""
    names = list(names)
    return [n + ", " for n in names[:-1]] + [n + tail for n in names[-1:]] if names else [tail]


def _tuple(names, tail: str = "") -> list[str]:
    """``a`` or ``(a, b, c)``, as pieces to wrap, ``tail`` kept on the last line."""
    if len(names) == 1:
        return [names[0] + tail]
    return ["(", *_listed(names, ")" + tail)]


# --------------------------------------------------------------------------- statements


def _rewrite(s: Statement) -> Statement:
    code = numba_code(s.code)
    return s if code == s.code else Statement(code, "", "", s.label)


def _compiled(blocks: tuple[Block, ...]) -> tuple[Block, ...]:
    return tuple(Block(b.header, tuple(Branch(br.head, tuple(_rewrite(s) for s in br.statements))
                                       for br in b.branches)) for b in blocks)


def _flat(statements) -> tuple[Block, ...]:
    return (Block(None, (Branch(None, tuple(statements)),)),) if statements else ()


def source(blocks: tuple[Block, ...]) -> str:
    """The blocks as a function body prints them, without its indentation."""
    lines: list[str] = []
    for block in blocks:
        indent = "    " if block.header else ""
        if block.header:
            lines.append(block.header)
        for branch in block.branches:
            inner = indent + "    " if branch.head else indent
            if branch.head:
                lines.append(indent + branch.head)
            lines.extend(inner + s.text for s in branch.statements)
    return "\n".join(lines) + "\n"


def _reads_an_argument(s: Statement) -> bool:
    calls = [n.func.id for n in ast.walk(ast.parse(s.code)) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)]
    return any(name in READING for name in calls)


def _reading(program: Program) -> tuple[tuple[Statement, ...], tuple[Statement, ...]]:
    """The set-up cut in two: ``(statements in Python, statements compiled)``; targets read when given."""
    python = [s for s in program.setup if _reads_an_argument(s)]
    rest = tuple(s for s in program.setup if not _reads_an_argument(s))
    bound = {n for s in rest for n in code_names(s.code, "set-up").binds}
    used = names_in("\n".join(s.code for s in python))
    if bound & used:
        raise CodegenError(f"numba backend: argument reading uses {min(bound & used)}, which compiled set-up binds")
    for s in program.target_setup:
        python.append(Statement(s.target, "=", f"None if targets is None else {s.value}"))
    return tuple(python), rest


# --------------------------------------------------------------------------- passes


def _ordered(names, sources: list[tuple[str, ...]], where: str) -> tuple[str, ...]:
    """A pass's arguments: the names it reads, in the order they are bound (given names first, then
    earlier passes' results); refuses a name nothing before binds, and a pass rebinding one."""
    order = [n for names_ in sources for n in names_]
    missing = [n for n in names.reads if n not in order]
    if missing:
        raise CodegenError(f"numba backend: the {where} reads {missing[0]}, which nothing before it binds")
    rebound = [n for n in names.binds if n in order]
    if rebound:
        raise CodegenError(f"numba backend: the {where} binds {rebound[0]} again, which it is given")
    return tuple(n for n in dict.fromkeys(order) if n in names.reads)


def _given(reading: tuple[Statement, ...]) -> tuple[str, ...]:
    names = [n for s in reading for n in s.target.split(", ")]
    return tuple(n for n in dict.fromkeys(names) if n not in ("inputs", "targets"))


def plan_numba(program: Program) -> NumbaProgram:
    """Cut ``program`` into argument reading and compiled passes; refuse, in one line, what numba cannot compile."""
    if not program.recurrent:
        raise CodegenError(f"numba backend: {program.spec.name} has no loop over time to compile (not recurrent)")
    reading, setup = _reading(program)
    given = _given(reading)
    fwd_blocks = _compiled(_flat(setup) + program.forward)
    loss_blocks = _compiled(program.loss)
    bwd_blocks = _compiled(_flat(program.adjoint_setup) + program.backward + _flat(program.gradients))
    f = code_names(source(fwd_blocks), "forward pass")
    lo = code_names(source(loss_blocks), "loss")
    b = code_names(source(bwd_blocks), "reversed pass")
    shown = names_in("\n".join(o.code for o in program.outputs))
    missing = [n for n in shown if n not in f.binds and n not in given]
    if missing:
        raise CodegenError(f"numba backend: the outputs read {missing[0]}, which nothing before them binds")
    fwd_returns = tuple(n for n in f.binds if n in set(lo.reads) | set(b.reads) | shown)
    if "L" not in lo.binds:
        raise CodegenError("numba backend: the loss blocks do not bind L")
    loss_returns = ("L", *(n for n in lo.binds if n in b.reads and n != "L"))
    grads = tuple("d_" + key for key, _ in program.params)
    missing = [g for g in grads if g not in b.binds]
    if missing:
        raise CodegenError(f"numba backend: the reversed pass binds no {missing[0]}")
    forward = Pass("_forward_pass", "the forward pass, every step kept", _ordered(f, [given], "forward pass"),
                   fwd_blocks, fwd_returns)
    loss = Pass("_loss_pass", "the loss", _ordered(lo, [given, fwd_returns], "loss"), loss_blocks, loss_returns)
    backward = Pass("_backward_pass", "the reversed pass and the parameter gradients",
                    _ordered(b, [given, fwd_returns, loss_returns], "reversed pass"), bwd_blocks, grads)
    read = set(forward.args) | set(loss.args) | set(backward.args)
    compiled = source(fwd_blocks) + source(loss_blocks) + source(bwd_blocks)
    python = "\n".join([s.code for s in reading] + [o.code for o in program.outputs])
    return NumbaProgram(program, reading, given, forward, loss, backward, tuple(n for n in given if n in read),
                        module_helpers(python, compiled))


__all__ = ["NumbaProgram", "Pass", "assign", "listed", "plan_numba", "returning", "source", "wrap"]
