"""Graded checks for exercise1: output sizes, parameters, connections, MACs and activation memory.

Truth: counts of BUILT reference models (grader/exercises/exercise1/truth.py: reference.count.count_model on layer
records whose arrays have the layer's real shapes), never a formula typed here. The hidden checks draw their
networks and sizes from rng, so memorised numbers fail. The public checks ask literal cases with their known
answers (exercise1_known.py, written from those same counts and proved equal to them by the project's tests):
a student release ships the public checks and these literals, and no code that computes a count.
Variants: the counts of the usual slips (bias forgotten, padding ignored, C3 counted as fully connected, ...),
counted on the model the slip describes, or by the slip's arithmetic where no model describes it.
"""

import numpy as np

from grader.grading.lang import N_, _, patterns, say
from grader.grading.checking import CheckFailed, check
from grader.exercises.exercise1.known import KNOWN, LENET5_KNOWN, MODERN_KNOWN
from grader.exercises.exercise1.truth import (conv_truth, dense_params_truth, ints, lenet5_truth, macs_truth,
                                           memory_truth, modern_truth, network_cases, output_size_truth,
                                           random_table, rbf_params_truth, rectangular, remainder_size,
                                           subsample_connections_truth, subsample_params_truth, subsample_window_truth)
from grader.grading.compare import describe, expect_int

SUMMED = ("conv_macs", "activation_memory")  # asked layer by layer: seed 002's bottleneck sums two layers


# The texts of the cases (known.json holds them as made, in English), read back to be shown translated.
CASES = patterns((
    N_("size {size}, kernel {kernel}, stride {stride}, padding {padding}"),
    N_("{inputs} -> {outputs} maps, kernel {kernel}"),
    N_("{inputs} -> {outputs} maps, kernel {kernel}, out_size {out_size}"),
    N_("{inputs} -> {outputs} maps, kernel {kernel}, connections C3 table"),
    N_("{inputs} -> {outputs} maps, kernel {kernel}, out_size {out_size}, connections C3 table"),
    N_("{inputs} -> {outputs} maps, kernel {kernel}, connections {table}"),
    N_("{inputs} -> {outputs} maps, kernel {kernel}, out_size {out_size}, connections {table}"),
    N_("{maps} maps"),
    N_("{maps} maps, window {size}, out_size {out_size}"),
    N_("{inputs} -> {outputs}"),
    N_("{inputs} inputs, {classes} classes"),
    N_("{said} then {said2}"),
    N_("{said} + {said2}"),
    N_("{maps} maps of {size}"),
))


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
        raise CheckFailed(_("{case}: returned {got}; expected an integer").format(case=case, got=describe(got)))
    return int(got)


def ask(submission, case):
    """Put a case (function, ((args, kwargs), ...), text, answer, {slip: count}) to the submission and compare;
    the answers of several calls are summed (a network of two layers)."""
    function, calls, text, want, slips = case
    if function in SUMMED:
        got = sum(as_int(submission.call(function, *args, **kwargs), f"{function}{tuple(args)}")
                  for args, kwargs in calls)
    else:
        (args, kwargs), = calls
        got = submission.call(function, *args, **kwargs)
    expect_count(got, want, case=say(text, CASES), variants=slips)


def ask_known(submission, rng, check_name):
    """A public check: one of its literal cases with a known answer (exercise1_known.KNOWN), drawn with rng."""
    cases = KNOWN[check_name]
    ask(submission, cases[int(rng.integers(len(cases)))])


def rows(got, names, width, function):
    """The submission's list of (name, count, ...) rows as {name: row}, after checking its structure."""
    if not isinstance(got, (list, tuple)) or not all(
            isinstance(r, (list, tuple)) and len(r) == width and isinstance(r[0], str) for r in got):
        shape = "(layer_name, params, connections)" if width == 3 else "(layer_name, params)"
        raise CheckFailed(_("{function}: returned {got}; expected a list of {shape} tuples").format(
            function=function, got=describe(got), shape=shape))
    found = [r[0] for r in got]
    if found != list(names):
        raise CheckFailed(_("{function}: layers {found}, expected {names} in this order").format(
            function=function, found=found, names=list(names)))
    return {r[0]: r for r in got}


def lenet5_case(submission, layers):
    """The rows of `layers` against LeNet-5's known counts, naming the slips (C3 fully connected, ...)."""
    table = rows(submission.call("lenet5_counts"), LENET5_KNOWN, 3, "lenet5_counts")
    for name in layers:
        for k, field in enumerate((_("parameters"), _("connections"))):
            expect_count(table[name][1 + k], LENET5_KNOWN[name][k], case=f"{name} {field}",
                         variants=LENET5_KNOWN[name][2 + k])


