"""Generated code against an oracle written from each spec's *meaning*, in plain torch autograd.

Nothing here comes from symrnn except the ``RNNSpec`` fields it reads and the generated module it
calls (``codegen_support.compiled``): parameter names, shapes, initial-state keys, data, the cell
equations (REFERENCE.md sections 1-2), layer stacking, the four sequence shapes, the output layer
and both losses are written out below from scratch, in ``torch.float64``. In particular this file
does not import ``symrnn.oracles``, ``symrnn.codegen.torch_map``, ``symrnn.core.unroll``, ``symrnn.core.cells`` or
``symrnn.core.derive``, so a wiring bug shared by the engine and the reference oracle shows here.

Conventions (the meaning being tested):

* column notation: ``h = f(W_hx x + W_hh h + b_h)`` with ``W_hx`` (H, D) and ``b_h`` (H, 1); row
  notation: ``H = f(X W_xh + H W_hh + b_h)`` with ``W_xh`` (D, H) and ``b_h`` (1, H); data are
  always stored as example rows with a leading batch axis;
* layer l > 1 reads layer l - 1's hidden state; parameters of a stack carry ``_l{l}``;
* one-to-many: the input only at t = 1 (gru-torch keeps its input biases at input-less steps,
  as ``torch.nn.GRU`` fed zeros does); many-to-one: one output, at T, targets (B, Q);
* encoder-decoder: a decoder of the same cell with its own parameters (``_dec`` after the base
  name, before the layer suffix), as many layers, fed ``x_dec`` and started, layer by layer, from
  the encoder's final state (h, and c for an LSTM); outputs at every decoder step;
* loss: ``1/2 ||o - y||^2`` or ``-sum y log softmax(o)`` with *any* nonnegative targets (soft
  labels, rows of any sum, zero rows), summed over the batch; ``mean`` divides by the number of
  output steps, never by the batch.

Loss and every gradient must agree to 1e-10 (normwise relative). A deliberately mis-wired copy of
this oracle (layer 3 reads layer 1's output) must disagree by far more: the comparison can see
the bug that once passed the whole suite.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from codegen_support import compiled, rnn_specs, torch_or_fail
from hypothesis import given, settings
from hypothesis import strategies as st

from symrnn.core.spec import ACTIVATIONS as ACCEPTED
from symrnn.core.spec import RNNSpec

torch = torch_or_fail()

TOL = 1e-10
CELLS = ("rnn", "lstm", "gru-d2l", "gru-torch")
SHAPES = ("many-to-many", "many-to-one", "one-to-many", "encoder-decoder")
ACTIVATIONS = ("identity", "tanh", "sigmoid", "relu", "softplus")
GATES = {"rnn": ("h",), "lstm": ("i", "f", "o", "c"), "gru-d2l": ("r", "z", "h"), "gru-torch": ("r", "z", "n")}


# --------------------------------------------------------------------------- names, from the spec


def _end(spec: RNNSpec, layer: int, dec: bool) -> str:
    return ("_dec" if dec else "") + (f"_l{layer}" if spec.layers > 1 else "")


def _w(spec: RNNSpec, src: str, dst: str, layer: int, dec: bool) -> str:
    """The weight from ``src`` to ``dst``: ``W_xh`` in row notation, ``W_hx`` in column notation."""
    letter = "w" if spec.style == "scalar" else "W"
    pair = f"{src}{dst}" if spec.notation == "row" else f"{dst}{src}"
    return f"{letter}_{pair}{_end(spec, layer, dec)}"


def _b(spec: RNNSpec, dst: str, layer: int, dec: bool) -> str:
    return f"b_{dst}{_end(spec, layer, dec)}"


def _out_w(spec: RNNSpec) -> str:
    letter = "w" if spec.style == "scalar" else "W"
    return f"{letter}_hq" if spec.notation == "row" else f"{letter}_qh"


def parameter_shapes(spec: RNNSpec) -> dict[str, tuple[int, int]]:
    row = spec.notation == "row"
    D, H, Q = spec.input_size, spec.hidden_size, spec.output_size

    def weight(n_in, n_out):
        return (n_in, n_out) if row else (n_out, n_in)

    def bias(n):
        return (1, n) if row else (n, 1)

    shapes = {}
    for dec in ((False, True) if spec.shape == "encoder-decoder" else (False,)):
        for layer in range(1, spec.layers + 1):
            n_in = D if layer == 1 else H
            end = _end(spec, layer, dec)
            for g in GATES[spec.cell]:
                if spec.cell == "gru-torch":
                    shapes[f"W_i{g}{end}"] = weight(n_in, H)
                    shapes[f"W_h{g}{end}"] = weight(H, H)
                    if spec.bias:
                        shapes[f"b_i{g}{end}"] = bias(H)
                        shapes[f"b_h{g}{end}"] = bias(H)
                else:
                    shapes[_w(spec, "x", g, layer, dec)] = weight(n_in, H)
                    shapes[_w(spec, "h", g, layer, dec)] = weight(H, H)
                    if spec.bias:
                        shapes[_b(spec, g, layer, dec)] = bias(H)
    if spec.output_layer:
        shapes[_out_w(spec)] = weight(H, Q)
        if spec.bias:
            shapes["b_q"] = bias(Q)
    return shapes


def _cap(spec: RNNSpec, name: str) -> str:
    return name.upper() if spec.notation == "row" else name


def initial_state_keys(spec: RNNSpec) -> list[list[str]]:
    """Per layer, the optional initial-state keys: ``h_0``; ``H_0, C_0``; ``h_l2_0``; ``C_l3_0``."""
    letters = ("h", "c") if spec.cell == "lstm" else ("h",)
    out = []
    for layer in range(1, spec.layers + 1):
        tag = f"_l{layer}" if spec.layers > 1 else ""
        out.append([f"{_cap(spec, s)}{tag}_0" for s in letters])
    return out


# --------------------------------------------------------------------------- data


def soft_rows(rng: np.random.Generator, shape) -> np.ndarray:
    """Nonnegative target rows for softmax cross-entropy: probability rows, rows of sum 0.2-0.7 or
    1.5-3.5, zero rows, scaled one-hot rows; at least one row never sums to one."""
    Q = shape[-1]
    rows = int(np.prod(shape[:-1]))
    out = np.zeros((rows, Q))
    kinds = rng.integers(0, 4, size=rows)
    kinds[rng.integers(rows)] = 1
    for r, kind in enumerate(kinds):
        raw = rng.uniform(0.05, 1.0, size=Q)
        if kind == 0:
            out[r] = raw / raw.sum()
        elif kind == 1:
            out[r] = raw / raw.sum() * (rng.uniform(0.2, 0.7) if rng.random() < 0.5 else rng.uniform(1.5, 3.5))
        elif kind == 3:
            out[r, rng.integers(Q)] = rng.uniform(0.3, 2.5)
    return out.reshape(shape)


def make_data(spec: RNNSpec, B: int, T: int, seed: int, scale: float = 0.5, initial: bool = True):
    rng = np.random.default_rng(seed)
    params = {k: rng.normal(scale=scale, size=s) for k, s in parameter_shapes(spec).items()}
    D, H, Q = spec.input_size, spec.hidden_size, spec.output_size
    x = _cap(spec, "x")
    inputs = {x: rng.normal(size=(B, D) if spec.shape == "one-to-many" else (B, T, D))}
    if spec.shape == "encoder-decoder":
        inputs[f"{x}_dec"] = rng.normal(size=(B, T, D))
    if initial:
        for keys in initial_state_keys(spec):
            for key in keys:
                inputs[key] = rng.normal(scale=scale, size=(B, H))
    y_shape = (B, Q) if spec.shape == "many-to-one" else (B, T, Q)
    y = soft_rows(rng, y_shape) if spec.loss == "softmax_ce" else rng.normal(size=y_shape)
    return params, inputs, {_cap(spec, "y"): y}


# --------------------------------------------------------------------------- the forward pass, in torch


class Oracle:
    """The spec's loss in torch float64; ``miswire`` feeds layer 3 with layer 1's output."""

    def __init__(self, spec: RNNSpec, miswire: bool = False):
        self.spec, self.miswire = spec, miswire
        self.row = spec.notation == "row"

    # W v and b for example rows v, in either notation
    def mul(self, v, name):
        W = self.P[name]
        return v @ W if self.row else v @ W.T

    def bias(self, name):
        b = self.P[name]
        return b if self.row else b.T

    def pre(self, terms, dst, layer, dec):
        """``sum W_{dst,src} v + b_dst`` over ``terms = [(v or None, src)]``."""
        total = 0.0
        for v, src in terms:
            if v is not None:
                total = total + self.mul(v, _w(self.spec, src, dst, layer, dec))
        if self.spec.bias:
            total = total + self.bias(_b(self.spec, dst, layer, dec))
        return total

    def activation(self, a):
        return {"identity": lambda u: u, "tanh": torch.tanh, "sigmoid": torch.sigmoid,
                "relu": torch.relu, "softplus": torch.nn.functional.softplus}[self.spec.activation](a)

    def step(self, x, state, layer, dec):
        cell, s = self.spec.cell, self.spec
        if cell == "rnn":
            (h,) = state
            return (self.activation(self.pre([(x, "x"), (h, "h")], "h", layer, dec)),)
        if cell == "lstm":
            h, c = state
            i = torch.sigmoid(self.pre([(x, "x"), (h, "h")], "i", layer, dec))
            f = torch.sigmoid(self.pre([(x, "x"), (h, "h")], "f", layer, dec))
            o = torch.sigmoid(self.pre([(x, "x"), (h, "h")], "o", layer, dec))
            c_tilde = torch.tanh(self.pre([(x, "x"), (h, "h")], "c", layer, dec))
            c = f * c + i * c_tilde
            return (o * torch.tanh(c), c)
        if cell == "gru-d2l":
            (h,) = state
            r = torch.sigmoid(self.pre([(x, "x"), (h, "h")], "r", layer, dec))
            z = torch.sigmoid(self.pre([(x, "x"), (h, "h")], "z", layer, dec))
            h_tilde = torch.tanh(self.pre([(x, "x"), (r * h, "h")], "h", layer, dec))
            return (z * h + (1 - z) * h_tilde,)
        # gru-torch: reset after the matmul, b_hn inside the reset product
        (h,) = state
        end = _end(s, layer, dec)

        def from_input(g):
            if x is None:  # no input at this step: the input bias stays, as torch.nn.GRU fed zeros
                return self.bias(f"b_i{g}{end}") if s.bias else 0.0
            return self.mul(x, f"W_i{g}{end}") + (self.bias(f"b_i{g}{end}") if s.bias else 0.0)

        def from_hidden(g):
            return self.mul(h, f"W_h{g}{end}") + (self.bias(f"b_h{g}{end}") if s.bias else 0.0)

        r = torch.sigmoid(from_input("r") + from_hidden("r"))
        z = torch.sigmoid(from_input("z") + from_hidden("z"))
        n = torch.tanh(from_input("n") + r * from_hidden("n"))
        return ((1 - z) * n + z * h,)

    def stack(self, xs, states, dec):
        """Run the layers over the step inputs ``xs``; returns the top layer's hidden states."""
        tops = []
        for x in xs:
            below = []  # hidden state of each layer at this step
            for idx in range(self.spec.layers):
                if idx == 0:
                    v = x
                elif self.miswire and idx == 2:
                    v = below[0]  # the planted bug: layer 3 reads layer 1
                else:
                    v = below[idx - 1]
                states[idx] = self.step(v, states[idx], idx + 1, dec)
                below.append(states[idx][0])
            tops.append(below[-1])
        return tops

    def loss(self, P, inputs, targets, T):
        s = self.spec
        self.P = P
        x = inputs[_cap(s, "x")]
        B, H = x.shape[0], s.hidden_size
        states = []
        for keys in initial_state_keys(s):
            states.append(tuple(inputs[k] if k in inputs else torch.zeros((B, H), dtype=torch.float64)
                                for k in keys))
        if s.shape == "one-to-many":
            xs = [x] + [None] * (T - 1)
        else:
            xs = [x[:, t, :] for t in range(T)]
        tops = self.stack(xs, states, dec=False)
        if s.shape == "encoder-decoder":
            x_dec = inputs[_cap(s, "x") + "_dec"]
            tops = self.stack([x_dec[:, t, :] for t in range(T)], states, dec=True)
        y = targets[_cap(s, "y")]
        pairs = [(tops[-1], y)] if s.shape == "many-to-one" else [(tops[t], y[:, t, :]) for t in range(T)]
        total = 0.0
        for top, target in pairs:
            o = top
            if s.output_layer:
                o = self.mul(top, _out_w(s)) + (self.bias("b_q") if s.bias else 0.0)
            if s.loss == "half_sq":
                total = total + 0.5 * ((o - target) ** 2).sum()
            else:
                total = total - (target * torch.log_softmax(o, dim=-1)).sum()
        if s.reduction == "mean":
            total = total / len(pairs)
        return total


