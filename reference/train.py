"""Seed 000's simplified LeNet as a parameter dict, its whole backward pass, and mini-batch SGD (exercise 5).

    x (N,1,32,32) -C1 conv 5x5 1->6-> relu -S2 max 2-> -C3 conv 5x5 6->16-> relu -S4 max 2->
      -C5 conv 5x5 16->120 (1x1 out)-> relu -flatten-> -F6 dense 120->84-> relu -F7 dense 84->10-> scores (N,10)
    J = softmax cross-entropy of the scores, mean over the batch      w' = w - lr * dJ/dw   (seed 000)

Parameters: {"C1.w": (6,1,5,5), "C1.b": (6,), "C3.w": (16,6,5,5), "C3.b": (16,), "C5.w": (120,16,5,5),
"C5.b": (120,), "F6.w": (120,84), "F6.b": (84,), "F7.w": (84,10), "F7.b": (10,)}.
dtype: the reference ops compute in float64, or in float32 when both the inputs and the parameters are float32
(then forward, backward and updates all run in float32; `train` keeps the parameters' dtype).
"""
import math
from typing import NamedTuple

import numpy as np

from reference.activation import activation_backward, activation_forward
from reference.conv import conv2d_backward, conv2d_forward
from reference.dense import dense_backward, dense_forward, flatten_backward, flatten_forward
from reference.loss import softmax_cross_entropy
from reference.model import modern_lenet, model_params
from reference.pool import max_pool_backward, max_pool_forward

PARAM_SHAPES = {"C1.w": (6, 1, 5, 5), "C1.b": (6,), "C3.w": (16, 6, 5, 5), "C3.b": (16,),
                "C5.w": (120, 16, 5, 5), "C5.b": (120,), "F6.w": (120, 84), "F6.b": (84,),
                "F7.w": (84, 10), "F7.b": (10,)}
INPUT_SHAPE = (1, 32, 32)


class LeNetCache(NamedTuple):
    conv: tuple       # (C1, C3, C5) ConvCaches
    relu: tuple       # (C1, C3, C5, F6) ActivationCaches
    pool: tuple       # (S2, S4) MaxPoolCaches
    flatten: object   # FlattenCache of C5's (N,120,1,1) output
    dense: tuple      # (F6, F7) DenseCaches
    dtype: np.dtype   # the parameters' dtype: gradients are returned in it


def lenet_params(seed) -> dict:
    """He-normal weights (std sqrt(2 / fan-in)) and zero biases, float64, drawn exactly as
    reference.model.modern_lenet(np.random.default_rng(seed)) draws them (its OUTPUT layer is F7 here)."""
    params = model_params(modern_lenet(np.random.default_rng(seed)))
    return {key.replace("OUTPUT.", "F7."): np.array(value, dtype=np.float64) for key, value in params.items()}


def check_params(params, name="params"):
    """ValueError/TypeError naming `name` unless params is a dict with exactly PARAM_SHAPES' keys and shapes
    and one float dtype. Returns that dtype."""
    if not isinstance(params, dict):
        raise TypeError(f"{name} must be a dict of arrays, got {type(params).__name__}")
    if set(params) != set(PARAM_SHAPES):
        raise ValueError(f"{name} must have the keys {sorted(PARAM_SHAPES)}, got {sorted(params)}")
    dtypes = set()
    for key, shape in PARAM_SHAPES.items():
        value = params[key]
        if not isinstance(value, np.ndarray) or value.dtype.kind != "f":
            raise TypeError(f"{name}[{key!r}] must be a float numpy array, got {type(value).__name__} "
                            f"{getattr(value, 'dtype', '')}")
        if value.shape != shape:
            raise ValueError(f"{name}[{key!r}] must have shape {shape}, got {value.shape}")
        dtypes.add(value.dtype)
    if len(dtypes) != 1:
        raise TypeError(f"{name} must all share one dtype, got {sorted(map(str, dtypes))}")
    return dtypes.pop()


def _check_x(x):
    x = np.asarray(x)
    if x.dtype.kind not in "biuf" or x.ndim != 4 or x.shape[1:] != INPUT_SHAPE or len(x) == 0:
        raise ValueError(f"x must be a non-empty real (N, 1, 32, 32) array, got {x.dtype} {x.shape}")
    return x


def lenet_forward(x, params):
    """x: (N, 1, 32, 32); params: the dict above. Returns scores (N, 10) and a LeNetCache."""
    x, dtype = _check_x(x), check_params(params)
    p = params
    z1, conv1 = conv2d_forward(x, p["C1.w"], p["C1.b"])      # (N,6,28,28)
    a1, relu1 = activation_forward(z1, "relu")
    s2, pool2 = max_pool_forward(a1, size=2)                  # (N,6,14,14)
    z3, conv3 = conv2d_forward(s2, p["C3.w"], p["C3.b"])     # (N,16,10,10)
    a3, relu3 = activation_forward(z3, "relu")
    s4, pool4 = max_pool_forward(a3, size=2)                  # (N,16,5,5)
    z5, conv5 = conv2d_forward(s4, p["C5.w"], p["C5.b"])     # (N,120,1,1)
    a5, relu5 = activation_forward(z5, "relu")
    f5, flat = flatten_forward(a5)                            # (N,120)
    z6, dense6 = dense_forward(f5, p["F6.w"], p["F6.b"])     # (N,84)
    a6, relu6 = activation_forward(z6, "relu")
    scores, dense7 = dense_forward(a6, p["F7.w"], p["F7.b"])  # (N,10)
    cache = LeNetCache((conv1, conv3, conv5), (relu1, relu3, relu5, relu6), (pool2, pool4), flat,
                       (dense6, dense7), dtype)
    return scores.astype(dtype, copy=False), cache


