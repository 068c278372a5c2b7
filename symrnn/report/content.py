"""Build a :class:`~symrnn.report.document.Report` from a Derivation, in D2L 9.7's order.

The model and its symbols; the forward equations; the loss; the output adjoints; the adjoint at
the last step; the recurrence; the parameter gradients as sums over ``t``; the closed forms;
vanishing and exploding gradients; the equations unrolled for the chosen ``T``; and what was
verified. For the seed's 2-2-2 network, the per-weight chain rule with the worked example's
numbers replaces the recurrence sections.

All maths comes from the printers (``symrnn.printing.latex``, ``symrnn.printing.naming``); this module only
chooses which equations go where and writes the prose around them.
"""

from __future__ import annotations

import re
from dataclasses import replace

import sympy

from ..core import ir
from ..core.activations import activation
from ..core.derive import Derivation
from ..core.labels import Equation, Kind, Label, node_key, param_key
from ..core.losses import loss_kind
from ..core.references import citation
from ..printing.latex import SUM, LatexPrinter, condition_latex, latex
from ..printing.naming import var_latex
from ..printing.texescape import TeX
from ..printing.texescape import label as label_key
from .document import EquationBlock, FigureBlock, Paragraph, Report, Run, Section, Table, code, math, para, ref
from .meanings import describe
from .trust import Trust, equation_status

SPLIT_AT = 48
"""A right-hand side sum wider than this (in :func:`visible_width` units) is set one term per line."""


def visible_width(tex: str) -> int:
    """A rough width of printed maths: a fraction counts its wider part, a command one symbol."""
    while True:
        frac = re.search(r"\\frac\{([^{}]*(?:\{[^{}]*\}[^{}]*)*)\}\{([^{}]*(?:\{[^{}]*\}[^{}]*)*)\}", tex)
        if frac is None:
            break
        a, b = frac.group(1), frac.group(2)
        tex = tex[: frac.start()] + (a if visible_width(a) >= visible_width(b) else b) + tex[frac.end():]
    tex = re.sub(r"\\(?:left|right|mathbf|mathit|operatorname|top|quad|qquad|,)", "", tex)
    tex = re.sub(r"\\[A-Za-z]+", "x", tex)
    return len(re.sub(r"[{}_^\s]", "", tex))

_CELLS = {
    "rnn": "a vanilla recurrent cell",
    "lstm": "an LSTM cell (D2L 10.1: input, forget and output gates, a candidate memory and a memory cell)",
    "gru-d2l": "a GRU cell in D2L's variant (the reset gate multiplies the previous state before the matrix product)",
    "gru-torch": "a GRU cell in PyTorch's variant (the reset gate is applied after the matrix product, with b_hn inside it)",
}
_SHAPES = {
    "many-to-many": "an output and a loss term at every step",
    "many-to-one": "a single output and loss term, at the last step t = T",
    "one-to-many": "an input at the first step only and an output at every step",
    "encoder-decoder": ("an encoder over the inputs and a decoder, the same cell with its own weights, each layer of which "
                        "starts from the encoder's last state of that layer; the loss is over the decoder's outputs"),
}


_SCALAR = LatexPrinter()  # scalar products print plainly in the shared printer itself


def number_latex(value: float, digits: int = 8) -> str:
    """A number as the worked example prints it: 8 significant digits, negatives in parentheses."""
    text = f"{float(value):.{digits}g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        text = rf"{mantissa} \times 10^{{{int(exponent)}}}"
    return text


# --------------------------------------------------------------------------- equations


class _Numbering:
    """Equation numbers in order of appearance (Markdown needs them; LaTeX numbers itself)."""

    def __init__(self) -> None:
        self.numbers: dict[str, int] = {}

    def next(self, key: str) -> int:
        if key in self.numbers:
            raise ValueError(f"equation label {key!r} appears twice in the report")
        self.numbers[key] = len(self.numbers) + 1
        return self.numbers[key]


