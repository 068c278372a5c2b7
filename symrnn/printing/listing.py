"""A derivation as a listing: plain text, a LaTeX fragment, or JSON (``symrnn derive``).

The JSON layout (``format_version`` 1)::

    {
      "format_version": 1, "symrnn_version": "...", "spec": {...}, "steps": T,
      "equations": [{"label", "latex", "text", "kind", "scope", "condition", "node",
                     "rule", "rules", "cites"}, ...],
      "gradients": {"W_hh": {"label", "latex", "text", "concrete_label", "concrete_latex",
                             "concrete_text"}, ...},
      "values": {"forward": {name: number}, "loss": number, "adjoints": {...},
                 "gradients": {name: number}}          # only with a worked example
    }

Numbers are floats; matrices are nested lists, row-major. ``rule`` is the comma-joined list of
formula-sheet rules that produced the equation (``rules`` the same as a list).
"""

from __future__ import annotations

import json
from dataclasses import fields
from typing import Any

from .. import __version__
from ..core.catalogue import shown_title
from ..core.derive import Derivation
from ..core.labels import Equation
from ..core.references import citation
from ..i18n import N_, _, ngettext
from .latex import condition_latex, equation_latex, latex
from .plain import condition_plain, equation_plain, plain

SECTIONS = (
    ("generic_forward", N_("Forward pass (one step, generic t)")),
    ("generic_adjoints", N_("Adjoints: the recurrence and its boundary cases")),
    ("generic_gradients", N_("Parameter gradients")),
    ("closed_forms", N_("Closed forms")),
    ("forward", N_("Forward pass, unrolled")),
    ("adjoints", N_("Adjoints, unrolled (last node first)")),
    ("gradients", N_("Parameter gradients, unrolled")),
)


def _sections(derivation: Derivation):
    for attr, title in SECTIONS:
        eqs = getattr(derivation, attr)
        if not derivation.spec.recurrent and attr in ("forward", "adjoints", "gradients"):
            continue  # an MLP has no time axis: the generic equations are the concrete ones
        if eqs:
            yield title, eqs


def spec_dict(spec) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in fields(spec):
        value = getattr(spec, f.name)
        if f.name == "example":
            value = {k: v for k, v in value.values}
        elif isinstance(value, tuple):
            value = list(value)
        out[f.name] = value
    return out


def one_line(text: str) -> str:
    """Free text (a spec's title) for a terminal: every character that is not printable (line breaks,
    escape sequences, NUL, bidirectional overrides) becomes a space, so the text stays on its line
    and cannot drive the terminal."""
    return "".join(c if c.isprintable() else " " for c in text)


def as_text(derivation: Derivation, values=None, chains=()) -> str:
    spec = derivation.spec
    lines = [f"{spec.name}: {one_line(shown_title(spec))}".rstrip(": ")]
    if spec.recurrent:
        lines.append(_("unrolled over T = {steps} steps").format(steps=derivation.steps))
    for key, eqs in _sections(derivation):
        title = _(key)
        if "unrolled" in key:
            title = f"{title} (T = {derivation.steps})"
        lines += ["", title, "-" * len(title)]
        for eq in eqs:
            cite = citation(spec, eq)
            lines.append(f"[{eq.label}]{'  ' + cite if cite else ''}")
            lines.append(f"    {equation_plain(eq)}")
    if chains:
        title = _("Chain rule, path by path")
        lines += ["", title, "-" * len(title)]
        for view in chains:
            lines.append(_chain_text(view))
    if values is not None:
        title = _("Worked example")
        lines += ["", title, "-" * len(title), "  " + _("given:")]
        for group, items in given_values(derivation):
            lines.append(f"    {_(group)}: " + ", ".join(f"{name} = {_fmt(_listed(value))}" for name, value in items))
        lines.append("  " + _("results:"))
        for name, value in values.forward.items():
            lines.append(f"    {name} = {_fmt(value)}")
        lines.append(f"    L = {_fmt(values.loss)}")
        for name, value in values.gradients.items():
            lines.append(f"    dL/d{name} = {_fmt(value)}")
    return "\n".join(lines) + "\n"


GIVEN_GROUPS = (("input", N_("inputs")), ("state", N_("initial states")), ("param", N_("weights and biases")), ("target", N_("targets")))
"""The worked example's given values, grouped by the role of the quantity they set, in this order."""


def given_values(derivation: Derivation) -> list[tuple[str, list[tuple[str, Any]]]]:
    """The worked example's given values as ``[(group, [(name, value), ...]), ...]``, by role.

    A name the example gives is matched to the derivation's own quantity (a parameter, an input,
    a target or an initial state) by its key; the order is the graph's.
    """
    from ..core.labels import node_key, param_key

    given = derivation.spec.example.as_dict()
    roles: dict[str, str] = {param_key(p): "param" for p in derivation.graph.params}
    roles.update({node_key(v): v.role for v in derivation.graph.leaves})
    out = []
    for role, group in GIVEN_GROUPS:
        items = [(name, given[name]) for name, r in roles.items() if r == role and name in given]
        if items:
            out.append((group, items))
    return out


def _listed(value):
    """A given value as numbers: a matrix (nested tuples) as nested lists."""
    return [_listed(v) for v in value] if isinstance(value, tuple) else value


def _fmt(value) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_fmt(v) for v in value) + "]"
    return f"{value:.9g}"


