"""The checks of exercise 6 (residual_block_backward, gradient_norms, resnet_convs, resnet_flops, resnet_params),
run as the grader runs them, and the truth they compare with.

Full marks for right answers written in other ways, 0 and "not implemented yet" for the stub (also in
test_every_exercise.py), and for each typical mistake: points lost on the function that has it, and the mistake
named in the message. The truth: the numerical block and stack against the reference backward passes, known.json
against the counts of the reference's built specs.
"""

from pathlib import Path

import numpy as np
import pytest

from grader import registry
from grader.exercises.exercise6 import counts
from grader.exercises.exercise6.truth import block_forward, block_truth, stack_norms
from grader.grading.checking import run_checks
from reference.residual import residual_block_backward, residual_block_forward
from reference.resnet import gradient_norms

FUNCTIONS = registry.get("exercise6").functions
ROOT = Path(__file__).resolve().parents[4]
SOLUTION = (ROOT / "solutions" / "exercise6.py").read_text(encoding="utf-8")

# Right, but written unlike solutions/exercise6.py: a conv backward one output position at a time, the stack's
# forward and backward by hand, and the counts by stages.
OTHER = '''
import numpy as np

BLOCKS = {18: (2, 2, 2, 2), 34: (3, 4, 6, 3), 50: (3, 4, 6, 3), 101: (3, 4, 23, 3), 152: (3, 8, 36, 3)}


def _conv_back(delta, a, w):
    n, c, h, wd = a.shape
    ap = np.pad(a, ((0, 0), (0, 0), (1, 1), (1, 1)))
    da, dw = np.zeros_like(ap), np.zeros_like(w)
    for i in range(h):
        for j in range(wd):
            dw += np.einsum("nf,ncpq->fcpq", delta[:, :, i, j], ap[:, :, i:i + 3, j:j + 3])
            da[:, :, i:i + 3, j:j + 3] += np.einsum("nf,fcpq->ncpq", delta[:, :, i, j], w)
    return da[:, :, 1:-1, 1:-1], dw, delta.sum(axis=(0, 2, 3))


def residual_block_backward(dout, cache):
    ds = np.where(cache["s"] > 0, dout, 0.0)
    da1, dw2, db2 = _conv_back(ds, cache["a1"], cache["w2"])
    dx, dw1, db1 = _conv_back(np.where(cache["z1"] > 0, da1, 0.0), cache["x"], cache["w1"])
    return dx + ds, {"b2": db2, "w2": dw2, "b1": db1, "w1": dw1}


def gradient_norms(weights, x, *, shortcut):
    acts, zs = [np.asarray(x, dtype=float)], []
    for w in weights:
        zs.append(acts[-1] @ w)
        acts.append(acts[-1] * shortcut + 1 / (1 + np.exp(-zs[-1])))
    g, out = np.ones_like(acts[-1]), [0.0] * len(weights)
    for l in range(len(weights) - 1, -1, -1):
        e = np.exp(-zs[l])
        delta = g * e / (1 + e) ** 2
        out[l] = float(np.sqrt((delta ** 2).sum()))
        g = delta @ weights[l].T + (g if shortcut else 0)
    return out


def resnet_convs(depth):
    bottleneck, found, c_in = depth >= 50, [(3, 64, 7, 112)], 64
    for stage, (count, width, size) in enumerate(zip(BLOCKS[depth], (64, 128, 256, 512), (56, 28, 14, 7))):
        c_out = 4 * width if bottleneck else width
        for b in range(count):
            if bottleneck:
                found += [(c_in, width, 1, size), (width, width, 3, size), (width, c_out, 1, size)]
            else:
                found += [(c_in, width, 3, size), (width, width, 3, size)]
            if c_in != c_out or (b == 0 and stage > 0):
                found.append((c_in, c_out, 1, size))
            c_in = c_out
    return found


def resnet_flops(depth):
    convs = resnet_convs(depth)
    return sum(k * k * a * b * h * h for a, b, k, h in convs) + convs[-1][1] * 1000


def resnet_params(depth):
    convs = resnet_convs(depth)
    return sum(k * k * a * b + 2 * b for a, b, k, h in convs) + convs[-1][1] * 1000 + 1000
'''


def mutate(source, *edits):
    for old, new in edits:
        assert source.count(old) == 1, f"edit target not unique or missing: {old!r}"
        source = source.replace(old, new)
    return source


def grade(source, seed):
    outcomes, *_ = run_checks("exercise6", source, "submission.py", seed=seed, include_hidden=True)
    return outcomes


@pytest.mark.parametrize("seed", [3, 4])
def test_other_right_answers_get_full_marks(seed):
    assert [(o.name, o.message) for o in grade(OTHER, seed) if o.status != "passed"] == []


