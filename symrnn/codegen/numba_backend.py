"""``symrnn codegen SPEC --backend numba``: the same module with its loops over time compiled.

The pipeline is the NumPy one up to the planned :class:`~.program.Program`; then each ``for``
loop of the forward pass and of the reversed loop becomes a kernel, a module-level function
decorated ``@numba.njit`` holding the loop exactly as planned (every statement citing its
equation label), and the function body calls it with plain arrays::

    program = plan(derive(spec))                # the NumPy back end's plan
    kernels = [kernel(block) for each loop]     # free names -> arguments, checked for numba
    source = render(program, kernels)           # module_numba.py.j2

Parameters are read, checked and unpacked in Python, as in the NumPy module; the loop-free
statements (one product over all steps) stay NumPy calls there. numba is an optional extra
(``pip install symrnn[numba]``); the generated module imports it.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass, replace

import jinja2

from ..core.derive import GENERIC_STEPS, derive
from ..core.spec import Spec, with_steps
from ..printing.numba_code import COMPILED_HELPERS, loop_names, names_in
from ..printing.numpy_code import CodegenError
from ..printing.pytext import docstring_text, python_string
from .program import Block, Branch, Program
from .runtime import HELPERS


class NumbaMissing(CodegenError):
    """``--backend numba`` without numba installed."""


@dataclass(frozen=True)
class Kernel:
    """One loop over time as a compiled function: its name, arguments and the planned loop."""

    name: str
    role: str  # forward, loss or backward
    args: tuple[str, ...]
    block: Block

    @property
    def doc(self) -> str:
        return f"the {self.role} loop over t"

    @property
    def signature(self) -> str:
        return "def " + _wrapped(self.name, self.args, "        ") + ":"


@dataclass(frozen=True)
class KernelCall:
    """The line in a function body that runs a kernel (what the template prints as ``s.text``)."""

    kernel: Kernel

    @property
    def text(self) -> str:
        return _wrapped(self.kernel.name, self.kernel.args, "        ") + "  # compiled loop over t"


def _wrapped(name: str, args: tuple[str, ...], indent: str) -> str:
    """``name(a, b, ...)`` wrapped at about 90 characters, continuation lines indented."""
    lines = [f"{name}("]
    for i, arg in enumerate(args):
        piece = arg + (", " if i < len(args) - 1 else "")
        if len(lines[-1]) + len(piece.rstrip()) > 80:
            lines[-1] = lines[-1].rstrip()
            lines.append(indent)
        lines[-1] += piece
    return "\n".join(lines) + ")"


@dataclass(frozen=True)
class NumbaProgram:
    """A planned module whose loops are kernels: ``program``'s loop blocks replaced by calls."""

    p: Program
    kernels: tuple[Kernel, ...]
    jitted: tuple[str, ...]  # helper sources to decorate with @njit (those the kernels call)


def loop_source(block: Block) -> str:
    """The loop as the NumPy module prints it (header, branch heads, statements with labels)."""
    lines = [block.header]
    for branch in block.branches:
        indent = "    "
        if branch.head:
            lines.append("    " + branch.head)
            indent = "        "
        lines.extend(indent + s.text for s in branch.statements)
    return "\n".join(lines) + "\n"


def _kernels(blocks: tuple[Block, ...], prefix: str, outside: frozenset[str], counter: list[int]):
    """``blocks`` with each loop replaced by a call to its kernel, and the kernels."""
    out, kernels = [], []
    for block in blocks:
        if not block.header:
            out.append(block)
            continue
        counter[0] += 1
        name = f"_{prefix}_loop" + ("" if counter[0] == 1 else f"_{counter[0]}")
        where = f"{prefix} loop {block.header.strip()}"
        names = loop_names(loop_source(block), where)
        leaked = [n for n in names.binds if n in outside]
        if leaked:
            raise CodegenError(f"numba backend: the loop binds {leaked[0]}, which code outside it uses ({where})")
        kernel = Kernel(name, prefix, names.reads, block)
        kernels.append(kernel)
        out.append(Block(None, (Branch(None, (KernelCall(kernel),)),)))
    return tuple(out), kernels


def _outside(program: Program) -> frozenset[str]:
    """Names the loop-free statements and outputs use (a loop's locals must not be among them)."""
    statements = program.setup + program.target_setup + program.adjoint_setup + program.gradients
    flat = [s for b in program.forward + program.loss + program.backward if not b.header
            for br in b.branches for s in br.statements]
    code = "\n".join(s.text for s in statements + tuple(flat))
    code += "\n" + "\n".join(o.code for o in program.outputs)
    return names_in(code)


def _jitted(kernels: list[Kernel]) -> tuple[str, ...]:
    """The helpers the kernels call, with the helpers those call (all must have a compiled form)."""
    todo = [h for k in kernels for h in loop_names(loop_source(k.block), k.name).helpers]
    wanted: set[str] = set()
    while todo:
        name = todo.pop()
        if name in wanted:
            continue
        if name not in COMPILED_HELPERS:
            raise CodegenError(f"numba backend: the helper {name}() is not supported in a compiled loop")
        wanted.add(name)
        todo.extend(HELPERS[name][0])
    return tuple(HELPERS[name][1] for name in HELPERS if name in wanted)


def plan_numba(program: Program) -> NumbaProgram:
    """Turn the loops of ``program`` into kernels; refuse, in one line, what numba cannot compile."""
    if not program.recurrent:
        raise CodegenError(f"numba backend: {program.spec.name} has no loop over time to compile (not recurrent)")
    outside = _outside(program)
    forward, fk = _kernels(program.forward, "forward", outside, [0])
    loss, lk = _kernels(program.loss, "loss", outside, [0])
    backward, bk = _kernels(program.backward, "backward", outside, [0])
    kernels = fk + lk + bk
    p = replace(program, forward=forward, loss=loss, backward=backward)
    return NumbaProgram(p, tuple(kernels), _jitted(kernels))


def _environment() -> jinja2.Environment:
    loader = jinja2.PackageLoader("symrnn", "templates")
    env = jinja2.Environment(loader=loader, keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True,
                             undefined=jinja2.StrictUndefined, autoescape=False)
    env.filters["pystr"] = python_string
    env.filters["pydoc"] = docstring_text
    return env


def render_numba(program: NumbaProgram) -> str:
    return _environment().get_template("module_numba.py.j2").render(p=program.p, n=program)


def require_numba() -> None:
    if importlib.util.find_spec("numba") is None:
        raise NumbaMissing("--backend numba needs numba: pip install 'symrnn[numba]' (numba and scipy)")


def generate_numba(spec: Spec, hoist: bool = True) -> str:
    """The numba module of ``spec``: ``derive -> plan -> kernels -> render``."""
    from .generate import plan  # the NumPy back end's planner, shared

    require_numba()
    if spec.recurrent:
        spec = with_steps(spec, GENERIC_STEPS)
    return render_numba(plan_numba(plan(derive(spec), hoist=hoist)))


__all__ = ["Kernel", "KernelCall", "NumbaMissing", "NumbaProgram", "generate_numba", "loop_source", "plan_numba",
           "render_numba", "require_numba"]
