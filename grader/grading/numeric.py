"""Numerical derivatives in few calls: the truth of every check is a reference FORWARD op differentiated here.

A gradient by central differences needs two forward passes per input element. Calling the forward once per
element costs milliseconds per check, so these stack every perturbed copy of the input into ONE big batch and
call the forward once:

- `elementwise_derivative(f, z)`: sigma'(z) of an elementwise f, `(f(z + h) - f(z - h)) / 2h` in one go.
- `batched_vjp(f, x, dout)`: d sum(f(x) * dout) / dx for an f that treats the slices `x[k]` independently
  (slice k of the input only moves slice k of the output along `out_axis`): the examples of a batch for any
  layer (`out_axis=0`), the kernels of a conv layer (`w[k]` makes output channel k: `out_axis=1`).
- `kernel_grad(f, w, dout)`: `batched_vjp` for kernels stacked along F (a conv with 2*F*C*KH*KW kernels).
"""

from __future__ import annotations

from typing import Callable

import numpy as np

H_STEP = 1e-5  # central-difference step; exact for linear maps, ~1e-10 error for smooth ones


def elementwise_derivative(f: Callable[[np.ndarray], np.ndarray], z: np.ndarray, *, h: float = H_STEP):
    """f'(z) of an elementwise f by central differences: (f(z+h) - f(z-h)) / 2h; same shape as z."""
    z = np.asarray(z, dtype=np.float64)
    return (np.asarray(f(z + h)) - np.asarray(f(z - h))) / (2 * h)


def batched_vjp(f: Callable[[np.ndarray], np.ndarray], x: np.ndarray, dout: np.ndarray, *,
                h: float = H_STEP, out_axis: int = 0) -> np.ndarray:
    """Numerical gradient of sum(f(x) * dout) with respect to x, with ONE call of f.

    x: (K, *rest), any K >= 1; M = prod(rest) elements per slice.
    f: takes a stack (S, *rest) of slices and returns an array whose axis `out_axis` has length S, output slice j
       depending only on input slice j (so f(x) has K slices along out_axis).
    dout: shaped like f(x).
    f is called once on 2*K*M slices: slice (k, m, +/-) is x[k] with its element m moved by +/-h.
    Returns an array shaped like x: grad[k].flat[m] = sum((f(x_k + h e_m) - f(x_k - h e_m)) * dout_k) / 2h.
    """
    x = np.asarray(x, dtype=np.float64)
    dout = np.asarray(dout, dtype=np.float64)
    k, rest = x.shape[0], x.shape[1:]
    m = int(np.prod(rest, dtype=np.int64))
    if dout.ndim <= out_axis or dout.shape[out_axis] != k:
        raise ValueError(f"dout {dout.shape} must have {k} slices along axis {out_axis} (x is {x.shape})")
    steps = h * np.eye(m).reshape((m,) + rest)                          # steps[m] = h * e_m
    stack = x[:, None, None] + np.stack([steps, -steps], axis=1)[None]  # (K, M, 2, *rest)
    out = np.moveaxis(np.asarray(f(stack.reshape((k * m * 2,) + rest)), dtype=np.float64), out_axis, 0)
    d = np.moveaxis(dout, out_axis, 0)
    if out.shape != (k * m * 2,) + d.shape[1:]:
        raise ValueError(f"f returned {out.shape} for {k * m * 2} stacked slices; expected slices of {d.shape[1:]}")
    out = out.reshape(k, m, 2, -1)
    diff = out[:, :, 0] - out[:, :, 1]                                  # (K, M, outputs per slice)
    grad = diff @ d.reshape(k, -1, 1)                                   # sum over outputs of diff * dout
    return grad.reshape(x.shape) / (2 * h)


def kernel_grad(f: Callable[[np.ndarray], np.ndarray], w: np.ndarray, dout: np.ndarray, *,
                h: float = H_STEP) -> np.ndarray:
    """Numerical dJ/dw for a conv-like f(w_stack) -> (N, S, ...) where kernel w_stack[j] makes channel j.

    w: (F, ...) the kernels; dout: (N, F, ...) shaped like f(w). One call of f with 2*w.size kernels.
    """
    return batched_vjp(f, w, dout, h=h, out_axis=1)