def _rhs_lines(lhs: str, rhs: ir.Expr, printer: LatexPrinter) -> tuple[str, ...]:
    whole = printer.doprint(rhs)
    if not isinstance(rhs, ir.Add) or visible_width(whole) <= SPLIT_AT:
        return (f"{lhs} = {whole}",)
    lines = [f"{lhs} &= {printer.doprint(rhs.terms[0])}"]
    for term in rhs.terms[1:]:
        if isinstance(term, ir.Neg):
            lines.append(rf"&\quad - {printer.wrap(term.x, SUM + 1)}")
        else:
            lines.append(rf"&\quad + {printer.doprint(term)}")
    return tuple(lines)


class _Builder:
    def __init__(self, derivation: Derivation, trust: Trust):
        self.d = derivation
        self.spec = derivation.spec
        self.trust = trust
        self.numbering = _Numbering()
        self.blocks: list = []
        self.included: dict[str, Equation] = {}

    def key(self, label: str) -> TeX:
        return TeX(label_key(label))

    def equation(self, eq: Equation, printer: LatexPrinter | None = None) -> EquationBlock:
        printer = printer or _SCALAR
        lines = _rhs_lines(printer.doprint(eq.lhs), eq.rhs, printer)
        cond = condition_latex(eq.bounds)
        key = self.key(eq.label)
        self.included[eq.label] = eq
        return replace(
            EquationBlock(eq.label, key, tuple(TeX(x) for x in lines), TeX(f"({cond})") if cond else None,
                          equation_status(self.trust, eq), citation(self.spec, eq) or ""),
            number=self.numbering.next(key),
        )

    def ref(self, label: str) -> Run:
        if label not in self.included:
            raise KeyError(f"the report refers to equation {label!r} before showing it")
        return ref(self.key(label))

    def has(self, label: str) -> bool:
        return label in self.included


# --------------------------------------------------------------------------- classification


def _output_names(d: Derivation) -> set[str]:
    graph = d.graph
    loss_expr = graph.node_of(graph.loss).expr
    names = set()
    for var in ir.variables(loss_expr):
        if var.role == "node":
            names.add(var.name)
            node_expr = graph.node_of(var).expr if any(n.var == var for n in graph.nodes) else None
            if isinstance(node_expr, ir.Loss):
                names.update(v.name for v in ir.variables(node_expr) if v.role == "node")
    return names


def _is_recurrence(eq: Equation) -> bool:
    """A generic adjoint that reads an adjoint of a later step (``dL/dh_{t+1}``)."""
    if eq.bounds is None or _is_terminal(eq):
        return False
    return any(a.of.time is not None and (sympy.sympify(a.of.time) - ir.t_SYM).is_positive for a in ir.adjoints(eq.rhs))


def _is_terminal(eq: Equation) -> bool:
    return eq.bounds is not None and eq.bounds[0] == ir.T_SYM and eq.bounds[1] == ir.T_SYM


# --------------------------------------------------------------------------- symbol table


def _shape_latex(var: ir.Var) -> str:
    if var.shape == (1, 1):
        return r"\mathbb{R}"
    return rf"\mathbb{{R}}^{{{var.shape[0]} \times {var.shape[1]}}}"


def _generic(var: ir.Var) -> ir.Var:
    if var.time is None or var.role == "state":
        return var
    return var.at(ir.t_SYM)


def symbol_table(d: Derivation) -> Table:
    seen: dict[tuple, ir.Var] = {}
    for var in d.graph.leaves:
        if var.role in ("input", "state", "target"):
            seen.setdefault((var.name, var.layer, var.role), _generic(var))
    for node in d.graph.nodes:
        seen.setdefault((node.var.name, node.var.layer, "node"), _generic(node.var))
    for var in d.graph.params:
        seen.setdefault((var.name, var.layer, "param"), var)
    order = {"input": 0, "state": 1, "target": 2, "node": 3, "param": 4, "loss": 5}
    rows = []
    for (_, _, role), var in sorted(seen.items(), key=lambda kv: order.get(kv[0][2], 3) if kv[1].role != "loss" else 5):
        meaning = describe(var, getattr(d.spec, "notation", "column") == "row")
        if var.layer is not None:
            meaning += f", layer {var.layer}"
        rows.append(((math(var_latex(var)),), (Run(text=meaning),), (math(_shape_latex(var)),)))
    return Table(("symbol", "meaning", "shape"), tuple(rows), "Symbols of the network and their shapes.", TeX("llc"))


