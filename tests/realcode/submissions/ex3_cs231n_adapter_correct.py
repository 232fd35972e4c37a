"""Modelled on: a CS231n assignment's conv_backward_naive(dout, cache) kept as written, with the cache tuple
(x, w, b, conv_param), behind a thin adapter that only packs the arguments. Mistake: none (correct)."""
import numpy as np


def conv_backward_naive(dout, cache):
    x, w, b, conv_param = cache
    stride, pad = conv_param['stride'], conv_param['pad']
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    _, _, H_out, W_out = dout.shape
    dx_pad = np.zeros((N, C, H + 2 * pad, W + 2 * pad))
    dw, db = np.zeros_like(w), np.zeros_like(b)
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), 'constant')
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    window = x_pad[n, :, i * stride:i * stride + HH, j * stride:j * stride + WW]
                    db[f] += dout[n, f, i, j]
                    dw[f] += window * dout[n, f, i, j]
                    dx_pad[n, :, i * stride:i * stride + HH, j * stride:j * stride + WW] += w[f] * dout[n, f, i, j]
    dx = dx_pad[:, :, pad:pad + H, pad:pad + W]
    return dx, dw, db


def rot180(kernel):
    return np.asarray(kernel, dtype=float)[..., ::-1, ::-1].copy()


def full_convolve(delta, kernel):
    kh, kw = kernel.shape
    h, w = delta.shape
    x = np.zeros((1, 1, h + kh - 1, w + kw - 1))
    return conv_backward_naive(delta[None, None], (x, kernel[None, None], np.zeros(1),
                                                   {'stride': 1, 'pad': 0}))[0][0, 0]


def conv_backward_input(delta, w, stride=1, padding=0, input_size=None):
    n, _, ho, wo = delta.shape
    size = input_size or ((ho - 1) * stride + w.shape[2] - 2 * padding, (wo - 1) * stride + w.shape[3] - 2 * padding)
    x = np.zeros((n, w.shape[1]) + tuple(size))
    return conv_backward_naive(delta, (x, w, np.zeros(w.shape[0]), {'stride': stride, 'pad': padding}))[0]
