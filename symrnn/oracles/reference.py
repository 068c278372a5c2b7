"""An independent forward pass of every spec in ``autograd.numpy``, written from the spec.

This module does not read a Derivation, a graph or an ir expression: it implements the networks
of docs/REFERENCE.md section 1 directly (the parameter names and layouts of the generated
modules' docstrings and of README.md's spec section), so HIPS ``autograd`` differentiating it is
an oracle for the generated code. Arrays carry a leading batch axis B, as in generated modules:

* column notation: example rows, ``h_t = f(x_t W_hx^T + h_{t-1} W_hh^T + b_h^T)``;
* row notation: ``H_t = f(X_t W_xh + H_{t-1} W_hh + b_h)``;
* the loss is the sum over the batch of each example's loss; ``reduction = mean`` divides by the
  number of loss terms over time (T for many-to-many), never by the batch;
* softmax cross-entropy is ``-sum y log softmax(o)`` for any targets ``y`` (soft labels, rows that
  do not sum to one, zero rows): the oracle never assumes a probability row;
* encoder-decoder (every cell, any number of layers L): the encoder is the usual stack over
  ``x_1..x_T``; the decoder is the same cell with its own parameters (the encoder's names with
  ``_dec`` after the base name, before a layer suffix: ``W_hh_dec``, ``W_xi_dec_l2``), L layers over
  ``x_dec_1..x_dec_T`` (key ``x_dec`` / ``X_dec``), decoder layer l starting from encoder layer
  l's final state (h, and c for an LSTM); the output layer reads the top decoder layer.
"""

from __future__ import annotations

import autograd
import autograd.numpy as anp
import numpy as np

from ..core.spec import MLPSpec, RNNSpec, Spec


def _sigmoid(x):
    return 0.5 * (anp.tanh(0.5 * x) + 1.0)


ACTIVATIONS = {
    "identity": lambda x: x,
    "tanh": anp.tanh,
    "sigmoid": _sigmoid,
    "relu": lambda x: anp.maximum(x, 0.0),
    "softplus": lambda x: anp.logaddexp(0.0, x),
}


def _log_softmax(o):
    shifted = o - anp.max(o, axis=-1, keepdims=True)
    return shifted - anp.log(anp.sum(anp.exp(shifted), axis=-1, keepdims=True))


def _example_loss(kind: str, pred, target):
    if kind == "half_sq":
        return 0.5 * anp.sum((pred - target) ** 2)
    return -anp.sum(target * _log_softmax(pred))


def suffix(layer: int | None, dec: bool = False) -> str:
    """What follows a parameter's base name: ``_dec`` for a decoder, then ``_l{layer}`` when stacked."""
    return ("_dec" if dec else "") + ("" if layer is None else f"_l{layer}")


def layer_ids(spec: RNNSpec) -> list[int | None]:
    """``[None]`` for one layer (no suffix), else ``[1, ..., L]``."""
    return [None] if spec.layers == 1 else list(range(1, spec.layers + 1))


class Names:
    """Parameter names of the spec conventions (column ``W_hx``, row ``W_xh``, scalar ``w_hx``)."""

    def __init__(self, spec: RNNSpec):
        self.row = spec.notation == "row"
        self.w = "w" if spec.style == "scalar" else "W"

    def weight(self, src: str, dst: str, layer: int | None, dec: bool = False) -> str:
        name = f"{self.w}_{src}{dst}" if self.row else f"{self.w}_{dst}{src}"
        return name + suffix(layer, dec)

    def bias(self, dst: str, layer: int | None, dec: bool = False) -> str:
        return f"b_{dst}" + suffix(layer, dec)

    def case(self, name: str) -> str:
        return name[0].upper() + name[1:] if self.row else name


