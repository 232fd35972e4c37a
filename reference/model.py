"""Models built from the reference ops: immutable layer records, a forward/backward walk, LeNet-5.

A `Model` is a tuple of layer records plus a tuple of names ("C1", "C1.act", "S2", ...). Parameters are the
records' array fields ("w", "b", "coef", "bias", "centres"); `model_params` names them "C1.w" etc.
"""
from typing import NamedTuple

import numpy as np

from reference.activation import activation_backward, activation_forward
from reference.conv import conv2d_backward, conv2d_forward
from reference.dense import (dense_backward, dense_forward, flatten_backward, flatten_forward,
                             rbf_backward, rbf_forward)
from reference.loss import softmax_cross_entropy
from reference.pool import (avg_pool_backward, avg_pool_forward, max_pool_backward, max_pool_forward,
                            subsample_backward, subsample_forward)

# LeNet-5's C3 table (LeCun et al. 1998, table I): C3 map -> the S2 maps it reads.
C3_TABLE = ((0, 1, 2), (1, 2, 3), (2, 3, 4), (3, 4, 5), (4, 5, 0), (5, 0, 1),
            (0, 1, 2, 3), (1, 2, 3, 4), (2, 3, 4, 5), (3, 4, 5, 0), (4, 5, 0, 1), (5, 0, 1, 2),
            (0, 1, 3, 4), (1, 2, 4, 5), (0, 2, 3, 5), (0, 1, 2, 3, 4, 5))


class Conv(NamedTuple):
    w: np.ndarray  # (F, C, KH, KW)
    b: np.ndarray  # (F,)
    stride: int = 1
    padding: int = 0
    connections: tuple | None = None  # F sequences of input-map indices, None = fully connected


class MaxPool(NamedTuple):
    size: int
    stride: int | None = None  # None = size


class AvgPool(NamedTuple):
    size: int
    stride: int | None = None


class Subsample(NamedTuple):
    coef: np.ndarray  # (C,)
    bias: np.ndarray  # (C,)
    size: int


class Activation(NamedTuple):
    kind: str  # "sigmoid", "tanh", "relu", "lenet_tanh"


class Flatten(NamedTuple):
    pass


class Dense(NamedTuple):
    w: np.ndarray  # (D, M)
    b: np.ndarray  # (M,)


class RBF(NamedTuple):
    centres: np.ndarray  # (K, D)
    trainable: bool = False


class Model(NamedTuple):
    layers: tuple
    names: tuple


PARAM_FIELDS = {Conv: ("w", "b"), Subsample: ("coef", "bias"), Dense: ("w", "b"), RBF: ("centres",)}


def param_fields(layer, *, trainable_only=True) -> tuple:
    """Names of the array fields of `layer`; RBF centres count as trainable only when `layer.trainable`."""
    if isinstance(layer, RBF) and trainable_only and not layer.trainable:
        return ()
    return PARAM_FIELDS.get(type(layer), ())


def _layer_forward(layer, x):
    if isinstance(layer, Conv):
        return conv2d_forward(x, layer.w, layer.b, stride=layer.stride, padding=layer.padding,
                              connections=layer.connections)
    if isinstance(layer, MaxPool):
        return max_pool_forward(x, size=layer.size, stride=layer.stride)
    if isinstance(layer, AvgPool):
        return avg_pool_forward(x, size=layer.size, stride=layer.stride)
    if isinstance(layer, Subsample):
        return subsample_forward(x, layer.coef, layer.bias, size=layer.size)
    if isinstance(layer, Activation):
        return activation_forward(x, layer.kind)
    if isinstance(layer, Flatten):
        return flatten_forward(x)
    if isinstance(layer, Dense):
        return dense_forward(x, layer.w, layer.b)
    if isinstance(layer, RBF):
        return rbf_forward(x, layer.centres)
    raise TypeError(f"layer: unknown layer record {type(layer).__name__}")


