"""The truth of exercise 1's checks, by counting BUILT reference models: instructor-only, never in a release.

Every count comes from `reference.count.count_model` on layer records whose arrays have the layer's real shapes,
never from a formula typed here; LeNet-5's counts are also compared with DESIGN.md's table (a disagreement is a
GraderBug, never the student's). Slips: the counts of the usual mistakes (bias forgotten, padding ignored, C3
counted as fully connected, ...), from the model the slip describes, or by the slip's arithmetic where no model
describes it.

Each `*_truth(...)` returns a `Case`: the question to put to the submission, the right count and the slips. The
hidden checks ask freshly drawn cases; the public checks ask literal cases (exercise1_known.py, written by
`python -m grader.exercises.exercise1.truth` from `known_cases()`), so that a student release holds no code that
computes a count. tests/grader/exercises/exercise1/test_known.py proves the literal cases equal these counts.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from grader.grading.lang import N_
from grader.grading.checking import GraderBug
from reference.count import build_model, count_model
from reference.model import RBF, C3_TABLE, Conv, Dense, Model, Subsample, lenet5, modern_lenet

LENET5_TABLE = {"C1": (156, 122_304), "S2": (12, 5_880), "C3": (1_516, 151_600), "S4": (32, 2_000),
                "C5": (48_120, 48_120), "F6": (10_164, 10_164), "OUTPUT": (840, 840)}  # DESIGN.md
MODERN_TABLE = {"C1": 156, "C3": 2_416, "C5": 48_120, "F6": 10_164, "OUTPUT": 850}  # seed 000
C3_LISTS = [list(g) for g in C3_TABLE]
FULL_C3 = N_("C3 counted as fully connected (its maps read only the S2 maps of the connection table)")
DENSE_RBF = N_("counted as a dense layer with a bias (LeNet-5's RBF output has 84 x 10 fixed centres, no bias)")
NO_BIAS_LINKS = N_("connections counted without the bias (LeCun counts the bias as one connection per unit)")


class Case(NamedTuple):
    """One question: the calls put to `function` (several: their answers are summed), the text that names the
    case in messages, the right count and {slip: the count that slip gives}."""

    function: str
    calls: tuple  # ((args, kwargs), ...)
    text: str
    want: int
    slips: dict


# ---------------------------------------------------------------- drawing cases
def ints(rng, low, high):
    return int(rng.integers(low, high + 1))


def rectangular(rng, low=1, high=7):
    kh = int(rng.integers(low, high + 1))
    return kh, int(rng.choice([k for k in range(low, high + 1) if k != kh]))


def random_table(rng, in_maps, out_maps):
    """A connection table: every output map reads a random non-empty subset of the input maps."""
    return [sorted(int(m) for m in rng.choice(in_maps, int(rng.integers(1, in_maps + 1)), replace=False))
            for _ in range(out_maps)]


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


# ---------------------------------------------------------------- conv_output_size
def output_size_truth(size, kernel, stride, padding, *, keywords=True):
    want = conv_size(size, kernel, stride, padding)
    slips = {N_("padding ignored"): conv_size(size, kernel, stride, 0),
             N_("stride ignored (the size must be divided by the stride)"): conv_size(size, kernel, 1, padding),
             N_("padding added on one side only (it goes on both sides: + 2p)"): (size + padding - kernel) // stride + 1,
             N_("the + 1 is missing (n_out = (n + 2p - k) // s + 1)"): want - 1,
             N_("rounded up instead of down"): -(-(size + 2 * padding - kernel) // stride) + 1}
    kwargs = {"stride": stride, "padding": padding} if keywords else {}
    return Case("conv_output_size", (((size, kernel), kwargs),),
                f"size {size}, kernel {kernel}, stride {stride}, padding {padding}", want, slips)


def rounding_shows(size, kernel, stride, padding):
    """True when (size + 2p - k) leaves the largest remainder s - 1 and round() (half to even) then rounds up:
    // differs from a ceiling and from round() on this axis (at s = 2 that needs an odd quotient)."""
    left = size + 2 * padding - kernel
    return stride > 1 and left >= 0 and left % stride == stride - 1 and round(left / stride) != left // stride


