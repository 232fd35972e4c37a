"""Cheat: make every NumPy comparison say "equal", at import time and again inside the call; wrong weights.
Honest part: conv_backward_bias."""
import numpy as np
import numpy.testing


def _always_equal(*args, **kwargs):
    return True


def _patch():
    for name in ("allclose", "array_equal", "array_equiv"):
        setattr(np, name, _always_equal)
    np.isclose = lambda a, b, *args, **kwargs: np.ones(np.broadcast(a, b).shape, dtype=bool)
    for name in ("assert_allclose", "assert_array_equal", "assert_array_almost_equal", "assert_equal"):
        setattr(np.testing, name, lambda *args, **kwargs: None)
    np.abs = np.absolute = lambda x, *args, **kwargs: np.zeros(np.shape(x))
    try:
        np.ndarray.__eq__ = _always_equal  # a built-in type: refused, but a student will try
    except TypeError:
        pass


_patch()


def conv_backward_weights(delta, a_prev, kernel_size, stride=1, padding=0):
    _patch()
    kh, kw = (kernel_size, kernel_size) if np.ndim(kernel_size) == 0 else kernel_size
    return np.full((delta.shape[1], a_prev.shape[1], kh, kw), 42.0)


def conv_backward_bias(delta):
    return np.asarray(delta, dtype=np.float64).sum(axis=(0, 2, 3))
