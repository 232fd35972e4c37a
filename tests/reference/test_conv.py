"""reference.conv against plain-loop versions, numerical differentiation and (when installed) torch autograd.

Tolerances: vectorized vs loop 1e-12 (relative to the largest value); analytic vs numerical rel_error <= 1e-7
(central differences, h = 1e-3: the layer is linear in each of x, w, b, so the step adds no truncation error);
torch 1e-12.
"""
import numpy as np
import pytest

from reference.conv import connection_mask, conv2d_backward, conv2d_forward
from reference.numgrad import numerical_vjp, rel_error

C3_TABLE = [[0, 1, 2], [1, 2, 3], [2, 3, 4], [3, 4, 5], [4, 5, 0], [5, 0, 1], [0, 1, 2, 3], [1, 2, 3, 4],
            [2, 3, 4, 5], [3, 4, 5, 0], [4, 5, 0, 1], [5, 0, 1, 2], [0, 1, 3, 4], [1, 2, 4, 5], [0, 2, 3, 5],
            [0, 1, 2, 3, 4, 5]]

# (N, C, H, W, F, KH, KW, stride, padding); several have (H + 2p - KH) % stride != 0
CASES = [
    (2, 3, 7, 7, 4, 3, 3, 1, 0),
    (2, 2, 8, 9, 3, 3, 3, 2, 1),   # stride 2 with padding, 9 + 2 - 3 = 8 even, 8 + 2 - 3 = 7 odd
    (3, 2, 10, 8, 2, 3, 2, 3, 0),  # stride 3, rectangular kernel, 10 - 3 = 7 not a multiple of 3
    (1, 1, 6, 5, 2, 2, 4, 1, 2),   # padding 2 > kernel overhang, rectangular kernel
    (2, 3, 5, 5, 2, 5, 5, 1, 0),   # kernel as large as the input: 1x1 output
    (2, 2, 9, 7, 3, 4, 3, 2, 1),   # even kernel, stride 2, 9 + 2 - 4 = 7 odd
]


def loop_conv_forward(x, w, b, s, p, mask=None):
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    if mask is not None:
        w = w * mask[:, :, None, None]
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    Ho, Wo = (H + 2 * p - KH) // s + 1, (W + 2 * p - KW) // s + 1
    out = np.zeros((N, F, Ho, Wo))
    for n in range(N):
        for f in range(F):
            for i in range(Ho):
                for j in range(Wo):
                    out[n, f, i, j] = np.sum(w[f] * xp[n, :, i * s:i * s + KH, j * s:j * s + KW]) + b[f]
    return out


def loop_conv_backward(dout, x, w, s, p):
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    dxp, dw, db = np.zeros_like(xp), np.zeros_like(w), np.zeros(F)
    for n in range(N):
        for f in range(F):
            for i in range(dout.shape[2]):
                for j in range(dout.shape[3]):
                    g = dout[n, f, i, j]
                    dxp[n, :, i * s:i * s + KH, j * s:j * s + KW] += g * w[f]
                    dw[f] += g * xp[n, :, i * s:i * s + KH, j * s:j * s + KW]
                    db[f] += g
    return dxp[:, :, p:p + H, p:p + W], dw, db


def make(case, seed):
    N, C, H, W, F, KH, KW, s, p = case
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((N, C, H, W)), rng.standard_normal((F, C, KH, KW)), rng.standard_normal(F),
            s, p, rng)


def close(a, b, tol=1e-12):
    return a.shape == b.shape and np.max(np.abs(a - b)) <= tol * max(1.0, np.max(np.abs(b)))


