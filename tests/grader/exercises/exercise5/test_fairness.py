"""Fairness of exercise 5 (DESIGN.md, "How a grade is made"): the same mistake earns the same score under every
seed, and below full marks; the solution gets full marks under every seed. The machinery is
tests/grader/exercises/fairness.py; each mistake is the instructor's solution with one line changed, or one
function written again with the mistake.

The 20-seed runs leave out the hidden full training ("train: 4,000 digits ..."): it takes ~12 s per seed
(3 epochs on 4,000 digits in the sandbox), 20 seeds per mistake would take minutes, and its fairness is a
calibrated margin, not structure (held-out accuracy 0.930-0.950 over seeds 0-9 against a 0.90 target:
bench/calibrate_exercise5.py); test_every_exercise.py grades it for the solution under 3 seeds. The
lenet_backward and sgd_step mistakes are graded with `only=` those functions (train's checks would only repeat
the backward pass's verdict through one training step); train's own mistakes with every check but that one.

What keeps the score still: the tied case always has blank background under positive biases (positive ties in
S2 and S4), every batch that a mean's gradient matters to has at least 2 examples, and the kink-free
directions of truth.py keep the numerical truth exact to rounding.
"""

import pytest

from fairness import SEEDS, edit, full_marks, grade, override, solution, unfair
from grader.grading.checking import HangGuard, collect, run_one
from grader.sandbox.runner import Sandbox

EXERCISE = "exercise5"
LONG = "train: 4,000 digits"
RELU = [f' * (c["{z}"] > 0)' for z in ("z6", "z5", "z3", "z1")]
BACK = 'c, p, g = cache, cache["params"], {}'
SGD = "return {key: params[key] - lr * grads[key] for key in params}"

BACKWARD_MISTAKES = {
    "relu' as relu(z)": [(r, f' * c["a{r[5]}"]') for r in RELU],
    "relu' left out": [(r, "") for r in RELU],
    "relu' left out in C3 only": [(RELU[2], "")],
    "kernel not rotated": [("w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3)", "w.transpose(1, 0, 2, 3)")],
    "kernel gradient rotated": [("return da_prev, dw, delta", "return da_prev, dw[:, :, ::-1, ::-1], delta")],
    "pooling to every tied maximum": '''
def max_pool_backward(delta, a):
    n, c, h, w = a.shape
    top = a.reshape(n, c, h // 2, 2, w // 2, 2).max(axis=(3, 5))
    up = lambda t: np.repeat(np.repeat(t, 2, axis=2), 2, axis=3)
    return up(delta) * (a == up(top))
''',
    "pooling copied to the window": '''
def max_pool_backward(delta, a):
    return np.repeat(np.repeat(delta, 2, axis=2), 2, axis=3)
''',
    "divided by N again": [(BACK, BACK + '\n    dscores = dscores / len(c["x"])')],
    "sign flipped": [(BACK, BACK + "\n    dscores = -dscores")],
    "sgd in place": [(SGD, "for key in params:\n        params[key] -= lr * grads[key]\n    return params")],
    "sgd uphill": [(SGD, SGD.replace("] - lr", "] + lr"))],
    "sgd without lr": [(SGD, SGD.replace(" - lr * ", " - "))],
}

TRAIN_MISTAKES = {
    "not shuffled": [("order = rng.permutation(len(x))", "order = np.arange(len(x))")],
    "re-seeded every epoch": [("order = rng.permutation(len(x))",
                               "order = np.random.default_rng(seed).permutation(len(x))")],
    "plain mean of the batch losses": [("total += loss * len(batch)", "total += loss * batch_size")],
    "last batch dropped": [("for start in range(0, len(x), batch_size):",
                            "for start in range(0, len(x) - batch_size + 1, batch_size):")],
}


def source_of(edits):
    return override(EXERCISE, edits) if isinstance(edits, str) else edit(EXERCISE, *edits)


def grade_short(source, seeds=SEEDS):
    """fairness.grade with every check but the long training run (scored as passed)."""
    checks = collect(EXERCISE, include_hidden=True)
    with Sandbox(source, "submission.py") as sandbox:
        guarded = HangGuard(sandbox)
        return {seed: [(c.info.name, c.info.points if c.info.name.startswith(LONG) else
                        run_one(c, guarded, seed).points) for c in checks] for seed in seeds}


def test_the_solution_gets_full_marks_under_every_seed():
    graded = grade_short(solution(EXERCISE))
    assert all(sum(p for _, p in outcomes) == full_marks(EXERCISE) for outcomes in graded.values())


@pytest.mark.parametrize("name", list(BACKWARD_MISTAKES))
def test_a_backward_or_sgd_mistake_costs_the_same_under_every_seed(name):
    graded = grade(EXERCISE, source_of(BACKWARD_MISTAKES[name]), only=("lenet_backward", "sgd_step"))
    assert unfair(graded) == {}
    assert all(sum(p for _, p in outcomes) < full_marks(EXERCISE) for outcomes in graded.values())


@pytest.mark.parametrize("name", list(TRAIN_MISTAKES))
def test_a_train_mistake_costs_the_same_under_every_seed(name):
    graded = grade_short(source_of(TRAIN_MISTAKES[name]))
    assert unfair(graded) == {}
    assert all(sum(p for _, p in outcomes) < full_marks(EXERCISE) for outcomes in graded.values())
