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
  (arrays of the parameter's shape; missing keys are reported as missing; a NaN or an infinity
  is wrong).

Two ways in. ``check_function_file(spec, path, name)`` (``symrnn check --function``) runs a
person's file in its own bounded process (``sandbox.py``), given only the inputs; the expected
gradients are computed here after that process has ended and compared here, with a tolerance the
file cannot reach. ``check_function(spec, fn)`` calls a Python callable in-process: the caller's
own trusted code (a test, a notebook), bounded only by a SIGALRM timer.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..core import evaluate as numeric
from ..core.derive import derive
from ..core.labels import param_key
from ..i18n import _
from . import limits
from .evaluate import resolve_spec, steps_for
from .terminal import safe_line
from .words import status_word

RTOL = 1e-7


@dataclass
class FunctionVerdict:
    spec: str
    status: str  # correct | wrong | error
    parameters: dict = field(default_factory=dict)  # key -> {"status", "max_error", "differ"}
    message: str = ""
    draws: int = 0
    isolation: str = ""

    @property
    def correct(self) -> bool:
        return self.status == "correct"

    def to_text(self) -> str:
        lines = [_("function verdict: {status} ({count} draws)").format(status=status_word(self.status), count=self.draws)]
        if self.isolation:
            lines.append(self.isolation)
        if self.message:
            lines.append(safe_line(self.message))
        for key in sorted(self.parameters):
            info = self.parameters[key]
            extra = ", " + _("max error {error}").format(error=f"{info['max_error']:.3g}") if info.get("max_error") is not None else ""
            why = f" ({safe_line(info['message'])})" if info.get("message") else ""
            lines.append(f"  {safe_line(key)}: {status_word(info['status'])}{extra}{why}")
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


def _instances(spec, draws: int, steps: int | None) -> list:
    base = steps if steps is not None else steps_for(spec)
    out = []
    for n in range(draws):
        T = base + n if spec.recurrent else None
        out.append(numeric.make_instance(derive(spec, steps=T), seed=100 + n, arithmetic="float"))
    return out


def _judge(verdict: FunctionVerdict, instances: list, returned: list[dict], errors: list[dict]) -> FunctionVerdict:
    """Compare what the function returned on each draw with the truth, computed only now."""
    for inst, got, bad in zip(instances, returned, errors):
        truth = {k: numeric.as_float(v) for k, v in inst.gradients().items()}
        for key in sorted(truth):
            info = verdict.parameters.setdefault(key, {"status": "correct", "max_error": 0.0, "differ": []})
            if key in bad:
                info.update(status="error", message=safe_line(bad[key]), max_error=None)
            elif info["status"] != "error":
                _compare(info, key, got, truth[key], inst.T)
        verdict.draws += 1
    broken = sorted(k for k, info in verdict.parameters.items() if info["status"] == "error")
    if broken:
        verdict.status = "error"
        verdict.message = safe_line(f"{broken[0]}: {verdict.parameters[broken[0]]['message']}")
    elif any(info["status"] != "correct" for info in verdict.parameters.values()):
        verdict.status = "wrong"
        bad_keys = sorted(k for k, info in verdict.parameters.items() if info["status"] != "correct")
        verdict.message = _("wrong or missing gradients:") + " " + ", ".join(bad_keys)
    return verdict


def check_function(spec, fn, draws: int = 3, steps: int | None = None, time_limit: float | None = 10.0) -> FunctionVerdict:
    """Call the trusted callable ``fn`` in-process on ``draws`` drawn instances and compare every gradient."""
    spec = resolve_spec(spec)
    verdict = FunctionVerdict(spec.name, "correct", isolation=_("isolation: none (a callable runs in this process)"))
    instances = _instances(spec, draws, steps)
    returned, errors = [], []
    for inst in instances:
        got = _call(fn, *call_data(inst), time_limit, verdict)
        if got is None:
            verdict.draws = len(returned) + 1
            return verdict
        converted, bad = _converted(got)
        returned.append(converted)
        errors.append(bad)
    return _judge(verdict, instances, returned, errors)


