"""Exercise 1: how big is a CNN? Output sizes, parameters, connections, time and space.

Before differentiating a network it pays to know how many numbers it holds and how many it touches.

Output size. A kernel of size k slid with stride s over an axis of n values padded with p zeros on each side
stops at the last position that still fits, so the number of positions is

    n_out = (n + 2p - k) // s + 1                      e.g. LeNet-5's C1: (32 + 0 - 5) // 1 + 1 = 28

Parameters. A convolution map shares one kernel over all its positions (weight sharing), so it owns one weight
per kernel entry of every input map it reads, plus one bias:

    params(conv) = sum over output maps f of (kh * kw * inputs(f) + 1)

where inputs(f) is the number of input maps map f reads: all of them normally, fewer when a connection table
says so (LeNet-5's C3, table LENET5_C3_TABLE below: 6 maps read 3 S2 maps, 9 read 4, one reads all 6):

    C3: 6 * (25*3 + 1) + 6 * (25*4 + 1) + 3 * (25*4 + 1) + 1 * (25*6 + 1) = 456 + 606 + 303 + 151 = 1,516

Connections (LeCun's convention). A connection is one input -> unit link, and the bias counts as one more
connection per output unit. Every unit of a map has the same links, so

    connections(conv) = sum over maps f of (kh * kw * inputs(f) + 1) * h_out * w_out      C3: 1,516 * 10*10

Weight sharing is why the two differ: C3 has 151,600 connections but only 1,516 parameters.
LeNet-5's S-layers (S2, S4) sum a size x size window, multiply by one trainable coefficient and add one
trainable bias per map: 2 parameters per map, size*size + 1 connections per output unit. A dense layer
n_in -> n_out has (n_in + 1) * n_out parameters, each used once, so connections = parameters. LeNet-5's
OUTPUT layer is Euclidean RBF units, y_i = sum_j (x_j - w_ij)^2, with n_in * n_classes centres fixed by hand
(840 parameters, none trained): LeNet-5 has 60,840 parameters of which 60,000 are trainable, and 340,908
connections. (Posts that count 850 for the output, 117,600 connections for C1 or 2,416 parameters for C3
use other conventions: a softmax output, no bias connections, a fully connected C3.)

Time and space. A convolution does kh * kw * in_maps multiply-accumulates (MACs) per output value, and it
stores out_maps * h_out * w_out activations. A 1x1 "bottleneck" that first shrinks the channels cuts the
time: 256 -> 256 with a 3x3 kernel on a 100x100 map costs 100*100 * 256 * 3*3 * 256 = 5,898,240,000 MACs,
while 256 -> 64 (1x1) then 64 -> 256 (3x3) costs 163,840,000 + 1,474,560,000 = 1,638,400,000 MACs, for a
little more memory (64*100*100 + 256*100*100 = 3,200,000 values instead of 2,560,000).

Arguments called `kernel`, `size` or `out_size` below accept an int (a square) or an (h, w) tuple.

Worked example (these lines are doctests: `python -m doctest exercises/exercise1.py` checks your answers):

>>> conv_output_size(32, 5)
28
>>> conv_params(6, 16, 5, connections=LENET5_C3_TABLE)
1516
>>> conv_connections(6, 16, 5, 10, connections=LENET5_C3_TABLE)
151600
>>> subsample_params(6), subsample_connections(6, 2, 14)
(12, 5880)
>>> conv_macs(256, 64, 1, 100) + conv_macs(64, 256, 3, 100)
1638400000
"""

import operator

# LeNet-5's C3 connection table (LeCun et al. 1998): entry f lists the S2 maps that C3 map f reads.
LENET5_C3_TABLE = (
    (0, 1, 2), (1, 2, 3), (2, 3, 4), (3, 4, 5), (4, 5, 0), (5, 0, 1),
    (0, 1, 2, 3), (1, 2, 3, 4), (2, 3, 4, 5), (3, 4, 5, 0), (4, 5, 0, 1), (5, 0, 1, 2),
    (0, 1, 3, 4), (1, 2, 4, 5), (0, 2, 3, 5),
    (0, 1, 2, 3, 4, 5),
)

