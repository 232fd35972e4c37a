"""Modelled on: from-scratch NumPy CNN layers written for 3x3 'same' convolutions, the padding crop hard-coded
as [1:-1] (the layer was only ever used with pad 1). Mistake: the padding crop is hard-coded to 1."""
import numpy as np


def rot180(kernel):
    return np.rot90(kernel, 2, axes=(-2, -1))


def full_convolve(delta, kernel):
    kh, kw = kernel.shape
    out = np.zeros((delta.shape[0] + kh - 1, delta.shape[1] + kw - 1))
    for (i, j), d in np.ndenumerate(delta):
        out[i:i + kh, j:j + kw] += d * kernel
    return out


def conv_backward_input(delta, w, stride=1, padding=0, input_size=None):
    n, f, ho, wo = delta.shape
    _, c, kh, kw = w.shape
    if input_size is None:
        input_size = ((ho - 1) * stride + kh - 2 * padding, (wo - 1) * stride + kw - 2 * padding)
    grad = np.zeros((n, c, input_size[0] + 2 * padding, input_size[1] + 2 * padding))
    for i in range(ho):
        for j in range(wo):
            for m in range(f):
                grad[:, :, i * stride:i * stride + kh, j * stride:j * stride + kw] += (
                    delta[:, m, i, j][:, None, None, None] * w[m][None])
    return grad[:, :, 1:-1, 1:-1]
