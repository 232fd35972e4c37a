"""reference.count: LeNet-5's table (LeCun et al. 1998), the modern LeNet, seed 002's complexities, and
randomized specs counted against independent formulas and against the shapes the forward pass produces."""
import numpy as np
import pytest

from reference.conv import connection_mask
from reference.count import LayerCount, build_model, count_model, count_totals, output_shape
from reference.model import Conv, Model, lenet5, model_forward, model_params, modern_lenet

LENET5_TABLE = {"C1": (156, 122_304), "S2": (12, 5_880), "C3": (1_516, 151_600), "S4": (32, 2_000),
                "C5": (48_120, 48_120), "F6": (10_164, 10_164), "OUTPUT": (840, 840)}


def _by_name(counts):
    return {c.name: c for c in counts}


def test_lenet5_reproduces_the_paper():
    counts = count_model(lenet5(np.random.default_rng(0)), (1, 32, 32))
    rows = _by_name(counts)
    assert {n: (rows[n].params, rows[n].connections) for n in LENET5_TABLE} == LENET5_TABLE
    assert sum(c.params for c in counts if c.name not in LENET5_TABLE) == 0
    assert rows["OUTPUT"].trainable == 0 and rows["C3"].trainable == 1_516
    total = count_totals(counts)
    assert (total.params, total.trainable, total.connections) == (60_840, 60_000, 340_908)
    shapes = {n: rows[n].output_shape for n in LENET5_TABLE}
    assert shapes == {"C1": (6, 28, 28), "S2": (6, 14, 14), "C3": (16, 10, 10), "S4": (16, 5, 5),
                      "C5": (120, 1, 1), "F6": (84,), "OUTPUT": (10,)}
    assert rows["C1"].macs == 117_600  # the popular "C1 connections without bias" figure
    assert rows["C3"].macs == 25 * 60 * 100  # 60 connected (map, map) kernels of 5x5 on 10x10


def test_modern_lenet_counts():
    rows = _by_name(count_model(modern_lenet(np.random.default_rng(1)), (1, 32, 32)))
    assert {n: rows[n].params for n in ("C1", "S2", "C3", "S4", "C5", "F6", "OUTPUT")} == {
        "C1": 156, "S2": 0, "C3": 2_416, "S4": 0, "C5": 48_120, "F6": 10_164, "OUTPUT": 850}
    assert all(rows[n].trainable == rows[n].params for n in rows)
    assert count_totals(list(rows.values())).params == 156 + 2_416 + 48_120 + 10_164 + 850


def test_seed002_bottleneck_time_and_space():
    rng = np.random.default_rng(2)
    plain = count_totals(count_model(build_model(
        [{"kind": "conv", "out_maps": 256, "kernel": 3, "padding": 1}], rng, (256, 100, 100)), (256, 100, 100)))
    bottleneck = count_totals(count_model(build_model(
        [{"kind": "conv", "out_maps": 64, "kernel": 1},
         {"kind": "conv", "out_maps": 256, "kernel": 3, "padding": 1}], rng, (256, 100, 100)), (256, 100, 100)))
    assert (plain.macs, plain.activations) == (5_898_240_000, 2_560_000)
    assert (bottleneck.macs, bottleneck.activations) == (1_638_400_000, 3_200_000)


def _random_spec(rng):
    """A random valid spec and its input shape; sizes chosen so that every layer fits."""
    shape = (int(rng.integers(1, 4)), int(rng.integers(6, 15)), int(rng.integers(6, 15)))
    spec, (c, h, w) = [], shape
    for _ in range(int(rng.integers(1, 4))):
        kind = str(rng.choice(["conv", "conv", "subsample", "maxpool", "avgpool", "activation"]))
        if kind == "conv":
            p, s = int(rng.integers(0, 2)), int(rng.integers(1, 3))
            k = (int(rng.integers(1, min(h + 2 * p, 5) + 1)), int(rng.integers(1, min(w + 2 * p, 5) + 1)))
            f = int(rng.integers(1, 5))
            table = None if rng.random() < 0.5 else [
                sorted(rng.choice(c, size=int(rng.integers(1, c + 1)), replace=False).tolist()) for _ in range(f)]
            spec.append({"kind": "conv", "out_maps": f, "kernel": k, "stride": s, "padding": p, "connections": table})
            c, h, w = f, (h + 2 * p - k[0]) // s + 1, (w + 2 * p - k[1]) // s + 1
        elif kind == "subsample" and h % 2 == 0 and w % 2 == 0:
            spec.append({"kind": "subsample", "size": 2})
            h, w = h // 2, w // 2
        elif kind in ("maxpool", "avgpool") and min(h, w) >= 2:
            size, stride = 2, int(rng.integers(1, 3))
            spec.append({"kind": kind, "size": size, "stride": stride})
            h, w = (h - size) // stride + 1, (w - size) // stride + 1
        else:
            spec.append({"kind": "activation", "activation": str(rng.choice(["relu", "tanh", "sigmoid"]))})
    spec += [{"kind": "flatten"}, {"kind": "dense", "out": int(rng.integers(2, 7))}]
    if rng.random() < 0.5:
        spec += [{"kind": "activation", "activation": "lenet_tanh"},
                 {"kind": "rbf", "classes": int(rng.integers(2, 5)), "trainable": bool(rng.random() < 0.5)}]
    return spec, shape


