"""Exercise 6: the shortcut. A residual block's backward pass, vanishing gradients, and what a ResNet costs.

The block (He et al. 2016). Two 3x3 convolutions with padding 1 (the map size stays), C maps in and out:

    z1 = w1 * x + b1      a1 = relu(z1)      z2 = w2 * a1 + b2      s = z2 + x      out = relu(s)

where * is the convolution of the course (cross-correlation). The shortcut adds the input x to the conv path
before the last ReLU, so x is used twice: once inside conv1, once in the sum s.

Going back. With dout = dJ/d(out), the residual of the sum is delta_s = dout * sigma'(s), sigma' = relu'
(1 where s > 0, else 0). s = z2 + x has two summands, and a sum passes its residual to each of them unchanged:

    delta_2 = delta_s                          (into the conv path: conv2, relu, conv1, as in exercises 3, 4)
    dJ/dx   = (conv path's dJ/dx) + delta_s    (the shortcut adds delta_s straight into dx)

Three slips to avoid: dropping the "+ delta_s" (the shortcut's gradient forgotten); adding dout instead of
delta_s (relu' of the sum not applied to the shortcut's share); using relu'(z2) instead of relu'(s) (as if the
ReLU came before the sum, out = relu(z2) + x).

Worked example: one image, one map of 1x1 (only the kernels' centres touch it), x = 2, w1 centre 0.5, w2 centre
-1, biases 0. Forward: z1 = 1, a1 = 1, z2 = -1, s = 1, out = 1. Back with dout = 1: delta_s = 1 (s > 0), so
dJ/dw2 = delta_s * a1 = 1, da1 = delta_s * w2 = -1, delta_1 = -1 (z1 > 0), dJ/dw1 = delta_1 * x = -2, and
dJ/dx = delta_1 * w1 + delta_s = -0.5 + 1 = 0.5. Without the shortcut it would be -0.5.

>>> import numpy as np
>>> w1, w2 = np.zeros((1, 1, 3, 3)), np.zeros((1, 1, 3, 3))
>>> w1[0, 0, 1, 1], w2[0, 0, 1, 1] = 0.5, -1.0
>>> out, cache = residual_block_forward(np.full((1, 1, 1, 1), 2.0), w1, np.zeros(1), w2, np.zeros(1))
>>> dx, grads = residual_block_backward(np.ones((1, 1, 1, 1)), cache)
>>> print(out.item(), dx.item(), grads["w1"][0, 0, 1, 1], grads["w2"][0, 0, 1, 1], grads["b1"], grads["b2"])
1.0 0.5 -2.0 1.0 [-1.] [1.]

Vanishing gradients (seed 000). Stack L dense sigmoid layers, z^l = a^(l-1) W^l, a^l = sigma(z^l). Going back,

    delta^l = (delta^(l+1) W^(l+1)T) * sigma'(z^l),   sigma'(z) = sigma(z) (1 - sigma(z)) <= 1/4,

so every layer multiplies the residual by at most 1/4 (times the size of W): after 20 layers, by ~4^-19.
With shortcuts, a^l = a^(l-1) + sigma(z^l), and dJ/da^(l-1) = dJ/da^l + delta^l W^lT: the first term reaches
the lower layers undiminished. With all weights 0 (z = 0, sigma'(0) = 1/4), x = ones((1, 2)), J = sum(a^L):

>>> [round(v, 4) for v in gradient_norms([np.zeros((2, 2))] * 3, np.ones((1, 2)), shortcut=False)]
[0.0, 0.0, 0.3536]
>>> [round(v, 4) for v in gradient_norms([np.zeros((2, 2))] * 3, np.ones((1, 2)), shortcut=True)]
[0.3536, 0.3536, 0.3536]

and with 20 random layers, W ~ N(0, 1/D), the plain stack's first residual is ~1e-13 of its last, the residual
stack's is larger than its last:

>>> rng = np.random.default_rng(0)
>>> weights = [rng.standard_normal((16, 16)) / 4 for _ in range(20)]
>>> x = rng.standard_normal((4, 16))
>>> plain, residual = (gradient_norms(weights, x, shortcut=s) for s in (False, True))
>>> print(f"{plain[0] / plain[-1]:.0e} {residual[0] / residual[-1]:.1f}")
4e-13 3.3

The cost (seed 004's table, 224x224 images). conv1 7x7/2, 64 maps (112x112); 3x3 max pool /2 (56x56); four
stages conv2_x .. conv5_x of widths 64, 128, 256, 512 on 56, 28, 14, 7; global average pool; fc 1000.
Basic block (18, 34): 3x3 width, 3x3 width. Bottleneck (50, 101, 152): 1x1 width, 3x3 width, 1x1 4*width.
Blocks per stage: 18: 2,2,2,2  34: 3,4,6,3  50: 3,4,6,3  101: 3,4,23,3  152: 3,8,36,3. The first block of
conv3_x .. conv5_x has stride 2 (in its first conv). A shortcut is the identity, or, where its block changes
the number of maps or the size, a projection: a 1x1 conv with the block's stride (in 50, 101, 152 conv2_1's
too: 64 -> 256 maps at stride 1). Every conv is followed by a batch norm. A conv k x k, C -> F maps, h x w out,

    k*k*C*F*h*w multiply-adds and k*k*C*F weights        conv1: 7*7*3*64 = 9,408 weights, x 112*112 = 118,013,952

>>> resnet_params(18), resnet_flops(18)
(11689512, 1814073344)
"""

