"""PyTorch autograd as the outside witness for the gradients not covered elsewhere: every activation and both
losses. float64; tolerance 1e-10 relative (both sides are exact up to rounding)."""

import numpy as np
import pytest

from reference.activation import activation_backward, activation_forward
from reference.loss import mean_squared_error, softmax_cross_entropy

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


@pytest.mark.parametrize("kind", sorted(TORCH_ACTIVATIONS))
def test_activations(kind):
    rng = np.random.default_rng(3)
    z, da = rng.standard_normal((2, 3, 4, 5)), rng.standard_normal((2, 3, 4, 5))
    a, cache = activation_forward(z, kind)
    close(a, TORCH_ACTIVATIONS[kind](torch.tensor(z)))
    close(activation_backward(da, cache), grad_of(TORCH_ACTIVATIONS[kind], z, dout=da)[0])


def test_losses():
    rng = np.random.default_rng(4)
    scores, labels = rng.standard_normal((6, 10)), rng.integers(0, 10, 6)
    loss, dscores = softmax_cross_entropy(scores, labels)
    ts = torch.tensor(scores, requires_grad=True)
    tloss = F.cross_entropy(ts, torch.tensor(labels))
    tloss.backward()
    assert abs(loss - tloss.item()) <= TOL
    close(dscores, ts.grad)
    pred, target = rng.standard_normal((6, 4)), rng.standard_normal((6, 4))
    loss, dpred = mean_squared_error(pred, target)
    tp = torch.tensor(pred, requires_grad=True)
    tloss = ((tp - torch.tensor(target)) ** 2).sum() / (2 * pred.shape[0])  # the documented convention
    tloss.backward()
    assert abs(loss - tloss.item()) <= TOL
    close(dpred, tp.grad)
