"""Cheat: return objects that lie instead of the weights (a new liar at each call): an ndarray subclass whose
comparisons, shape, dtype and view lie; an object with __array__, __eq__, __float__, shape and dtype; an
object claiming to be an ndarray through __class__; a float subclass equal to everything.
Honest part: conv_backward_bias."""
import itertools

import numpy as np

_calls = itertools.count()


class LyingArray(np.ndarray):
    def __eq__(self, other):
        return np.ones(np.shape(other), dtype=bool)

    __ne__ = lambda self, other: np.zeros(np.shape(other), dtype=bool)

    def __array_finalize__(self, obj):
        pass


class Pretender:
    def __init__(self, shape):
        self.shape, self.dtype, self.ndim = shape, np.dtype(np.float64), len(shape)

    def __array__(self, dtype=None, copy=None):
        return np.zeros(self.shape)

    def __eq__(self, other):
        return True

    def __float__(self):
        return 0.0

    def __len__(self):
        return self.shape[0]

    def __getitem__(self, index):
        return 0.0


class FakeClass(Pretender):
    __class__ = property(lambda self: np.ndarray)


class Equal(float):
    def __eq__(self, other):
        return True


def conv_backward_weights(delta, a_prev, kernel_size, stride=1, padding=0):
    kh, kw = (kernel_size, kernel_size) if np.ndim(kernel_size) == 0 else kernel_size
    shape = (delta.shape[1], a_prev.shape[1], kh, kw)
    liar = np.full(shape, 7.0).view(LyingArray)
    choices = [liar, Pretender(shape), FakeClass(shape), Equal(0.0), [liar], np.broadcast_to(np.nan, shape)]
    return choices[next(_calls) % len(choices)]


def conv_backward_bias(delta):
    return np.asarray(delta, dtype=np.float64).sum(axis=(0, 2, 3))
