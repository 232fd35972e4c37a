"""Modelled on: CS231n-style conv_backward_naive loops for dw and db (dw[f] += window * dout[n, f, i, j],
db[f] += dout[n, f, i, j]). Mistake: none (correct)."""
import numpy as np


def conv_backward_weights(delta, a_prev, kernel_size, stride=1, padding=0):
    if isinstance(kernel_size, int):
        HH = WW = kernel_size
    else:
        HH, WW = kernel_size
    N, F, H_out, W_out = delta.shape
    C = a_prev.shape[1]
    x_pad = np.pad(a_prev, ((0, 0), (0, 0), (padding, padding), (padding, padding)), 'constant')
    dw = np.zeros((F, C, HH, WW))
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    window = x_pad[n, :, i * stride:i * stride + HH, j * stride:j * stride + WW]
                    dw[f] += window * delta[n, f, i, j]
    return dw


def conv_backward_bias(delta):
    N, F, H_out, W_out = delta.shape
    db = np.zeros(F)
    for n in range(N):
        for f in range(F):
            db[f] += delta[n, f].sum()
    return db
