"""Modelled on: a vectorised from-scratch CNN using sliding_window_view over the padded input with a strided
slice and one einsum for dw; db with np.sum over (0, 2, 3). Mistake: none (correct)."""
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def conv_backward_weights(delta, a_prev, kernel_size, stride=1, padding=0):
    kh, kw = (kernel_size, kernel_size) if np.ndim(kernel_size) == 0 else tuple(kernel_size)
    ho, wo = delta.shape[2:]
    xp = np.pad(a_prev, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    win = sliding_window_view(xp, (kh, kw), axis=(2, 3))[:, :, ::stride, ::stride][:, :, :ho, :wo]
    return np.einsum('nfij,ncijpq->fcpq', delta, win)


def conv_backward_bias(delta):
    return np.sum(delta, axis=(0, 2, 3))