def oracle_gradients(spec: RNNSpec, params, inputs, targets, T, miswire=False):
    def tensor(v, grad=False):
        return torch.tensor(np.asarray(v, dtype=np.float64), dtype=torch.float64, requires_grad=grad)

    P = {k: tensor(v, True) for k, v in params.items()}
    loss = Oracle(spec, miswire).loss(P, {k: tensor(v) for k, v in inputs.items()},
                                      {k: tensor(v) for k, v in targets.items()}, T)
    names = sorted(P)
    grads = torch.autograd.grad(loss, [P[k] for k in names], allow_unused=True)
    return float(loss.detach()), {k: (np.zeros(params[k].shape) if g is None else g.detach().numpy())
                                  for k, g in zip(names, grads)}


# --------------------------------------------------------------------------- comparison


def relative(a, b) -> float:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    scale = max(np.max(np.abs(a), initial=0.0), np.max(np.abs(b), initial=0.0))
    return 0.0 if scale == 0 else float(np.max(np.abs(a - b)) / scale)


def generated(spec: RNNSpec, params, inputs, targets, T):
    module = compiled(spec)
    want = parameter_shapes(spec)
    got = {k: tuple(v) for k, v in module.PARAM_SHAPES.items()}
    assert got == want, f"{spec}: parameters {got} != {want}"
    loss, grads = module.gradients(params, inputs, targets, steps=T)
    return float(loss), grads


