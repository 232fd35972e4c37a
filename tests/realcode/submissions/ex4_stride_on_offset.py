"""Modelled on: loops over output position and kernel offset where the input row was written
(i + p) * stride instead of i * stride + p. Mistake: the stride is applied to the kernel offset."""
import numpy as np


def conv_backward_weights(delta, a_prev, kernel_size, stride=1, padding=0):
    kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    n, f, ho, wo = delta.shape
    xp = np.pad(a_prev, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    big = np.zeros(xp.shape[:2] + ((ho + kh) * stride, (wo + kw) * stride))
    big[:, :, :xp.shape[2], :xp.shape[3]] = xp
    dw = np.zeros((f, a_prev.shape[1], kh, kw))
    for i in range(ho):
        for j in range(wo):
            for p in range(kh):
                for q in range(kw):
                    dw[:, :, p, q] += delta[:, :, i, j].T @ big[:, :, (i + p) * stride, (j + q) * stride]
    return dw


def conv_backward_bias(delta):
    return delta.sum(axis=(0, 2, 3))
