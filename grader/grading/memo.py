"""Remembering truths and wrong-answer sets across submissions.

In a batch every submission is graded with the same seed, so every check builds the same inputs again and again;
a truth (or the lazily built set of a case's known mistakes) depends on those inputs alone, so it is computed
once per grading process and then looked up by the inputs' bytes.
"""

from __future__ import annotations

import functools
import hashlib
from collections import OrderedDict

import numpy as np

MAX_ENTRIES = 1024  # per function; a batch needs a few hundred (one per check and case)


def _key(value):
    """A hashable key for arguments: arrays by dtype, shape and a digest of their bytes."""
    if isinstance(value, np.ndarray):
        data = np.ascontiguousarray(value)
        return ("array", data.dtype.str, data.shape, hashlib.blake2b(data.tobytes(), digest_size=16).digest())
    if isinstance(value, (tuple, list)):
        return (type(value).__name__, *map(_key, value))
    if isinstance(value, dict):
        return ("dict", *((k, _key(v)) for k, v in sorted(value.items())))
    if isinstance(value, np.generic):
        return ("scalar", value.dtype.str, value.item())
    hash(value)  # anything else must be hashable (ints, floats, strings, None)
    return value


def _fresh(value):
    """Arrays are handed out as copies, so no caller can change what the next one gets."""
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, tuple):
        return tuple(_fresh(v) for v in value)
    return value


def remembered(func):
    """Memoize a pure function of arrays and plain values (results must not be mutated; arrays are copied)."""
    cache: OrderedDict = OrderedDict()

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        key = (_key(args), _key(kwargs))
        if key in cache:
            cache.move_to_end(key)
        else:
            cache[key] = func(*args, **kwargs)
            if len(cache) > MAX_ENTRIES:
                cache.popitem(last=False)
        return _fresh(cache[key])

    wrapper.cache_clear = cache.clear
    return wrapper
