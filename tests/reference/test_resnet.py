"""reference.resnet: seed 004's ResNet table counted by construction, the deep plain/residual stack against
central differences, and reference.residual's plain-dict block form (exercise 6) against residual_backward.

Tolerances: counts are exact integers; the paper's FLOPs row is met within one unit of its last digit
(0.1 x10^9), its parameter counts when rounded to 0.1M. Central differences (h = 1e-5, float64) of the
smooth stack: 1e-7 relative to the largest entry. The dict-cache backward against residual_backward: 1e-12.
"""
import numpy as np
import pytest

from reference.numgrad import numerical_gradient, numerical_vjp
from reference.residual import (BLOCK_CACHE_KEYS, residual_backward, residual_block_backward,
                                residual_block_forward, residual_forward)
from reference.resnet import (BatchNorm, ConvShape, Residual, count_resnet, gradient_norms, resnet_counts,
                              resnet_spec, stack_backward, stack_forward)

DEPTHS = (18, 34, 50, 101, 152)
PAPER_FLOPS = {18: 1.8, 34: 3.6, 50: 3.8, 101: 7.6, 152: 11.3}  # x10^9 multiply-adds (seed 004, He et al.)
PAPER_PARAMS = {18: 11.7, 34: 21.8, 50: 25.6, 101: 44.5, 152: 60.2}  # x10^6, torchvision-style nets
OUR_MACS = {18: 1_814_073_344, 34: 3_663_761_408, 50: 3_857_973_248, 101: 7_570_194_432, 152: 11_282_415_616}
OUR_PARAMS = {18: 11_689_512, 34: 21_797_672, 50: 25_557_032, 101: 44_549_160, 152: 60_192_808}
NUMERIC_TOL = 1e-7
REPEATS = {18: (2, 2, 2, 2), 34: (3, 4, 6, 3), 50: (3, 4, 6, 3), 101: (3, 4, 23, 3), 152: (3, 8, 36, 3)}


def _formula_counts(depth):
    """Independent sum over the table: (macs, params); every conv listed as (C_in, C_out, k, H_out)."""
    convs, maps, size = [(3, 64, 7, 112)], 64, 56
    for stage, (width, repeat) in enumerate(zip((64, 128, 256, 512), REPEATS[depth])):
        for i in range(repeat):
            size //= 2 if stage and not i else 1
            out = width if depth < 50 else 4 * width
            convs += ([(maps, width, 3, size), (width, width, 3, size)] if depth < 50 else
                      [(maps, width, 1, size), (width, width, 3, size), (width, out, 1, size)])
            if maps != out or (stage and not i):
                convs.append((maps, out, 1, size))  # projection shortcut
            maps = out
    macs = sum(k * k * c * f * h * h for c, f, k, h in convs) + maps * 1000
    params = sum(k * k * c * f + 2 * f for c, f, k, _ in convs) + maps * 1000 + 1000  # + BN 2/map, fc
    return macs, params


@pytest.mark.parametrize("depth", DEPTHS)
def test_counts_reproduce_the_paper(depth):
    macs, params = resnet_counts(depth)
    assert (macs, params) == (OUR_MACS[depth], OUR_PARAMS[depth]) == _formula_counts(depth)
    assert abs(macs / 1e9 - PAPER_FLOPS[depth]) < 0.1  # within one unit of the paper's last digit
    assert round(params / 1e6, 1) == PAPER_PARAMS[depth]


def test_which_flops_round_to_the_paper():
    """Rounded to one decimal: 18, 101, 152 as printed; 34 and 50 come out 0.1 higher. Without the
    projection shortcuts (parameter-free option A) 18 and 34 round to the paper's figures."""
    rounded = {d: round(resnet_counts(d)[0] / 1e9, 1) for d in DEPTHS}
    assert rounded == {18: 1.8, 34: 3.7, 50: 3.9, 101: 7.6, 152: 11.3}
    for depth in (18, 34):
        rows = count_resnet(resnet_spec(depth))
        without = sum(r.macs for r in rows if ".proj" not in r.name)
        assert round(without / 1e9, 1) == PAPER_FLOPS[depth]
        assert without == {18: 1_794_805_760, 34: 3_644_493_824}[depth]


