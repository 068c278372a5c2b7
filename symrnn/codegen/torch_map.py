"""Weight mapping between symrnn parameters and PyTorch's ``nn.RNN`` / ``nn.LSTM`` / ``nn.GRU``.

PyTorch (REFERENCE.md section 2) stacks the gates of one layer in blocks of ``weight_ih_l{k}``
(G*H, input), ``weight_hh_l{k}`` (G*H, H), ``bias_ih_l{k}`` and ``bias_hh_l{k}`` (G*H):

* ``nn.RNN``  one block;   symrnn ``W_hx, W_hh, b_h`` (column) or ``W_xh, W_hh, b_h`` (row);
* ``nn.LSTM`` blocks **i, f, g, o**; D2L and symrnn list the gates i, f, o, c: symrnn's
  candidate ``c`` is torch's ``g`` and the last two blocks swap (the classic mix-up);
* ``nn.GRU``  blocks **r, z, n**, reset applied *after* the matmul with ``b_hn`` inside the reset
  product: that is symrnn's ``gru-torch`` (``W_ir, W_hr, ..., b_hn``), mapped one to one.
  symrnn's ``gru-d2l`` (reset applied to ``H_{t-1}`` *before* the matmul) has **no torch module**:
  :func:`torch_support` says so and no torch comparison is made for it.

Layouts: torch computes ``x @ W.T``, so a column-notation weight (``W_hx``, out x in) *is* the
torch block, and a row-notation weight (``W_xh``, in x out) is its transpose. Biases: torch has
two per gate where a symrnn cell (other than gru-torch) has one; only ``b_ih + b_hh`` is
identifiable, so symrnn -> torch puts the bias in ``bias_ih`` and zeros in ``bias_hh``, torch ->
symrnn adds the two, and a gradient is read from ``bias_ih`` (``bias_hh`` receives the same).
Output layers map to ``nn.Linear`` (``weight`` = ``W_qh`` or ``W_hq.T``, ``bias`` = ``b_q``).

Encoder-decoder (any cell but gru-d2l, any number of layers L): the decoder is a second module of
the same class with ``num_layers = L``, its own weights (``decoder.weight_ih_l{k}`` <-> the
encoder's names with ``_dec`` after the base name: ``W_hx_dec``, ``W_xi_dec_l2``, ``b_hn_dec``),
fed ``x_dec`` and started from the encoder's final ``h_n`` (and ``c_n``); ``out`` reads its top layer.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core.errors import SymrnnError
from ..core.spec import MLPSpec, RNNSpec, Spec
from ..i18n import _
from ..oracles.reference import Names, input_keys, layer_ids, state_keys, suffix

MODULES = {"rnn": "RNN", "lstm": "LSTM", "gru-torch": "GRU"}
"""symrnn cell -> torch.nn class. ``gru-d2l`` is absent on purpose: torch has no reset-before GRU."""

TORCH_GATES = {"rnn": ("h",), "lstm": ("i", "f", "c", "o"), "gru-torch": ("r", "z", "n")}
"""symrnn gate of each torch block, in torch's block order (LSTM: i, f, g = our c, o)."""


class NoTorchModule(SymrnnError):
    """The spec has no torch.nn counterpart (names the reason)."""


def torch_support(spec: Spec) -> str | None:
    """``None`` when a torch.nn model of ``spec`` exists, else the reason why not."""
    if isinstance(spec, MLPSpec):
        return _("an MLP is not compared with torch.nn recurrent modules")
    if spec.cell == "gru-d2l":
        return _("gru-d2l has no torch module; D2L's GRU applies the reset gate to the previous hidden state before "
                 "the matrix product, torch.nn.GRU (symrnn's gru-torch) after it, with the hidden bias inside the product")
    if spec.cell == "rnn" and spec.activation not in ("tanh", "relu"):
        return _("torch.nn.RNN supports tanh and relu only, not {activation}").format(activation=spec.activation)
    return None


@dataclass(frozen=True)
class Link:
    """One symrnn parameter <-> one block of one torch tensor."""

    param: str
    tensor: str
    block: int
    blocks: int
    transpose: bool
    partner: str | None = None  # the other bias of the pair, zero on the way out, added on the way in

    @property
    def is_bias(self) -> bool:
        return "bias" in self.tensor


