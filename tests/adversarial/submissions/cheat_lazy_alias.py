"""Cheat: return arrays that change after they are returned: a module-level array that a background thread
keeps rewriting (while the worker encodes it), a read-only broadcast view, an array whose memory is
released and reused. Honest part: conv_backward_bias."""
import threading

import numpy as np

_shared = np.zeros((64, 64, 8, 8))


def _scribble():
    while True:
        _shared[...] = np.random.default_rng().standard_normal(_shared.shape)


threading.Thread(target=_scribble, daemon=True).start()


def conv_backward_weights(delta, a_prev, kernel_size, stride=1, padding=0):
    kh, kw = (kernel_size, kernel_size) if np.ndim(kernel_size) == 0 else kernel_size
    f, c = delta.shape[1], a_prev.shape[1]
    if delta.sum() > 0:
        return _shared[:f, :c, :kh, :kw]  # aliased, rewritten while it is being sent
    return np.broadcast_to(np.float64(0.0), (f, c, kh, kw))


def conv_backward_bias(delta):
    return np.asarray(delta, dtype=np.float64).sum(axis=(0, 2, 3))
