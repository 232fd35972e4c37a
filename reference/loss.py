"""Loss functions, each returning (loss, dJ/dinput), float64.

    softmax_cross_entropy: J = -(1/N) sum_n log softmax(scores[n])[labels[n]]
                           dJ/dscores = (softmax(scores) - onehot(labels)) / N
    mean_squared_error:    J = sum((pred - target)^2) / (2N),  N = pred.shape[0]
                           dJ/dpred = (pred - target) / N
"""
import numpy as np

from reference.conv import _float_array


def softmax_cross_entropy(scores, labels):
    """scores: (N, K) class scores; labels: (N,) ints in [0, K). Returns (loss: float, dscores (N, K))."""
    scores = _float_array("scores", scores, 2)
    labels = np.asarray(labels)
    N, K = scores.shape
    if labels.dtype.kind not in "iu":
        raise TypeError(f"labels must be an integer array, got dtype {labels.dtype}")
    if labels.shape != (N,):
        raise ValueError(f"labels must have shape ({N},) for scores {scores.shape}, got {labels.shape}")
    if labels.min() < 0 or labels.max() >= K:
        raise ValueError(f"labels must lie in [0, {K}) for scores {scores.shape}, got range "
                         f"[{labels.min()}, {labels.max()}]")
    shifted = scores - scores.max(axis=1, keepdims=True)  # softmax is shift invariant; avoids overflow
    exp = np.exp(shifted)
    total = exp.sum(axis=1, keepdims=True)
    rows = np.arange(N)
    loss = float(np.mean(np.log(total[:, 0]) - shifted[rows, labels]))  # -log p[label]
    dscores = exp / total  # softmax probabilities
    dscores[rows, labels] -= 1.0
    dscores /= N
    return loss, dscores


def mean_squared_error(pred, target):
    """pred, target: same shape (N, ...). Returns (loss = sum((pred-target)^2) / (2N): float,
    dpred = (pred - target) / N with pred's shape)."""
    pred = np.asarray(pred)
    pred = _float_array("pred", pred, max(pred.ndim, 1))
    target = np.asarray(target)
    target = _float_array("target", target, max(target.ndim, 1))
    if pred.shape != target.shape:
        raise ValueError(f"pred and target must have the same shape, got {pred.shape} and {target.shape}")
    N = pred.shape[0]
    diff = pred - target
    loss = float(np.sum(diff * diff) / (2 * N))
    return loss, diff / N