# --------------------------------------------------------------------------- prose helpers


def _model_paragraphs(d: Derivation) -> list[Paragraph]:
    spec = d.spec
    if not spec.recurrent:
        sizes = " - ".join(str(s) for s in spec.sizes)
        return [para(
            f"A fully connected network with layer sizes {sizes} and activations "
            f"{', '.join(spec.activations)}, trained on the squared error. This is the network of the seed "
            "lecture's backpropagation section; names follow the lecture (weights w1, ..., inputs i1, i2, the net "
            "input in and output out of each neuron).",
        )]
    cell = _CELLS[spec.cell]
    if spec.cell == "rnn":
        cell += " with the identity activation (a linear RNN)" if spec.activation == "identity" else f" with the {spec.activation} activation"
    layout = (
        "Column notation: one example, column vectors, weights multiply from the left (W x)."
        if spec.notation == "column"
        else f"Row notation: a batch of n = {spec.batch} examples as the rows of each matrix, weights multiply from the right (X W), biases are broadcast over the rows."
    )
    sizes = f"input size d = {spec.input_size}, hidden size h = {spec.hidden_size}, output size q = {spec.output_size}"
    extra = []
    if spec.layers > 1:
        extra.append(f"{spec.layers} stacked layers (layer l reads the hidden state of layer l - 1; superscripts give the layer)")
    if not spec.bias:
        extra.append("no biases")
    reduction = "averaged over the loss terms in time (mean)" if spec.reduction == "mean" else "summed over time"
    loss = loss_kind(spec.loss).words
    text = (
        f"The network is {cell}, unrolled over T = {d.steps} steps, with {_SHAPES[spec.shape]}. {layout} "
        f"Sizes: {sizes}{'; ' + '; '.join(extra) if extra else ''}. The loss is {loss}, {reduction}."
    )
    return [para(text)]


# --------------------------------------------------------------------------- sections


def _section(title: str, key: str, blocks: list) -> Section:
    return Section(title, tuple(blocks), key)


def _forward_sections(b: _Builder) -> list[Section]:
    d = b.d
    loss_label = Label.of(Kind.FORWARD, d.graph.loss)
    forward = [eq for eq in d.generic_forward if eq.kind != "loss" and eq.label != loss_label]
    errors = [eq for eq in forward if eq.lhs.meaning is not None and eq.lhs.meaning.kind == "error"]
    forward = [eq for eq in forward if eq not in errors]
    loss_eqs = errors + [eq for eq in d.generic_forward if eq.label == loss_label]
    blocks: list = [para(
        "The forward pass, written once for a generic step t (each equation holds for the steps in parentheses). "
        "Initial states are inputs of the computation."
        if d.spec.recurrent
        else "The forward pass, neuron by neuron, as in the seed lecture."
    )]
    blocks += [b.equation(eq) for eq in forward]
    loss_blocks = [b.equation(eq) for eq in loss_eqs]
    if d.spec.recurrent:
        intro = para(
            "The loss adds the per-step losses of the steps that produce an output"
            + (", divided by their number (a mean over time, never over the batch)." if d.spec.reduction == "mean" else "."),
        )
    else:
        intro = para("The loss is the sum of the squared errors of the output neurons, with the seed's factor one half.")
    return [
        _section("Forward pass", "forward", blocks),
        _section("Loss", "loss", [intro, *loss_blocks]),
    ]


