"""The mistakes people make deriving these gradients (docs/REFERENCE.md section 5), as data.

Each entry has a stable ``id`` used by the checker (which models it as a mutation of the correct
derivation, ``symrnn/check/``) and by exam families (which use it for distractors), the student
feedback and a note for the teacher.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Mistake:
    id: str
    number: int
    title: str
    feedback: str
    teacher_note: str


MISTAKES: dict[str, Mistake] = {
    m.id: m
    for m in (
        Mistake("missing_transpose", 1, "Missing transpose",
                "A weight matrix or a signal is used without its transpose: backpropagating through "
                "W x sends the adjoint back with W^T, and a weight gradient pairs the adjoint with x^T.",
                "Wrote W delta instead of W^T delta, or delta x instead of delta x^T."),
        Mistake("row_column_mixed", 2, "Row and column conventions mixed",
                "The factors are in the order of the other convention: with column vectors the "
                "adjoint is W^T delta, with row batches it is delta W^T.",
                "Mixed the row-batch and column-vector conventions (delta W^T vs W^T delta)."),
        Mistake("missing_recurrent_term", 3, "Recurrent term missing",
                "dL/dh_t also receives a contribution through h_{t+1}: the recurrent term is missing.",
                "Dropped the path through h_{t+1} in dL/dh_t."),
        Mistake("wrong_activation_derivative", 4, "Activation derivative misused",
                "The activation's derivative is taken at the wrong quantity or the wrong step "
                "(for tanh it is 1 - h_t^2, with h_t the activation's own output).",
                "Applied f' to the activation instead of the pre-activation, or used h_{t-1}."),
        Mistake("sign_error", 5, "Sign error in the output error",
                "The output error has the wrong sign: the derivative of 1/2 (o - y)^2 is o - y.",
                "Used t - o instead of o - t."),
        Mistake("off_by_one", 6, "Off-by-one in sum limits or powers",
                "A sum limit or a power of W_hh^T is off by one step.",
                "Shifted a sum limit or a power by one ((W_hh^T)^{T-i+1}, sum from t-1)."),
        Mistake("missing_mean", 7, "Missing 1/T",
                "The loss is a mean over time, so every output adjoint carries the factor 1/T.",
                "Forgot the 1/T of the mean over time."),
        Mistake("shared_weights_not_summed", 8, "Shared weights not summed over time",
                "The weights are shared by every time step: their gradient is a sum over t, not the "
                "last step's term alone.",
                "Kept only one time step's contribution to a shared weight."),
        Mistake("wrong_signal_pairing", 9, "Wrong signal paired with an input",
                "Each weight's gradient pairs that weight's own adjoint signal with that weight's own "
                "input.",
                "Paired the adjoint of one gate (or step) with the input of another."),
        Mistake("diag_wrong_side", 10, "diag(f') on the wrong side",
                "The Jacobian of h_t = f(W h_{t-1}) is diag(f'(a_t)) W; in the backward pass "
                "W^T diag(f'(a_t)) multiplies the adjoint.",
                "Wrote W diag(f') where diag(f') W is meant (or the transposed mix-up)."),
        Mistake("elementwise_matmul_confused", 11, "Elementwise and matrix products confused",
                "An elementwise product was written as a matrix product or the other way round.",
                "Confused the Hadamard product with the matrix product."),
        Mistake("bias_not_summed", 12, "Bias gradient not summed",
                "A bias is shared by every example of the batch and every time step: sum its "
                "gradient over both.",
                "Did not sum the bias gradient over the batch or over time."),
        Mistake("output_nonlinearity_twice", 13, "Output nonlinearity counted twice",
                "With softmax (or sigmoid) and cross-entropy the output error is simply p - y: the "
                "activation's derivative is already folded in.",
                "Multiplied p - y by the softmax/sigmoid derivative again."),
        Mistake("lstm_cell_path_dropped", 14, "LSTM cell-state path dropped",
                "dL/dC_t also flows to C_{t-1} through the forget gate: the term F_{t+1} ⊙ dL/dC_{t+1} "
                "is missing.",
                "Dropped the cell-state path through f_{t+1}."),
        Mistake("activation_derivative_dropped", 15, "Activation derivative left out",
                "Going back through an activation multiplies the adjoint by its derivative: "
                "dL/da_t = dL/dh_t ⊙ f'(a_t) (1 - h_t^2 for tanh; F_t ⊙ (1 - F_t) for a sigmoid gate). "
                "The answer skips that factor.",
                "Used dL/dh_t where dL/da_t is meant: the tanh' (or a gate's sigma') factor left out."),
        Mistake("derivative_sign_flipped", 16, "Sign inside the activation derivative",
                "The sigmoid's derivative is sigma (1 - sigma) and tanh's is 1 - tanh^2: the sign inside "
                "is a minus.",
                "Wrote sigma(1 + sigma) or 1 + tanh^2."),
        Mistake("one_path_only", 17, "Only one path followed",
                "A quantity read by several others collects the adjoint of every path: dL/dout_h1 = "
                "w5 dL/din_o1 + w7 dL/din_o2, one term per neuron that reads out_h1.",
                "Followed only one path through the network (one consumer's term of a sum)."),
        Mistake("power_index_mirrored", 18, "Power counted from the wrong end",
                "In the power sum the exponent and the output's step go together: (W_hh^T)^{T-i} with "
                "dL/do_{T+t-i}, or (W_hh^T)^{i-t} with dL/do_i. Mixing the two index forms pairs each "
                "output with the wrong power.",
                "Wrote (W_hh^T)^{i-t} with o_{T+t-i} (or (W_hh^T)^{T-i} with o_i)."),
    )
}
