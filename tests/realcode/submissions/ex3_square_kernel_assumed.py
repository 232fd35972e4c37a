"""Modelled on: from-scratch NumPy CNNs written for square 3x3/5x5 filters (k = w.shape[2] used for both
sides). Mistake: the code assumes a square kernel (KW taken as KH)."""
import numpy as np


def rot180(kernel):
    return np.flip(kernel, axis=(-2, -1))


def full_convolve(delta, kernel):
    k = kernel.shape[0]
    padded = np.pad(delta, k - 1)
    kr = rot180(kernel)
    out = np.zeros((padded.shape[0] - k + 1, padded.shape[1] - k + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(padded[i:i + k, j:j + k] * kr)
    return out


def conv_backward_input(delta, w, stride=1, padding=0, input_size=None):
    n, f, ho, wo = delta.shape
    c, k = w.shape[1], w.shape[2]
    if input_size is None:
        input_size = ((ho - 1) * stride + k - 2 * padding, (wo - 1) * stride + k - 2 * padding)
    h, wd = input_size
    dx = np.zeros((n, c, h + 2 * padding, wd + 2 * padding))
    for i in range(ho):
        for j in range(wo):
            dx[:, :, i * stride:i * stride + k, j * stride:j * stride + k] += np.einsum(
                'nf,fcij->ncij', delta[:, :, i, j], w)
    return dx[:, :, padding:padding + h, padding:padding + wd]
