"""The exercise1 checks, run through the sandbox on the solution, the stub, other correct answers and typical
slips: full marks exactly for correct code, zero for the stub, and the slip named for wrong code."""

from pathlib import Path

import pytest

from grader.grading.checking import run_checks

ROOT = Path(__file__).resolve().parents[4]
TABLES = ("lenet5_counts", "modern_lenet_params")  # built from the other functions: a slip there shows here too

# A correct submission written unlike ours: float floor division, loops over maps, lists instead of tuples.
LOOPS = '''
import math

C3 = [[0, 1, 2], [1, 2, 3], [2, 3, 4], [3, 4, 5], [4, 5, 0], [5, 0, 1], [0, 1, 2, 3], [1, 2, 3, 4],
      [2, 3, 4, 5], [3, 4, 5, 0], [4, 5, 0, 1], [5, 0, 1, 2], [0, 1, 3, 4], [1, 2, 4, 5], [0, 2, 3, 5],
      [0, 1, 2, 3, 4, 5]]

def hw(v):
    return (v, v) if isinstance(v, int) else (v[0], v[1])

def conv_output_size(size, kernel, stride=1, padding=0):
    return math.floor((size + 2 * padding - kernel) / stride) + 1

def reads(in_maps, out_maps, connections):
    return [in_maps if connections is None else len(connections[f]) for f in range(out_maps)]

def conv_params(in_maps, out_maps, kernel, connections=None):
    kh, kw = hw(kernel)
    weights = 0
    for n in reads(in_maps, out_maps, connections):
        weights += n * kh * kw
    return weights + out_maps

def conv_connections(in_maps, out_maps, kernel, out_size, connections=None):
    (kh, kw), (oh, ow) = hw(kernel), hw(out_size)
    return sum((n * kh * kw + 1) * oh * ow for n in reads(in_maps, out_maps, connections))

def subsample_params(maps):
    return maps + maps

def subsample_connections(maps, size, out_size):
    oh, ow = hw(out_size)
    sh, sw = hw(size)
    return maps * oh * ow * sh * sw + maps * oh * ow

def dense_params(n_in, n_out):
    return n_out + n_in * n_out

def rbf_params(n_in, n_classes):
    return n_classes * n_in

def lenet5_counts():
    c1 = conv_output_size(32, 5)
    c3 = conv_output_size(c1 // 2, 5)
    c5 = conv_output_size(c3 // 2, 5)
    return [["C1", conv_params(1, 6, 5), conv_connections(1, 6, 5, c1)],
            ["S2", subsample_params(6), subsample_connections(6, 2, c1 // 2)],
            ["C3", conv_params(6, 16, 5, C3), conv_connections(6, 16, 5, c3, C3)],
            ["S4", subsample_params(16), subsample_connections(16, 2, c3 // 2)],
            ["C5", conv_params(16, 120, 5), conv_connections(16, 120, 5, c5)],
            ["F6", dense_params(120, 84), dense_params(120, 84)],
            ["OUTPUT", rbf_params(84, 10), rbf_params(84, 10)]]

def modern_lenet_params():
    return (("C1", conv_params(1, 6, 5)), ("C3", conv_params(6, 16, 5)), ("C5", conv_params(16, 120, 5)),
            ("F6", dense_params(120, 84)), ("OUTPUT", dense_params(84, 10)))

def conv_macs(in_maps, out_maps, kernel, out_size):
    (kh, kw), (oh, ow) = hw(kernel), hw(out_size)
    return in_maps * kh * kw * oh * ow * out_maps

def activation_memory(maps, out_size):
    oh, ow = hw(out_size)
    return oh * ow * maps
'''

# One typical slip each: (name, the function it breaks, its replacement, words the message must contain).
MISTAKES = [
    ("padding ignored", "conv_output_size", '''
def conv_output_size(size, kernel, stride=1, padding=0):
    return (size - kernel) // stride + 1
''', "padding ignored"),
    ("stride ignored", "conv_output_size", '''
def conv_output_size(size, kernel, stride=1, padding=0):
    return size + 2 * padding - kernel + 1
''', "stride ignored"),
    ("bias forgotten", "conv_params", '''
def conv_params(in_maps, out_maps, kernel, connections=None):
    kh, kw = hw(kernel)
    return sum(n * kh * kw for n in reads(in_maps, out_maps, connections))
''', "bias forgotten"),
    ("C3 counted as fully connected", "conv_params", '''
def conv_params(in_maps, out_maps, kernel, connections=None):
    kh, kw = hw(kernel)
    return (in_maps * kh * kw + 1) * out_maps
''', "counted as fully connected"),
    ("square kernel", "conv_params", '''
def conv_params(in_maps, out_maps, kernel, connections=None):
    k = hw(kernel)[0]
    return sum(n * k * k + 1 for n in reads(in_maps, out_maps, connections))
''', "kernel counted as square"),
    ("connections without the bias", "conv_connections", '''
def conv_connections(in_maps, out_maps, kernel, out_size, connections=None):
    (kh, kw), (oh, ow) = hw(kernel), hw(out_size)
    return sum(n * kh * kw * oh * ow for n in reads(in_maps, out_maps, connections))
''', "without the bias"),
    ("S-layer bias forgotten", "subsample_params", '''
def subsample_params(maps):
    return maps
''', "bias forgotten"),
    ("RBF counted as a dense layer", "rbf_params", '''
def rbf_params(n_in, n_classes):
    return (n_in + 1) * n_classes
''', "counted as a dense layer with a bias"),
    ("MACs including the bias", "conv_macs", '''
def conv_macs(in_maps, out_maps, kernel, out_size):
    (kh, kw), (oh, ow) = hw(kernel), hw(out_size)
    return (in_maps * kh * kw + 1) * oh * ow * out_maps
''', "including the bias"),
]

