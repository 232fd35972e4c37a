"""ResNet-18/34/50/101/152 (He et al. 2016, seed 004's table) as specs of shape-only layer records, counted by
construction; and a deep stack of dense sigmoid layers, plain or with shortcuts, for the vanishing gradient.

Specs. A spec is a tuple of (name, record). Records hold sizes, never weight arrays, so counting a 224x224
ResNet-152 allocates nothing (no lazy weights either: there are none) and takes milliseconds. A `Residual`
record holds its branch and its shortcut; the block computes out = relu(branch(x) + shortcut(x)).

Counting conventions (`count_resnet`, `resnet_counts`):
- macs: multiply-adds per 224x224 image of the convolutions and the final fully connected layer, biases
  excluded, as the paper's FLOPs row counts them: conv KH*KW*C*F*Ho*Wo, fc D*M. Batch norm (foldable into
  the conv before it), ReLU, max pooling, global average pooling and the shortcut additions count 0.
- params: conv weights (no conv biases: batch norm's shift replaces them), batch norm's scale and shift
  (2 per map; running mean and variance are statistics, not parameters), the fc's weights and biases.
- shortcuts: identity when shape is kept, else a projection: 1x1 conv of stride s + batch norm (the paper's
  option B), counted in both figures.
- bottlenecks downsample in their first 1x1 conv (the paper's original; torchvision's "v1.5" moves the stride
  to the 3x3 conv: same parameters, more multiply-adds: downsample="3x3").
Results: macs 1.814, 3.664, 3.858, 7.570, 11.282 x10^9 (paper: 1.8, 3.6, 3.8, 7.6, 11.3, all within 0.07;
34 and 50 round to 3.7 and 3.9; without projections (option A, parameter-free) 18 and 34 give 1.795 and
3.644, which round to the paper's figures; 50's 3.858 only truncates to 3.8);
params 11,689,512, 21,797,672, 25,557,032, 44,549,160, 60,192,808 (11.7M, 21.8M, 25.6M, 44.5M, 60.2M).
"""
from typing import NamedTuple

import numpy as np

from reference.activation import activation_backward, activation_forward


class ConvShape(NamedTuple):
    out_maps: int
    kernel: int  # square KH = KW
    stride: int = 1
    padding: int = 0
    bias: bool = False


class BatchNorm(NamedTuple):  # y = gamma * (x - mean) / sqrt(var + eps) + beta, per map
    pass


class Relu(NamedTuple):
    pass


class MaxPoolShape(NamedTuple):
    size: int
    stride: int
    padding: int = 0


class GlobalAvgPool(NamedTuple):  # (C, H, W) -> (C,): the mean of each map
    pass


class FullyConnected(NamedTuple):
    out: int
    bias: bool = True


class Residual(NamedTuple):
    branch: tuple  # ((name, record), ...)
    shortcut: tuple  # () = identity, else ((name, record), ...)


class ResNetCount(NamedTuple):
    name: str  # "conv1", "conv2_1.a", "conv2_1.a.bn", "conv2_1.proj", "conv2_1.add", "fc", ...
    kind: str  # "conv", "batchnorm", "relu", "maxpool", "avgpool", "fc", "add"
    output_shape: tuple  # (C, H, W) or (D,) of one example
    params: int
    macs: int


STAGES = {18: ("basic", (2, 2, 2, 2)), 34: ("basic", (3, 4, 6, 3)), 50: ("bottleneck", (3, 4, 6, 3)),
          101: ("bottleneck", (3, 4, 23, 3)), 152: ("bottleneck", (3, 8, 36, 3))}
WIDTHS = (64, 128, 256, 512)  # maps of the 3x3 convs in conv2_x .. conv5_x; a bottleneck outputs 4x as many
KINDS = {ConvShape: "conv", BatchNorm: "batchnorm", Relu: "relu", MaxPoolShape: "maxpool",
         GlobalAvgPool: "avgpool", FullyConnected: "fc"}


def _positive_int(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name}: expected an int >= 1, got {value!r}")
    return int(value)


def _block(in_maps, width, stride, kind, downsample):
    """One residual block's (branch, shortcut) records."""
    if kind == "basic":
        out_maps = width
        branch = (("a", ConvShape(width, 3, stride, 1)), ("a.bn", BatchNorm()), ("a.relu", Relu()),
                  ("b", ConvShape(width, 3, 1, 1)), ("b.bn", BatchNorm()))
    else:
        out_maps = 4 * width
        s1, s3 = (stride, 1) if downsample == "1x1" else (1, stride)
        branch = (("a", ConvShape(width, 1, s1)), ("a.bn", BatchNorm()), ("a.relu", Relu()),
                  ("b", ConvShape(width, 3, s3, 1)), ("b.bn", BatchNorm()), ("b.relu", Relu()),
                  ("c", ConvShape(out_maps, 1)), ("c.bn", BatchNorm()))
    projection = stride != 1 or in_maps != out_maps  # option B: project only when the shape changes
    shortcut = (("proj", ConvShape(out_maps, 1, stride)), ("proj.bn", BatchNorm())) if projection else ()
    return Residual(branch, shortcut), out_maps