LENET5_LAYERS = ("C1", "S2", "C3", "S4", "C5", "F6", "OUTPUT")
MODERN_LENET_LAYERS = ("C1", "C3", "C5", "F6", "OUTPUT")


def _pair(value, name):
    """An int or an (h, w) pair of ints, as an (h, w) tuple of positive ints."""
    try:
        pair = (operator.index(value),) * 2
    except TypeError:
        try:
            pair = tuple(operator.index(v) for v in value)
        except TypeError:
            raise TypeError(f"{name} must be an int or an (h, w) pair of ints, got {value!r}") from None
    if len(pair) != 2 or min(pair) < 1:
        raise ValueError(f"{name} must be a positive int or an (h, w) pair of positive ints, got {value!r}")
    return pair


def _check_table(in_maps, out_maps, connections):
    """Raise ValueError unless `connections` lists out_maps groups of valid input-map indices."""
    if connections is None:
        return
    if len(connections) != out_maps:
        raise ValueError(f"connections has {len(connections)} entries, expected one per output map ({out_maps})")
    for f, group in enumerate(connections):
        if len(group) == 0 or any(not 0 <= c < in_maps for c in group):
            raise ValueError(f"connections[{f}] = {group!r} must name input maps in 0..{in_maps - 1}")


def conv_output_size(size, kernel, stride=1, padding=0):
    """Number of positions a kernel takes along one padded axis (the output size of a conv or pool).

    size, kernel, stride: positive ints; padding: int >= 0 (zeros added on each side). Returns an int >= 1.
    """
    if stride < 1 or padding < 0 or kernel > size + 2 * padding:
        raise ValueError(f"no output: size={size}, kernel={kernel}, stride={stride}, padding={padding}")
    # BEGIN SOLUTION
    return (size + 2 * padding - kernel) // stride + 1  # last start index that fits, divided by the step, + 1
    # END SOLUTION


def conv_params(in_maps, out_maps, kernel, connections=None):
    """Parameters of a convolution layer: shared kernel weights of the maps each output reads, plus one bias.

    in_maps, out_maps: ints; kernel: int or (kh, kw); connections: None (every output map reads every input
    map) or a sequence of out_maps sequences of input-map indices (like LENET5_C3_TABLE). Returns an int.
    """
    kh, kw = _pair(kernel, "kernel")
    _check_table(in_maps, out_maps, connections)
    # BEGIN SOLUTION
    reads = [in_maps] * out_maps if connections is None else [len(group) for group in connections]
    return sum(kh * kw * n + 1 for n in reads)  # weights of the maps read + one bias, per output map
    # END SOLUTION


def conv_connections(in_maps, out_maps, kernel, out_size, connections=None):
    """Connections of a convolution layer: per output unit, one per input it reads plus one for the bias.

    in_maps, out_maps: ints; kernel, out_size: int or (h, w); connections as in conv_params. Returns an int.
    """
    kh, kw = _pair(kernel, "kernel")
    oh, ow = _pair(out_size, "out_size")
    _check_table(in_maps, out_maps, connections)
    # BEGIN SOLUTION
    # every unit of map f has (kh*kw*inputs(f) + 1) links, and map f has oh*ow units
    return conv_params(in_maps, out_maps, (kh, kw), connections) * oh * ow
    # END SOLUTION


def subsample_params(maps):
    """Parameters of a LeNet-5 subsampling layer: one coefficient and one bias per map. Returns an int."""
    # BEGIN SOLUTION
    return 2 * maps
    # END SOLUTION


