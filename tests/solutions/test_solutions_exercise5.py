"""solutions/exercise5.py against the reference (reference/train.py and its ops), float64.

Tolerance: both sides compute the same sums in another order, so 1e-10 relative to the largest entry (at least
1 in absolute terms) for scores, losses, gradients, and parameters after a few SGD steps; sgd_step is one
multiply-subtract per entry, exact to 1e-15.
"""
import ast
import doctest
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from reference import train as R
from reference.conv import conv2d_backward, conv2d_forward
from reference.digits import load_digits
from reference.pool import max_pool_backward, max_pool_forward
from solutions import exercise5 as S

TOL = 1e-10
ROOT = Path(__file__).resolve().parents[2]


def close(ours, truth):
    ours, truth = np.asarray(ours), np.asarray(truth)
    assert ours.shape == truth.shape
    assert np.max(np.abs(ours - truth)) <= TOL * max(1.0, np.max(np.abs(truth)))


def batch(seed, n=4):
    rng = np.random.default_rng(seed)
    return rng.uniform(0.0, 1.0, (n, 1, 32, 32)), rng.integers(0, 10, n)


def test_only_the_standard_library_and_numpy_are_imported():
    """The file runs in the jail, where `reference` cannot be imported."""
    tree = ast.parse((ROOT / "solutions" / "exercise5.py").read_text(encoding="utf-8"))
    names = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
             for alias in node.names}
    names |= {node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert names <= {"numpy"} | set(sys.stdlib_module_names)


@pytest.mark.parametrize("seed", [0, 1, 17])
def test_init_params_are_the_references(seed):
    ours, truth = S.init_params(seed), R.lenet_params(seed)
    assert list(ours) == list(S.KEYS) and set(ours) == set(truth)
    for key in truth:
        np.testing.assert_array_equal(ours[key], truth[key])


def test_forward_and_loss_are_the_references():
    x, y = batch(2)
    params = R.lenet_params(2)
    scores, cache = S.forward(x, params)
    close(scores, R.lenet_forward(x, params)[0])
    assert cache["params"] is params and cache["f5"].shape == (4, 120) and cache["z1"].shape == (4, 6, 28, 28)
    loss, dscores = S.softmax_cross_entropy(scores, y)
    truth = R.lenet_loss(x, y, params)
    assert abs(loss - truth[0]) <= TOL


@pytest.mark.parametrize("seed", [3, 4])
def test_lenet_backward_is_the_references(seed):
    x, y = batch(seed, 5)
    rng = np.random.default_rng(seed)
    params = {k: v + 0.05 * rng.standard_normal(v.shape) if k.endswith(".b") else v
              for k, v in R.lenet_params(seed).items()}
    scores, cache = S.forward(x, params)
    grads = S.lenet_backward(S.softmax_cross_entropy(scores, y)[1], cache)
    _, truth, _ = R.lenet_loss(x, y, params)
    assert set(grads) == set(truth)
    for key in truth:
        close(grads[key], truth[key])


def test_lenet_backward_on_real_digits():
    x, y = load_digits()
    params = S.init_params(5)
    scores, cache = S.forward(x[:64], params)
    grads = S.lenet_backward(S.softmax_cross_entropy(scores, y[:64])[1], cache)
    _, truth, _ = R.lenet_loss(x[:64], y[:64], params)
    for key in truth:
        close(grads[key], truth[key])


def test_helpers_are_the_reference_ops():
    rng = np.random.default_rng(6)
    a = rng.integers(0, 3, (2, 3, 6, 4)).astype(float)  # many ties: the first maximum in row-major order
    out, pool_cache = max_pool_forward(a, size=2)
    np.testing.assert_array_equal(S.max_pool_forward(a), out)
    delta = rng.standard_normal(out.shape)
    np.testing.assert_array_equal(S.max_pool_backward(delta, a), max_pool_backward(delta, pool_cache))
    a_prev, w = rng.standard_normal((2, 3, 7, 6)), rng.standard_normal((4, 3, 3, 2))
    z, conv_cache = conv2d_forward(a_prev, w, np.zeros(4))
    close(S.correlate(a_prev, w), z)
    dz = rng.standard_normal(z.shape)
    for ours, truth in zip(S.conv_backward(dz, a_prev, w), conv2d_backward(dz, conv_cache)):
        close(ours, truth)


def test_sgd_step_values_and_no_mutation():
    params, grads = S.init_params(1), S.init_params(2)
    saved = {k: v.copy() for k, v in params.items()}, {k: v.copy() for k, v in grads.items()}
    new = S.sgd_step(params, grads, 0.3)
    truth = R.sgd_step(saved[0], saved[1], 0.3)
    for key in params:
        np.testing.assert_allclose(new[key], truth[key], rtol=0, atol=1e-15)
        np.testing.assert_array_equal(params[key], saved[0][key])
        np.testing.assert_array_equal(grads[key], saved[1][key])
        assert not np.shares_memory(new[key], params[key])


def test_train_is_the_references():
    x, y = load_digits()
    x, y = x[:200], y[:200]
    params = S.init_params(7)
    saved = {k: v.copy() for k, v in params.items()}
    ours, history = S.train(x, y, params, epochs=2, lr=0.05, batch_size=32, seed=11)
    truth, truth_history = R.train(x, y, R.lenet_params(7), epochs=2, lr=0.05, batch_size=32, seed=11)
    assert all(np.array_equal(params[k], saved[k]) for k in saved)
    for key in truth:
        close(ours[key], truth[key])
    close(history["loss"], [h["loss"] for h in truth_history])
    assert history["accuracy"] == [h["accuracy"] for h in truth_history]
    close(history["step_loss"], [loss for h in truth_history for loss in h["step_loss"]])
    assert len(history["step_loss"]) == 2 * 7  # batches of 32: six full and one of 8, per epoch


def test_worked_examples_in_the_docstring_hold():
    result = doctest.testmod(S, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 15 and result.failed == 0


def test_python_m_doctest_passes():
    done = subprocess.run([sys.executable, "-m", "doctest", "solutions/exercise5.py"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
