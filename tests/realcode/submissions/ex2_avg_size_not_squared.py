"""Modelled on: deeplearning.ai-style distribute_value written average = dz / n_H (one side of the window
only). Mistake: avg_pool_backward divided by size instead of size squared."""
import numpy as np


def upsample(delta, size):
    return np.repeat(np.repeat(delta, size, axis=2), size, axis=3)


def avg_pool_backward(delta, size):
    return upsample(delta, size) / size