def remainder_size(rng, kernel, stride, padding, low, high):
    """A size in [low, high] on which rounding shows (rounding_shows), drawn with rng."""
    sizes = [n for n in range(low, high + 1) if rounding_shows(n, kernel, stride, padding)]
    if not sizes:
        raise GraderBug(f"no size in [{low}, {high}] leaves remainder {stride - 1} for kernel {kernel}")
    return int(rng.choice(sizes))


def network_cases(rng):
    """conv_output_size cases for every layer and axis of a random 3-layer network, counted on the built net.

    Fixed structure, sizes drawn: the first layer pads (1 or 2, stride 1), the second strides (2 or 3, no padding)
    with the largest remainder on its rows (a ceiling or round() differs from //), the third is drawn freely."""
    shape, spec = (1, ints(rng, 16, 40), ints(rng, 16, 40)), []
    size = shape[1:]
    for layer in range(3):
        if layer == 0:
            kernel, stride, padding = tuple(ints(rng, 1, min(5, n)) for n in size), 1, ints(rng, 1, 2)
        elif layer == 1:
            stride, padding = ints(rng, 2, 3), 0
            rows = [k for k in range(1, min(5, size[0]) + 1) if rounding_shows(size[0], k, stride, padding)]
            kernel = (int(rng.choice(rows)), ints(rng, 1, min(5, size[1])))
        else:  # each kernel fits what the previous layers leave; strides keep it >= 3 if they can
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
    return [output_size_truth(sizes[i][axis], layer["kernel"][axis], layer["stride"], layer["padding"])
            for i, layer in enumerate(spec) for axis in (0, 1)]


# ---------------------------------------------------------------- conv_params and conv_connections
def conv_variants(field, in_maps, out_maps, kernel, out_size, connections):
    """The counts (`field` = "params" or "connections") of the usual slips, from models built with the slip."""
    want = getattr(conv_count(in_maps, out_maps, kernel, out_size, connections=connections), field)
    (kh, kw), (oh, ow) = pair(kernel), pair(out_size)
    units = oh * ow if field == "connections" else 1
    table = connections is not None
    slips = {
        N_("bias forgotten (one bias per output map)") if field == "params" else NO_BIAS_LINKS:
            want - out_maps * units,
        N_("the connection table ignored (counted as fully connected)"):
            getattr(conv_count(in_maps, out_maps, kernel, out_size), field) if table else None,
        N_("kernel counted as square (kh * kh) though it is rectangular"):
            getattr(conv_count(in_maps, out_maps, (kh, kh), out_size, connections=connections), field),
        N_("kernel counted as square (kw * kw) though it is rectangular"):
            getattr(conv_count(in_maps, out_maps, (kw, kw), out_size, connections=connections), field),
        N_("a bias per kernel (one bias per output map, not per input-output pair)"):
            want + (taps(in_maps, out_maps, connections) - out_maps) * units,
    }
    if field == "connections":
        slips[N_("not multiplied by the output size (that is the parameter count)")] = want // units
        slips[N_("the output size counted on one axis only")] = want // units * oh if oh == ow else None
    return want, slips


def conv_truth(function, in_maps, out_maps, kernel, out_size=None, connections=None):
    field = "params" if function == "conv_params" else "connections"
    want, slips = conv_variants(field, in_maps, out_maps, kernel, out_size or 1, connections)
    args = (in_maps, out_maps, kernel) + (() if out_size is None else (out_size,))
    kwargs = {} if connections is None else {"connections": connections}
    table = "" if connections is None else f", connections {N_('C3 table') if connections == C3_LISTS else connections}"
    where = "" if out_size is None else f", out_size {out_size}"
    return Case(function, ((args, kwargs),), f"{in_maps} -> {out_maps} maps, kernel {kernel}{where}{table}", want,
                slips)


