"""The registry of elementwise activations: every form of each one, in one place.

An :class:`Activation` carries what every part of symrnn needs to know about it:

* ``sympy(x)``: the SymPy scalar function (element level: proofs, exact values);
* ``vjp(g, x, out)``: its vector-Jacobian rule, ``g ⊙ f'(x)``, written with the activation's own
  output where a textbook does (``1 - h ⊙ h`` for tanh, ``s ⊙ (1 - s)`` for the sigmoid,
  ``from_output``), otherwise with ``f'`` of the pre-activation (ReLU);
* evaluators of ``f`` and ``f'`` for each number type: ``float64`` (NumPy arrays), ``mp``
  (mpmath numbers, 50 digits) and ``exact`` (Fractions; ``None`` when the value is not rational);
* ``code`` / ``grad_code``: the NumPy expression of ``f`` and ``f'`` in generated modules, with
  the helper functions they call (``runtime.HELPERS``);
* ``latex``, ``plain`` and ``words``: how the function is printed and named;
* ``derivative_bound`` (``sup |f'|``), ``saturates`` and the ``aliases`` a person may type.

Adding an activation is one entry here plus its test (``tests/test_primitives.py``): the spec,
derivation, proofs, generated code, report, checker and exams read this table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

import mpmath
import numpy as np
import sympy

from ..i18n import N_
from . import ir
from .errors import UnknownName

Pair = tuple[Callable, Callable]


@dataclass(frozen=True)
class Activation:
    name: str
    words: str
    latex: str
    plain: str
    sympy: Callable[[sympy.Expr], sympy.Expr]
    from_output: Callable[[ir.Expr], ir.Expr] | None
    float64: Pair
    mp: Pair
    exact: Pair | None
    code: str
    grad_code: str
    derivative_bound: float
    saturates: bool = False
    aliases: tuple[str, ...] = ()
    helpers: tuple[tuple[str, tuple[str, ...], str], ...] = ()  # (name, helpers it calls, source) for code

    @property
    def identity(self) -> bool:
        return self.name == "identity"

    def scalar(self, x: sympy.Expr) -> sympy.Expr:
        """The SymPy expression of the activation at a scalar ``x``."""
        return self.sympy(x)

    def derivative(self, x: sympy.Expr) -> sympy.Expr:
        """``f'(x)`` at element level, by ``sympy.diff`` of the scalar function."""
        z = sympy.Dummy("z", real=True)
        return sympy.diff(self.sympy(z), z).subs(z, x)

    def vjp(self, g: ir.Expr, x: ir.Expr, out: ir.Expr) -> ir.Expr:
        """``dL/dx`` given ``g = dL/d f(x)`` and ``out``, the variable holding ``f(x)``."""
        if self.identity:
            return g
        if self.from_output is not None:
            return ir.hadamard(g, self.from_output(out))
        return ir.hadamard(g, ir.DerivApply(self.name, x))

    def evaluators(self, number: str) -> Pair:
        """``(f, f')`` for a number type: ``float64``, ``mp`` or ``exact``."""
        pair = getattr(self, number)
        if pair is None:
            raise UnknownName(f"{self.name} has no exact rational value; use 50-digit arithmetic")
        return pair

    def call(self, x: str) -> str:
        """Generated NumPy code of ``f(x)``."""
        return self.code.format(x=x)

    def grad_call(self, x: str) -> str:
        return self.grad_code.format(x=x)


# --------------------------------------------------------------------------- number types