def _layer_backward(layer, dout, cache):
    """-> (dx, grads dict of the layer's trainable fields)."""
    if isinstance(layer, (Conv, Dense)):
        dx, dw, db = (conv2d_backward if isinstance(layer, Conv) else dense_backward)(dout, cache)
        return dx, {"w": dw, "b": db}
    if isinstance(layer, Subsample):
        dx, dcoef, dbias = subsample_backward(dout, cache)
        return dx, {"coef": dcoef, "bias": dbias}
    if isinstance(layer, RBF):
        dx, dcentres = rbf_backward(dout, cache)
        return dx, ({"centres": dcentres} if layer.trainable else {})
    backward = {MaxPool: max_pool_backward, AvgPool: avg_pool_backward,
                Activation: activation_backward, Flatten: flatten_backward}.get(type(layer))
    if backward is None:
        raise TypeError(f"layer: unknown layer record {type(layer).__name__}")
    return backward(dout, cache), {}


def model_forward(model, x):
    """Run every layer. x (N, C, H, W) (or (N, D) for a dense-only model) -> (out, caches tuple)."""
    if len(model.layers) != len(model.names) or len(set(model.names)) != len(model.names):
        raise ValueError(f"model: needs one distinct name per layer, got {len(model.layers)} layers and "
                         f"names {model.names}")
    caches = []
    for layer in model.layers:
        x, cache = _layer_forward(layer, x)
        caches.append(cache)
    return x, tuple(caches)


def model_backward(model, dout, caches):
    """dout = dJ/d(model output) -> (dx = dJ/dx of the model input, grads).

    grads is a tuple aligned with model.layers: per layer a dict field -> gradient of the layer's *trainable*
    fields ({} for parameter-free layers and for an RBF layer with fixed centres).
    """
    if len(caches) != len(model.layers):
        raise ValueError(f"caches: {len(caches)} caches for {len(model.layers)} layers")
    grads = [None] * len(model.layers)
    for i in reversed(range(len(model.layers))):
        dout, grads[i] = _layer_backward(model.layers[i], dout, caches[i])
    return dout, tuple(grads)


def model_loss(model, x, labels):
    """Softmax cross-entropy of the model's scores (mean over N) -> (loss, dx, grads).

    A model ending in an RBF layer outputs penalties (small = good), so its scores are -out.
    """
    out, caches = model_forward(model, x)
    sign = -1.0 if isinstance(model.layers[-1], RBF) else 1.0
    loss, dscores = softmax_cross_entropy(sign * out, labels)
    dx, grads = model_backward(model, sign * dscores, caches)
    return loss, dx, grads


def model_params(model) -> dict:
    """Trainable parameters: {"C1.w": array, "C1.b": array, ...} (the arrays themselves, not copies)."""
    return {f"{name}.{field}": getattr(layer, field)
            for layer, name in zip(model.layers, model.names) for field in param_fields(layer)}


def named_grads(model, grads) -> dict:
    """model_backward's per-layer grads as one dict keyed like model_params ("C1.w" -> dJ/dw)."""
    return {f"{name}.{field}": g[field]
            for layer, name, g in zip(model.layers, model.names, grads) for field in param_fields(layer)}


def with_params(model, params) -> Model:
    """A new Model whose arrays named in `params` ("C1.w" -> array; fixed ones like "OUTPUT.centres" too)
    are replaced. Unknown names or shapes different from the current array raise ValueError."""
    index = {name: i for i, name in enumerate(model.names)}
    layers = list(model.layers)
    for key, value in params.items():
        name, _, field = key.rpartition(".")
        if name not in index or field not in param_fields(layers[index[name]], trainable_only=False):
            raise ValueError(f"params: unknown parameter {key!r}; known: {sorted(_all_param_names(model))}")
        old = getattr(layers[index[name]], field)
        value = np.asarray(value)
        if value.shape != old.shape:
            raise ValueError(f"params[{key!r}]: shape {value.shape}, expected {old.shape}")
        layers[index[name]] = layers[index[name]]._replace(**{field: value})
    return Model(tuple(layers), model.names)


def _all_param_names(model):
    return [f"{n}.{f}" for layer, n in zip(model.layers, model.names)
            for f in param_fields(layer, trainable_only=False)]


