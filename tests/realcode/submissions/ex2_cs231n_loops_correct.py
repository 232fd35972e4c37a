"""Modelled on: CS231n-style naive pooling backward loops (a window per output entry, np.argmax +
np.unravel_index for the max) and textbook activation derivatives. Mistake: none (correct)."""
import numpy as np


def upsample(delta, size):
    N, C, H, W = delta.shape
    out = np.zeros((N, C, H * size, W * size))
    for i in range(H):
        for j in range(W):
            out[:, :, i * size:(i + 1) * size, j * size:(j + 1) * size] = delta[:, :, i:i + 1, j:j + 1]
    return out


def avg_pool_backward(delta, size):
    return upsample(delta, size) / (size * size)


def max_pool_backward(delta, x, size):
    N, C, Ho, Wo = delta.shape
    dx = np.zeros_like(x, dtype=float)
    for n in range(N):
        for c in range(C):
            for i in range(Ho):
                for j in range(Wo):
                    window = x[n, c, i * size:(i + 1) * size, j * size:(j + 1) * size]
                    r, q = np.unravel_index(np.argmax(window), window.shape)
                    dx[n, c, i * size + r, j * size + q] += delta[n, c, i, j]
    return dx


def subsample_backward(delta, x, coef, size):
    N, C, Ho, Wo = delta.shape
    sums = x.reshape(N, C, Ho, size, Wo, size).sum(axis=(3, 5))
    dx = upsample(delta, size) * coef[None, :, None, None]
    dcoef = (delta * sums).sum(axis=(0, 2, 3))
    dbias = delta.sum(axis=(0, 2, 3))
    return dx, dcoef, dbias


def activation_backward(da, z, activation):
    if activation == "sigmoid":
        s = 1 / (1 + np.exp(-z))
        return da * s * (1 - s)
    if activation == "tanh":
        return da * (1 - np.tanh(z) ** 2)
    if activation == "relu":
        return da * (z > 0)
    return da * 1.7159 * (2 / 3) * (1 - np.tanh(2 * z / 3) ** 2)
