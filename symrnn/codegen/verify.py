"""Numeric verification of a generated module against independent oracles.

For one spec: generate the NumPy module, import it from a real file, draw parameters, inputs and
targets (float64), and compare its gradients with

* ``autograd``   HIPS autograd over the forward pass written from the spec (``oracles.reference``);
* ``torch.nn``   ``nn.RNN`` / ``nn.LSTM`` / ``nn.GRU`` + ``nn.Linear`` through ``torch_map``
  (float64, CPU), where a torch module exists;
* ``finite diff`` five-point central differences of the generated module's own forward loss, which checks the
  reversed loop against the forward loop independently of any autodiff.

The error of a parameter is ``max |g - o| / max(max |g|, max |o|)`` (0 when both vanish). For
finite differences the denominator is at least ``FD_FLOOR`` times the largest gradient entry of
any parameter: a difference quotient's absolute error follows the loss's scale, so a parameter
whose whole gradient is 1e-5 of the others' (a deep stack's first decoder layer) would otherwise
fail on rounding alone, while autograd and torch.nn agree with it to 1e-15.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field

import numpy as np

from ..core import limits
from ..core.errors import LimitError
from ..core.finite_diff import DEFAULT_EPS, sampled_entries
from ..core.spec import Spec, with_steps
from ..i18n import N_, _
from ..oracles import central_differences, reference_gradients
from ..oracles.reference import draw
from .generate import compile_spec
from .torch_map import torch_support

ORACLES = ("autograd", "torch.nn", "finite diff")
TOLERANCES = {"autograd": 1e-8, "torch.nn": 1e-8, "finite diff": 1e-8}
ORACLE_WORDS = {"autograd": "autograd", "torch.nn": "torch.nn", "finite diff": N_("finite diff")}
"""An oracle's column header in the reader's language (the libraries keep their names)."""
FD_FLOOR = 1e-3


def relative_error(value, reference, floor: float = 0.0, allowance=None) -> float:
    """``max |value - reference| / scale`` over the entries the reference has (a sampled finite
    difference leaves the others NaN); a NaN in ``value`` itself is an infinite error.

    ``allowance``: the reference's own error bound per entry (a finite difference's, estimated
    from three step sizes, see fd_bounds), subtracted before the comparison: a difference quotient cannot decide
    below its own error, and on a large deep network that error is far above 1e-8."""
    value, reference = np.asarray(value, dtype=float), np.asarray(reference, dtype=float)
    if value.shape != reference.shape or not np.all(np.isfinite(value)):
        return float("inf")
    known = ~np.isnan(reference)
    slack = 0.0 if allowance is None else np.asarray(allowance, dtype=float)[known]
    value, reference = value[known], reference[known]
    scale = max(float(np.max(np.abs(value), initial=0.0)), float(np.max(np.abs(reference), initial=0.0)), floor)
    if scale == 0.0:
        return 0.0
    return float(np.max(np.maximum(np.abs(value - reference) - slack, 0.0), initial=0.0)) / scale


@dataclass(frozen=True)
class Report:
    spec: Spec
    steps: int
    batch: int
    seed: int
    rows: tuple[tuple[str, dict[str, float | None]], ...]  # the raw relative errors, as printed
    notes: dict[str, str] = field(default_factory=dict)
    judged: dict = field(default_factory=dict)  # (parameter, oracle) -> the error beyond the oracle's own bound
    undecided: tuple[int, int] = (0, 0)  # finite differences: entries that did not settle, of those sampled

    @property
    def passed(self) -> bool:
        return all(
            err is not None and self.judged.get((name, oracle), err) <= TOLERANCES[oracle]
            for name, errors in self.rows
            for oracle, err in errors.items()
            if oracle not in self.notes
        )

    def table(self) -> str:
        head = f"symrnn verify {self.spec.name}: " + _("T = {T}, batch = {batch}, seed = {seed}, float64").format(
            T=self.steps, batch=self.batch, seed=self.seed)
        width = max(12, *(len(name) for name, _ in self.rows)) + 2
        cols = {o: max(14, len(_(ORACLE_WORDS[o])) + 2) for o in ORACLES}
        lines = [head, "", _("parameter").ljust(width) + "".join(_(ORACLE_WORDS[o]).rjust(cols[o]) for o in ORACLES)]
        for name, errors in self.rows:
            cells = []
            for oracle in ORACLES:
                err = errors.get(oracle)
                cells.append(("n/a" if err is None else f"{err:.2e}").rjust(cols[oracle]))
            lines.append(name.ljust(width) + "".join(cells))
        lines.append(_("tolerance").ljust(width) + "".join(f"{TOLERANCES[o]:.0e}".rjust(cols[o]) for o in ORACLES))
        if self.judged:
            lines.append(_("note: finite differences are judged beyond their own error bound (from three step sizes)"))
        if self.undecided[0]:
            lines.append(_("note: finite differences did not settle on {n} of {m} sampled entries (their error did not "
                           "fall as the step shrank: the loss curves too much there); those entries are judged by the "
                           "other oracles").format(n=self.undecided[0], m=self.undecided[1]))
        for oracle, note in sorted(self.notes.items()):
            lines.append(_("note: {oracle} not compared: {note}").format(oracle=_(ORACLE_WORDS[oracle]), note=_(note)))
        lines.append(_("verdict: PASS (every gradient within tolerance of every oracle)") if self.passed
                     else _("verdict: FAIL (not every gradient within tolerance of every oracle)"))
        return "\n".join(lines)


def verify(spec: Spec, steps: int | None = None, batch: int = 2, seed: int = 0, use_torch: bool = True) -> Report:
    """Generate, import and check the module of ``spec`` against every available oracle."""
    spec = with_steps(spec, steps)
    sizes = (spec.input_size, spec.hidden_size, spec.output_size) if spec.recurrent else spec.sizes
    if max(*sizes, batch) > limits.VERIFY_MAX_SIZE:
        raise LimitError(_("numeric verification takes sizes and batch <= {limit}; got {size}").format(
            limit=limits.VERIFY_MAX_SIZE, size=max(*sizes, batch)))
    T = spec.steps if spec.recurrent else 1
    rng = np.random.default_rng(seed)
    params, inputs, targets = draw(spec, batch, T, rng, initial_state=spec.recurrent)
    with tempfile.TemporaryDirectory() as tmp:
        module = compile_spec(spec, tmp)
        loss, grads = module.gradients(params, inputs, targets, steps=T if spec.recurrent else None)

        def own_loss(p):
            return module.forward(p, inputs, targets, steps=T if spec.recurrent else None)["L"]

        entries = sampled_entries(params, seed=seed)
        fd = central_differences(own_loss, params, eps=DEFAULT_EPS[4] / 4, entries=entries)
        coarse = central_differences(own_loss, params, entries=entries)
        coarser = central_differences(own_loss, params, eps=DEFAULT_EPS[4] * 4, entries=entries)
    # fd's error bound: truncation, from the step four times as long (it falls as eps^4 once
    # the step is small enough; a large deep network needs the shorter step to get there), plus
    # rounding, |L| ulp / eps times the stencil's weight (1.5)
    base_loss = float(own_loss(params))
    rounding = abs(base_loss) * np.finfo(float).eps * 1.5 / (DEFAULT_EPS[4] / 4)
    bound, undecided = fd_bounds(fd, coarse, coarser, rounding)
    results: dict[str, tuple[float, dict]] = {"finite diff": (base_loss, fd)}
    ref_loss, ref = reference_gradients(spec, params, inputs, targets, T if spec.recurrent else None)
    results["autograd"] = (ref_loss, ref)
    notes: dict[str, str] = {}
    reason = torch_support(spec) if use_torch else N_("disabled")
    if reason is None:
        try:
            from .torch_map import torch_gradients
        except ImportError:  # pragma: no cover - torch_map imports torch lazily
            reason = N_("torch is not installed")
        else:
            try:
                t_loss, t_grads, _model = torch_gradients(spec, params, inputs, targets, T)
                results["torch.nn"] = (t_loss, t_grads)
            except ModuleNotFoundError:
                reason = N_("torch is not installed")
    if reason is not None:
        notes["torch.nn"] = reason
    largest = max((float(np.max(np.abs(g), initial=0.0)) for g in grads.values()), default=0.0)
    floors = {o: FD_FLOOR * largest if o == "finite diff" else 0.0 for o in ORACLES}
    rows, judged = [], {}
    for key in sorted(grads):
        judged[(key, "finite diff")] = relative_error(grads[key], fd[key], floors["finite diff"], bound[key])
        rows.append((key, {o: relative_error(grads[key], results[o][1][key], floors[o])
                           if o in results and key in results[o][1] else None
                           for o in ORACLES if o not in notes}))
    rows.append(("(loss)", {o: relative_error(loss, results[o][0]) for o in ORACLES if o in results}))
    return Report(spec, T, batch, seed, tuple(rows), notes, judged, undecided)


def fd_bounds(fd: dict, coarse: dict, coarser: dict, rounding: float) -> tuple[dict, tuple[int, int]]:
    """Each sampled entry's error bound, from three step sizes (eps / 4, eps, 4 eps), and how many
    entries did not settle, of those sampled.

    The five-point stencil's error falls as eps^4, 256-fold per fourfold step, once the step is
    small enough. An entry whose change from 4 eps to eps is not at least 16 times its change from
    eps to eps / 4 (and is above rounding) has not reached that regime: its bound is infinite, so
    finite differences do not judge it (the other oracles still do), instead of failing a correct
    gradient on a curvature the difference quotient cannot follow."""
    bound, undecided, sampled = {}, 0, 0
    for key, fine in fd.items():
        step = np.abs(fine - coarse[key])
        settled = (np.abs(coarse[key] - coarser[key]) >= 16.0 * step) | (step <= 4.0 * rounding)
        known = ~np.isnan(fine)
        bound[key] = np.where(settled | ~known, 2.0 * step + 4.0 * rounding, np.inf)
        undecided += int(np.sum(known & ~settled))
        sampled += int(np.sum(known))
    return bound, (undecided, sampled)
