"""An honest, student-style LeNet for exercise 5's time budget: loops over output positions, NumPy inside.

The same API as reference/train.py (lenet_params, lenet_forward, lenet_backward, sgd_step, train, accuracy)
and the same network, written the way a student who finished exercises 2-4 plausibly writes it (like CS231n's
naive layers): a convolution loops over its output positions (i, j) with the batch, channels and filters in
one product per position; max pooling loops over its windows. NumPy only, no reference import (a student's file
runs in a jail that offers only the standard library and NumPy), so the timing is a student's. Arithmetic
follows the parameters' dtype (float32 or float64). Used by bench/calibrate_exercise5.py.
"""
import numpy as np

KEYS = ("C1.w", "C1.b", "C3.w", "C3.b", "C5.w", "C5.b", "F6.w", "F6.b", "F7.w", "F7.b")


def lenet_params(seed):
    """He-normal weights, zero biases, float64, drawn in the order of reference.train.lenet_params."""
    rng = np.random.default_rng(seed)
    shapes = {"C1": ((6, 1, 5, 5), 25), "C3": ((16, 6, 5, 5), 150), "C5": ((120, 16, 5, 5), 400),
              "F6": ((120, 84), 120), "F7": ((84, 10), 84)}
    params = {}
    for name, (shape, fan_in) in shapes.items():
        params[name + ".w"] = rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)  # var = 2 / fan-in
        params[name + ".b"] = np.zeros(shape[0] if len(shape) == 4 else shape[1])
    return params


def conv_forward(x, w, b):
    """Valid, stride 1: z[n,f,i,j] = sum_{c,p,q} w[f,c,p,q] x[n,c,i+p,j+q] + b[f], one (i, j) at a time."""
    n, _, h, wd = x.shape
    f, _, kh, kw = w.shape
    ho, wo = h - kh + 1, wd - kw + 1
    z = np.empty((n, f, ho, wo), dtype=x.dtype)
    wmat = w.reshape(f, -1).T  # (C*KH*KW, F)
    for i in range(ho):
        for j in range(wo):
            z[:, :, i, j] = x[:, :, i:i + kh, j:j + kw].reshape(n, -1) @ wmat + b
    return z


def conv_backward(delta, x, w):
    """-> (dx, dw, db): every output position sends delta * w back to its window and delta * window to w."""
    n, f, ho, wo = delta.shape
    kh, kw = w.shape[2:]
    dx, dw = np.zeros_like(x), np.zeros_like(w)
    wmat = w.reshape(f, -1)
    for i in range(ho):
        for j in range(wo):
            d = delta[:, :, i, j]  # (N, F)
            dx[:, :, i:i + kh, j:j + kw] += (d @ wmat).reshape(n, -1, kh, kw)
            dw += (d.T @ x[:, :, i:i + kh, j:j + kw].reshape(n, -1)).reshape(w.shape)
    return dx, dw, delta.sum(axis=(0, 2, 3))


