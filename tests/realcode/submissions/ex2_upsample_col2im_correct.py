"""Modelled on: "Deep Learning from Scratch"-style Pooling.backward: dout transposed to (N, out_h, out_w, C),
spread over a (rows, k*k) column matrix, then col2im. Mistake: none (correct)."""
import numpy as np


def col2im(col, N, C, out_h, out_w, k):
    col = col.reshape(N, out_h, out_w, C, k, k).transpose(0, 3, 4, 5, 1, 2)
    img = np.zeros((N, C, out_h * k, out_w * k))
    for y in range(k):
        for x in range(k):
            img[:, :, y:y + k * out_h:k, x:x + k * out_w:k] += col[:, :, y, x, :, :]
    return img


def upsample(delta, size):
    N, C, H, W = delta.shape
    dcol = np.repeat(delta.transpose(0, 2, 3, 1).reshape(-1, 1), size * size, axis=1)
    return col2im(dcol, N, C, H, W, size)


def avg_pool_backward(delta, size):
    return upsample(delta, size) / size ** 2


def max_pool_backward(delta, x, size):
    N, C, H, W = x.shape
    Ho, Wo = H // size, W // size
    x = x[:, :, :Ho * size, :Wo * size]
    col = x.reshape(N, C, Ho, size, Wo, size).transpose(0, 2, 4, 1, 3, 5).reshape(-1, size * size)
    arg = np.argmax(col, axis=1)
    dmax = np.zeros((col.shape[0], size * size))
    dmax[np.arange(arg.size), arg] = delta.transpose(0, 2, 3, 1).reshape(-1)
    dx = np.zeros((N, C, H, W))
    dx[:, :, :Ho * size, :Wo * size] = col2im(dmax, N, C, Ho, Wo, size)
    return dx
