"""One-line pins of every ``_print_<Class>`` of the NumPy printer (row world, batch rows)."""

from __future__ import annotations

import inspect

import pytest
import sympy

from symrnn.core import ir
from symrnn.printing.numpy_code import BatchSum, Call, CodegenError, Name, NumPyCodePrinter, TimeMode, numpy_code

t, T = ir.t_SYM, ir.T_SYM
H = ir.Var("h", (1, 3), "node", t)  # a per-example row at step t
H_prev = ir.Var("h", (1, 3), "node", t - 1)
X = ir.Var("x", (1, 2), "input", t)
W = ir.Var("W_hh", (3, 3), "param")
Wx = ir.Var("W_xh", (2, 3), "param")
b = ir.Var("b_h", (1, 3), "param")
w = ir.Var("w", (1, 1), "param")
s = ir.Var("s", (1, 1), "node", t)
s2 = ir.Var("u", (1, 1), "node", t)
A = ir.Var("a", (1, 3), "node")  # a timeless per-example row


def test_var_at_step():
    assert numpy_code(H_prev) == "h[t - 1]"


def test_var_timeless_and_layer():
    assert numpy_code(ir.Var("h", (1, 3), "node", T, 2)) == "h_l2[T]"


def test_adjoint():
    assert numpy_code(ir.Adjoint(ir.Var("h", (1, 3), "node", t + 1))) == "d_h[t + 1]"


def test_const():
    assert numpy_code(ir.Const((1, 1), 1)) == "1.0"


def test_const_identity():
    assert numpy_code(ir.eye(3)) == "np.eye(3)"


def test_matmul_rows_times_shared():
    assert numpy_code(ir.matmul(X, Wx)) == "x[t] @ W_xh"


def test_matmul_contraction_over_batch():
    assert numpy_code(ir.matmul(ir.transpose(H_prev), ir.Adjoint(H))) == "h[t - 1].T @ d_h[t]"


def test_matmul_of_per_example_scalars_is_elementwise():
    assert numpy_code(ir.matmul(ir.Adjoint(s), s2)) == "d_s[t] * u[t]"


def test_matmul_shared_scalar_times_rows():
    assert numpy_code(ir.matmul(w, s)) == "w * s[t]"


def test_add_with_broadcast_bias():
    Xb, Hb = ir.Var("X", (2, 2), "input", t), ir.Var("H", (2, 3), "node", t - 1)
    assert numpy_code(ir.add(ir.matmul(Xb, Wx), ir.matmul(Hb, W), ir.Broadcast(b, 2))) == "X[t] @ W_xh + H[t - 1] @ W_hh + b_h"


def test_add_of_negation_prints_minus():
    assert numpy_code(ir.add(H, ir.neg(ir.add(H_prev, A)))) == "h[t] - (h[t - 1] + a)"


def test_neg():
    assert numpy_code(ir.Neg(ir.matmul(H, W))) == "-(h[t] @ W_hh)"


def test_scale():
    assert numpy_code(ir.Scale(1 / T, H)) == "(1/T) * h[t]"


def test_transpose():
    assert numpy_code(ir.Transpose(W)) == "W_hh.T"


def test_hadamard_parenthesises_matmul():
    assert numpy_code(ir.hadamard(ir.matmul(H, W), H)) == "(h[t] @ W_hh) * h[t]"


def test_one_minus():
    assert numpy_code(ir.OneMinus(ir.hadamard(H, H))) == "1 - h[t] * h[t]"


@pytest.mark.parametrize("fn, code", [("tanh", "np.tanh(h[t])"), ("sigmoid", "_sigmoid(h[t])"), ("relu", "_relu(h[t])"), ("identity", "h[t]")])
def test_apply(fn, code):
    assert numpy_code(ir.Apply(fn, H)) == code


def test_deriv_apply():
    assert numpy_code(ir.DerivApply("relu", H)) == "_relu_grad(h[t])"


def test_softmax_row():
    assert numpy_code(ir.Softmax(H, "row")) == "_softmax(h[t])"


def test_softmax_column_is_refused():
    with pytest.raises(CodegenError):
        numpy_code(ir.Softmax(H, "column"))


def test_broadcast():
    assert numpy_code(ir.Broadcast(b, 4)) == "b_h"


def test_sum_rows():
    assert numpy_code(ir.SumRows(ir.Var("H", (4, 3), "node", t))) == "H[t].sum(axis=0, keepdims=True)"
    product = ir.SumRows(ir.hadamard(ir.Var("H", (4, 3), "node", t), ir.Var("R", (4, 3), "node", t)))
    assert numpy_code(product) == "(H[t] * R[t]).sum(axis=0, keepdims=True)"


def test_batch_sum():
    assert numpy_code(BatchSum(H)) == "h[t].sum(axis=0, keepdims=True)"


def test_diag_of_shared():
    assert numpy_code(ir.Diag(ir.Var("v", (3, 1), "param"))) == "np.diagflat(v)"


def test_diag_of_per_example_is_refused():
    with pytest.raises(CodegenError):
        numpy_code(ir.Diag(ir.Var("v", (3, 1), "node", t)))


def test_matpow():
    assert numpy_code(ir.MatPow(W, T - t)) == "np.linalg.matrix_power(W_hh, T - t)"


def test_loss():
    assert numpy_code(ir.Loss("softmax_ce", H, ir.Var("y", (1, 3), "target", t), "row")) == "_softmax_ce(h[t], y[t])"


def test_time_sum_stacks_steps_as_rows():
    body = ir.matmul(ir.transpose(H_prev), ir.Adjoint(H))
    assert numpy_code(ir.TimeSum(t, 1, T, body)) == "_steps(h, 0, T - 1).T @ _steps(d_h, 1, T)"


def test_time_product_is_refused():
    with pytest.raises(CodegenError):
        numpy_code(ir.TimeProduct(t, 1, T, W))


def test_slice_mode():
    assert NumPyCodePrinter(TimeMode("slice", t, sympy.Integer(1), T)).code(ir.matmul(H, W)) == "h[1:T + 1] @ W_hh"


def test_name():
    assert numpy_code(Name("dtype")) == "dtype"


def test_call_of_a_setup_helper():
    call = Call("_param", (Name("params"), "W_hx", (2, 2), Name("dtype")))
    assert numpy_code(call) == '_param(params, "W_hx", (2, 2), dtype)'


def test_call_arguments_steps_one_tuples_and_nested_calls():
    assert numpy_code(Call("np.zeros", ((T + 2, Name("B"), 3), Name("dtype")))) == "np.zeros((T + 2, B, 3), dtype)"
    assert numpy_code(Call("_sizes", (Name("steps"), (Call("_get", (Name("inputs"), "x")),), ()))) == (
        '_sizes(steps, (_get(inputs, "x"),), ())')


def test_call_key_is_an_escaped_literal():
    assert numpy_code(Call("_get", (Name("inputs"), 'x"); import os; ("'))) == '_get(inputs, "x\\"); import os; (\\"")'


def test_call_refuses_arguments_without_a_form():
    with pytest.raises(CodegenError, match="no argument form"):
        numpy_code(Call("_get", (None,)))


def test_every_ir_op_has_a_print_method():
    ops = [c for _, c in inspect.getmembers(ir, inspect.isclass) if issubclass(c, ir.Expr) and c is not ir.Expr]
    missing = [op.__name__ for op in ops if not hasattr(NumPyCodePrinter, f"_print_{op.__name__}")]
    assert not missing, f"add _print_<Class> to symrnn/printing/numpy_code.py for {missing}"
