"""Graded checks for exercise1: output sizes, parameters, connections, MACs and activation memory.

Truth: counts of a BUILT reference model (reference.count.count_model on layer records whose arrays have the
layer's real shapes), never a formula typed here; sizes and maps are drawn from rng so memorised numbers fail.
LeNet-5's totals are also compared with DESIGN.md's table (a disagreement is a GraderBug, never the student's).
Variants: the counts of the usual slips (bias forgotten, padding ignored, C3 counted as fully connected, ...),
obtained by counting the model the slip describes, or by the slip's arithmetic where no model describes it.
"""

import numpy as np

from grader.checking import CheckFailed, GraderBug, check
from grader.compare import describe, expect_int
from reference.count import build_model, count_model
from reference.model import RBF, C3_TABLE, Conv, Dense, Model, Subsample, lenet5, modern_lenet

LENET5_TABLE = {"C1": (156, 122_304), "S2": (12, 5_880), "C3": (1_516, 151_600), "S4": (32, 2_000),
                "C5": (48_120, 48_120), "F6": (10_164, 10_164), "OUTPUT": (840, 840)}  # DESIGN.md
MODERN_TABLE = {"C1": 156, "C3": 2_416, "C5": 48_120, "F6": 10_164, "OUTPUT": 850}  # seed 000


def expect_count(got, want, *, case, variants=None):
    """expect_int, naming every slip that gives the submission's number (two slips may coincide)."""
    named = {}
    for mistake, value in (variants or {}).items():
        if value is not None and value != want:
            named.setdefault(value, []).append(mistake)
    expect_int(got, want, case=case, variants={", or: ".join(m): v for v, m in named.items()})


def as_int(got, case):
    """The submission's answer as an int, or CheckFailed saying what it was instead."""
    if isinstance(got, float) and got.is_integer():
        return int(got)
    if not isinstance(got, (int, np.integer)) or isinstance(got, bool):
        raise CheckFailed(f"{case}: returned {describe(got)}; expected an integer")
    return int(got)


def sum_calls(submission, function, calls):
    """The sum of the submission's answers for several calls (each must be an integer)."""
    return sum(as_int(submission.call(function, *args), f"{function}{args}") for args in calls)


# ---------------------------------------------------------------- counting built layers
def pair(value):
    return (value, value) if isinstance(value, int) else tuple(value)


def count_layer(layer, input_shape):
    """The LayerCount of a one-layer model on one example of `input_shape`."""
    return count_model(Model((layer,), ("layer",)), input_shape)[0]


def conv_count(in_maps, out_maps, kernel, out_size=1, *, stride=1, padding=0, connections=None):
    """Count a conv layer built with these shapes on the input that gives exactly `out_size` (no memory:
    the kernels are a broadcast view of one zero, count_model only reads shapes and tables)."""
    (kh, kw), (oh, ow) = pair(kernel), pair(out_size)
    table = None if connections is None else tuple(tuple(g) for g in connections)
    layer = Conv(np.broadcast_to(0.0, (out_maps, in_maps, kh, kw)), np.zeros(out_maps), stride, padding, table)
    size = ((oh - 1) * stride + kh - 2 * padding, (ow - 1) * stride + kw - 2 * padding)
    got = count_layer(layer, (in_maps,) + size)
    if got.output_shape != (out_maps, oh, ow):
        raise GraderBug(f"conv count: built {got.output_shape}, wanted {(out_maps, oh, ow)}")
    return got


def conv_size(size, kernel, stride=1, padding=0):
    """Output size along one axis, from a built conv layer (None when the kernel does not fit)."""
    if kernel > size + 2 * padding:
        return None
    layer = Conv(np.broadcast_to(0.0, (1, 1, kernel, 1)), np.zeros(1), stride, padding)
    return count_layer(layer, (1, size, 1)).output_shape[1]


def taps(in_maps, out_maps, connections):
    """Connected (output map, input map) pairs."""
    return out_maps * in_maps if connections is None else sum(len(g) for g in connections)


def rectangular(rng, low=1, high=7):
    kh = int(rng.integers(low, high + 1))
    return kh, int(rng.choice([k for k in range(low, high + 1) if k != kh]))


def random_table(rng, in_maps, out_maps):
    """A connection table: every output map reads a random non-empty subset of the input maps."""
    return [sorted(int(m) for m in rng.choice(in_maps, int(rng.integers(1, in_maps + 1)), replace=False))
            for _ in range(out_maps)]


