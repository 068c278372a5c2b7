"""Gates that share a source: one product per step for all of them, as torch and cuDNN do.

An LSTM's four pre-activations each add ``H_{t-1} W_h.`` inside the forward loop (their input part
is hoisted before it), and ``dL/dH_t`` adds ``dL/dA_{.,t+1} W_h.^T`` once per gate in the reversed
loop. When two or more gate templates of one loop add nothing but a product of the *same* operand
by a weight of their own, the module stores their pre-activations side by side as column blocks
of one array (``A_i = A_ifoc[:, :, 0:H]`` is a view), concatenates their weights once per call
(``W_h_ifoc``), and each loop does one product where it did one per gate:

    A_ifoc[t] += H[t - 1] @ W_h_ifoc         # fwd:A_i:t, fwd:A_f:t, fwd:A_o:t, fwd:A_c:t
    d_H[t] += d_A_ifoc[t + 1] @ W_h_ifoc.T   # adj:H:t (its four gate terms)

Every other statement reads the per-gate views as before, so the equations stay as derived.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from ..core import ir
from ..printing.numpy_code import adjoint_code, name_code
from .program import Statement


@dataclass(frozen=True)
class Fusion:
    """Gate templates ``members`` (name, layer) whose loop part is ``source @ weight_k``."""

    members: tuple[tuple[str, int | None], ...]
    widths: tuple[int, ...]
    weights: tuple[ir.Var, ...]
    source: ir.Expr
    transposed: bool  # the loop multiplies by ``W.T`` (column notation): weights stack along axis 0
    labels: tuple[str, ...]
    array: ir.Var  # the side-by-side pre-activations (no time: index with ``.at``)
    weight: ir.Var  # the concatenated weights

    def view_statements(self, adjoint: bool) -> list[Statement]:
        """``A_i = A_ifoc[:, :, 0:2]``: each member a view of the fused array."""
        code = adjoint_code if adjoint else name_code
        out, lo = [], 0
        for (name, layer), n in zip(self.members, self.widths):
            out.append(Statement(code(ir.Var(name, (1, 1), layer=layer)), "=", f"{code(self.array)}[:, :, {lo}:{lo + n}]"))
            lo += n
        return out

    def weight_statement(self) -> Statement:
        parts = ", ".join(name_code(w) for w in self.weights)
        return Statement(name_code(self.weight), "=", f"np.concatenate(({parts}), axis={0 if self.transposed else 1})",
                         "shared by " + ", ".join(self.labels))

    def forward_term(self) -> ir.Expr:
        return ir.MatMul(self.source, ir.Transpose(self.weight) if self.transposed else self.weight)


def _weight_of(term: ir.Expr) -> tuple[ir.Var, bool] | None:
    """``S @ W`` or ``S @ W.T`` with W a parameter: (W, transposed)."""
    if not isinstance(term, ir.MatMul):
        return None
    right = term.right
    if isinstance(right, ir.Var) and right.role == "param":
        return right, False
    if isinstance(right, ir.Transpose) and isinstance(right.x, ir.Var) and right.x.role == "param":
        return right.x, True
    return None


def _common_name(names: list[str]) -> str:
    """``W_hi, W_hf`` -> ``W_h_if``; ``A_i, A_f`` -> ``A_if``; column notation's ``W_ih, W_fh`` -> ``W_if_h``."""
    prefix = os.path.commonprefix(names)
    suffix = os.path.commonprefix([n[len(prefix):][::-1] for n in names])[::-1]
    middles = "".join(n[len(prefix):len(n) - len(suffix)] for n in names)
    head = prefix if prefix.endswith("_") else f"{prefix}_"
    tail = suffix if not suffix or suffix.startswith("_") else f"_{suffix}"
    return f"{head}{middles}{tail}"


def find(candidates: list[tuple[ir.Var, str, list[ir.Expr], int]], taken: set[str]) -> list[Fusion]:
    """Fusions among a loop's hoisted templates: ``(lhs, label, the terms left in the loop, width)``.

    Only templates whose loop part is one product ``source @ W`` by a parameter of their own
    count; two or more with the same source (and form) make a fusion. ``taken``: identifiers
    already used by the module, which the fused names must not shadow.
    """
    groups: dict[tuple, list] = {}
    for var, label, terms, n in candidates:
        if len(terms) != 1 or _weight_of(terms[0]) is None:
            continue
        weight, transposed = _weight_of(terms[0])
        groups.setdefault((terms[0].left, transposed, var.layer), []).append((var, label, weight, n))
    out = []
    for (source, transposed, layer), members in groups.items():
        if len(members) < 2 or len({m[2] for m in members}) < len(members):
            continue
        array_name = _common_name([m[0].name for m in members])
        weight_name = _common_name([m[2].name for m in members])
        widths = tuple(m[3] for m in members)
        array = ir.Var(array_name, (source.shape[0], sum(widths)), "node", layer=layer)
        w0 = members[0][2]
        wshape = (sum(widths), w0.shape[1]) if transposed else (w0.shape[0], sum(widths))
        weight = ir.Var(weight_name, wshape, "param", layer=w0.layer)
        names = {name_code(array), adjoint_code(array), name_code(weight)}
        if names & taken:
            continue
        out.append(Fusion(tuple((m[0].name, m[0].layer) for m in members), widths, tuple(m[2] for m in members),
                          source, transposed, tuple(m[1] for m in members), array, weight))
    return out


def fuse_adjoint_terms(fusions: tuple[Fusion, ...], terms: list[ir.Expr]) -> list[ir.Expr]:
    """``dL/dA_i,t+1 W_hi^T + dL/dA_f,t+1 W_hf^T + ...`` -> ``dL/dA_if,t+1 W_h_if^T``, in place of the first."""
    for fusion in fusions:
        found: dict[int, int] = {}  # member index -> term index
        time = None
        for i, term in enumerate(terms):
            hit = _adjoint_product(fusion, term)
            if hit is not None and hit[0] not in found and time in (None, hit[1]):
                found[hit[0]], time = i, hit[1]
        if len(found) != len(fusion.members):
            continue
        fused_weight = fusion.weight if fusion.transposed else ir.Transpose(fusion.weight)
        fused = ir.MatMul(ir.Adjoint(fusion.array.at(time)), fused_weight)
        first = min(found.values())
        terms = [fused if i == first else t for i, t in enumerate(terms) if i == first or i not in found.values()]
    return terms


def _adjoint_product(fusion: Fusion, term: ir.Expr):
    """``(member index, time)`` when ``term`` is ``dL/dA_k,tau W_k^T`` (row) or ``dL/dA_k,tau W_k`` (column)."""
    if not (isinstance(term, ir.MatMul) and isinstance(term.left, ir.Adjoint)):
        return None
    var = term.left.of
    key = (var.name, var.layer)
    if key not in fusion.members:
        return None
    k = fusion.members.index(key)
    want = fusion.weights[k] if fusion.transposed else ir.Transpose(fusion.weights[k])
    return (k, var.time) if term.right == want else None


__all__ = ["Fusion", "find", "fuse_adjoint_terms"]
