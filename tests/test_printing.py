"""One pinned line per op of each printer, and the naming module."""

from __future__ import annotations

import pytest
import sympy

from symrnn.core import ir
from symrnn.printing.latex import LatexPrinter, latex
from symrnn.printing.plain import PlainPrinter, plain

t = ir.t_SYM
W = ir.Var("W_hh", (2, 2), "param")
V = ir.Var("W_qh", (3, 2), "param")
h = ir.Var("h", (2, 1), time=t - 1)
a = ir.Var("a", (2, 1), time=t)
X = ir.Var("X", (4, 2), "input", time=t)
b = ir.Var("b_h", (1, 2), "param")
G = ir.Adjoint(ir.Var("h", (2, 1), time=t + 1))
s = ir.Var("w5", (1, 1), "param")

CASES = [
    (W, r"\mathbf{W}_{hh}", "W_hh"),
    (G, r"\frac{\partial L}{\partial \mathbf{h}_{t+1}}", "dL_dh[t+1]"),
    (ir.ones((2, 1)), r"\mathbf{1}", "ones(2, 1)"),
    (ir.eye(2), r"\mathbf{I}", "I"),
    (ir.matmul(W, h), r"\mathbf{W}_{hh} \mathbf{h}_{t-1}", "W_hh @ h[t-1]"),
    (ir.add(h, a), r"\mathbf{h}_{t-1} + \mathbf{a}_{t}", "h[t-1] + a[t]"),
    (ir.sub(h, a), r"\mathbf{h}_{t-1} - \mathbf{a}_{t}", "h[t-1] - a[t]"),
    (ir.neg(ir.add(h, a)), r"-\left(\mathbf{h}_{t-1} + \mathbf{a}_{t}\right)", "-(h[t-1] + a[t])"),
    (ir.scale(1 / ir.T_SYM, ir.add(h, a)), r"\frac{1}{T} \left(\mathbf{h}_{t-1} + \mathbf{a}_{t}\right)", "(1/T) * (h[t-1] + a[t])"),
    (ir.matmul(ir.transpose(W), G), r"\mathbf{W}_{hh}^{\top} \frac{\partial L}{\partial \mathbf{h}_{t+1}}", "W_hh.T @ dL_dh[t+1]"),
    (ir.hadamard(G, ir.one_minus(ir.hadamard(a, a))), r"\frac{\partial L}{\partial \mathbf{h}_{t+1}} \odot \left(1 - \mathbf{a}_{t} \odot \mathbf{a}_{t}\right)", "dL_dh[t+1] * (1 - a[t] * a[t])"),
    (ir.matmul(ir.transpose(W), ir.hadamard(G, a)), r"\mathbf{W}_{hh}^{\top} \left(\frac{\partial L}{\partial \mathbf{h}_{t+1}} \odot \mathbf{a}_{t}\right)", "W_hh.T @ (dL_dh[t+1] * a[t])"),
    (ir.Apply("tanh", a), r"\tanh\left(\mathbf{a}_{t}\right)", "tanh(a[t])"),
    (ir.Apply("sigmoid", a), r"\sigma\left(\mathbf{a}_{t}\right)", "sigmoid(a[t])"),
    (ir.DerivApply("relu", a), r"\operatorname{relu}'\left(\mathbf{a}_{t}\right)", "relu'(a[t])"),
    (ir.Softmax(a), r"\operatorname{softmax}\left(\mathbf{a}_{t}\right)", "softmax(a[t])"),
    (ir.broadcast(b, 4), r"\mathbf{b}_{h}", "b_h"),
    (ir.sum_rows(X), r"\mathbf{1}^{\top} \mathbf{X}_{t}", "sum_rows(X[t])"),
    (ir.Diag(a), r"\operatorname{diag}\left(\mathbf{a}_{t}\right)", "diag(a[t])"),
    (ir.matpow(ir.transpose(W), ir.INDEX_SYMBOLS["k"] - t), r"\left(\mathbf{W}_{hh}^{\top}\right)^{k-t}", "(W_hh.T)^(k-t)"),
    (ir.Loss("half_sq", a, h), r"\frac{1}{2} \left\lVert \mathbf{a}_{t} - \mathbf{h}_{t-1} \right\rVert^{2}", "1/2 * ||a[t] - h[t-1]||^2"),
    (ir.TimeSum(t, sympy.Integer(1), ir.T_SYM, ir.matmul(G, ir.transpose(h))), r"\sum_{t=1}^{T} \frac{\partial L}{\partial \mathbf{h}_{t+1}} \mathbf{h}_{t-1}^{\top}", "sum_{t=1}^{T} dL_dh[t+1] @ h[t-1].T"),
    (ir.TimeProduct(ir.INDEX_SYMBOLS["j"], t + 1, ir.INDEX_SYMBOLS["k"], W), r"\prod_{j=t+1}^{k} \mathbf{W}_{hh}", "prod_{j=t+1}^{k} W_hh"),
    (ir.Derivative(ir.Var("h", (1, 1), time=ir.T_SYM), ir.Var("h", (1, 1), time=sympy.Integer(1))), r"\frac{\partial h_{T}}{\partial h_{1}}", "dh[T]/dh[1]"),
    (ir.matmul(s, ir.Var("out_h1", (1, 1))), r"w_{5} \mathrm{out}_{h1}", "w5 * out_h1"),
    (ir.Var("C_tilde", (2, 2), time=t), r"\tilde{\mathbf{C}}_{t}", "C_tilde[t]"),
    (ir.Var("A_i", (2, 2), time=t), r"\mathbf{A}_{i,t}", "A_i[t]"),
    (ir.Var("h", (2, 1), time=t, layer=2), r"\mathbf{h}_{t}^{(2)}", "h_l2[t]"),
    (ir.Var("Yhat", (2, 2), time=t), r"\hat{\mathbf{Y}}_{t}", "Yhat[t]"),
]


@pytest.mark.parametrize("expr, tex, text", CASES, ids=[type(c[0]).__name__ + str(i) for i, c in enumerate(CASES)])
def test_printers(expr, tex, text):
    assert latex(expr) == tex
    assert plain(expr) == text


@pytest.mark.parametrize("printer", [LatexPrinter, PlainPrinter])
def test_every_op_has_a_print_method(printer):
    ops = [cls for cls in vars(ir).values() if isinstance(cls, type) and issubclass(cls, ir.Expr) and cls is not ir.Expr]
    missing = [cls.__name__ for cls in ops if not hasattr(printer, f"_print_{cls.__name__}")]
    assert not missing


def test_scalar_elementwise_products_print_as_plain_products():
    out = ir.Var("out_o1", (1, 1))
    g = ir.Adjoint(out)
    assert latex(ir.hadamard(g, ir.hadamard(out, ir.one_minus(out)))) == (
        r"\frac{\partial L}{\partial \mathrm{out}_{o1}} \mathrm{out}_{o1} \left(1 - \mathrm{out}_{o1}\right)"
    )