def subsample_connections(maps, size, out_size):
    """Connections of a LeNet-5 subsampling layer: size*size window inputs plus the bias, per output unit.

    maps: int; size (window) and out_size: int or (h, w). Returns an int.
    """
    sh, sw = _pair(size, "size")
    oh, ow = _pair(out_size, "out_size")
    # BEGIN SOLUTION
    return (sh * sw + 1) * maps * oh * ow
    # END SOLUTION


def dense_params(n_in, n_out):
    """Parameters (= connections) of a dense layer n_in -> n_out: a weight per pair plus a bias per output."""
    # BEGIN SOLUTION
    return (n_in + 1) * n_out
    # END SOLUTION


def rbf_params(n_in, n_classes):
    """Parameters (= connections) of LeNet-5's RBF output layer: one n_in-vector centre per class, no bias."""
    # BEGIN SOLUTION
    return n_in * n_classes
    # END SOLUTION


def lenet5_counts():
    """LeNet-5 (LeCun et al. 1998) layer by layer: a list of (layer_name, params, connections).

    Layers in LENET5_LAYERS order: C1 conv 1->6 5x5 on 32x32; S2 subsample 2; C3 conv 6->16 5x5 with
    LENET5_C3_TABLE; S4 subsample 2; C5 conv 16->120 5x5; F6 dense 120->84; OUTPUT RBF 84->10 (840 fixed
    centres, counted as parameters). Compute every number with the functions above; do not type them in.
    """
    # BEGIN SOLUTION
    c1 = conv_output_size(32, 5)  # 28
    s2 = c1 // 2  # 14
    c3 = conv_output_size(s2, 5)  # 10
    s4 = c3 // 2  # 5
    c5 = conv_output_size(s4, 5)  # 1
    return [
        ("C1", conv_params(1, 6, 5), conv_connections(1, 6, 5, c1)),
        ("S2", subsample_params(6), subsample_connections(6, 2, s2)),
        ("C3", conv_params(6, 16, 5, LENET5_C3_TABLE), conv_connections(6, 16, 5, c3, LENET5_C3_TABLE)),
        ("S4", subsample_params(16), subsample_connections(16, 2, s4)),
        ("C5", conv_params(16, 120, 5), conv_connections(16, 120, 5, c5)),
        ("F6", dense_params(120, 84), dense_params(120, 84)),
        ("OUTPUT", rbf_params(84, 10), rbf_params(84, 10)),
    ]
    # END SOLUTION


def modern_lenet_params():
    """Parameters of the simplified LeNet: a list of (layer_name, params) in MODERN_LENET_LAYERS order.

    C1 conv 1->6 5x5; 2x2 max pooling (no parameters, not listed); C3 conv 6->16 5x5 reading every map;
    max pooling; C5 conv 16->120 5x5; F6 dense 120->84; OUTPUT dense 84->10 (softmax lives in the loss).
    """
    # BEGIN SOLUTION
    return [
        ("C1", conv_params(1, 6, 5)),
        ("C3", conv_params(6, 16, 5)),  # fully connected: 16 * (25*6 + 1)
        ("C5", conv_params(16, 120, 5)),
        ("F6", dense_params(120, 84)),
        ("OUTPUT", dense_params(84, 10)),  # a weight matrix and biases, not fixed RBF centres
    ]
    # END SOLUTION


def conv_macs(in_maps, out_maps, kernel, out_size):
    """Multiply-accumulates of a full convolution ("time complexity"), bias additions not counted.

    in_maps, out_maps: ints; kernel, out_size: int or (h, w). Returns an int.
    """
    kh, kw = _pair(kernel, "kernel")
    oh, ow = _pair(out_size, "out_size")
    # BEGIN SOLUTION
    return oh * ow * out_maps * kh * kw * in_maps  # each output value: a kh x kw x in_maps dot product
    # END SOLUTION


def activation_memory(maps, out_size):
    """Values a layer's output holds ("space complexity"): maps * h_out * w_out. out_size: int or (h, w)."""
    oh, ow = _pair(out_size, "out_size")
    # BEGIN SOLUTION
    return maps * oh * ow
    # END SOLUTION