def _backward_sections(b: _Builder) -> list[Section]:
    d = b.d
    outputs = _output_names(d)
    out_eqs = [eq for eq in d.generic_adjoints if eq.lhs.of.name in outputs]
    rest = [eq for eq in d.generic_adjoints if eq not in out_eqs]
    sections = []
    if d.spec.recurrent:
        blocks = [para(
            "Backpropagation starts at the loss. The adjoint of each output, the gradient of L with respect to it, "
            "comes straight from the loss"
            + ("; the mean over time gives it the factor 1/T." if d.spec.reduction == "mean" else "."),
        )]
        blocks += [b.equation(eq) for eq in out_eqs]
        sections.append(_section("Output adjoints", "outputs", blocks))
        terminal = [eq for eq in rest if _is_terminal(eq)]
        interior = [eq for eq in rest if eq not in terminal]
        blocks = [para(
            "At the final step T nothing comes later, so each state influences the loss only through quantities of "
            "the same step: these boundary cases start the recurrence below.",
        )]
        blocks += [b.equation(eq) for eq in terminal]
        sections.append(_section("The last step", "terminal", blocks))
        blocks = [para(
            "For t < T a state influences the loss through the next step as well as through its own output, so its "
            "adjoint adds the adjoint of the next step, sent back through the transposed weights. Read the equations "
            "from the bottom up: each uses adjoints computed before it."
        )]
        blocks += [b.equation(eq) for eq in interior]
        sections.append(_section("Backpropagation through time: the recurrence", "recurrence", blocks))
    else:
        blocks = [para(*_output_layer_prose(d))]
        blocks += [b.equation(eq) for eq in out_eqs]
        sections.append(_section("Output adjoints", "outputs", blocks))
        blocks = [para(*_hidden_layer_prose(d))]
        blocks += [b.equation(eq) for eq in rest]
        sections.append(_section("Backpropagation into the hidden layer", "hidden", blocks))
    rows = d.spec.recurrent and d.spec.notation == "row" and d.spec.bias
    intro = (
        "Every parameter is shared by all steps, so its gradient is a sum over t of one term per step in which it is "
        "used" + ("; a bias is also summed over the rows of the batch (the row of ones)." if rows else ".")
        if d.spec.recurrent
        else "Each weight's gradient is the adjoint of the neuron it feeds times the signal it multiplies; a bias shared by two neurons collects both adjoints."
    )
    blocks = [para(intro)]
    blocks += [b.equation(eq) for eq in d.generic_gradients]
    sections.append(_section("Parameter gradients", "gradients", blocks))
    return sections


def _nodes_named(d: Derivation, prefix: str) -> list[ir.Var]:
    return [n.var for n in d.graph.nodes if n.var.name.startswith(prefix)]


def _output_layer_prose(d: Derivation) -> list:
    runs: list = ["The adjoints of the output layer come straight from the squared error"]
    outs = _nodes_named(d, "out_o")
    act = activation(d.spec.activations[-1])
    if outs and act.from_output is not None:
        runs += [f"; a {d.spec.activations[-1]} neuron multiplies by its derivative, written with its own output, ",
                 math(_SCALAR.doprint(act.from_output(outs[0])))]
    return [*runs, "."]


def _hidden_layer_prose(d: Derivation) -> list:
    runs: list = ["A hidden neuron feeds every output neuron, so its adjoint is a sum of contributions, one per path"]
    hidden, errors = _nodes_named(d, "out_h"), _nodes_named(d, "E_")
    if hidden and len(errors) > 1:
        h = var_latex(hidden[0])
        parts = " + ".join(rf"\frac{{\partial {var_latex(e)}}}{{\partial {h}}}" for e in errors)
        runs += [": the seed's ", math(rf"\frac{{\partial L}}{{\partial {h}}} = {parts}")]
    return [*runs, "."]


