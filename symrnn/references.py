"""Where a derived equation appears in the literature, so output can cite it.

Dive into Deep Learning (D2L) section 9.7 numbers the linear RNN's BPTT equations; a spec of that
exact network (vanilla cell, identity activation, no biases, column vectors, one layer) gets its
equations tagged with them.
"""

from __future__ import annotations

D2L_97 = {
    "adj:h:T": "9.7.13",
    "adj:h:t": "9.7.14",
    "closed:h:t:d2l": "9.7.15",
    "grad:W_hx": "9.7.16",
    "grad:W_hh": "9.7.16",
}


def citation(spec, label: str) -> str | None:
    """``'D2L (9.7.14)'`` when the equation labelled ``label`` is one D2L 9.7 prints."""
    if not getattr(spec, "recurrent", False):
        return None
    if (spec.cell, spec.activation, spec.bias, spec.notation, spec.layers, spec.shape) != (
        "rnn", "identity", False, "column", 1, "many-to-many"
    ):
        return None
    number = D2L_97.get(label)
    return f"D2L ({number})" if number else None
