"""Exercise 6's truth for the residual block and the deep sigmoid stack, from the reference FORWARD ops alone
(reference.conv's conv2d_forward, reference.activation's activation_forward) differentiated numerically
(grader/grading/numeric.py), float64. The counts (resnet_convs, resnet_flops, resnet_params) are counts.py's.

- `block_forward(x, w1, b1, w2, b2)` -> (out, cache): the block and the dict cache the student's backward gets.
- `block_grads(dout, x, w1, w2, inner, path, short, a1)` -> (dx, dw1, db1, dw2, db2) of the block linearised at
  its point: each ReLU replaced by its derivative there (a 0/1 mask: `inner` = relu'(z1); relu'(s) on the conv
  path, `path`, and on the shortcut, `short`), which makes the block linear in x and in each weight, so the
  numerical derivatives are exact up to rounding (no step across a ReLU's kink). `a1` is what conv2 read.
  dx is the derivative of the whole linearised block, shortcut included; the weights' come stage by stage from
  grader/exercises/convolution.py. mistakes.py passes other masks to build wrong answers.
- `block_truth(dout, cache)`: block_grads with the right masks.
- `stack_layers(weights, x, shortcut)`, `stack_norms(weights, x, shortcut)`: the deep stack's forward values and
  the norms ||dJ/dz^l|| for J = sum of a^L, by a numerical VJP of each whole layer (the identity included).

The second witness, where it exists (the instructor's tree), is the reference's own backward pass: looked up by
name (`optional`), because a student release ships neither reference.residual nor reference.resnet (the latter
counts ResNets: the answers of this exercise) and an import statement would make the release ship them.
"""

from __future__ import annotations

import numpy as np

from grader.exercises.convolution import conv_db, conv_dw, conv_dx
from grader.exercises.witness import optional
from grader.grading.checking import GraderBug
from grader.grading.compare import close_enough, witnesses_agree
from grader.grading.memo import remembered
from grader.grading.numeric import batched_vjp, elementwise_derivative
from reference.activation import activation_forward
from reference.conv import conv2d_forward

PARTS = ("dx", "w1", "b1", "w2", "b2")  # the block's gradients, in the order the checks compare them
NORM_RTOL = 1e-6  # norms span 13 orders of magnitude: each is compared relative to itself


def conv3(x, w, b=None):
    """The block's 3x3 convolution with padding 1 (the map size stays): the reference forward conv."""
    return conv2d_forward(x, w, np.zeros(len(w)) if b is None else b, padding=1)[0]


def relu(z):
    return activation_forward(z, "relu")[0]


def sigmoid(z):
    return activation_forward(z, "sigmoid")[0]


def block_forward(x, w1, b1, w2, b2):
    """out = relu(conv(relu(conv(x, w1, b1)), w2, b2) + x), and the cache {"x", "w1", "z1", "a1", "w2", "z2", "s"}."""
    z1 = conv3(x, w1, b1)
    a1 = relu(z1)
    z2 = conv3(a1, w2, b2)
    s = z2 + x
    return relu(s), {"x": x, "w1": w1, "z1": z1, "a1": a1, "w2": w2, "z2": z2, "s": s}


@remembered
def block_grads(dout, x, w1, w2, inner, path, short, a1):
    """(dx, dw1, db1, dw2, db2) of the block linearised by the masks inner, path, short (see the module)."""
    size = x[0].size

    def linear(xs):  # the linearised block; batched_vjp stacks 2 * size perturbed copies of each example
        def rep(mask):
            return np.repeat(mask, 2 * size, axis=0)
        return rep(path) * conv3(rep(inner) * conv3(xs, w1), w2) + rep(short) * xs

    dx = batched_vjp(linear, np.zeros_like(x), dout)
    delta2 = path * dout  # the residual of z2
    delta1 = inner * conv_dx(delta2, w2, padding=1)  # the residual of z1
    return dx, conv_dw(delta1, x, 3, padding=1), conv_db(delta1), conv_dw(delta2, a1, 3, padding=1), conv_db(delta2)


def right_masks(cache) -> dict:
    """The masks of the block's true derivative: relu'(z1) inside, relu'(s) on both paths after the sum."""
    after = (cache["s"] > 0).astype(np.float64)
    return {"inner": (cache["z1"] > 0).astype(np.float64), "path": after, "short": after, "a1": cache["a1"]}


def block_truth(dout, cache) -> tuple:
    """(dx, dw1, db1, dw2, db2) of the block at its cache, checked against the reference backward when shipped."""
    numeric = block_grads(dout, cache["x"], cache["w1"], cache["w2"], **right_masks(cache))
    backward = optional("reference.residual", "residual_block_backward")
    if backward is None:
        return numeric
    dx, grads = backward(dout, cache)
    analytic = (dx,) + tuple(grads[key] for key in PARTS[1:])
    return tuple(witnesses_agree(n, a, f"residual block {part}, x {cache['x'].shape}")
                 for part, n, a in zip(PARTS, numeric, analytic))


def layer(a, w, shortcut):
    """One layer of the stack: sigma(a W), plus a when shortcut."""
    out = sigmoid(a @ w)
    return out + a if shortcut else out


def stack_layers(weights, x, shortcut) -> list:
    """[(a^(l-1), z^l, a^l) for l = 1..L] of the stack's forward pass."""
    a, layers = np.asarray(x, dtype=np.float64), []
    for w in weights:
        out = layer(a, w, shortcut)
        layers.append((a, a @ w, out))
        a = out
    return layers


@remembered
def stack_norms(weights, x, shortcut) -> np.ndarray:
    """[||delta^1||, ..., ||delta^L||], delta^l = dJ/dz^l for J = sum of a^L (index 0: the layer nearest x)."""
    layers = stack_layers(weights, x, shortcut)
    g, norms = np.ones_like(layers[-1][2]), []  # dJ/da^L of J = sum(a^L)
    for w, (a_prev, z, _) in zip(weights[::-1], layers[::-1]):
        norms.append(np.linalg.norm(g * elementwise_derivative(sigmoid, z)))
        g = batched_vjp(lambda a, w=w: layer(a, w, shortcut), a_prev, g)  # dJ/da^(l-1), through the whole layer
    numeric = np.array(norms[::-1])
    witness = optional("reference.resnet", "gradient_norms")
    if witness is not None:
        analytic = np.array(witness(weights, x, shortcut=shortcut))
        if not close_enough(analytic, numeric, rtol=1e-5, atol=0.0):
            raise GraderBug(f"the reference and numerical gradient norms disagree for {len(weights)} layers, "
                            f"x {np.shape(x)}, shortcut={shortcut}")
    return numeric
