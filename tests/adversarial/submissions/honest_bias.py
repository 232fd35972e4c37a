"""Honest twin: only conv_backward_bias is answered (the honest part of most attacks on the weights)."""
import numpy as np


def conv_backward_weights(delta, a_prev, kernel_size, stride=1, padding=0):
    raise NotImplementedError


def conv_backward_bias(delta):
    return np.asarray(delta, dtype=np.float64).sum(axis=(0, 2, 3))