def _closed_form_section(b: _Builder) -> Section:
    d = b.d
    forms = list(d.closed_forms)
    if not forms:
        text = (
            "symrnn derives closed forms for the one-layer vanilla RNN in column notation (the power sum of D2L 9.7.15 "
            "and its product-of-Jacobians generalisation). For this network the recurrence above is the result: unrolling "
            "it by hand gives a sum over later steps of products of the per-step Jacobians, through every gate."
        )
        return _section("Closed forms", "closed", [para(text)])
    blocks: list = []
    state_rec = next((eq.label for eq in d.generic_adjoints if eq.bounds is not None and not _is_terminal(eq) and eq.lhs.of.name in ("h", "H")), None)
    state_end = next((eq.label for eq in d.generic_adjoints if _is_terminal(eq) and eq.lhs.of.name in ("h", "H")), None)
    for eq in forms:
        blocks.append(b.equation(eq))
    intro: list = ["Substituting the recurrence "]
    if state_rec and b.has(state_rec):
        intro += [b.ref(state_rec), " "]
    intro.append("into itself down to the boundary case ")
    if state_end and b.has(state_end):
        intro += [b.ref(state_end), " "]
    intro.append("gives the hidden-state adjoint as a sum over the later steps k of what step k sends back, multiplied by one Jacobian per step in between. ")
    recurrent_weight = _recurrent_weight(d)
    K, J = ir.INDEX_SYMBOLS["k"], ir.INDEX_SYMBOLS["j"]
    if d.spec.activation == "identity":
        intro += [
            "With the identity activation every Jacobian is ",
            math(latex(ir.transpose(recurrent_weight))) if recurrent_weight is not None else "the transposed recurrent weight",
            ", so the product is a matrix power",
            *([", ", math(latex(ir.matpow(ir.transpose(recurrent_weight), K - ir.t_SYM)))] if recurrent_weight is not None else []),
            ": the power sum. ",
            *(["Writing the summation index as i = T + t - k gives the form printed in D2L (9.7.15). "]
              if any(eq.label.variant == "d2l" for eq in forms) else []),
            "This holds only for the identity activation.",
        ]
    else:
        jacobian = _jacobian(d, recurrent_weight, J)
        intro += [
            "With a nonlinear activation each Jacobian carries the activation's derivative at its own step",
            *([", ", math(latex(jacobian))] if jacobian is not None else []),
            ", so no power appears and the closed form is a product of different matrices.",
        ]
    if b.trust.proof is not None and not b.trust.proof.failed:
        intro.append(" The closed forms are proved equal to the recurrence at element level (see the last section).")
    else:
        intro += [" Check them against the recurrence at element level with ", code(f"symrnn prove {d.spec.name}"), "."]
    blocks.insert(0, para(*intro))
    return _section("Closed forms", "closed", blocks)


def _recurrent_weight(d: Derivation) -> ir.Var | None:
    """The hidden-to-hidden weight of a one-layer vanilla RNN (``W_hh`` or the scalar ``w_hh``)."""
    return next((p for p in d.graph.params if p.name.lower() == "w_hh" and p.layer is None), None)


def _jacobian(d: Derivation, weight: ir.Var | None, index) -> ir.Expr | None:
    """``W_hh^T diag(f'(a_j))``: one step's Jacobian factor of a nonlinear vanilla RNN."""
    pre = next((n.var for n in d.graph.nodes if n.var.name == "a" and n.var.layer is None), None)
    if weight is None or pre is None:
        return None
    return ir.matmul(ir.transpose(weight), ir.Diag(ir.DerivApply(d.spec.activation, pre.at(index))))