DS = 'delta_s = dout * (cache["s"] > 0)'
RETURN_DX = "return dx + delta_s, {"
BACK = "grad = grad + back if shortcut else back"
NORM = "norms.append(float(np.linalg.norm(delta)))"
PROJ = "if stride != 1 or maps != out:"
FLOPS = "return sum(k * k * c * f * h * h for c, f, k, h in resnet_convs(depth)) + maps * 1000"
PARAMS = "return sum(k * k * c * f + 2 * f for c, f, k, _ in resnet_convs(depth)) + maps * 1000 + 1000"
SIGMA_FROM_OUTPUT = '''
def gradient_norms(weights, x, *, shortcut):
    out, cache = stack_forward(weights, x, shortcut=shortcut)
    outputs = [a for a, _ in cache[1:]] + [out]
    grad, norms = np.ones_like(out), []
    for w, (_, z), a in zip(reversed(weights), reversed(cache), reversed(outputs)):
        delta = grad * a * (1.0 - a)
        norms.append(float(np.linalg.norm(delta)))
        grad = grad + delta @ w.T if shortcut else delta @ w.T
    return norms[::-1]
'''
MISTAKES = {
    # name: (edits of the solution, or code overriding it; {function that loses points: words of its messages})
    "shortcut forgotten": ([(RETURN_DX, "return dx, {")], {"residual_block_backward": "shortcut's gradient was"}),
    "shortcut not gated by relu'(s)": ([(RETURN_DX, "return dx + dout, {")],
                                       {"residual_block_backward": "not delta_s = dout * relu'(s)"}),
    "shortcut after the ReLU": ([(DS, 'delta_s = dout * (cache["z2"] > 0)'), (RETURN_DX, "return dx + dout, {")],
                                {"residual_block_backward": "joining after the last ReLU"}),
    "last ReLU ignored": ([(DS, "delta_s = dout")], {"residual_block_backward": "applied on neither path"}),
    "inner relu' forgotten": ([('delta_1 = da1 * (cache["z1"] > 0)', "delta_1 = da1")],
                              {"residual_block_backward": "relu'(z1) was forgotten"}),
    "dw2 from z1": ([('da1, dw2, db2 = conv3x3_backward(delta_s, cache["a1"], cache["w2"])',
                      'da1, dw2, db2 = conv3x3_backward(delta_s, cache["a1"], cache["w2"])\n'
                      '    dw2 = conv3x3_backward(delta_s, cache["z1"], cache["w2"])[1]')],
                    {"residual_block_backward": "dw2 was computed from z1"}),
    "norm of dJ/da": ([(NORM, "norms.append(float(np.linalg.norm(grad)))")],
                      {"gradient_norms": "the norm of dJ/da^l was taken"}),
    "identity term left out": ([(BACK, "grad = back")], {"gradient_norms": "identity term was left out"}),
    "delta added": ([(BACK, "grad = delta + back if shortcut else back")],
                    {"gradient_norms": "delta^l was added where dJ/da^l belongs"}),
    "sigma' from the output": (SIGMA_FROM_OUTPUT, {"gradient_norms": "from the layer's output"}),
    "norms reversed": ([("return norms[::-1]", "return norms")], {"gradient_norms": "the list is reversed"}),
    "squared norms": ([(NORM, "norms.append(float(np.sum(delta ** 2)))")], {"gradient_norms": "squared norms"}),
    "mean loss": ([("grad = np.ones_like(out)", "grad = np.ones_like(out) / out.size")],
                  {"gradient_norms": "the mean of a^L"}),
    "projections forgotten": ([(PROJ, "if False:")], {f: "projection shortcuts are missing" for f in FUNCTIONS[2:]}),
    "conv2_1 projection forgotten": ([(PROJ, "if stride != 1:")],
                                     {f: "conv2_1's projection is missing" for f in FUNCTIONS[2:]}),
    "stride in the 3x3": ([("convs += [(maps, width, 1, size), (width",
                            "convs += [(maps, width, 1, size * stride), (width")],
                          {f: "torchvision's v1.5" for f in FUNCTIONS[2:4]}),
    "projection listed first": ([("convs.append((maps, out, 1, size))",
                                  "convs.insert(len(convs) - (2 if depth < 50 else 3), (maps, out, 1, size))")],
                                {"resnet_convs": "listed before the block's convs"}),
    "conv1 missing": ([("convs, maps, size = [(3, 64, 7, 112)], 64, 56", "convs, maps, size = [], 64, 56")],
                      {f: "conv1 is missing" for f in FUNCTIONS[2:]}),
    "conv biases as multiply-adds": ([(FLOPS, "return sum((k * k * c + 1) * f * h * h for c, f, k, h in "
                                              "resnet_convs(depth)) + maps * 1000")],
                                     {"resnet_flops": "conv biases were counted as multiply-adds"}),
    "fc forgotten (flops)": ([(FLOPS, FLOPS.replace(" + maps * 1000", ""))], {"resnet_flops": "fc layer is missing"}),
    "2 x multiply-adds": ([(FLOPS, FLOPS.replace("return sum", "return 2 * sum").replace(" + maps", " + 2 * maps"))],
                          {"resnet_flops": "2 x multiply-adds"}),
    "conv biases counted": ([(PARAMS, PARAMS.replace("2 * f", "3 * f"))],
                            {"resnet_params": "conv biases were counted"}),
    "fc forgotten (params)": ([(PARAMS, PARAMS.replace(" + maps * 1000 + 1000", ""))],
                              {"resnet_params": "fc layer is missing"}),
    "fc biases forgotten": ([(PARAMS, PARAMS.replace(" + 1000", "", 1))], {"resnet_params": "1000 biases"}),
    "batch norm forgotten": ([(PARAMS, PARAMS.replace(" + 2 * f", ""))], {"resnet_params": "batch norm's parameters"}),
    "batch norm 4 per map": ([(PARAMS, PARAMS.replace("2 * f", "4 * f"))], {"resnet_params": "4 per map"}),
}


