"""PyTorch witnesses for reference.resnet and exercise 6's block (never a runtime dependency).

ResNets are built here in plain torch.nn from the paper's table (no torchvision), on the meta device (shapes
only, no memory); parameters are counted with sum(p.numel()), multiply-adds with forward hooks on Conv2d
(out.numel() * C_in * KH * KW) and Linear (in * out). Both must equal our counts exactly. The residual block's
backward (dict cache) is checked against autograd in float64 to 1e-9 relative to the largest entry.
"""
import numpy as np
import pytest

from reference.residual import residual_block_backward, residual_block_forward
from reference.resnet import count_resnet, resnet_counts, resnet_spec, stack_backward, stack_forward

torch = pytest.importorskip("torch")
nn = torch.nn

PAPER_FLOPS = {18: 1.8, 34: 3.6, 50: 3.8, 101: 7.6, 152: 11.3}
PAPER_PARAMS = {18: 11.7, 34: 21.8, 50: 25.6, 101: 44.5, 152: 60.2}
REPEATS = {18: (2, 2, 2, 2), 34: (3, 4, 6, 3), 50: (3, 4, 6, 3), 101: (3, 4, 23, 3), 152: (3, 8, 36, 3)}
TOL = 1e-9


class Block(nn.Module):
    def __init__(self, maps, width, stride, bottleneck):
        super().__init__()
        out = 4 * width if bottleneck else width
        if bottleneck:  # the paper's placement: the stride in the first 1x1
            self.branch = nn.Sequential(
                nn.Conv2d(maps, width, 1, stride, bias=False), nn.BatchNorm2d(width), nn.ReLU(),
                nn.Conv2d(width, width, 3, 1, 1, bias=False), nn.BatchNorm2d(width), nn.ReLU(),
                nn.Conv2d(width, out, 1, bias=False), nn.BatchNorm2d(out))
        else:
            self.branch = nn.Sequential(
                nn.Conv2d(maps, width, 3, stride, 1, bias=False), nn.BatchNorm2d(width), nn.ReLU(),
                nn.Conv2d(width, width, 3, 1, 1, bias=False), nn.BatchNorm2d(width))
        self.shortcut = (nn.Sequential(nn.Conv2d(maps, out, 1, stride, bias=False), nn.BatchNorm2d(out))
                         if stride != 1 or maps != out else nn.Identity())
        self.out = out

    def forward(self, x):
        return torch.relu(self.branch(x) + self.shortcut(x))


def torch_resnet(depth):
    layers, maps = [nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(3, 2, 1)], 64
    for stage, (width, repeat) in enumerate(zip((64, 128, 256, 512), REPEATS[depth])):
        for i in range(repeat):
            block = Block(maps, width, 2 if stage and not i else 1, depth >= 50)
            layers.append(block)
            maps = block.out
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(maps, 1000)]
    return nn.Sequential(*layers)


def torch_counts(depth):
    with torch.device("meta"):
        net = torch_resnet(depth).eval()
        macs = []

        def hook(module, inputs, output):
            if isinstance(module, nn.Conv2d):
                kh, kw = module.kernel_size
                macs.append(output.numel() * module.in_channels // module.groups * kh * kw)
            else:
                macs.append(module.in_features * module.out_features * output.numel() // module.out_features)
        for m in net.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                m.register_forward_hook(hook)
        out = net(torch.empty(1, 3, 224, 224))
    assert tuple(out.shape) == (1, 1000)
    return sum(macs), sum(p.numel() for p in net.parameters()), len(macs)


@pytest.mark.parametrize("depth", [18, 34, 50, 101, 152])
def test_torch_counts_agree_with_ours_and_the_paper(depth):
    macs, params, layers = torch_counts(depth)
    assert (macs, params) == resnet_counts(depth)
    assert layers == sum(1 for r in count_resnet(resnet_spec(depth)) if r.kind in ("conv", "fc"))
    assert abs(macs / 1e9 - PAPER_FLOPS[depth]) < 0.1 and round(params / 1e6, 1) == PAPER_PARAMS[depth]


def test_residual_block_backward_matches_autograd():
    rng = np.random.default_rng(11)
    n, c, h, w = 3, 4, 6, 5
    args = dict(x=rng.standard_normal((n, c, h, w)), w1=rng.standard_normal((c, c, 3, 3)) * 0.4,
                b1=rng.standard_normal(c) * 0.2, w2=rng.standard_normal((c, c, 3, 3)) * 0.4,
                b2=rng.standard_normal(c) * 0.2)
    out, cache = residual_block_forward(**args)
    dout = rng.standard_normal(out.shape)
    dx, grads = residual_block_backward(dout, cache)
    t = {k: torch.tensor(v, requires_grad=True) for k, v in args.items()}
    conv = nn.functional.conv2d
    a1 = torch.relu(conv(t["x"], t["w1"], t["b1"], padding=1))
    t_out = torch.relu(conv(a1, t["w2"], t["b2"], padding=1) + t["x"])
    np.testing.assert_allclose(out, t_out.detach().numpy(), rtol=0, atol=1e-12)
    (t_out * torch.tensor(dout)).sum().backward()
    for mine, name in [(dx, "x"), (grads["w1"], "w1"), (grads["b1"], "b1"), (grads["w2"], "w2"),
                       (grads["b2"], "b2")]:
        theirs = t[name].grad.numpy()
        assert np.abs(mine - theirs).max() <= TOL * max(1.0, np.abs(theirs).max()), name


@pytest.mark.parametrize("shortcut", [False, True])
def test_stack_deltas_match_autograd(shortcut):
    rng = np.random.default_rng(12)
    weights, x = [rng.standard_normal((5, 5)) / np.sqrt(5) for _ in range(6)], rng.standard_normal((3, 5))
    out, cache = stack_forward(weights, x, shortcut=shortcut)
    grads = stack_backward(np.ones_like(out), cache)
    tw = [torch.tensor(wt, requires_grad=True) for wt in weights]
    a, zs = torch.tensor(x), []
    for wt in tw:
        z = a @ wt
        z.retain_grad()
        zs.append(z)
        a = a + torch.sigmoid(z) if shortcut else torch.sigmoid(z)
    a.sum().backward()
    for mine, z in zip(grads.deltas, zs):
        theirs = z.grad.numpy()
        assert np.abs(mine - theirs).max() <= TOL * max(1.0, np.abs(theirs).max())
    for mine, wt in zip(grads.dweights, tw):
        assert np.abs(mine - wt.grad.numpy()).max() <= TOL * max(1.0, np.abs(wt.grad.numpy()).max())
