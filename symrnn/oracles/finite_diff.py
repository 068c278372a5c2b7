"""Central finite differences: the oracle that needs nothing but a loss function.

The stencils live in :mod:`symrnn.core.finite_diff`, the one implementation that the core's
float64 check of a derivation and the generated-code oracle both use.
"""

from __future__ import annotations

from ..core.finite_diff import DEFAULT_EPS, STENCILS, central_differences

__all__ = ["DEFAULT_EPS", "STENCILS", "central_differences"]
