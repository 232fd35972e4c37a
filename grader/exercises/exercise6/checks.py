"""Checks of exercise 6: the shortcut.

residual_block_backward(dout, cache) on caches of the reference forward block (truth.py: the block linearised at
its point and differentiated numerically, the reference backward as a second witness where it is shipped);
gradient_norms(weights, x, shortcut=...) on deep sigmoid stacks whose plain version's gradient vanishes and whose
residual version's does not, each norm compared relative to itself; resnet_convs, resnet_flops, resnet_params
against counting the reference's built ResNet specs (counts.py, hidden checks) or their literal answers
(known.json, public checks: a student release ships no code that counts a ResNet). Wrong answers are named by
mistakes.py and the counts' slips.

Fixed structure (DESIGN.md, Fairness): a block's inputs, kernels and biases are zero-mean, and a draw is kept only
when the sum s and z1 have both signs and relu'(z2) differs from relu'(s) somewhere (each ReLU mistake shows),
with H != W; the stacks' weights are N(0, 1/D), kept only when the plain stack's first norm is far below its last
and the residual's is not. Values and sizes are drawn from `rng`.
"""

import numpy as np

from grader.exercises.exercise6 import counts  # the hidden checks' only: a release ships no counting code
from grader.exercises.exercise6.known import KNOWN
from grader.exercises.exercise6.mistakes import block_variants, norms_variants
from grader.exercises.exercise6.truth import NORM_RTOL, PARTS, block_forward, block_truth, stack_norms
from grader.grading.checking import CheckFailed, check
from grader.grading.compare import describe, expect_array, expect_int, expect_tuple, looks_like
from grader.grading.lang import _


def _side(rng, lo, hi):
    return int(rng.integers(lo, hi + 1))


def _two(rng, lo, hi):
    """Two different ints in [lo, hi]: H != W (a transposed map shows)."""
    a, b = rng.choice(np.arange(lo, hi + 1), size=2, replace=False)
    return int(a), int(b)


# ---------------------------------------------------------------- residual_block_backward


def _telling(cache) -> bool:
    """Every ReLU mistake can show: s and z1 take both signs, and relu'(z2) != relu'(s) somewhere."""
    s, z1 = cache["s"], cache["z1"]
    return bool((s > 0).any() and (s < 0).any() and (z1 > 0).any() and (z1 < 0).any()
                and ((cache["z2"] > 0) != (s > 0)).any())


def _draw_block(rng, n, c):
    """dout and a cache of the reference block on x (n, c, H, W), H != W; zero-mean values of comparable size."""
    h, w = _two(rng, 3, 6)
    for _attempt in range(100):
        x = rng.standard_normal((n, c, h, w))
        w1, w2 = rng.standard_normal((c, c, 3, 3)) * 0.5, rng.standard_normal((c, c, 3, 3)) * 0.5
        out, cache = block_forward(x, w1, rng.standard_normal(c) * 0.3, w2, rng.standard_normal(c) * 0.3)
        if _telling(cache):
            return rng.standard_normal(out.shape), cache
    raise RuntimeError(f"no telling residual block drawn for x {(n, c, h, w)}")  # a grader bug, never seen


def _expect_block(submission, rng, n, c):
    dout, cache = _draw_block(rng, n, c)
    want = block_truth(dout, cache)
    case = _("x and dout {x}, w1 and w2 {w}").format(x=dout.shape, w=cache["w1"].shape)
    dx, grads = expect_tuple(submission.call("residual_block_backward", dout, cache), 2, case=case,
                             names="dx, grads")
    if not isinstance(grads, dict) or not set(PARTS[1:]) <= set(grads):
        raise CheckFailed(_("{case}: grads is {got}; expected a dict with keys 'w1', 'b1', 'w2', 'b2'").format(
            case=case, got=describe(grads)))
    variants = block_variants(dout, cache, want)
    for k, part in enumerate(PARTS):
        got = dx if part == "dx" else grads[part]
        expect_array(got, want[k], case=_("{case}: {part}").format(case=case, part=part), variants=variants[part])


@check("residual_block_backward: one image, one map", points=2)
def test_block_single(submission, rng):
    _expect_block(submission, rng, 1, 1)


@check("residual_block_backward: batch, several maps", points=3)
def test_block_batch(submission, rng):
    _expect_block(submission, rng, _side(rng, 2, 3), _side(rng, 2, 3))


@check("residual_block_backward: random shapes", points=3, hidden=True)
def test_block_random(submission, rng):
    _expect_block(submission, rng, _side(rng, 2, 4), _side(rng, 2, 4))


# ---------------------------------------------------------------- gradient_norms


def _draw_stack(rng, layers, width, batch, fall=1e-3):
    """weights N(0, 1/D) and x N(0, 1) of a stack whose plain first norm is below `fall` times its last and whose
    residual first norm is at least a tenth of its last: the lesson shows."""
    for _attempt in range(100):
        weights = [rng.standard_normal((width, width)) / np.sqrt(width) for _ in range(layers)]
        x = rng.standard_normal((batch, width))
        plain, residual = stack_norms(weights, x, False), stack_norms(weights, x, True)
        if plain[0] < fall * plain[-1] and residual[0] > 0.1 * residual[-1]:
            return weights, x
    raise RuntimeError(f"no telling stack of {layers} layers of width {width}")  # a grader bug, never seen