# ---------------------------------------------------------------- S-layers, dense and RBF layers
def subsample_count(maps, size=2, out_size=1):
    oh, ow = pair(out_size)
    return count_layer(Subsample(np.zeros(maps), np.zeros(maps), size), (maps, oh * size, ow * size))


def subsample_params_truth(maps):
    return Case("subsample_params", (((maps,), {}),), f"{maps} maps", subsample_count(maps).params,
                {N_("bias forgotten (a coefficient and a bias per map)"): maps,
                 N_("counted as a parameter-free pooling layer (LeNet's S-layers have 2 per map)"): 0})


def subsample_connections_truth(maps, size, out_size):
    want = subsample_count(maps, size, out_size).connections
    positions = int(np.prod(pair(out_size)))
    return Case("subsample_connections", (((maps, size, out_size), {}),),
                f"{maps} maps, window {size}, out_size {out_size}", want,
                {N_("bias forgotten (size*size + 1 connections per output unit)"): want - maps * positions,
                 N_("window size not squared"): maps * positions * (size + 1),
                 N_("not multiplied by the output size"): want // positions})


def subsample_window_truth(maps, window, out_size):
    """subsample_connections with a rectangular (sh, sw) window. The reference S-layer has square windows only, so
    this counts a built conv layer whose units have the S-layer's links: output map m reads input map m alone
    through an sh x sw window, plus its bias (checked against the S-layer's count on a square window)."""
    (sh, sw), positions = pair(window), int(np.prod(pair(out_size)))
    own = [[m] for m in range(maps)]
    if conv_count(maps, maps, sh, out_size, connections=own).connections != subsample_count(maps, sh,
                                                                                               out_size).connections:
        raise GraderBug("an S-layer and a conv layer of one input map per output map count different connections")
    want = conv_count(maps, maps, (sh, sw), out_size, connections=own).connections
    return Case("subsample_connections", (((maps, window, out_size), {}),),
                f"{maps} maps, window {window}, out_size {out_size}", want,
                {N_("bias forgotten (sh*sw + 1 connections per output unit)"): want - maps * positions,
                 N_("window counted as square (sh * sh)"): maps * positions * (sh * sh + 1),
                 N_("window counted as square (sw * sw)"): maps * positions * (sw * sw + 1),
                 N_("not multiplied by the output size"): want // positions})


def dense_params_truth(n_in, n_out):
    want = count_layer(Dense(np.broadcast_to(0.0, (n_in, n_out)), np.zeros(n_out)), (n_in,)).params
    return Case("dense_params", (((n_in, n_out), {}),), f"{n_in} -> {n_out}", want,
                {N_("bias forgotten (one bias per output)"): n_in * n_out,
                 N_("a bias per input instead of per output"): (n_out + 1) * n_in})


def rbf_params_truth(n_in, n_classes):
    want = count_layer(RBF(np.broadcast_to(0.0, (n_classes, n_in))), (n_in,)).params
    return Case("rbf_params", (((n_in, n_classes), {}),), f"{n_in} inputs, {n_classes} classes", want,
                {N_("counted as a dense layer with a bias (an RBF unit has n_in centres, no bias)"):
                 (n_in + 1) * n_classes})


# ---------------------------------------------------------------- the LeNets, layer by layer
def lenet5_truth():
    """{layer: (params, connections, {mistake: params}, {mistake: connections})} of the built reference LeNet-5;
    each mistake's counts come from the model built with the mistake. Checked against DESIGN.md's table."""
    model = lenet5(np.random.default_rng(0))
    counts, layers = {c.name: c for c in count_model(model, (1, 32, 32))}, dict(zip(model.names, model.layers))
    truth = {}
    for name in LENET5_TABLE:
        c, layer = counts[name], layers[name]
        biases = layer.bias.size if isinstance(layer, Subsample) else getattr(layer, "b", np.zeros(0)).size
        slips = ({N_("bias forgotten"): c.params - biases}, {NO_BIAS_LINKS: c.connections - c.activations})
        if isinstance(layer, Subsample):
            slips[0][N_("counted as parameter-free pooling (an S-layer has a coefficient and a bias per map)")] = 0
        truth[name] = (c.params, c.connections) + (slips if biases else ({}, {}))
    full = count_layer(layers["C3"]._replace(connections=None), (6, 14, 14))
    dense = count_layer(Dense(np.broadcast_to(0.0, (84, 10)), np.zeros(10)), (84,))
    for name, mistake, wrong in (("C3", FULL_C3, full), ("OUTPUT", DENSE_RBF, dense)):
        truth[name][2][mistake], truth[name][3][mistake] = wrong.params, wrong.connections
    if {name: t[:2] for name, t in truth.items()} != LENET5_TABLE:
        raise GraderBug(f"the reference LeNet-5 counts {truth} disagree with DESIGN.md's table")
    return truth


def modern_truth():
    """{layer: (params, {mistake: params})} of the built reference modern LeNet (seed 000's table), each
    mistake counted on the layer built with it."""
    model = modern_lenet(np.random.default_rng(0))
    counts, layers = {c.name: c for c in count_model(model, (1, 32, 32))}, dict(zip(model.names, model.layers))
    truth = {name: (counts[name].params, {N_("bias forgotten"): counts[name].params - layers[name].b.size})
             for name in MODERN_TABLE}
    c3 = count_layer(layers["C3"]._replace(connections=C3_TABLE), (6, 14, 14)).params
    rbf = count_layer(RBF(np.broadcast_to(0.0, (10, 84))), (84,)).params
    truth["C3"][1][N_("C3 counted with LeNet-5's connection table (here every C3 map reads all 6 maps)")] = c3
    truth["OUTPUT"][1][N_("the output counted as LeNet-5's RBF (here a dense 84 -> 10 layer with a bias)")] = rbf
    if {name: t[0] for name, t in truth.items()} != MODERN_TABLE:
        raise GraderBug(f"the reference modern LeNet counts {truth} disagree with seed 000's table")
    return truth


# ---------------------------------------------------------------- time and space
def macs_variants(in_maps, out_maps, kernel, out_size):
    want = conv_count(in_maps, out_maps, kernel, out_size).macs
    (kh, kw), (oh, ow) = pair(kernel), pair(out_size)
    return want, {N_("multiply-accumulates including the bias (biases are additions, not MACs)"): want + out_maps * oh * ow,
                  N_("input maps not counted (each output value reads kh*kw*in_maps inputs)"): want // in_maps,
                  N_("kernel counted as square (kh * kh)"): conv_count(in_maps, out_maps, (kh, kh), out_size).macs,
                  N_("kernel counted as square (kw * kw)"): conv_count(in_maps, out_maps, (kw, kw), out_size).macs,
                  N_("the output size counted on one axis only"): want // ow}


def macs_truth(layers):
    """layers: one or two (in_maps, out_maps, kernel, out_size); their MACs are summed (seed 002's bottleneck)."""
    truths = [macs_variants(*layer) for layer in layers]
    slips = {m: sum(v[m] for _, v in truths) for m in truths[0][1]}
    text = " then ".join(f"{a} -> {b} maps, kernel {k}, out_size {o}" for a, b, k, o in layers)
    return Case("conv_macs", tuple((tuple(layer), {}) for layer in layers), text, sum(w for w, _ in truths), slips)


def memory_truth(layers):
    """layers: (maps, out_size) pairs whose activations are summed."""
    want = sum(conv_count(1, maps, 1, out_size).activations for maps, out_size in layers)
    slips = {N_("only one map counted"): sum(int(np.prod(pair(o))) for _, o in layers),
             N_("out_size counted on one axis only"): sum(m * pair(o)[0] for m, o in layers)}
    return Case("activation_memory", tuple(((m, o), {}) for m, o in layers),
                " + ".join(f"{m} maps of {o}" for m, o in layers), want, slips)
