"""An independent forward pass of every spec in ``autograd.numpy``, written from the spec.

This module does not read a Derivation, a graph or an ir expression: it implements the networks
of REFERENCE.md section 1 directly (the same parameter names and layouts as the spec conventions
of docs/HELPER_BRIEF.md), so HIPS ``autograd`` differentiating it is an oracle for the generated
code. Arrays carry a leading batch axis B, as in generated modules:

* column notation: example rows, ``h_t = f(x_t W_hx^T + h_{t-1} W_hh^T + b_h^T)``;
* row notation: ``H_t = f(X_t W_xh + H_{t-1} W_hh + b_h)``;
* the loss is the sum over the batch of each example's loss; ``reduction = mean`` divides by the
  number of loss terms over time (T for many-to-many), never by the batch.
"""

from __future__ import annotations

import autograd
import autograd.numpy as anp
import numpy as np

from ..spec import MLPSpec, RNNSpec, Spec


def _sigmoid(x):
    return 0.5 * (anp.tanh(0.5 * x) + 1.0)


ACTIVATIONS = {
    "identity": lambda x: x,
    "tanh": anp.tanh,
    "sigmoid": _sigmoid,
    "relu": lambda x: anp.maximum(x, 0.0),
}


def _log_softmax(o):
    shifted = o - anp.max(o, axis=-1, keepdims=True)
    return shifted - anp.log(anp.sum(anp.exp(shifted), axis=-1, keepdims=True))


def _example_loss(kind: str, pred, target):
    if kind == "half_sq":
        return 0.5 * anp.sum((pred - target) ** 2)
    return -anp.sum(target * _log_softmax(pred))


class _Names:
    """Parameter names of the spec conventions (column ``W_hx``, row ``W_xh``, scalar ``w_hx``)."""

    def __init__(self, spec: RNNSpec):
        self.row = spec.notation == "row"
        self.w = "w" if spec.style == "scalar" else "W"

    def weight(self, src: str, dst: str, layer: int | None) -> str:
        name = f"{self.w}_{src}{dst}" if self.row else f"{self.w}_{dst}{src}"
        return name if layer is None else f"{name}_l{layer}"

    def bias(self, dst: str, layer: int | None) -> str:
        return f"b_{dst}" if layer is None else f"b_{dst}_l{layer}"

    def case(self, name: str) -> str:
        return name[0].upper() + name[1:] if self.row else name


class _Net:
    def __init__(self, spec: RNNSpec, params: dict):
        self.spec, self.p, self.n = spec, params, _Names(spec)
        self.row = spec.notation == "row"

    def mul(self, v, key: str):
        """``W v`` for an example row v: ``v W^T`` (column notation) or ``v W`` (row notation)."""
        W = self.p[key]
        return anp.dot(v, W) if self.row else anp.dot(v, W.T)

    def add_bias(self, a, key: str):
        if not self.spec.bias:
            return a
        b = self.p[key]
        return a + (b if self.row else b.T)

    def affine(self, parts, dst: str, layer):
        """``sum_src W_{dst,src} v_src + b_dst``; ``parts`` is [(v or None, src)]."""
        total = 0.0
        for v, src in parts:
            if v is not None:
                total = total + self.mul(v, self.n.weight(src, dst, layer))
        return self.add_bias(total, self.n.bias(dst, layer))

    # each cell: one step on example rows

    def rnn(self, x, state, layer, decoder=False):
        (h,) = state
        hs, xs = ("s", "z") if decoder else ("h", "x")
        a = self.affine([(x, xs), (h, hs)], hs, layer)
        return (ACTIVATIONS[self.spec.activation](a),)

    def lstm(self, x, state, layer, decoder=False):
        h, c = state
        gate = {g: self.affine([(x, "x"), (h, "h")], g, layer) for g in ("i", "f", "o", "c")}
        i, f, o = _sigmoid(gate["i"]), _sigmoid(gate["f"]), _sigmoid(gate["o"])
        c_new = f * c + i * anp.tanh(gate["c"])
        return (o * anp.tanh(c_new), c_new)

    def gru_d2l(self, x, state, layer, decoder=False):
        (h,) = state
        r = _sigmoid(self.affine([(x, "x"), (h, "h")], "r", layer))
        z = _sigmoid(self.affine([(x, "x"), (h, "h")], "z", layer))
        cand = anp.tanh(self.affine([(x, "x"), (r * h, "h")], "h", layer))
        return (z * h + (1.0 - z) * cand,)

    def gru_torch(self, x, state, layer, decoder=False):
        (h,) = state

        def part(v, src, gate):
            suffix = "" if layer is None else f"_l{layer}"
            if v is None:
                # No input at this step (one-to-many): torch.nn.GRU fed zeros keeps the input bias.
                if not self.spec.bias:
                    return 0.0
                b = self.p[f"b_{src}{gate}{suffix}"]
                return b if self.row else b.T
            out = self.mul(v, f"W_{src}{gate}{suffix}")
            if self.spec.bias:
                b = self.p[f"b_{src}{gate}{suffix}"]
                out = out + (b if self.row else b.T)
            return out

        r = _sigmoid(part(x, "i", "r") + part(h, "h", "r"))
        z = _sigmoid(part(x, "i", "z") + part(h, "h", "z"))
        n = anp.tanh(part(x, "i", "n") + r * part(h, "h", "n"))
        return ((1.0 - z) * n + z * h,)