def links(spec: RNNSpec) -> tuple[Link, ...]:
    """Every parameter of ``spec`` with its torch tensor and block."""
    reason = torch_support(spec)
    if reason:
        raise NoTorchModule(reason)
    names = Names(spec)
    row = spec.notation == "row"
    gates = TORCH_GATES[spec.cell]
    G = len(gates)
    out: list[Link] = []
    stacks = (("rnn", False), ("decoder", True)) if spec.shape == "encoder-decoder" else (("rnn", False),)
    for module, dec in stacks:
        for k, layer in enumerate(layer_ids(spec)):
            end = suffix(layer, dec)
            w_ih, w_hh = f"{module}.weight_ih_l{k}", f"{module}.weight_hh_l{k}"
            b_ih, b_hh = f"{module}.bias_ih_l{k}", f"{module}.bias_hh_l{k}"
            for b, gate in enumerate(gates):
                if spec.cell == "gru-torch":
                    out.append(Link(f"W_i{gate}{end}", w_ih, b, G, row))
                    out.append(Link(f"W_h{gate}{end}", w_hh, b, G, row))
                    if spec.bias:
                        out.append(Link(f"b_i{gate}{end}", b_ih, b, G, row))
                        out.append(Link(f"b_h{gate}{end}", b_hh, b, G, row))
                    continue
                out.append(Link(names.weight("x", gate, layer, dec), w_ih, b, G, row))
                out.append(Link(names.weight("h", gate, layer, dec), w_hh, b, G, row))
                if spec.bias:
                    out.append(Link(names.bias(gate, layer, dec), b_ih, b, G, row, b_hh))
    if spec.output_layer:
        out.append(Link(names.weight("h", "q", None), "out.weight", 0, 1, row))
        if spec.bias:
            out.append(Link("b_q", "out.bias", 0, 1, row))
    return tuple(out)


def _torch_block(value: np.ndarray, link: Link) -> np.ndarray:
    """A symrnn parameter as its torch block: weights (H, in), biases flat (H,)."""
    value = np.asarray(value)
    if link.is_bias:
        return value.reshape(-1)
    return value.T if link.transpose else value


def _symrnn_value(block: np.ndarray, link: Link, shape: tuple[int, int]) -> np.ndarray:
    if block.ndim == 1:
        return block.reshape(shape)
    return block.T if link.transpose else block


def to_state_dict(spec: RNNSpec, params: dict) -> dict[str, np.ndarray]:
    """symrnn parameters -> a torch ``state_dict`` of :func:`build`'s module (NumPy arrays)."""
    pieces: dict[str, list] = {}
    zeros: dict[str, int] = {}
    for link in links(spec):
        block = _torch_block(params[link.param], link)
        pieces.setdefault(link.tensor, [None] * link.blocks)[link.block] = block
        if link.partner:
            zeros[link.partner] = link.blocks
    state = {key: np.concatenate(blocks, axis=0) for key, blocks in pieces.items()}
    for key in zeros:
        if key not in state:
            state[key] = np.zeros_like(state[key.replace("bias_hh", "bias_ih")])
    return dict(sorted(state.items()))


def from_state_dict(spec: RNNSpec, state: dict, shapes: dict[str, tuple[int, int]] | None = None) -> dict[str, np.ndarray]:
    """A torch ``state_dict`` -> symrnn parameters (paired biases added: only their sum acts)."""
    from ..oracles.reference import param_shapes

    shapes = shapes or param_shapes(spec)
    state = {k: np.asarray(v.detach().cpu().numpy() if hasattr(v, "detach") else v) for k, v in state.items()}
    params = {}
    for link in links(spec):
        full = state[link.tensor]
        size = full.shape[0] // link.blocks
        block = full[link.block * size:(link.block + 1) * size]
        if link.partner:
            block = block + state[link.partner][link.block * size:(link.block + 1) * size]
        params[link.param] = _symrnn_value(block, link, shapes[link.param])
    return params


def grads_from_torch(spec: RNNSpec, grads: dict, shapes: dict[str, tuple[int, int]] | None = None) -> dict[str, np.ndarray]:
    """Gradients of the torch tensors -> gradients of symrnn parameters.

    A paired bias ``b = b_ih + b_hh`` has ``dL/db = dL/db_ih`` (= ``dL/db_hh``), not their sum.
    """
    from ..oracles.reference import param_shapes

    shapes = shapes or param_shapes(spec)
    out = {}
    for link in links(spec):
        full = np.asarray(grads[link.tensor])
        size = full.shape[0] // link.blocks
        out[link.param] = _symrnn_value(full[link.block * size:(link.block + 1) * size], link, shapes[link.param])
    return out


