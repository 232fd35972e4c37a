"""The checks of exercise 5 (lenet_backward, sgd_step, train), run as the grader runs them.

Each case grades a whole submission in the sandbox with `run_checks` (the public checks: the hidden full training
takes ~12 s and is graded by test_every_exercise.py) and asserts on scores and messages: full marks for a right
answer written another way (bench/lenet_loops.py's loops, adapted to the exercise's API), 0 and "not
implemented yet" for the stub, and for each typical wrong chain: points lost on exactly the layers it breaks,
and the mistake named. Also: the same grading without the instructor's witness (as in a student release).
"""

from pathlib import Path

import pytest

from grader.exercises.exercise5 import cases, checks, truth
from grader.grading.checking import run_checks

ROOT = Path(__file__).resolve().parents[4]
SOLUTION = (ROOT / "solutions" / "exercise5.py").read_text(encoding="utf-8")

# Right, written like bench/lenet_loops.py: loops over output positions and pooling windows.
LOOPS = SOLUTION + '''

def conv_backward(delta, a_prev, w):
    n, f, ho, wo = delta.shape
    kh, kw = w.shape[2:]
    dx, dw = np.zeros_like(a_prev), np.zeros_like(w)
    wmat = w.reshape(f, -1)
    for i in range(ho):
        for j in range(wo):
            d = delta[:, :, i, j]
            dx[:, :, i:i + kh, j:j + kw] += (d @ wmat).reshape(n, -1, kh, kw)
            dw += (d.T @ a_prev[:, :, i:i + kh, j:j + kw].reshape(n, -1)).reshape(w.shape)
    return dx, dw, delta.sum(axis=(0, 2, 3))


def max_pool_backward(delta, a):
    n, c, h, wd = a.shape
    da = np.zeros_like(a)
    for i in range(h // 2):
        for j in range(wd // 2):
            k = a[:, :, 2 * i:2 * i + 2, 2 * j:2 * j + 2].reshape(n, c, 4).argmax(axis=2)
            window = np.zeros((n, c, 4))
            np.put_along_axis(window, k[:, :, None], delta[:, :, i, j][:, :, None], axis=2)
            da[:, :, 2 * i:2 * i + 2, 2 * j:2 * j + 2] = window.reshape(n, c, 2, 2)
    return da


def lenet_backward(dscores, cache):
    x, z1, s2, z3, s4, z5 = (cache[k] for k in ("x", "z1", "s2", "z3", "s4", "z5"))
    f5, z6, a6, p = cache["f5"], cache["z6"], cache["a6"], cache["params"]
    g = {"F7.w": a6.T @ dscores, "F7.b": dscores.sum(axis=0)}
    d6 = (dscores @ p["F7.w"].T) * (z6 > 0)
    g["F6.w"], g["F6.b"] = f5.T @ d6, d6.sum(axis=0)
    d5 = (d6 @ p["F6.w"].T).reshape(z5.shape) * (z5 > 0)
    ds4, g["C5.w"], g["C5.b"] = conv_backward(d5, s4, p["C5.w"])
    d3 = max_pool_backward(ds4, np.maximum(z3, 0)) * (z3 > 0)
    ds2, g["C3.w"], g["C3.b"] = conv_backward(d3, s2, p["C3.w"])
    d1 = max_pool_backward(ds2, np.maximum(z1, 0)) * (z1 > 0)
    _, g["C1.w"], g["C1.b"] = conv_backward(d1, x, p["C1.w"])
    return g


def sgd_step(params, grads, lr):
    new = {}
    for k in params:
        new[k] = params[k] - lr * grads[k]
    return new


def train(x, y, params, *, epochs, lr, batch_size, seed):
    rng = np.random.default_rng(seed)
    history = {"loss": [], "accuracy": [], "step_loss": []}
    for epoch in range(epochs):
        order = rng.permutation(len(x))
        losses, sizes, right = [], [], 0
        for start in range(0, len(x), batch_size):
            batch = order[start:start + batch_size]
            scores, cache = forward(x[batch], params)
            loss, dscores = softmax_cross_entropy(scores, y[batch])
            params = sgd_step(params, lenet_backward(dscores, cache), lr)
            losses.append(loss)
            sizes.append(len(batch))
            right += int(np.sum(scores.argmax(axis=1) == y[batch]))
        history["step_loss"] += losses
        history["loss"].append(float(np.dot(losses, sizes)) / len(x))
        history["accuracy"].append(right / len(x))
    return params, history
'''

RELU = {z: f' * (c["{z}"] > 0)' for z in ("z6", "z5", "z3", "z1")}
NO_ROT = "w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3)"
BACK_START = 'c, p, g = cache, cache["params"], {}'
TIES = '''
def max_pool_backward(delta, a):
    n, c, h, w = a.shape
    top = a.reshape(n, c, h // 2, 2, w // 2, 2).max(axis=(3, 5))
    up = lambda t: np.repeat(np.repeat(t, 2, axis=2), 2, axis=3)
    return up(delta) * (a == up(top))
'''
ALL = ("F7", "F6", "C5", "C3", "C1", "ties")
MISTAKES = {  # name: (edits or override code, the lenet_backward checks that fail, words of the message)
    "relu' as relu(z)": ([(RELU[z], f' * c["a{z[1]}"]') for z in RELU], ALL[1:], "taken as relu(z)"),
    "relu' left out": ([(RELU[z], "") for z in RELU], ALL[1:], "relu' left out"),
    "kernel not rotated": ([(NO_ROT, "w.transpose(1, 0, 2, 3)")], ("C3", "C1", "ties"), "not rotated by 180°"),
    "kernel gradient rotated": ([("return da_prev, dw, delta", "return da_prev, dw[:, :, ::-1, ::-1], delta")],
                                ("C5", "C3", "C1", "ties"), "kernel gradient is rotated"),
    "every tied maximum": (TIES, ("ties",), "every tied maximum"),
    "divided by N again": ([(BACK_START, BACK_START + '\n    dscores = dscores / len(c["x"])')], ALL,
                           "divided by the batch size again"),
    "sign flipped": ([(BACK_START, BACK_START + "\n    dscores = -dscores")], ALL, "wrong sign"),
}