class _Net:
    def __init__(self, spec: RNNSpec, params: dict):
        self.spec, self.p, self.n = spec, params, Names(spec)
        self.row = spec.notation == "row"

    def mul(self, v, key: str):
        """``W v`` for an example row v: ``v W^T`` (column notation) or ``v W`` (row notation)."""
        W = self.p[key]
        return anp.dot(v, W) if self.row else anp.dot(v, W.T)

    def bias_row(self, key: str):
        b = self.p[key]
        return b if self.row else b.T

    def add_bias(self, a, key: str):
        return a + self.bias_row(key) if self.spec.bias else a

    def affine(self, parts, dst: str, layer, dec: bool):
        """``sum_src W_{dst,src} v_src + b_dst``; ``parts`` is [(v or None, src)]."""
        total = 0.0
        for v, src in parts:
            if v is not None:
                total = total + self.mul(v, self.n.weight(src, dst, layer, dec))
        return self.add_bias(total, self.n.bias(dst, layer, dec))

    # each cell: one step on example rows (x is None at a step without input)

    def rnn(self, x, state, layer, dec=False):
        (h,) = state
        a = self.affine([(x, "x"), (h, "h")], "h", layer, dec)
        return (ACTIVATIONS[self.spec.activation](a),)

    def lstm(self, x, state, layer, dec=False):
        h, c = state
        gate = {g: self.affine([(x, "x"), (h, "h")], g, layer, dec) for g in ("i", "f", "o", "c")}
        i, f, o = _sigmoid(gate["i"]), _sigmoid(gate["f"]), _sigmoid(gate["o"])
        c_new = f * c + i * anp.tanh(gate["c"])
        return (o * anp.tanh(c_new), c_new)

    def gru_d2l(self, x, state, layer, dec=False):
        (h,) = state
        r = _sigmoid(self.affine([(x, "x"), (h, "h")], "r", layer, dec))
        z = _sigmoid(self.affine([(x, "x"), (h, "h")], "z", layer, dec))
        cand = anp.tanh(self.affine([(x, "x"), (r * h, "h")], "h", layer, dec))
        return (z * h + (1.0 - z) * cand,)

    def gru_torch(self, x, state, layer, dec=False):
        (h,) = state
        end = suffix(layer, dec)

        def part(v, src, gate):
            if v is None:
                # No input at this step (one-to-many): torch.nn.GRU fed zeros keeps the input bias.
                return self.bias_row(f"b_{src}{gate}{end}") if self.spec.bias else 0.0
            out = self.mul(v, f"W_{src}{gate}{end}")
            return self.add_bias(out, f"b_{src}{gate}{end}")

        r = _sigmoid(part(x, "i", "r") + part(h, "h", "r"))
        z = _sigmoid(part(x, "i", "z") + part(h, "h", "z"))
        n = anp.tanh(part(x, "i", "n") + r * part(h, "h", "n"))
        return ((1.0 - z) * n + z * h,)


STEPS = {"rnn": "rnn", "lstm": "lstm", "gru-d2l": "gru_d2l", "gru-torch": "gru_torch"}


def state_keys(spec: RNNSpec, layer: int | None) -> list[str]:
    """Keys of the optional initial states of one (encoder) layer: ``h_0``, ``C_l2_0``, ...
    A decoder has none: it starts from the encoder's final states."""
    names = ("h", "c") if spec.cell == "lstm" else ("h",)
    n = Names(spec)
    suffix = "" if layer is None else f"_l{layer}"
    return [f"{n.case(name)}{suffix}_0" for name in names]


def input_keys(spec: RNNSpec) -> tuple[str, str, str]:
    """Keys of the input sequence, the decoder input and the targets: ``x, x_dec, y`` or
    ``X, X_dec, Y`` (the decoder input exists only for an encoder-decoder spec)."""
    n = Names(spec)
    return n.case("x"), n.case("x") + "_dec", n.case("y")


def _run_stack(net: _Net, spec: RNNSpec, step, xs: list, states: dict, dec: bool) -> list:
    """Run the layer stack over the step inputs ``xs`` (None: no input), updating ``states``;
    the top layer's hidden state at each step."""
    layers = layer_ids(spec)
    tops = []
    for x in xs:
        v = x
        for layer in layers:
            states[layer] = step(v, states[layer], layer, dec)
            v = states[layer][0]
        tops.append(v)
    return tops


def _rnn_loss(spec: RNNSpec, params: dict, inputs: dict, targets: dict, T: int):
    net = _Net(spec, params)
    step = getattr(net, STEPS[spec.cell])
    xk, dk, yk = input_keys(spec)
    x_all = np.asarray(inputs[xk], dtype=float)
    B = x_all.shape[0]
    H = spec.hidden_size

    def initial(layer):
        return tuple(
            np.asarray(inputs[k], dtype=float).reshape(B, H) if inputs.get(k) is not None else np.zeros((B, H))
            for k in state_keys(spec, layer)
        )

    states = {layer: initial(layer) for layer in layer_ids(spec)}
    if spec.shape == "one-to-many":
        xs = [x_all.reshape(B, -1)] + [None] * (T - 1)
    else:
        xs = [x_all[:, t, :] for t in range(T)]
    tops = _run_stack(net, spec, step, xs, states, dec=False)
    if spec.shape == "encoder-decoder":
        # decoder layer l starts from encoder layer l's final state (h, and c for an LSTM)
        d_all = np.asarray(inputs[dk], dtype=float)
        tops = _run_stack(net, spec, step, [d_all[:, t, :] for t in range(T)], states, dec=True)
    times = [T - 1] if spec.shape == "many-to-one" else list(range(T))
    y_all = np.asarray(targets[yk], dtype=float)
    total = 0.0
    for t in times:
        top = tops[t]
        out = net.add_bias(net.mul(top, net.n.weight("h", "q", None)), "b_q") if spec.output_layer else top
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
    n = Names(spec)
    row = spec.notation == "row"
    D, H, Q = spec.input_size, spec.hidden_size, spec.output_size

    def wshape(n_in, n_out):
        return (n_in, n_out) if row else (n_out, n_in)

    bshape = (1, H) if row else (H, 1)
    shapes: dict[str, tuple[int, int]] = {}
    gates = {"rnn": ["h"], "lstm": ["i", "f", "o", "c"], "gru-d2l": ["r", "z", "h"]}
    for dec in (False, True) if spec.shape == "encoder-decoder" else (False,):
        for idx, layer in enumerate(layer_ids(spec)):
            d_in = D if idx == 0 else H
            end = suffix(layer, dec)
            if spec.cell == "gru-torch":
                for g in ("r", "z", "n"):
                    shapes[f"W_i{g}{end}"] = wshape(d_in, H)
                    shapes[f"W_h{g}{end}"] = wshape(H, H)
                    if spec.bias:
                        shapes[f"b_i{g}{end}"] = bshape
                        shapes[f"b_h{g}{end}"] = bshape
                continue
            for g in gates[spec.cell]:
                shapes[n.weight("x", g, layer, dec)] = wshape(d_in, H)
                shapes[n.weight("h", g, layer, dec)] = wshape(H, H)
                if spec.bias:
                    shapes[n.bias(g, layer, dec)] = bshape
    if spec.output_layer:
        shapes[n.weight("h", "q", None)] = wshape(H, Q)
        if spec.bias:
            shapes["b_q"] = (1, Q) if row else (Q, 1)
    return shapes