def _chain_text(view) -> str:
    from ..core.labels import param_key

    name = param_key(view.target) if view.target.role == "param" else plain(view.target)
    entry = "" if view.target.shape == (1, 1) else f"[{view.entry[0]},{view.entry[1]}]"
    where = _("at the worked example") if view.at_example else _("at a seeded random rational point (the spec has no worked example)")
    total = ngettext("sum over {n} path", "sum over {n} paths", len(view.paths)).format(n=len(view.paths))
    out = [f"dL/d{name}{entry} = {total} = {float(view.value):.9g}   ({where})"]
    for path in view.paths:
        factors = [f for f in path.factors if not (f.formula is not None and _is_one(f.formula))]
        text = " * ".join(
            f"d{_entry(f.of, f.entry_of)}/d{_entry(f.wrt, f.entry_wrt)}" + (f"[{plain(f.formula)}]" if f.formula is not None else "")
            for f in factors
        )
        nums = " * ".join(f"{float(f.value):.6g}" for f in factors)
        out.append(f"    {text}\n      = {nums} = {float(path.value):.9g}")
    return "\n".join(out)


def _entry(var, index) -> str:
    """``h[2]`` for a scalar, ``h[2](1,0)`` for entry (1, 0) of a matrix."""
    text = plain(var)
    return text if var.shape == (1, 1) else f"{text}({index[0]},{index[1]})"


def _is_one(expr) -> bool:
    from ..core import ir

    return ir.is_one_scalar(expr)


def as_latex(derivation: Derivation, values=None) -> str:
    """A LaTeX fragment (``align`` environments, amsmath), one section per part; with ``values``
    (a worked example) also its given values and results."""
    spec = derivation.spec
    out = [f"% symrnn {__version__}: {spec.name}, T = {derivation.steps}"]
    for title, eqs in _sections(derivation):
        out.append(f"% {_(title)}")
        out.append("\\begin{align}")
        rows = []
        for eq in eqs:
            row = f"{latex(eq.lhs)} &= {latex(eq.rhs)}"
            cond = condition_latex(eq.bounds)
            if cond:
                row += f" && {cond}"
            cite = citation(spec, eq)
            if cite:
                row += f" \\tag{{{cite.split('(')[1].rstrip(')')}}}"
            row += f" \\label{{eq:{_label(eq.label)}}}"
            rows.append(row)
        out.append(" \\\\\n".join(rows))
        out.append("\\end{align}")
    if values is not None:
        out += _example_latex(derivation, values)
    return "\n".join(out) + "\n"


def _value_latex(value) -> str:
    if isinstance(value, tuple):
        rows = value if value and isinstance(value[0], tuple) else tuple((v,) for v in value)
        body = " \\\\ ".join(" & ".join(f"{float(v):.9g}" for v in row) for row in rows)
        return f"\\begin{{pmatrix}} {body} \\end{{pmatrix}}"
    return f"{float(value):.9g}"


def _example_latex(derivation: Derivation, values) -> list[str]:
    """The worked example: the given values (by role), then the forward values, the loss and the gradients."""
    from ..core.labels import node_key, param_key
    from .naming import var_latex

    graph = derivation.graph
    named = {param_key(p): p for p in graph.params}
    named.update({node_key(v): v for v in list(graph.leaves) + [n.var for n in graph.nodes]})
    out = ["% " + _("Worked example: given values"), "\\begin{align*}"]
    rows = [",\\quad ".join(f"{var_latex(named[n])} = {_value_latex(v)}" for n, v in items[i:i + 4])
            for _, items in given_values(derivation) for i in range(0, len(items), 4)]
    out += [" \\\\\n".join(rows), "\\end{align*}", "% " + _("Worked example: results"), "\\begin{align*}"]
    rows = [f"{var_latex(named[n])} &= {_fmt(v)}" for n, v in values.forward.items() if n in named]
    rows.append(f"{var_latex(graph.loss)} &= {_fmt(values.loss)}")
    rows += [f"\\frac{{\\partial L}}{{\\partial {var_latex(named[n])}}} &= {_fmt(v)}"
             for n, v in values.gradients.items() if n in named]
    out += [" \\\\\n".join(rows), "\\end{align*}"]
    return out


def _label(label: str) -> str:
    return "".join(c if c.isalnum() or c in ":-." else "-" for c in label)


def equation_json(eq: Equation, spec) -> dict[str, Any]:
    return {
        "label": eq.label,
        "latex": equation_latex(eq),
        "text": equation_plain(eq),
        "lhs_latex": latex(eq.lhs),
        "rhs_latex": latex(eq.rhs),
        "kind": eq.kind,
        "scope": eq.scope,
        "condition": condition_plain(eq.bounds),
        "node": eq.node,
        "rule": ", ".join(eq.rules),
        "rules": list(eq.rules),
        "cites": citation(spec, eq),
    }


def as_json(derivation: Derivation, values=None) -> str:
    spec = derivation.spec
    concrete = {eq.node: eq for eq in derivation.gradients}
    gradients = {}
    for eq in derivation.generic_gradients:
        c = concrete.get(eq.node, eq)
        gradients[eq.node] = {
            "label": eq.label,
            "latex": latex(eq.rhs),
            "text": plain(eq.rhs),
            "concrete_label": c.label,
            "concrete_latex": latex(c.rhs),
            "concrete_text": plain(c.rhs),
        }
    doc: dict[str, Any] = {
        "format_version": 1,
        "symrnn_version": __version__,
        "spec": spec_dict(spec),
        "steps": derivation.steps,
        "equations": [equation_json(eq, spec) for eq in derivation.equations()],
        "gradients": gradients,
    }
    if values is not None:
        doc["values"] = values.as_json()
    return json.dumps(doc, indent=2, sort_keys=False) + "\n"