def modern_case(submission, layers):
    table = rows(submission.call("modern_lenet_params"), MODERN_KNOWN, 2, "modern_lenet_params")
    for name in layers:
        expect_count(table[name][1], MODERN_KNOWN[name][0], case=f"{name} {_('parameters')}",
                     variants=MODERN_KNOWN[name][1])


# ---------------------------------------------------------------- conv_output_size
@check("conv_output_size: stride 1, no padding (defaults)", points=1)
def test_output_size_plain(submission, rng):
    ask_known(submission, rng, "test_output_size_plain")


@check("conv_output_size: padding 1 or 2, stride 1", points=1)
def test_output_size_padding(submission, rng):
    ask_known(submission, rng, "test_output_size_padding")


@check("conv_output_size: stride 2 or 3, no padding", points=1)
def test_output_size_stride(submission, rng):
    ask_known(submission, rng, "test_output_size_stride")


@check("conv_output_size: stride 3, padding 2, with a remainder", points=1, hidden=True)
def test_output_size_remainder(submission, rng):
    kernel = ints(rng, 2, 7)  # the largest remainder, 2: the last rows are never read, and rounding up shows
    ask(submission, output_size_truth(remainder_size(rng, kernel, 3, 2, 8, 40), kernel, 3, 2))


@check("conv_output_size: every layer of a random 3-layer net", points=2, hidden=True)
def test_output_size_network(submission, rng):
    for case in network_cases(rng):
        ask(submission, case)


# ---------------------------------------------------------------- conv_params and conv_connections
@check("conv_params: one input map, square kernel", points=1)
def test_conv_params_one_map(submission, rng):
    ask_known(submission, rng, "test_conv_params_one_map")


@check("conv_params: several input maps, square kernel", points=1)
def test_conv_params_maps(submission, rng):
    ask_known(submission, rng, "test_conv_params_maps")


@check("conv_params: LeNet-5 C3 with its connection table", points=2)
def test_conv_params_c3(submission, rng):
    ask_known(submission, rng, "test_conv_params_c3")


@check("conv_params: rectangular kernel (KH != KW)", points=1, hidden=True)
def test_conv_params_rectangular(submission, rng):
    ask(submission, conv_truth("conv_params", ints(rng, 2, 8), ints(rng, 2, 16), rectangular(rng)))


@check("conv_params: a random connection table, rectangular kernel", points=2, hidden=True)
def test_conv_params_table(submission, rng):
    in_maps, out_maps = ints(rng, 3, 8), ints(rng, 3, 12)
    ask(submission, conv_truth("conv_params", in_maps, out_maps, rectangular(rng),
                               connections=random_table(rng, in_maps, out_maps)))


@check("conv_connections: LeNet-5 C1 (1 -> 6, 5x5, 28x28 out)", points=1)
def test_conv_connections_c1(submission, rng):
    ask_known(submission, rng, "test_conv_connections_c1")


@check("conv_connections: several maps, square kernel and output", points=1)
def test_conv_connections_maps(submission, rng):
    ask_known(submission, rng, "test_conv_connections_maps")


@check("conv_connections: LeNet-5 C3 with its connection table", points=2)
def test_conv_connections_c3(submission, rng):
    ask_known(submission, rng, "test_conv_connections_c3")


@check("conv_connections: rectangular kernel and output (tuples)", points=1, hidden=True)
def test_conv_connections_rectangular(submission, rng):
    ask(submission, conv_truth("conv_connections", ints(rng, 2, 8), ints(rng, 2, 16), rectangular(rng),
                               rectangular(rng, 2, 30)))


@check("conv_connections: a random connection table", points=2, hidden=True)
def test_conv_connections_table(submission, rng):
    in_maps, out_maps = ints(rng, 3, 8), ints(rng, 3, 12)
    ask(submission, conv_truth("conv_connections", in_maps, out_maps, ints(rng, 2, 7), ints(rng, 2, 30),
                               connections=random_table(rng, in_maps, out_maps)))


# ---------------------------------------------------------------- S-layers, dense and RBF layers
@check("subsample_params: a few maps", points=1)
def test_subsample_params_few(submission, rng):
    ask_known(submission, rng, "test_subsample_params_few")


@check("subsample_params: many maps", points=1, hidden=True)
def test_subsample_params_many(submission, rng):
    ask(submission, subsample_params_truth(ints(rng, 17, 300)))


@check("subsample_connections: LeNet-5 S2 (6 maps, 2x2, 14x14)", points=1)
def test_subsample_connections_s2(submission, rng):
    ask_known(submission, rng, "test_subsample_connections_s2")


@check("subsample_connections: random maps and output, size 2", points=1)
def test_subsample_connections_random(submission, rng):
    ask_known(submission, rng, "test_subsample_connections_random")


