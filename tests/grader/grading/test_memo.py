"""Memoized truths: computed once per distinct input, handed out as copies."""

import numpy as np

from grader.grading import memo
from grader.grading.memo import remembered


def test_same_inputs_computed_once_and_copies_handed_out():
    calls = []

    @remembered
    def double(a, *, k=2):
        calls.append(1)
        return a * k

    a = np.arange(4.0)
    first = double(a)
    first[0] = 99  # a caller scribbling on its answer ...
    assert np.array_equal(double(a.copy()), [0, 2, 4, 6])  # ... does not change the next one's
    assert len(calls) == 1
    double(a, k=3), double(a.astype(np.float32)), double(a.reshape(2, 2)), double(a + 1e-12)
    assert len(calls) == 5  # keyword, dtype, shape and value all tell inputs apart


def test_oldest_entries_are_evicted(monkeypatch):
    monkeypatch.setattr(memo, "MAX_ENTRIES", 2)
    calls = []

    @remembered
    def ident(x):
        calls.append(x)
        return x

    for x in (1, 2, 3, 1):
        ident(x)
    assert calls == [1, 2, 3, 1]
