"""reference.numgrad on functions with known derivatives; inputs are never modified.

Tolerances: rel_error <= 1e-8 against exact gradients of smooth functions (central differences, h = 1e-5),
1e-7 for sum(x**3) whose truncation error is exactly h^2; directional checks agree to 1e-8 relative.
"""
import numpy as np
import pytest

from reference.numgrad import directional_check, numerical_gradient, numerical_vjp, rel_error


def test_numerical_gradient_of_sum_of_cubes_is_three_x_squared():
    x = np.random.default_rng(0).standard_normal((3, 4))
    keep = x.copy()
    grad = numerical_gradient(lambda v: np.sum(v ** 3), x)
    assert rel_error(grad, 3 * x ** 2) <= 1e-7
    assert np.max(np.abs(grad - 3 * x ** 2)) <= 2e-10  # truncation error of a cubic: exactly h^2 = 1e-10
    assert np.array_equal(x, keep)


def test_numerical_gradient_of_a_product_of_entries():
    x = np.array([2.0, -3.0, 0.5])
    grad = numerical_gradient(lambda v: v[0] * v[1] * np.sin(v[2]), x)
    assert rel_error(grad, np.array([-3 * np.sin(0.5), 2 * np.sin(0.5), -6 * np.cos(0.5)])) <= 1e-8
    assert x.tolist() == [2.0, -3.0, 0.5]


def test_numerical_vjp_of_elementwise_and_matrix_functions():
    rng = np.random.default_rng(1)
    x, dout, a = rng.standard_normal((2, 3)), rng.standard_normal((2, 3)), rng.standard_normal((3, 5))
    keep = (x.copy(), dout.copy())
    assert rel_error(numerical_vjp(np.sin, x, dout), dout * np.cos(x)) <= 1e-8
    d2 = rng.standard_normal((2, 5))
    assert rel_error(numerical_vjp(lambda v: v @ a, x, d2), d2 @ a.T) <= 1e-8
    assert np.array_equal(x, keep[0]) and np.array_equal(dout, keep[1])


def test_function_sees_a_read_only_copy():
    x = np.ones(3)
    seen = []

    def f(v):
        seen.append(v)
        return float(np.sum(v))
    numerical_gradient(f, x)
    assert all(v is not x and not v.flags.writeable for v in seen)

    def vandal(v):
        v[0] = 5.0
        return 0.0
    with pytest.raises(ValueError, match="read-only"):
        numerical_gradient(vandal, x)
    assert x.tolist() == [1.0, 1.0, 1.0]


def test_shape_errors():
    with pytest.raises(ValueError, match=r"f returned shape \(3,\), but dout has shape \(2,\)"):
        numerical_vjp(lambda v: v, np.zeros(3), np.ones(2))
    with pytest.raises(ValueError, match=r"f must return a scalar, got an array of shape \(3,\)"):
        numerical_gradient(lambda v: v, np.zeros(3))
    with pytest.raises(ValueError, match="h must be a positive finite step"):
        numerical_gradient(np.sum, np.zeros(3), h=0.0)


def test_directional_check_on_a_quadratic():
    rng = np.random.default_rng(2)
    a, b = rng.standard_normal((3, 3)), rng.standard_normal(4)
    params = {"a": rng.standard_normal((3, 3)), "b": rng.standard_normal(4)}
    keep = {k: v.copy() for k, v in params.items()}
    loss = lambda p: 0.5 * np.sum((p["a"] - a) ** 2) + np.sum(p["b"] ** 2 * b)
    grads = {"a": params["a"] - a, "b": 2 * params["b"] * b}
    numeric, analytic = directional_check(loss, params, grads, rng=np.random.default_rng(3))
    assert isinstance(numeric, float) and isinstance(analytic, float)
    assert abs(numeric - analytic) <= 1e-8 * max(1e-12, abs(numeric) + abs(analytic))
    assert all(np.array_equal(params[k], keep[k]) for k in params)
    # the same seed gives the same direction; a wrong gradient is caught
    bad = {"a": grads["a"], "b": 3 * params["b"] * b}
    numeric2, analytic2 = directional_check(loss, params, bad, rng=np.random.default_rng(3))
    assert numeric2 == numeric and abs(analytic2 - analytic) > 1e-3 * abs(analytic)


def test_directional_check_uses_a_unit_direction():
    params = {"w": np.zeros((2, 5)), "v": np.zeros(3)}
    grads = {"w": np.ones((2, 5)), "v": np.ones(3)}
    seen = []
    directional_check(lambda p: seen.append(p) or 0.0, params, grads, rng=np.random.default_rng(4), h=0.5)
    plus, minus = seen
    norm = np.sqrt(sum(np.sum((plus[k] / 0.5) ** 2) for k in plus))
    assert np.isclose(norm, 1.0, rtol=1e-14)
    assert all(np.array_equal(minus[k], -plus[k]) for k in plus)


def test_directional_check_rejects_mismatched_grads():
    with pytest.raises(ValueError, match="same keys"):
        directional_check(lambda p: 0.0, {"a": np.zeros(2)}, {"b": np.zeros(2)}, rng=np.random.default_rng())
    with pytest.raises(ValueError, match=r"grads\['a'\] has shape \(3,\), but params\['a'\] has \(2,\)"):
        directional_check(lambda p: 0.0, {"a": np.zeros(2)}, {"a": np.zeros(3)}, rng=np.random.default_rng())


def test_rel_error_values():
    assert rel_error(np.array([1.0, 2.0]), np.array([1.0, 2.0])) == 0.0
    assert rel_error(np.array([1.0]), np.array([3.0])) == 0.5  # |1-3| / (1+3)
    assert rel_error(np.array([1.0, 100.0]), np.array([1.1, 100.0])) == pytest.approx(0.1 / 2.1, rel=1e-12)
    assert rel_error(np.array([0.0]), np.array([1e-13])) == pytest.approx(0.1, rel=1e-9)  # floor 1e-12
    assert rel_error(np.zeros(3), np.zeros(3)) == 0.0
    assert rel_error(1.0, -1.0) == 1.0
    with pytest.raises(ValueError, match=r"same shape, got \(2,\) and \(3,\)"):
        rel_error(np.zeros(2), np.zeros(3))
