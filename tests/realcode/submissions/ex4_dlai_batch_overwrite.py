"""Modelled on: deeplearning.ai-style conv_backward loops (per example i, a_slice from vert_start/horiz_start,
dW[:, :, :, c] += a_slice * dZ[i, h, w, c]) behind an NCHW adapter, where dW was reset inside the example loop.
Mistake: not summed over the batch: only the last example counts (dW overwritten per example)."""
import numpy as np


def conv_backward(dZ, A_prev, fh, fw, stride, pad):
    (m, n_H_prev, n_W_prev, n_C_prev) = A_prev.shape
    (m, n_H, n_W, n_C) = dZ.shape
    A_prev_pad = np.pad(A_prev, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    for i in range(m):
        dW = np.zeros((fh, fw, n_C_prev, n_C))
        db = np.zeros((1, 1, 1, n_C))
        a_prev_pad = A_prev_pad[i]
        for h in range(n_H):
            for w in range(n_W):
                for c in range(n_C):
                    vert_start, horiz_start = h * stride, w * stride
                    a_slice = a_prev_pad[vert_start:vert_start + fh, horiz_start:horiz_start + fw, :]
                    dW[:, :, :, c] += a_slice * dZ[i, h, w, c]
                    db[:, :, :, c] += dZ[i, h, w, c]
    return dW, db


def conv_backward_weights(delta, a_prev, kernel_size, stride=1, padding=0):
    fh, fw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    dW, _ = conv_backward(delta.transpose(0, 2, 3, 1), a_prev.transpose(0, 2, 3, 1), fh, fw, stride, padding)
    return dW.transpose(3, 2, 0, 1)


def conv_backward_bias(delta):
    _, db = conv_backward(delta.transpose(0, 2, 3, 1), np.zeros(delta.shape[:1] + delta.shape[2:] + (1,)), 1, 1, 1, 0)
    return db.reshape(-1)
