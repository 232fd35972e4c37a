"""Exercise 5: LeNet learns. The whole backward pass of seed 000's simplified LeNet, the update rule, training.

The network (the forward pass is given below, in plain NumPy):

    x (N,1,32,32) -C1 conv 5x5, 6 maps-> relu -S2 max 2x2-> -C3 conv 5x5, 16 maps-> relu -S4 max 2x2->
      -C5 conv 5x5, 120 maps (1x1)-> relu -flatten-> -F6 dense 120->84-> relu -F7 dense 84->10-> scores
    J = mean over the batch of -log softmax(scores)[label]

Everything lives in this one file: the grader runs it where only the standard library and NumPy can be
imported. Paste in your own answers to exercises 2-4 (max pooling's backward, the full convolution with
rot180, the kernel gradient) or write them afresh; helper functions of your own are welcome.

Going back, layer by layer (notation of the course notes: z pre-activation, a = sigma(z), delta = dJ/dz):
- Output: softmax_cross_entropy (given) returns delta of F7, dJ/dscores = (softmax(scores) - onehot(y)) / N.
- Dense z = a_prev W + b: dJ/dW = a_prev^T delta, dJ/db = sum over the batch of delta, dJ/da_prev = delta W^T.
- Activation: delta = dJ/da * sigma'(z), where relu'(z) = 1 if z > 0 else 0.
- Flatten: only a reshape; undo it, (N, 120) -> (N, 120, 1, 1).
- Max pooling: dJ/da = up(dJ/ds), each entry of dJ/ds sent to the position of its window's maximum
  (the first one in row-major order on ties), 0 elsewhere: entries pooling did not keep have derivative 0.
  So below a pooling layer, delta = up(dJ/ds) * sigma'(z) (exercise 2).
- Convolution z[f] = sum_c correlate(a_prev[c], w[f,c]) + b[f]: dJ/db[f] = sum of delta[f] over batch and
  positions; dJ/dw[f,c,p,q] = sum over n, i, j of delta[n,f,i,j] a_prev[n,c,i+p,j+q], a correlation of the
  input with the residual (exercise 4); dJ/da_prev[c] = sum_f full convolution of delta[f] with w[f,c]: pad
  delta with k-1 zeros on every side and correlate it with rot180(w[f,c]) (exercise 3).
Then every parameter takes one step downhill, seed 000's update rule w' = w - rate * dJ/dw: with w = 0.5,
dJ/dw = 2 and rate 0.1, w' = 0.5 - 0.1 * 2 = 0.3.

Worked example, one 2x2 window after ReLU: the maximum 3 sits at (0, 1), so it alone gets the residual 0.5;
a 3x3 input under a 2x2 kernel w = [[1, 2], [3, 4]] with residual [[1, 0], [2, -1]]: the middle input is in all
four windows, dJ/da_22 = 1*4 + 0*3 + 2*2 + (-1)*1 = 7, and with a_prev = [[0, 1, 2], [3, 4, 5], [6, 7, 8]]
dJ/dw_11 = 1*0 + 0*1 + 2*3 + (-1)*4 = 2. Doctests (`python -m doctest exercises/exercise5.py`):

>>> import numpy as np
>>> a = np.array([[[[1., 3.], [2., 0.]]]])
>>> print(max_pool_backward(np.array([[[[0.5]]]]), a)[0, 0])
[[0.  0.5]
 [0.  0. ]]
>>> delta = np.array([[[[1., 0.], [2., -1.]]]])
>>> da, dw, db = conv_backward(delta, np.arange(9.).reshape(1, 1, 3, 3), np.array([[[[1., 2.], [3., 4.]]]]))
>>> print(da[0, 0])
[[ 1.  2.  0.]
 [ 5.  7. -2.]
 [ 6.  5. -4.]]
>>> print(dw[0, 0], db)
[[ 2.  4.]
 [ 8. 10.]] [2.]

The whole chain, checked by nudging one bias of the first layer (the loss moves by about h * dJ/db):

>>> params = init_params(0)
>>> x, y = np.random.default_rng(1).uniform(size=(2, 1, 32, 32)), np.array([3, 7])
>>> scores, cache = forward(x, params)
>>> loss, dscores = softmax_cross_entropy(scores, y)
>>> grads = lenet_backward(dscores, cache)
>>> [key for key in params if grads[key].shape != params[key].shape]
[]
>>> h = 1e-6
>>> nudged = dict(params, **{"C1.b": params["C1.b"] + [h, 0, 0, 0, 0, 0]})
>>> numeric = (softmax_cross_entropy(forward(x, nudged)[0], y)[0] - loss) / h
>>> bool(abs(numeric - grads["C1.b"][0]) < 1e-5), bool(grads["C1.b"][0] != 0)
(True, True)
>>> new = sgd_step(params, grads, 0.1)
>>> bool(np.array_equal(new["C1.w"], params["C1.w"] - 0.1 * grads["C1.w"])), new["C1.w"] is params["C1.w"]
(True, False)
>>> trained, history = train(x, y, params, epochs=3, lr=0.05, batch_size=1, seed=0)
>>> sorted(history), len(history["loss"]), len(history["step_loss"])
(['accuracy', 'loss', 'step_loss'], 3, 6)
"""