STEPS = {"rnn": "rnn", "lstm": "lstm", "gru-d2l": "gru_d2l", "gru-torch": "gru_torch"}


def state_keys(spec: RNNSpec, layer: int | None) -> list[str]:
    names = ("h", "c") if spec.cell == "lstm" else ("h",)
    n = _Names(spec)
    suffix = "" if layer is None else f"_l{layer}"
    return [f"{n.case(name)}{suffix}_0" for name in names]


def input_keys(spec: RNNSpec) -> tuple[str, str, str]:
    """Keys of the input sequence, the decoder input and the targets: ``x, z, y`` or ``X, Z, Y``."""
    n = _Names(spec)
    return n.case("x"), n.case("z"), n.case("y")


def _rnn_loss(spec: RNNSpec, params: dict, inputs: dict, targets: dict, T: int):
    net = _Net(spec, params)
    step = getattr(net, STEPS[spec.cell])
    xk, zk, yk = input_keys(spec)
    layers = [None] if spec.layers == 1 else list(range(1, spec.layers + 1))
    x_all = np.asarray(inputs[xk], dtype=float)
    B = x_all.shape[0]
    H = spec.hidden_size

    def initial(layer):
        return tuple(
            np.asarray(inputs[k], dtype=float).reshape(B, H) if inputs.get(k) is not None else np.zeros((B, H))
            for k in state_keys(spec, layer)
        )

    states = {layer: initial(layer) for layer in layers}
    tops = []
    for t in range(T):
        if spec.shape == "one-to-many":
            x = x_all.reshape(B, -1) if t == 0 else None
        else:
            x = x_all[:, t, :]
        v = x
        for layer in layers:
            states[layer] = step(v, states[layer], layer)
            v = states[layer][0]
        tops.append(v)
    src = "h"
    if spec.shape == "encoder-decoder":
        s = (tops[-1],)
        tops = []
        z_all = np.asarray(inputs[zk], dtype=float)
        for t in range(T):
            s = net.rnn(z_all[:, t, :], s, None, decoder=True)
            tops.append(s[0])
        src = "s"
    times = [T - 1] if spec.shape == "many-to-one" else list(range(T))
    y_all = np.asarray(targets[yk], dtype=float)
    total = 0.0
    for t in times:
        top = tops[t]
        out = net.add_bias(net.mul(top, net.n.weight(src, "q", None)), "b_q") if spec.output_layer else top
        y = y_all if spec.shape == "many-to-one" else y_all[:, t, :]
        total = total + _example_loss(spec.loss, out, y)
    if spec.reduction == "mean" and len(times) > 1:
        total = total / len(times)
    return total


