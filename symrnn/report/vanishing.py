"""The section on vanishing and exploding gradients, with the network's own figure."""

from __future__ import annotations

from ..core import ir
from ..core.activations import activation
from ..i18n import N_, _
from ..printing.latex import latex
from ..printing.texescape import TeX
from .closed import jacobian, recurrent_weight
from .document import FigureBlock, Run, Section, para
from .equations import Builder, section
from .facts import is_recurrence
from .say import caption_runs, say


def _figure(figures: dict, plot) -> FigureBlock:
    figures[plot.name] = plot
    return FigureBlock(TeX(plot.name), caption_runs(plot.caption))


def _mlp(b: Builder, figures: dict) -> Section:
    from .figures import scalar_power_plot

    spec = b.spec
    # the figure's one-neuron layers share one activation: the network's, when all its layers have the same
    shared = spec.activations[0] if len(set(spec.activations)) == 1 else "identity"
    runs = [*say(_("The gradient of a layer near the input is a product of many factors, one per layer above it: with "
                 "factors below one the product vanishes, above one it explodes.")), " ",
            *say(_("Deep networks suffer from it, and recurrent ones unrolled over many steps even more so.")), " ",
            *(say(_(r"The scalar picture is the lecture's $\mathrm{Input} \times w^{N}$.")) if shared == "identity" else
              say(_(r"The scalar picture is the lecture's $\mathrm{Input} \times w^{N}$, and with {act} every layer also "
                  "multiplies by its derivative."), act=_(activation(shared).words))), " ",
            *say(_("The figure shows it."))]
    blocks = [para(*runs), _figure(figures, scalar_power_plot(activation=shared, depth="layers"))]
    return section(_("Vanishing and exploding gradients"), "vanishing", blocks)


def _cell_runs(b: Builder) -> list:
    d, spec, f = b.d, b.spec, b.facts
    weight = recurrent_weight(d)
    if f.linear and weight is not None and spec.layers == 1:
        power = ir.matpow(ir.transpose(weight), ir.INDEX_SYMBOLS["k"] - ir.t_SYM)
        sentence = (N_("For this linear RNN the product is the power ${power}$ of the closed form: its size is governed by "
                       "$|{w}|$.") if f.closed_powers and f.scalar else
                    N_("For this linear RNN the product is the power ${power}$ of the closed form: its size is governed by the "
                       "spectral radius of ${w}$.") if f.closed_powers else
                    N_("For this linear RNN every factor is the same matrix, so the product is the power ${power}$: its size is "
                       "governed by the spectral radius of ${w}$."))
        return list(say(_(sentence), power=TeX(latex(power)), w=TeX(latex(weight))))
    if spec.cell == "rnn":
        act = activation(spec.activation)
        jac = jacobian(d, weight, ir.INDEX_SYMBOLS["j"]) if spec.layers == 1 else None
        if jac is not None:
            sentence = (N_("Each factor ${jac}$ is the transposed recurrent weight times the derivative of {act}, which is at "
                           "most {bound}, so saturation makes vanishing worse.") if act.saturates else
                        N_("Each factor ${jac}$ is the transposed recurrent weight times the derivative of {act}, which is at "
                           "most {bound}."))
            return list(say(_(sentence), jac=TeX(latex(jac)), act=_(act.words), bound=f"{act.derivative_bound:g}"))
        sentence = (N_("Each factor is a transposed recurrent weight times the derivative of {act}, which is at most {bound}, "
                       "so saturation makes vanishing worse.") if act.saturates else
                    N_("Each factor is a transposed recurrent weight times the derivative of {act}, which is at most {bound}."))
        runs = list(say(_(sentence), act=_(act.words), bound=f"{act.derivative_bound:g}"))
        if f.layers > 1:
            runs += [" ", *say(_("In the stacked network a lower layer's adjoint also comes down from the layers above at "
                               "each step, through their input weights and derivatives: a product over layers as well "
                               "as over time."))]
        return runs
    if spec.cell == "lstm":
        return list(say(_("The LSTM adds a path through the memory cell whose factor is the forget gate, elementwise: with "
                        "forget gates near one the cell carries the gradient over many steps, which is why the lecture calls "
                        "it a weight of value 1.")))
    return list(say(_("The GRU's update gate interpolates between the previous state and the candidate: where it is near one "
                    "the previous state, and its gradient, pass through almost unchanged.")))


def _ref_list(b: Builder, eqs) -> tuple[Run, ...]:
    """References to ``eqs`` as a list: (1), (2) and (3)."""
    runs: list[Run] = []
    for i, eq in enumerate(eqs):
        if i:
            runs.append(Run(text=_(" and ") if i == len(eqs) - 1 else ", "))
        runs.append(b.ref(eq.label))
    return tuple(runs)


def vanishing_section(b: Builder, figures: dict) -> Section:
    from .figures import scalar_power_plot
    from .flow_figures import flow_plot

    d, spec = b.d, b.spec
    if not spec.recurrent:
        return _mlp(b, figures)
    rec = [eq for eq in d.generic_adjoints if is_recurrence(eq)]
    sentence = _(N_("The recurrence {refs} multiplies the adjoint by a Jacobian at every step back in time, so a signal from "
                    "step $k$ reaches step $t$ after $k - t$ such products.") if len(rec) == 1 else
                 N_("The recurrences {refs} multiply the adjoint by a Jacobian at every step back in time, so a signal from "
                    "step $k$ reaches step $t$ after $k - t$ such products."))
    blocks: list = []
    if b.facts.scalar:
        runs = [*say(sentence, refs=_ref_list(b, rec)), " ", *_cell_runs(b), " ",
                *(say(_(r"In this scalar network every factor is the same weight, and the product is the lecture's "
                      r"$\mathrm{Input} \times w^{N}$.")) if spec.activation == "identity" else
                  say(_("In this scalar network every factor is the same weight times {act}'s derivative at its step, so "
                      r"the lecture's $\mathrm{Input} \times w^{N}$ gains a factor per step."),
                      act=_(activation(spec.activation).words))), " ", *say(_("The figure shows it."))]
        blocks += [para(*runs), _figure(figures, scalar_power_plot(activation=spec.activation))]
    else:
        runs = [*say(sentence, refs=_ref_list(b, rec)), " ",
                *_cell_runs(b), " ", *say(_("The figure shows it for this network."))]
        blocks += [para(*runs), _figure(figures, flow_plot(spec))]
    return section(_("Vanishing and exploding gradients"), "vanishing", blocks)


__all__ = ["vanishing_section"]
