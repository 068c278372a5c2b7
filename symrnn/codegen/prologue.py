"""The set-up statements of a generated module, printed through the NumPy printer.

Before the forward pass: the inputs as dicts, the dtype, each parameter checked against its shape,
the sizes B and T, the inputs as arrays indexed by step, and an array per time-indexed node; after
it, the targets; before the reversed loop, an array per adjoint that is not a per-step local or an
inline constant.
"""

from __future__ import annotations

import re

from ..core import ir
from ..core.labels import param_key
from ..core.unroll import Graph
from ..printing.numpy_code import Call, Name, NumPyCodePrinter, adjoint_code, name_code
from .fusion import Fusion
from .program import Block, Leaf, Statement

_PRINTER = NumPyCodePrinter()
_ARRAY = (ir.T_SYM + 2, Name("B"))  # the shape of a time-indexed array is (T + 2, B, n)
_DTYPE = Name("dtype")
_CHECK = Name("check_inputs")  # the module's argument: False trusts the arguments (the fast path)


def _assign(target: str, value) -> Statement:
    return Statement(target, "=", _PRINTER.code(value))


def _zeros(name: str, n: int, workspace: bool) -> Statement:
    """``name = np.zeros((T + 2, B, n), dtype)``; with ``workspace``, ``_zeros("name", ...)``: the
    array of the thread's last call of these sizes, zeroed (the NumPy module; numba allocates its
    own inside the compiled pass)."""
    if workspace:
        return _assign(name, Call("_zeros", (name, (*_ARRAY, n), _DTYPE)))
    return _assign(name, Call("np.zeros", ((*_ARRAY, n), _DTYPE)))


def _where(leaf: Leaf) -> Name:
    return Name("targets" if leaf.role == "target" else "inputs")


def _load(leaf: Leaf) -> Statement:
    """``x = _sequence(inputs, "x", T, B, 2, dtype)``: a leaf as an array indexed by the step."""
    T, B, where = Name("T"), Name("B"), _where(leaf)
    args = {
        "sequence": (where, leaf.key, T, B, leaf.width, _DTYPE, _CHECK),
        "first": (where, leaf.key, 1, T, B, leaf.width, _DTYPE),
        "last": (where, leaf.key, T, T, B, leaf.width, _DTYPE),
        "initial": (where, leaf.key, T, B, leaf.width, _DTYPE),
        "static": (where, leaf.key, B, leaf.width, _DTYPE, _CHECK),
    }[leaf.form]
    helper = {"first": "_one_step", "last": "_one_step"}.get(leaf.form, "_" + leaf.form)
    return _assign(leaf.name, Call(helper, args))


def _sizes(recurrent: bool, inputs: list[Leaf], targets: list[Leaf]) -> Statement:
    """``B, T = _sizes(steps, (sequences...), (others...))``, or ``B = _batch(inputs, "x")``."""
    if not recurrent:
        return _assign("B", Call("_batch", (Name("inputs"), inputs[0].key)))
    leaves = inputs + targets
    seqs = tuple(Call("_get", (_where(leaf), leaf.key)) for leaf in leaves if leaf.form == "sequence")
    others = tuple(Call("_get", (_where(leaf), leaf.key)) for leaf in leaves if leaf.form != "sequence")
    return _assign("B, T", Call("_sizes", (Name("steps"), seqs, others)))


def setup(graph: Graph, recurrent: bool, inputs: list[Leaf], targets: list[Leaf],
          arrays: list[tuple[str, int]], fusions: tuple[Fusion, ...] = (), workspace: bool = False) -> tuple[Statement, ...]:
    """Everything the forward pass needs before its first statement."""
    out = [
        _assign("inputs", Call("_as_dict", (Name("inputs"), next(leaf.key for leaf in inputs if leaf.form != "initial")))),
        _assign("targets", Call("_as_dict", (Name("targets"), targets[0].key))),
        _assign("dtype", Call("_dtype", (Name("params"), Name("inputs"), Name("targets"), _CHECK))),
    ]
    for v in graph.params:
        out.append(_assign(param_key(v), Call("_param", (Name("params"), param_key(v), v.shape, _DTYPE, _CHECK))))
    out += [f.weight_statement() for f in fusions]
    out.append(_sizes(recurrent, inputs, targets))
    out += [_load(leaf) for leaf in inputs]
    provided = {leaf.name for leaf in inputs}
    out += _allocate([(name, n) for name, n in arrays if name not in provided], fusions, False, workspace)
    return tuple(out)


def _allocate(arrays: list[tuple[str, int]], fusions: tuple[Fusion, ...], adjoint: bool,
              workspace: bool) -> list[Statement]:
    """An array of zeros per name; the gates of a fusion as views of one array, where the first was."""
    code = adjoint_code if adjoint else name_code
    names = {name for name, _ in arrays}
    fused = {}
    for f in fusions:
        members = [code(ir.Var(name, (1, 1), layer=layer)) for name, layer in f.members]
        if all(m in names for m in members):
            fused.update({m: (f, i == 0) for i, m in enumerate(members)})
    out: list[Statement] = []
    for name, n in arrays:
        if name not in fused:
            out.append(_zeros(name, n, workspace))
        elif fused[name][1]:
            f = fused[name][0]
            out += [_zeros(code(f.array), sum(f.widths), workspace), *f.view_statements(adjoint)]
    return out


def target_setup(targets: list[Leaf]) -> tuple[Statement, ...]:
    return tuple(_load(leaf) for leaf in targets)


def adjoint_setup(adjoint_arrays: list[tuple[str, int]], skip: set[str],
                  fusions: tuple[Fusion, ...] = (), workspace: bool = False) -> tuple[Statement, ...]:
    """An array per adjoint, bar ``skip`` (per-step locals and inline constants)."""
    return tuple(_allocate([(name, n) for name, n in adjoint_arrays if name not in skip], fusions, True, workspace))


def local_names(locals_: frozenset) -> set[str]:
    return {adjoint_code(ir.Var(name, (1, 1), layer=layer)) for name, layer in locals_}


_IDENTIFIER = re.compile(r"[A-Za-z_]\w*")


def kept(setup_: tuple[Statement, ...], forward: tuple[Block, ...], later: list[str]) -> tuple[str, ...]:
    """The names the forward pass assigns that ``later`` code (the reversed loop, without its
    comments) reads, in the order they are assigned."""
    top = tuple(s for b in forward if b.header is None for br in b.branches for s in br.statements)
    assigned: list[str] = []
    for s in setup_ + top:
        for name in s.target.split(", "):
            if _IDENTIFIER.fullmatch(name) and name not in assigned:
                assigned.append(name)
    used = set(_IDENTIFIER.findall("\n".join(later)))
    return tuple(name for name in assigned if name in used and name not in ("inputs", "targets", "L"))


def code_of(statements, blocks: tuple[Block, ...] = ()) -> list[str]:
    """The code of statements and blocks without their comments (the labels)."""
    out = [s.code for s in statements]
    for block in blocks:
        out.append(block.header or "")
        for branch in block.branches:
            out.append(branch.head or "")
            out += [s.code for s in branch.statements]
    return out


__all__ = ["adjoint_setup", "code_of", "kept", "local_names", "setup", "target_setup"]