def grade(source, seed=0):
    outcomes, *_ = run_checks("exercise5", source, "submission.py", seed=seed, include_hidden=False)
    return outcomes


def apply(edits):
    if isinstance(edits, str):
        return SOLUTION + "\n\n" + edits
    source = SOLUTION
    for old, new in edits:
        assert source.count(old) == 1, old
        source = source.replace(old, new)
    return source


def backward_failures(outcomes):
    layer = {f"lenet_backward: {name}": name for name in ALL[:-1]}
    return {("ties" if "tied" in o.name else layer[o.name.split(" (")[0]]): o.message
            for o in outcomes if o.name.startswith("lenet_backward") and o.status == "failed"}


@pytest.mark.parametrize("seed", [1, 2])
def test_a_right_answer_written_with_loops_gets_full_marks(seed):
    assert [(o.name, o.message) for o in grade(LOOPS, seed) if o.status != "passed"] == []


def test_the_stub_gets_zero_and_says_not_implemented():
    stub = (ROOT / "exercises" / "exercise5.py").read_text(encoding="utf-8")
    outcomes = grade(stub)
    assert sum(o.points for o in outcomes) == 0
    assert all("not implemented yet" in o.message for o in outcomes)


@pytest.mark.parametrize("name", list(MISTAKES))
def test_a_wrong_chain_loses_the_layers_it_breaks_and_is_named(name):
    edits, layers, words = MISTAKES[name]
    failed = backward_failures(grade(apply(edits)))
    assert set(failed) == set(layers)
    assert all(f"Looks like: {words}" in message or words in message for message in failed.values()), failed
    assert all("Looks like:" in message for message in failed.values()), failed
    assert all("Layers in this case:" in message for message in failed.values())


def test_a_message_says_which_layers_are_right():
    edits, _, _ = MISTAKES["kernel not rotated"]
    failed = backward_failures(grade(apply(edits)))
    assert "F7 right, F6 right, C5 right, C3 wrong (C3.w, C3.b), C1 wrong (C1.w, C1.b)" in failed["C3"]


SGD = "return {key: params[key] - lr * grads[key] for key in params}"
TRAIN_MISTAKES = {  # name: (edits, failing check names start with, words)
    "sgd in place": ([(SGD, "for key in params:\n        params[key] -= lr * grads[key]\n    return params")],
                     {"sgd_step: params and grads are left"}, "don't update in place"),
    "sgd uphill": ([(SGD, SGD.replace("] - lr", "] + lr"))],
                   {"sgd_step: w - lr", "sgd_step: params and grads", "train: one epoch", "train: batches"},
                   "a step uphill"),
    "not shuffled": ([("order = rng.permutation(len(x))", "order = np.arange(len(x))")],
                     {"train: batches"}, "were not shuffled"),
    "plain mean of the batch losses": ([("total += loss * len(batch)", "total += loss * batch_size")],
                                       {"train: batches"}, "weighted by batch size"),
    "last batch dropped": ([("for start in range(0, len(x), batch_size):",
                             "for start in range(0, len(x) - batch_size + 1, batch_size):")],
                           {"train: batches"}, "the last batch may be smaller"),
}


@pytest.mark.parametrize("name", list(TRAIN_MISTAKES))
def test_sgd_and_train_mistakes_lose_points_and_are_named(name):
    edits, prefixes, words = TRAIN_MISTAKES[name]
    failed = [o for o in grade(apply(edits)) if o.status == "failed"]
    assert {next(p for p in prefixes if o.name.startswith(p)) for o in failed if any(
        o.name.startswith(p) for p in prefixes)} == prefixes
    assert all(any(o.name.startswith(p) for p in prefixes) for o in failed), [o.name for o in failed]
    assert any(words in o.message for o in failed), [o.message for o in failed]


def test_without_the_witness_right_passes_and_wrong_layers_fail(monkeypatch):
    """As in a student release (mistakes.py not shipped): directional derivatives alone, no names."""
    monkeypatch.setattr(truth, "reference_grads", None)
    monkeypatch.setattr(cases, "lenet_variants", None)
    truth.witness.cache_clear()
    try:
        assert [o.message for o in grade(SOLUTION, 3) if o.status != "passed"] == []
        failed = backward_failures(grade(apply(MISTAKES["kernel not rotated"][0]), 3))
        assert set(failed) == {"C3", "C1", "ties"}
        assert "Looks like" not in failed["C3"] and "along a random direction" in failed["C3"]
        assert "C5 right, C3 wrong (C3.w, C3.b)" in failed["C3"]
    finally:
        truth.witness.cache_clear()


def test_the_long_train_check_says_its_calibration():
    assert "0.930-0.950" in checks.test_train_learns.__doc__ and checks.BUDGET == 90 and checks.TARGET == 0.90
    name = checks.test_train_learns.__check__.name  # a literal (translated by its msgid): it must say both
    assert f"within {checks.BUDGET:g} s" in name and f"at least {checks.TARGET:.2f}" in name
