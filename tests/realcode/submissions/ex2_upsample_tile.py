"""Modelled on: from-scratch pooling backward written np.tile(dout, (1, 1, 2, 2)) where np.repeat was meant.
Mistake: np.tile instead of np.repeat in upsample (and in avg_pool_backward, which reuses it)."""
import numpy as np


def upsample(delta, size):
    return np.tile(delta, (1, 1, size, size))


def avg_pool_backward(delta, size):
    return upsample(delta, size) / size ** 2
