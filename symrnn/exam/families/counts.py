"""Parameter counts of (deep) RNN, LSTM and GRU layers, as PyTorch counts them.

A PyTorch recurrent layer ``l`` has ``G`` gate blocks (RNN 1, GRU 3, LSTM 4), each with an input
weight (``H x in_l``), a recurrent weight (``H x H``) and *two* bias vectors (``b_ih``, ``b_hh``),
so ``G (H in_l + H H + 2 H)`` parameters, where ``in_1 = d`` and ``in_l = H`` for the layers
above. An optional linear output layer adds ``q H + q``.
"""

from __future__ import annotations

from ...i18n import N_, _, ngettext
from ..model import Part, diagnosed, display, numerical, rich
from ..registry import Draft, Family
from ._draw import pick, retry

GATES = {"RNN": 1, "GRU": 3, "LSTM": 4}
CELLS = tuple(sorted(GATES))
INPUTS = (1, 2, 3, 4, 5, 8, 10, 16, 20, 32, 50, 64, 100, 128)
HIDDEN = (2, 3, 4, 5, 8, 10, 16, 20, 32, 50, 64, 100, 128, 256)
LAYERS = (2, 3)
OUTPUTS = (1, 2, 5, 10)
"""Every variant stacks layers and has an output layer: the same steps by hand, so equal weight
(a single layer or no output layer would be a shorter computation)."""


def layer_params(gates: int, inputs: int, hidden: int, biases: int = 2) -> int:
    return gates * (hidden * inputs + hidden * hidden + biases * hidden)


def count(cell: str, d: int, h: int, layers: int, q: int, *, gates: int | None = None, biases: int = 2, deep_input: int | None = None) -> int:
    """Parameters of the stack (and its output layer when ``q``); keyword arguments model mistakes."""
    g = GATES[cell] if gates is None else gates
    total = layer_params(g, d, h, biases)
    total += (layers - 1) * layer_params(g, h if deep_input is None else deep_input, h, biases)
    return total + (q * h + q if q else 0)


def _draw_once(rng) -> Draft:
    cell, d, h = pick(rng, CELLS), pick(rng, INPUTS), pick(rng, HIDDEN)
    layers, q = pick(rng, LAYERS), pick(rng, OUTPUTS)
    G = GATES[cell]
    total = count(cell, d, h, layers, q)
    other_gates = {"RNN": 3, "GRU": 4, "LSTM": 3}[cell]
    wrong = [
        diagnosed(count(cell, d, h, layers, q, biases=1),
                  note=_("One bias vector per gate block: PyTorch keeps two, b_ih and b_hh (only their sum matters, but both are parameters).")),
        diagnosed(count(cell, d, h, layers, q, gates=other_gates),
                  note=_("Wrong number of gate blocks: RNN has 1, GRU 3 (r, z, n), LSTM 4 (i, f, g, o); {n} was used.").format(n=other_gates)),
    ]
    if layers > 1:
        wrong.append(diagnosed(count(cell, d, h, layers, q, deep_input=d),
                               note=_("Layers above the first take the hidden state of the layer below (size H) as input, not x (size d).")))
    if q:
        wrong.append(diagnosed(count(cell, d, h, layers, 0), note=_("The output layer's weights and bias were left out.")))
    stack = _("{layers} stacked layers").format(layers=layers) if layers > 1 else _("one layer")
    sentence = (ngettext("A PyTorch nn.{cell} has input size $d = {d}$, hidden size $H = {h}$ and {stack}, followed by a linear "
                         "output layer with $q = {q}$ output.",
                         "A PyTorch nn.{cell} has input size $d = {d}$, hidden size $H = {h}$ and {stack}, followed by a linear "
                         "output layer with $q = {q}$ outputs.", q) if q else
                _("A PyTorch nn.{cell} has input size $d = {d}$, hidden size $H = {h}$ and {stack} (no output layer)."))
    statement = rich(sentence.format(cell=cell, d=d, h=h, stack=stack, q=q))
    parts = (Part(rich(_("How many trainable parameters does the model have (weights and biases, as PyTorch stores them)?")),
                  numerical(total, 0, 2, wrong, integer=True, exact=total)),)
    first, head, total_word = _("layer 1"), _("output layer"), _("total")
    rest = _("layer 2") if layers == 2 else _("layers 2 to {layers}").format(layers=layers)
    times = "" if layers == 2 else f"{layers - 1} \\cdot "
    lines = [f"\\text{{{first}}} &: {G}\\,({h} \\cdot {d} + {h} \\cdot {h} + 2 \\cdot {h}) = {layer_params(G, d, h)}"]
    if layers > 1:
        lines.append(f"\\text{{{rest}}} &: {times}{G}\\,({h} \\cdot {h} + {h} \\cdot {h} + 2 \\cdot {h}) "
                     f"= {(layers - 1) * layer_params(G, h, h)}")
    if q:
        lines.append(f"\\text{{{head}}} &: {q} \\cdot {h} + {q} = {q * h + q}")
    lines.append(f"\\text{{{total_word}}} &= {total}")
    solution = rich(
        ngettext("Each layer has $G = {G}$ gate block (RNN 1, GRU 3, LSTM 4); each block has an input weight "
                 "($H \\times$ input size), a recurrent weight ($H \\times H$) and two bias vectors of size $H$. "
                 "The first layer's input is $\\mathbf{{x}}$ (size $d$); the layers above read the hidden state below (size $H$).",
                 "Each layer has $G = {G}$ gate blocks (RNN 1, GRU 3, LSTM 4); each block has an input weight "
                 "($H \\times$ input size), a recurrent weight ($H \\times H$) and two bias vectors of size $H$. "
                 "The first layer's input is $\\mathbf{{x}}$ (size $d$); the layers above read the hidden state below (size $H$).",
                 G).format(G=G),
        display(*lines),
    )
    return Draft(statement, parts, solution, (("cell", cell), ("d", d), ("H", h), ("layers", layers), ("q", q)))


def draw(rng) -> Draft:
    return retry(_draw_once, rng)


FAMILY = Family(
    name="param-count",
    title=N_("Counting parameters"),
    topic=N_("Parameters of RNN, GRU and LSTM layers, deep (stacked) networks and an output layer"),
    draw=draw,
    space=len(CELLS) * len(INPUTS) * len(HIDDEN) * len(LAYERS) * len(OUTPUTS),
)
