"""Exercise 7's truth, from the reference FORWARD conv alone (a student release has nothing else):

- wide convolution = exercise 3's full convolution (the reference conv differentiated numerically); narrow = its
  middle, where the whole kernel lies on x;
- the matrix of a conv layer = the layer applied to every unit input (one column each);
- the transposed convolution = the adjoint of the conv: its input's VJP (grader/exercises/convolution.py conv_dx);
- the dilated convolution = the plain conv with D-1 zeros between the kernel's taps; its kernel gradient is that
  forward differentiated numerically with respect to the taps;
- same padding = the padding under which the dilated conv keeps the size, found by trying; 1x1 = a 1x1 conv.

The reference's conv_family (the instructor's tree only) is the second witness. It is loaded by name, not by an
import statement: a release ships the reference modules its grader imports, and conv_family's forward passes are
this exercise's answers; a release has no reference/conv_family.py, so there the numerical truth stands alone.
"""

from __future__ import annotations

import numpy as np

from grader.exercises.convolution import conv_dx, conv_out, rot
from grader.exercises.exercise3.truth import full_convolve_2d
from grader.exercises.witness import optional
from grader.grading.compare import witnesses_agree
from grader.grading.memo import remembered
from grader.grading.numeric import kernel_grad
from reference.conv import conv2d_forward


def _witness(numeric, second, what):
    """numeric, checked against the reference's conv_family when it is there (`second(family)` builds its answer)."""
    module = optional("reference.conv_family")
    return numeric if module is None else witnesses_agree(numeric, np.asarray(second(module)), what)


def correlate(x, k, *, stride=1, padding=0):
    """The conv layer's forward (cross-correlation, no bias): x (N, C, H, W), k (F, C, KH, KW)."""
    return conv2d_forward(x, k, np.zeros(len(k)), stride=stride, padding=padding)[0]


@remembered
def wide_truth(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Wide 2-D convolution (M, N), (U, V) -> (M+U-1, N+V-1): exercise 3's full convolution of x with w."""
    return _witness(full_convolve_2d(x, w), lambda f: f.wide_convolve2d(x, w), f"wide, x {x.shape}, w {w.shape}")


@remembered
def narrow_truth(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Narrow 2-D convolution (M-U+1, N-V+1): the part of the wide one where the whole kernel lies on x."""
    (m, n), (u, v) = x.shape, w.shape
    numeric = full_convolve_2d(x, w)[u - 1:m, v - 1:n]
    return _witness(numeric, lambda f: f.narrow_convolve2d(x, w), f"narrow, x {x.shape}, w {w.shape}")


def flipped_wide(x, w):
    """What correlating (not convolving) a padded x with w gives: the wide convolution with w rotated."""
    return wide_truth(x, rot(w))


@remembered
def matrix_truth(w: np.ndarray, shape, stride: int, padding: int) -> np.ndarray:
    """The matrix (F*Ho*Wo, C*H*W) of a conv layer on one (C, H, W) input: column k is its output for unit input k."""
    size = int(np.prod(shape))
    columns = correlate(np.identity(size).reshape((size,) + tuple(shape)), w, stride=stride, padding=padding)
    numeric = columns.reshape(size, -1).T
    return _witness(numeric, lambda f: f.conv_matrix(w, shape, stride=stride, padding=padding),
                    f"conv matrix, w {w.shape}, input {tuple(shape)}, s={stride}, p={padding}")


@remembered
def transpose_truth(x: np.ndarray, w: np.ndarray, stride: int, padding: int) -> np.ndarray:
    """Transposed conv of x (N, C_in, H, W) with w (C_in, C_out, KH, KW): dJ/d(input) of the conv whose kernels
    are w read as (F, C) = (C_in, C_out), with dJ/dz = x (the conv's adjoint)."""
    numeric = conv_dx(x, w, stride=stride, padding=padding)
    return _witness(numeric, lambda f: f.conv_transpose2d_forward(x, w, np.zeros(w.shape[1]), stride=stride,
                                                                   padding=padding)[0],
                    f"transposed conv, x {x.shape}, w {w.shape}, s={stride}, p={padding}")


def spread(w, dilation, rows=True, cols=True):
    """w (..., KH, KW) with dilation-1 zeros between neighbouring taps (along the rows and/or the columns)."""
    dh, dw = (dilation if rows else 1), (dilation if cols else 1)
    kh, kw = w.shape[-2:]
    out = np.zeros(w.shape[:-2] + (dh * (kh - 1) + 1, dw * (kw - 1) + 1))
    out[..., ::dh, ::dw] = w
    return out


def dilated_size(length, kernel, dilation, padding):
    """Output length of a stride-1 dilated conv: H + 2p - D(K-1)."""
    return conv_out(length, dilation * (kernel - 1) + 1, 1, padding)


@remembered
def dilated_truth(x: np.ndarray, w: np.ndarray, dilation: int, padding: int) -> np.ndarray:
    """Dilated conv (stride 1): the plain conv with the kernel's taps `dilation` apart."""
    numeric = correlate(x, spread(w, dilation), padding=padding)
    return _witness(numeric, lambda f: f.dilated_conv2d_forward(x, w, np.zeros(len(w)), dilation=dilation,
                                                                 padding=padding)[0],
                    f"dilated conv, x {x.shape}, w {w.shape}, D={dilation}, p={padding}")


@remembered
def dilated_dw_truth(delta: np.ndarray, x: np.ndarray, kernel, dilation: int, padding: int) -> np.ndarray:
    """dJ/dw (F, C, KH, KW) of a dilated conv: its forward differentiated numerically over the taps (at w = 0)."""
    w = np.zeros((delta.shape[1], x.shape[1]) + tuple(kernel))
    numeric = kernel_grad(lambda ws: correlate(x, spread(ws, dilation), padding=padding), w, delta)

    def second(f):
        _, cache = f.dilated_conv2d_forward(x, w, np.zeros(len(w)), dilation=dilation, padding=padding)
        return f.dilated_conv2d_backward(delta, cache)[1]

    return _witness(numeric, second, f"dilated dw, delta {delta.shape}, x {x.shape}, D={dilation}, p={padding}")


def same_padding_truth(kernel_size: int, dilation: int) -> int | None:
    """The padding per side under which a stride-1 conv with this dilated kernel keeps a map's size, found by
    trying each (None: there is none, (K-1)*D is odd)."""
    span, length = dilation * (kernel_size - 1) + 1, 4 * kernel_size * dilation
    found = [p for p in range(span + 1) if conv_out(length, span, 1, p) == length]
    return found[0] if found else None


@remembered
def conv1x1_truth(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """1x1 conv of x (N, C, H, W) with w (F, C): the conv layer with 1x1 kernels."""
    return correlate(x, w[:, :, None, None])
