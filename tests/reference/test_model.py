"""reference.model: LeNet-5 and the modern LeNet checked whole (random directions), per parameter
(central differences on a few entries) and, when torch is installed, against torch autograd."""
import importlib.util
from pathlib import Path

import numpy as np
import pytest

from reference.conv import connection_mask
from reference.model import (C3_TABLE, RBF, Activation, Conv, Dense, Flatten, Model, lenet5, model_backward,
                             model_forward, model_loss, model_params, modern_lenet, named_grads, rbf_codes,
                             with_params)
from reference.numgrad import directional_check, numerical_gradient, rel_error

TOL = 1e-6  # relative error, float64 central differences (h = 1e-6 directional, 1e-5 per entry)


def _close(numeric, analytic):
    """|numeric - analytic| <= TOL * (|numeric| + |analytic|), with a 1e-9 absolute floor for ~0 gradients."""
    return abs(numeric - analytic) <= TOL * max(abs(numeric) + abs(analytic), 1e-3)


def _randomized(model, rng):
    """The model with every trainable array redrawn (non-zero biases); C3's unlisted weights kept at 0."""
    params = {}
    for key, value in model_params(model).items():
        new = value + rng.uniform(-0.3, 0.3, value.shape)
        if key == "C3.w":
            new = new * connection_mask(C3_TABLE, 6, 16)[:, :, None, None]
        params[key] = new
    return with_params(model, params)


def _case(make, seed=0, n=3):
    rng = np.random.default_rng(seed)
    model = _randomized(make(rng), rng)
    return model, rng.standard_normal((n, 1, 32, 32)), rng.integers(0, 10, n), rng


def _loss_of(model, x, y):
    return lambda params: model_loss(with_params(model, params), x, y)[0]


@pytest.mark.parametrize("make", [lenet5, modern_lenet])
def test_whole_model_random_directions(make):
    model, x, y, rng = _case(make)
    loss, dx, grads = model_loss(model, x, y)
    params, g = model_params(model), named_grads(model, grads)
    for _ in range(3):
        numeric, analytic = directional_check(_loss_of(model, x, y), params, g, rng=rng)
        assert rel_error(numeric, analytic) < TOL, (numeric, analytic)
    numeric, analytic = directional_check(lambda p: model_loss(model, p["x"], y)[0], {"x": x}, {"x": dx}, rng=rng)
    assert rel_error(numeric, analytic) < TOL


def _entry_grad(model, x, y, key, index):
    """dL/dparam[index] by central differences on that one entry."""
    base = model_params(model)[key]

    def f(t):
        p = base.copy()
        p[index] = t[0]
        return model_loss(with_params(model, {key: p}), x, y)[0]
    return numerical_gradient(f, np.array([base[index]]))[0]


@pytest.mark.parametrize("make", [lenet5, modern_lenet])
def test_parameter_entries_against_central_differences(make):
    model, x, y, rng = _case(make, seed=1, n=2)
    g = named_grads(model, model_loss(model, x, y)[2])
    for key, value in model_params(model).items():
        flat = rng.choice(value.size, size=min(2, value.size), replace=False)
        for index in (np.unravel_index(i, value.shape) for i in flat):
            if key == "C3.w" and not connection_mask(C3_TABLE, 6, 16)[index[:2]]:
                continue
            assert _close(_entry_grad(model, x, y, key, index), g[key][index]), (key, index)


def test_small_arrays_full_numerical_gradient():
    model, x, y, _ = _case(lenet5, seed=2, n=2)
    g = named_grads(model, model_loss(model, x, y)[2])
    for key in ("S2.coef", "S4.bias", "C1.b"):
        def f(v, key=key):
            return model_loss(with_params(model, {key: v}), x, y)[0]
        assert rel_error(numerical_gradient(f, model_params(model)[key]), g[key]) < TOL, key


def test_lenet5_structure():
    model = lenet5(np.random.default_rng(3))
    assert model.names == ("C1", "C1.act", "S2", "S2.act", "C3", "C3.act", "S4", "S4.act", "C5", "C5.act",
                           "flatten", "F6", "F6.act", "OUTPUT")
    assert all(a.kind == "lenet_tanh" for a in model.layers if isinstance(a, Activation))
    c3 = model.layers[4]
    assert c3.connections == C3_TABLE and c3.w.shape == (16, 6, 5, 5)
    assert not np.any(c3.w[~connection_mask(C3_TABLE, 6, 16)])  # unlisted kernels are 0
    out = model.layers[-1]
    assert isinstance(out, RBF) and not out.trainable and out.centres.shape == (10, 84)
    assert set(np.unique(out.centres)) == {-1.0, 1.0}
    assert "OUTPUT.centres" not in model_params(model)
    assert sum(v.size for v in model_params(model).values()) == 156 + 12 + 16 * 150 + 16 + 32 + 48120 + 10164


def test_rbf_codes_are_distinct_pm1():
    codes = rbf_codes(10, 84)
    hamming = (codes[:, None, :] != codes[None, :, :]).sum(-1)
    assert codes.shape == (10, 84) and set(np.unique(codes)) == {-1.0, 1.0}
    assert hamming[~np.eye(10, dtype=bool)].min() >= 40  # every pair differs in >= 40 of 84 places


