"""Central finite differences of a scalar function of a dict of parameter arrays."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def central_differences(loss: Callable[[dict], float], params: dict, eps: float = 1e-6) -> dict:
    """``(L(p + eps e_i) - L(p - eps e_i)) / (2 eps)`` for every entry of every parameter (float64).

    The truncation error is O(eps^2 * L''') and the rounding error O(|L| * 1e-16 / eps): with
    eps = 1e-6 expect about 1e-9 to 1e-7 relative agreement, not 1e-12.
    """
    base = {k: np.array(v, dtype=np.float64) for k, v in params.items()}
    grads = {}
    for key in sorted(base):
        grad = np.zeros_like(base[key])
        for idx in np.ndindex(grad.shape):
            saved = base[key][idx]
            base[key][idx] = saved + eps
            plus = float(loss(base))
            base[key][idx] = saved - eps
            minus = float(loss(base))
            base[key][idx] = saved
            grad[idx] = (plus - minus) / (2 * eps)
        grads[key] = grad
    return grads
