"""Exercise 2: the residual through pooling layers and activation functions.

Notation (as in the course notes): a^(l) are a layer's activations, z^(l) its pre-activations,
a^(l) = sigma(z^(l)), and the residual is delta^(l) = dJ/dz^(l). Arrays are NCHW: (N, C, H, W).

Pooling with non-overlapping size x size windows (stride = size) turns an H x W map into an
(H // size) x (W // size) map. Each input value feeds at most one output value, so going back is "upsampling":
every output residual is sent back over its own window and nothing else.

* Average pooling, z_pq = (1 / size^2) * sum of window (p, q). Every input of the window gets the same share:

      dJ/da_uv = delta_pq / size^2        for (u, v) in window (p, q)

  i.e. the Kronecker product of delta with a size x size block of ones (`upsample`), divided by size^2.
* Max pooling, z_pq = max of window (p, q). Only the input that won the max influenced z_pq, so it gets all of
  delta_pq and the others get 0. When several inputs share the maximum, the convention here is: the first one
  in row-major order within the window (the one numpy's argmax finds first).
* LeNet-5's subsampling ("S-layer"): z[n,c,p,q] = coef[c] * (sum of window (p, q) of x[n,c]) + bias[c], with
  one trainable coefficient and bias per map. Then dJ/dx = coef[c] * upsample(delta), dJ/dcoef[c] is the
  sum over n, p, q of delta * window_sum, and dJ/dbias[c] is the sum of delta over n, p, q.

The pooling functions return dJ/da of the pooling layer's input. To get that layer's residual, multiply by the
derivative of its activation function (the chain rule, one element at a time):

      delta^(l-1) = dJ/da^(l-1) * sigma'(z^(l-1))         (`activation_backward`)

with sigma'(z) = sigma(z) (1 - sigma(z)) for the sigmoid, 1 - tanh(z)^2 for tanh, 1 if z > 0 else 0 for ReLU
(0 at z = 0 here), and for LeNet-5's squashing function f(z) = A tanh(S z), A = 1.7159, S = 2/3:
f'(z) = A S (1 - tanh(S z)^2).

Worked example (doctests: `python -m doctest exercises/exercise2.py` checks your answers). A 4x4 map x is
max-pooled with 2x2 windows; the pooled layer's residual is [[1, 2], [3, 4]]. The top-right window holds
three 2s and the bottom-right four 0s: ties go to the first in row-major order.

>>> import numpy as np
>>> x = np.array([[1., 3., 2., 2.],
...               [0., 2., 2., 1.],
...               [5., 1., 0., 0.],
...               [1., 4., 0., 0.]])[None, None]          # (N, C, H, W) = (1, 1, 4, 4)
>>> delta = np.array([[1., 2.], [3., 4.]])[None, None]    # (1, 1, 2, 2)
>>> print(max_pool_backward(delta, x, 2)[0, 0])
[[0. 1. 2. 0.]
 [0. 0. 0. 0.]
 [3. 0. 4. 0.]
 [0. 0. 0. 0.]]
>>> print(avg_pool_backward(delta, 2)[0, 0])
[[0.25 0.25 0.5  0.5 ]
 [0.25 0.25 0.5  0.5 ]
 [0.75 0.75 1.   1.  ]
 [0.75 0.75 1.   1.  ]]

As an S-layer with coef = [0.5]: the window sums of x are 6, 7, 11, 0, so dJ/dcoef = 1*6 + 2*7 + 3*11 + 4*0 = 53
and dJ/dbias = 1 + 2 + 3 + 4 = 10.

>>> dx, dcoef, dbias = subsample_backward(delta, x, np.array([0.5]), 2)
>>> print(dx[0, 0, :2]); print(dcoef, dbias)
[[0.5 0.5 1.  1. ]
 [0.5 0.5 1.  1. ]]
[53.] [10.]
>>> z = np.array([-1., 0., 2.])[None, None, None]
>>> print(activation_backward(np.ones_like(z), z, "relu")[0, 0, 0])
[0. 0. 1.]
>>> print(activation_backward(np.ones_like(z), z, "sigmoid")[0, 0, 0].round(4))
[0.1966 0.25   0.105 ]
"""

import numpy as np

ACTIVATIONS = ("sigmoid", "tanh", "relu", "lenet_tanh")
LENET_A, LENET_S = 1.7159, 2.0 / 3.0  # LeNet-5's squashing function: LENET_A * tanh(LENET_S * z)