@pytest.mark.parametrize("case", CASES)
def test_forward_and_backward_match_plain_loops(case):
    x, w, b, s, p, rng = make(case, 1)
    out, cache = conv2d_forward(x, w, b, stride=s, padding=p)
    N, C, H, W, F, KH, KW = case[:7]
    assert out.shape == (N, F, (H + 2 * p - KH) // s + 1, (W + 2 * p - KW) // s + 1)
    assert close(out, loop_conv_forward(x, w, b, s, p))
    dout = rng.standard_normal(out.shape)
    for got, want in zip(conv2d_backward(dout, cache), loop_conv_backward(dout, x, w, s, p)):
        assert close(got, want)


@pytest.mark.parametrize("case", CASES)
def test_backward_matches_numerical_vjp(case):
    x, w, b, s, p, rng = make(case, 2)
    out, cache = conv2d_forward(x, w, b, stride=s, padding=p)
    dout = rng.standard_normal(out.shape)
    dx, dw, db = conv2d_backward(dout, cache)
    conv = lambda x_, w_, b_: conv2d_forward(x_, w_, b_, stride=s, padding=p)[0]
    assert rel_error(dx, numerical_vjp(lambda v: conv(v, w, b), x, dout, h=1e-3)) <= 1e-7
    assert rel_error(dw, numerical_vjp(lambda v: conv(x, v, b), w, dout, h=1e-3)) <= 1e-7
    assert rel_error(db, numerical_vjp(lambda v: conv(x, w, v), b, dout, h=1e-3)) <= 1e-7


def random_case(seed):
    """A random valid configuration (drawn from a seeded generator, so a failure is reproducible)."""
    rng = np.random.default_rng(100 + seed)
    N, C, F = rng.integers(1, 4, 3)
    KH, KW, s = rng.integers(1, 5), rng.integers(1, 5), rng.integers(1, 4)
    p = rng.integers(0, 3)
    H, W = rng.integers(max(1, KH - 2 * p), 11), rng.integers(max(1, KW - 2 * p), 11)
    return tuple(int(v) for v in (N, C, H, W, F, KH, KW, s, p))


@pytest.mark.parametrize("seed", range(8))
def test_random_shapes_against_loops_and_numerical_vjp(seed):
    case = random_case(seed)
    x, w, b, s, p, rng = make(case, seed)
    out, cache = conv2d_forward(x, w, b, stride=s, padding=p)
    assert close(out, loop_conv_forward(x, w, b, s, p)), case
    dout = rng.standard_normal(out.shape)
    grads = conv2d_backward(dout, cache)
    assert all(close(g, v) for g, v in zip(grads, loop_conv_backward(dout, x, w, s, p))), case
    numeric = numerical_vjp(lambda v: conv2d_forward(v, w, b, stride=s, padding=p)[0], x, dout, h=1e-3)
    assert rel_error(grads[0], numeric) <= 1e-7, case


def test_rows_never_read_get_zero_gradient():
    x, w, b, s, p, rng = make((2, 2, 10, 8, 2, 3, 2, 3, 0), 3)  # rows 0..8 read, row 9 never
    out, cache = conv2d_forward(x, w, b, stride=3)
    dx = conv2d_backward(rng.standard_normal(out.shape), cache)[0]
    assert np.all(dx[:, :, 9, :] == 0) and np.all(dx[:, :, :9, :].any(axis=(0, 1, 3)))


def test_inputs_are_not_mutated():
    x, w, b, s, p, rng = make(CASES[1], 4)
    copies = [a.copy() for a in (x, w, b)]
    out, cache = conv2d_forward(x, w, b, stride=s, padding=p, connections=[[0], [1], [0, 1]])
    dout = rng.standard_normal(out.shape)
    dout_copy = dout.copy()
    conv2d_backward(dout, cache)
    assert all(np.array_equal(a, c) for a, c in zip((x, w, b, dout), copies + [dout_copy]))


def test_connection_mask_of_lenet_c3():
    mask = connection_mask(C3_TABLE, 6, 16)
    assert mask.shape == (16, 6) and mask.dtype == bool and mask.sum() == 60
    assert mask[0].tolist() == [True, True, True, False, False, False]
    assert mask[14].tolist() == [True, False, True, True, False, True] and mask[15].all()


def test_connection_table_conv_matches_loop_and_numerical_gradient():
    rng = np.random.default_rng(5)
    x, w, b = rng.standard_normal((2, 6, 8, 8)), rng.standard_normal((16, 6, 3, 3)), rng.standard_normal(16)
    mask = connection_mask(C3_TABLE, 6, 16)
    out, cache = conv2d_forward(x, w, b, connections=C3_TABLE)
    assert close(out, loop_conv_forward(x, w, b, 1, 0, mask))
    dout = rng.standard_normal(out.shape)
    dx, dw, db = conv2d_backward(dout, cache)
    assert np.all(dw[~mask] == 0) and np.all(dw[mask] != 0)
    conv = lambda x_, w_: conv2d_forward(x_, w_, b, connections=C3_TABLE)[0]
    assert rel_error(dw, numerical_vjp(lambda v: conv(x, v), w, dout, h=1e-3)) <= 1e-7
    assert rel_error(dx, numerical_vjp(lambda v: conv(v, w), x, dout, h=1e-3)) <= 1e-7
    # the unlisted weights really are ignored: changing them changes nothing
    w2 = np.where(mask[:, :, None, None], w, 99.0)
    assert np.array_equal(conv2d_forward(x, w2, b, connections=C3_TABLE)[0], out)


def raises(match, fn, *args, **kwargs):
    with pytest.raises(ValueError, match=match):
        fn(*args, **kwargs)


def test_bad_input_raises_value_error_naming_the_argument():
    x, w, b = np.zeros((2, 3, 6, 6)), np.zeros((4, 3, 3, 3)), np.zeros(4)
    raises(r"w has 2 input channels but x has 3", conv2d_forward, x, np.zeros((4, 2, 3, 3)), b)
    raises(r"kernel 7x3 is larger than the padded input 6x6", conv2d_forward, x, np.zeros((4, 3, 7, 3)), b)
    conv2d_forward(x, np.zeros((4, 3, 7, 3)), b, padding=1)  # 8x8 padded input: fine
    raises(r"stride must be >= 1", conv2d_forward, x, w, b, stride=0)
    raises(r"stride must be >= 1", conv2d_forward, x, w, b, stride=-2)
    raises(r"padding must be >= 0", conv2d_forward, x, w, b, padding=-1)
    raises(r"x must be a non-empty 4-d array, got shape \(3, 6, 6\)", conv2d_forward, x[0], w, b)
    raises(r"w must be a non-empty 4-d array", conv2d_forward, x, w[0], b)
    raises(r"b must have shape \(4,\)", conv2d_forward, x, w, np.zeros(3))
    raises(r"b must be a non-empty 1-d array, got shape \(4, 1\)", conv2d_forward, x, w, np.zeros((4, 1)))
    raises(r"b must be a non-empty 1-d array, got shape \(\)", conv2d_forward, x, w, 0.0)
    out, cache = conv2d_forward(x, w, b)
    raises(r"dout must have shape \(2, 4, 4, 4\)", conv2d_backward, np.zeros((2, 4, 4, 3)), cache)
    raises(r"dout must have shape \(2, 4, 4, 4\)", conv2d_backward, np.zeros((1, 4, 4, 4)), cache)
    raises(r"dout must be a non-empty 4-d array", conv2d_backward, np.zeros((4, 4, 4)), cache)
    with pytest.raises(TypeError, match="stride"):
        conv2d_forward(x, w, b, stride=1.5)


def test_bad_connection_tables_raise():
    x, w, b = np.zeros((1, 3, 5, 5)), np.zeros((2, 3, 3, 3)), np.zeros(2)
    raises(r"connections\[1\] names input map 3, but there are only 3 input maps", conv2d_forward,
           x, w, b, connections=[[0], [1, 3]])
    raises(r"connections\[0\] names input map -1", connection_mask, [[-1]], 3, 1)
    raises(r"connections lists 3 output maps, but the layer has 2", conv2d_forward, x, w, b,
           connections=[[0], [1], [2]])
    raises(r"connections\[0\] names input map 1 twice", connection_mask, [[1, 1]], 3, 1)
    with pytest.raises(TypeError, match=r"connections\[0\]"):
        connection_mask([[0.5]], 3, 1)


@pytest.mark.parametrize("case", CASES[:4])
def test_matches_torch_autograd(case):
    torch = pytest.importorskip("torch")
    x, w, b, s, p, rng = make(case, 6)
    out, cache = conv2d_forward(x, w, b, stride=s, padding=p)
    dout = rng.standard_normal(out.shape)
    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    tout = torch.nn.functional.conv2d(tx, tw, tb, stride=s, padding=p)
    tout.backward(torch.tensor(dout))
    assert close(out, tout.detach().numpy())
    for got, t in zip(conv2d_backward(dout, cache), (tx, tw, tb)):
        assert close(got, t.grad.numpy())


def layouts(a):
    """`a` stored C-order, Fortran-order, channel-major and batch-innermost (all the same NCHW values)."""
    return [a, np.asfortranarray(a), np.ascontiguousarray(a.transpose(1, 0, 2, 3)).transpose(1, 0, 2, 3),
            np.ascontiguousarray(a.transpose(1, 2, 3, 0)).transpose(3, 0, 1, 2)]


def test_any_memory_layout_gives_the_same_results():
    x, w, b, s, p, rng = make(CASES[1], 7)
    out, cache = conv2d_forward(x, w, b, stride=s, padding=p)
    dout = rng.standard_normal(out.shape)
    want = (out,) + conv2d_backward(dout, cache)
    for x_, dout_ in zip(layouts(x), layouts(dout)[::-1]):
        out2, cache2 = conv2d_forward(x_, w, b, stride=s, padding=p)
        got = (out2,) + conv2d_backward(dout_, cache2)
        assert all(close(g, v, 1e-14) for g, v in zip(got, want))  # sums may reorder
    # a convolution's output feeds the next one
    w2, b2 = rng.standard_normal((2, 3, 2, 2)), rng.standard_normal(2)
    assert close(conv2d_forward(out, w2, b2)[0], loop_conv_forward(np.ascontiguousarray(out), w2, b2, 1, 0))
    ints = conv2d_forward(np.arange(2 * 3 * 7 * 7).reshape(2, 3, 7, 7), w[:, :2].repeat(2, 1)[:, :3], b)[0]
    assert ints.dtype == np.float64  # integer input is converted to float64


def test_backward_without_the_input_gradient_gives_the_same_kernel_and_bias_gradients():
    rng = np.random.default_rng(3)
    x, w, b = rng.standard_normal((2, 3, 7, 6)), rng.standard_normal((4, 3, 3, 2)), rng.standard_normal(4)
    out, cache = conv2d_forward(x, w, b, stride=2, padding=1)
    dout = rng.standard_normal(out.shape)
    dx, dw, db = conv2d_backward(dout, cache)
    none, dw2, db2 = conv2d_backward(dout, cache, input_grad=False)
    assert none is None
    np.testing.assert_array_equal(dw2, dw)  # exactly the same arithmetic
    np.testing.assert_array_equal(db2, db)
