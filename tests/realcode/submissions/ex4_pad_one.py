"""Modelled on: from-scratch CNN code that pads the input with np.pad(x, ((0,0),(0,0),(1,1),(1,1))) in the
backward pass (its layers were all 3x3 'same'). Mistake: the padding is hard-coded to 1."""
import numpy as np


def conv_backward_weights(delta, a_prev, kernel_size, stride=1, padding=0):
    kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else tuple(kernel_size)
    N, F, Ho, Wo = delta.shape
    xp = np.pad(a_prev, ((0, 0), (0, 0), (1, 1), (1, 1)))
    dw = np.zeros((F, a_prev.shape[1], kh, kw))
    for i in range(Ho):
        for j in range(Wo):
            win = xp[:, :, i * stride:i * stride + kh, j * stride:j * stride + kw]
            dw += np.einsum('nf,nchw->fchw', delta[:, :, i, j], win)
    return dw


def conv_backward_bias(delta):
    return np.sum(delta, axis=(0, 2, 3))
