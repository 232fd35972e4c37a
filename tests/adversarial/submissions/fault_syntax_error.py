"""Fault: a syntax error on line 6. Honest part: nothing."""
import numpy as np


def conv_backward_bias(delta):
    return np.asarray(delta).sum(axis=(0, 2, 3)