def test_torchvision_stride_placement_costs_more_but_no_parameters():
    for depth, macs in {50: 4_089_184_256, 101: 7_801_405_440, 152: 11_513_626_624}.items():
        assert resnet_counts(depth, downsample="3x3") == (macs, OUR_PARAMS[depth])
    assert resnet_counts(34, downsample="3x3") == resnet_counts(34)  # basic blocks: nothing moves


def test_layer_shapes_and_named_rows():
    rows = {r.name: r for r in count_resnet(resnet_spec(50))}
    assert rows["conv1"].output_shape == (64, 112, 112) and rows["conv1"].params == 7 * 7 * 3 * 64
    assert rows["pool1"].output_shape == (64, 56, 56)
    assert rows["conv2_1.proj"].output_shape == (256, 56, 56)  # 64 -> 256: a projection at stride 1
    assert "conv2_2.proj" not in rows and rows["conv3_1.proj"].output_shape == (512, 28, 28)
    assert rows["conv3_1.a"].output_shape == (128, 28, 28)  # the stride sits in the first 1x1
    assert rows["conv5_3.add"].output_shape == (2048, 7, 7)
    assert rows["conv5_3.c.bn"].params == 2 * 2048
    assert (rows["fc"].output_shape, rows["fc"].params, rows["fc"].macs) == ((1000,), 2_049_000, 2_048_000)
    assert sum(1 for name in rows if name.endswith(".add")) == 16
    assert sum(1 for r in rows.values() if r.kind == "conv") == 1 + 16 * 3 + 4  # conv1, 16 blocks, 4 projections


def test_bad_inputs_raise():
    with pytest.raises(ValueError, match="depth"):
        resnet_spec(20)
    with pytest.raises(TypeError, match="depth"):
        resnet_spec(50.0)
    with pytest.raises(ValueError, match="downsample"):
        resnet_spec(50, downsample="2x2")
    with pytest.raises(ValueError, match="classes"):
        resnet_spec(18, classes=0)
    bad = (("block", Residual((("a", ConvShape(8, 3, 2, 1)), ("a.bn", BatchNorm())), ())),)
    with pytest.raises(ValueError, match="cannot add"):
        count_resnet(bad, (4, 8, 8))
    with pytest.raises(ValueError, match="does not fit"):
        count_resnet((("c", ConvShape(4, 7)),), (3, 5, 5))


# ---------------------------------------------------------------- the deep stack


def _stack_case(seed, layers=4, n=2, d=3):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal((d, d)) for _ in range(layers)], rng.standard_normal((n, d))


def _sum_with_offset(weights, x, shortcut, layer, offset):
    """J = sum(a^L) with `offset` added to z^layer: dJ/d(offset) = delta^layer."""
    a = x
    for l, w in enumerate(weights):
        z = a @ w + (offset if l == layer else 0.0)
        s = 1.0 / (1.0 + np.exp(-z))
        a = a + s if shortcut else s
    return float(a.sum())


@pytest.mark.parametrize("shortcut", [False, True])
def test_stack_backward_against_central_differences(shortcut):
    weights, x = _stack_case(1)
    out, cache = stack_forward(weights, x, shortcut=shortcut)
    grads = stack_backward(np.ones_like(out), cache)

    def close(analytic, numeric):
        np.testing.assert_allclose(analytic, numeric, rtol=0, atol=NUMERIC_TOL * np.abs(numeric).max())
    close(grads.dx, numerical_gradient(lambda v: stack_forward(weights, v, shortcut=shortcut)[0].sum(), x))
    for l in range(len(weights)):
        def with_w(v, l=l):
            return stack_forward(weights[:l] + [v] + weights[l + 1:], x, shortcut=shortcut)[0].sum()
        close(grads.dweights[l], numerical_gradient(with_w, weights[l]))
        close(grads.deltas[l], numerical_gradient(
            lambda e, l=l: _sum_with_offset(weights, x, shortcut, l, e), np.zeros_like(x)))
    norms = gradient_norms(weights, x, shortcut=shortcut)
    assert norms == [float(np.linalg.norm(d)) for d in grads.deltas]


def test_stack_dout_other_than_ones_and_tanh():
    weights, x = _stack_case(2, layers=3, n=3, d=2)
    rng = np.random.default_rng(3)
    out, cache = stack_forward(weights, x, shortcut=True, activation="tanh")
    dout = rng.standard_normal(out.shape)
    numeric = numerical_vjp(lambda v: stack_forward(weights, v, shortcut=True, activation="tanh")[0], x, dout)
    np.testing.assert_allclose(stack_backward(dout, cache).dx, numeric, atol=NUMERIC_TOL * np.abs(numeric).max())


