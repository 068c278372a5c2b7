"""symrnn: derive, prove, print and test the gradients of small recurrent networks.

The pipeline reads as one function::

    spec = catalogue.load("rnn-linear")
    derivation = derive(spec, steps=3)      # matrix-level equations with provenance
    report = prove(derivation)              # exact element-level proof against sympy.diff

Every public name loads on first use (:func:`__getattr__`): ``import symrnn`` and the CLI's
``--help`` do not import SymPy, which alone costs most of a second. In IPython (a notebook),
``import symrnn`` -- which also runs first for ``from symrnn.core.derive import derive`` --
registers the rich displays at once (:func:`register_displays`): a Derivation, Equation,
ProofReport, Verdict and exam Problem then render as maths and tables.
"""

from __future__ import annotations

import importlib
import sys

__version__ = "0.1.0"

_LAZY = {
    "Derivation": ("symrnn.core.derive", "Derivation"),
    "derive": ("symrnn.core.derive", "derive"),
    "Equation": ("symrnn.core.labels", "Equation"),
    "chain_view": ("symrnn.core.paths", "chain_view"),
    "ProofReport": ("symrnn.core.prove", "ProofReport"),
    "prove": ("symrnn.core.prove", "prove"),
    "load_catalogue": ("symrnn.core.catalogue", "load"),
    "MLPSpec": ("symrnn.core.spec", "MLPSpec"),
    "RNNSpec": ("symrnn.core.spec", "RNNSpec"),
    "load_spec_file": ("symrnn.core.spec", "load_spec_file"),
    "load_spec_text": ("symrnn.core.spec", "load_spec_text"),
    "check_answer": ("symrnn.check.verdict", "check_answer"),
    "check_function": ("symrnn.check.function", "check_function"),
    "Verdict": ("symrnn.check.verdict", "Verdict"),
    "grade_rows": ("symrnn.check.grade", "grade_rows"),
    "generate_code": ("symrnn.codegen.generate", "generate"),
    "write_report": ("symrnn.report", "write_report"),
    "build_exam": ("symrnn.exam", "build_exam"),
    "write_exam": ("symrnn.exam", "write_exam"),
}

DISPLAY_MODULES = ("symrnn.printing.document", "symrnn.serve.displays")
"""Modules that give symrnn's values their Jupyter displays when imported (core.derive.DISPLAYS,
and the _repr_ methods of the checker's and the exams' classes)."""


def register_displays() -> None:
    """Import the display modules (idempotent); done by ``import symrnn`` whenever IPython is loaded."""
    for module in DISPLAY_MODULES:
        importlib.import_module(module)


def __getattr__(name: str):
    """Load a public name on first use; a Derivation's Jupyter display is registered with it."""
    if name not in _LAZY:
        raise AttributeError(f"module 'symrnn' has no attribute {name!r}")
    module, attr = _LAZY[name]
    value = getattr(importlib.import_module(module), attr)
    importlib.import_module("symrnn.printing.document")  # fills core.derive.DISPLAYS (Jupyter)
    if "IPython" in sys.modules:
        register_displays()
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "Derivation",
    "Equation",
    "MLPSpec",
    "ProofReport",
    "RNNSpec",
    "Verdict",
    "__version__",
    "build_exam",
    "chain_view",
    "check_answer",
    "check_function",
    "derive",
    "generate_code",
    "grade_rows",
    "load_catalogue",
    "load_spec_file",
    "load_spec_text",
    "prove",
    "register_displays",
    "write_exam",
    "write_report",
]

if "IPython" in sys.modules:  # a notebook or an IPython shell: show values richly from the first import
    register_displays()
