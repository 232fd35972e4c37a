"""Modelled on: from-scratch CNNs that rotate filters with np.rot90(k, 2) (right for one 2-D filter) and then
apply it to the whole (F, C, KH, KW) bank. Mistake: np.rot90 without axes rotates the first two axes."""
import numpy as np


def rot180(kernel):
    return np.rot90(kernel, 2)


def full_convolve(delta, kernel):
    kh, kw = kernel.shape
    padded = np.zeros((delta.shape[0] + 2 * kh - 2, delta.shape[1] + 2 * kw - 2))
    padded[kh - 1:kh - 1 + delta.shape[0], kw - 1:kw - 1 + delta.shape[1]] = delta
    k = rot180(kernel)
    out = np.zeros((delta.shape[0] + kh - 1, delta.shape[1] + kw - 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = (padded[i:i + kh, j:j + kw] * k).sum()
    return out


def conv_backward_input(delta, w, stride=1, padding=0, input_size=None):
    n, f, ho, wo = delta.shape
    _, c, kh, kw = w.shape
    hd, wd = (ho - 1) * stride + 1, (wo - 1) * stride + 1
    dil = np.zeros((n, f, hd, wd))
    dil[:, :, ::stride, ::stride] = delta
    padded = np.pad(dil, ((0, 0), (0, 0), (kh - 1, kh - 1), (kw - 1, kw - 1)))
    wr = rot180(w)
    out = np.zeros((n, c, hd + kh - 1, wd + kw - 1))
    for i in range(out.shape[2]):
        for j in range(out.shape[3]):
            out[:, :, i, j] = np.einsum('nfpq,fcpq->nc', padded[:, :, i:i + kh, j:j + kw], wr)
    if input_size is None:
        input_size = (hd + kh - 1 - 2 * padding, wd + kw - 1 - 2 * padding)
    full = np.zeros((n, c, input_size[0] + 2 * padding, input_size[1] + 2 * padding))
    full[:, :, :out.shape[2], :out.shape[3]] = out[:, :, :full.shape[2], :full.shape[3]]
    return full[:, :, padding:padding + input_size[0], padding:padding + input_size[1]]