import numpy as np

DEPTHS = {18: (2, 2, 2, 2), 34: (3, 4, 6, 3), 50: (3, 4, 6, 3), 101: (3, 4, 23, 3), 152: (3, 8, 36, 3)}


def conv3x3_forward(x, w, b):
    """3x3 convolution, stride 1, padding 1 (given). x (N, C, H, W); w (F, C, 3, 3); b (F,) -> z (N, F, H, W),
    z[n,f,i,j] = sum over c, p, q of w[f,c,p,q] * x_pad[n,c,i+p,j+q] + b[f]."""
    x, w, b = (np.asarray(v, dtype=np.float64) for v in (x, w, b))
    if x.ndim != 4 or w.shape != (w.shape[0], x.shape[1], 3, 3) or b.shape != (w.shape[0],):
        raise ValueError(f"x {x.shape}, w {w.shape}, b {b.shape}: expected (N, C, H, W), (F, C, 3, 3), (F,)")
    h, wd = x.shape[2:]
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    z = np.zeros((x.shape[0], w.shape[0], h, wd))
    for p in range(3):
        for q in range(3):
            z += np.einsum("nchw,fc->nfhw", xp[:, :, p : p + h, q : q + wd], w[:, :, p, q])
    return z + b[None, :, None, None]


def conv3x3_backward(delta, x, w):
    """Backward of conv3x3_forward (given: exercises 3 and 4). delta (N, F, H, W) = dJ/dz; x, w as in the
    forward. Returns (dx (N, C, H, W) = dJ/dx of the conv's input, dw (F, C, 3, 3), db (F,))."""
    delta, x, w = (np.asarray(v, dtype=np.float64) for v in (delta, x, w))
    h, wd = x.shape[2:]
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    dxp, dw = np.zeros_like(xp), np.zeros_like(w)
    for p in range(3):
        for q in range(3):  # every product w[f,c,p,q] * x_pad[n,c,i+p,j+q] sends its share back
            dxp[:, :, p : p + h, q : q + wd] += np.einsum("nfhw,fc->nchw", delta, w[:, :, p, q])
            dw[:, :, p, q] = np.einsum("nfhw,nchw->fc", delta, xp[:, :, p : p + h, q : q + wd])
    return dxp[:, :, 1:-1, 1:-1], dw, delta.sum(axis=(0, 2, 3))


