"""Modelled on: from-scratch max-pool layers that store np.argmax of the flattened window and recover the
position with r = idx % k, c = idx // k (the divmod written the wrong way round). Mistake: the row and column
of the maximum inside the window are swapped."""
import numpy as np


def max_pool_backward(delta, x, size):
    N, C, Ho, Wo = delta.shape
    dx = np.zeros(x.shape)
    for n in range(N):
        for c in range(C):
            for i in range(Ho):
                for j in range(Wo):
                    idx = np.argmax(x[n, c, i * size:(i + 1) * size, j * size:(j + 1) * size])
                    r, q = idx % size, idx // size
                    dx[n, c, i * size + r, j * size + q] += delta[n, c, i, j]
    return dx


def upsample(delta, size):
    return delta.repeat(size, axis=2).repeat(size, axis=3)
