"""PyTorch autograd as the outside witness for exercise 5's network: the same LeNet in torch float64 with the
reference's weights copied in. Loss and every gradient agree to 1e-9 (absolute, after scaling by the largest
entry when that is above 1); a few SGD steps of `train` match torch's to 1e-9 as well."""
import numpy as np
import pytest

from reference import train as T
from reference.digits import load_digits

torch = pytest.importorskip("torch")
F = torch.nn.functional
TOL = 1e-9


def torch_scores(x, p):
    """Seed 000's simplified LeNet in torch. p: dict of float64 tensors keyed like the reference's params."""
    a = F.max_pool2d(F.relu(F.conv2d(x, p["C1.w"], p["C1.b"])), 2)
    a = F.max_pool2d(F.relu(F.conv2d(a, p["C3.w"], p["C3.b"])), 2)
    a = F.relu(F.conv2d(a, p["C5.w"], p["C5.b"])).flatten(1)
    a = F.relu(a @ p["F6.w"] + p["F6.b"])  # the reference's dense weights are (in, out)
    return a @ p["F7.w"] + p["F7.b"]


def torch_loss_and_grads(x, y, params):
    p = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    loss = F.cross_entropy(torch_scores(torch.tensor(x), p), torch.tensor(y))
    loss.backward()
    return loss.item(), {k: t.grad.numpy() for k, t in p.items()}


def close(ours, theirs):
    assert ours.shape == theirs.shape
    assert np.max(np.abs(ours - theirs)) <= TOL * max(1.0, np.max(np.abs(theirs)))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_loss_and_every_gradient_match_torch(seed):
    rng = np.random.default_rng(seed)
    x, y = rng.uniform(0.0, 1.0, (8, 1, 32, 32)), rng.integers(0, 10, 8)
    params = T.lenet_params(seed)
    params = {k: v + 0.05 * rng.standard_normal(v.shape) if k.endswith(".b") else v for k, v in params.items()}
    loss, grads, _ = T.lenet_loss(x, y, params)
    tloss, tgrads = torch_loss_and_grads(x, y, params)
    assert abs(loss - tloss) <= TOL
    for key in T.PARAM_SHAPES:
        close(grads[key], tgrads[key])


def test_gradients_on_real_digits_match_torch():
    x, y = load_digits()
    params = T.lenet_params(3)
    loss, grads, _ = T.lenet_loss(x[:32], y[:32], params)
    tloss, tgrads = torch_loss_and_grads(x[:32], y[:32], params)
    assert abs(loss - tloss) <= TOL
    for key in T.PARAM_SHAPES:
        close(grads[key], tgrads[key])


def test_train_matches_torch_sgd():
    x, y = load_digits()
    x, y = x[:96], y[:96]
    params = T.lenet_params(4)
    trained, history = T.train(x, y, params, epochs=1, lr=0.05, batch_size=32, seed=9)
    p = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    optimiser = torch.optim.SGD(p.values(), lr=0.05)  # plain SGD: w <- w - lr * grad
    order = np.random.default_rng(9).permutation(96)  # the order train documents
    for step, start in enumerate(range(0, 96, 32)):
        batch = order[start:start + 32]
        optimiser.zero_grad()
        loss = F.cross_entropy(torch_scores(torch.tensor(x[batch]), p), torch.tensor(y[batch]))
        loss.backward()
        optimiser.step()
        assert abs(history[0]["step_loss"][step] - loss.item()) <= TOL
    for key in T.PARAM_SHAPES:
        close(trained[key], p[key].detach().numpy())