def ints(rng, low, high):
    return int(rng.integers(low, high + 1))


# ---------------------------------------------------------------- conv_output_size
def output_size_case(submission, size, kernel, stride, padding, *, keywords=True):
    want = conv_size(size, kernel, stride, padding)
    variants = {"padding ignored": conv_size(size, kernel, stride, 0),
                "stride ignored (the size must be divided by the stride)": conv_size(size, kernel, 1, padding),
                "padding added on one side only (it goes on both sides: + 2p)": (size + padding - kernel) // stride + 1,
                "the + 1 is missing (n_out = (n + 2p - k) // s + 1)": want - 1,
                "rounded up instead of down": -(-(size + 2 * padding - kernel) // stride) + 1}
    args = {"stride": stride, "padding": padding} if keywords else {}
    got = submission.call("conv_output_size", size, kernel, **args)
    expect_count(got, want, case=f"size {size}, kernel {kernel}, stride {stride}, padding {padding}",
                 variants=variants)


@check("conv_output_size: stride 1, no padding (defaults)", points=1)
def test_output_size_plain(submission, rng):
    output_size_case(submission, ints(rng, 8, 40), ints(rng, 2, 7), 1, 0, keywords=False)


@check("conv_output_size: padding 1 or 2, stride 1", points=1)
def test_output_size_padding(submission, rng):
    output_size_case(submission, ints(rng, 8, 40), ints(rng, 2, 7), 1, ints(rng, 1, 2))


@check("conv_output_size: stride 2 or 3, no padding", points=1)
def test_output_size_stride(submission, rng):
    output_size_case(submission, ints(rng, 8, 40), ints(rng, 2, 7), ints(rng, 2, 3), 0)


@check("conv_output_size: stride 3, padding 2, with a remainder", points=1, hidden=True)
def test_output_size_remainder(submission, rng):
    kernel, size = ints(rng, 2, 7), ints(rng, 8, 40)
    size += int((size + 4 - kernel) % 3 == 0)  # leave a remainder: the last rows are never read
    output_size_case(submission, size, kernel, 3, 2)


@check("conv_output_size: every layer of a random 3-layer net", points=2, hidden=True)
def test_output_size_network(submission, rng):
    shape, spec = (1, ints(rng, 16, 40), ints(rng, 16, 40)), []
    size = shape[1:]
    for _ in range(3):  # each kernel fits what the previous layers leave; strides keep it >= 3 if they can
        kernel, padding = tuple(ints(rng, 1, min(5, n)) for n in size), ints(rng, 0, 2)
        stride = ints(rng, 1, 3)
        while stride > 1 and min(conv_size(n, k, stride, padding) for n, k in zip(size, kernel)) < 3:
            stride -= 1
        spec.append({"kind": "conv", "out_maps": 2, "kernel": kernel, "stride": stride, "padding": padding})
        size = tuple(conv_size(n, k, stride, padding) for n, k in zip(size, kernel))
    counts = count_model(build_model(spec, np.random.default_rng(0), shape), shape)
    if counts[-1].output_shape[1:] != size:
        raise GraderBug("conv_output_size: the network's shapes and the one-layer counts disagree")
    sizes = [shape[1:]] + [c.output_shape[1:] for c in counts]
    for i, layer in enumerate(spec):
        for axis in (0, 1):
            output_size_case(submission, sizes[i][axis], layer["kernel"][axis], layer["stride"], layer["padding"])


# ---------------------------------------------------------------- conv_params and conv_connections
def conv_variants(field, in_maps, out_maps, kernel, out_size, connections):
    """The counts (`field` = "params" or "connections") of the usual slips, from models built with the slip."""
    want = getattr(conv_count(in_maps, out_maps, kernel, out_size, connections=connections), field)
    (kh, kw), (oh, ow) = pair(kernel), pair(out_size)
    units = oh * ow if field == "connections" else 1
    table = connections is not None
    slips = {
        "bias forgotten (one bias per output map)" if field == "params" else
        "connections counted without the bias (LeCun counts the bias as one connection per unit)":
            want - out_maps * units,
        "the connection table ignored (counted as fully connected)":
            getattr(conv_count(in_maps, out_maps, kernel, out_size), field) if table else None,
        "kernel counted as square (kh * kh) though it is rectangular":
            getattr(conv_count(in_maps, out_maps, (kh, kh), out_size, connections=connections), field),
        "kernel counted as square (kw * kw) though it is rectangular":
            getattr(conv_count(in_maps, out_maps, (kw, kw), out_size, connections=connections), field),
        "a bias per kernel (one bias per output map, not per input-output pair)":
            want + (taps(in_maps, out_maps, connections) - out_maps) * units,
    }
    if field == "connections":
        slips["not multiplied by the output size (that is the parameter count)"] = want // units
        slips["the output size counted on one axis only"] = want // units * oh if oh == ow else None
    return want, slips


def conv_case(submission, function, in_maps, out_maps, kernel, out_size=None, connections=None):
    field = "params" if function == "conv_params" else "connections"
    want, variants = conv_variants(field, in_maps, out_maps, kernel, out_size or 1, connections)
    args = (in_maps, out_maps, kernel) + (() if out_size is None else (out_size,))
    got = submission.call(function, *args, **({} if connections is None else {"connections": connections}))
    table = "" if connections is None else f", connections {'C3 table' if connections == C3_LISTS else connections}"
    where = "" if out_size is None else f", out_size {out_size}"
    expect_count(got, want, case=f"{in_maps} -> {out_maps} maps, kernel {kernel}{where}{table}", variants=variants)


C3_LISTS = [list(g) for g in C3_TABLE]


@check("conv_params: one input map, square kernel", points=1)
def test_conv_params_one_map(submission, rng):
    conv_case(submission, "conv_params", 1, ints(rng, 2, 8), ints(rng, 2, 7))


@check("conv_params: several input maps, square kernel", points=1)
def test_conv_params_maps(submission, rng):
    conv_case(submission, "conv_params", ints(rng, 2, 8), ints(rng, 2, 16), ints(rng, 2, 7))


@check("conv_params: LeNet-5 C3 with its connection table", points=2)
def test_conv_params_c3(submission, rng):
    conv_case(submission, "conv_params", 6, 16, 5, connections=C3_LISTS)


@check("conv_params: rectangular kernel (KH != KW)", points=1, hidden=True)
def test_conv_params_rectangular(submission, rng):
    conv_case(submission, "conv_params", ints(rng, 2, 8), ints(rng, 2, 16), rectangular(rng))


@check("conv_params: a random connection table, rectangular kernel", points=2, hidden=True)
def test_conv_params_table(submission, rng):
    in_maps, out_maps = ints(rng, 3, 8), ints(rng, 3, 12)
    conv_case(submission, "conv_params", in_maps, out_maps, rectangular(rng),
              connections=random_table(rng, in_maps, out_maps))


@check("conv_connections: LeNet-5 C1 (1 -> 6, 5x5, 28x28 out)", points=1)
def test_conv_connections_c1(submission, rng):
    conv_case(submission, "conv_connections", 1, 6, 5, 28)


@check("conv_connections: several maps, square kernel and output", points=1)
def test_conv_connections_maps(submission, rng):
    conv_case(submission, "conv_connections", ints(rng, 2, 8), ints(rng, 2, 16), ints(rng, 2, 7), ints(rng, 2, 30))


@check("conv_connections: LeNet-5 C3 with its connection table", points=2)
def test_conv_connections_c3(submission, rng):
    conv_case(submission, "conv_connections", 6, 16, 5, 10, connections=C3_LISTS)


@check("conv_connections: rectangular kernel and output (tuples)", points=1, hidden=True)
def test_conv_connections_rectangular(submission, rng):
    conv_case(submission, "conv_connections", ints(rng, 2, 8), ints(rng, 2, 16), rectangular(rng),
              rectangular(rng, 2, 30))


@check("conv_connections: a random connection table", points=2, hidden=True)
def test_conv_connections_table(submission, rng):
    in_maps, out_maps = ints(rng, 3, 8), ints(rng, 3, 12)
    conv_case(submission, "conv_connections", in_maps, out_maps, ints(rng, 2, 7), ints(rng, 2, 30),
              connections=random_table(rng, in_maps, out_maps))


# ---------------------------------------------------------------- S-layers, dense and RBF layers
def subsample_count(maps, size=2, out_size=1):
    oh, ow = pair(out_size)
    return count_layer(Subsample(np.zeros(maps), np.zeros(maps), size), (maps, oh * size, ow * size))


def subsample_params_case(submission, maps):
    want = subsample_count(maps).params
    expect_count(submission.call("subsample_params", maps), want, case=f"{maps} maps",
                 variants={"bias forgotten (a coefficient and a bias per map)": maps,
                           "counted as a parameter-free pooling layer (LeNet's S-layers have 2 per map)": 0})


@check("subsample_params: a few maps", points=1)
def test_subsample_params_few(submission, rng):
    subsample_params_case(submission, ints(rng, 1, 16))


@check("subsample_params: many maps", points=1, hidden=True)
def test_subsample_params_many(submission, rng):
    subsample_params_case(submission, ints(rng, 17, 300))


def subsample_connections_case(submission, maps, size, out_size):
    want = subsample_count(maps, size, out_size).connections
    positions = int(np.prod(pair(out_size)))
    expect_count(submission.call("subsample_connections", maps, size, out_size), want,
                 case=f"{maps} maps, window {size}, out_size {out_size}",
                 variants={"bias forgotten (size*size + 1 connections per output unit)": want - maps * positions,
                           "window size not squared": maps * positions * (size + 1),
                           "not multiplied by the output size": want // positions})


@check("subsample_connections: LeNet-5 S2 (6 maps, 2x2, 14x14)", points=1)
def test_subsample_connections_s2(submission, rng):
    subsample_connections_case(submission, 6, 2, 14)


@check("subsample_connections: random maps and output, size 2", points=1)
def test_subsample_connections_random(submission, rng):
    subsample_connections_case(submission, ints(rng, 1, 32), 2, ints(rng, 2, 30))


@check("subsample_connections: size 3, rectangular output (tuple)", points=1, hidden=True)
def test_subsample_connections_rectangular(submission, rng):
    subsample_connections_case(submission, ints(rng, 1, 32), 3, rectangular(rng, 2, 30))


def dense_params_case(submission, n_in, n_out):
    want = count_layer(Dense(np.broadcast_to(0.0, (n_in, n_out)), np.zeros(n_out)), (n_in,)).params
    expect_count(submission.call("dense_params", n_in, n_out), want, case=f"{n_in} -> {n_out}",
                 variants={"bias forgotten (one bias per output)": n_in * n_out,
                           "a bias per input instead of per output": (n_out + 1) * n_in})


@check("dense_params: LeNet-5 F6 (120 -> 84)", points=1)
def test_dense_params_f6(submission, rng):
    dense_params_case(submission, 120, 84)


@check("dense_params: random sizes", points=1, hidden=True)
def test_dense_params_random(submission, rng):
    n_in = ints(rng, 2, 1000)
    dense_params_case(submission, n_in, int(rng.choice([n for n in range(2, 500) if n != n_in])))


def rbf_params_case(submission, n_in, n_classes):
    want = count_layer(RBF(np.broadcast_to(0.0, (n_classes, n_in))), (n_in,)).params
    expect_count(submission.call("rbf_params", n_in, n_classes), want, case=f"{n_in} inputs, {n_classes} classes",
                 variants={"counted as a dense layer with a bias (an RBF unit has n_in centres, no bias)":
                           (n_in + 1) * n_classes})


@check("rbf_params: LeNet-5 OUTPUT (84 inputs, 10 classes)", points=1)
def test_rbf_params_output(submission, rng):
    rbf_params_case(submission, 84, 10)


@check("rbf_params: random sizes", points=1, hidden=True)
def test_rbf_params_random(submission, rng):
    rbf_params_case(submission, ints(rng, 2, 500), ints(rng, 2, 100))


# ---------------------------------------------------------------- the LeNets, layer by layer
def rows(got, names, width, function):
    """The submission's list of (name, count, ...) rows as {name: row}, after checking its structure."""
    if not isinstance(got, (list, tuple)) or not all(
            isinstance(r, (list, tuple)) and len(r) == width and isinstance(r[0], str) for r in got):
        shape = "(layer_name, params, connections)" if width == 3 else "(layer_name, params)"
        raise CheckFailed(f"{function}: returned {describe(got)}; expected a list of {shape} tuples")
    found = [r[0] for r in got]
    if found != list(names):
        raise CheckFailed(f"{function}: layers {found}, expected {list(names)} in this order")
    return {r[0]: r for r in got}


FULL_C3 = "C3 counted as fully connected (its maps read only the S2 maps of the connection table)"
DENSE_RBF = "counted as a dense layer with a bias (LeNet-5's RBF output has 84 x 10 fixed centres, no bias)"
NO_BIAS_LINKS = "connections counted without the bias (LeCun counts the bias as one connection per unit)"


def lenet5_truth():
    """{layer: (params, connections, {mistake: params}, {mistake: connections})} of the built reference LeNet-5;
    each mistake's counts come from the model built with the mistake. Checked against DESIGN.md's table."""
    model = lenet5(np.random.default_rng(0))
    counts, layers = {c.name: c for c in count_model(model, (1, 32, 32))}, dict(zip(model.names, model.layers))
    truth = {}
    for name in LENET5_TABLE:
        c, layer = counts[name], layers[name]
        biases = layer.bias.size if isinstance(layer, Subsample) else getattr(layer, "b", np.zeros(0)).size
        slips = ({"bias forgotten": c.params - biases}, {NO_BIAS_LINKS: c.connections - c.activations})
        if isinstance(layer, Subsample):
            slips[0]["counted as parameter-free pooling (an S-layer has a coefficient and a bias per map)"] = 0
        truth[name] = (c.params, c.connections) + (slips if biases else ({}, {}))
    full = count_layer(layers["C3"]._replace(connections=None), (6, 14, 14))
    dense = count_layer(Dense(np.broadcast_to(0.0, (84, 10)), np.zeros(10)), (84,))
    for name, mistake, wrong in (("C3", FULL_C3, full), ("OUTPUT", DENSE_RBF, dense)):
        truth[name][2][mistake], truth[name][3][mistake] = wrong.params, wrong.connections
    if {name: t[:2] for name, t in truth.items()} != LENET5_TABLE:
        raise GraderBug(f"the reference LeNet-5 counts {truth} disagree with DESIGN.md's table")
    return truth


def lenet5_case(submission, layers):
    truth = lenet5_truth()
    table = rows(submission.call("lenet5_counts"), LENET5_TABLE, 3, "lenet5_counts")
    for name in layers:
        for k, field in enumerate(("parameters", "connections")):
            expect_count(table[name][1 + k], truth[name][k], case=f"{name} {field}", variants=truth[name][2 + k])


@check("lenet5_counts: 7 rows (name, params, connections)", points=1)
def test_lenet5_layers(submission, rng):
    rows(submission.call("lenet5_counts"), LENET5_TABLE, 3, "lenet5_counts")


@check("lenet5_counts: C1 and S2", points=1)
def test_lenet5_c1_s2(submission, rng):
    lenet5_case(submission, ("C1", "S2"))


@check("lenet5_counts: C3 with the connection table", points=2)
def test_lenet5_c3(submission, rng):
    lenet5_case(submission, ("C3",))


@check("lenet5_counts: S4, C5 and F6", points=1)
def test_lenet5_s4_c5_f6(submission, rng):
    lenet5_case(submission, ("S4", "C5", "F6"))


@check("lenet5_counts: OUTPUT (RBF with 840 fixed centres)", points=1)
def test_lenet5_output(submission, rng):
    lenet5_case(submission, ("OUTPUT",))


@check("lenet5_counts: totals (60,840 params, 340,908 links)", points=1, hidden=True)
def test_lenet5_totals(submission, rng):
    truth = lenet5_truth()
    table = rows(submission.call("lenet5_counts"), LENET5_TABLE, 3, "lenet5_counts")
    for k, field in enumerate(("parameters", "connections")):
        got = sum(as_int(r[1 + k], f"{r[0]} {field}") for r in table.values())
        expect_count(got, sum(t[k] for t in truth.values()), case=f"total {field}")


def modern_truth():
    """{layer: (params, {mistake: params})} of the built reference modern LeNet (seed 000's table), each
    mistake counted on the layer built with it."""
    model = modern_lenet(np.random.default_rng(0))
    counts, layers = {c.name: c for c in count_model(model, (1, 32, 32))}, dict(zip(model.names, model.layers))
    truth = {name: (counts[name].params, {"bias forgotten": counts[name].params - layers[name].b.size})
             for name in MODERN_TABLE}
    c3 = count_layer(layers["C3"]._replace(connections=C3_TABLE), (6, 14, 14)).params
    rbf = count_layer(RBF(np.broadcast_to(0.0, (10, 84))), (84,)).params
    truth["C3"][1]["C3 counted with LeNet-5's connection table (here every C3 map reads all 6 maps)"] = c3
    truth["OUTPUT"][1]["the output counted as LeNet-5's RBF (here a dense 84 -> 10 layer with a bias)"] = rbf
    if {name: t[0] for name, t in truth.items()} != MODERN_TABLE:
        raise GraderBug(f"the reference modern LeNet counts {truth} disagree with seed 000's table")
    return truth


def modern_case(submission, layers):
    truth = modern_truth()
    table = rows(submission.call("modern_lenet_params"), MODERN_TABLE, 2, "modern_lenet_params")
    for name in layers:
        expect_count(table[name][1], truth[name][0], case=f"{name} parameters", variants=truth[name][1])


@check("modern_lenet_params: 5 rows (name, params), C1..OUTPUT", points=1)
def test_modern_layers(submission, rng):
    rows(submission.call("modern_lenet_params"), MODERN_TABLE, 2, "modern_lenet_params")


@check("modern_lenet_params: C1, C5 and F6", points=1)
def test_modern_c1_c5_f6(submission, rng):
    modern_case(submission, ("C1", "C5", "F6"))


@check("modern_lenet_params: full C3 and the dense OUTPUT", points=1)
def test_modern_c3_output(submission, rng):
    modern_case(submission, ("C3", "OUTPUT"))


@check("modern_lenet_params: total 61,706", points=1, hidden=True)
def test_modern_total(submission, rng):
    table = rows(submission.call("modern_lenet_params"), MODERN_TABLE, 2, "modern_lenet_params")
    got = sum(as_int(r[1], f"{r[0]} parameters") for r in table.values())
    expect_count(got, sum(t[0] for t in modern_truth().values()), case="total parameters")


# ---------------------------------------------------------------- time and space
def macs_variants(in_maps, out_maps, kernel, out_size):
    want = conv_count(in_maps, out_maps, kernel, out_size).macs
    (kh, kw), (oh, ow) = pair(kernel), pair(out_size)
    return want, {"multiply-accumulates including the bias (biases are additions, not MACs)": want + out_maps * oh * ow,
                  "input maps not counted (each output value reads kh*kw*in_maps inputs)": want // in_maps,
                  "kernel counted as square (kh * kh)": conv_count(in_maps, out_maps, (kh, kh), out_size).macs,
                  "kernel counted as square (kw * kw)": conv_count(in_maps, out_maps, (kw, kw), out_size).macs,
                  "the output size counted on one axis only": want // ow}


def macs_case(submission, layers):
    """layers: one or two (in_maps, out_maps, kernel, out_size); their MACs are summed (seed 002's bottleneck)."""
    truths = [macs_variants(*layer) for layer in layers]
    want = sum(w for w, _ in truths)
    variants = {m: sum(v[m] for _, v in truths) for m in truths[0][1]}
    got = sum_calls(submission, "conv_macs", layers)
    case = " then ".join(f"{a} -> {b} maps, kernel {k}, out_size {o}" for a, b, k, o in layers)
    expect_count(got, want, case=case, variants=variants)


@check("conv_macs: seed 002, 256 -> 256, 3x3, 100x100 output", points=1)
def test_macs_seed(submission, rng):
    macs_case(submission, [(256, 256, 3, 100)])


@check("conv_macs: seed 002 bottleneck, 256 -> 64 (1x1) -> 256", points=1)
def test_macs_bottleneck(submission, rng):
    macs_case(submission, [(256, 64, 1, 100), (64, 256, 3, 100)])


@check("conv_macs: a small random layer", points=1)
def test_macs_random(submission, rng):
    macs_case(submission, [(ints(rng, 2, 16), ints(rng, 2, 32), ints(rng, 2, 7), ints(rng, 2, 30))])


@check("conv_macs: rectangular kernel and output (tuples)", points=1, hidden=True)
def test_macs_rectangular(submission, rng):
    macs_case(submission, [(ints(rng, 2, 16), ints(rng, 2, 32), rectangular(rng), rectangular(rng, 2, 30))])


def memory_case(submission, layers):
    want = sum(conv_count(1, maps, 1, out_size).activations for maps, out_size in layers)
    one_map = sum(int(np.prod(pair(o))) for _, o in layers)
    one_axis = sum(m * pair(o)[0] for m, o in layers)
    got = sum_calls(submission, "activation_memory", layers)
    expect_count(got, want, case=" + ".join(f"{m} maps of {o}" for m, o in layers),
                 variants={"only one map counted": one_map, "out_size counted on one axis only": one_axis})


@check("activation_memory: seed 002, 256 maps of 100x100", points=1)
def test_memory_seed(submission, rng):
    memory_case(submission, [(256, 100)])


@check("activation_memory: seed 002 bottleneck, 64 + 256 maps", points=1)
def test_memory_bottleneck(submission, rng):
    memory_case(submission, [(64, 100), (256, 100)])


@check("activation_memory: random maps, rectangular output (tuple)", points=1, hidden=True)
def test_memory_random(submission, rng):
    memory_case(submission, [(ints(rng, 1, 512), rectangular(rng, 2, 60))])
