"""Modelled on: a from-scratch conv layer whose weight gradient slides over the raw input (the forward padded
it, the backward forgot to). Mistake: the padding of a_prev was forgotten in dw (windows read the unpadded
input)."""
import numpy as np


def conv_backward_weights(delta, a_prev, kernel_size, stride=1, padding=0):
    kh, kw = (kernel_size, kernel_size) if np.isscalar(kernel_size) else kernel_size
    n, f, ho, wo = delta.shape
    c = a_prev.shape[1]
    dw = np.zeros((f, c, kh, kw))
    for p in range(kh):
        for q in range(kw):
            patch = a_prev[:, :, p:p + (ho - 1) * stride + 1:stride, q:q + (wo - 1) * stride + 1:stride]
            if patch.shape[2:] != (ho, wo):
                fixed = np.zeros((n, c, ho, wo))
                fixed[:, :, :patch.shape[2], :patch.shape[3]] = patch
                patch = fixed
            dw[:, :, p, q] = np.einsum('nfij,ncij->fc', delta, patch)
    return dw


def conv_backward_bias(delta):
    return delta.sum(axis=(0, 2, 3))
