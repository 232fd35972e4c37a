"""Modelled on: "Deep Learning from Scratch"-style Pooling.backward: dout put into rows of a column matrix
(N*out_h*out_w*C, k*k) and back through col2im, with the first transpose written dout.transpose(0, 3, 2, 1)
instead of (0, 2, 3, 1). Mistake: H and W swapped before the col2im: the positions are scrambled (each map
transposed when it is square)."""
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
    dout = delta.transpose(0, 3, 2, 1).reshape(-1, 1)
    dcol = np.repeat(dout, size * size, axis=1)
    return col2im(dcol, N, C, H, W, size)


def avg_pool_backward(delta, size):
    return upsample(delta, size) / (size * size)
