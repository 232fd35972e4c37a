"""Parameters, connections, multiply-accumulates and activations of a built model, counted by construction.

Every figure comes from the model's actual arrays, connection tables and the shapes the layers produce, never
from a hand-typed formula. Conventions (LeCun et al. 1998 for connections, seed 002 for time/space):
- params: every parameter array entry that the layer uses (a conv with a connection table uses only the
  KH*KW kernels of listed (output map, input map) pairs, plus one bias per map), fixed ones included;
  trainable: the same minus fixed arrays (LeNet-5's RBF centres).
- connections: for layers with parameters, per output unit the input values it is linked to plus 1 for its
  bias: conv KH*KW*(#connected input maps)+1 (taps into zero padding count: the standard formula), subsample
  size*size+1, dense D+1, RBF D (no bias). Parameter-free layers (pooling, activation, flatten) report 0.
- macs: multiply-accumulates per example, biases excluded: conv KH*KW*(#connected maps)*Ho*Wo per output map,
  dense D*M, RBF D*K, subsample and average pooling size*size per output value (the equivalent depthwise
  conv); max pooling, activations and flatten 0.
- activations: output values per example that a layer stores (seed 002's space complexity). Activation and
  flatten layers work in place on their input's values, so they report 0 and totals count each map once.
"""
from typing import NamedTuple

import numpy as np

from reference.conv import connection_mask
from reference.model import (RBF, Activation, AvgPool, Conv, Dense, Flatten, MaxPool, Model, Subsample,
                             param_fields)


class LayerCount(NamedTuple):
    name: str
    kind: str  # "conv", "maxpool", "avgpool", "subsample", "activation", "flatten", "dense", "rbf", "total"
    output_shape: tuple  # (C, H, W) or (D,) of one example
    params: int
    trainable: int
    connections: int
    macs: int
    activations: int


KINDS = {Conv: "conv", MaxPool: "maxpool", AvgPool: "avgpool", Subsample: "subsample",
         Activation: "activation", Flatten: "flatten", Dense: "dense", RBF: "rbf"}


def _need_maps(shape, name, kind):
    if len(shape) != 3:
        raise ValueError(f"{name}: a {kind} layer needs (C, H, W) feature maps, got shape {shape}")
    return shape


def _need_vector(shape, name, kind):
    if len(shape) != 1:
        raise ValueError(f"{name}: a {kind} layer needs a vector (D,); got shape {shape} (add a flatten layer)")
    return shape[0]


def _window_shape(h, w, size, stride, name):
    # H_out = (H - size) // stride + 1 (no padding)
    if size > h or size > w:
        raise ValueError(f"{name}: window {size} larger than the {h}x{w} input")
    return (h - size) // stride + 1, (w - size) // stride + 1


def _conv_count(layer, shape, name):
    c, h, w = _need_maps(shape, name, "conv")
    f, wc, kh, kw = layer.w.shape
    if wc != c:
        raise ValueError(f"{name}: kernels {layer.w.shape} read {wc} maps but the input has {c} (shape {shape})")
    s, p = layer.stride, layer.padding
    if s < 1 or p < 0:
        raise ValueError(f"{name}: stride {s} must be >= 1 and padding {p} >= 0")
    ho, wo = (h + 2 * p - kh) // s + 1, (w + 2 * p - kw) // s + 1  # H_out = (H + 2p - KH) // s + 1
    if ho < 1 or wo < 1:
        raise ValueError(f"{name}: kernel {kh}x{kw} does not fit the {h}x{w} input with padding {p}")
    mask = (np.ones((f, c), dtype=bool) if layer.connections is None
            else connection_mask(layer.connections, c, f))
    taps = kh * kw * mask.sum(axis=1)  # inputs each unit of map f reads
    params = int(taps.sum()) + layer.b.size
    return (f, ho, wo), params, int(((taps + 1) * ho * wo).sum()), int((taps * ho * wo).sum())


