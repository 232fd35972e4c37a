"""Exercise 3's truth: the full convolution and the rotated kernel, from the reference forward conv alone
(the residual dJ/dx itself is grader/exercises/convolution.py's conv_dx)."""

from __future__ import annotations

import numpy as np

from grader.exercises.convolution import conv_dx
from grader.grading.memo import remembered
from reference.conv import conv2d_forward


@remembered
def full_convolve_2d(delta: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """The 2-D full convolution (h, w), (kh, kw) -> (h+kh-1, w+kw-1): dJ/dx of a valid correlation with kernel."""
    return conv_dx(delta[None, None], kernel[None, None])[0, 0]


@remembered
def rotated_kernel(kernel: np.ndarray) -> np.ndarray:
    """kernel (..., KH, KW) rotated by 180°, from the reference forward conv alone: correlating a centred impulse
    with a kernel gives the kernel upside down, out[i, j] = k[KH-1-i, KW-1-j] (exact: products with 1 and 0)."""
    kernel = np.asarray(kernel, dtype=np.float64)
    kh, kw = kernel.shape[-2:]
    impulse = np.zeros((1, 1, 2 * kh - 1, 2 * kw - 1))
    impulse[0, 0, kh - 1, kw - 1] = 1.0
    stack = kernel.reshape(-1, 1, kh, kw)  # every kernel of the stack as one output map
    return conv2d_forward(impulse, stack, np.zeros(len(stack)))[0].reshape(kernel.shape)
