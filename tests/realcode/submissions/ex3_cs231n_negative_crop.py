"""Modelled on: CS231n-style conv_backward_naive with loops and an einsum over the kernels, the padding crop
written dx_pad[:, :, pad:-pad, pad:-pad] (the most common CS231n bug). Mistake: the crop is empty when
padding is 0."""
import numpy as np


def rot180(kernel):
    return np.flip(np.flip(kernel, -1), -2)


def full_convolve(delta, kernel):
    kh, kw = kernel.shape
    padded = np.pad(delta, ((kh - 1, kh - 1), (kw - 1, kw - 1)))
    k = rot180(kernel)
    out = np.zeros((padded.shape[0] - kh + 1, padded.shape[1] - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(padded[i:i + kh, j:j + kw] * k)
    return out


def conv_backward_input(delta, w, stride=1, padding=0, input_size=None):
    pad = padding
    N, F, HO, WO = delta.shape
    F, C, HH, WW = w.shape
    if input_size is not None:
        H, W = input_size
    else:
        H, W = (HO - 1) * stride + HH - 2 * pad, (WO - 1) * stride + WW - 2 * pad
    dx_pad = np.zeros((N, C, H + 2 * pad, W + 2 * pad))
    for i in range(HO):
        for j in range(WO):
            hs, ws = i * stride, j * stride
            dx_pad[:, :, hs:hs + HH, ws:ws + WW] += np.einsum('nf,fchw->nchw', delta[:, :, i, j], w)
    dx = dx_pad[:, :, pad:-pad, pad:-pad]
    return dx
