"""symrnn: derive, prove, print and test the gradients of small recurrent networks.

The pipeline reads as one function::

    spec = catalogue.load("rnn-linear")
    derivation = derive(spec, steps=3)      # matrix-level equations with provenance
    report = prove(derivation)              # exact element-level proof against sympy.diff

Every public name loads on first use (:func:`__getattr__`): ``import symrnn`` and the CLI's
``--help`` do not import SymPy, which alone costs most of a second.
"""

from __future__ import annotations

import importlib

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
}


def __getattr__(name: str):
    """Load a public name on first use; a Derivation's Jupyter display is registered with it."""
    if name not in _LAZY:
        raise AttributeError(f"module 'symrnn' has no attribute {name!r}")
    module, attr = _LAZY[name]
    value = getattr(importlib.import_module(module), attr)
    importlib.import_module("symrnn.printing.document")  # fills core.derive.DISPLAYS (Jupyter)
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
