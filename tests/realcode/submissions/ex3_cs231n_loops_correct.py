"""Modelled on: CS231n-style conv_backward_naive with four nested loops, scattering w[f] * dout into a padded
dx buffer, with the padding crop written with an explicit end (pad:pad+H). Mistake: none (correct)."""
import numpy as np


def rot180(kernel):
    kernel = np.asarray(kernel, dtype=float)
    return kernel[..., ::-1, ::-1].copy()


def full_convolve(delta, kernel):
    h, w = delta.shape
    kh, kw = kernel.shape
    out = np.zeros((h + kh - 1, w + kw - 1))
    for i in range(h):
        for j in range(w):
            out[i:i + kh, j:j + kw] += delta[i, j] * kernel
    return out


def conv_backward_input(delta, w, stride=1, padding=0, input_size=None):
    N, F, H_out, W_out = delta.shape
    _, C, HH, WW = w.shape
    if input_size is None:
        H = (H_out - 1) * stride + HH - 2 * padding
        W = (W_out - 1) * stride + WW - 2 * padding
    else:
        H, W = input_size
    dx_pad = np.zeros((N, C, H + 2 * padding, W + 2 * padding))
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    hs, ws = i * stride, j * stride
                    dx_pad[n, :, hs:hs + HH, ws:ws + WW] += w[f] * delta[n, f, i, j]
    dx = dx_pad[:, :, padding:padding + H, padding:padding + W]
    return dx
