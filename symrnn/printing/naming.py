"""The one place where identifiers become LaTeX and plain text.

``W_hh`` -> ``\\mathbf{W}_{hh}``, ``h`` at ``t+1`` -> ``\\mathbf{h}_{t+1}``, ``A_i`` at ``t`` ->
``\\mathbf{A}_{i,t}``, ``c_tilde`` -> ``\\tilde{\\mathbf{c}}``, ``Yhat`` -> ``\\hat{\\mathbf{Y}}``,
layer 2 -> superscript ``^{(2)}``; the seed's scalar names keep their look with a multi-letter
name upright, as a word (``out_h1`` -> ``\\mathrm{out}_{h1}``, ``w5`` -> ``w_{5}``). Quantities of
shape 1 x 1 are not bold.
"""

from __future__ import annotations

import re

import sympy

from ..core import ir

_WORDS = ("out", "in", "target")
_DECORATIONS = {"_tilde": r"\tilde", "hat": r"\hat"}


_ORDER = {"T": 0, "t": 1, "k": 2, "j": 3, "i": 4}


def _time_terms(time: sympy.Expr) -> list[tuple[int, str]]:
    """``(coefficient, symbol)`` pairs of an affine time index (symbol ``""`` is the constant):
    positive terms first, symbols before the constant, so ``T-1``, ``k-t``, ``6-i``, ``T+t-i``."""
    expr = sympy.expand(ir.as_sym(time))
    coeffs = expr.as_coefficients_dict()
    terms = [(int(c), str(s)) for s, c in coeffs.items() if s != 1]
    const = int(coeffs.get(sympy.Integer(1), 0))
    if const or not terms:
        terms.append((const, ""))
    return sorted(terms, key=lambda p: (p[0] < 0, _ORDER.get(p[1], 8) if p[1] else 9))


def time_text(time: sympy.Expr) -> str:
    """A time index as compact text: ``t+1``, ``T-1``, ``T+t-i``, ``3``."""
    expr = ir.as_sym(time)
    affine = all(s.name in _ORDER for s in expr.free_symbols) and all(
        sympy.Poly(expr, s).degree() <= 1 for s in expr.free_symbols
    ) if expr.is_polynomial() else False
    if not affine:
        return sympy.sstr(expr).replace(" ", "")
    out = ""
    for coeff, sym in _time_terms(expr):
        body = sym if coeff in (1, -1) and sym else f"{abs(coeff)}{sym}"
        sign = "-" if coeff < 0 else "+"
        out += (("-" if sign == "-" else "") + body) if not out else f"{sign}{body}"
    return out


def time_latex(time: sympy.Expr) -> str:
    return time_text(time)


DECODER = "_dec"
"""Suffix of an encoder-decoder's decoder quantities (``W_hx_dec``, ``h_dec``): a superscript "dec"."""


def _split(name: str) -> tuple[str, str, str | None]:
    """``(base, subscript, decoration)`` of an identifier (without the decoder suffix)."""
    decoration = None
    if name.endswith("_tilde"):
        name, decoration = name[: -len("_tilde")], r"\tilde"
    elif name.endswith("hat") and len(name) > 3:
        name, decoration = name[: -len("hat")], r"\hat"
    if "_" in name:
        base, sub = name.split("_", 1)
        return base, sub, decoration
    match = re.fullmatch(r"([A-Za-z]+?)(\d+)", name)
    if match:
        return match.group(1), match.group(2), decoration
    return name, "", decoration


def var_latex(var: ir.Var, bold: bool | None = None, sup: str = "") -> str:
    """LaTeX of a variable; ``sup`` joins the layer's superscript (``^{(2)\\top}``)."""
    name = var.name
    decoder = name.endswith(DECODER)
    if decoder:
        name = name[: -len(DECODER)]
    base, sub, decoration = _split(name)
    if bold is None:
        bold = var.shape != (1, 1)
    if base in _WORDS or len(base) > 1:  # a word, not a product of letters: upright
        core = rf"\mathrm{{{base}}}"
    elif bold:
        core = rf"\mathbf{{{base}}}"
    else:
        core = base
    if decoration:
        core = rf"{decoration}{{{core}}}"
    subs = [s for s in (sub, time_latex(var.time) if var.time is not None else "") if s]
    text = core + (f"_{{{','.join(subs)}}}" if subs else "")
    marks = ([f"({var.layer})"] if var.layer is not None else []) + ([r"\mathrm{dec}"] if decoder else [])
    sups = ",".join(marks) + sup
    if sups:
        text += "^{" + sups + "}"
    return text


def adjoint_latex(var: ir.Var) -> str:
    return rf"\frac{{\partial L}}{{\partial {var_latex(var)}}}"


def var_plain(var: ir.Var) -> str:
    text = var.name if var.layer is None else f"{var.name}_l{var.layer}"
    if var.time is not None:
        text += f"[{time_text(var.time)}]"
    return text


def adjoint_plain(var: ir.Var) -> str:
    return "dL_d" + var_plain(var)