def test_c3_table_is_respected():
    model, x, y, rng = _case(lenet5, seed=4, n=2)
    mask = connection_mask(C3_TABLE, 6, 16)
    w = model_params(model)["C3.w"]
    noisy = with_params(model, {"C3.w": w + rng.standard_normal(w.shape) * ~mask[:, :, None, None]})
    np.testing.assert_allclose(model_forward(noisy, x)[0], model_forward(model, x)[0], rtol=0, atol=0)
    g = named_grads(model, model_loss(model, x, y)[2])["C3.w"]
    assert np.all(g[~mask] == 0) and np.any(g[mask] != 0)


def test_forward_backward_shapes_and_alignment():
    model = modern_lenet(np.random.default_rng(5))
    x = np.random.default_rng(6).standard_normal((4, 1, 32, 32))
    out, caches = model_forward(model, x)
    assert out.shape == (4, 10) and len(caches) == len(model.layers)
    dx, grads = model_backward(model, np.ones_like(out), caches)
    assert dx.shape == x.shape and len(grads) == len(model.layers)
    for layer, g in zip(model.layers, grads):
        expected = {"w", "b"} if isinstance(layer, (Conv, Dense)) else set()
        assert set(g) == expected and all(g[k].shape == getattr(layer, k).shape for k in g)
    assert set(named_grads(model, grads)) == set(model_params(model))
    with pytest.raises(ValueError, match="caches"):
        model_backward(model, np.ones_like(out), caches[:-1])


def test_trainable_rbf_gets_a_centre_gradient():
    rng = np.random.default_rng(7)
    model = Model((Flatten(), Dense(rng.standard_normal((12, 5)), rng.standard_normal(5)),
                   RBF(rbf_codes(3, 5), trainable=True)), ("flat", "F", "OUT"))
    x, y = rng.standard_normal((4, 3, 2, 2)), rng.integers(0, 3, 4)
    loss, _, grads = model_loss(model, x, y)
    assert set(model_params(model)) == {"F.w", "F.b", "OUT.centres"}
    f = _loss_of(model, x, y)
    numeric = numerical_gradient(lambda c: f({"OUT.centres": c}), model.layers[2].centres)
    assert rel_error(numeric, grads[2]["centres"]) < TOL


def test_with_params_replaces_without_mutating_and_validates():
    model = lenet5(np.random.default_rng(8))
    before = model_params(model)["F6.b"].copy()
    new = with_params(model, {"F6.b": np.full(84, 2.0), "OUTPUT.centres": -rbf_codes()})
    assert np.all(new.layers[11].b == 2.0) and np.all(new.layers[-1].centres == -rbf_codes())
    assert np.array_equal(model_params(model)["F6.b"], before) and new.names == model.names
    with pytest.raises(ValueError, match="F7.b"):
        with_params(model, {"F7.b": before})
    with pytest.raises(ValueError, match="C1.act.w"):
        with_params(model, {"C1.act.w": before})
    with pytest.raises(ValueError, match=r"\(84,\)"):
        with_params(model, {"F6.b": np.zeros(83)})


def test_lenet5_is_reproducible_from_the_rng():
    a, b = lenet5(np.random.default_rng(9)), lenet5(np.random.default_rng(9))
    assert all(np.array_equal(a_, b_) for a_, b_ in zip(model_params(a).values(), model_params(b).values()))


def _bench_module():
    path = Path(__file__).resolve().parents[2] / "bench" / "bench_lenet.py"
    spec = importlib.util.spec_from_file_location("bench_lenet", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_lenet5_matches_torch_autograd():
    torch = pytest.importorskip("torch")
    model, x, y, _ = _case(lenet5, seed=10, n=4)
    loss, dx, grads = model_loss(model, x, y)
    params, forward = _bench_module().torch_lenet5(model)
    tx = torch.tensor(x, requires_grad=True)
    tloss = torch.nn.functional.cross_entropy(-forward(tx), torch.tensor(y))  # RBF penalties -> scores
    tloss.backward()
    assert abs(tloss.item() - loss) < 1e-12 * max(1.0, abs(loss))
    mine = dict(named_grads(model, grads), x=dx)
    assert set(params) | {"x"} == set(mine)
    for key, theirs in dict(((k, t.grad.numpy()) for k, t in params.items()), x=tx.grad.numpy()).items():
        # float64 on both sides, so only rounding differs: relative 1e-9 of the array's largest entry
        np.testing.assert_allclose(theirs, mine[key], rtol=1e-9, atol=1e-9 * np.abs(mine[key]).max(), err_msg=key)


def test_model_needs_one_distinct_name_per_layer():
    x = np.zeros((2, 3))
    with pytest.raises(ValueError, match="name"):
        model_forward(Model((Flatten(), Flatten()), ("a",)), x)
    with pytest.raises(ValueError, match="name"):
        model_forward(Model((Flatten(), Flatten()), ("a", "a")), x)
