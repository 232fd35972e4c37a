"""reference.residual: the basic residual block, against a direct NumPy formula, central differences and torch."""
import numpy as np
import pytest

from reference.numgrad import directional_check, numerical_vjp, rel_error
from reference.residual import residual_backward, residual_forward

TOL = 1e-6  # relative error of float64 central differences (h = 1e-6 directional, 1e-5 entrywise)


def _case(seed, n=2, c=3, h=5, w=4):
    rng = np.random.default_rng(seed)
    args = dict(x=rng.standard_normal((n, c, h, w)), w1=rng.standard_normal((c, c, 3, 3)) * 0.5,
                b1=rng.standard_normal(c) * 0.3, w2=rng.standard_normal((c, c, 3, 3)) * 0.5,
                b2=rng.standard_normal(c) * 0.3)
    return args, rng


def _conv3x3_same(x, w, b):
    """Direct loops: z[n,f,i,j] = sum_{c,p,q} w[f,c,p,q] * x_pad[n,c,i+p,j+q] + b[f], padding 1."""
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    out = np.zeros((x.shape[0], w.shape[0]) + x.shape[2:])
    for i in range(x.shape[2]):
        for j in range(x.shape[3]):
            out[:, :, i, j] = np.einsum("ncpq,fcpq->nf", xp[:, :, i:i + 3, j:j + 3], w) + b
    return out


def test_forward_matches_the_formula():
    args, _ = _case(0)
    a1 = np.maximum(_conv3x3_same(args["x"], args["w1"], args["b1"]), 0)
    expected = np.maximum(_conv3x3_same(a1, args["w2"], args["b2"]) + args["x"], 0)
    out, _ = residual_forward(**args)
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)


def test_backward_random_directions():
    args, rng = _case(1)
    dout = rng.standard_normal(args["x"].shape)
    out, cache = residual_forward(**args)
    grads = dict(zip(("x", "w1", "b1", "w2", "b2"), residual_backward(dout, cache)))
    for _ in range(3):
        numeric, analytic = directional_check(lambda p: float(np.sum(residual_forward(**p)[0] * dout)),
                                              args, grads, rng=rng)
        assert rel_error(numeric, analytic) < TOL, (numeric, analytic)


@pytest.mark.parametrize("name", ["x", "w1", "b1", "w2", "b2"])
def test_backward_each_input_against_central_differences(name):
    args, rng = _case(2, n=1, c=2, h=4, w=3)
    dout = rng.standard_normal(args["x"].shape)
    grads = dict(zip(("x", "w1", "b1", "w2", "b2"), residual_backward(dout, residual_forward(**args)[1])))

    def f(v):
        return residual_forward(**dict(args, **{name: v}))[0]
    numeric = numerical_vjp(f, args[name], dout)
    # absolute floor 1e-8 relative to the largest entry: ReLU-dead entries are exactly 0 on both sides
    np.testing.assert_allclose(grads[name], numeric, rtol=TOL, atol=1e-8 * np.abs(numeric).max())


def test_shortcut_carries_the_gradient_when_the_convs_are_zero():
    """With zero conv weights and biases and x > 0, out = relu(0 + x) = x and dx = dout exactly."""
    args, rng = _case(3)
    args.update(x=np.abs(args["x"]) + 0.1, w1=np.zeros_like(args["w1"]), b1=np.zeros(3),
                w2=np.zeros_like(args["w2"]), b2=np.zeros(3))
    out, cache = residual_forward(**args)
    dout = rng.standard_normal(out.shape)
    dx, dw1, db1, dw2, db2 = residual_backward(dout, cache)
    np.testing.assert_array_equal(out, args["x"])
    np.testing.assert_array_equal(dx, dout)
    assert np.all(dw1 == 0) and np.all(db1 == 0) and np.abs(db2).max() > 0


def test_does_not_mutate_inputs():
    args, rng = _case(4)
    copies = {k: v.copy() for k, v in args.items()}
    out, cache = residual_forward(**args)
    residual_backward(rng.standard_normal(out.shape), cache)
    assert all(np.array_equal(args[k], copies[k]) for k in args)


@pytest.mark.parametrize("change, match", [
    (dict(w1=np.zeros((3, 2, 3, 3))), "w1"), (dict(w2=np.zeros((3, 3, 5, 5))), "w2"),
    (dict(b1=np.zeros(4)), "b1"), (dict(b2=np.zeros((3, 1))), "b2"), (dict(x=np.zeros((3, 5, 4))), "x")])
def test_bad_shapes_raise(change, match):
    args, _ = _case(5)
    with pytest.raises(ValueError, match=match):
        residual_forward(**dict(args, **change))


def test_matches_torch_autograd():
    torch = pytest.importorskip("torch")
    args, rng = _case(6, n=3, c=4, h=6, w=6)
    dout = rng.standard_normal(args["x"].shape)
    mine = residual_backward(dout, residual_forward(**args)[1])
    t = {k: torch.tensor(v, requires_grad=True) for k, v in args.items()}
    conv = torch.nn.functional.conv2d
    a1 = torch.relu(conv(t["x"], t["w1"], t["b1"], padding=1))
    out = torch.relu(conv(a1, t["w2"], t["b2"], padding=1) + t["x"])
    (out * torch.tensor(dout)).sum().backward()
    for name, g in zip(("x", "w1", "b1", "w2", "b2"), mine):
        theirs = t[name].grad.numpy()  # float64 on both sides: rounding only
        np.testing.assert_allclose(g, theirs, rtol=1e-9, atol=1e-9 * np.abs(theirs).max(), err_msg=name)
