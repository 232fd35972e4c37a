"""Modelled on: NumPy code that rotates with kernel[::-1] (one slice, thinking it reverses "the kernel"), which
flips only the first axis. Mistake: rot180 flips only the first axis: the rows of a 2-D kernel, the F axis of
a bank; the input gradient then uses a row-flipped kernel."""
import numpy as np


def rot180(kernel):
    return np.asarray(kernel, dtype=float)[::-1].copy()


def full_convolve(delta, kernel):
    kh, kw = kernel.shape
    padded = np.pad(delta, ((kh - 1,) * 2, (kw - 1,) * 2))
    k = rot180(kernel)
    h, w = delta.shape[0] + kh - 1, delta.shape[1] + kw - 1
    return np.array([[np.sum(padded[i:i + kh, j:j + kw] * k) for j in range(w)] for i in range(h)])


def conv_backward_input(delta, w, stride=1, padding=0, input_size=None):
    n, f, ho, wo = delta.shape
    _, c, kh, kw = w.shape
    dil = np.zeros((n, f, (ho - 1) * stride + 1, (wo - 1) * stride + 1))
    dil[:, :, ::stride, ::stride] = delta
    if input_size is None:
        input_size = (dil.shape[2] + kh - 1 - 2 * padding, dil.shape[3] + kw - 1 - 2 * padding)
    hp, wp = input_size[0] + 2 * padding, input_size[1] + 2 * padding
    out = np.zeros((n, c, hp + kh, wp + kw))
    for b in range(n):
        for ch in range(c):
            for m in range(f):
                g = full_convolve(dil[b, m], w[m, ch])
                out[b, ch, :g.shape[0], :g.shape[1]] += g
    return out[:, :, padding:padding + input_size[0], padding:padding + input_size[1]]
