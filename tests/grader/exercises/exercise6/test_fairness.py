"""Fairness of exercise 6 (DESIGN.md, "How a grade is made"): the same mistake earns the same score under every
seed, and below full marks; the solution gets full marks under every seed. The machinery is
tests/grader/exercises/fairness.py; each mistake is the instructor's solution with one line changed, or one
function written again with the mistake (the typical mistakes of /work/staging/exercise6/MISTAKES.md).

What keeps the score still: a block is drawn only when each ReLU mistake can show on it (s and z1 of both signs,
relu'(z2) != relu'(s) somewhere), a stack only when its plain gradient vanishes and its residual one does not,
and the counts are fixed depths.
"""

import pytest

from fairness import edit, full_marks, grade, override, solution, touched, unfair

EXERCISE = "exercise6"
DS = 'delta_s = dout * (cache["s"] > 0)'
RETURN_DX = "return dx + delta_s, {"
BACK = "grad = grad + back if shortcut else back"
NORM = "norms.append(float(np.linalg.norm(delta)))"
PROJ = "if stride != 1 or maps != out:"
FLOPS = "return sum(k * k * c * f * h * h for c, f, k, h in resnet_convs(depth)) + maps * 1000"
PARAMS = "return sum(k * k * c * f + 2 * f for c, f, k, _ in resnet_convs(depth)) + maps * 1000 + 1000"

MISTAKES = {
    "block: shortcut gradient forgotten": [(RETURN_DX, "return dx, {")],
    "block: relu'(s) not applied to the shortcut": [(RETURN_DX, "return dx + dout, {")],
    "block: shortcut applied after the ReLU": [(DS, 'delta_s = dout * (cache["z2"] > 0)'),
                                               (RETURN_DX, "return dx + dout, {")],
    "block: relu'(s) ignored on both paths": [(DS, "delta_s = dout")],
    "block: inner relu'(z1) forgotten": [('delta_1 = da1 * (cache["z1"] > 0)', "delta_1 = da1")],
    "block: dw2 from z1": [('da1, dw2, db2 = conv3x3_backward(delta_s, cache["a1"], cache["w2"])',
                            'da1, dw2, db2 = conv3x3_backward(delta_s, cache["a1"], cache["w2"])\n'
                            '    dw2 = conv3x3_backward(delta_s, cache["z1"], cache["w2"])[1]')],
    "norms: of dJ/da, not delta": [(NORM, "norms.append(float(np.linalg.norm(grad)))")],
    "norms: the identity term left out": [(BACK, "grad = back")],
    "norms: delta added instead of dJ/da": [(BACK, "grad = delta + back if shortcut else back")],
    "norms: sigma' from the layer's output": '''
def gradient_norms(weights, x, *, shortcut):
    out, cache = stack_forward(weights, x, shortcut=shortcut)
    outputs = [a for a, _ in cache[1:]] + [out]
    grad, norms = np.ones_like(out), []
    for w, (_, z), a in zip(reversed(weights), reversed(cache), reversed(outputs)):
        delta = grad * a * (1.0 - a)
        norms.append(float(np.linalg.norm(delta)))
        grad = grad + delta @ w.T if shortcut else delta @ w.T
    return norms[::-1]
''',
    "norms: reversed": [("return norms[::-1]", "return norms")],
    "norms: squared": [(NORM, "norms.append(float(np.sum(delta ** 2)))")],
    "norms: mean loss": [("grad = np.ones_like(out)", "grad = np.ones_like(out) / out.size")],
    "convs: projections forgotten": [(PROJ, "if False:")],
    "convs: conv2_1 projection forgotten": [(PROJ, "if stride != 1:")],
    "convs: stride in the 3x3 (v1.5)": [("convs += [(maps, width, 1, size), (width",
                                         "convs += [(maps, width, 1, size * stride), (width")],
    "convs: projection listed first": [("convs.append((maps, out, 1, size))",
                                        "convs.insert(len(convs) - (2 if depth < 50 else 3), (maps, out, 1, size))")],
    "convs: conv1 missing": [("convs, maps, size = [(3, 64, 7, 112)], 64, 56", "convs, maps, size = [], 64, 56")],
    "flops: conv biases as multiply-adds": [(FLOPS, FLOPS.replace("k * k * c * f", "(k * k * c + 1) * f"))],
    "flops: fc forgotten": [(FLOPS, FLOPS.replace(" + maps * 1000", ""))],
    "flops: 2 x multiply-adds": [(FLOPS, FLOPS.replace("return sum", "return 2 * sum").replace("+ maps",
                                                                                             "+ 2 * maps"))],
    "params: conv biases counted": [(PARAMS, PARAMS.replace("2 * f", "3 * f"))],
    "params: fc forgotten": [(PARAMS, PARAMS.replace(" + maps * 1000 + 1000", ""))],
    "params: fc biases forgotten": [(PARAMS, PARAMS.replace(" + 1000", "", 1))],
    "params: batch norm forgotten": [(PARAMS, PARAMS.replace(" + 2 * f", ""))],
    "params: batch norm with 4 per map": [(PARAMS, PARAMS.replace("2 * f", "4 * f"))],
}


def source_of(mistake):
    how = MISTAKES[mistake]
    return override(EXERCISE, how) if isinstance(how, str) else edit(EXERCISE, *how)


@pytest.mark.parametrize("mistake", list(MISTAKES))
def test_the_same_mistake_earns_the_same_score_under_every_seed(mistake):
    source = source_of(mistake)
    graded = grade(EXERCISE, source, only=touched(EXERCISE, source))
    scores = {seed: sum(p for _, p in outcomes) for seed, outcomes in graded.items()}
    assert len(set(scores.values())) == 1, f"{mistake}: scores {scores}; checks lost only under some seeds: " \
                                           f"{unfair(graded)}"
    assert scores[0] < full_marks(EXERCISE), f"{mistake}: full marks, the mistake is never seen"


def test_the_solution_gets_full_marks_under_every_seed():
    graded = grade(EXERCISE, solution(EXERCISE))
    lost = {seed: [name for name, p in outcomes if p == 0] for seed, outcomes in graded.items()}
    assert {seed: names for seed, names in lost.items() if names} == {}
