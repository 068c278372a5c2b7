"""The helper functions a generated module defines, each only when its code calls it.

An activation carries the helpers its NumPy code calls (``core/activations.py``, gathered into
``HELPERS`` below); a loss names its helper, defined here, as does the set-up
(:mod:`.prologue`) for the ones that read and check arguments; codegen asks
:func:`helpers_used` for the sources the module's code needs, with what those call in turn.
"""

from __future__ import annotations

import re

from ..core.activations import ACTIVATIONS

_BASE: dict[str, tuple[tuple[str, ...], str]] = {
    # name: (helpers it calls, source)
    "_softmax": ((), '''def _softmax(x):
    """Softmax over the last axis (each example's row), shifted by the row maximum."""
    e = np.exp(x - np.max(x, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)
'''),
    "_log_softmax": ((), '''def _log_softmax(x):
    z = x - np.max(x, axis=-1, keepdims=True)
    return z - np.log(np.sum(np.exp(z), axis=-1, keepdims=True))
'''),
    "_half_sq": ((), '''def _half_sq(pred, target):
    """1/2 of the sum of squares of every entry (all examples, all steps given)."""
    d = pred - target
    return 0.5 * np.sum(d * d)
'''),
    "_softmax_ce": (("_log_softmax",), '''def _softmax_ce(logits, target):
    """-sum target * log softmax(logits), through a stable log-softmax."""
    return -np.sum(target * _log_softmax(logits))
'''),
    "_steps": ((), '''def _steps(a, lo, hi):
    """Steps lo..hi of a time-indexed array stacked as rows: shape ((hi - lo + 1) * B, n)."""
    return a[lo:hi + 1].reshape(-1, a.shape[-1])
'''),
    "_dtype": ((), '''def _dtype(params, inputs, targets, check_inputs):
    """The result type of every array given, at least float32 (unchecked: the first parameter's dtype)."""
    if not check_inputs:
        return next(iter(params.values())).dtype
    arrays = list(params.values()) + list(inputs.values()) + list((targets or {}).values())
    return np.result_type(*[np.asarray(a).dtype for a in arrays if a is not None], np.float32)
'''),
    "_as_dict": ((), '''def _as_dict(value, key):
    if value is None or isinstance(value, dict):
        return value
    return {key: value}
'''),
    "_get": ((), '''def _get(values, key):
    return None if values is None else values.get(key)
'''),
    "_param": ((), '''def _param(params, key, shape, dtype, check_inputs):
    """The parameter ``key`` as an array of ``dtype``, its shape checked (unchecked: trusted)."""
    if not check_inputs:
        value = params[key]
        return value if value.dtype == dtype else value.astype(dtype)
    if key not in params:
        raise KeyError(f"missing parameter {key!r}; expected {sorted(PARAM_SHAPES)}")
    value = np.asarray(params[key], dtype=dtype)
    if value.shape != shape:
        raise ValueError(f"parameter {key!r} has shape {value.shape}, expected {shape}")
    return value
'''),
    "_sizes": ((), '''def _sizes(steps, sequences, others):
    """Batch size B and number of steps T from the (B, T, n) and (B, n) arrays given."""
    sequences = [np.asarray(a) for a in sequences if a is not None]
    others = [np.asarray(a) for a in others if a is not None]
    if not sequences and not others:
        raise ValueError("no input given")
    B = (sequences or others)[0].shape[0]
    if sequences:
        T = sequences[0].shape[1]
        if steps is not None and steps != T:
            raise ValueError(f"steps={steps} but the sequences have {T} steps")
    elif steps is None:
        raise ValueError("no input carries a time axis: pass steps=T")
    else:
        T = int(steps)
    if T < 1:
        raise ValueError("need at least one step")
    return B, T
'''),
    "_zeros": ((), '''_WORKSPACE = threading.local()
"""Each thread's arrays of the last call, by name: see ``_zeros``."""


def _zeros(name, shape, dtype):
    """A zeroed array for ``name``, reused by this thread's next call of the same sizes and dtype.

    A fresh array costs a page fault per 4 KiB touched, on every call; a reused one costs one fill.
    Nothing returned is one of these arrays (outputs and gradients are new arrays), and each thread
    has its own, so calls from several threads at once do not share them. They stay allocated
    between calls; ``_WORKSPACE.__dict__.clear()`` frees the calling thread's.
    """
    buffers = _WORKSPACE.__dict__
    out = buffers.get(name)
    if out is None or out.shape != shape or out.dtype != dtype:
        out = buffers[name] = np.zeros(shape, dtype)
    else:
        out.fill(0)
    return out
'''),
    "_sequence": (("_zeros",), '''def _sequence(values, key, T, B, n, dtype, check_inputs):
    """A (B, T, n) input as a (T + 2, B, n) array indexed by the step t = 1..T."""
    value = np.asarray(values[key], dtype=dtype) if check_inputs else values[key]
    if check_inputs and value.shape != (B, T, n):
        raise ValueError(f"{key!r} has shape {value.shape}, expected (B, T, n) = {(B, T, n)}")
    out = _zeros("input " + key, (T + 2, B, n), dtype)
    out[1:T + 1] = value.transpose(1, 0, 2)  # (B, T, n) -> (T, B, n)
    return out
'''),
    "_one_step": (("_zeros",), '''def _one_step(values, key, step, T, B, n, dtype):
    """A (B, n) input given at one step only (step 1 or T)."""
    value = np.asarray(values[key], dtype=dtype).reshape(B, n)
    out = _zeros("input " + key, (T + 2, B, n), dtype)
    out[step] = value
    return out
'''),
    "_initial": (("_zeros",), '''def _initial(values, key, T, B, n, dtype):
    """Initial state at index 0 (zeros unless ``key`` is given), steps 1..T filled in later."""
    out = _zeros("input " + key, (T + 2, B, n), dtype)
    if values.get(key) is not None:
        out[0] = np.asarray(values[key], dtype=dtype).reshape(B, n)
    return out
'''),
    "_static": ((), '''def _static(values, key, B, n, dtype, check_inputs):
    value = np.asarray(values[key], dtype=dtype)
    if check_inputs and value.size != B * n:
        raise ValueError(f"{key!r} has shape {value.shape}, expected (B, {n})")
    return value.reshape(B, n)
'''),
    "_batch": ((), '''def _batch(values, key):
    """The batch size B: the leading axis of the input ``key``."""
    return np.asarray(values[key]).shape[0]
'''),
}


HELPERS: dict[str, tuple[tuple[str, ...], str]] = {
    **{name: (needs, source) for act in ACTIVATIONS.values() for name, needs, source in act.helpers},
    **_BASE,
}
"""Every helper by name: the activations' own (from their registry) and the ones above."""


IMPORTS: tuple[tuple[str, str], ...] = (("threading.", "import threading"),)
"""(what a helper's source uses, the import it needs): the module imports only what its helpers use."""


def imports_used(sources: tuple[str, ...]) -> tuple[str, ...]:
    """The import lines the helper ``sources`` need, beyond ``numpy``."""
    return tuple(line for used, line in IMPORTS if any(used in source for source in sources))


def helpers_used(code: str) -> tuple[str, ...]:
    """The helper sources that ``code`` calls, with what they call, in the table's order."""
    wanted: set[str] = set()
    todo = [name for name in HELPERS if re.search(rf"(?<![\w.]){name}\(", code)]
    while todo:
        name = todo.pop()
        if name not in wanted:
            wanted.add(name)
            todo.extend(HELPERS[name][0])
    return tuple(HELPERS[name][1] for name in HELPERS if name in wanted)