# --------------------------------------------------------------------------- torch side


def _torch():
    import torch

    return torch


def build(spec: RNNSpec, dtype=None):
    """The torch.nn model of ``spec``: ``rnn`` (+ ``decoder``, the same class and depth) + ``out``
    (nn.Linear)."""
    torch = _torch()
    nn = torch.nn
    reason = torch_support(spec)
    if reason:
        raise NoTorchModule(reason)
    dtype = dtype or torch.float64

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            kwargs = {"num_layers": spec.layers, "bias": spec.bias, "batch_first": True}
            if spec.cell == "rnn":
                kwargs["nonlinearity"] = spec.activation
            cls = getattr(nn, MODULES[spec.cell])
            self.rnn = cls(spec.input_size, spec.hidden_size, **kwargs)
            if spec.shape == "encoder-decoder":
                self.decoder = cls(spec.input_size, spec.hidden_size, **kwargs)
            if spec.output_layer:
                self.out = nn.Linear(spec.hidden_size, spec.output_size, bias=spec.bias)

    return Net().to(dtype)


def load_params(module, spec: RNNSpec, params: dict) -> None:
    torch = _torch()
    state = {k: torch.as_tensor(np.ascontiguousarray(v), dtype=next(module.parameters()).dtype)
             for k, v in to_state_dict(spec, params).items()}
    module.load_state_dict(state, strict=True)


def torch_loss(module, spec: RNNSpec, inputs: dict, targets: dict, steps: int):
    """The spec's loss (sum over the batch) computed by the torch.nn modules."""
    torch = _torch()
    dtype = next(module.parameters()).dtype
    xk, dk, yk = input_keys(spec)
    x = torch.as_tensor(np.asarray(inputs[xk]), dtype=dtype)
    B, T = x.shape[0], steps
    if spec.shape == "one-to-many":
        seq = torch.zeros((B, T, spec.input_size), dtype=dtype)
        seq[:, 0, :] = x.reshape(B, -1)
        x = seq
    initial = []
    layers = layer_ids(spec)
    for which in range(2 if spec.cell == "lstm" else 1):
        stack = []
        for layer in layers:
            key = state_keys(spec, layer)[which]
            value = inputs.get(key)
            stack.append(torch.zeros((B, spec.hidden_size), dtype=dtype) if value is None
                         else torch.as_tensor(np.asarray(value), dtype=dtype).reshape(B, -1))
        initial.append(torch.stack(stack))
    hx = tuple(initial) if spec.cell == "lstm" else initial[0]
    top, final = module.rnn(x, hx)
    if spec.shape == "encoder-decoder":
        # decoder layer l starts from encoder layer l's final state: (h_n, c_n) for an LSTM
        x_dec = torch.as_tensor(np.asarray(inputs[dk]), dtype=dtype)
        top, _ = module.decoder(x_dec, final)
    out = module.out(top) if spec.output_layer else top
    y = torch.as_tensor(np.asarray(targets[yk]), dtype=dtype)
    if spec.shape == "many-to-one":
        out = out[:, -1, :]
    if spec.loss == "half_sq":
        total = 0.5 * ((out - y) ** 2).sum()
    else:
        total = -(y * torch.log_softmax(out, dim=-1)).sum()
    terms = 1 if spec.shape == "many-to-one" else T
    if spec.reduction == "mean" and terms > 1:
        total = total / terms
    return total


def torch_gradients(spec: RNNSpec, params: dict, inputs: dict, targets: dict, steps: int):
    """``(loss, grads, raw)``: the loss and symrnn-keyed gradients by torch.nn float64 autograd on the
    CPU, and the raw gradients of the torch tensors (for the ``b_ih``/``b_hh`` invariant)."""
    module = build(spec)
    load_params(module, spec, params)
    module.zero_grad()
    loss = torch_loss(module, spec, inputs, targets, steps)
    loss.backward()
    raw = {name: p.grad.detach().cpu().numpy().copy() for name, p in module.named_parameters()}
    return float(loss.detach()), grads_from_torch(spec, raw), raw


__all__ = [
    "MODULES",
    "Link",
    "NoTorchModule",
    "build",
    "from_state_dict",
    "grads_from_torch",
    "links",
    "load_params",
    "to_state_dict",
    "torch_gradients",
    "torch_loss",
    "torch_support",
]