def errors(spec, params, inputs, targets, T, miswire=False) -> dict[str, float]:
    loss, grads = generated(spec, params, inputs, targets, T)
    o_loss, o_grads = oracle_gradients(spec, params, inputs, targets, T, miswire)
    assert sorted(grads) == sorted(o_grads), f"{spec}: gradient keys {sorted(grads)} != {sorted(o_grads)}"
    out = {"L": relative(loss, o_loss)}
    for key in sorted(o_grads):
        assert np.shape(grads[key]) == np.shape(o_grads[key]), (key, np.shape(grads[key]), np.shape(o_grads[key]))
        out[key] = relative(grads[key], o_grads[key])
    return out


def assert_agree(spec, params, inputs, targets, T):
    errs = errors(spec, params, inputs, targets, T)
    bad = {k: e for k, e in errs.items() if not e <= TOL}
    assert not bad, f"{spec} T={T}: normwise relative errors above {TOL}: {bad}"


# --------------------------------------------------------------------------- the tests


def _grid_spec(cell: str, shape: str, layers: int, loss: str | None = None) -> RNNSpec:
    """A spec of ``(cell, shape, layers)``, with the other fields varied deterministically so that
    every cell sees both notations, both losses, both reductions, bias on and off, output layer
    on and off, and (rnn) every activation."""
    c, s = CELLS.index(cell), SHAPES.index(shape)
    li = (1, 3, 4).index(layers) if layers in (1, 3, 4) else layers % 3
    output_layer = (s + li) % 3 != 2
    H = 3 if layers == 1 else 2
    Q = 3 if output_layer else H
    return RNNSpec(
        name="grid", cell=cell, input_size=2, hidden_size=H, output_size=Q,
        activation=ACTIVATIONS[(s + li) % len(ACTIVATIONS)] if cell == "rnn" else "tanh",
        bias=(c + s + li) % 4 != 3, output_layer=output_layer,
        notation=("column", "row")[(s + li + c) % 2], loss=loss or ("half_sq", "softmax_ce")[(s + c) % 2],
        reduction=("mean", "sum")[(li + c) % 2], shape=shape, layers=layers,
    )


