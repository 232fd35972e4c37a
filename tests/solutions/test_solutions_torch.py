"""PyTorch autograd as the outside witness for the instructor's answers to exercises 2-4 (what every grade is
checked against). float64; tolerance 1e-10 relative (both sides are exact up to rounding)."""

import importlib

import numpy as np
import pytest

torch = pytest.importorskip("torch")
F = torch.nn.functional
TOL = 1e-10

TORCH_ACTIVATIONS = {
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "relu": torch.relu,
    "lenet_tanh": lambda z: 1.7159 * torch.tanh(2.0 * z / 3.0),
}


def close(ours, theirs):
    theirs = theirs.detach().numpy()
    assert ours.shape == theirs.shape
    assert np.max(np.abs(ours - theirs)) <= TOL * max(1.0, np.max(np.abs(theirs)))


def grad_of(fn, *arrays, dout):
    tensors = [torch.tensor(a, requires_grad=True) for a in arrays]
    (fn(*tensors) * torch.tensor(dout)).sum().backward()
    return [t.grad for t in tensors]


def solution(number):
    return importlib.import_module(f"solutions.exercise{number}")


@pytest.mark.parametrize("stride, padding, size", [(1, 0, (7, 6)), (2, 1, (8, 9)), (3, 2, (10, 7))])
def test_solution_conv_gradients(stride, padding, size):
    rng = np.random.default_rng(stride)
    x, w = rng.standard_normal((2, 3, *size)), rng.standard_normal((4, 3, 3, 2))
    out = F.conv2d(torch.tensor(x), torch.tensor(w), stride=stride, padding=padding)
    delta = rng.standard_normal(tuple(out.shape))
    dx, dw = grad_of(lambda tx, tw: F.conv2d(tx, tw, stride=stride, padding=padding), x, w, dout=delta)
    close(solution(3).conv_backward_input(delta, w, stride=stride, padding=padding, input_size=size), dx)
    close(solution(4).conv_backward_weights(delta, x, (3, 2), stride=stride, padding=padding), dw)
    close(solution(4).conv_backward_bias(delta), torch.tensor(delta.sum(axis=(0, 2, 3))))


def test_solution_pooling_gradients():
    rng = np.random.default_rng(5)
    x = rng.integers(0, 3, (2, 3, 6, 4)).astype(np.float64)  # many ties: the first maximum takes the gradient
    delta = rng.standard_normal((2, 3, 3, 2))
    ex2 = solution(2)
    close(ex2.avg_pool_backward(delta, 2), grad_of(lambda t: F.avg_pool2d(t, 2), x, dout=delta)[0])
    x = x + rng.standard_normal(x.shape) * 1e-3  # torch's own tie rule is not documented: compare without ties
    close(ex2.max_pool_backward(delta, x, 2), grad_of(lambda t: F.max_pool2d(t, 2), x, dout=delta)[0])
    coef, bias = rng.standard_normal(3), rng.standard_normal(3)
    got = ex2.subsample_backward(delta, x, coef, 2)
    theirs = grad_of(lambda t, c, b: F.avg_pool2d(t, 2) * 4 * c[None, :, None, None] + b[None, :, None, None],
                     x, coef, bias, dout=delta)
    for ours, t in zip(got, theirs):
        close(np.asarray(ours), t)
    for kind, fn in TORCH_ACTIVATIONS.items():
        z = rng.standard_normal((2, 3, 4, 4))
        close(ex2.activation_backward(delta[:, :, :2, :2].repeat(2, 2).repeat(2, 3), z, kind),
              grad_of(fn, z, dout=delta[:, :, :2, :2].repeat(2, 2).repeat(2, 3))[0])