def test_zero_weights_give_exact_norms():
    """W = 0: every z is 0 and sigma'(0) = 1/4. Residual: the gradient skips every layer, ||delta^l|| =
    ||0.25 * ones(N, D)|| at all l; plain: only the last layer gets any gradient."""
    weights, x = [np.zeros((3, 3))] * 5, np.ones((2, 3))
    assert gradient_norms(weights, x, shortcut=True) == [0.25 * np.sqrt(6)] * 5
    assert gradient_norms(weights, x, shortcut=False) == [0.0] * 4 + [0.25 * np.sqrt(6)]


def test_twenty_sigmoid_layers_vanish_without_shortcuts_only():
    rng = np.random.default_rng(0)
    d = 16
    weights = [rng.standard_normal((d, d)) / np.sqrt(d) for _ in range(20)]
    x = rng.standard_normal((4, d))
    plain = np.array(gradient_norms(weights, x, shortcut=False))
    residual = np.array(gradient_norms(weights, x, shortcut=True))
    assert plain[0] / plain[-1] < 1e-11  # about 4e-13: twelve orders of magnitude over 20 layers
    assert np.all(plain[:-1] < plain[1:])  # falls at every layer going back
    assert residual[0] / residual[-1] > 1  # about 3.3: the first layer gets more, not less
    assert residual.min() / residual.max() > 0.1  # within one order of magnitude everywhere


def test_stack_bad_inputs_raise():
    with pytest.raises(ValueError, match=r"weights\[1\]"):
        stack_forward([np.eye(3), np.ones((3, 2))], np.ones((2, 3)), shortcut=True)
    with pytest.raises(ValueError, match="x"):
        stack_forward([np.eye(3)], np.ones(3), shortcut=False)
    with pytest.raises(TypeError, match="shortcut"):
        stack_forward([np.eye(3)], np.ones((2, 3)), shortcut="yes")
    _, cache = stack_forward([np.eye(3)], np.ones((2, 3)), shortcut=False)
    with pytest.raises(ValueError, match="dout"):
        stack_backward(np.ones((2, 4)), cache)
    assert stack_forward([np.ones((3, 2))], np.ones((2, 3)), shortcut=False)[0].shape == (2, 2)


# ---------------------------------------------------------------- the block with a plain-dict cache


def _block_case(seed, n=2, c=3, h=5, w=4):
    rng = np.random.default_rng(seed)
    return dict(x=rng.standard_normal((n, c, h, w)), w1=rng.standard_normal((c, c, 3, 3)) * 0.5,
                b1=rng.standard_normal(c) * 0.3, w2=rng.standard_normal((c, c, 3, 3)) * 0.5,
                b2=rng.standard_normal(c) * 0.3), rng


def test_dict_cache_block_matches_residual_backward():
    args, rng = _block_case(7)
    out, cache = residual_block_forward(**args)
    ref_out, ref_cache = residual_forward(**args)
    np.testing.assert_array_equal(out, ref_out)
    assert set(cache) == set(BLOCK_CACHE_KEYS)
    np.testing.assert_allclose(cache["s"], cache["z2"] + args["x"], rtol=0, atol=1e-15)
    dout = rng.standard_normal(out.shape)
    dx, grads = residual_block_backward(dout, cache)
    expected = residual_backward(dout, ref_cache)
    for mine, theirs in zip((dx, grads["w1"], grads["b1"], grads["w2"], grads["b2"]), expected):
        np.testing.assert_allclose(mine, theirs, rtol=0, atol=1e-12 * np.abs(theirs).max())


def test_dict_cache_block_bad_caches_raise():
    args, rng = _block_case(8)
    out, cache = residual_block_forward(**args)
    with pytest.raises(ValueError, match="keys"):
        residual_block_backward(out, {k: v for k, v in cache.items() if k != "s"})
    with pytest.raises(ValueError, match="z1"):
        residual_block_backward(out, dict(cache, z1=cache["z1"][:1]))
    with pytest.raises(ValueError, match="dout"):
        residual_block_backward(out[:1], cache)