import numpy as np

KEYS = ("C1.w", "C1.b", "C3.w", "C3.b", "C5.w", "C5.b", "F6.w", "F6.b", "F7.w", "F7.b")


def init_params(seed):
    """He-normal weights (std sqrt(2 / fan-in)) and zero biases, float64. Given.

    Returns {"C1.w": (6,1,5,5), "C1.b": (6,), "C3.w": (16,6,5,5), "C3.b": (16,), "C5.w": (120,16,5,5),
    "C5.b": (120,), "F6.w": (120,84), "F6.b": (84,), "F7.w": (84,10), "F7.b": (10,)}; dense weights are (in, out).
    """
    rng = np.random.default_rng(seed)
    layers = (("C1", (6, 1, 5, 5), 25), ("C3", (16, 6, 5, 5), 150), ("C5", (120, 16, 5, 5), 400),
              ("F6", (120, 84), 120), ("F7", (84, 10), 84))
    params = {}
    for name, shape, fan_in in layers:
        params[name + ".w"] = rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)  # variance 2 / fan-in
        params[name + ".b"] = np.zeros(shape[0] if len(shape) == 4 else shape[1])
    return params


def correlate(x, k):
    """Valid cross-correlation, stride 1, no bias. Given: use it. x: (N, C, H, W); k: (F, C, KH, KW).
    Returns (N, F, H-KH+1, W-KW+1): out[n,f,i,j] = sum over c, p, q of k[f,c,p,q] * x[n,c,i+p,j+q]."""
    (n, c, h, wd), (f, kc, kh, kw) = np.shape(x), np.shape(k)
    if c != kc or kh > h or kw > wd:
        raise ValueError(f"cannot correlate x {np.shape(x)} with k {np.shape(k)}")
    ho, wo = h - kh + 1, wd - kw + 1
    x_last = np.asarray(x).transpose(0, 2, 3, 1)  # (N, H, W, C): each kernel offset is one matrix product
    out = np.zeros((n, ho, wo, f), dtype=np.result_type(x, k))
    for p in range(kh):
        for q in range(kw):
            out += x_last[:, p:p + ho, q:q + wo, :] @ k[:, :, p, q].T  # (N, Ho, Wo, C) @ (C, F)
    return out.transpose(0, 3, 1, 2)