def _layer_count(layer, shape, name):
    """-> (output_shape, params, connections, macs) of one layer on an input of `shape`."""
    if isinstance(layer, Conv):
        return _conv_count(layer, shape, name)
    if isinstance(layer, (MaxPool, AvgPool)):
        c, h, w = _need_maps(shape, name, KINDS[type(layer)])
        stride = layer.size if layer.stride is None else layer.stride
        if layer.size < 1 or stride < 1:
            raise ValueError(f"{name}: pooling size {layer.size} and stride {stride} must be >= 1")
        ho, wo = _window_shape(h, w, layer.size, stride, name)
        macs = layer.size ** 2 * c * ho * wo if isinstance(layer, AvgPool) else 0
        return (c, ho, wo), 0, 0, macs
    if isinstance(layer, Subsample):
        c, h, w = _need_maps(shape, name, "subsample")
        if layer.size < 1 or h % layer.size or w % layer.size or layer.coef.shape != (c,):
            raise ValueError(f"{name}: subsample size {layer.size}, coef {layer.coef.shape} on input {shape}")
        units = c * (h // layer.size) * (w // layer.size)
        params = layer.coef.size + layer.bias.size
        return (c, h // layer.size, w // layer.size), params, units * (layer.size ** 2 + 1), units * layer.size ** 2
    if isinstance(layer, Activation):
        return shape, 0, 0, 0
    if isinstance(layer, Flatten):
        return (int(np.prod(shape)),), 0, 0, 0
    if isinstance(layer, Dense):
        d, m = layer.w.shape
        if _need_vector(shape, name, "dense") != d:
            raise ValueError(f"{name}: weights {layer.w.shape} need D={d} inputs, got shape {shape}")
        return (m,), layer.w.size + layer.b.size, (d + 1) * m, d * m
    if isinstance(layer, RBF):
        k, d = layer.centres.shape
        if _need_vector(shape, name, "rbf") != d:
            raise ValueError(f"{name}: centres {layer.centres.shape} need D={d} inputs, got shape {shape}")
        return (k,), layer.centres.size, d * k, d * k
    raise TypeError(f"{name}: unknown layer record {type(layer).__name__}")


def count_model(model, input_shape) -> list:
    """Count every layer of `model` (a reference.model.Model) on one example of `input_shape` (C, H, W) or (D,).

    Returns a list of LayerCount, one per layer, in order (parameter-free layers with zeros where the
    conventions of this module say so). Raises ValueError when a layer does not fit its input.
    """
    shape = tuple(int(v) for v in input_shape)
    if len(shape) not in (1, 3) or min(shape) < 1:
        raise ValueError(f"input_shape: expected (C, H, W) or (D,) of positive ints, got {input_shape}")
    counts = []
    for layer, name in zip(model.layers, model.names):
        shape, params, connections, macs = _layer_count(layer, shape, name)
        fixed = sum(getattr(layer, f).size for f in param_fields(layer, trainable_only=False)
                    if f not in param_fields(layer))
        stored = 0 if isinstance(layer, (Activation, Flatten)) else int(np.prod(shape))
        counts.append(LayerCount(name, KINDS[type(layer)], tuple(shape), int(params), int(params - fixed),
                                 int(connections), int(macs), stored))
    return counts


def count_totals(counts) -> LayerCount:
    """Sum params, trainable, connections, macs and activations; output_shape is the last layer's."""
    def total(field):
        return sum(getattr(c, field) for c in counts)
    last = counts[-1].output_shape if counts else ()
    return LayerCount("total", "total", last, total("params"), total("trainable"), total("connections"),
                      total("macs"), total("activations"))


def output_shape(model, input_shape) -> tuple:
    """Shape (C, H, W) or (D,) of one example of the model's output."""
    counts = count_model(model, input_shape)
    return counts[-1].output_shape if counts else tuple(input_shape)


SPEC_KEYS = {"conv": ({"out_maps", "kernel"}, {"stride", "padding", "connections"}),
             "subsample": ({"size"}, set()), "maxpool": ({"size"}, {"stride"}), "avgpool": ({"size"}, {"stride"}),
             "activation": ({"activation"}, set()), "flatten": (set(), set()), "dense": ({"out"}, set()),
             "rbf": ({"classes"}, {"trainable"})}
ACTIVATIONS = ("sigmoid", "tanh", "relu", "lenet_tanh")


def _int(entry, key, where, *, low=1, default=None):
    value = entry.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ValueError(f"{where}: {key!r} must be an int >= {low}, got {value!r}")
    return int(value)


def _kernel(entry, where):
    k = entry["kernel"]
    pair = (k, k) if isinstance(k, (int, np.integer)) and not isinstance(k, bool) else k
    if not isinstance(pair, (tuple, list)) or len(pair) != 2:
        raise ValueError(f"{where}: 'kernel' must be an int or a (KH, KW) pair, got {k!r}")
    return tuple(_int({"k": v}, "k", f"{where} kernel") for v in pair)


def _table(table, in_maps, out_maps, where):
    try:
        if len(table) != out_maps:
            raise ValueError(f"{len(table)} rows for {out_maps} output maps")
        connection_mask(table, in_maps, out_maps)  # validates the indices against the C input maps
        return tuple(tuple(int(m) for m in maps) for maps in table)
    except (TypeError, ValueError) as err:
        raise ValueError(f"{where}: bad 'connections' table {table!r} for {in_maps} input maps: {err}") from None


def _build_layer(entry, shape, rng, where):
    kind = entry["kind"]
    normal = rng.standard_normal
    if kind == "conv":
        c = _need_maps(shape, where, "conv")[0]
        f, (kh, kw) = _int(entry, "out_maps", where), _kernel(entry, where)
        table = entry.get("connections")
        if table is not None:
            table = _table(table, c, f, where)
        return Conv(normal((f, c, kh, kw)) / np.sqrt(c * kh * kw), 0.1 * normal(f),
                    _int(entry, "stride", where, default=1), _int(entry, "padding", where, low=0, default=0), table)
    if kind == "subsample":
        c = _need_maps(shape, where, "subsample")[0]
        return Subsample(normal(c), 0.1 * normal(c), _int(entry, "size", where))
    if kind in ("maxpool", "avgpool"):
        stride = None if entry.get("stride") is None else _int(entry, "stride", where)
        return (MaxPool if kind == "maxpool" else AvgPool)(_int(entry, "size", where), stride)
    if kind == "activation":
        if entry["activation"] not in ACTIVATIONS:
            raise ValueError(f"{where}: 'activation' {entry['activation']!r} not one of {ACTIVATIONS}")
        return Activation(entry["activation"])
    if kind == "flatten":
        return Flatten()
    d = _need_vector(shape, where, kind)
    if kind == "dense":
        m = _int(entry, "out", where)
        return Dense(normal((d, m)) / np.sqrt(d), 0.1 * normal(m))
    trainable = entry.get("trainable", False)
    if not isinstance(trainable, bool):
        raise ValueError(f"{where}: 'trainable' must be a bool, got {trainable!r}")
    return RBF(np.where(rng.random((_int(entry, "classes", where), d)) < 0.5, -1.0, 1.0), trainable)


def _check_entry(entry, where):
    if not isinstance(entry, dict) or entry.get("kind") not in SPEC_KEYS:
        raise ValueError(f"{where}: expected a dict with 'kind' in {sorted(SPEC_KEYS)}, got {entry!r}")
    required, optional = SPEC_KEYS[entry["kind"]]
    keys = set(entry) - {"kind", "name"}
    if required - keys or keys - required - optional:
        raise ValueError(f"{where}: kind {entry['kind']!r} needs keys {sorted(required)} (optional "
                         f"{sorted(optional | {'name'})}), got {sorted(keys)}")


def build_model(spec, rng, input_shape) -> Model:
    """A Model from a small spec: a list of dicts, each {"kind": ..., options..., "name": optional}.

    kinds and keys: conv (out_maps, kernel int or (KH, KW), stride=1, padding=0, connections=None),
    subsample (size), maxpool / avgpool (size, stride=None), activation (activation), flatten, dense (out),
    rbf (classes, trainable=False; random ±1 centres). input_shape (C, H, W) or (D,) of one example.
    Weights are drawn from `rng` (normal / sqrt(fan-in)), biases small normal. Names default to
    "<kind><index>". Raises ValueError on a malformed spec or a layer that does not fit its input.
    """
    if not isinstance(spec, (list, tuple)) or not spec:
        raise ValueError(f"spec: expected a non-empty list of layer dicts, got {spec!r}")
    shape = tuple(int(v) for v in input_shape)
    if len(shape) not in (1, 3) or min(shape) < 1:
        raise ValueError(f"input_shape: expected (C, H, W) or (D,) of positive ints, got {input_shape}")
    layers, names = [], []
    for i, entry in enumerate(spec):
        where = f"spec[{i}]"
        _check_entry(entry, where)
        name = entry.get("name", f"{entry['kind']}{i}")
        if not isinstance(name, str) or not name or name in names:
            raise ValueError(f"{where}: 'name' must be a new non-empty string, got {name!r}")
        layer = _build_layer(entry, shape, rng, where)
        shape = _layer_count(layer, shape, where)[0]  # checks the layer fits its input
        layers.append(layer)
        names.append(name)
    return Model(tuple(layers), tuple(names))