BAD_RETURNS = [  # (function, body, words of the message)
    ("conv_params", "return None", "None"),
    ("conv_params", "return '156'", "a str"),
    ("conv_params", "return 156.5", "expected an integer"),
    ("lenet5_counts", "return {'C1': (156, 122304)}", "expected a list of (layer_name, params, connections)"),
    ("modern_lenet_params", "return [('C1', 156), ('C3', 2416)]", "expected ['C1', 'C3', 'C5', 'F6', 'OUTPUT']"),
]


def grade(source, seed=0):
    outcomes, *_ = run_checks("exercise1", source, "submission.py", seed=seed)
    return outcomes


def function_of(name):
    return name.split(":")[0]


@pytest.mark.parametrize("seed", [3, 4])
def test_other_correct_code_gets_full_marks(seed):
    outcomes = grade(LOOPS, seed)
    assert [o.message for o in outcomes if o.status != "passed"] == []


@pytest.mark.parametrize("mistake, function, replacement, diagnosis", MISTAKES, ids=[m[0] for m in MISTAKES])
def test_typical_slip_is_named(mistake, function, replacement, diagnosis):
    outcomes = grade(LOOPS + replacement, seed=5)
    failed = [o for o in outcomes if o.status == "failed"]
    own = [o for o in failed if function_of(o.name) == function]
    assert own, f"{mistake}: no check of {function} failed"
    assert all(diagnosis in o.message for o in own), [o.message for o in own]
    assert {function_of(o.name) for o in failed} <= {function, *TABLES}


def test_lenet5_slips_are_named_in_the_table():
    source = LOOPS + '''
def lenet5_counts():
    return [["C1", 156, 117600], ["S2", 12, 5880], ["C3", 2416, 241600], ["S4", 32, 2000],
            ["C5", 48120, 48120], ["F6", 10164, 10164], ["OUTPUT", 850, 850]]
'''
    failed = {o.name: o.message for o in grade(source) if o.status == "failed"}
    assert "without the bias" in failed["lenet5_counts: C1 and S2"]
    assert "C3 counted as fully connected" in failed["lenet5_counts: C3 with the connection table"]
    assert "counted as a dense layer with a bias" in failed["lenet5_counts: OUTPUT (RBF with 840 fixed centres)"]
    assert "lenet5_counts: S4, C5 and F6" not in failed
    assert {function_of(name) for name in failed} == {"lenet5_counts"}


@pytest.mark.parametrize("function, body, words", BAD_RETURNS, ids=[f"{b[0]}-{b[2]}" for b in BAD_RETURNS])
def test_unusable_return_is_described(function, body, words):
    arguments = {"conv_params": "in_maps, out_maps, kernel, connections=None"}.get(function, "")
    source = LOOPS + f"\ndef {function}({arguments}):\n    {body}\n"
    failed = [o for o in grade(source) if o.status == "failed"]
    assert {function_of(o.name) for o in failed} <= {function, *TABLES}
    own = [o for o in failed if function_of(o.name) == function]
    assert own and all(words in o.message for o in own), [o.message for o in own]


# ---------------------------------------------------------------- issue #10: promises and remainders
WINDOW = "subsample_connections: rectangular window (tuple)"


def test_a_rectangular_s_layer_window_is_checked():
    """subsample_connections' docstring: the window may be an (h, w) pair. Code for square windows only fails that
    check alone (it raises on a tuple), and a window counted as square is named."""
    square_only = LOOPS + '''
def subsample_connections(maps, size, out_size):
    oh, ow = hw(out_size)
    return maps * oh * ow * size * size + maps * oh * ow
'''
    failed = {o.name: o.message for o in grade(square_only, seed=2) if o.status == "failed"}
    assert list(failed) == [WINDOW] and "raised TypeError" in failed[WINDOW]
    first_side = LOOPS + '''
def subsample_connections(maps, size, out_size):
    (sh, _), (oh, ow) = hw(size), hw(out_size)
    return maps * oh * ow * (sh * sh + 1)
'''
    failed = {o.name: o.message for o in grade(first_side, seed=2) if o.status == "failed"}
    assert list(failed) == [WINDOW] and "window counted as square (sh * sh)" in failed[WINDOW]


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_rounding_up_is_seen_by_every_stride_check_under_every_seed(seed):
    """The stride cases leave the largest remainder s - 1 (and at s = 2 an odd quotient), so a ceiling and
    round() differ from // in every one of them, whichever literal case or network a seed draws."""
    for rounding in ("-(-(size + 2 * padding - kernel) // stride)", "round((size + 2 * padding - kernel) / stride)"):
        source = LOOPS + f'''
def conv_output_size(size, kernel, stride=1, padding=0):
    return {rounding} + 1
'''
        failed = {o.name for o in grade(source, seed) if o.status == "failed"}
        assert failed == {"conv_output_size: stride 2 or 3, no padding",
                          "conv_output_size: stride 3, padding 2, with a remainder",
                          "conv_output_size: every layer of a random 3-layer net"}, (rounding, failed)