def _vanishing_section(b: _Builder, figures: dict) -> Section:
    # matplotlib loads here, when a report is built, not whenever the CLI starts.
    from .figures import gradient_norm_figure, scalar_power_figure

    d = b.d
    spec = d.spec
    blocks: list = []
    if not spec.recurrent:
        # the figure's one-neuron layers share one activation: the network's, when all its layers have the same
        shared = spec.activations[0] if len(set(spec.activations)) == 1 else "identity"
        blocks.append(para(
            "The seed notes that the gradient of a layer near the input is a product of many factors, one per layer "
            "above it. With factors below one the product vanishes, above one it explodes; deep networks, and even "
            "more so recurrent ones unrolled over many steps, suffer from it. The scalar picture is Input x w^N"
            + ("" if shared == "identity" else f", and with the {shared} every layer also multiplies by its derivative")
            + ":",
        ))
        figures["scalar-power"] = scalar_power_figure(activation=shared, depth="layers")
        blocks.append(FigureBlock(TeX("scalar-power"), figures["scalar-power"].caption))
        return _section("Vanishing and exploding gradients", "vanishing", blocks)
    rec = [eq for eq in d.generic_adjoints if _is_recurrence(eq)]
    runs: list = ["The recurrence " if len(rec) == 1 else "The recurrences "]
    for i, eq in enumerate(rec):
        runs += [b.ref(eq.label), " and " if i == len(rec) - 2 else ", " if i < len(rec) - 2 else " "]
    runs.append(
        ("multiply" if len(rec) > 1 else "multiplies") + " the adjoint by a Jacobian at every step back in time, so a signal from step k reaches step t "
        "after k - t such products. "
    )
    weight = _recurrent_weight(d)
    if spec.cell == "rnn" and spec.activation == "identity" and weight is not None and spec.layers == 1:
        power = ir.matpow(ir.transpose(weight), ir.INDEX_SYMBOLS["k"] - ir.t_SYM)
        runs += ["For this linear RNN the product is the power ", math(latex(power)),
                 " of the closed form: its size is governed by the spectral radius of ", math(latex(weight)), ". "]
    elif spec.cell == "rnn":
        jacobian = _jacobian(d, weight, ir.INDEX_SYMBOLS["j"]) if spec.layers == 1 else None
        act = activation(spec.activation)
        runs += ["Each factor", *([" ", math(latex(jacobian))] if jacobian is not None else []),
                 f" is the transposed recurrent weight times the derivative of {act.words}, which is at most "
                 f"{act.derivative_bound:g}" + (", so saturation makes vanishing worse. " if act.saturates else ". ")]
    elif spec.cell == "lstm":
        runs.append("The LSTM adds a path through the memory cell whose factor is the forget gate, elementwise: with forget gates near one the cell carries the gradient over many steps, which is why the seed calls it a weight of value 1. ")
    else:
        runs.append("The GRU's update gate interpolates between the previous state and the candidate: where it is near one the previous state, and its gradient, pass through almost unchanged. ")
    runs.append("The figure shows the effect of the spectral radius on a linear RNN.")
    blocks.append(para(*runs))
    figures["gradient-norms"] = gradient_norm_figure()
    blocks.append(FigureBlock(TeX("gradient-norms"), figures["gradient-norms"].caption))
    if spec.style == "scalar":
        if spec.activation == "identity":
            blocks.append(para("In the scalar network of the seed every factor is the same weight, and the product is the seed's Input x w^N:"))
        else:
            blocks.append(para(f"In the scalar network of the seed every factor is the same weight times the {spec.activation}'s derivative "
                               "at its step, so the seed's Input x w^N gains a factor per step:"))
        figures["scalar-power"] = scalar_power_figure(activation=spec.activation)
        blocks.append(FigureBlock(TeX("scalar-power"), figures["scalar-power"].caption))
    return _section("Vanishing and exploding gradients", "vanishing", blocks)


def _unrolled_section(b: _Builder) -> Section:
    d = b.d
    blocks: list = [para(
        f"The same gradients for T = {d.steps}, with the sums over t written out. These concrete equations are what the "
        "element-level proof checks first."
    )]
    blocks += [b.equation(eq) for eq in d.gradients]
    return _section(f"Unrolled for T = {d.steps}", "unrolled", blocks)