def resnet_spec(depth, *, classes=1000, downsample="1x1") -> tuple:
    """The ResNet of `depth` in (18, 34, 50, 101, 152) as ((name, record), ...), for (3, 224, 224) images.

    conv1 7x7/2 64 + BN + ReLU (112x112) | pool1 3x3 max /2 padding 1 (56x56) | conv2_x .. conv5_x: blocks
    named "conv{stage}_{i}" (i from 1), the first block of conv3_x .. conv5_x of stride 2 (28, 14, 7) |
    pool5 global average | fc `classes` outputs. downsample: "1x1" (paper) or "3x3" (torchvision v1.5): which
    conv of a bottleneck carries the stride 2. Raises ValueError for another depth or option.
    """
    if isinstance(depth, bool) or not isinstance(depth, (int, np.integer)):
        raise TypeError(f"depth: expected an int, got {depth!r}")
    if depth not in STAGES:
        raise ValueError(f"depth: expected one of {sorted(STAGES)}, got {depth!r}")
    if downsample not in ("1x1", "3x3"):
        raise ValueError(f"downsample: expected '1x1' or '3x3', got {downsample!r}")
    classes = _positive_int("classes", classes)
    kind, repeats = STAGES[depth]
    layers = [("conv1", ConvShape(64, 7, 2, 3)), ("conv1.bn", BatchNorm()), ("conv1.relu", Relu()),
              ("pool1", MaxPoolShape(3, 2, 1))]
    maps = 64
    for stage, (width, count) in enumerate(zip(WIDTHS, repeats)):
        for i in range(count):
            stride = 2 if stage > 0 and i == 0 else 1
            block, maps = _block(maps, width, stride, kind, downsample)
            layers.append((f"conv{stage + 2}_{i + 1}", block))
    layers += [("pool5", GlobalAvgPool()), ("fc", FullyConnected(classes))]
    return tuple(layers)


def _count_layer(record, shape, name):
    """-> (output_shape, params, macs) of one record on an input of `shape`."""
    if isinstance(record, (ConvShape, MaxPoolShape)):
        if len(shape) != 3:
            raise ValueError(f"{name}: needs (C, H, W) maps, got shape {shape}")
        c, h, w = shape
        k = record.kernel if isinstance(record, ConvShape) else record.size
        s, p = record.stride, record.padding
        ho, wo = (h + 2 * p - k) // s + 1, (w + 2 * p - k) // s + 1  # H_out = (H + 2p - K) // s + 1
        if ho < 1 or wo < 1:
            raise ValueError(f"{name}: window {k}x{k} does not fit the {h}x{w} input with padding {p}")
        if isinstance(record, MaxPoolShape):
            return (c, ho, wo), 0, 0
        f = record.out_maps
        params = k * k * c * f + (f if record.bias else 0)
        return (f, ho, wo), params, k * k * c * f * ho * wo  # macs = KH*KW*C*F*Ho*Wo
    if isinstance(record, BatchNorm):
        return shape, 2 * shape[0], 0  # gamma and beta per map
    if isinstance(record, Relu):
        return shape, 0, 0
    if isinstance(record, GlobalAvgPool):
        return shape[:1], 0, 0
    if isinstance(record, FullyConnected):
        if len(shape) != 1:
            raise ValueError(f"{name}: needs a vector (D,), got shape {shape}")
        d, m = shape[0], record.out
        return (m,), d * m + (m if record.bias else 0), d * m  # macs = D*M
    raise TypeError(f"{name}: unknown layer record {type(record).__name__}")


def _walk(layers, shape, prefix, rows):
    """Append a ResNetCount per layer (blocks flattened) to rows; return the output shape."""
    for name, record in layers:
        name = prefix + name
        if isinstance(record, Residual):
            out = _walk(record.branch, shape, name + ".", rows)
            short = _walk(record.shortcut, shape, name + ".", rows)
            if out != short:
                raise ValueError(f"{name}: branch gives shape {out} but the shortcut {short}: cannot add them")
            rows.append(ResNetCount(name + ".add", "add", out, 0, 0))
            shape = out
        else:
            shape, params, macs = _count_layer(record, shape, name)
            rows.append(ResNetCount(name, KINDS[type(record)], tuple(shape), int(params), int(macs)))
    return shape


def count_resnet(spec, input_shape=(3, 224, 224)) -> list:
    """One ResNetCount per layer of `spec` (blocks flattened: "conv3_1.a", ..., "conv3_1.proj", "conv3_1.add")
    on one example of input_shape (C, H, W). Raises ValueError when a layer or an addition does not fit."""
    shape = tuple(_positive_int("input_shape", v) for v in input_shape)
    if len(shape) != 3:
        raise ValueError(f"input_shape: expected (C, H, W), got {input_shape!r}")
    rows = []
    _walk(spec, shape, "", rows)
    return rows


