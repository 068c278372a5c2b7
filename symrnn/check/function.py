"""Check a person's own NumPy BPTT function against the derivation on drawn inputs.

Calling convention (documented in ``docs``): the function is called as

    grads = fn(params, data)

* ``params``: ``{key: array}`` for every parameter, key as in ``derive.param_key`` (``W_hh``,
  ``W_hh_l2`` for layer 2), each a 2-D float64 array of the parameter's shape (column
  notation: ``W_hh`` is hidden x hidden, ``W_hx`` hidden x input; row notation: ``W_xh`` is
  input x hidden; biases are columns ``(n, 1)`` or rows ``(1, n)``).
* ``data``: ``{"T": T}`` and, for every input and target sequence, the steps stacked on a first
  axis in time order: ``data["x"][0]`` is ``x_1`` (shape ``(T, rows, cols)``), ``data["y"]`` the
  targets of the steps that have a loss (all ``T``, or just ``y_T`` for many-to-one); initial
  states as ``data["h_0"]`` (``"h_l2_0"`` for layer 2, ``"C_0"`` for the LSTM cell). An MLP gets
  its inputs and targets by name (``data["i1"]``), each a 1 x 1 array.
* it returns ``{key: array}`` with the gradient of the loss for each parameter it computes
  (arrays of the parameter's shape; missing keys are reported as missing).

The function is the caller's own code and runs in-process: it is trusted, unlike typed text.
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from dataclasses import dataclass, field

import numpy as np

from ..core import evaluate as numeric
from ..core.derive import derive
from ..core.labels import param_key
from .evaluate import resolve_spec, steps_for

RTOL = 1e-7


@dataclass
class FunctionVerdict:
    spec: str
    status: str  # correct | wrong | error
    parameters: dict = field(default_factory=dict)  # key -> {"status", "max_error", "differ"}
    message: str = ""
    draws: int = 0

    @property
    def correct(self) -> bool:
        return self.status == "correct"

    def to_text(self) -> str:
        lines = [f"function verdict: {self.status} ({self.draws} draws)"]
        if self.message:
            lines.append(self.message)
        for key in sorted(self.parameters):
            info = self.parameters[key]
            extra = f", max error {info['max_error']:.3g}" if info.get("max_error") is not None else ""
            lines.append(f"  {key}: {info['status']}{extra}")
        return "\n".join(lines)


def call_data(inst: numeric.Instance) -> tuple[dict, dict]:
    """``(params, data)`` of an instance in the calling convention above."""
    graph = inst.derivation.graph
    params = {param_key(p): numeric.as_float(inst.values[numeric.key_of(p, None)]).copy() for p in graph.params}
    data: dict = {"T": inst.T}
    seq: dict[str, list] = {}
    for v in graph.leaves:
        name = v.name if v.layer is None else f"{v.name}_l{v.layer}"
        value = numeric.as_float(inst.values[numeric.key_of(v, None if v.time is None else int(v.time))]).copy()
        if v.time is None:
            data[name] = value
        elif v.role == "state":
            data[f"{name}_{int(v.time)}"] = value
        else:
            seq.setdefault(name, []).append((int(v.time), value))
    for name, items in seq.items():
        data[name] = np.stack([value for _, value in sorted(items, key=lambda p: p[0])])
    return params, data


class _FunctionTimeout(Exception):
    pass


@contextlib.contextmanager
def _time_limit(seconds: float | None):
    """Interrupt the person's function after ``seconds`` (SIGALRM; main thread on Unix only)."""
    usable = seconds and hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if not usable:
        yield
        return

    def expire(signum, frame):
        raise _FunctionTimeout

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def check_function(spec, fn, draws: int = 3, steps: int | None = None, time_limit: float | None = 10.0) -> FunctionVerdict:
    """Call ``fn`` on ``draws`` drawn instances and compare every returned gradient."""
    spec = resolve_spec(spec)
    verdict = FunctionVerdict(spec.name, "correct")
    base = steps if steps is not None else steps_for(spec)
    for n in range(draws):
        T = base + n if spec.recurrent else None
        derivation = derive(spec, steps=T)
        inst = numeric.make_instance(derivation, seed=100 + n, arithmetic="float")
        truth = {k: numeric.as_float(v) for k, v in inst.gradients().items()}
        params, data = call_data(inst)
        start = time.monotonic()
        got = _call(fn, params, data, time_limit, verdict)
        if got is None:
            verdict.draws = n + 1
            return verdict
        for key in sorted(truth):
            info = verdict.parameters.setdefault(key, {"status": "correct", "max_error": 0.0, "differ": []})
            _compare(info, key, got, truth[key], inst.T)
        verdict.draws = n + 1
        verdict.parameters.setdefault("_seconds", {"status": "info", "max_error": None})
        verdict.parameters["_seconds"]["max_error"] = time.monotonic() - start
    verdict.parameters.pop("_seconds", None)
    if any(info["status"] != "correct" for info in verdict.parameters.values()):
        verdict.status = "wrong"
        bad = sorted(k for k, info in verdict.parameters.items() if info["status"] != "correct")
        verdict.message = "wrong or missing gradients: " + ", ".join(bad)
    return verdict


def _call(fn, params: dict, data: dict, time_limit: float | None, verdict: FunctionVerdict) -> dict | None:
    """The gradients ``fn`` returns; None (with the verdict's status and message set) if it fails."""
    try:
        with _time_limit(time_limit):
            got = fn(params, data)
    except _FunctionTimeout:
        verdict.status = "timeout"
        verdict.message = f"the function did not return within {time_limit:g} s"
        return None
    except Exception as err:  # noqa: BLE001 - the person's code may raise anything: report it
        verdict.status = "error"
        verdict.message = f"the function raised {type(err).__name__}: {err}"
        return None
    if not isinstance(got, dict):
        verdict.status = "error"
        verdict.message = f"the function must return a dict of gradients, got {type(got).__name__}"
        return None
    return got


def _compare(info: dict, key: str, got: dict, want: np.ndarray, T) -> None:
    """Record in ``info`` how the returned gradient ``got[key]`` compares with ``want`` on one draw."""
    if key not in got:
        info["status"] = "missing"
        info["max_error"] = None
        return
    try:
        value = np.asarray(got[key], dtype=float)
    except (TypeError, ValueError):
        info["status"] = "wrong"
        info["message"] = f"not an array of numbers (got {type(got[key]).__name__})"
        info["max_error"] = None
        return
    if value.shape != want.shape:
        if value.size != want.size:
            info["status"] = "wrong"
            info["shape"] = list(value.shape)
            return
        value = value.reshape(want.shape)
    err = np.abs(value - want)
    scale = max(1.0, float(np.max(np.abs(want))))
    if info["max_error"] is not None:
        info["max_error"] = max(info["max_error"], float(np.max(err)))
    bad = err > RTOL * scale
    if np.any(bad):
        info["status"] = "wrong"
        info["differ"] = [[int(r), int(c)] for r, c in zip(*np.nonzero(bad))]
        info.setdefault("T", T)
