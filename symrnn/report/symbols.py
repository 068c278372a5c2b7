"""The report's table of symbols: every variable, what it is (its meaning, in words) and its shape."""

from __future__ import annotations

from ..core import ir
from ..core.derive import Derivation
from ..i18n import _
from ..printing.naming import var_latex
from ..printing.texescape import TeX
from .document import Table, math
from .meanings import describe_tex
from .say import say


def _shape_latex(var: ir.Var) -> str:
    if var.shape == (1, 1):
        return r"\mathbb{R}"
    return rf"\mathbb{{R}}^{{{var.shape[0]} \times {var.shape[1]}}}"


def _generic(var: ir.Var) -> ir.Var:
    if var.time is None or var.role == "state":
        return var
    return var.at(ir.t_SYM)


_ORDER = {"input": 0, "state": 1, "target": 2, "node": 3, "param": 4, "loss": 5}


def symbol_table(d: Derivation) -> Table:
    seen: dict[tuple, ir.Var] = {}
    for var in d.graph.leaves:
        if var.role in ("input", "state", "target"):
            seen.setdefault((var.name, var.layer, var.role), _generic(var))
    for node in d.graph.nodes:
        seen.setdefault((node.var.name, node.var.layer, "node"), _generic(node.var))
    for var in d.graph.params:
        seen.setdefault((var.name, var.layer, "param"), var)
    rows = []
    for (_name, _layer, role), var in sorted(seen.items(), key=lambda kv: _ORDER.get(kv[0][2], 3) if kv[1].role != "loss" else 5):
        meaning = describe_tex(var, getattr(d.spec, "notation", "column") == "row")
        runs = say(_("{meaning}, layer {layer}"), meaning=meaning, layer=str(var.layer)) if var.layer is not None else say(meaning)
        rows.append(((math(var_latex(var)),), runs, (math(_shape_latex(var)),)))
    return Table((_("symbol"), _("meaning"), _("shape")), tuple(rows), _("Symbols of the network and their shapes."), TeX("llc"))


__all__ = ["symbol_table"]
