"""Modelled on: element-by-element loops over output position and kernel offset (deeplearning.ai-like index
arithmetic vert_start = h * stride), where the stride was also applied to the kernel offset:
row = i*stride + p*stride. Mistake: the stride is applied to the kernel offset."""
import numpy as np


def rot180(kernel):
    kernel = np.asarray(kernel, dtype=float)
    out = np.empty_like(kernel)
    kh, kw = kernel.shape[-2:]
    for p in range(kh):
        for q in range(kw):
            out[..., p, q] = kernel[..., kh - 1 - p, kw - 1 - q]
    return out


def full_convolve(delta, kernel):
    kh, kw = kernel.shape
    h, w = delta.shape
    out = np.zeros((h + kh - 1, w + kw - 1))
    for i in range(h):
        for j in range(w):
            for p in range(kh):
                for q in range(kw):
                    out[i + p, j + q] += delta[i, j] * kernel[p, q]
    return out


def conv_backward_input(delta, w, stride=1, padding=0, input_size=None):
    n, f, ho, wo = delta.shape
    _, c, kh, kw = w.shape
    if input_size is None:
        input_size = ((ho - 1) * stride + kh - 2 * padding, (wo - 1) * stride + kw - 2 * padding)
    hp, wp = input_size[0] + 2 * padding, input_size[1] + 2 * padding
    big = np.zeros((n, c, (ho - 1) * stride + (kh - 1) * stride + 1 + hp, (wo - 1) * stride + (kw - 1) * stride + 1 + wp))
    for i in range(ho):
        for j in range(wo):
            for p in range(kh):
                for q in range(kw):
                    row, col = i * stride + p * stride, j * stride + q * stride
                    big[:, :, row, col] += delta[:, :, i, j] @ w[:, :, p, q]
    return big[:, :, padding:padding + input_size[0], padding:padding + input_size[1]]
