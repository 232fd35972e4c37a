"""reference.loss: values against direct formulas and gradients against numerical_gradient.

Tolerances: values 1e-12 relative; gradients rel_error <= 1e-7 (central differences, h = 1e-5).
"""
import numpy as np
import pytest

from reference.loss import mean_squared_error, softmax_cross_entropy
from reference.numgrad import numerical_gradient, rel_error


def test_softmax_cross_entropy_value_and_gradient():
    rng = np.random.default_rng(0)
    scores, labels = rng.standard_normal((5, 4)), np.array([0, 3, 1, 1, 2])
    loss, dscores = softmax_cross_entropy(scores, labels)
    p = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)
    assert np.isclose(loss, -np.mean(np.log(p[np.arange(5), labels])), rtol=1e-12, atol=0)
    numeric = numerical_gradient(lambda s: softmax_cross_entropy(s, labels)[0], scores)
    assert rel_error(dscores, numeric) <= 1e-7
    assert np.allclose(dscores.sum(axis=1), 0.0, atol=1e-15)


def test_softmax_cross_entropy_is_stable_and_exact_on_known_values():
    loss, dscores = softmax_cross_entropy(np.array([[1000.0, 1000.0], [0.0, -1000.0]]), np.array([0, 0]))
    assert np.isfinite(loss) and np.isclose(loss, np.log(2) / 2, rtol=1e-12)
    assert np.allclose(dscores, [[-0.25, 0.25], [0.0, 0.0]], atol=1e-15)
    loss, _ = softmax_cross_entropy(np.zeros((3, 10)), np.arange(3))
    assert np.isclose(loss, np.log(10), rtol=1e-15)


def test_mean_squared_error_value_and_gradient():
    rng = np.random.default_rng(1)
    pred, target = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    loss, dpred = mean_squared_error(pred, target)
    assert np.isclose(loss, np.sum((pred - target) ** 2) / 8, rtol=1e-12, atol=0)  # sum / (2N), N = 4
    assert rel_error(dpred, numerical_gradient(lambda p: mean_squared_error(p, target)[0], pred)) <= 1e-7
    assert mean_squared_error(np.array([3.0, 1.0]), np.array([1.0, 1.0]))[0] == 1.0  # 4 / (2*2)


def test_inputs_are_not_mutated():
    rng = np.random.default_rng(2)
    scores, labels, target = rng.standard_normal((3, 4)), np.array([1, 2, 3]), rng.standard_normal((3, 4))
    keep = [a.copy() for a in (scores, labels, target)]
    softmax_cross_entropy(scores, labels)
    mean_squared_error(scores, target)
    assert all(np.array_equal(a, k) for a, k in zip((scores, labels, target), keep))


def test_bad_input():
    s = np.zeros((3, 4))
    with pytest.raises(ValueError, match=r"labels must have shape \(3,\) for scores \(3, 4\), got \(2,\)"):
        softmax_cross_entropy(s, np.array([0, 1]))
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 4\)"):
        softmax_cross_entropy(s, np.array([0, 4, 1]))
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 4\)"):
        softmax_cross_entropy(s, np.array([0, -1, 1]))
    with pytest.raises(TypeError, match="labels must be an integer array"):
        softmax_cross_entropy(s, np.array([0.0, 1.0, 2.0]))
    with pytest.raises(ValueError, match=r"scores must be a non-empty 2-d array, got shape \(4,\)"):
        softmax_cross_entropy(np.zeros(4), np.array([0]))
    with pytest.raises(ValueError, match=r"pred and target must have the same shape, got \(3, 4\) and \(4,\)"):
        mean_squared_error(s, np.zeros(4))