@check("subsample_connections: size 3, rectangular output (tuple)", points=1, hidden=True)
def test_subsample_connections_rectangular(submission, rng):
    ask(submission, subsample_connections_truth(ints(rng, 1, 32), 3, rectangular(rng, 2, 30)))


@check("subsample_connections: rectangular window (tuple)", points=1, hidden=True)
def test_subsample_connections_window(submission, rng):
    ask(submission, subsample_window_truth(ints(rng, 1, 32), rectangular(rng, 2, 5), rectangular(rng, 2, 30)))


@check("dense_params: LeNet-5 F6 (120 -> 84)", points=1)
def test_dense_params_f6(submission, rng):
    ask_known(submission, rng, "test_dense_params_f6")


@check("dense_params: random sizes", points=1, hidden=True)
def test_dense_params_random(submission, rng):
    n_in = ints(rng, 2, 1000)
    ask(submission, dense_params_truth(n_in, int(rng.choice([n for n in range(2, 500) if n != n_in]))))


@check("rbf_params: LeNet-5 OUTPUT (84 inputs, 10 classes)", points=1)
def test_rbf_params_output(submission, rng):
    ask_known(submission, rng, "test_rbf_params_output")


@check("rbf_params: random sizes", points=1, hidden=True)
def test_rbf_params_random(submission, rng):
    ask(submission, rbf_params_truth(ints(rng, 2, 500), ints(rng, 2, 100)))


# ---------------------------------------------------------------- the LeNets, layer by layer
@check("lenet5_counts: 7 rows (name, params, connections)", points=1)
def test_lenet5_layers(submission, rng):
    rows(submission.call("lenet5_counts"), LENET5_KNOWN, 3, "lenet5_counts")


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
    table = rows(submission.call("lenet5_counts"), truth, 3, "lenet5_counts")
    for k, field in enumerate((_("parameters"), _("connections"))):
        got = sum(as_int(r[1 + k], f"{r[0]} {field}") for r in table.values())
        expect_count(got, sum(t[k] for t in truth.values()), case=_("total {field}").format(field=field))


@check("modern_lenet_params: 5 rows (name, params), C1..OUTPUT", points=1)
def test_modern_layers(submission, rng):
    rows(submission.call("modern_lenet_params"), MODERN_KNOWN, 2, "modern_lenet_params")


@check("modern_lenet_params: C1, C5 and F6", points=1)
def test_modern_c1_c5_f6(submission, rng):
    modern_case(submission, ("C1", "C5", "F6"))


@check("modern_lenet_params: full C3 and the dense OUTPUT", points=1)
def test_modern_c3_output(submission, rng):
    modern_case(submission, ("C3", "OUTPUT"))


@check("modern_lenet_params: total 61,706", points=1, hidden=True)
def test_modern_total(submission, rng):
    truth = modern_truth()
    table = rows(submission.call("modern_lenet_params"), truth, 2, "modern_lenet_params")
    got = sum(as_int(r[1], f"{r[0]} {_('parameters')}") for r in table.values())
    expect_count(got, sum(t[0] for t in truth.values()), case=_("total {field}").format(field=_("parameters")))


# ---------------------------------------------------------------- time and space
@check("conv_macs: seed 002, 256 -> 256, 3x3, 100x100 output", points=1)
def test_macs_seed(submission, rng):
    ask_known(submission, rng, "test_macs_seed")


@check("conv_macs: seed 002 bottleneck, 256 -> 64 (1x1) -> 256", points=1)
def test_macs_bottleneck(submission, rng):
    ask_known(submission, rng, "test_macs_bottleneck")


@check("conv_macs: a small random layer", points=1)
def test_macs_random(submission, rng):
    ask_known(submission, rng, "test_macs_random")


@check("conv_macs: rectangular kernel and output (tuples)", points=1, hidden=True)
def test_macs_rectangular(submission, rng):
    ask(submission, macs_truth([(ints(rng, 2, 16), ints(rng, 2, 32), rectangular(rng), rectangular(rng, 2, 30))]))


@check("activation_memory: seed 002, 256 maps of 100x100", points=1)
def test_memory_seed(submission, rng):
    ask_known(submission, rng, "test_memory_seed")


@check("activation_memory: seed 002 bottleneck, 64 + 256 maps", points=1)
def test_memory_bottleneck(submission, rng):
    ask_known(submission, rng, "test_memory_bottleneck")


@check("activation_memory: random maps, rectangular output (tuple)", points=1, hidden=True)
def test_memory_random(submission, rng):
    ask(submission, memory_truth([(ints(rng, 1, 512), rectangular(rng, 2, 60))]))