def residual_block_forward(x, w1, b1, w2, b2):
    """The block's forward pass (given). x (N, C, H, W); w1, w2 (C, C, 3, 3); b1, b2 (C,).

    Returns (out (N, C, H, W), cache), cache a dict of arrays: "x" the input, "w1", "w2" the kernels, "z1" =
    conv1(x), "a1" = relu(z1), "z2" = conv2(a1), "s" = z2 + x (the sum before the last ReLU), all (N, C, H, W).
    """
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 4 or np.shape(w1) != (x.shape[1], x.shape[1], 3, 3) or np.shape(w2) != np.shape(w1):
        raise ValueError(f"x {x.shape}, w1 {np.shape(w1)}, w2 {np.shape(w2)}: need (N, C, H, W), (C, C, 3, 3)")
    z1 = conv3x3_forward(x, w1, b1)
    a1 = np.maximum(z1, 0.0)
    z2 = conv3x3_forward(a1, w2, b2)
    s = z2 + x
    cache = {"x": x, "w1": np.asarray(w1, dtype=np.float64), "z1": z1, "a1": a1,
             "w2": np.asarray(w2, dtype=np.float64), "z2": z2, "s": s}
    return np.maximum(s, 0.0), cache


def residual_block_backward(dout, cache):
    """Backward pass of the residual block: the conv path plus the shortcut.

    dout (N, C, H, W) = dJ/d(out); cache: the dict of residual_block_forward.
    Returns (dx, grads): dx (N, C, H, W) = dJ/dx of the block's input, grads = {"w1": (C, C, 3, 3), "b1": (C,),
    "w2": (C, C, 3, 3), "b2": (C,)}.
    """
    dout = np.asarray(dout, dtype=np.float64)
    if dout.shape != np.shape(cache["x"]):
        raise ValueError(f"dout {dout.shape} must have the shape of the block's input {np.shape(cache['x'])}")
    # BEGIN SOLUTION
    # HINT: delta_s = dout * relu'(s); back through conv2, relu, conv1; then add delta_s to dx (the shortcut)
    delta_s = dout * (cache["s"] > 0)  # relu' of the sum s = z2 + x
    da1, dw2, db2 = conv3x3_backward(delta_s, cache["a1"], cache["w2"])
    delta_1 = da1 * (cache["z1"] > 0)
    dx, dw1, db1 = conv3x3_backward(delta_1, cache["x"], cache["w1"])
    return dx + delta_s, {"w1": dw1, "b1": db1, "w2": dw2, "b2": db2}
    # END SOLUTION


def sigmoid(z):
    """sigma(z) = 1 / (1 + exp(-z)) (given), any shape, without overflow."""
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def stack_forward(weights, x, *, shortcut):
    """A stack of dense sigmoid layers without biases (given): z^l = a^(l-1) W^l, a^l = sigma(z^l), plus
    a^(l-1) when shortcut. weights: list of L arrays (D, D); x (N, D) = a^0; shortcut: bool.
    Returns (a^L (N, D), cache): cache is the list of (a^(l-1), z^l) of every layer, l = 1..L."""
    a = np.asarray(x, dtype=np.float64)
    if a.ndim != 2 or not weights or any(np.shape(w) != (a.shape[1], a.shape[1]) for w in weights):
        raise ValueError(f"x {a.shape} must be (N, D) and weights a non-empty list of (D, D) arrays")
    cache = []
    for w in weights:
        z = a @ np.asarray(w, dtype=np.float64)
        cache.append((a, z))
        a = a + sigmoid(z) if shortcut else sigmoid(z)
    return a, cache