def draw(spec: Spec, batch: int, steps: int, rng: np.random.Generator, scale: float = 0.5,
         initial_state: bool = False) -> tuple[dict, dict, dict]:
    """Random ``(params, inputs, targets)`` in the layout of generated modules.

    A parameter's entries have standard deviation ``scale`` up to size 4 and ``scale * sqrt(4 / n)``
    beyond, ``n`` its larger dimension (as a Glorot or PyTorch initialisation shrinks with the
    width): a 256-wide network is drawn where it is used, not with every gate saturated and
    gradients of 1e5 that no finite difference can follow. Sizes up to 4 draw what they always did.
    Targets of a softmax cross-entropy loss are nonnegative rows of any sum (see :func:`soft_targets`):
    probability rows, soft labels that do not sum to one, scaled one-hot rows and zero rows.
    """
    params = {k: rng.normal(scale=scale * min(1.0, float(np.sqrt(4 / max(s)))), size=s)
              for k, s in param_shapes(spec).items()}
    if isinstance(spec, MLPSpec):
        if spec.naming == "neuron":
            inputs = {f"i{j}": rng.normal(size=(batch, 1)) for j in range(1, spec.sizes[0] + 1)}
            targets = {f"target_o{j}": rng.uniform(size=(batch, 1)) for j in range(1, spec.sizes[-1] + 1)}
            return params, inputs, targets
        inputs = {"x": rng.normal(size=(batch, spec.sizes[0]))}
        targets = {"y": _target(spec.loss, rng, (batch, spec.sizes[-1]))}
        return params, inputs, targets
    xk, dk, yk = input_keys(spec)
    D, H, Q = spec.input_size, spec.hidden_size, spec.output_size
    inputs = {xk: rng.normal(size=(batch, D) if spec.shape == "one-to-many" else (batch, steps, D))}
    if spec.shape == "encoder-decoder":
        inputs[dk] = rng.normal(size=(batch, steps, D))
    if initial_state:
        for layer in layer_ids(spec):
            for key in state_keys(spec, layer):
                inputs[key] = rng.normal(scale=scale, size=(batch, H))
    shape = (batch, Q) if spec.shape == "many-to-one" else (batch, steps, Q)
    targets = {yk: _target(spec.loss, rng, shape)}
    return params, inputs, targets


def soft_targets(rng: np.random.Generator, shape) -> np.ndarray:
    """Nonnegative target rows (last axis) for ``-sum y log softmax(o)``, of four kinds: probability
    rows, soft labels of arbitrary sum, scaled one-hot rows and all-zero rows.

    With two rows or more, at least one row sums to one and at least one does not; a single row
    never sums to one (the general rule ``softmax(o) (1^T y) - y`` is what is being tested).
    """
    shape = tuple(shape)
    Q = shape[-1]
    rows = int(np.prod(shape[:-1], dtype=int))
    kinds = rng.choice(4, size=rows, p=(0.35, 0.4, 0.1, 0.15))  # 0 simplex, 1 any sum, 2 zero, 3 k * one-hot
    if rows >= 2:
        first, second = rng.choice(rows, size=2, replace=False)
        kinds[first] = 0
        if kinds[second] == 0:
            kinds[second] = 1
    elif rows == 1 and kinds[0] == 0:
        kinds[0] = 1
    raw = rng.uniform(0.05, 1.0, size=(rows, Q))
    out = np.empty((rows, Q))
    for r, kind in enumerate(kinds):
        if kind == 0:
            out[r] = raw[r] / raw[r].sum()
        elif kind == 1:
            # a total away from one: in [0.2, 0.7] or [1.5, 3.5]
            total = rng.uniform(0.2, 0.7) if rng.random() < 0.5 else rng.uniform(1.5, 3.5)
            out[r] = raw[r] / raw[r].sum() * total
        elif kind == 2:
            out[r] = 0.0
        else:
            out[r] = 0.0
            out[r, rng.integers(Q)] = rng.uniform(0.3, 2.5)
    return out.reshape(shape)


def _target(loss: str, rng: np.random.Generator, shape) -> np.ndarray:
    if loss == "softmax_ce":
        return soft_targets(rng, shape)
    return rng.normal(size=shape)