def rbf_codes(classes=10, dim=84) -> np.ndarray:
    """Fixed ±1 RBF centres (classes, dim): rows 1..classes of the Sylvester-Hadamard matrix of order
    2**ceil(log2(dim)), first `dim` columns (entry (i, j) = (-1)**popcount(i & j)); deterministic."""
    i = np.arange(1, classes + 1)[:, None]
    j = np.arange(dim)[None, :]
    both = i & j
    parity = sum((both >> k) & 1 for k in range(max(classes, dim).bit_length())) % 2
    return 1.0 - 2.0 * parity  # (-1)**popcount


def _uniform(rng, shape, fan_in):
    # LeCun et al. 1998, appendix: weights uniform in [-2.4/F_in, 2.4/F_in], F_in = fan-in of the unit
    return rng.uniform(-2.4 / fan_in, 2.4 / fan_in, size=shape)


def lenet5(rng) -> Model:
    """LeNet-5 of LeCun et al. 1998 for (N, 1, 32, 32) inputs; output (N, 10) RBF penalties.

    C1 conv 1->6 5x5 | S2 subsample 2 | C3 conv 6->16 5x5 (C3_TABLE) | S4 | C5 conv 16->120 5x5 | F6 dense
    120->84 | OUTPUT RBF 84->10 with fixed ±1 centres (rbf_codes). Each layer up to F6 is followed by the
    squashing function lenet_tanh. Unlisted C3 weights are 0 (and ignored by the conv). Biases start at 0.
    """
    c3_mask = np.zeros((16, 6), dtype=bool)
    for f, maps in enumerate(C3_TABLE):
        c3_mask[f, list(maps)] = True
    c3_fan_in = 25 * c3_mask.sum(axis=1)[:, None, None, None]
    layers = (
        ("C1", Conv(_uniform(rng, (6, 1, 5, 5), 25), np.zeros(6))),
        ("C1.act", Activation("lenet_tanh")),
        ("S2", Subsample(_uniform(rng, 6, 4), np.zeros(6), 2)),
        ("S2.act", Activation("lenet_tanh")),
        ("C3", Conv(rng.uniform(-1, 1, (16, 6, 5, 5)) * (2.4 / c3_fan_in) * c3_mask[:, :, None, None],
                    np.zeros(16), connections=C3_TABLE)),
        ("C3.act", Activation("lenet_tanh")),
        ("S4", Subsample(_uniform(rng, 16, 4), np.zeros(16), 2)),
        ("S4.act", Activation("lenet_tanh")),
        ("C5", Conv(_uniform(rng, (120, 16, 5, 5), 400), np.zeros(120))),
        ("C5.act", Activation("lenet_tanh")),
        ("flatten", Flatten()),
        ("F6", Dense(_uniform(rng, (120, 84), 120), np.zeros(84))),
        ("F6.act", Activation("lenet_tanh")),
        ("OUTPUT", RBF(rbf_codes(10, 84), trainable=False)),
    )
    return Model(tuple(layer for _, layer in layers), tuple(name for name, _ in layers))


def modern_lenet(rng) -> Model:
    """The simplified LeNet (seed 000): ReLU, 2x2 max pooling, fully connected C3, dense output (N, 10) scores.

    C1 conv 1->6 5x5 | S2 max 2 | C3 conv 6->16 5x5 | S4 max 2 | C5 conv 16->120 5x5 | F6 dense 120->84 |
    OUTPUT dense 84->10 (softmax belongs to the loss). He-normal weights, zero biases.
    """
    def he(shape, fan_in):
        return rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)  # He et al. 2015: var = 2 / fan-in
    layers = (
        ("C1", Conv(he((6, 1, 5, 5), 25), np.zeros(6))), ("C1.act", Activation("relu")),
        ("S2", MaxPool(2)),
        ("C3", Conv(he((16, 6, 5, 5), 150), np.zeros(16))), ("C3.act", Activation("relu")),
        ("S4", MaxPool(2)),
        ("C5", Conv(he((120, 16, 5, 5), 400), np.zeros(120))), ("C5.act", Activation("relu")),
        ("flatten", Flatten()),
        ("F6", Dense(he((120, 84), 120), np.zeros(84))), ("F6.act", Activation("relu")),
        ("OUTPUT", Dense(he((84, 10), 84), np.zeros(10))),
    )
    return Model(tuple(layer for _, layer in layers), tuple(name for name, _ in layers))
