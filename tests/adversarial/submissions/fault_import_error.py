"""Fault: imports a module that does not exist, and the reference (refused to submissions). Honest part:
nothing."""
import numpy as np

try:
    from reference.conv import conv_backward  # noqa: F401
except ImportError as exc:
    print(exc)
import numpy_but_faster  # noqa: E402,F401


def conv_backward_bias(delta):
    return np.asarray(delta, dtype=np.float64).sum(axis=(0, 2, 3))
