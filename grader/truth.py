"""The truth the checks grade against: the reference FORWARD ops differentiated numerically, in few calls.

A gradient by central differences needs two forward passes per input element. Calling the forward once per
element costs milliseconds per check, so the helpers here stack every perturbed copy of the input into ONE big
batch and call the forward once:

- `elementwise_derivative(f, z)`: sigma'(z) of an elementwise f, `(f(z + h) - f(z - h)) / 2h` in one go.
- `batched_vjp(f, x, dout)`: d sum(f(x) * dout) / dx for an f that treats the slices `x[k]` independently
  (slice k of the input only moves slice k of the output along `out_axis`): the examples of a batch for any
  layer (`out_axis=0`), the kernels of a conv layer (`w[k]` makes output channel k: `out_axis=1`).
- `kernel_grad(f, w, dout)`: `batched_vjp` for kernels stacked along F (a conv with 2*F*C*KH*KW kernels).

and, built on them, the conv truths of exercises 3 and 4 (numerical gradient, confirmed by the reference backward
as a second witness when it is importable; `witnesses_agree` raises GraderBug when the two disagree). A student
release ships the forward passes only: there `conv2d_backward` is None and the numerical truth stands alone.

- `conv_dx(delta, w, stride=, padding=, input_size=)` -> dJ/dx (N, C, H, W) of a conv layer's input.
- `full_convolve_2d(delta, kernel)` -> the 2-D full convolution (the dJ/dx of a valid 2-D correlation).
- `conv_dw(delta, a_prev, kernel_size, stride=, padding=)` -> dJ/dw (F, C, KH, KW).
- `conv_db(delta)` -> dJ/db (F,).
- `rotated_kernel(kernel)` -> the kernel rotated by 180°, as the response of the forward conv to an impulse.

`conv_length`, `conv_sizes` and `conv_out` help the checks draw conv shapes (e.g. sizes the stride does not
divide, with the largest remainder s - 1).

A conv layer is linear in x, in w and in b, so its derivative does not depend on the point: we differentiate at 0,
where the perturbed outputs are exactly h*(...) and rounding is smallest (the truth is then good to ~1e-12).
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from grader.compare import witnesses_agree
from reference.conv import conv2d_forward
from grader.memo import remembered

try:  # the second witness: the instructor's tree has it, a student release does not
    from reference.conv import conv2d_backward
except ImportError:
    conv2d_backward = None

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


def natural_size(out: int, kernel: int, stride: int, padding: int) -> int:
    """Smallest input size whose conv output has `out` entries: (out - 1)*s + k - 2p."""
    return (out - 1) * stride + kernel - 2 * padding


def _pair(value) -> tuple[int, int]:
    return (int(value), int(value)) if np.isscalar(value) else (int(value[0]), int(value[1]))


@remembered
def conv_dx(delta: np.ndarray, w: np.ndarray, *, stride: int = 1, padding: int = 0, input_size=None) -> np.ndarray:
    """dJ/dx of a conv layer's input, given delta = dJ/dz.

    delta (N, F, Ho, Wo), w (F, C, KH, KW); input_size (H, W) or None for the natural size (out-1)*s + k - 2p.
    Returns (N, C, H, W): numerical VJP of reference conv2d_forward at x = 0 (checked against conv2d_backward).
    """
    n, f, ho, wo = delta.shape
    _, c, kh, kw = w.shape
    hh, ww = input_size or (natural_size(ho, kh, stride, padding), natural_size(wo, kw, stride, padding))
    x = np.zeros((n, c, hh, ww))

    def forward(xs):
        return conv2d_forward(xs, w, np.zeros(f), stride=stride, padding=padding)[0]

    numeric = batched_vjp(forward, x, delta)
    if conv2d_backward is None:
        return numeric
    _, cache = conv2d_forward(x, w, np.zeros(f), stride=stride, padding=padding)
    analytic = conv2d_backward(delta, cache)[0]
    return witnesses_agree(numeric, analytic, f"conv dx, delta {delta.shape}, w {w.shape}, s={stride}, p={padding}")


@remembered
def full_convolve_2d(delta: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """The 2-D full convolution (h, w), (kh, kw) -> (h+kh-1, w+kw-1): dJ/dx of a valid correlation with kernel."""
    return conv_dx(delta[None, None], kernel[None, None])[0, 0]


@remembered
def conv_dw(delta: np.ndarray, a_prev: np.ndarray, kernel_size, *, stride: int = 1, padding: int = 0) -> np.ndarray:
    """dJ/dw of a conv layer: delta (N, F, Ho, Wo), a_prev (N, C, H, W), kernel_size int or (KH, KW).

    Returns (F, C, KH, KW): numerical gradient over stacked kernels at w = 0 (checked against conv2d_backward).
    """
    kh, kw = _pair(kernel_size)
    f, c = delta.shape[1], a_prev.shape[1]
    w = np.zeros((f, c, kh, kw))

    def forward(ws):
        return conv2d_forward(a_prev, ws, np.zeros(len(ws)), stride=stride, padding=padding)[0]

    numeric = kernel_grad(forward, w, delta)
    if conv2d_backward is None:
        return numeric
    _, cache = conv2d_forward(a_prev, w, np.zeros(f), stride=stride, padding=padding)
    analytic = conv2d_backward(delta, cache)[1]
    return witnesses_agree(numeric, analytic, f"conv dw, delta {delta.shape}, a_prev {a_prev.shape}, "
                                              f"k={kh}x{kw}, s={stride}, p={padding}")


@remembered
def conv_db(delta: np.ndarray) -> np.ndarray:
    """dJ/db of a conv layer whose residual is delta (N, F, Ho, Wo); returns (F,).

    Differentiates a 1x1 conv of zeros on a (N, 1, Ho, Wo) input (its bias is the only thing that moves z).
    """
    n, f, ho, wo = delta.shape
    x = np.zeros((n, 1, ho, wo))

    def forward(bs):
        return conv2d_forward(x, np.zeros((len(bs), 1, 1, 1)), bs)[0]

    numeric = batched_vjp(forward, np.zeros(f), delta, out_axis=1)
    if conv2d_backward is None:
        return numeric
    _, cache = conv2d_forward(x, np.zeros((f, 1, 1, 1)), np.zeros(f))
    analytic = conv2d_backward(delta, cache)[2]
    return witnesses_agree(numeric, analytic, f"conv db, delta {delta.shape}")


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


def conv_length(rng: np.random.Generator, kernel: int, stride: int, padding: int, *, lo: int = 3, hi: int = 8,
                ragged: bool | None = False, remainder: int | None = None, min_out: int = 1,
                avoid: int | None = None) -> int:
    """Draw an input length H in [lo, hi] that a conv with this kernel/stride/padding can read (H + 2p >= k).

    ragged=True: (H + 2p - k) % s != 0 (rows the forward pass never reads; needs input_size); False: == 0;
    None: either. remainder: exactly this (H + 2p - k) % s (overrides ragged; s - 1 is the largest: the most
    unread rows). min_out: at least this many output positions (2: a stride shows between two entries).
    avoid: a length not to draw when another qualifies (H != W). Raises ValueError if no length qualifies.
    """
    def fits(h):
        if h + 2 * padding < kernel or conv_out(h, kernel, stride, padding) < min_out:
            return False
        left = (h + 2 * padding - kernel) % stride
        if remainder is not None:
            return left == remainder
        return ragged is None or (left != 0) == ragged

    lengths = [h for h in range(lo, hi + 1) if fits(h)]
    if not lengths:
        raise ValueError(f"no input length in [{lo}, {hi}] for kernel {kernel}, stride {stride}, padding {padding}"
                         f", ragged={ragged}, remainder={remainder}, min_out={min_out}")
    lengths = [h for h in lengths if h != avoid] or lengths
    return int(rng.choice(lengths))


def conv_sizes(rng: np.random.Generator, kernel, stride: int, padding: int, *, remainders=(0, 0), lo: int = 3,
               hi: int = 8, min_out: int = 2) -> tuple[int, int]:
    """Draw an input size (H, W) with these exact remainders (H + 2p - KH) % s, (W + 2p - KW) % s, at least
    `min_out` output positions on each axis, and H != W whenever that is possible: the checks' fixed structure."""
    kh, kw = (kernel, kernel) if np.isscalar(kernel) else (int(kernel[0]), int(kernel[1]))
    h = conv_length(rng, kh, stride, padding, lo=lo, hi=hi, remainder=remainders[0], min_out=min_out)
    w = conv_length(rng, kw, stride, padding, lo=lo, hi=hi, remainder=remainders[1], min_out=min_out, avoid=h)
    return h, w


def conv_out(length: int, kernel: int, stride: int, padding: int) -> int:
    """Output length of a conv: (H + 2p - k) // s + 1."""
    return (length + 2 * padding - kernel) // stride + 1
