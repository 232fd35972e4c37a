"""The instructor's solutions against truth written here: plain loops and central differences, float64.

Tolerances: loop truths are the same sums in another order, so 1e-10 absolute; central differences of
linear maps (convolutions, pooling routes) 1e-7; of the activation functions 1e-7 with h = 1e-5.
"""

import doctest
import itertools

import numpy as np
import pytest

from solutions import exercise1 as ex1
from solutions import exercise2 as ex2
from solutions import exercise3 as ex3
from solutions import exercise4 as ex4

LOOP_TOL = 1e-10
NUMERIC_TOL = 1e-7


# ---------------------------------------------------------------- truth by loops and finite differences


def conv_forward_loops(a, w, stride, padding):
    """z[n,f,i,j] = sum_{c,p,q} w[f,c,p,q] a_pad[n,c,i*s+p,j*s+q] (no bias), one product at a time."""
    n_, c_, h, wd = a.shape
    f_, _, kh, kw = w.shape
    a_pad = np.pad(a, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    ho, wo = (h + 2 * padding - kh) // stride + 1, (wd + 2 * padding - kw) // stride + 1
    z = np.zeros((n_, f_, ho, wo))
    for n, f, i, j, c, p, q in itertools.product(*map(range, (n_, f_, ho, wo, c_, kh, kw))):
        z[n, f, i, j] += w[f, c, p, q] * a_pad[n, c, i * stride + p, j * stride + q]
    return z


def conv_dx_loops(delta, w, stride, padding, input_size):
    """dJ/da by scattering: every product w*a_pad of the forward pass sends delta*w back to its input."""
    n_, f_, ho, wo = delta.shape
    _, c_, kh, kw = w.shape
    h, wd = input_size
    da_pad = np.zeros((n_, c_, h + 2 * padding, wd + 2 * padding))
    for n, f, i, j, c, p, q in itertools.product(*map(range, (n_, f_, ho, wo, c_, kh, kw))):
        da_pad[n, c, i * stride + p, j * stride + q] += delta[n, f, i, j] * w[f, c, p, q]
    return da_pad[:, :, padding : padding + h, padding : padding + wd]


def conv_dw_loops(delta, a, kernel, stride, padding):
    """dJ/dw[f,c,p,q] = sum over n, i, j of delta[n,f,i,j] a_pad[n,c,i*s+p,j*s+q]."""
    n_, f_, ho, wo = delta.shape
    c_ = a.shape[1]
    kh, kw = kernel
    a_pad = np.pad(a, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    dw = np.zeros((f_, c_, kh, kw))
    for n, f, i, j, c, p, q in itertools.product(*map(range, (n_, f_, ho, wo, c_, kh, kw))):
        dw[f, c, p, q] += delta[n, f, i, j] * a_pad[n, c, i * stride + p, j * stride + q]
    return dw


def numerical_gradient(f, x, h=1e-5):
    """Central differences of the scalar f at x, one entry at a time, on a copy of x."""
    x = x.astype(np.float64).copy()
    grad = np.zeros_like(x)
    for index in np.ndindex(*x.shape):
        saved = x[index]
        x[index] = saved + h
        plus = f(x)
        x[index] = saved - h
        minus = f(x)
        x[index] = saved
        grad[index] = (plus - minus) / (2 * h)
    return grad


def conv_case(seed, kernel, stride, padding, ragged):
    """Random delta (N,F,Ho,Wo), w (F,C,KH,KW), a (N,C,H,W): N=2, C=3, F=2; ragged: (H+2p-KH) % s != 0."""
    rng = np.random.default_rng(seed)
    kh, kw = kernel
    sizes = []
    for k in (kh, kw):
        fits = [n for n in range(max(1, k - 2 * padding), 10) if (n + 2 * padding - k) % stride != 0] if ragged else \
            [n for n in range(max(1, k - 2 * padding), 10) if (n + 2 * padding - k) % stride == 0]
        sizes.append(int(rng.choice(fits)))
    h, wd = sizes
    a = rng.standard_normal((2, 3, h, wd))
    w = rng.standard_normal((2, 3, kh, kw))
    ho, wo = (h + 2 * padding - kh) // stride + 1, (wd + 2 * padding - kw) // stride + 1
    delta = rng.standard_normal((2, 2, ho, wo))
    return delta, w, a


CONV_CASES = [
    (kernel, stride, padding, ragged)
    for kernel in [(1, 1), (2, 3), (3, 2), (3, 3)]
    for stride in (1, 2, 3)
    for padding in (0, 1, 2)
    for ragged in (False, True)
    if not (ragged and stride == 1)  # with stride 1 every row is read
]


def case_id(case):
    (kh, kw), s, p, ragged = case
    return f"k{kh}x{kw}-s{s}-p{p}" + ("-ragged" if ragged else "")


# ---------------------------------------------------------------- the docstrings' worked examples


@pytest.mark.parametrize("module", [ex1, ex2, ex3, ex4], ids=lambda m: m.__name__)
def test_worked_examples_in_docstrings_hold(module):
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 2
    assert result.failed == 0


# ---------------------------------------------------------------- exercise 1


def test_lenet5_counts_match_the_paper():
    expected = [("C1", 156, 122_304), ("S2", 12, 5_880), ("C3", 1_516, 151_600), ("S4", 32, 2_000),
                ("C5", 48_120, 48_120), ("F6", 10_164, 10_164), ("OUTPUT", 840, 840)]
    counts = ex1.lenet5_counts()
    assert [tuple(row) for row in counts] == expected
    assert sum(row[1] for row in counts) == 60_840
    assert sum(row[1] for row in counts if row[0] != "OUTPUT") == 60_000  # the RBF centres are fixed
    assert sum(row[2] for row in counts) == 340_908


def test_modern_lenet_params():
    assert [tuple(row) for row in ex1.modern_lenet_params()] == [
        ("C1", 156), ("C3", 2_416), ("C5", 48_120), ("F6", 10_164), ("OUTPUT", 850)]


def test_seed_002_time_and_space_complexity():
    assert ex1.conv_macs(256, 256, 3, 100) == 5_898_240_000
    assert ex1.conv_macs(256, 64, 1, 100) + ex1.conv_macs(64, 256, 3, 100) == 1_638_400_000
    assert ex1.activation_memory(256, 100) == 2_560_000
    assert ex1.activation_memory(64, 100) + ex1.activation_memory(256, (100, 100)) == 3_200_000


def test_c3_table_counts():
    table = ex1.LENET5_C3_TABLE
    assert ex1.conv_params(6, 16, 5, connections=table) == 1_516
    assert ex1.conv_params(6, 16, 5) == 2_416
    assert ex1.conv_connections(6, 16, (5, 5), (10, 10), connections=table) == 151_600


def test_small_layers():
    assert ex1.subsample_params(16) == 32
    assert ex1.subsample_connections(16, 2, 5) == 2_000
    assert ex1.subsample_connections(3, (2, 3), (4, 5)) == (6 + 1) * 3 * 20
    assert ex1.dense_params(120, 84) == 10_164
    assert ex1.rbf_params(84, 10) == 840


@pytest.mark.parametrize("seed", range(40))
def test_counts_of_random_conv_layers_by_enumeration(seed):
    """Output sizes by listing the window positions, parameters and connections by visiting every unit."""
    rng = np.random.default_rng(seed)
    in_maps, out_maps = int(rng.integers(1, 7)), int(rng.integers(1, 9))
    kh, kw = (int(k) for k in rng.integers(1, 6, size=2))
    stride, padding = int(rng.integers(1, 4)), int(rng.integers(0, 3))
    h, wd = (int(v) for v in rng.integers(6, 20, size=2))
    table = None
    if rng.random() < 0.5:
        table = [sorted(rng.choice(in_maps, size=int(rng.integers(1, in_maps + 1)), replace=False).tolist())
                 for _ in range(out_maps)]
    positions = [len(range(0, n + 2 * padding - k + 1, stride)) for n, k in ((h, kh), (wd, kw))]
    assert [ex1.conv_output_size(h, kh, stride, padding), ex1.conv_output_size(wd, kw, stride, padding)] == positions
    reads = [in_maps] * out_maps if table is None else [len(group) for group in table]
    weights = sum(kh * kw * r for r in reads)
    assert ex1.conv_params(in_maps, out_maps, (kh, kw), table) == weights + out_maps
    links = sum(kh * kw * reads[f] + 1 for f in range(out_maps) for _ in range(positions[0] * positions[1]))
    assert ex1.conv_connections(in_maps, out_maps, (kh, kw), positions, table) == links
    macs = sum(kh * kw * in_maps for _ in range(out_maps * positions[0] * positions[1]))
    assert ex1.conv_macs(in_maps, out_maps, (kh, kw), tuple(positions)) == macs
    assert ex1.activation_memory(out_maps, positions) == out_maps * positions[0] * positions[1]
    assert ex1.dense_params(in_maps * 7, out_maps) == in_maps * 7 * out_maps + out_maps


def test_exercise1_accepts_numpy_ints_and_rejects_bad_sizes():
    assert ex1.conv_params(np.int64(3), np.int64(4), np.int64(3)) == 4 * (27 + 1)
    with pytest.raises(ValueError, match="kernel"):
        ex1.conv_params(3, 4, (3, 0))
    with pytest.raises(TypeError, match="kernel"):
        ex1.conv_params(3, 4, 2.5)
    with pytest.raises(ValueError, match="connections"):
        ex1.conv_params(3, 2, 3, connections=[[0, 1]])
    with pytest.raises(ValueError, match="connections"):
        ex1.conv_params(3, 1, 3, connections=[[0, 3]])
    with pytest.raises(ValueError):
        ex1.conv_output_size(4, 7)


# ---------------------------------------------------------------- exercise 2


def max_pool_dx_loops(delta, x, size):
    """Route each residual to the first maximum (row-major) of its window, comparing one value at a time."""
    dx = np.zeros_like(x)
    n_, c_, ho, wo = delta.shape
    for n, c, i, j in itertools.product(range(n_), range(c_), range(ho), range(wo)):
        best = (i * size, j * size)
        for u, v in itertools.product(range(i * size, i * size + size), range(j * size, j * size + size)):
            if x[n, c, u, v] > x[n, c, best[0], best[1]]:
                best = (u, v)
        dx[n, c, best[0], best[1]] += delta[n, c, i, j]
    return dx


def test_upsample_and_avg_pool_backward():
    rng = np.random.default_rng(1)
    delta = rng.standard_normal((2, 3, 2, 3))
    up = ex2.upsample(delta, 3)
    assert up.shape == (2, 3, 6, 9)
    for u, v in itertools.product(range(6), range(9)):
        np.testing.assert_array_equal(up[:, :, u, v], delta[:, :, u // 3, v // 3])
    np.testing.assert_allclose(ex2.avg_pool_backward(delta, 3), up / 9, rtol=0, atol=LOOP_TOL)


@pytest.mark.parametrize("size", [1, 2, 3])
def test_avg_pool_backward_is_the_gradient_of_the_window_mean(size):
    rng = np.random.default_rng(size)
    x = rng.standard_normal((2, 2, 2 * size, 3 * size))
    delta = rng.standard_normal((2, 2, 2, 3))

    def loss(xs):
        means = xs.reshape(2, 2, 2, size, 3, size).mean(axis=(3, 5))
        return float((means * delta).sum())

    np.testing.assert_allclose(ex2.avg_pool_backward(delta, size), numerical_gradient(loss, x), atol=NUMERIC_TOL)


@pytest.mark.parametrize("size, shape", [(2, (3, 2, 6, 4)), (2, (2, 3, 7, 5)), (3, (2, 2, 9, 7)), (1, (1, 2, 3, 4))])
@pytest.mark.parametrize("ties", [False, True])
def test_max_pool_backward_against_loops(size, shape, ties):
    rng = np.random.default_rng(sum(shape) + size)
    x = rng.integers(0, 2, size=shape).astype(float) if ties else rng.standard_normal(shape)
    delta = rng.standard_normal((shape[0], shape[1], shape[2] // size, shape[3] // size))
    x_before = x.copy()
    dx = ex2.max_pool_backward(delta, x, size)
    np.testing.assert_allclose(dx, max_pool_dx_loops(delta, x, size), rtol=0, atol=LOOP_TOL)
    np.testing.assert_array_equal(x, x_before)


def test_max_pool_tie_goes_to_the_first_in_row_major_order():
    x = np.array([[5.0, 1.0], [5.0, 5.0]])[None, None]
    dx = ex2.max_pool_backward(np.array([[[[2.0]]]]), x, 2)
    np.testing.assert_array_equal(dx[0, 0], [[2.0, 0.0], [0.0, 0.0]])
    x = np.array([[0.0, 7.0], [7.0, 1.0]])[None, None]
    np.testing.assert_array_equal(ex2.max_pool_backward(np.ones((1, 1, 1, 1)), x, 2)[0, 0], [[0, 1], [0, 0]])


def test_max_pool_backward_rejects_a_mismatched_delta():
    with pytest.raises(ValueError, match=r"delta \(1, 1, 3, 3\)"):
        ex2.max_pool_backward(np.ones((1, 1, 3, 3)), np.ones((1, 1, 4, 4)), 2)


@pytest.mark.parametrize("size", [2, 3])
def test_subsample_backward_numerically(size):
    rng = np.random.default_rng(10 + size)
    n, c, ho, wo = 2, 3, 2, 3
    x = rng.standard_normal((n, c, ho * size, wo * size))
    coef, bias = rng.standard_normal(c), rng.standard_normal(c)
    delta = rng.standard_normal((n, c, ho, wo))

    def loss(xs, cs, bs):
        z = cs[None, :, None, None] * xs.reshape(n, c, ho, size, wo, size).sum(axis=(3, 5)) + bs[None, :, None, None]
        return float((z * delta).sum())

    dx, dcoef, dbias = ex2.subsample_backward(delta, x, coef, size)
    np.testing.assert_allclose(dx, numerical_gradient(lambda v: loss(v, coef, bias), x), atol=NUMERIC_TOL)
    np.testing.assert_allclose(dcoef, numerical_gradient(lambda v: loss(x, v, bias), coef), atol=NUMERIC_TOL)
    np.testing.assert_allclose(dbias, numerical_gradient(lambda v: loss(x, coef, v), bias), atol=NUMERIC_TOL)


FORWARD = {
    "sigmoid": lambda z: 1.0 / (1.0 + np.exp(-z)),
    "tanh": np.tanh,
    "relu": lambda z: np.maximum(z, 0.0),
    "lenet_tanh": lambda z: 1.7159 * np.tanh(2.0 * z / 3.0),
}


@pytest.mark.parametrize("kind", sorted(FORWARD))
def test_activation_backward_is_da_times_the_derivative(kind):
    rng = np.random.default_rng(len(kind))
    z = rng.uniform(-4, 4, size=(2, 3, 4, 5))
    z[np.abs(z) < 1e-3] = 0.5  # keep relu's kink out of the finite differences
    da = rng.standard_normal(z.shape)
    h = 1e-5
    slope = (FORWARD[kind](z + h) - FORWARD[kind](z - h)) / (2 * h)
    np.testing.assert_allclose(ex2.activation_backward(da, z, kind), da * slope, atol=NUMERIC_TOL)


def test_activation_backward_special_values():
    z = np.array([0.0, -800.0, 800.0])
    np.testing.assert_array_equal(ex2.activation_backward(np.ones(3), z, "relu"), [0.0, 0.0, 1.0])
    with np.errstate(all="raise"):  # no overflow for large |z|
        np.testing.assert_allclose(ex2.activation_backward(np.ones(3), z, "sigmoid"), [0.25, 0, 0], atol=1e-300)
    np.testing.assert_allclose(ex2.activation_backward(np.ones(1), np.zeros(1), "lenet_tanh"), [1.7159 * 2 / 3])
    with pytest.raises(ValueError, match="lenet_tanh"):
        ex2.activation_backward(np.ones(1), np.zeros(1), "softplus")


# ---------------------------------------------------------------- exercise 3


def test_rot180_flips_the_last_two_axes_and_copies():
    w = np.arange(2 * 3 * 2 * 3, dtype=float).reshape(2, 3, 2, 3)
    rotated = ex3.rot180(w)
    for p, q in itertools.product(range(2), range(3)):
        np.testing.assert_array_equal(rotated[:, :, p, q], w[:, :, 1 - p, 2 - q])
    rotated[...] = 0
    assert w.sum() == sum(range(36))
    np.testing.assert_array_equal(ex3.rot180([[1, 2, 3]]), [[3, 2, 1]])


@pytest.mark.parametrize("shapes", [((2, 2), (2, 2)), ((3, 4), (2, 3)), ((1, 5), (3, 1)), ((4, 2), (4, 4))])
def test_full_convolve_is_the_true_convolution(shapes):
    rng = np.random.default_rng(sum(map(sum, shapes)))
    delta, kernel = rng.standard_normal(shapes[0]), rng.standard_normal(shapes[1])
    (h, w), (kh, kw) = shapes
    truth = np.zeros((h + kh - 1, w + kw - 1))
    for i, j, p, q in itertools.product(range(h), range(w), range(kh), range(kw)):
        truth[i + p, j + q] += delta[i, j] * kernel[p, q]  # out[u,v] = sum delta[i,j] kernel[u-i,v-j]
    np.testing.assert_allclose(ex3.full_convolve(delta, kernel), truth, rtol=0, atol=LOOP_TOL)


def test_seed_003_center_value():
    # seed 003: residual [[1, 1], [2, 3]]; the middle input collects 1*0.6 + 1*0.5 + 2*0.3 + 3*0.2 = 2.3
    dx = ex3.full_convolve(np.array([[1.0, 1.0], [2.0, 3.0]]), np.array([[0.2, 0.3], [0.5, 0.6]]))
    assert dx[1, 1] == pytest.approx(2.3, abs=1e-12)


@pytest.mark.parametrize("case", CONV_CASES, ids=case_id)
def test_conv_backward_input_against_loops(case):
    kernel, stride, padding, ragged = case
    delta, w, a = conv_case(CONV_CASES.index(case), kernel, stride, padding, ragged)
    size = a.shape[2:]
    before = delta.copy(), w.copy()
    dx = ex3.conv_backward_input(delta, w, stride=stride, padding=padding, input_size=size)
    np.testing.assert_allclose(dx, conv_dx_loops(delta, w, stride, padding, size), rtol=0, atol=LOOP_TOL)
    np.testing.assert_array_equal(delta, before[0])
    np.testing.assert_array_equal(w, before[1])
    if not ragged:  # the smallest consistent size is the input's size
        smallest = ex3.conv_backward_input(delta, w, stride=stride, padding=padding)
        np.testing.assert_allclose(smallest, dx, rtol=0, atol=LOOP_TOL)


@pytest.mark.parametrize("stride, padding", [(1, 0), (2, 1), (3, 2)])
def test_conv_backward_input_is_the_numerical_gradient(stride, padding):
    rng = np.random.default_rng(stride)
    a = rng.standard_normal((2, 2, 6, 5))
    w = rng.standard_normal((3, 2, 3, 2))
    delta = rng.standard_normal(conv_forward_loops(a, w, stride, padding).shape)
    numeric = numerical_gradient(lambda x: float((conv_forward_loops(x, w, stride, padding) * delta).sum()), a)
    dx = ex3.conv_backward_input(delta, w, stride=stride, padding=padding, input_size=(6, 5))
    np.testing.assert_allclose(dx, numeric, atol=NUMERIC_TOL)


def test_conv_backward_input_rejects_an_inconsistent_input_size():
    with pytest.raises(ValueError, match="input_size"):
        ex3.conv_backward_input(np.ones((1, 1, 2, 2)), np.ones((1, 1, 2, 2)), stride=2, input_size=(7, 4))


# ---------------------------------------------------------------- exercise 4


@pytest.mark.parametrize("case", CONV_CASES, ids=case_id)
def test_conv_backward_weights_against_loops(case):
    kernel, stride, padding, ragged = case
    delta, w, a = conv_case(100 + CONV_CASES.index(case), kernel, stride, padding, ragged)
    before = a.copy()
    size_arg = kernel if kernel[0] != kernel[1] else kernel[0]  # an int for square kernels
    dw = ex4.conv_backward_weights(delta, a, size_arg, stride=stride, padding=padding)
    np.testing.assert_allclose(dw, conv_dw_loops(delta, a, kernel, stride, padding), rtol=0, atol=LOOP_TOL)
    np.testing.assert_array_equal(a, before)


@pytest.mark.parametrize("stride, padding", [(1, 0), (2, 2), (3, 1)])
def test_conv_backward_weights_and_bias_are_numerical_gradients(stride, padding):
    rng = np.random.default_rng(20 + stride)
    a = rng.standard_normal((3, 2, 7, 6))
    w, b = rng.standard_normal((2, 2, 2, 3)), rng.standard_normal(2)
    delta = rng.standard_normal(conv_forward_loops(a, w, stride, padding).shape)

    def loss(ws, bs):
        return float(((conv_forward_loops(a, ws, stride, padding) + bs[None, :, None, None]) * delta).sum())

    dw = ex4.conv_backward_weights(delta, a, (2, 3), stride=stride, padding=padding)
    np.testing.assert_allclose(dw, numerical_gradient(lambda v: loss(v, b), w), atol=NUMERIC_TOL)
    np.testing.assert_allclose(ex4.conv_backward_bias(delta), numerical_gradient(lambda v: loss(w, v), b),
                               atol=NUMERIC_TOL)


def test_conv_backward_weights_rejects_a_mismatched_delta():
    with pytest.raises(ValueError, match=r"delta \(1, 1, 3, 3\)"):
        ex4.conv_backward_weights(np.ones((1, 1, 3, 3)), np.ones((1, 1, 5, 5)), 2, stride=2)


# ---------------------------------------------------------------- a second witness


def test_exercises_2_to_4_agree_with_the_reference_backward():
    from reference import conv, pool

    rng = np.random.default_rng(8)
    for stride, padding, kernel, (h, wd) in [(2, 1, (3, 2), (8, 7)), (3, 0, (2, 2), (9, 10)), (1, 2, (1, 3), (4, 5))]:
        a, w, b = rng.standard_normal((2, 3, h, wd)), rng.standard_normal((4, 3, *kernel)), rng.standard_normal(4)
        z, cache = conv.conv2d_forward(a, w, b, stride=stride, padding=padding)
        delta = rng.standard_normal(z.shape)
        dx, dw, db = conv.conv2d_backward(delta, cache)
        np.testing.assert_allclose(ex3.conv_backward_input(delta, w, stride=stride, padding=padding,
                                                           input_size=(h, wd)), dx, atol=LOOP_TOL)
        np.testing.assert_allclose(ex4.conv_backward_weights(delta, a, kernel, stride=stride, padding=padding), dw,
                                   atol=LOOP_TOL)
        np.testing.assert_allclose(ex4.conv_backward_bias(delta), db, atol=LOOP_TOL)
    x = rng.integers(0, 3, size=(2, 3, 7, 6)).astype(float)
    z, cache = pool.max_pool_forward(x, size=2)
    delta = rng.standard_normal(z.shape)
    np.testing.assert_array_equal(ex2.max_pool_backward(delta, x, 2), pool.max_pool_backward(delta, cache))
