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


def sampled_entries(params: dict, total: int = 96, seed: int = 0) -> dict:
    """About ``total`` entry indices across the parameters, at least one of each: every entry of a
    parameter with at most ``total // len(params)`` entries, else that many drawn without
    replacement. Finite differences cost four losses per entry, so a large network is checked on a
    sample whose size does not grow with it, while a small one is checked whole."""
    rng = np.random.default_rng(seed)
    per_param = max(1, total // max(1, len(params)))
    out = {}
    for key in sorted(params):
        shape = np.shape(params[key])
        count = int(np.prod(shape, dtype=np.int64))
        flat = np.arange(count) if count <= per_param else np.sort(rng.choice(count, per_param, replace=False))
        out[key] = [tuple(int(i) for i in np.unravel_index(k, shape)) for k in flat]
    return out


def central_differences(loss: Callable[[dict], float], params: dict, eps: float | None = None, order: int = 4,
                        entries: dict | None = None) -> dict:
    """The gradient of ``loss`` at ``params`` (float64) by a central difference of each entry.

    Order 2, ``(L(p + eps) - L(p - eps)) / (2 eps)`` with eps = 1e-6, agrees to about 1e-9..1e-7
    (rounding ~1e-16 |L| / eps against truncation ~eps^2 L'''). Order 4 (the five-point stencil,
    eps = 1e-3) has truncation ~eps^4 L^(5) / 30 and rounding ~1e-13: about 1e-10 relative, close
    enough to check generated code at 1e-8.

    ``entries`` (from :func:`sampled_entries`) restricts the differences to those indices; the
    other entries of the result are NaN, to be left out of any comparison.
    """
    if order not in STENCILS:
        raise ValueError(f"order must be one of {sorted(STENCILS)}")
    eps = DEFAULT_EPS[order] if eps is None else eps
    base = {k: np.array(v, dtype=np.float64) for k, v in params.items()}
    grads = {}
    for key in sorted(base):
        grad = np.zeros_like(base[key]) if entries is None else np.full_like(base[key], np.nan)
        for idx in (np.ndindex(grad.shape) if entries is None else entries[key]):
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