def _chain_rule_section(b: _Builder) -> Section | None:
    """The seed's per-weight chain rule with the worked example's numbers (scalar networks with an example)."""
    d = b.d
    if d.spec.recurrent or not d.spec.example:
        return None
    from ..core.paths import chain_view
    from ..core.values import worked_values

    values = worked_values(d)
    example = ", ".join(f"{name} = {value:g}" for name, value in _example_items(d))
    named = {p.name: p for p in d.graph.params}
    seed_pair = [math(rf"\frac{{\partial L}}{{\partial {var_latex(named[n])}}}") for n in ("w5", "w1") if n in named]
    blocks: list = [para(
        "The seed derives ", *([seed_pair[0], " and ", seed_pair[1]] if len(seed_pair) == 2 else ["the gradients"]),
        " as products of local partial derivatives along the paths from the weight to the loss. Here is every weight, "
        "first as the product of partials, then with each partial's formula, then with the worked example's numbers "
        f"({example}). Numbers are rounded to eight digits; the arithmetic is exact.",
    )]
    rows = []
    for name, value in values.forward.items():
        var = next(n.var for n in d.graph.nodes if node_key(n.var) == name)
        rows.append(((math(var_latex(var)),), (math(number_latex(value, 9)),)))
    rows.append(((math(var_latex(d.graph.loss)),), (math(number_latex(values.loss, 9)),)))
    blocks.append(Table(("quantity", "value"), tuple(rows), "Forward pass of the worked example.", TeX("lr")))
    weights = [p for p in d.graph.params if p.name.startswith("w")]
    views = {p: chain_view(d, param_key(p)) for p in weights}
    # as the seed: the output layer first (short paths), then the hidden layer
    for weight in sorted(weights, key=lambda p: (len(views[p].paths[0].factors), int(p.name[1:]) if p.name[1:].isdigit() else 0)):
        view = views[weight]
        sym, formulas, numbers = [], [], []
        for path in view.paths:
            factors = [f for f in path.factors if f.of != d.graph.loss]
            sym.append(" ".join(rf"\frac{{\partial {var_latex(f.of)}}}{{\partial {var_latex(f.wrt)}}}" for f in factors))
            formulas.append(r" \cdot ".join(_SCALAR.wrap(f.formula, 31) if f.formula is not None else "?" for f in factors))
            numbers.append(r" \cdot ".join(f"({number_latex(f.value)})" if float(f.value) < 0 else number_latex(f.value) for f in factors))
        lhs = rf"\frac{{\partial L}}{{\partial {var_latex(weight)}}}"
        lines = [f"{lhs} &= {sym[0]}"] + [rf"&\quad + {s}" for s in sym[1:]]
        lines += [f"&= {formulas[0]}"] + [rf"&\quad + {f}" for f in formulas[1:]]
        lines += [f"&= {numbers[0]}"] + [rf"&\quad + {n}" for n in numbers[1:]]
        lines += [f"&= {number_latex(view.value)}"]
        key = b.key(f"chain:{param_key(weight)}")
        grad = d.gradient(param_key(weight))
        status = f"= gradient ({grad.label}) at the example; " + equation_status(b.trust, grad)
        blocks.append(replace(EquationBlock(f"chain:{param_key(weight)}", key, tuple(TeX(x) for x in lines), None, status), number=b.numbering.next(key)))
        if abs(float(view.value) - float(values.gradients[param_key(weight)])) > 1e-12:
            raise AssertionError(f"chain view of {weight.name} disagrees with the derivation")
    return _section("The seed's chain rule, weight by weight", "chain", blocks)


def _example_items(d: Derivation) -> list[tuple[str, float]]:
    """The worked example's scalar values, inputs and targets first, then weights in numeric order."""
    items = [(k, v) for k, v in d.spec.example.as_dict().items() if isinstance(v, float)]

    def order(item):
        name = item[0]
        match = re.fullmatch(r"([A-Za-z_]+?)(\d+)", name)
        group = 0 if name.startswith(("i", "target")) else 1 if name.startswith("w") else 2
        return (group, match.group(1) if match else name, int(match.group(2)) if match else 0)

    return sorted(items, key=order)


