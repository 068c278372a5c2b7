"""``symrnn codegen SPEC --backend numba``: the same module, its passes compiled whole.

The pipeline is the NumPy one up to the planned :class:`~.program.Program`; then the module is
cut in two. The arguments are read in Python, as in the NumPy module (each parameter checked
against its shape, the sizes B and T, the inputs and targets as arrays indexed by step:
``_arguments``). Everything after runs compiled: three ``@numba.njit`` functions hold the forward
pass (its arrays, the products over every step, the loop over time), the loss, and the reversed
pass with the parameter gradients, each statement as planned and citing its equation label;
``_gradients_pass`` runs the three in one compiled call::

    program = plan(derive(spec), workspace=False)  # the NumPy back end's plan, arrays allocated in place
    n = plan_numba(program)                        # statements rewritten for numba, cut into passes
    source = render_numba(n)                       # module_numba.py.j2

A pass's arguments and results are the names it reads and the names later code reads
(:mod:`.numba_passes`); a statement over every step is rewritten in the form numba compiles
(:func:`symrnn.printing.numba_code.numba_code`). numba is an optional extra
(``pip install symrnn[numba]``); the generated module imports it.
"""

from __future__ import annotations

import importlib.util

import jinja2

from ..core.derive import GENERIC_STEPS, derive
from ..core.spec import Spec, with_steps
from ..printing.numpy_code import CodegenError
from ..printing.pytext import docstring_text, python_string
from .numba_passes import NumbaProgram, Pass, assign, listed, plan_numba, returning


class NumbaMissing(CodegenError):
    """``--backend numba`` without numba installed."""


def _environment() -> jinja2.Environment:
    loader = jinja2.PackageLoader("symrnn", "templates")
    env = jinja2.Environment(loader=loader, keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True,
                             undefined=jinja2.StrictUndefined, autoescape=False)
    env.filters["pystr"] = python_string
    env.filters["pydoc"] = docstring_text
    return env


def render_numba(program: NumbaProgram) -> str:
    return _environment().get_template("module_numba.py.j2").render(p=program.p, n=program, assign=assign,
                                                                      listed=listed, returning=returning)


def require_numba() -> None:
    if importlib.util.find_spec("numba") is None:
        raise NumbaMissing("--backend numba needs numba: pip install 'symrnn[numba]' (numba and scipy)")


def generate_numba(spec: Spec, hoist: bool = True) -> str:
    """The numba module of ``spec``: ``derive -> plan -> passes -> render``."""
    from .generate import plan  # the NumPy back end's planner, shared

    require_numba()
    if spec.recurrent:
        spec = with_steps(spec, GENERIC_STEPS)
    return render_numba(plan_numba(plan(derive(spec), hoist=hoist, workspace=False)))


__all__ = ["NumbaMissing", "NumbaProgram", "Pass", "generate_numba", "plan_numba", "render_numba", "require_numba"]
