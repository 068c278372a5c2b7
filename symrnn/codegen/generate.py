"""Generate a NumPy module from a Derivation: a forward loop over time and a reversed loop.

The pipeline reads as one function, :func:`generate`::

    derivation = derive(spec)                   # generic equations with boundary cases
    program = plan(derivation)                  # ordered blocks of printed statements
    source = render(program)                    # jinja2 arranges the printed strings

Everything comes from the derivation's *generic* equations (``generic_forward``,
``generic_adjoints``, ``generic_gradients``): each equation becomes one statement per forward
node and one per adjoint contribution, cites its label (``# adj:h:t``), and the boundary cases
(``adj:h:T``) become ``if``/``elif`` branches inside the loop. Steps whose equation does not
depend on another step (outputs, their adjoints) are one statement over all steps at once; so is
the loop-free part of a recurrent equation (``X_t W_xh + b_h``, ``dL/dYhat_t W_hq^T``), computed
before the loop that then adds the recurrent part (``H_{t-1} W_hh``) with ``+=``, both citing the
same label; an activation the forward loop computes and the reversed loop needs again
(``tanh(C_t)``) is kept in an array (``tanh_C[t]``), one a loop body needs twice is computed once
per step; an adjoint used only within its own step (``dL/dI_t``) is a per-step local ``d_I``; and
each parameter gradient ``sum_t ...`` is one product over all steps stacked as rows (the reversed
loop accumulates the adjoints, the sums over t then need no loop).

The jobs live in their own modules: :mod:`.rows` (column notation rewritten for examples stored as
rows), :mod:`.layout` (inputs, arrays, outputs), :mod:`.planner` and :mod:`.blocks` (segments,
loops, hoisting), :mod:`.prologue` (the set-up statements, printed through the NumPy printer),
:mod:`.runtime` (the helpers, each only when called). The generated module runs the forward pass
once, in ``_forward``, which both ``forward`` and ``gradients`` call.
"""

from __future__ import annotations

from dataclasses import replace
from importlib import resources
from pathlib import Path

import jinja2

from .. import __version__
from ..core.derive import GENERIC_STEPS, Derivation, derive
from ..core.labels import param_key
from ..core.spec import Spec, with_steps
from ..core.unroll import unroll
from ..printing.numpy_code import CodegenError
from ..printing.pytext import docstring_text, python_string
from . import layout, products, prologue
from .blocks import blocks, fusions
from .planner import Planner, by_template, cases, gradient_statements, is_loop, local_adjoints, segments
from .program import Program, module_name
from .rows import cols_of, rows_of
from .runtime import helpers_used, imports_used


def _planner(derivation: Derivation, hoist: bool) -> Planner:
    """The frozen context of planning: the unroll, the equations, and the decisions made up front."""
    spec = derivation.spec
    row = getattr(spec, "notation", "column") == "row"
    graph = unroll(spec, GENERIC_STEPS) if spec.recurrent else derivation.graph
    layout.check_names(graph, spec.name)
    fwd, adj, grads = derivation.generic_forward, derivation.generic_adjoints, derivation.generic_gradients
    stored = layout.stored_activations(list(fwd), list(adj), row)
    p = Planner(graph, tuple(fwd), tuple(adj), tuple(grads), row, hoist, stored, frozenset())
    found: set = set()
    for seg in segments(p, _adjoint_nodes(p), adj, backward=True):
        eqs = cases(seg)
        if is_loop(eqs, adjoint=True):
            found |= local_adjoints(by_template(eqs, True), eqs, list(adj) + list(grads))
    p = Planner(graph, tuple(fwd), tuple(adj), tuple(grads), row, hoist, stored, frozenset(found))
    loss_vars = layout.needs_targets(graph)
    fwd_segs = segments(p, [n for n in graph.nodes if n.var not in loss_vars], p.fwd, backward=False)
    kept = products.find(list(fwd), list(adj), p.row_form)
    return replace(p, fusions=tuple(fusions(p, fwd_segs, layout.taken_names(graph))), products=kept)


def _adjoint_nodes(p: Planner) -> list:
    return [n for n in reversed(p.graph.nodes)
            if n.var != p.graph.loss and not layout.inline_constant(list(p.adj), n.var)]


