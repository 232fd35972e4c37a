"""PyTorch as the outside witness for reference.conv_family: conv_transpose2d (strides 1-3, paddings 0-2) and
conv2d with dilation 1-3, forward and gradients against autograd. float64; tolerance 1e-9 relative to
max(1, the largest value) (both sides are exact up to rounding, about 1e-15 here).
"""
import itertools

import numpy as np
import pytest

from reference.conv_family import (conv_transpose2d_backward, conv_transpose2d_forward, dilated_conv2d_backward,
                                   dilated_conv2d_forward, same_padding)

torch = pytest.importorskip("torch")
F = torch.nn.functional
TOL = 1e-9


def close(ours, theirs):
    theirs = theirs.detach().numpy()
    assert ours.shape == theirs.shape
    assert np.max(np.abs(ours - theirs)) <= TOL * max(1.0, np.max(np.abs(theirs)))


def torch_grads(fn, arrays, dout):
    tensors = [torch.tensor(a, requires_grad=True) for a in arrays]
    out = fn(*tensors)
    (out * torch.tensor(dout)).sum().backward()
    return out, [t.grad for t in tensors]


@pytest.mark.parametrize("stride, padding", list(itertools.product((1, 2, 3), (0, 1, 2))))
def test_conv_transpose2d_matches_torch(stride, padding):
    rng = np.random.default_rng(10 * stride + padding)
    x = rng.standard_normal((2, 3, 4, 5))       # C_in = 3
    w = rng.standard_normal((3, 2, 3, 4))       # (C_in, C_out, KH, KW), C_in != C_out, KH != KW
    b = rng.standard_normal(2)
    out, cache = conv_transpose2d_forward(x, w, b, stride=stride, padding=padding)
    assert out.shape == (2, 2, 3 * stride - 2 * padding + 3, 4 * stride - 2 * padding + 4)
    dout = rng.standard_normal(out.shape)
    theirs, grads = torch_grads(lambda *t: F.conv_transpose2d(*t, stride=stride, padding=padding),
                                (x, w, b), dout)
    close(out, theirs)
    for ours, their in zip(conv_transpose2d_backward(dout, cache), grads):
        close(ours, their)


@pytest.mark.parametrize("dilation, stride, padding",
                         list(itertools.product((1, 2, 3), (1, 2), (0, 1, 2))))
def test_dilated_conv2d_matches_torch(dilation, stride, padding):
    rng = np.random.default_rng(100 * dilation + 10 * stride + padding)
    x = rng.standard_normal((2, 3, 11, 10))
    w = rng.standard_normal((4, 3, 3, 2))
    b = rng.standard_normal(4)
    out, cache = dilated_conv2d_forward(x, w, b, dilation=dilation, stride=stride, padding=padding)
    dout = rng.standard_normal(out.shape)
    theirs, grads = torch_grads(lambda *t: F.conv2d(*t, stride=stride, padding=padding, dilation=dilation),
                                (x, w, b), dout)
    close(out, theirs)
    for ours, their in zip(dilated_conv2d_backward(dout, cache), grads):
        close(ours, their)


@pytest.mark.parametrize("K, D", [(3, 1), (3, 2), (3, 3), (5, 2), (2, 2)])
def test_same_padding_matches_torch_same(K, D):
    x = torch.tensor(np.random.default_rng(K + D).standard_normal((1, 2, 9, 8)))
    w = torch.tensor(np.random.default_rng(D).standard_normal((3, 2, K, K)))
    ours, _ = dilated_conv2d_forward(x.numpy(), w.numpy(), np.zeros(3), dilation=D, padding=same_padding(K, D))
    close(ours, F.conv2d(x, w, dilation=D, padding="same"))
