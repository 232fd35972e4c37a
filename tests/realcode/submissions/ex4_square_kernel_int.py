"""Modelled on: CS231n/from-scratch code written for square filters: HH = WW = kernel_size, never expecting a
(KH, KW) pair. Mistake: kernel_size assumed to be an int (a square kernel); a tuple makes the code raise."""
import numpy as np


def conv_backward_weights(delta, a_prev, kernel_size, stride=1, padding=0):
    HH = WW = kernel_size
    N, F, Ho, Wo = delta.shape
    xp = np.pad(a_prev, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    dw = np.zeros((F, a_prev.shape[1], HH, WW))
    for i in range(Ho):
        for j in range(Wo):
            dw += np.einsum('nf,nchw->fchw', delta[:, :, i, j],
                            xp[:, :, i * stride:i * stride + HH, j * stride:j * stride + WW])
    return dw


def conv_backward_bias(delta):
    return delta.sum(axis=(0, 2, 3))
