"""Modelled on: a from-scratch conv layer whose backward treats its input as if it were already padded: the
padded-size gradient is cut to the input size with [:H, :W] instead of removing the padding on both sides.
Mistake: the padding is cropped only at the bottom/right (the result is shifted)."""
import numpy as np


def rot180(kernel):
    k = np.array(kernel, dtype=np.float64)
    return k[..., ::-1, :][..., :, ::-1]


def full_convolve(delta, kernel):
    kh, kw = kernel.shape
    h, w = delta.shape
    out = np.zeros((h + kh - 1, w + kw - 1))
    for p in range(kh):
        for q in range(kw):
            out[p:p + h, q:q + w] += kernel[p, q] * delta
    return out


def conv_backward_input(delta, w, stride=1, padding=0, input_size=None):
    N, F, Ho, Wo = delta.shape
    _, C, KH, KW = w.shape
    if input_size is None:
        H, W = (Ho - 1) * stride + KH - 2 * padding, (Wo - 1) * stride + KW - 2 * padding
    else:
        H, W = input_size
    dX = np.zeros((N, C, H + 2 * padding, W + 2 * padding))
    for i in range(Ho):
        for j in range(Wo):
            dX[:, :, i * stride:i * stride + KH, j * stride:j * stride + KW] += np.tensordot(
                delta[:, :, i, j], w, axes=([1], [0]))
    return dX[:, :, :H, :W]