def _maps(name, array):
    """`array` as a float64 (N, C, H, W) array; ValueError naming `name` and the shape otherwise."""
    array = np.asarray(array, dtype=np.float64)
    if array.ndim != 4:
        raise ValueError(f"{name} must be 4-D (N, C, H, W), got shape {array.shape}")
    return array


def _pooled_shape(delta, x, size):
    """Raise ValueError unless delta has the shape size x size pooling gives x: (N, C, H//size, W//size)."""
    n, c, h, w = x.shape
    if size < 1 or delta.shape != (n, c, h // size, w // size):
        raise ValueError(f"delta {delta.shape} is not x {x.shape} pooled with size={size} windows")


def upsample(delta, size):
    """Spread each residual over its size x size window (Kronecker product with a block of ones).

    delta: (N, C, H, W); size: int >= 1. Returns (N, C, H*size, W*size), out[n,c,u,v] = delta[n,c,u//size,v//size].
    """
    delta = _maps("delta", delta)
    # YOUR CODE HERE
    raise NotImplementedError(
        "upsample: Spread each residual over its size x size window (Kronecker product with a block of "
        "ones)."
    )


def avg_pool_backward(delta, size):
    """dJ/dx of average pooling: each input of a window gets an equal 1/size^2 share of its residual.

    delta: (N, C, Ho, Wo), the residual of the pooled layer; size: window side (= stride).
    Returns dJ/dx of the pooling input, (N, C, Ho*size, Wo*size).
    """
    delta = _maps("delta", delta)
    # YOUR CODE HERE
    raise NotImplementedError(
        "avg_pool_backward: dJ/dx of average pooling: each input of a window gets an equal 1/size^2 share "
        "of its residual."
    )


def max_pool_backward(delta, x, size):
    """dJ/dx of max pooling: each residual goes to its window's maximum in x (first one on ties), 0 elsewhere.

    delta: (N, C, H//size, W//size), the residual of the pooled layer; x: (N, C, H, W), the pooling input;
    size: window side (= stride). Returns dJ/dx, (N, C, H, W); rows/columns past the last full window get 0.
    """
    delta, x = _maps("delta", delta), _maps("x", x)
    _pooled_shape(delta, x, size)
    # HINT: view x as (N, C, Ho, Wo, size*size) windows; np.argmax returns the first maximum it finds.
    # YOUR CODE HERE
    raise NotImplementedError(
        "max_pool_backward: view x as (N, C, Ho, Wo, size*size) windows; np.argmax returns the first "
        "maximum it finds."
    )


def subsample_backward(delta, x, coef, size):
    """Gradients of LeNet-5's S-layer z = coef[c] * window_sum(x) + bias[c]: returns (dx, dcoef, dbias).

    delta: (N, C, H//size, W//size) = dJ/dz; x: (N, C, H, W), the S-layer input, H and W multiples of size;
    coef: (C,), the trainable coefficients; size: window side. Returns dx = dJ/dx (N, C, H, W) of the
    S-layer input, dcoef (C,) and dbias (C,).
    """
    delta, x = _maps("delta", delta), _maps("x", x)
    coef = np.asarray(coef, dtype=np.float64)
    _pooled_shape(delta, x, size)
    if x.shape[2] % size or x.shape[3] % size or coef.shape != (x.shape[1],):
        raise ValueError(f"x {x.shape} must tile into size={size} windows and coef {coef.shape} be (C,)")
    # YOUR CODE HERE
    raise NotImplementedError(
        "subsample_backward: Gradients of LeNet-5's S-layer z = coef[c] * window_sum(x) + bias[c]: returns "
        "(dx, dcoef, dbias)."
    )


def activation_backward(da, z, activation):
    """The residual of a layer from dJ/da of its output: delta = da * sigma'(z), elementwise.

    da: dJ/da, any shape; z: the pre-activation, same shape as da; activation: one of ACTIVATIONS
    ("sigmoid", "tanh", "relu" with relu'(0) = 0, "lenet_tanh" = 1.7159 * tanh(2z/3)). Returns delta = dJ/dz,
    same shape as z.
    """
    da, z = np.asarray(da, dtype=np.float64), np.asarray(z, dtype=np.float64)
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {', '.join(ACTIVATIONS)}; got {activation!r}")
    if da.shape != z.shape:
        raise ValueError(f"da {da.shape} and z {z.shape} must have the same shape")
    # YOUR CODE HERE
    raise NotImplementedError(
        "activation_backward: The residual of a layer from dJ/da of its output: delta = da * sigma'(z), "
        "elementwise."
    )