def pool_forward(a):
    """2x2 max pooling, stride 2, one window at a time."""
    n, c, h, wd = a.shape
    out = np.empty((n, c, h // 2, wd // 2), dtype=a.dtype)
    for i in range(h // 2):
        for j in range(wd // 2):
            out[:, :, i, j] = a[:, :, 2 * i:2 * i + 2, 2 * j:2 * j + 2].reshape(n, c, 4).max(axis=2)
    return out


def pool_backward(delta, a):
    """Route each delta entry to its window's first maximum (row-major), zero elsewhere."""
    n, c, h, wd = a.shape
    da = np.zeros_like(a)
    for i in range(h // 2):
        for j in range(wd // 2):
            k = a[:, :, 2 * i:2 * i + 2, 2 * j:2 * j + 2].reshape(n, c, 4).argmax(axis=2)  # (N, C)
            window = np.zeros((n, c, 4), dtype=a.dtype)
            np.put_along_axis(window, k[:, :, None], delta[:, :, i, j][:, :, None], axis=2)
            da[:, :, 2 * i:2 * i + 2, 2 * j:2 * j + 2] = window.reshape(n, c, 2, 2)
    return da


def lenet_forward(x, params):
    """x (N,1,32,32) -> (scores (N,10), cache: every layer's input and pre-activation)."""
    p = params
    x = np.asarray(x, dtype=p["C1.w"].dtype)
    z1 = conv_forward(x, p["C1.w"], p["C1.b"])
    s2 = pool_forward(np.maximum(z1, 0))
    z3 = conv_forward(s2, p["C3.w"], p["C3.b"])
    s4 = pool_forward(np.maximum(z3, 0))
    z5 = conv_forward(s4, p["C5.w"], p["C5.b"])
    f5 = np.maximum(z5, 0).reshape(len(x), -1)
    z6 = f5 @ p["F6.w"] + p["F6.b"]
    a6 = np.maximum(z6, 0)
    scores = a6 @ p["F7.w"] + p["F7.b"]
    return scores, (x, z1, s2, z3, s4, z5, f5, z6, a6, p)


def lenet_backward(dscores, cache):
    """-> grads dict: delta = dJ/da * relu'(z) layer by layer, pooling routes, convolutions pass back."""
    x, z1, s2, z3, s4, z5, f5, z6, a6, p = cache
    g = {"F7.w": a6.T @ dscores, "F7.b": dscores.sum(axis=0)}
    d6 = (dscores @ p["F7.w"].T) * (z6 > 0)
    g["F6.w"], g["F6.b"] = f5.T @ d6, d6.sum(axis=0)
    d5 = (d6 @ p["F6.w"].T).reshape(z5.shape) * (z5 > 0)
    ds4, g["C5.w"], g["C5.b"] = conv_backward(d5, s4, p["C5.w"])
    d3 = pool_backward(ds4, np.maximum(z3, 0)) * (z3 > 0)
    ds2, g["C3.w"], g["C3.b"] = conv_backward(d3, s2, p["C3.w"])
    d1 = pool_backward(ds2, np.maximum(z1, 0)) * (z1 > 0)
    _, g["C1.w"], g["C1.b"] = conv_backward(d1, x, p["C1.w"])
    return g


def softmax_cross_entropy(scores, y):
    shifted = scores - scores.max(axis=1, keepdims=True)
    prob = np.exp(shifted)
    prob /= prob.sum(axis=1, keepdims=True)
    n = len(y)
    loss = float(-np.mean(np.log(prob[np.arange(n), y])))
    prob[np.arange(n), y] -= 1
    return loss, prob / n


def sgd_step(params, grads, lr):
    return {k: params[k] - lr * grads[k] for k in params}  # w' = w - lr dJ/dw


def train(x, y, params, *, epochs, lr, batch_size, seed, backward=None):
    """Mini-batch SGD, examples visited as reference.train.train visits them. backward: replaces
    lenet_backward (calibration uses it to measure broken variants). -> (params, history list of dicts)."""
    backward = backward or lenet_backward
    dtype = params["C1.w"].dtype
    x = np.asarray(x, dtype=dtype)
    rng = np.random.default_rng(seed)
    history = []
    for epoch in range(epochs):
        order = rng.permutation(len(x))
        step_loss, right = [], 0
        for start in range(0, len(x), batch_size):
            batch = order[start:start + batch_size]
            scores, cache = lenet_forward(x[batch], params)
            loss, dscores = softmax_cross_entropy(scores, y[batch])
            params = sgd_step(params, backward(dscores, cache), lr)
            step_loss.append(loss)
            right += int(np.sum(scores.argmax(axis=1) == y[batch]))
        history.append({"epoch": epoch + 1, "loss": float(np.dot(step_loss, _sizes(len(x), batch_size))) / len(x),
                        "accuracy": right / len(x), "step_loss": step_loss})
    return params, history


def _sizes(n, batch_size):
    return [min(batch_size, n - start) for start in range(0, n, batch_size)]


def accuracy(params, x, y, batch_size=500):
    right = 0
    for i in range(0, len(x), batch_size):
        right += int(np.sum(lenet_forward(x[i:i + batch_size], params)[0].argmax(axis=1) == y[i:i + batch_size]))
    return right / len(x)
