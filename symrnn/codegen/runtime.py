"""The helper functions a generated module defines, each only when its code calls it.

Primitives (``activations.py``, ``losses.py``) name the helpers their NumPy code calls; codegen
asks :func:`helpers_used` for the sources its statements need, with what those call in turn.
"""

from __future__ import annotations

HELPERS: dict[str, tuple[tuple[str, ...], str]] = {
    # name: (helpers it calls, source)
    "_sigmoid": ((), '''def _sigmoid(x):
    """1 / (1 + exp(-x)) without overflow: exp only ever sees -|x|."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))
'''),
    "_sigmoid_grad": (("_sigmoid",), '''def _sigmoid_grad(x):
    s = _sigmoid(x)
    return s * (1 - s)
'''),
    "_tanh_grad": ((), '''def _tanh_grad(x):
    y = np.tanh(x)
    return 1 - y * y
'''),
    "_relu": ((), '''def _relu(x):
    return np.maximum(x, 0)
'''),
    "_relu_grad": ((), '''def _relu_grad(x):
    return (x > 0).astype(x.dtype)
'''),
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
}


def helpers_used(code: str) -> tuple[str, ...]:
    """The helper sources that ``code`` calls, with what they call, in the table's order."""
    wanted: set[str] = set()
    todo = [name for name in HELPERS if f"{name}(" in code]
    while todo:
        name = todo.pop()
        if name not in wanted:
            wanted.add(name)
            todo.extend(HELPERS[name][0])
    return tuple(HELPERS[name][1] for name in HELPERS if name in wanted)