def resnet_counts(depth, *, downsample="1x1") -> tuple:
    """(macs, params) of ResNet-`depth` on a 224x224 image, counted from resnet_spec under the module's
    conventions (multiply-adds of convs and fc; BN, fc and projection shortcuts included in params)."""
    rows = count_resnet(resnet_spec(depth, downsample=downsample))
    return sum(r.macs for r in rows), sum(r.params for r in rows)


# ---------------------------------------------------------------- a deep stack: plain or with shortcuts


class StackCache(NamedTuple):
    weights: tuple  # L arrays (D, D) (plain stacks: (D_{l-1}, D_l))
    inputs: tuple  # a^{l-1}, the input of each layer, (N, D_{l-1})
    acts: tuple  # the ActivationCache of each layer
    shortcut: bool


class StackGrads(NamedTuple):
    dweights: tuple  # dJ/dW^l, shapes of the weights
    dx: np.ndarray  # dJ/dx, (N, D)
    deltas: tuple  # delta^l = dJ/dz^l, (N, D_l), l = 1..L (index 0 = the layer nearest the input)


def _check_stack(weights, x, shortcut):
    if not isinstance(shortcut, bool):
        raise TypeError(f"shortcut: expected a bool, got {shortcut!r}")
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"x: expected (N, D), got shape {x.shape}")
    weights = tuple(np.asarray(w, dtype=np.float64) for w in weights)
    if not weights:
        raise ValueError("weights: expected at least one (D, D) array, got none")
    d = x.shape[1]
    for i, w in enumerate(weights):
        if w.ndim != 2 or w.shape[0] != d or (shortcut and w.shape[1] != d):
            need = f"({d}, {d})" if shortcut else f"({d}, M)"
            raise ValueError(f"weights[{i}]: expected {need} after x {x.shape}, got shape {w.shape}")
        d = w.shape[1]
    return weights, x


def stack_forward(weights, x, *, shortcut, activation="sigmoid"):
    """L dense layers without biases: z^l = a^(l-1) W^l, a^l = sigma(z^l), plus a^(l-1) when shortcut.

    weights: sequence of L arrays, (D, D) each with shortcut (plain: (D_{l-1}, D_l) chained); x: (N, D) = a^0;
    shortcut: bool; activation: "sigmoid", "tanh" or "relu". Returns (a^L (N, D_L), StackCache).
    """
    weights, a = _check_stack(weights, x, shortcut)
    inputs, acts = [], []
    for w in weights:
        inputs.append(a)
        s, cache = activation_forward(a @ w, activation)  # sigma(z^l), z^l = a^(l-1) W^l
        acts.append(cache)
        a = a + s if shortcut else s  # the shortcut adds the layer's input to its output
    return a, StackCache(weights, tuple(inputs), tuple(acts), shortcut)


def stack_backward(dout, cache) -> StackGrads:
    """dout = dJ/da^L (N, D_L) -> StackGrads(dweights, dx, deltas).

    delta^l = dJ/da^l * sigma'(z^l); dJ/da^(l-1) = delta^l W^lT, plus dJ/da^l when shortcut (the gradient
    skips the layer unchanged).
    """
    g = np.asarray(dout, dtype=np.float64)
    last = cache.inputs[-1].shape[0], cache.weights[-1].shape[1]
    if g.shape != last:
        raise ValueError(f"dout: expected shape {last} (the stack's output), got {g.shape}")
    count = len(cache.weights)
    dweights, deltas = [None] * count, [None] * count
    for l in reversed(range(count)):
        delta = activation_backward(g, cache.acts[l])  # delta^l = dJ/da^l * sigma'(z^l)
        dweights[l] = cache.inputs[l].T @ delta  # dJ/dW^l = a^(l-1)T delta^l
        deltas[l] = delta
        back = delta @ cache.weights[l].T  # through the layer
        g = g + back if cache.shortcut else back  # ... and around it
    return StackGrads(tuple(dweights), g, tuple(deltas))


def gradient_norms(weights, x, *, shortcut, activation="sigmoid") -> list:
    """[||delta^1||, ..., ||delta^L||]: Frobenius norms of dJ/dz^l for J = sum of a^L (dout = ones).

    Same inputs as stack_forward. For 20 sigmoid layers with W ~ N(0, 1/D), the plain stack's first norm is
    about 1e-12 of its last (sigma' <= 1/4 at every layer), the residual stack's is of the same order or larger.
    """
    out, cache = stack_forward(weights, x, shortcut=shortcut, activation=activation)
    deltas = stack_backward(np.ones_like(out), cache).deltas
    return [float(np.linalg.norm(d)) for d in deltas]