def lenet_backward(dscores, cache):
    """dscores: (N, 10) = dJ/dscores; cache: lenet_forward's. Returns grads, a dict keyed like the params
    (dJ/dparam, in the parameters' dtype). Each step: delta = dJ/da * sigma'(z); max pooling routes delta
    to each window's maximum; a convolution passes back the full convolution with the rotated kernel."""
    if not isinstance(cache, LeNetCache):
        raise TypeError(f"cache must be the LeNetCache of lenet_forward, got {type(cache).__name__}")
    (conv1, conv3, conv5), (relu1, relu3, relu5, relu6) = cache.conv, cache.relu
    grads = {}
    da6, grads["F7.w"], grads["F7.b"] = dense_backward(dscores, cache.dense[1])
    d6 = activation_backward(da6, relu6)                                   # delta6 = da6 * relu'(z6)
    df5, grads["F6.w"], grads["F6.b"] = dense_backward(d6, cache.dense[0])
    d5 = activation_backward(flatten_backward(df5, cache.flatten), relu5)  # (N,120,1,1)
    ds4, grads["C5.w"], grads["C5.b"] = conv2d_backward(d5, conv5)
    d3 = activation_backward(max_pool_backward(ds4, cache.pool[1]), relu3)  # route, then * relu'
    ds2, grads["C3.w"], grads["C3.b"] = conv2d_backward(d3, conv3)
    d1 = activation_backward(max_pool_backward(ds2, cache.pool[0]), relu1)
    _, grads["C1.w"], grads["C1.b"] = conv2d_backward(d1, conv1, input_grad=False)  # no dJ/dx of the image
    return {key: grads[key].astype(cache.dtype, copy=False) for key in PARAM_SHAPES}


def lenet_loss(x, y, params):
    """Mean softmax cross-entropy of the batch and its gradients: -> (loss float, grads dict, scores)."""
    scores, cache = lenet_forward(x, params)
    loss, dscores = softmax_cross_entropy(scores, y)
    return loss, lenet_backward(dscores, cache), scores


def sgd_step(params, grads, lr):
    """One gradient-descent step, seed 000's rule w' = w - lr * dJ/dw for every parameter.

    params, grads: dicts with PARAM_SHAPES' keys and shapes; lr: a positive finite number.
    Returns a new dict of new arrays (params' dtype); neither input is modified."""
    dtype = check_params(params)
    check_params(grads, "grads")
    if isinstance(lr, (bool, np.bool_)) or not isinstance(lr, (int, float, np.integer, np.floating)):
        raise TypeError(f"lr must be a number, got {lr!r}")
    if not math.isfinite(lr) or lr <= 0:
        raise ValueError(f"lr must be a positive finite number, got {lr!r}")
    return {key: (params[key] - lr * grads[key]).astype(dtype, copy=False) for key in PARAM_SHAPES}


def _check_data(x, y):
    x = _check_x(x)
    y = np.asarray(y)
    if y.dtype.kind not in "iu" or y.shape != (len(x),):
        raise ValueError(f"y must be ({len(x)},) integer labels for x {x.shape}, got {y.dtype} {y.shape}")
    return x, y


def _positive_int(name, value):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be an int >= 1, got {value!r}")
    return int(value)


def train(x, y, params, *, epochs, lr, batch_size, seed):
    """Mini-batch SGD on the mean softmax cross-entropy, starting from `params` (not modified).

    x: (N, 1, 32, 32); y: (N,) labels 0..9; epochs, batch_size: ints >= 1; lr: step size; seed: each epoch
    visits the examples in the order np.random.default_rng(seed).permutation(N) (a fresh draw per epoch from
    that one generator), in batches of batch_size (the last one may be smaller), one sgd_step per batch.
    Returns (params, history): history[k] = {"epoch": k + 1, "loss": mean loss, "accuracy": fraction right,
    "step_loss": [the loss of each batch]}, the epoch's figures measured on each batch before its step
    (weighted by batch size): the training error as it was met, with no extra pass over the data.
    """
    x, y = _check_data(x, y)
    check_params(params)
    epochs, batch_size = _positive_int("epochs", epochs), _positive_int("batch_size", batch_size)
    rng = np.random.default_rng(seed)
    history = []
    for epoch in range(epochs):
        order = rng.permutation(len(x))
        step_loss, total, right = [], 0.0, 0
        for start in range(0, len(x), batch_size):
            batch = order[start:start + batch_size]
            loss, grads, scores = lenet_loss(x[batch], y[batch], params)
            params = sgd_step(params, grads, lr)
            step_loss.append(loss)
            total += loss * len(batch)
            right += int(np.sum(np.argmax(scores, axis=1) == y[batch]))
        history.append({"epoch": epoch + 1, "loss": total / len(x), "accuracy": right / len(x),
                        "step_loss": step_loss})
    return params, history


def predict(params, x, batch_size=500):
    """Class with the highest score for each example of x (N, 1, 32, 32), in batches -> (N,) int64."""
    x = _check_x(x)
    batch_size = _positive_int("batch_size", batch_size)
    return np.concatenate([np.argmax(lenet_forward(x[i:i + batch_size], params)[0], axis=1)
                           for i in range(0, len(x), batch_size)]).astype(np.int64)


def accuracy(params, x, y, batch_size=500):
    """Fraction of examples whose highest score is their label: x (N, 1, 32, 32), y (N,) -> float."""
    x, y = _check_data(x, y)
    return float(np.mean(predict(params, x, batch_size) == y))