GRID = [(c, s, n) for c, s, n in itertools.product(CELLS, SHAPES, (1, 3, 4))]


def test_the_grid_covers_both_losses_and_notations_for_every_cell():
    for cell in CELLS:
        specs = [_grid_spec(c, s, n) for c, s, n in GRID if c == cell]
        assert {x.loss for x in specs} == {"half_sq", "softmax_ce"}
        assert {x.notation for x in specs} == {"column", "row"}
        assert {x.bias for x in specs} == {True, False} and {x.output_layer for x in specs} == {True, False}
    assert {x.activation for c, s, n in GRID if c == "rnn" for x in [_grid_spec(c, s, n)]} == set(ACTIVATIONS)


@pytest.mark.parametrize("cell, shape, layers", GRID)
def test_generated_matches_the_independent_oracle(cell, shape, layers):
    spec = _grid_spec(cell, shape, layers)
    T = 4 if layers == 1 else 3
    params, inputs, targets = make_data(spec, 2, T, seed=1000 + GRID.index((cell, shape, layers)),
                                        initial=layers != 3)
    assert_agree(spec, params, inputs, targets, T)


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("shape", ["many-to-many", "many-to-one"])
def test_soft_softmax_targets_that_do_not_sum_to_one(cell, shape):
    """Soft labels, rows summing to 0.2-0.7 or 1.5-3.5, zero rows: ``-sum y log softmax(o)`` is the loss."""
    spec = _grid_spec(cell, shape, 3, loss="softmax_ce")
    params, inputs, targets = make_data(spec, 3, 3, seed=7)
    sums = targets[_cap(spec, "y")].sum(axis=-1)
    assert np.any(np.abs(sums - 1) > 0.2)
    assert_agree(spec, params, inputs, targets, 3)


