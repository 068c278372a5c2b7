"""The mistakes people make deriving these gradients (docs/REFERENCE.md section 5), as data.

Each entry has a stable ``id`` used by the checker (which models it as a mutation of the correct
derivation, ``symrnn/check/``) and by exam families (which use it for distractors), the student
feedback and a note for the teacher.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..i18n import N_, _


@dataclass(frozen=True)
class Mistake:
    """A mistake of the catalogue; its words are English msgids, read in the current language.

    ``title``, ``feedback`` (also ``description``) and ``teacher_note`` translate themselves when
    read, so every user (checker, grading, exams) shows them in the language of the command
    (``symrnn.i18n.use_language``); ``*_en`` are the English texts as written here."""

    id: str
    number: int
    title_en: str
    feedback_en: str
    teacher_note_en: str
    teacher_note_tex_en: str = ""

    @property
    def title(self) -> str:
        return _(self.title_en)

    @property
    def feedback(self) -> str:
        return _(self.feedback_en)

    @property
    def description(self) -> str:
        return self.feedback

    @property
    def teacher_note(self) -> str:
        return _(self.teacher_note_en)

    @property
    def teacher_note_tex(self) -> str:
        """The teacher note for a typeset page (an exam key): its maths between ``$`` signs, as
        :func:`symrnn.exam.model.para` reads it; the plain note where it has no maths."""
        return _(self.teacher_note_tex_en or self.teacher_note_en)


MISTAKES: dict[str, Mistake] = {
    m.id: m
    for m in (
        Mistake("missing_transpose", 1, N_("Missing transpose"),
                N_("A weight matrix or a signal is used without its transpose: backpropagating through "
                "W x sends the adjoint back with W^T, and a weight gradient pairs the adjoint with x^T."),
                N_("Wrote W delta instead of W^T delta, or delta x instead of delta x^T."),
                N_(r"Wrote $W \delta$ instead of $W^\top \delta$, or $\delta x$ instead of $\delta x^\top$.")),
        Mistake("row_column_mixed", 2, N_("Row and column conventions mixed"),
                N_("The factors are in the order of the other convention: with column vectors the "
                "adjoint is W^T delta, with row batches it is delta W^T."),
                N_("Mixed the row-batch and column-vector conventions (delta W^T vs W^T delta)."),
                N_(r"Mixed the row-batch and column-vector conventions ($\delta W^\top$ vs $W^\top \delta$).")),
        Mistake("missing_recurrent_term", 3, N_("Recurrent term missing"),
                N_("dL/dh_t also receives a contribution through h_{t+1}: the recurrent term is missing."),
                N_("Dropped the path through h_{t+1} in dL/dh_t."),
                N_(r"Dropped the path through $h_{t+1}$ in $\partial L / \partial h_t$.")),
        Mistake("wrong_activation_derivative", 4, N_("Activation derivative misused"),
                N_("The activation's derivative is taken at the wrong quantity or the wrong step "
                "(for tanh it is 1 - h_t^2, with h_t the activation's own output)."),
                N_("Applied f' to the activation instead of the pre-activation, or used h_{t-1}."),
                N_(r"Applied $f'$ to the activation instead of the pre-activation, or used $h_{t-1}$.")),
        Mistake("sign_error", 5, N_("Sign error in the output error"),
                N_("The output error has the wrong sign: the derivative of 1/2 (o - y)^2 is o - y."),
                N_("Used t - o instead of o - t."),
                N_(r"Used $t - o$ instead of $o - t$.")),
        Mistake("off_by_one", 6, N_("Off-by-one in sum limits or powers"),
                N_("A sum limit or a power of W_hh^T is off by one step."),
                N_("Shifted a sum limit or a power by one ((W_hh^T)^{T-i+1}, sum from t-1)."),
                N_(r"Shifted a sum limit or a power by one ($(W_{hh}^\top)^{T-i+1}$, sum from $t-1$).")),
        Mistake("missing_mean", 7, N_("Missing 1/T"),
                N_("The loss is a mean over time, so every output adjoint carries the factor 1/T."),
                N_("Forgot the 1/T of the mean over time."),
                N_(r"Forgot the $1/T$ of the mean over time.")),
        Mistake("shared_weights_not_summed", 8, N_("Shared weights not summed over time"),
                N_("The weights are shared by every time step: their gradient is a sum over t, not the "
                "last step's term alone."),
                N_("Kept only one time step's contribution to a shared weight.")),
        Mistake("wrong_signal_pairing", 9, N_("Wrong signal paired with an input"),
                N_("Each weight's gradient pairs that weight's own adjoint signal with that weight's own "
                "input."),
                N_("Paired the adjoint of one gate (or step) with the input of another.")),
        Mistake("diag_wrong_side", 10, N_("diag(f') on the wrong side"),
                N_("The Jacobian of h_t = f(W h_{t-1}) is diag(f'(a_t)) W; in the backward pass "
                "W^T diag(f'(a_t)) multiplies the adjoint."),
                N_("Wrote W diag(f') where diag(f') W is meant (or the transposed mix-up)."),
                N_(r"Wrote $W \operatorname{diag}(f')$ where $\operatorname{diag}(f') W$ is meant (or the transposed mix-up).")),
        Mistake("elementwise_matmul_confused", 11, N_("Elementwise and matrix products confused"),
                N_("An elementwise product was written as a matrix product or the other way round."),
                N_("Confused the Hadamard product with the matrix product.")),
        Mistake("bias_not_summed", 12, N_("Bias gradient not summed"),
                N_("A bias is shared by every example of the batch and every time step: sum its "
                "gradient over both."),
                N_("Did not sum the bias gradient over the batch or over time.")),
        Mistake("output_nonlinearity_twice", 13, N_("Output nonlinearity counted twice"),
                N_("With softmax (or sigmoid) and cross-entropy the output error is simply p - y: the "
                "activation's derivative is already folded in."),
                N_("Multiplied p - y by the softmax/sigmoid derivative again."),
                N_(r"Multiplied $p - y$ by the softmax/sigmoid derivative again.")),
        Mistake("lstm_cell_path_dropped", 14, N_("LSTM cell-state path dropped"),
                N_("dL/dC_t also flows to C_{t-1} through the forget gate: the term F_{t+1} ⊙ dL/dC_{t+1} "
                "is missing."),
                N_("Dropped the cell-state path through f_{t+1}."),
                N_(r"Dropped the cell-state path through $f_{t+1}$.")),
        Mistake("activation_derivative_dropped", 15, N_("Activation derivative left out"),
                N_("Going back through an activation multiplies the adjoint by its derivative: "
                "dL/da_t = dL/dh_t ⊙ f'(a_t) (1 - h_t^2 for tanh; F_t ⊙ (1 - F_t) for a sigmoid gate). "
                "The answer skips that factor."),
                N_("Used dL/dh_t where dL/da_t is meant: the tanh' (or a gate's sigma') factor left out."),
                N_(r"Used $\partial L / \partial h_t$ where $\partial L / \partial a_t$ is meant: the $\tanh'$ (or a gate's $\sigma'$) factor left out.")),
        Mistake("derivative_sign_flipped", 16, N_("Sign inside the activation derivative"),
                N_("The sigmoid's derivative is sigma (1 - sigma) and tanh's is 1 - tanh^2: the sign inside "
                "is a minus."),
                N_("Wrote sigma(1 + sigma) or 1 + tanh^2."),
                N_(r"Wrote $\sigma (1 + \sigma)$ or $1 + \tanh^2$.")),
        Mistake("one_path_only", 17, N_("Only one path followed"),
                N_("A quantity read by several others collects the adjoint of every path: dL/dout_h1 = "
                "w5 dL/din_o1 + w7 dL/din_o2, one term per neuron that reads out_h1."),
                N_("Followed only one path through the network (one consumer's term of a sum).")),
        Mistake("power_index_mirrored", 18, N_("Power counted from the wrong end"),
                N_("In the power sum the exponent and the output's step go together: (W_hh^T)^{T-i} with "
                "dL/do_{T+t-i}, or (W_hh^T)^{i-t} with dL/do_i. Mixing the two index forms pairs each "
                "output with the wrong power."),
                N_("Wrote (W_hh^T)^{i-t} with o_{T+t-i} (or (W_hh^T)^{T-i} with o_i)."),
                N_(r"Wrote $(W_{hh}^\top)^{i-t}$ with $o_{T+t-i}$ (or $(W_{hh}^\top)^{T-i}$ with $o_i$).")),
    )
}
