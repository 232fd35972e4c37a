"""Exercise 5's instructor-only witnesses: the reference's whole backward pass and the gradients of typical wrong
chains, built from the reference backward ops with one mistake put in (as bench/calibrate_exercise5.py does).

Never shipped (INSTRUCTOR_ONLY in __init__.py): the right chain here is exercise 5's answer. truth.py and
checks.py import it optionally; without it a release grades by directional derivatives alone and names no
mistake.
"""

from __future__ import annotations

import numpy as np

from grader.grading.lang import N_
from grader.grading.memo import remembered
from grader.grading.variants import Variants
from reference.activation import activation_backward
from reference.conv import conv2d_backward
from reference.dense import dense_backward, flatten_backward
from reference.conv import conv2d_forward
from reference.pool import max_pool_backward, max_pool_forward
from reference.train import lenet_backward, lenet_forward
from reference.train import train as reference_train_run  # noqa: E402
from reference.loss import softmax_cross_entropy

RELU_ONE = N_("relu' left out: delta = dJ/da (multiply by relu'(z) = 1 where z > 0, else 0)")
RELU_IS_A = N_("relu'(z) taken as relu(z) = a: delta = dJ/da * a (relu'(z) is 1 where z > 0, 0 elsewhere)")
MISTAKES = {  # key: the name a matching answer is given (N_: translated where it is shown)
    "relu_one": RELU_ONE,
    "relu_is_a": RELU_IS_A,
    "pool_to_ties": N_("max pooling's gradient sent to every tied maximum of a window (ReLU's zeros and blank "
                       "background tie; only the first maximum in row-major order gets it)"),
    "pool_to_last": N_("max pooling's gradient sent to the last tied maximum (the first in row-major order gets "
                       "it)"),
    "pool_copy": N_("max pooling's gradient copied to all four entries of each window (route it to the maximum)"),
    "pool_average": N_("max pooling treated as average pooling (route dJ/ds to the maximum, don't spread it)"),
    "no_rot": N_("the kernel was not rotated by 180° in dJ/da of the layer below (the full convolution uses "
                 "rot180(w))"),
    "dw_rot": N_("the kernel gradient is rotated by 180° (dJ/dw correlates the input with the residual: no "
                 "rotation)"),
    "batch_again": N_("divided by the batch size again (dscores is already the gradient of a mean over the batch)"),
    "sign": N_("every gradient has the wrong sign (dscores = softmax - onehot, not onehot - softmax)"),
}


@remembered
def reference_grads(x, y, params):
    """The reference's dJ/dparams of the mean loss of (x, y): reference.train's lenet_backward."""
    scores, cache = lenet_forward(x, params)
    return lenet_backward(softmax_cross_entropy(scores, y)[1], cache)


def _pool_back(mistake, ds, cache, a):
    """dJ/da of a 2x2 max pooling whose input is `a`, the right way or with one of the pooling mistakes."""
    up = np.repeat(np.repeat(ds, 2, axis=2), 2, axis=3)
    if mistake in ("pool_copy", "pool_average"):
        return up * (1.0 if mistake == "pool_copy" else 0.25)
    if mistake == "pool_to_ties":
        n, c, h, w = a.shape
        top = a.reshape(n, c, h // 2, 2, w // 2, 2).max(axis=(3, 5))
        return up * (a == np.repeat(np.repeat(top, 2, axis=2), 2, axis=3))
    if mistake == "pool_to_last":  # the first maximum of each window read backwards is its last one
        flip = (Ellipsis, slice(None, None, -1), slice(None, None, -1))
        return max_pool_backward(ds[flip], max_pool_forward(a[flip], size=2)[1])[flip]
    return max_pool_backward(ds, cache)


def _activations(x, params):
    """The ReLU outputs (a1, a3, a5, a6) of the network, for the mistakes that read them."""
    p, acts = params, []
    a = x
    for layer in ("C1", "C3", "C5"):
        a = np.maximum(conv2d_forward(a, p[layer + ".w"], p[layer + ".b"])[0], 0)
        acts.append(a)
        a = max_pool_forward(a, size=2)[0] if layer != "C5" else a
    acts.append(np.maximum(acts[-1].reshape(len(x), -1) @ p["F6.w"] + p["F6.b"], 0))
    return acts


def broken_grads(x, y, params, mistake):
    """The gradients a lenet_backward with `mistake` (a key of MISTAKES) returns, made everywhere it applies."""
    scores, cache = lenet_forward(x, params)
    dscores = softmax_cross_entropy(scores, y)[1]
    dscores = -dscores if mistake == "sign" else dscores / len(x) if mistake == "batch_again" else dscores
    acts = _activations(x, params)

    def relu(da, k):
        if mistake == "relu_one":
            return da
        return da * acts[k] if mistake == "relu_is_a" else activation_backward(da, cache.relu[k])

    def conv(d, k):
        dx, dw, db = conv2d_backward(d, cache.conv[k])
        if mistake == "no_rot":
            dx = conv2d_backward(d, cache.conv[k]._replace(w=cache.conv[k].w[:, :, ::-1, ::-1]))[0]
        return dx, (dw[:, :, ::-1, ::-1] if mistake == "dw_rot" else dw), db

    def pool(ds, k):
        return _pool_back(mistake, ds, cache.pool[k], acts[k])

    g = {}
    da6, g["F7.w"], g["F7.b"] = dense_backward(dscores, cache.dense[1])
    df5, g["F6.w"], g["F6.b"] = dense_backward(relu(da6, 3), cache.dense[0])
    ds4, g["C5.w"], g["C5.b"] = conv(relu(flatten_backward(df5, cache.flatten), 2), 2)
    ds2, g["C3.w"], g["C3.b"] = conv(relu(pool(ds4, 1), 1), 1)
    _, g["C1.w"], g["C1.b"] = conv(relu(pool(ds2, 0), 0), 0)
    return g


@remembered
def all_broken(x, y, params):
    """{mistake: the gradients its chain gives} for every mistake of MISTAKES, with the right ones under None."""
    wrong = {mistake: broken_grads(x, y, params, mistake) for mistake in MISTAKES}
    return {None: reference_grads(x, y, params), **wrong}


def lenet_variants(x, y, params, key):
    """{mistake: the dJ/d(key) it gives} for `key`, leaving out the mistakes that do not change that gradient
    on this case (pooling ties where there are none, ReLU mistakes above the layer, ...)."""
    chains = all_broken(x, y, params)

    def build(mistake):
        wrong, right = chains[mistake][key], chains[None][key]
        return None if np.allclose(wrong, right, rtol=1e-9, atol=1e-12) else wrong

    return Variants({name: (lambda m=mistake: build(m)) for mistake, name in MISTAKES.items()})


def reference_train(x, y, params, *, epochs, lr, batch_size, seed):
    """reference.train's train, its history in the students' format {"loss": [...], "accuracy": [...],
    "step_loss": [...]}."""
    trained, history = reference_train_run(x, y, params, epochs=epochs, lr=lr, batch_size=batch_size, seed=seed)
    return trained, {"loss": [h["loss"] for h in history], "accuracy": [h["accuracy"] for h in history],
                     "step_loss": [s for h in history for s in h["step_loss"]]}
