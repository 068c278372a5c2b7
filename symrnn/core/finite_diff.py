"""Central finite differences of a scalar function of a dict of parameter arrays."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

STENCILS = {
    2: ((1, 1.0 / 2),),
    4: ((1, 8.0 / 12), (2, -1.0 / 12)),
}
"""Central stencils ``sum_k c_k (L(p + k eps) - L(p - k eps)) / eps`` of order 2 and 4."""

DEFAULT_EPS = {2: 1e-6, 4: 1e-3}


def central_differences(loss: Callable[[dict], float], params: dict, eps: float | None = None, order: int = 4) -> dict:
    """The gradient of ``loss`` at ``params`` (float64) by a central difference of each entry.

    Order 2, ``(L(p + eps) - L(p - eps)) / (2 eps)`` with eps = 1e-6, agrees to about 1e-9..1e-7
    (rounding ~1e-16 |L| / eps against truncation ~eps^2 L'''). Order 4 (the five-point stencil,
    eps = 1e-3) has truncation ~eps^4 L^(5) / 30 and rounding ~1e-13: about 1e-10 relative, close
    enough to check generated code at 1e-8.
    """
    if order not in STENCILS:
        raise ValueError(f"order must be one of {sorted(STENCILS)}")
    eps = DEFAULT_EPS[order] if eps is None else eps
    base = {k: np.array(v, dtype=np.float64) for k, v in params.items()}
    grads = {}
    for key in sorted(base):
        grad = np.zeros_like(base[key])
        for idx in np.ndindex(grad.shape):
            saved = base[key][idx]
            total = 0.0
            for k, coeff in STENCILS[order]:
                base[key][idx] = saved + k * eps
                plus = float(loss(base))
                base[key][idx] = saved - k * eps
                minus = float(loss(base))
                total += coeff * (plus - minus)
            base[key][idx] = saved
            grad[idx] = total / eps
        grads[key] = grad
    return grads