def _trust_section(b: _Builder) -> Section:
    d, trust = b.d, b.trust
    blocks: list = []
    if trust.proof is not None:
        p = trust.proof
        how = "exactly, in rational arithmetic" if p.exact else "to 50 significant digits"
        verdict = "All of them passed." if not p.failed else f"FAILED: {', '.join(p.failed)}."
        blocks.append(para(
            f"Proof. Every adjoint, gradient and closed form was evaluated at a random exact point for {p.sizes} and "
            f"compared {how} with element-level sympy.diff oracles: the chain rule (a reverse sweep built only from the "
            f"derivative of each scalar node's own expression) and, where tractable, the expanded loss (the derivative of "
            f"the fully inlined scalar loss by each parameter entry), {p.count} comparisons. {verdict} The generic equations hold for every T; they "
            "were instantiated at every step of this unroll.",
        ))
    else:
        blocks.append(para(f"Proof: {trust.proof_note}. Run ", code(f"symrnn prove {d.spec.name}"), " to prove every equation at element level."))
    if trust.tests is not None:
        t = trust.tests
        worst = "0" if t.max_error == 0 else f"below 1e{int(sympy.floor(sympy.log(t.max_error, 10))) + 1}"
        seeds = ", ".join(str(s) for s in t.seeds)
        notes = " ".join(f"Not compared with {o}: {n}." for o, n in sorted(t.notes.items()))
        verdict = "all within tolerance" if t.passed else "NOT all within tolerance"
        blocks.append(para(
            "Tests. The generated NumPy module ", code(trust.module), f" was run on {len(t.seeds)} drawn case(s) "
            f"(seeds {seeds}; T = {t.steps}, batch {t.batch}, float64) and its gradients compared with "
            f"{', '.join(t.oracles)}: {verdict}, largest relative error {worst}. {notes}",
        ))
    else:
        blocks.append(para(f"Tests: {trust.tests_note}. Run ", code(f"symrnn verify {d.spec.name}"), " to compare the generated code with autograd, torch.nn and finite differences."))
    if trust.module:
        blocks.append(para(
            "Code. Each statement of the generated module ", code(trust.module), " ends with a comment citing the label "
            "of the equation it implements; the table lists them (regenerate the module with ",
            code(f"symrnn codegen {d.spec.name}"), ").",
        ))
    rows = []
    for eq_label, eq in b.included.items():
        if eq.kind in ("forward", "loss") and eq_label not in trust.code_lines:
            continue
        lines = trust.code_lines.get(eq_label, ())
        where = ", ".join(str(n) for n in lines) if lines else ("" if eq.scope == "concrete" else "-")
        rows.append(((b.ref(eq_label),), (code(eq_label),), (Run(text=equation_status(trust, eq).split("; code")[0]),), (Run(text=where),)))
    blocks.append(Table(("eq.", "label", "status", "code lines"), tuple(rows), "Equations, their labels, what was verified and where the generated code implements them.", TeX(r"p{0.07\linewidth}p{0.2\linewidth}p{0.47\linewidth}p{0.14\linewidth}")))
    return _section("How far to trust these equations", "trust", blocks)


def build(derivation: Derivation, trust: Trust | None = None, title: str | None = None) -> Report:
    """The report of ``derivation``; ``trust`` says what was verified (default: nothing was run)."""
    trust = trust or Trust()
    b = _Builder(derivation, trust)
    spec = derivation.spec
    figures: dict = {}
    sections = [_section("The network", "model", [*_model_paragraphs(derivation), symbol_table(derivation)])]
    sections += _forward_sections(b)
    sections += _backward_sections(b)
    chain = _chain_rule_section(b)
    if chain is not None:
        sections.append(chain)
    if spec.recurrent:
        sections.append(_closed_form_section(b))
    sections.append(_vanishing_section(b, figures))
    if spec.recurrent:
        sections.append(_unrolled_section(b))
    sections.append(_trust_section(b))
    heading = title if title is not None else (spec.title or spec.name)
    subtitle = f"Derivation report for the network '{spec.name}'" + (f", unrolled over T = {derivation.steps} steps" if spec.recurrent else "")
    return Report(heading, subtitle, tuple(sections), figures)


__all__ = ["build", "number_latex", "symbol_table"]