def gradient_norms(weights, x, *, shortcut):
    """Norms of the residuals delta^l = dJ/dz^l of every layer of the stack, for J = sum of a^L.

    weights, x, shortcut: as stack_forward. Returns a list of L floats, [||delta^1||, ..., ||delta^L||] (index 0
    is the layer nearest the input), ||.|| the Frobenius norm of the (N, D) array (np.linalg.norm).
    Plain stacks' norms fall by orders of magnitude going back; residual stacks' do not.
    """
    out, cache = stack_forward(weights, x, shortcut=shortcut)
    # BEGIN SOLUTION
    # HINT: start from dJ/da^L = ones; delta^l = dJ/da^l * sigma'(z^l); dJ/da^(l-1) = delta^l W^lT (+ dJ/da^l)
    grad = np.ones_like(out)  # dJ/da^L
    norms = []
    for w, (_, z) in zip(reversed(weights), reversed(cache)):
        s = sigmoid(z)
        delta = grad * s * (1.0 - s)  # sigma'(z) = sigma(z) (1 - sigma(z))
        norms.append(float(np.linalg.norm(delta)))
        back = delta @ np.asarray(w, dtype=np.float64).T
        grad = grad + back if shortcut else back  # the shortcut passes dJ/da^l down unchanged
    return norms[::-1]
    # END SOLUTION


def resnet_convs(depth):
    """Every convolution of ResNet-`depth` on a 224x224 image as (in_maps, out_maps, kernel, out_size).

    conv1, then each block's convs in order, then its projection shortcut when it has one (1x1, stride of the
    block), used where the block changes the number of maps or the size.
    """
    # BEGIN SOLUTION
    convs, maps, size = [(3, 64, 7, 112)], 64, 56
    for stage, (width, count) in enumerate(zip((64, 128, 256, 512), DEPTHS[depth])):
        for i in range(count):
            stride = 2 if stage > 0 and i == 0 else 1
            size //= stride
            if depth < 50:  # basic block
                out = width
                convs += [(maps, width, 3, size), (width, width, 3, size)]
            else:  # bottleneck: the stride sits in the first 1x1
                out = 4 * width
                convs += [(maps, width, 1, size), (width, width, 3, size), (width, out, 1, size)]
            if stride != 1 or maps != out:
                convs.append((maps, out, 1, size))  # projection shortcut
            maps = out
    return convs
    # END SOLUTION


def _check_depth(depth):
    if isinstance(depth, bool) or not isinstance(depth, (int, np.integer)):
        raise TypeError(f"depth must be an int, got {depth!r}")
    if depth not in DEPTHS:
        raise ValueError(f"depth must be one of {sorted(DEPTHS)}, got {depth!r}")


def resnet_flops(depth):
    """Multiply-adds of ResNet-`depth` on one 224x224 image, as the paper counts its FLOPs.

    depth: 18, 34 (basic blocks), 50, 101, 152 (bottlenecks). Conventions: one multiply-add per weight per
    output position, k*k*C*F*h*w per conv, D*M for the fc (2048*1000 or 512*1000); biases, batch norm, ReLU,
    pooling and the shortcut additions count 0; projection shortcuts (1x1, the block's stride) count;
    bottlenecks carry their stride in the first 1x1 conv. Results about 1.81, 3.66, 3.86, 7.57, 11.28 x10^9
    (paper: 1.8, 3.6, 3.8, 7.6, 11.3; its 3.6 and 3.8 are 0.06 below ours). Returns an int.
    """
    _check_depth(depth)
    # BEGIN SOLUTION
    maps = 512 if depth < 50 else 2048
    return sum(k * k * c * f * h * h for c, f, k, h in resnet_convs(depth)) + maps * 1000
    # END SOLUTION


def resnet_params(depth):
    """Parameters of ResNet-`depth` (torchvision's nets: 11.7M, 21.8M, 25.6M, 44.5M, 60.2M). Returns an int.

    Conventions: conv weights k*k*C*F, no conv biases; every conv (projections too) is followed by a batch norm
    with 2 parameters per map (scale and shift; the running mean and variance are not parameters); the fc
    1000 outputs with biases, D*1000 + 1000.
    """
    _check_depth(depth)
    # BEGIN SOLUTION
    maps = 512 if depth < 50 else 2048
    return sum(k * k * c * f + 2 * f for c, f, k, _ in resnet_convs(depth)) + maps * 1000 + 1000
    # END SOLUTION
