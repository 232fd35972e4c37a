"""Fault: the submission closes stdin, stdout and stderr at import, and conv_backward_bias also closes the
worker's connection to the grader (fd 3). Honest part: conv_backward_weights."""
import os
import sys

import numpy as np

sys.stdout.close()
for _fd in (0, 1, 2):
    os.close(_fd)


def conv_backward_weights(delta, a_prev, kernel_size, stride=1, padding=0):
    kh, kw = (kernel_size, kernel_size) if np.ndim(kernel_size) == 0 else kernel_size
    a = np.pad(a_prev, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    ho, wo = delta.shape[2:]
    dw = np.zeros((delta.shape[1], a.shape[1], kh, kw))
    for i in range(kh):
        for j in range(kw):
            patch = a[:, :, i:i + stride * (ho - 1) + 1:stride, j:j + stride * (wo - 1) + 1:stride]
            dw[:, :, i, j] = np.einsum("nfuv,ncuv->fc", delta, patch)
    return dw


def conv_backward_bias(delta):
    os.close(3)
    return np.asarray(delta, dtype=np.float64).sum(axis=(0, 2, 3))
