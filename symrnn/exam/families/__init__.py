"""The registry of problem families, by name (sorted). Adding a module here adds a family to
every exam, to the stress test and to the tests that iterate over the registry."""

from __future__ import annotations

from ..registry import Family
from . import bptt, closed_form, counts, formulas, gates, mlp, shapes, vanishing

FAMILIES: dict[str, Family] = {
    f.name: f
    for f in sorted(
        (mlp.FAMILY, bptt.FAMILY, vanishing.FAMILY, closed_form.FAMILY, gates.FAMILY, counts.FAMILY, shapes.FAMILY, formulas.FAMILY),
        key=lambda f: f.name,
    )
}

ORDER: tuple[str, ...] = (
    "mlp-backprop",
    "bptt-scalar",
    "vanishing",
    "closed-form",
    "gate-step",
    "param-count",
    "sequence-shape",
    "derive-formula",
)
"""The order in which an exam asks the families: the order of the seed lecture."""

assert sorted(ORDER) == sorted(FAMILIES), "ORDER must list every family once"
