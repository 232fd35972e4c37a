"""Modelled on: a vectorised NumPy CNN that unpacks the output shape as (N, F, W_out, H_out) (the names swapped
when copying from an NHWC version) and allocates the input gradient from them. Mistake: H and W are swapped
in the size of the result (right only for square maps)."""
import numpy as np


def rot180(kernel):
    return np.ascontiguousarray(np.asarray(kernel, float)[..., ::-1, ::-1])


def full_convolve(delta, kernel):
    kh, kw = kernel.shape
    h, w = delta.shape
    out = np.zeros((h + kh - 1, w + kw - 1))
    for i in range(h):
        for j in range(w):
            out[i:i + kh, j:j + kw] += delta[i, j] * kernel
    return out


def conv_backward_input(delta, w, stride=1, padding=0, input_size=None):
    N, F, W_out, H_out = delta.shape
    _, C, KH, KW = w.shape
    if input_size is None:
        H = (H_out - 1) * stride + KH - 2 * padding
        W = (W_out - 1) * stride + KW - 2 * padding
    else:
        H, W = input_size
    dx = np.zeros((N, C, H + 2 * padding + KH + stride, W + 2 * padding + KW + stride))
    for i in range(delta.shape[2]):
        for j in range(delta.shape[3]):
            dx[:, :, i * stride:i * stride + KH, j * stride:j * stride + KW] += np.einsum(
                'nf,fcij->ncij', delta[:, :, i, j], w)
    return dx[:, :, padding:padding + H, padding:padding + W]