@settings(max_examples=30)
@given(spec=rnn_specs(), T=st.integers(1, 4), B=st.integers(1, 3), seed=st.integers(0, 2**16),
       scale=st.sampled_from((0.3, 0.8)), initial=st.booleans())
def test_drawn_specs_match_the_independent_oracle(spec, T, B, seed, scale, initial):
    params, inputs, targets = make_data(spec, B, T, seed, scale, initial)
    assert_agree(spec, params, inputs, targets, T)


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("layers", [3, 4])
def test_negative_control_layer_3_reading_layer_1_is_seen(cell, layers):
    """The planted bug (layer 3 fed layer 1's output) is off by far more than the tolerance."""
    spec = _grid_spec(cell, "many-to-many", layers, loss="half_sq")
    params, inputs, targets = make_data(spec, 2, 3, seed=99)
    assert_agree(spec, params, inputs, targets, 3)
    wrong = errors(spec, params, inputs, targets, 3, miswire=True)
    assert wrong["L"] > 1e6 * TOL, wrong
    assert max(wrong[k] for k in wrong if k.endswith("_l3")) > 1e6 * TOL, wrong


def test_the_oracle_agrees_with_its_own_finite_differences():
    """The oracle is checked too, on a 4-layer encoder-decoder LSTM with soft targets."""
    spec = _grid_spec("lstm", "encoder-decoder", 4, loss="softmax_ce")
    params, inputs, targets = make_data(spec, 2, 3, seed=5, scale=1.0)
    _, grads = oracle_gradients(spec, params, inputs, targets, 3)

    def as_tensors(values):
        return {k: torch.tensor(np.asarray(v, dtype=np.float64), dtype=torch.float64) for k, v in values.items()}

    data = as_tensors(inputs), as_tensors(targets)

    def loss_at(key, idx, delta):
        moved = {k: v.copy() for k, v in params.items()}
        moved[key][idx] += delta
        with torch.no_grad():
            return float(Oracle(spec).loss(as_tensors(moved), *data, 3))

    keys = [_w(spec, "h", "c", 4, True), _w(spec, "x", "i", 1, False), _w(spec, "h", "o", 2, True)]
    keys += [_b(spec, "f", 2, False), "b_q", _out_w(spec)]
    keys = [k for k in keys if k in params]
    assert len(keys) >= 4
    eps = 1e-3
    for key in keys:
        fd = np.zeros_like(params[key])
        for idx in np.ndindex(params[key].shape):  # five-point central differences
            fd[idx] = (8 * (loss_at(key, idx, eps) - loss_at(key, idx, -eps))
                       - (loss_at(key, idx, 2 * eps) - loss_at(key, idx, -2 * eps))) / (12 * eps)
        assert relative(grads[key], fd) < 1e-7, (key, relative(grads[key], fd))


def test_this_oracle_knows_every_activation_the_tool_accepts():
    """A new activation in the registry needs its own, independent form here (and in the grid)."""
    assert set(ACTIVATIONS) == set(ACCEPTED)
