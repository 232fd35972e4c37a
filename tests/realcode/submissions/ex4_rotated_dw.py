"""Modelled on: course-notes-style code that computes dw as a convolution of the input with rot180(delta) and
then rotates the result "to undo" it (the notes' conv/correlation confusion). Mistake: the result is rotated
by 180 degrees."""
import numpy as np


def conv_backward_weights(delta, a_prev, kernel_size, stride=1, padding=0):
    kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    n, f, ho, wo = delta.shape
    xp = np.pad(a_prev, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    dw = np.zeros((f, a_prev.shape[1], kh, kw))
    for p in range(kh):
        for q in range(kw):
            win = xp[:, :, p:p + stride * (ho - 1) + 1:stride, q:q + stride * (wo - 1) + 1:stride]
            dw[:, :, p, q] = np.einsum('nfij,ncij->fc', delta, win)
    return dw[:, :, ::-1, ::-1]


def conv_backward_bias(delta):
    return delta.sum(axis=(0, 2, 3))