def _np_sigmoid(x):
    """1 / (1 + exp(-x)) without overflow: exp only ever sees -|x| (the evaluator's float64)."""
    e = np.exp(-np.abs(x))
    return np.where(np.asarray(x) >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _mp_sigmoid(x):
    return 1 / (1 + mpmath.exp(-x))


def _mp_relu(x):
    return x if x > 0 else mpmath.mpf(0)


# --------------------------------------------------------------------------- generated-code helpers

_SIGMOID = ("_sigmoid", (), '''def _sigmoid(x):
    """1 / (1 + exp(-x)); exp's argument capped at 80, so no overflow in float32 either (sigmoid(-80) is 1.8e-35)."""
    return 1.0 / (1.0 + np.exp(np.minimum(-x, 80.0)))
''')
_SIGMOID_GRAD = ("_sigmoid_grad", ("_sigmoid",), '''def _sigmoid_grad(x):
    s = _sigmoid(x)
    return s * (1 - s)
''')
_TANH_GRAD = ("_tanh_grad", (), '''def _tanh_grad(x):
    y = np.tanh(x)
    return 1 - y * y
''')
_RELU = ("_relu", (), '''def _relu(x):
    return np.maximum(x, 0)
''')
_RELU_GRAD = ("_relu_grad", (), '''def _relu_grad(x):
    return (x > 0).astype(x.dtype)
''')
_SOFTPLUS = ("_softplus", (), '''def _softplus(x):
    """log(1 + exp(x)) without overflow."""
    return np.logaddexp(0, x)
''')


def _mp_softplus(x):
    return mpmath.log(1 + mpmath.exp(x))


# --------------------------------------------------------------------------- the registry

ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in (
        Activation(
            "identity", N_("the identity"), r"\operatorname{id}", "identity", lambda x: x, None,
            float64=(lambda x: x, lambda x: np.ones_like(np.asarray(x, dtype=float))),
            mp=(lambda x: x, lambda x: mpmath.mpf(1)),
            exact=(lambda x: x, lambda x: Fraction(1)),
            code="{x}", grad_code="np.ones_like({x})", derivative_bound=1.0, aliases=("id",),
        ),
        Activation(
            "tanh", N_("tanh"), r"\tanh", "tanh", sympy.tanh, lambda out: ir.one_minus(ir.hadamard(out, out)),
            float64=(np.tanh, lambda x: 1.0 - np.tanh(x) ** 2),
            mp=(mpmath.tanh, lambda x: 1 - mpmath.tanh(x) ** 2),
            exact=None,
            code="np.tanh({x})", grad_code="_tanh_grad({x})", derivative_bound=1.0, saturates=True,
            aliases=("tanh",), helpers=(_TANH_GRAD,),
        ),
        Activation(
            "sigmoid", N_("the sigmoid"), r"\sigma", "sigmoid", lambda x: 1 / (1 + sympy.exp(-x)),
            lambda out: ir.hadamard(out, ir.one_minus(out)),
            float64=(_np_sigmoid, lambda x: _np_sigmoid(x) * (1.0 - _np_sigmoid(x))),
            mp=(_mp_sigmoid, lambda x: _mp_sigmoid(x) * (1 - _mp_sigmoid(x))),
            exact=None,
            code="_sigmoid({x})", grad_code="_sigmoid_grad({x})", derivative_bound=0.25, saturates=True,
            aliases=("sigma", "sigmoid", "\u03c3"), helpers=(_SIGMOID, _SIGMOID_GRAD),
        ),
        Activation(
            "relu", N_("the ReLU"), r"\operatorname{relu}", "relu", lambda x: sympy.Max(0, x), None,
            float64=(lambda x: np.maximum(x, 0.0), lambda x: (np.asarray(x) > 0).astype(float)),
            mp=(_mp_relu, lambda x: mpmath.mpf(1 if x > 0 else 0)),
            exact=(lambda x: max(x, Fraction(0)), lambda x: Fraction(1 if x > 0 else 0)),
            code="_relu({x})", grad_code="_relu_grad({x})", derivative_bound=1.0, aliases=("relu",),
            helpers=(_RELU, _RELU_GRAD),
        ),
        Activation(
            "softplus", N_("the softplus"), r"\operatorname{softplus}", "softplus",
            lambda x: sympy.log(1 + sympy.exp(x)), None,
            float64=(lambda x: np.logaddexp(0.0, x), _np_sigmoid),
            mp=(_mp_softplus, _mp_sigmoid),
            exact=None,
            code="_softplus({x})", grad_code="_sigmoid({x})", derivative_bound=1.0, aliases=("softplus",),
            helpers=(_SOFTPLUS, _SIGMOID),
        ),
    )
}

NAMES: tuple[str, ...] = tuple(ACTIVATIONS)
"""Activation names, the choices of a spec's ``activation`` field."""


def activation(name: str) -> Activation:
    try:
        return ACTIVATIONS[name]
    except KeyError:
        raise UnknownName(f"unknown activation {name!r}; known: {', '.join(ACTIVATIONS)}") from None


def scalar_derivative(name: str, x: sympy.Expr) -> sympy.Expr:
    """``f'(x)`` at element level, by ``sympy.diff`` of the scalar function."""
    return activation(name).derivative(x)


def float_value(name: str, x: float) -> float:
    """``f(x)`` of one Python float (exam arithmetic)."""
    return float(activation(name).float64[0](x))


def rational(name: str) -> bool:
    """Does the activation map rationals to rationals (exact arithmetic is possible)?"""
    return activation(name).exact is not None


__all__ = ["ACTIVATIONS", "NAMES", "Activation", "activation", "float_value", "rational", "scalar_derivative"]