def _as_floats(got, case, length):
    """The submission's list of norms as a float array, or CheckFailed saying what it was."""
    if isinstance(got, (list, tuple)) and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in got):
        got = np.array(got, dtype=np.float64)
    if not isinstance(got, np.ndarray) or got.ndim != 1:
        raise CheckFailed(_("{case}: returned {got}; expected a list of {length} floats").format(
            case=case, got=describe(got), length=length))
    return got


def _expect_norms(submission, weights, x, shortcut):
    want = stack_norms(weights, x, shortcut)
    case = (_("residual stack of {layers} sigmoid layers ({width}x{width}), x {x}, shortcut={shortcut}") if shortcut
            else _("plain stack of {layers} sigmoid layers ({width}x{width}), x {x}, shortcut={shortcut}")).format(
        layers=len(weights), width=x.shape[1], x=x.shape, shortcut=shortcut)
    got = _as_floats(submission.call("gradient_norms", weights, x, shortcut=shortcut), case, len(weights))
    expect_array(got, want, case=case, variants=norms_variants(weights, x, shortcut), rtol=NORM_RTOL, atol=0.0)


@check("gradient_norms: plain stack (the gradient vanishes)", points=2)
def test_norms_plain(submission, rng):
    weights, x = _draw_stack(rng, _side(rng, 16, 20), _side(rng, 8, 12), _side(rng, 2, 4))
    _expect_norms(submission, weights, x, False)


@check("gradient_norms: residual stack (the shortcut carries it)", points=2)
def test_norms_residual(submission, rng):
    weights, x = _draw_stack(rng, _side(rng, 16, 20), _side(rng, 8, 12), _side(rng, 2, 4))
    _expect_norms(submission, weights, x, True)


@check("gradient_norms: random depth and width, both stacks", points=3, hidden=True)
def test_norms_random(submission, rng):
    weights, x = _draw_stack(rng, _side(rng, 8, 14), _side(rng, 4, 10), _side(rng, 2, 5), fall=1e-2)
    for shortcut in (True, False):
        _expect_norms(submission, weights, x, shortcut)


# ---------------------------------------------------------------- resnet_convs, resnet_flops, resnet_params


def _expect_count(got, want, *, case, slips):
    """expect_int, naming every slip that gives the submission's number (two slips may coincide)."""
    named = {}
    for slip, value in slips.items():
        named.setdefault(value, []).append(slip)
    expect_int(got, want, case=case, variants={", or: ".join(s): v for v, s in named.items()})


def _expect_convs(got, want, *, case, slips):
    """The submission's list of (in_maps, out_maps, kernel, out_size) against the known list, naming a slip."""
    if not isinstance(got, (list, tuple)) or not all(isinstance(t, (list, tuple)) and len(t) == 4 for t in got):
        raise CheckFailed(_("{case}: returned {got}; expected a list of (in_maps, out_maps, kernel, out_size) "
                            "tuples").format(case=case, got=describe(got)))
    got = [tuple(t) for t in got]
    if got == want:
        return
    wrong = next((i for i, (g, w) in enumerate(zip(got, want)) if g != w), min(len(got), len(want)))
    nothing = _("nothing")
    message = _("{case}: {count} convolutions, expected {want}; the first difference is at index {index} (got {got}, "
                "expected {expected})").format(case=case, count=len(got), want=len(want), index=wrong,
                                               got=got[wrong] if wrong < len(got) else nothing,
                                               expected=want[wrong] if wrong < len(want) else nothing)
    named = [slip for slip, answer in slips.items() if list(answer) == got]
    raise CheckFailed(message + _(".") + looks_like(named))


def _ask_known(submission, function, depth):
    want, slips = KNOWN[function][depth]
    _ask(submission, function, depth, want, slips)


def _ask(submission, function, depth, want, slips):
    got, case = submission.call(function, depth), f"ResNet-{depth}"
    if function == "resnet_convs":
        _expect_convs(got, want, case=_("{case}: its convolutions").format(case=case), slips=slips)
    else:
        what = _("multiply-adds") if function == "resnet_flops" else _("parameters")
        _expect_count(got, want, case=_("{case}: {what} (224x224 image)").format(case=case, what=what), slips=slips)


def _ask_counted(submission, function, depths):
    truth = {"resnet_convs": (counts.convs, counts.convs_slips), "resnet_flops": (counts.flops, counts.flops_slips),
             "resnet_params": (counts.params, counts.params_slips)}
    want, slips = truth[function]
    for depth in depths:
        _ask(submission, function, depth, want(depth), slips(depth))


@check("resnet_convs: ResNet-18", points=2)
def test_convs_known(submission, rng):
    _ask_known(submission, "resnet_convs", 18)


@check("resnet_convs: ResNet-34, 50, 101 and 152", points=2, hidden=True)
def test_convs_counted(submission, rng):
    _ask_counted(submission, "resnet_convs", (34, 50, 101, 152))


@check("resnet_flops: ResNet-18 and ResNet-50", points=2)
def test_flops_known(submission, rng):
    for depth in (18, 50):
        _ask_known(submission, "resnet_flops", depth)


@check("resnet_flops: ResNet-34, 101 and 152", points=2, hidden=True)
def test_flops_counted(submission, rng):
    _ask_counted(submission, "resnet_flops", (34, 101, 152))


@check("resnet_params: ResNet-18 and ResNet-50", points=2)
def test_params_known(submission, rng):
    for depth in (18, 50):
        _ask_known(submission, "resnet_params", depth)


@check("resnet_params: ResNet-34, 101 and 152", points=2, hidden=True)
def test_params_counted(submission, rng):
    _ask_counted(submission, "resnet_params", (34, 101, 152))