def _expected(layer, shape_in, shape_out):
    """(params, connections, macs) by the textbook formulas (an independent witness)."""
    units = int(np.prod(shape_out))
    kind = type(layer).__name__
    if kind == "Conv":
        f, c, kh, kw = layer.w.shape
        maps = (np.full(f, c) if layer.connections is None
                else connection_mask(layer.connections, c, f).sum(axis=1))  # input maps per output map
        taps = kh * kw * maps
        return int(taps.sum() + f), int(((taps + 1) * shape_out[1] * shape_out[2]).sum()), int(
            (taps * shape_out[1] * shape_out[2]).sum())
    if kind == "Subsample":
        return 2 * shape_in[0], units * (layer.size ** 2 + 1), units * layer.size ** 2
    if kind == "AvgPool":
        return 0, 0, units * layer.size ** 2
    if kind == "Dense":
        return layer.w.size + layer.b.size, (shape_in[0] + 1) * units, shape_in[0] * units
    if kind == "RBF":
        return layer.centres.size, layer.centres.size, layer.centres.size
    return 0, 0, 0


@pytest.mark.parametrize("seed", range(12))
def test_random_specs_count_consistently(seed):
    rng = np.random.default_rng(100 + seed)
    spec, shape = _random_spec(rng)
    model = build_model(spec, rng, shape)
    counts = count_model(model, shape)
    x = rng.standard_normal((2,) + shape)
    assert len(counts) == len(spec) and all(isinstance(c, LayerCount) for c in counts)
    trainable_arrays = 0
    for layer, name, row, entry in zip(model.layers, model.names, counts, spec):
        out, _ = model_forward(Model((layer,), (name,)), x)
        assert row.output_shape == out.shape[1:], (name, entry)
        assert (row.params, row.connections, row.macs) == _expected(layer, x.shape[1:], out.shape[1:]), entry
        assert row.activations == (0 if entry["kind"] in ("activation", "flatten") else out[0].size)
        if isinstance(layer, Conv) and layer.connections is not None:  # only listed kernels are parameters
            trainable_arrays += int(connection_mask(layer.connections, *layer.w.shape[1::-1]).sum()) * \
                layer.w.shape[2] * layer.w.shape[3] + layer.b.size
        else:
            trainable_arrays += sum(v.size for k, v in model_params(Model((layer,), (name,))).items())
        x = out
    total = count_totals(counts)
    assert total.trainable == trainable_arrays
    assert total.params - total.trainable == sum(
        layer.centres.size for layer in model.layers if type(layer).__name__ == "RBF" and not layer.trainable)
    assert output_shape(model, shape) == x.shape[1:] and total.output_shape == x.shape[1:]


CONV = {"kind": "conv", "out_maps": 2, "kernel": 3}
BAD_SPECS = [
    ([], (1, 8, 8), "spec"),
    ([{"kind": "convolution", "out_maps": 2, "kernel": 3}], (1, 8, 8), "kind"),
    ([{"kind": "conv", "kernel": 3}], (1, 8, 8), "out_maps"),
    ([dict(CONV, padding=1, dilation=2)], (1, 8, 8), "dilation"),
    ([dict(CONV, kernel=9)], (1, 8, 8), "does not fit"),
    ([dict(CONV, kernel=(3, 3, 3))], (1, 8, 8), "kernel"),
    ([dict(CONV, stride=0)], (1, 8, 8), "stride"),
    ([dict(CONV, padding=-1)], (1, 8, 8), "padding"),
    ([dict(CONV, out_maps=True)], (1, 8, 8), "out_maps"),
    ([dict(CONV, out_maps=2.0)], (1, 8, 8), "out_maps"),
    ([dict(CONV, connections=[[0], [3]])], (2, 8, 8), "connections"),
    ([dict(CONV, connections=[[0]])], (2, 8, 8), "connections"),
    ([{"kind": "subsample", "size": 3}], (1, 8, 8), "subsample"),
    ([{"kind": "maxpool", "size": 9}], (1, 8, 8), "window"),
    ([{"kind": "avgpool", "size": 2, "stride": 0}], (1, 8, 8), "stride"),
    ([{"kind": "activation", "activation": "softplus"}], (1, 8, 8), "softplus"),
    ([{"kind": "dense", "out": 3}], (1, 8, 8), "flatten"),
    ([{"kind": "flatten"}, CONV], (1, 8, 8), "feature maps"),
    ([{"kind": "flatten"}, {"kind": "rbf", "classes": 3, "trainable": "yes"}], (1, 2, 2), "trainable"),
    ([dict(CONV, name="a"), dict(CONV, name="a")], (2, 8, 8), "name"),
    (["conv"], (1, 8, 8), "spec\\[0\\]"),
    ([CONV], (1, 8), "input_shape"),
    ([CONV], (0, 8, 8), "input_shape"),
]


@pytest.mark.parametrize("spec, shape, match", BAD_SPECS)
def test_bad_specs_raise_value_error(spec, shape, match):
    with pytest.raises(ValueError, match=match):
        build_model(spec, np.random.default_rng(0), shape)


def test_model_that_does_not_fit_its_input_raises():
    model = lenet5(np.random.default_rng(3))
    with pytest.raises(ValueError, match="C1"):
        count_model(model, (3, 32, 32))  # C1 reads 1 map
    with pytest.raises(ValueError, match="C5"):
        count_model(model, (1, 28, 28))  # S4 gives 4x4 maps, C5's kernel is 5x5
    with pytest.raises(ValueError, match="input_shape"):
        count_model(model, (32, 32))


def test_counting_does_not_depend_on_weight_values():
    """Counts come from shapes and tables: zero weights count exactly like random ones."""
    model = lenet5(np.random.default_rng(4))
    zeros = Model(tuple(l._replace(w=np.zeros_like(l.w)) if isinstance(l, Conv) else l for l in model.layers),
                  model.names)
    assert count_model(zeros, (1, 32, 32)) == count_model(model, (1, 32, 32))
