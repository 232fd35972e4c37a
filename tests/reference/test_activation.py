"""reference.activation: values, derivatives against central differences, backward against numerical_vjp.

Tolerances: values 1e-15 relative; derivatives and backward rel_error <= 1e-7 (central differences,
h = 1e-5; inputs keep |z| >= 0.05 so relu's kink is never straddled).
"""
import numpy as np
import pytest

from reference.activation import KINDS, activation_backward, activation_derivative, activation_forward
from reference.numgrad import numerical_gradient, numerical_vjp, rel_error

FUNCTIONS = {
    "sigmoid": lambda z: 1.0 / (1.0 + np.exp(-z)),
    "tanh": np.tanh,
    "relu": lambda z: np.maximum(z, 0.0),
    "lenet_tanh": lambda z: 1.7159 * np.tanh(2.0 * z / 3.0),
}


def sample(shape, seed):
    rng = np.random.default_rng(seed)
    z = rng.uniform(-3.0, 3.0, shape)
    return np.where(np.abs(z) < 0.05, 0.5, z), rng


@pytest.mark.parametrize("kind", KINDS)
def test_forward_values(kind):
    z, _ = sample((3, 4, 5), 0)
    a, _ = activation_forward(z, kind)
    assert a.shape == z.shape and np.allclose(a, FUNCTIONS[kind](z), rtol=1e-15, atol=0)


@pytest.mark.parametrize("kind", KINDS)
def test_derivative_matches_numerical_derivative(kind):
    z, _ = sample((40,), 1)
    numeric = np.array([numerical_gradient(lambda v: activation_forward(v, kind)[0], t) for t in z])
    assert rel_error(activation_derivative(z, kind), numeric) <= 1e-7


@pytest.mark.parametrize("kind", KINDS)
def test_backward_matches_numerical_vjp(kind):
    z, rng = sample((2, 3, 4, 4), 2)
    a, cache = activation_forward(z, kind)
    da = rng.standard_normal(a.shape)
    dz = activation_backward(da, cache)
    assert rel_error(dz, numerical_vjp(lambda v: activation_forward(v, kind)[0], z, da)) <= 1e-7
    assert np.allclose(dz, da * activation_derivative(z, kind), rtol=1e-14, atol=0)


def test_known_derivative_values():
    z = np.array([-1.0, 0.0, 2.0])
    s = 1.0 / (1.0 + np.exp(-z))
    assert np.allclose(activation_derivative(z, "sigmoid"), s * (1 - s), rtol=1e-15)
    assert activation_derivative(np.array([0.0]), "sigmoid")[0] == 0.25
    assert np.allclose(activation_derivative(z, "tanh"), 1 - np.tanh(z) ** 2, rtol=1e-15)
    assert activation_derivative(z, "relu").tolist() == [0.0, 0.0, 1.0]  # relu'(0) = 0
    assert np.isclose(activation_derivative(np.array([0.0]), "lenet_tanh")[0], 1.7159 * 2 / 3, rtol=1e-15)
    z = np.array([-0.0, 0.0, -2.0, 3.0])
    a, cache = activation_forward(z, "relu")
    assert a.tolist() == [0, 0, 0, 3] and activation_backward(np.ones(4), cache).tolist() == [0, 0, 0, 1]


def test_sigmoid_is_stable_for_large_inputs():
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        a, _ = activation_forward(np.array([-800.0, 800.0]), "sigmoid")
    assert a.tolist() == [0.0, 1.0]


def test_inputs_are_not_mutated_and_any_shape_works():
    z, rng = sample((5,), 3)
    da = rng.standard_normal(5)
    keep_z, keep_da = z.copy(), da.copy()
    for kind in KINDS:
        activation_backward(da, activation_forward(z, kind)[1])
        activation_derivative(z, kind)
    assert np.array_equal(z, keep_z) and np.array_equal(da, keep_da)
    a, cache = activation_forward(np.float64(0.5), "lenet_tanh")  # 0-d input
    assert a.shape == () and activation_backward(1.0, cache).shape == ()


def test_bad_input():
    with pytest.raises(ValueError, match=r"unknown activation kind 'softplus'; known kinds: sigmoid, tanh, relu, "
                                         r"lenet_tanh"):
        activation_forward(np.zeros(3), "softplus")
    with pytest.raises(ValueError, match="unknown activation kind"):
        activation_derivative(np.zeros(3), "Tanh")
    _, cache = activation_forward(np.zeros((2, 3)), "tanh")
    with pytest.raises(ValueError, match=r"da must have the shape of z \(2, 3\), got \(3,\)"):
        activation_backward(np.zeros(3), cache)
    with pytest.raises(TypeError, match="z must be a real numeric array"):
        activation_forward(np.array(["a"]), "relu")