def _mlp_loss(spec: MLPSpec, params: dict, inputs: dict, targets: dict):
    if spec.naming == "neuron":
        return _neuron_loss(spec, params, inputs, targets)
    a = np.asarray(inputs["x"], dtype=float)
    for layer, act in enumerate(spec.activations, start=1):
        a = ACTIVATIONS[act](anp.dot(a, params[f"W_l{layer}"].T) + params[f"b_l{layer}"].T)
    return _example_loss(spec.loss, a, np.asarray(targets["y"], dtype=float))


def _neuron_loss(spec: MLPSpec, params: dict, inputs: dict, targets: dict):
    """The seed's scalar network: ``in_h1 = w1 i1 + w2 i2 + b1`` and so on, weights numbered in order."""
    prev = [np.asarray(inputs[f"i{j}"], dtype=float).reshape(-1, 1) for j in range(1, spec.sizes[0] + 1)]
    w = 0
    for layer in range(1, len(spec.sizes)):
        act = ACTIVATIONS[spec.activations[layer - 1]]
        current = []
        for _ in range(spec.sizes[layer]):
            total = 0.0
            for src in prev:
                w += 1
                total = total + src * params[f"w{w}"][0, 0]
            current.append(act(total + params[f"b{layer}"][0, 0]))
        prev = current
    total = 0.0
    for j, out in enumerate(prev, start=1):
        total = total + 0.5 * anp.sum((np.asarray(targets[f"target_o{j}"], dtype=float).reshape(-1, 1) - out) ** 2)
    return total


def reference_loss(spec: Spec, params: dict, inputs: dict, targets: dict, steps: int | None = None):
    """The loss of ``spec`` (summed over the batch) at ``params``, by the independent forward pass."""
    if isinstance(spec, MLPSpec):
        return _mlp_loss(spec, params, inputs, targets)
    T = steps if steps is not None else _steps_of(spec, inputs, targets)
    return _rnn_loss(spec, params, inputs, targets, T)


def _steps_of(spec: RNNSpec, inputs: dict, targets: dict) -> int:
    xk, _, yk = input_keys(spec)
    if spec.shape != "one-to-many":
        return int(np.asarray(inputs[xk]).shape[1])
    return int(np.asarray(targets[yk]).shape[1])


def reference_gradients(spec: Spec, params: dict, inputs: dict, targets: dict, steps: int | None = None):
    """``(loss, grads)`` by HIPS autograd over :func:`reference_loss`."""
    fun = autograd.value_and_grad(lambda p: reference_loss(spec, p, inputs, targets, steps))
    value, grads = fun({k: np.asarray(v, dtype=float) for k, v in params.items()})
    return float(value), {k: np.asarray(g) for k, g in grads.items()}


# --------------------------------------------------------------------------- drawing test data


