"""The lecture's per-weight chain rule with the worked example's numbers (a scalar network with an example)."""

from __future__ import annotations

import re
from dataclasses import replace

from ..core.derive import Derivation
from ..core.labels import node_key, param_key
from ..i18n import N_, _
from ..printing.naming import var_latex
from ..printing.texescape import TeX
from .document import EquationBlock, Section, Table, math, para
from .equations import SCALAR, Builder, number_latex, section
from .say import say


def example_items(d: Derivation) -> list[tuple[str, float]]:
    """The worked example's scalar values, inputs and targets first, then weights in numeric order."""
    items = [(k, v) for k, v in d.spec.example.as_dict().items() if isinstance(v, float)]

    def order(item):
        name = item[0]
        match = re.fullmatch(r"([A-Za-z_]+?)(\d+)", name)
        group = 0 if name.startswith(("i", "target")) else 1 if name.startswith("w") else 2
        return (group, match.group(1) if match else name, int(match.group(2)) if match else 0)

    return sorted(items, key=order)


def _forward_table(d: Derivation, values) -> Table:
    rows = []
    for name, value in values.forward.items():
        var = next(n.var for n in d.graph.nodes if node_key(n.var) == name)
        rows.append(((math(var_latex(var)),), (math(number_latex(value, 9)),)))
    rows.append(((math(var_latex(d.graph.loss)),), (math(number_latex(values.loss, 9)),)))
    return Table((_("quantity"), _("value")), tuple(rows), _("Forward pass of the worked example."), TeX("lr"))


def _example_tex(d: Derivation) -> TeX:
    named = {p.name: p for p in d.graph.params}
    leaves = {v.name: v for v in d.graph.leaves}
    parts = []
    for name, value in example_items(d):
        var = named.get(name) or leaves.get(name)
        parts.append(f"{var_latex(var) if var is not None else name} = {value:g}")
    return TeX(r",\ ".join(parts))


def _intro(d: Derivation):
    named = {p.name: p for p in d.graph.params}
    pair = [rf"\frac{{\partial L}}{{\partial {var_latex(named[n])}}}" for n in ("w5", "w1") if n in named]
    sentence = (N_("The lecture derives ${first}$ and ${second}$ as products of local partial derivatives along the paths from "
                   "the weight to the loss.") if len(pair) == 2 else
                N_("Each gradient is a product of local partial derivatives along the paths from the weight to the loss."))
    return para(*say(_(sentence), **({"first": TeX(pair[0]), "second": TeX(pair[1])} if len(pair) == 2 else {})), " ",
                *say(_("Here is every weight, first as the product of partials, then with each partial's formula, then with "
                     "the worked example's numbers (${example}$)."), example=_example_tex(d)), " ",
                *say(_("Numbers are rounded to eight digits; the arithmetic is exact.")))


def _weight_lines(d: Derivation, weight, view) -> tuple[str, ...]:
    sym, formulas, numbers = [], [], []
    for path in view.paths:
        factors = [f for f in path.factors if f.of != d.graph.loss]
        sym.append(" ".join(rf"\frac{{\partial {var_latex(f.of)}}}{{\partial {var_latex(f.wrt)}}}" for f in factors))
        formulas.append(r" \cdot ".join(SCALAR.wrap(f.formula, 31) if f.formula is not None else "?" for f in factors))
        numbers.append(r" \cdot ".join(f"({number_latex(f.value)})" if float(f.value) < 0 else number_latex(f.value) for f in factors))
    lhs = rf"\frac{{\partial L}}{{\partial {var_latex(weight)}}}"
    lines = [f"{lhs} &= {sym[0]}"] + [rf"&\quad + {s}" for s in sym[1:]]
    lines += [f"&= {formulas[0]}"] + [rf"&\quad + {f}" for f in formulas[1:]]
    lines += [f"&= {numbers[0]}"] + [rf"&\quad + {n}" for n in numbers[1:]]
    return tuple(lines + [f"&= {number_latex(view.value)}"])


def chain_rule_section(b: Builder) -> Section | None:
    """Every weight's gradient as the lecture derives it, with the worked example's numbers."""
    d = b.d
    if d.spec.recurrent or not d.spec.example:
        return None
    from ..core.paths import chain_view
    from ..core.values import worked_values

    values = worked_values(d)
    blocks: list = [_intro(d), _forward_table(d, values)]
    weights = [p for p in d.graph.params if p.meaning is not None and p.meaning.kind == "weight"]
    views = {p: chain_view(d, param_key(p)) for p in weights}
    # as the lecture: the output layer first (short paths), then the hidden layer
    for weight in sorted(weights, key=lambda p: (len(views[p].paths[0].factors), int(p.name[1:]) if p.name[1:].isdigit() else 0)):
        view = views[weight]
        label = f"chain:{param_key(weight)}"
        key = b.key(label)
        grad = d.gradient(param_key(weight))
        status = "" if b.handout else _("= gradient ({label}) at the example; ").format(label=grad.label) + b.status(grad)
        lines = tuple(TeX(x) for x in _weight_lines(d, weight, view))
        blocks.append(replace(EquationBlock(label, key, lines, None, status), number=b.numbering.next(key)))
        if abs(float(view.value) - float(values.gradients[param_key(weight)])) > 1e-12:
            raise AssertionError(f"chain view of {weight.name} disagrees with the derivation")
    return section(_("The chain rule, weight by weight"), "chain", blocks)


__all__ = ["chain_rule_section", "example_items"]
