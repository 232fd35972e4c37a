"""Modelled on: CS231n-style loops where the number of output rows is recomputed from the input size (as in
conv_forward_naive, H_out = 1 + (H + 2*pad - HH) / stride), written with round() instead of floor division.
Mistake: the output size is computed with round(), so it is one too many when the remainder is over half the
stride, and the loop reads past delta."""
import numpy as np


def rot180(kernel):
    return np.asarray(kernel)[..., ::-1, ::-1] * 1.0


def full_convolve(delta, kernel):
    kh, kw = kernel.shape
    h, w = delta.shape
    out = np.zeros((h + kh - 1, w + kw - 1))
    for i in range(h):
        for j in range(w):
            out[i:i + kh, j:j + kw] += delta[i, j] * kernel
    return out


def conv_backward_input(delta, w, stride=1, padding=0, input_size=None):
    N, F, Ho, Wo = delta.shape
    _, C, HH, WW = w.shape
    if input_size is None:
        H, W = (Ho - 1) * stride + HH - 2 * padding, (Wo - 1) * stride + WW - 2 * padding
    else:
        H, W = input_size
    H_out = int(round((H + 2 * padding - HH) / stride)) + 1
    W_out = int(round((W + 2 * padding - WW) / stride)) + 1
    dx = np.zeros((N, C, H + 2 * padding, W + 2 * padding))
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    dx[n, :, i * stride:i * stride + HH, j * stride:j * stride + WW] += w[f] * delta[n, f, i, j]
    return dx[:, :, padding:padding + H, padding:padding + W]