def function_file(ref: str) -> tuple[Path, str]:
    """``FILE.py:NAME`` as a path to a regular ``.py`` file of at most ``FUNCTION_FILE_MAX`` bytes and a name."""
    from ..core.errors import SymrnnError

    path, _colon, name = ref.rpartition(":")
    if not path or not name.isidentifier():
        raise SymrnnError(_("--function needs FILE.py:NAME (a Python name after the colon), got {safe_line}").format(safe_line=repr(safe_line(ref[:200]))))
    file = Path(path)
    shown = safe_line(path[:200])
    if file.suffix != ".py":
        raise SymrnnError(_("--function needs a .py file, got {shown}").format(shown=repr(shown)))
    try:
        regular = file.is_file()
        size = file.stat().st_size if regular else 0
    except (OSError, ValueError) as err:  # a name too long, a NUL byte
        raise SymrnnError(_("cannot use {shown}: {value}").format(shown=repr(shown), value=getattr(err, 'strerror', None) or err)) from None
    if not regular:
        raise SymrnnError(_("no such file (or not a regular file): {shown}").format(shown=shown))
    if size > limits.FUNCTION_FILE_MAX:
        raise SymrnnError(_("{shown} is larger than {value} KB").format(shown=shown, value=limits.FUNCTION_FILE_MAX // 1024))
    return file, name


def check_function_file(spec, path, name: str, draws: int = 3, steps: int | None = None,
                        cpu: float = limits.FUNCTION_CPU_SECONDS, wall: float = limits.FUNCTION_WALL_SECONDS,
                        memory: int = limits.FUNCTION_MEMORY) -> FunctionVerdict:
    """Run ``name`` of the file ``path`` in its own bounded process on drawn inputs; compare here."""
    from .sandbox import run_function

    spec = resolve_spec(spec)
    instances = _instances(spec, draws, steps)
    outcome = run_function(Path(path), name, [call_data(inst) for inst in instances], cpu=cpu, wall=wall, memory=memory)
    verdict = FunctionVerdict(spec.name, "correct", isolation=outcome.isolation)
    if outcome.status != "ok":
        verdict.status = outcome.status
        verdict.message = safe_line(outcome.message)
        return verdict
    return _judge(verdict, instances, list(outcome.draws), list(outcome.errors))


def _call(fn, params: dict, data: dict, time_limit: float | None, verdict: FunctionVerdict) -> dict | None:
    """The gradients ``fn`` returns; None (with the verdict's status and message set) if it fails."""
    try:
        with _time_limit(time_limit):
            got = fn(params, data)
    except _FunctionTimeout:
        verdict.status = "timeout"
        verdict.message = _("the function did not return within {seconds} s").format(seconds=f"{time_limit:g}")
        return None
    except SystemExit as err:
        verdict.status = "error"
        verdict.message = _("the function called exit({code}) instead of returning").format(code=repr(err.code))
        return None
    except Exception as err:  # noqa: BLE001 - the person's code may raise anything: report it
        verdict.status = "error"
        verdict.message = safe_line(_("the function raised {error}").format(error=f"{type(err).__name__}: {err}")[:400])
        return None
    if not isinstance(got, dict):
        verdict.status = "error"
        verdict.message = _("the function must return a dict of gradients, got {type}").format(type=type(got).__name__)
        return None
    return got


def _converted(got: dict) -> tuple[dict, dict]:
    """``(arrays, errors)``: each returned gradient as a float64 array, or why it is not one."""
    arrays, errors = {}, {}
    for key, value in got.items():
        try:
            arrays[key] = np.array(value, dtype=float)
        except Exception as err:  # noqa: BLE001 - __array__ may raise anything: report it
            errors[key] = safe_line(_("not an array of numbers ({error})").format(error=f"{type(err).__name__}: {err}")[:400])
    return arrays, errors


def _compare(info: dict, key: str, got: dict, want: np.ndarray, T) -> None:
    """Record in ``info`` how the returned gradient ``got[key]`` compares with ``want`` on one draw."""
    if key not in got:
        info["status"] = "missing"
        info["max_error"] = None
        return
    value = got[key]
    if value.shape != want.shape:
        if value.size != want.size:
            info["status"] = "wrong"
            info["shape"] = list(value.shape)
            return
        value = value.reshape(want.shape)
    if not np.all(np.isfinite(value)):
        info["status"] = "wrong"
        info["message"] = _("not finite (NaN or infinity)")
        info["max_error"] = None
        info["differ"] = [[int(r), int(c)] for r, c in zip(*np.nonzero(~np.isfinite(value.reshape(want.shape))))]
        return
    err = np.abs(value - want)
    scale = max(1.0, float(np.max(np.abs(want))))
    if info["max_error"] is not None:
        info["max_error"] = max(info["max_error"], float(np.max(err)))
    bad = err > RTOL * scale
    if np.any(bad):
        info["status"] = "wrong"
        info["differ"] = [[int(r), int(c)] for r, c in zip(*np.nonzero(bad))]
        info.setdefault("T", T)