def max_pool_forward(a):
    """2x2 max pooling, stride 2. Given. a: (N, C, H, W), H and W even. Returns (N, C, H/2, W/2)."""
    n, c, h, w = a.shape
    return a.reshape(n, c, h // 2, 2, w // 2, 2).max(axis=(3, 5))


def forward(x, params):
    """The network's forward pass. Given. x: (N, 1, 32, 32); params: as init_params returns.

    Returns scores (N, 10) and cache, a dict of what the backward pass needs:
      "x" (N,1,32,32) the input;  "z1" (N,6,28,28), "a1" = relu(z1);  "s2" (N,6,14,14) = maxpool(a1);
      "z3" (N,16,10,10), "a3";  "s4" (N,16,5,5);  "z5" (N,120,1,1), "a5";  "f5" (N,120) = a5 flattened;
      "z6" (N,84), "a6";  "params": the params dict used (the same arrays, not copies).
    """
    p = params
    c = {"x": x, "params": params}
    c["z1"] = correlate(x, p["C1.w"]) + p["C1.b"][:, None, None]  # z = w (*) a + b
    c["a1"] = np.maximum(c["z1"], 0)  # relu
    c["s2"] = max_pool_forward(c["a1"])
    c["z3"] = correlate(c["s2"], p["C3.w"]) + p["C3.b"][:, None, None]
    c["a3"] = np.maximum(c["z3"], 0)
    c["s4"] = max_pool_forward(c["a3"])
    c["z5"] = correlate(c["s4"], p["C5.w"]) + p["C5.b"][:, None, None]
    c["a5"] = np.maximum(c["z5"], 0)
    c["f5"] = c["a5"].reshape(len(x), -1)
    c["z6"] = c["f5"] @ p["F6.w"] + p["F6.b"]
    c["a6"] = np.maximum(c["z6"], 0)
    scores = c["a6"] @ p["F7.w"] + p["F7.b"]
    return scores, c


def softmax_cross_entropy(scores, y):
    """Given. scores: (N, 10); y: (N,) int labels. Returns (loss = mean -log softmax(scores)[y]: float,
    dscores (N, 10) = (softmax(scores) - onehot(y)) / N, the residual delta of F7)."""
    n = len(y)
    shifted = scores - scores.max(axis=1, keepdims=True)  # same softmax, no overflow
    prob = np.exp(shifted)
    prob /= prob.sum(axis=1, keepdims=True)
    loss = float(-np.mean(np.log(prob[np.arange(n), y])))
    prob[np.arange(n), y] -= 1.0
    return loss, prob / n


def accuracy(params, x, y, batch_size=500):
    """Fraction of examples whose highest score is their label. Given. x: (N, 1, 32, 32); y: (N,)."""
    right = sum(int(np.sum(forward(x[i:i + batch_size], params)[0].argmax(axis=1) == y[i:i + batch_size]))
                for i in range(0, len(x), batch_size))
    return right / len(x)


def max_pool_backward(delta, a):
    """up() for 2x2 max pooling, stride 2: dJ/da (N, C, H, W) from delta = dJ/ds (N, C, H/2, W/2).

    a: the pooling layer's input. Each delta entry goes to its window's maximum (the first in row-major
    order on ties); every other entry gets 0. A helper for lenet_backward (exercise 2): not graded alone.
    """
    # BEGIN SOLUTION
    # HINT: paste exercise 2's max_pool_backward (size 2), or route each entry to its window's first maximum.
    n, c, h, w = a.shape
    windows = a.reshape(n, c, h // 2, 2, w // 2, 2).transpose(0, 1, 2, 4, 3, 5).reshape(n, c, h // 2, w // 2, 4)
    first_max = windows.argmax(axis=4)[..., None] == np.arange(4)  # one-hot of the first maximum
    routed = first_max * delta[..., None]  # (N, C, H/2, W/2, 4)
    return routed.reshape(n, c, h // 2, w // 2, 2, 2).transpose(0, 1, 2, 4, 3, 5).reshape(n, c, h, w)
    # END SOLUTION


def conv_backward(delta, a_prev, w):
    """A stride-1 unpadded convolution's backward pass (exercises 3 and 4). A helper: not graded alone.

    delta: (N, F, Ho, Wo) = dJ/dz; a_prev: (N, C, H, W) its input; w: (F, C, KH, KW).
    Returns (dJ/da_prev (N, C, H, W), dJ/dw (F, C, KH, KW), dJ/db (F,)).
    """
    # BEGIN SOLUTION
    # HINT: exercise 3's full convolution with rot180(w) for dJ/da_prev, exercise 4's correlation for dJ/dw.
    f, c, kh, kw = w.shape
    ho, wo = delta.shape[2:]
    padded = np.pad(delta, ((0, 0), (0, 0), (kh - 1, kh - 1), (kw - 1, kw - 1)))  # k-1 zeros around
    da_prev = correlate(padded, w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3))  # full conv: rot180, maps swapped
    dw = np.empty(w.shape, dtype=delta.dtype)
    for p in range(kh):
        for q in range(kw):  # dw[f,c,p,q] = sum_{n,i,j} delta[n,f,i,j] a_prev[n,c,i+p,j+q]
            dw[:, :, p, q] = np.tensordot(delta, a_prev[:, :, p:p + ho, q:q + wo], axes=([0, 2, 3], [0, 2, 3]))
    return da_prev, dw, delta.sum(axis=(0, 2, 3))
    # END SOLUTION


def lenet_backward(dscores, cache):
    """The network's whole backward pass.

    dscores: (N, 10) = dJ/dscores (softmax_cross_entropy's); cache: forward's dict (see forward).
    Returns grads, a dict with the keys of params and their shapes: grads["C1.w"] = dJ/dC1.w, and so on.
    """
    # BEGIN SOLUTION
    # HINT: from F7 down to C1: dense, relu', flatten, conv, up() of max pooling, relu', conv, ...
    c, p, g = cache, cache["params"], {}
    g["F7.w"], g["F7.b"] = c["a6"].T @ dscores, dscores.sum(axis=0)  # dJ/dW = a^T delta
    delta6 = (dscores @ p["F7.w"].T) * (c["z6"] > 0)  # delta = (delta_next W^T) * relu'(z)
    g["F6.w"], g["F6.b"] = c["f5"].T @ delta6, delta6.sum(axis=0)
    delta5 = (delta6 @ p["F6.w"].T).reshape(c["z5"].shape) * (c["z5"] > 0)  # undo flatten
    ds4, g["C5.w"], g["C5.b"] = conv_backward(delta5, c["s4"], p["C5.w"])
    delta3 = max_pool_backward(ds4, c["a3"]) * (c["z3"] > 0)  # up(dJ/ds) * relu'(z)
    ds2, g["C3.w"], g["C3.b"] = conv_backward(delta3, c["s2"], p["C3.w"])
    delta1 = max_pool_backward(ds2, c["a1"]) * (c["z1"] > 0)
    _, g["C1.w"], g["C1.b"] = conv_backward(delta1, c["x"], p["C1.w"])
    return g
    # END SOLUTION


def sgd_step(params, grads, lr):
    """One step of gradient descent, w' = w - lr * dJ/dw for every parameter.

    params, grads: dicts with the same keys and shapes; lr: the learning rate (> 0).
    Returns a new dict of new arrays; params and grads are left as they were.
    """
    # BEGIN SOLUTION
    if set(grads) != set(params):
        raise ValueError(f"grads has keys {sorted(grads)}, params {sorted(params)}")
    return {key: params[key] - lr * grads[key] for key in params}  # w' = w - rate * dJ/dw
    # END SOLUTION


def _sgd_step_and_inputs(params, grads, lr):
    """Given: keep it as it is. The grader calls it to see that sgd_step leaves its arguments as they were:
    returns (sgd_step's result, params, grads) as they are after the call."""
    return sgd_step(params, grads, lr), params, grads


def train(x, y, params, *, epochs, lr, batch_size, seed):
    """Mini-batch gradient descent on the mean softmax cross-entropy, from params (left unchanged).

    x: (N, 1, 32, 32); y: (N,) labels 0..9; epochs, batch_size: ints >= 1; lr: learning rate; seed: int.
    Order: rng = np.random.default_rng(seed) once; each epoch visits the examples in the order
    rng.permutation(N), in batches of batch_size (the last may be smaller): forward, loss, lenet_backward,
    sgd_step per batch. Returns (params, history): history["step_loss"] lists every batch's loss (all epochs,
    in order); history["loss"][e] is epoch e's mean loss and history["accuracy"][e] the fraction of its
    examples classified right, both measured on each batch before its step (weighted by batch size).
    """
    # BEGIN SOLUTION
    rng = np.random.default_rng(seed)
    history = {"loss": [], "accuracy": [], "step_loss": []}
    for _ in range(epochs):
        order = rng.permutation(len(x))
        total, right = 0.0, 0
        for start in range(0, len(x), batch_size):
            batch = order[start:start + batch_size]
            scores, cache = forward(x[batch], params)
            loss, dscores = softmax_cross_entropy(scores, y[batch])
            params = sgd_step(params, lenet_backward(dscores, cache), lr)
            history["step_loss"].append(loss)
            total += loss * len(batch)
            right += int(np.sum(scores.argmax(axis=1) == y[batch]))
        history["loss"].append(total / len(x))
        history["accuracy"].append(right / len(x))
    return params, history
    # END SOLUTION
