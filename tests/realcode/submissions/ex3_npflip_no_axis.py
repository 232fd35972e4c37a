"""Modelled on: code that rotates filters with np.flip(w) (no axis), right for one 2-D filter, reversing every
axis of an (F, C, KH, KW) bank. Mistake: np.flip without axis=(-2, -1) also reverses the F and C axes."""
import numpy as np


def rot180(kernel):
    return np.flip(np.asarray(kernel, dtype=np.float64))


def full_convolve(delta, kernel):
    kh, kw = kernel.shape
    h, w = delta.shape
    out = np.zeros((h + kh - 1, w + kw - 1))
    for i in range(h):
        for j in range(w):
            out[i:i + kh, j:j + kw] += delta[i, j] * kernel
    return out


def conv_backward_input(delta, w, stride=1, padding=0, input_size=None):
    n, f, ho, wo = delta.shape
    _, c, kh, kw = w.shape
    if input_size is None:
        input_size = ((ho - 1) * stride + kh - 2 * padding, (wo - 1) * stride + kw - 2 * padding)
    buf = np.zeros((n, c, input_size[0] + 2 * padding + kh, input_size[1] + 2 * padding + kw))
    for i in range(ho):
        for j in range(wo):
            buf[:, :, i * stride:i * stride + kh, j * stride:j * stride + kw] += np.einsum(
                'nf,fcpq->ncpq', delta[:, :, i, j], w)
    return buf[:, :, padding:padding + input_size[0], padding:padding + input_size[1]]
