"""Modelled on: "Deep Learning from Scratch"-style Convolution.backward: col = im2col(x), dW = col.T @ dout,
then dW.transpose(1, 0).reshape(FN, C, FH, FW); db = dout.sum(axis=0). Mistake: none (correct)."""
import numpy as np


def im2col(x, fh, fw, stride, pad):
    N, C, H, W = x.shape
    out_h, out_w = (H + 2 * pad - fh) // stride + 1, (W + 2 * pad - fw) // stride + 1
    img = np.pad(x, [(0, 0), (0, 0), (pad, pad), (pad, pad)], 'constant')
    col = np.zeros((N, C, fh, fw, out_h, out_w))
    for y in range(fh):
        for xx in range(fw):
            col[:, :, y, xx, :, :] = img[:, :, y:y + stride * out_h:stride, xx:xx + stride * out_w:stride]
    return col.transpose(0, 4, 5, 1, 2, 3).reshape(N * out_h * out_w, -1)


def conv_backward_weights(delta, a_prev, kernel_size, stride=1, padding=0):
    fh, fw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    FN, C = delta.shape[1], a_prev.shape[1]
    col = im2col(a_prev, fh, fw, stride, padding)
    dout = delta.transpose(0, 2, 3, 1).reshape(-1, FN)
    dW = np.dot(col.T, dout)
    return dW.transpose(1, 0).reshape(FN, C, fh, fw)


def conv_backward_bias(delta):
    FN = delta.shape[1]
    return np.sum(delta.transpose(0, 2, 3, 1).reshape(-1, FN), axis=0)
