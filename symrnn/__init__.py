"""symrnn: derive, prove, print and test the gradients of small recurrent networks.

The pipeline reads as one function::

    spec = catalogue.load("rnn-linear")
    derivation = derive(spec, steps=3)      # matrix-level equations with provenance
    report = prove(derivation)              # exact element-level proof against sympy.diff
"""

from __future__ import annotations

__version__ = "0.1.0"

from .core.catalogue import load as load_catalogue
from .core.derive import Derivation, derive
from .core.labels import Equation
from .core.paths import chain_view
from .core.prove import ProofReport, prove
from .core.spec import MLPSpec, RNNSpec, load_spec_file, load_spec_text
from .printing import document as _display  # noqa: F401 - registers the Jupyter display of a Derivation

_LAZY = {
    "check_answer": ("symrnn.check.verdict", "check_answer"),
    "check_function": ("symrnn.check.function", "check_function"),
}


def __getattr__(name: str):
    """The checker loads on first use (it brings lark and its grammar)."""
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        return getattr(importlib.import_module(module), attr)
    raise AttributeError(f"module 'symrnn' has no attribute {name!r}")


__all__ = [
    "Derivation",
    "Equation",
    "MLPSpec",
    "ProofReport",
    "RNNSpec",
    "__version__",
    "chain_view",
    "check_answer",
    "check_function",
    "derive",
    "load_catalogue",
    "load_spec_file",
    "load_spec_text",
    "prove",
]
