"""Modelled on: CS231n max_pool_backward_naive with the mask (window == np.max(window)) * dout, and
deeplearning.ai's create_mask_from_window (x == np.max(x)). Mistake: the gradient goes to every tied maximum."""
import numpy as np


def max_pool_backward(delta, x, size):
    N, C, H, W = x.shape
    dx = np.zeros_like(x)
    for n in range(N):
        for c in range(C):
            for i in range(delta.shape[2]):
                for j in range(delta.shape[3]):
                    window = x[n, c, i * size:i * size + size, j * size:j * size + size]
                    m = np.max(window)
                    dx[n, c, i * size:i * size + size, j * size:j * size + size] = (window == m) * delta[n, c, i, j]
    return dx


def upsample(delta, size):
    return np.kron(delta, np.ones((size, size)))


def avg_pool_backward(delta, size):
    return np.kron(delta, np.ones((size, size))) / size ** 2