def plan(derivation: Derivation, hoist: bool = True, workspace: bool = True) -> Program:
    """Order the derivation's generic equations into printed blocks.

    ``hoist``: compute the loop-free part of a recurrent equation (``X_t W_xh + b_h``) for every
    step at once before the loop (one product instead of T). ``workspace``: the arrays indexed by
    step are the thread's arrays of its last call of the same sizes, zeroed (``_zeros``), not new
    ones; the numba back end allocates them inside its compiled pass instead.
    """
    p = _planner(derivation, hoist)
    graph, spec = p.graph, derivation.spec
    loss_vars = layout.needs_targets(graph)
    fwd_nodes = [n for n in graph.nodes if n.var not in loss_vars]
    loss_nodes = [n for n in graph.nodes if n.var in loss_vars]
    forward = tuple(blocks(p, segments(p, fwd_nodes, p.fwd, backward=False), adjoint=False, backward=False))
    loss = tuple(blocks(p, segments(p, loss_nodes, p.fwd, backward=False), adjoint=False, backward=False))
    backward = tuple(blocks(p, segments(p, _adjoint_nodes(p), p.adj, backward=True), adjoint=True, backward=True))
    gradients = tuple(gradient_statements(p))
    inputs, targets = layout.leaves(graph, p.row)
    arrays = layout.arrays(graph, p.row, False) + layout.stored_arrays(graph, p.stored, p.row)
    arrays += [(k.code, k.expr.shape[1]) for k in p.products]
    setup = prologue.setup(graph, spec.recurrent, inputs, targets, arrays, p.fusions, workspace)
    target_setup = prologue.target_setup(targets)
    skip = layout.inline_names(graph, list(p.adj)) | prologue.local_names(p.locals)
    adjoint_setup = prologue.adjoint_setup(layout.arrays(graph, p.row, True), skip, p.fusions, workspace)
    later = prologue.code_of(adjoint_setup + gradients, backward)
    outputs = tuple(layout.outputs(graph, p.row))
    code = prologue.code_of(setup + target_setup + adjoint_setup + gradients, forward + loss + backward)
    helpers = helpers_used("\n".join(code + [o.code for o in outputs]))
    return Program(
        spec=spec, version=__version__, notation="row" if p.row else "column", recurrent=spec.recurrent,
        params=tuple((param_key(v), v.shape) for v in graph.params),
        inputs=tuple(inputs), targets=tuple(targets), outputs=outputs,
        setup=setup, target_setup=target_setup, forward=forward, loss=loss,
        adjoint_setup=adjoint_setup, backward=backward, gradients=gradients,
        kept=prologue.kept(setup + target_setup, forward + loss, later),
        helpers=helpers,
        imports=imports_used(helpers),
    )


# --------------------------------------------------------------------------- render


def _environment() -> jinja2.Environment:
    loader = jinja2.PackageLoader("symrnn", "templates")
    env = jinja2.Environment(loader=loader, keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True,
                             undefined=jinja2.StrictUndefined, autoescape=False)
    # Spec text (name, title) is data: it enters the module only through these escaping filters.
    env.filters["pystr"] = python_string
    env.filters["pydoc"] = docstring_text
    return env


def render(program: Program) -> str:
    """The module source: the template only arranges the printed statements."""
    return _environment().get_template("module.py.j2").render(p=program)


def generate(spec: Spec, hoist: bool = True) -> str:
    """NumPy source of the gradients of ``spec``: ``derive -> plan -> render``.

    Only the generic equations are used, and derive reads them off a ``GENERIC_STEPS`` unroll:
    deriving at that length directly does the sweep once. The spec's own ``steps`` plays no part.
    ``hoist=False`` keeps every term of a recurrent equation inside the loop (see :func:`plan`).
    """
    if spec.recurrent:
        spec = with_steps(spec, GENERIC_STEPS)
    return render(plan(derive(spec), hoist=hoist))


def write_module(spec: Spec, path: str | Path, hoist: bool = True) -> Path:
    path = Path(path)
    path.write_text(generate(spec, hoist=hoist), encoding="utf-8")
    return path


def load_module(path: str | Path, name: str | None = None):
    """Import a generated module from its real file, so tracebacks point at real lines."""
    import importlib.util

    path = Path(path)
    mod_name = name or f"symrnn_generated_{path.stem}"
    spec = importlib.util.spec_from_file_location(mod_name, path)
    if spec is None or spec.loader is None:
        raise CodegenError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def compile_spec(spec: Spec, directory: str | Path, hoist: bool = True):
    """Write the generated module of ``spec`` into ``directory`` and import it."""
    path = Path(directory) / f"{module_name(spec.name)}.py"
    write_module(spec, path, hoist=hoist)
    return load_module(path, f"symrnn_generated_{module_name(spec.name)}_{abs(hash(str(path)))}")


def golden_dir() -> Path:
    """Where the committed generated modules of the catalogue live (the ``derivations`` package)."""
    return Path(str(resources.files("symrnn.derivations")))


__all__ = ["Program", "cols_of", "compile_spec", "generate", "golden_dir", "load_module", "module_name", "plan", "render", "rows_of",
           "write_module"]
