"""Careful hand-written NumPy BPTT for the benchmark: RNN (tanh), LSTM (D2L gates), GRU (torch).

Row layout, time-major inputs ``X`` (T, B, D), targets ``Y`` (T, B, Q), loss
``1/T sum_t 1/2 ||Yhat_t - Y_t||^2`` summed over the batch. The classic textbook loop (D2L,
min-char-rnn): states kept over time, output-layer products done once over all steps, cell
gradients accumulated inside the reversed loop. Parameter names are symrnn's row-notation names,
so results can be compared with the generated module one to one (``--check``).
"""

from __future__ import annotations

import numpy as np


def _sigmoid(x):
    return 0.5 * (np.tanh(0.5 * x) + 1.0)


def _output(p, Hs, Y):
    T = Y.shape[0]
    Yhat = Hs @ p["W_hq"] + p["b_q"]
    diff = Yhat - Y
    L = 0.5 * np.sum(diff * diff) / T
    dY = diff / T
    g = {"W_hq": Hs.reshape(-1, Hs.shape[-1]).T @ dY.reshape(-1, dY.shape[-1]), "b_q": dY.sum(axis=(0, 1))[None, :]}
    return L, g, dY @ p["W_hq"].T


def rnn(p, X, Y):
    T, B, _ = X.shape
    H = p["W_hh"].shape[0]
    Hs = np.zeros((T + 1, B, H))
    for t in range(T):
        Hs[t + 1] = np.tanh(X[t] @ p["W_xh"] + Hs[t] @ p["W_hh"] + p["b_h"])
    L, g, dH_out = _output(p, Hs[1:], Y)
    dW_xh, dW_hh, db_h = np.zeros_like(p["W_xh"]), np.zeros_like(p["W_hh"]), np.zeros_like(p["b_h"])
    dh_next = np.zeros((B, H))
    for t in reversed(range(T)):
        da = (dH_out[t] + dh_next) * (1 - Hs[t + 1] * Hs[t + 1])
        dW_xh += X[t].T @ da
        dW_hh += Hs[t].T @ da
        db_h += da.sum(axis=0)
        dh_next = da @ p["W_hh"].T
    g.update(W_xh=dW_xh, W_hh=dW_hh, b_h=db_h)
    return L, g


def lstm(p, X, Y):
    T, B, _ = X.shape
    H = p["W_hi"].shape[0]
    gates = ("i", "f", "o", "c")
    Hs, Cs = np.zeros((T + 1, B, H)), np.zeros((T + 1, B, H))
    I, F, O, Ct, tanhC = (np.zeros((T, B, H)) for _ in range(5))
    for t in range(T):
        h = Hs[t]
        I[t] = _sigmoid(X[t] @ p["W_xi"] + h @ p["W_hi"] + p["b_i"])
        F[t] = _sigmoid(X[t] @ p["W_xf"] + h @ p["W_hf"] + p["b_f"])
        O[t] = _sigmoid(X[t] @ p["W_xo"] + h @ p["W_ho"] + p["b_o"])
        Ct[t] = np.tanh(X[t] @ p["W_xc"] + h @ p["W_hc"] + p["b_c"])
        Cs[t + 1] = F[t] * Cs[t] + I[t] * Ct[t]
        tanhC[t] = np.tanh(Cs[t + 1])
        Hs[t + 1] = O[t] * tanhC[t]
    L, g, dH_out = _output(p, Hs[1:], Y)
    for gate in gates:
        g[f"W_x{gate}"], g[f"W_h{gate}"], g[f"b_{gate}"] = (np.zeros_like(p[f"W_x{gate}"]), np.zeros_like(p[f"W_h{gate}"]),
                                                            np.zeros_like(p[f"b_{gate}"]))
    dh_next, dc_next = np.zeros((B, H)), np.zeros((B, H))
    for t in reversed(range(T)):
        dh = dH_out[t] + dh_next
        dc = dc_next + dh * O[t] * (1 - tanhC[t] * tanhC[t])
        da = {
            "o": dh * tanhC[t] * O[t] * (1 - O[t]),
            "i": dc * Ct[t] * I[t] * (1 - I[t]),
            "f": dc * Cs[t] * F[t] * (1 - F[t]),
            "c": dc * I[t] * (1 - Ct[t] * Ct[t]),
        }
        dh_next = np.zeros((B, H))
        for gate in gates:
            g[f"W_x{gate}"] += X[t].T @ da[gate]
            g[f"W_h{gate}"] += Hs[t].T @ da[gate]
            g[f"b_{gate}"] += da[gate].sum(axis=0)
            dh_next += da[gate] @ p[f"W_h{gate}"].T
        dc_next = dc * F[t]
    return L, g


def gru(p, X, Y):
    """torch's GRU (reset after the matmul, b_hn inside the reset product)."""
    T, B, _ = X.shape
    H = p["W_hr"].shape[0]
    Hs = np.zeros((T + 1, B, H))
    R, Z, N, Hn = (np.zeros((T, B, H)) for _ in range(4))
    for t in range(T):
        h = Hs[t]
        R[t] = _sigmoid(X[t] @ p["W_ir"] + p["b_ir"] + h @ p["W_hr"] + p["b_hr"])
        Z[t] = _sigmoid(X[t] @ p["W_iz"] + p["b_iz"] + h @ p["W_hz"] + p["b_hz"])
        Hn[t] = h @ p["W_hn"] + p["b_hn"]
        N[t] = np.tanh(X[t] @ p["W_in"] + p["b_in"] + R[t] * Hn[t])
        Hs[t + 1] = (1 - Z[t]) * N[t] + Z[t] * h
    L, g, dH_out = _output(p, Hs[1:], Y)
    for key in ("W_ir", "W_hr", "W_iz", "W_hz", "W_in", "W_hn", "b_ir", "b_hr", "b_iz", "b_hz", "b_in", "b_hn"):
        g[key] = np.zeros_like(p[key])
    dh_next = np.zeros((B, H))
    for t in reversed(range(T)):
        h = Hs[t]
        dh = dH_out[t] + dh_next
        dn = dh * (1 - Z[t]) * (1 - N[t] * N[t])
        dz = dh * (h - N[t]) * Z[t] * (1 - Z[t])
        dr = dn * Hn[t] * R[t] * (1 - R[t])
        dhn = dn * R[t]
        for gate, d_in, d_h in (("r", dr, dr), ("z", dz, dz), ("n", dn, dhn)):
            g[f"W_i{gate}"] += X[t].T @ d_in
            g[f"b_i{gate}"] += d_in.sum(axis=0)
            g[f"W_h{gate}"] += h.T @ d_h
            g[f"b_h{gate}"] += d_h.sum(axis=0)
        dh_next = dh * Z[t] + dr @ p["W_hr"].T + dz @ p["W_hz"].T + dhn @ p["W_hn"].T
    return L, g


HANDWRITTEN = {"rnn": rnn, "lstm": lstm, "gru": gru}