def param_shapes(spec: Spec) -> dict[str, tuple[int, int]]:
    """Parameter names and shapes by the spec conventions (independent of the derivation)."""
    if isinstance(spec, MLPSpec):
        if spec.naming == "neuron":
            shapes, w = {}, 0
            for layer in range(1, len(spec.sizes)):
                for _ in range(spec.sizes[layer] * spec.sizes[layer - 1]):
                    w += 1
                    shapes[f"w{w}"] = (1, 1)
                shapes[f"b{layer}"] = (1, 1)
            return shapes
        return {
            **{f"W_l{i}": (o, n) for i, (n, o) in enumerate(zip(spec.sizes, spec.sizes[1:]), start=1)},
            **{f"b_l{i}": (o, 1) for i, o in enumerate(spec.sizes[1:], start=1)},
        }
    n = _Names(spec)
    row = spec.notation == "row"
    D, H, Q = spec.input_size, spec.hidden_size, spec.output_size

    def wshape(n_in, n_out):
        return (n_in, n_out) if row else (n_out, n_in)

    bshape = (1, H) if row else (H, 1)
    shapes: dict[str, tuple[int, int]] = {}
    layers = [None] if spec.layers == 1 else list(range(1, spec.layers + 1))
    gates = {"rnn": ["h"], "lstm": ["i", "f", "o", "c"], "gru-d2l": ["r", "z", "h"]}
    for idx, layer in enumerate(layers):
        d_in = D if idx == 0 else H
        suffix = "" if layer is None else f"_l{layer}"
        if spec.cell == "gru-torch":
            for g in ("r", "z", "n"):
                shapes[f"W_i{g}{suffix}"] = wshape(d_in, H)
                shapes[f"W_h{g}{suffix}"] = wshape(H, H)
                if spec.bias:
                    shapes[f"b_i{g}{suffix}"] = bshape
                    shapes[f"b_h{g}{suffix}"] = bshape
            continue
        for g in gates[spec.cell]:
            shapes[n.weight("x", g, layer)] = wshape(d_in, H)
            shapes[n.weight("h", g, layer)] = wshape(H, H)
            if spec.bias:
                shapes[n.bias(g, layer)] = bshape
    if spec.shape == "encoder-decoder":
        shapes[n.weight("z", "s", None)] = wshape(D, H)
        shapes[n.weight("s", "s", None)] = wshape(H, H)
        if spec.bias:
            shapes[n.bias("s", None)] = bshape
    if spec.output_layer:
        src = "s" if spec.shape == "encoder-decoder" else "h"
        shapes[n.weight(src, "q", None)] = wshape(H, Q)
        if spec.bias:
            shapes["b_q"] = (1, Q) if row else (Q, 1)
    return shapes


def draw(spec: Spec, batch: int, steps: int, rng: np.random.Generator, scale: float = 0.5,
         initial_state: bool = False) -> tuple[dict, dict, dict]:
    """Random ``(params, inputs, targets)`` in the layout of generated modules.

    Targets of a softmax cross-entropy loss are probability rows (the formula sheet's
    ``softmax(o) - y`` assumes each target sums to one).
    """
    params = {k: rng.normal(scale=scale, size=s) for k, s in param_shapes(spec).items()}
    if isinstance(spec, MLPSpec):
        if spec.naming == "neuron":
            inputs = {f"i{j}": rng.normal(size=(batch, 1)) for j in range(1, spec.sizes[0] + 1)}
            targets = {f"target_o{j}": rng.uniform(size=(batch, 1)) for j in range(1, spec.sizes[-1] + 1)}
            return params, inputs, targets
        inputs = {"x": rng.normal(size=(batch, spec.sizes[0]))}
        targets = {"y": _target(spec.loss, rng, (batch, spec.sizes[-1]))}
        return params, inputs, targets
    xk, zk, yk = input_keys(spec)
    D, H, Q = spec.input_size, spec.hidden_size, spec.output_size
    inputs = {xk: rng.normal(size=(batch, D) if spec.shape == "one-to-many" else (batch, steps, D))}
    if spec.shape == "encoder-decoder":
        inputs[zk] = rng.normal(size=(batch, steps, D))
    if initial_state:
        layers = [None] if spec.layers == 1 else list(range(1, spec.layers + 1))
        for layer in layers:
            for key in state_keys(spec, layer):
                inputs[key] = rng.normal(scale=scale, size=(batch, H))
    shape = (batch, Q) if spec.shape == "many-to-one" else (batch, steps, Q)
    targets = {yk: _target(spec.loss, rng, shape)}
    return params, inputs, targets


def _target(loss: str, rng: np.random.Generator, shape) -> np.ndarray:
    if loss == "softmax_ce":
        raw = rng.uniform(0.05, 1.0, size=shape)
        return raw / raw.sum(axis=-1, keepdims=True)
    return rng.normal(size=shape)
