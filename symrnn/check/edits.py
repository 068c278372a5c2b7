"""The machinery of mutations: a :class:`Mutant`, and every copy of an expression with one edit.

``variants(expr, edit)`` yields each copy of ``expr`` with exactly one sub-expression replaced by
what ``edit`` proposes for it; ``sites`` makes mutants of them in the gradient and in every
generic adjoint equation (the same edit carried to the adjoint's boundary cases);
``closed_form_sites`` makes the mistake in a closed form of an adjoint instead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from ..core import ir
from ..core.derive import Derivation
from ..core.errors import ShapeError
from ..core.labels import Equation
from ..printing.plain import plain


@dataclass(frozen=True)
class Mutant:
    mistake: str  # an id of MISTAKES
    where: str  # the label of the equation changed (or several, comma-separated)
    detail: object  # what was changed, in plain text (a str, or a words.Msg translated when shown)
    adjoints: tuple[tuple[str, ir.Expr], ...]  # (label, new rhs) of mutated adjoint equations
    gradient: ir.Expr  # the gradient's rhs (mutated or not)


@dataclass(frozen=True)
class Context:
    derivation: Derivation
    grad: Equation

    @property
    def adjoints(self) -> tuple[Equation, ...]:
        return self.derivation.generic_adjoints

    @property
    def forward(self) -> tuple[Equation, ...]:
        return self.derivation.generic_forward


# --------------------------------------------------------------------------- tree edits


def variants(expr: ir.Expr, edit: Callable[[ir.Expr], list[ir.Expr]]) -> Iterator[tuple[ir.Expr, ir.Expr, ir.Expr]]:
    """Every copy of ``expr`` with exactly one sub-expression replaced: ``(new, old, replacement)``."""
    for replacement in edit(expr):
        yield replacement, expr, replacement
    kids = expr.children()
    for i, kid in enumerate(kids):
        for new_kid, old, rep in variants(kid, edit):
            try:
                yield expr.rebuild(kids[:i] + (new_kid,) + kids[i + 1:]), old, rep
            except ShapeError:
                continue


def safe(fn, *args):
    try:
        return fn(*args)
    except ShapeError:
        return None


def sites(ctx: Context, edit, mistake: str, describe, include_grad: bool = True, include_adjoints: bool = True) -> Iterator[Mutant]:
    if include_grad:
        for new, old, rep in variants(ctx.grad.rhs, edit):
            yield Mutant(mistake, ctx.grad.label, describe(old, rep), (), new)
    if include_adjoints:
        for eq in ctx.adjoints:
            for new, old, rep in variants(eq.rhs, edit):
                changes = ((eq.label, new),) + _same_edit_in_siblings(ctx, eq, old, rep)
                yield Mutant(mistake, ", ".join(label for label, _ in changes), describe(old, rep), changes, ctx.grad.rhs)


def _same_edit_in_siblings(ctx: Context, eq: Equation, old: ir.Expr, rep: ir.Expr) -> tuple:
    """A mistake made in ``dL/dh_t`` is made in its boundary case ``dL/dh_T`` too."""
    var = eq.lhs.of
    if var.time != ir.t_SYM:
        return ()
    out = []
    for sib in ctx.adjoints:
        svar = sib.lhs.of
        if sib is eq or (svar.name, svar.layer) != (var.name, var.layer) or svar.time is None:
            continue
        mapping = {ir.t_SYM: svar.time}
        try:
            new = ir.substitute(sib.rhs, {ir.retime(old, mapping): ir.retime(rep, mapping)})
        except ShapeError:
            continue
        if new != sib.rhs:
            out.append((sib.label, new))
    return tuple(out)


def show(e: ir.Expr) -> str:
    try:
        return plain(e)
    except (TypeError, ValueError):  # pragma: no cover - printing never fails on built expressions
        return type(e).__name__


def changed(old, rep) -> str:
    return f"{show(old)} -> {show(rep)}"


def closed_form_sites(ctx: Context, edit, mistake: str, describe) -> Iterator[Mutant]:
    """The mistake made in a closed form of an adjoint (the power sum, D2L's 9.7.15): every
    generic equation of that adjoint is replaced by the mistaken closed form at its step."""
    for form in getattr(ctx.derivation, "closed_forms", ()):
        if not isinstance(form.lhs, ir.Adjoint) or form.bounds is None or form.lhs.of.time != ir.t_SYM:
            continue
        var = form.lhs.of
        targets = [eq for eq in ctx.adjoints if (eq.lhs.of.name, eq.lhs.of.layer) == (var.name, var.layer)
                   and eq.lhs.of.time is not None]
        if not targets:
            continue
        for new, old, rep in variants(form.rhs, edit):
            changes = []
            try:
                for eq in targets:
                    changes.append((eq.label, ir.retime(new, {ir.t_SYM: eq.lhs.of.time})))
            except ShapeError:
                continue
            yield Mutant(mistake, f"{form.label} ({', '.join(label for label, _ in changes)})", describe(old, rep),
                         tuple(changes), ctx.grad.rhs)
