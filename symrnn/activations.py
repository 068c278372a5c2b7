"""Registry of elementwise activations: their SymPy scalar function and derivative.

Each entry gives what the rest of symrnn needs about one activation, in one place:

* ``scalar(x)``: the SymPy expression of the activation at a scalar ``x`` (element level);
* ``from_output(out)``: the derivative written with the activation's own output, the form a
  textbook prints (``1 - h ⊙ h`` for tanh, ``s ⊙ (1 - s)`` for the sigmoid), or ``None`` when
  the derivative needs the input (ReLU);
* ``latex`` and ``plain``: how the function's name is printed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sympy

from . import ir
from .errors import UnknownName


@dataclass(frozen=True)
class Activation:
    name: str
    scalar: Callable[[sympy.Expr], sympy.Expr]
    from_output: Callable[[ir.Expr], ir.Expr] | None
    latex: str
    plain: str


def _sigmoid(x):
    return 1 / (1 + sympy.exp(-x))


ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in (
        Activation("identity", lambda x: x, None, r"\operatorname{id}", "identity"),
        Activation(
            "tanh",
            sympy.tanh,
            lambda out: ir.one_minus(ir.hadamard(out, out)),
            r"\tanh",
            "tanh",
        ),
        Activation(
            "sigmoid",
            _sigmoid,
            lambda out: ir.hadamard(out, ir.one_minus(out)),
            r"\sigma",
            "sigmoid",
        ),
        Activation("relu", lambda x: sympy.Max(0, x), None, r"\operatorname{relu}", "relu"),
    )
}


def activation(name: str) -> Activation:
    try:
        return ACTIVATIONS[name]
    except KeyError:
        raise UnknownName(f"unknown activation {name!r}; known: {', '.join(ACTIVATIONS)}") from None


def scalar_derivative(name: str, x: sympy.Expr) -> sympy.Expr:
    """``f'(x)`` at element level, by ``sympy.diff`` of the scalar function."""
    z = sympy.Dummy("z", real=True)
    return sympy.diff(activation(name).scalar(z), z).subs(z, x)
