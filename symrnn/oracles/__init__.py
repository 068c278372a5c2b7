"""Independent oracles for generated code: an autograd forward written from the spec, finite differences.

Nothing here reads a Derivation: :mod:`.reference` implements each network straight from the spec
(the equations of docs/REFERENCE.md section 1 and the spec conventions), so agreement with the
generated code is evidence about the derivation, not a restatement of it.
"""

from __future__ import annotations

from .finite_diff import central_differences
from .reference import reference_gradients, reference_loss

__all__ = ["central_differences", "reference_gradients", "reference_loss"]