def source_of(how):
    return SOLUTION + "\n\n# ---- the mistake\n" + how if isinstance(how, str) else mutate(SOLUTION, *how)


@pytest.mark.parametrize("name", list(MISTAKES))
def test_typical_mistake_loses_points_and_is_named(name):
    how, diagnoses = MISTAKES[name]
    outcomes = grade(source_of(how), seed=5)
    for function in FUNCTIONS:
        failed = [o for o in outcomes if o.name.startswith(function + ":") and o.status == "failed"]
        if function not in diagnoses:
            assert failed == [], f"{name}: {function} should keep its points: {[o.message for o in failed]}"
            continue
        assert failed, f"{name}: {function} should lose points"
        words = diagnoses[function]
        assert any(words in o.message for o in failed), [o.message for o in failed]
        assert all(words in o.message for o in failed if "Looks like" in o.message), [o.message for o in failed]


def test_a_wrong_structure_is_described():
    outcomes = {o.name: o for o in grade(SOLUTION + '''
def residual_block_backward(dout, cache):
    return np.zeros_like(dout), [1, 2]

def gradient_norms(weights, x, *, shortcut):
    return "small"
''', seed=0)}
    assert "expected a dict with keys 'w1'" in outcomes["residual_block_backward: one image, one map"].message
    assert "expected a list of" in outcomes["gradient_norms: plain stack (the gradient vanishes)"].message


# ---------------------------------------------------------------- the truth


@pytest.mark.parametrize("shape", [(1, 1, 3, 5), (2, 3, 4, 6), (3, 2, 6, 3)])
def test_the_numerical_block_is_the_reference_block(shape):
    rng = np.random.default_rng(sum(shape))
    n, c, h, w = shape
    args = (rng.standard_normal(shape), rng.standard_normal((c, c, 3, 3)) * 0.5, rng.standard_normal(c) * 0.3,
            rng.standard_normal((c, c, 3, 3)) * 0.5, rng.standard_normal(c) * 0.3)
    (out, cache), (ref_out, ref_cache) = block_forward(*args), residual_block_forward(*args)
    assert np.allclose(out, ref_out, rtol=0, atol=1e-12)
    assert all(np.allclose(cache[k], ref_cache[k], rtol=0, atol=1e-12) for k in ref_cache)
    dout = rng.standard_normal(out.shape)
    dx, grads = residual_block_backward(dout, cache)
    for mine, theirs in zip(block_truth(dout, cache), (dx, grads["w1"], grads["b1"], grads["w2"], grads["b2"])):
        assert np.abs(mine - theirs).max() <= 1e-9 * max(1.0, np.abs(theirs).max())


@pytest.mark.parametrize("shortcut", [False, True])
def test_the_numerical_norms_are_the_reference_norms_each_to_1e_8(shortcut):
    rng = np.random.default_rng(11)
    weights = [rng.standard_normal((10, 10)) / np.sqrt(10) for _ in range(20)]
    x = rng.standard_normal((3, 10))
    mine, theirs = stack_norms(weights, x, shortcut), np.array(gradient_norms(weights, x, shortcut=shortcut))
    assert np.all(np.abs(mine - theirs) <= 1e-8 * theirs)
    assert (theirs[0] / theirs[-1] < 1e-6) != shortcut  # the lesson: only the plain stack's gradient vanishes


def test_known_json_is_the_count_of_the_built_specs():
    assert (ROOT / "grader" / "exercises" / "exercise6" / "known.json").read_text(encoding="utf-8") == counts.render()
    assert [counts.flops(d) for d in counts.DEPTHS] == [1814073344, 3663761408, 3857973248, 7570194432, 11282415616]
    assert [counts.params(d) for d in counts.DEPTHS] == [11689512, 21797672, 25557032, 44549160, 60192808]
