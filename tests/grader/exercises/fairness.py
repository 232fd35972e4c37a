"""The machinery of the fairness tests (tests/grader/exercises/test_fairness.py and each exercise's own
test_fairness.py): grade a wrong submission under many seeds in one sandbox and see whether its score moves.
"""

from __future__ import annotations

import ast
from pathlib import Path

from grader.grading.checking import HangGuard, collect, run_one
from grader.sandbox.runner import Sandbox
from grader import registry

EXERCISES = registry.names()
EXERCISE_FUNCTIONS = registry.functions()

ROOT = Path(__file__).resolve().parents[3]
SEEDS = range(20)


def solution(exercise):
    return (ROOT / "solutions" / f"{exercise}.py").read_text(encoding="utf-8")


def edit(exercise, *edits):
    """The solution of `exercise` with each (old, new) edit applied; `old` must occur exactly once."""
    source = solution(exercise)
    for old, new in edits:
        assert source.count(old) == 1, f"edit target not unique or missing in {exercise}: {old!r}"
        source = source.replace(old, new)
    return source


def override(exercise, code):
    """The solution of `exercise` with some functions defined again (the later definition wins)."""
    return solution(exercise) + "\n\n# ---- the mistake\n" + code


def grade(exercise, source, seeds=SEEDS, *, only=None):
    """{seed: [(check name, points), ...]} of `source` graded with every check, one sandbox for all seeds.

    only: the functions whose checks are run; every other check is scored as passed (see `touched`)."""
    checks = collect(exercise, include_hidden=True)
    run = [c for c in checks if only is None or function_of(c) in only]
    with Sandbox(source, "submission.py") as sandbox:
        guarded = HangGuard(sandbox)
        graded = {seed: {c.info.name: run_one(c, guarded, seed).points for c in run} for seed in seeds}
    return {seed: [(c.info.name, points.get(c.info.name, c.info.points)) for c in checks]
            for seed, points in graded.items()}


def function_of(chk):
    name = chk.info.name.split(":")[0]
    assert name in EXERCISE_FUNCTIONS[chk.func.__module__.split(".")[-2]], chk.info.name
    return name


def touched(exercise, source):
    """The functions of `exercise` whose answers may differ from the solution's: those whose code differs, and
    those that call them, transitively (the solution calls its own functions: upsample in avg_pool_backward,
    rot180 in conv_backward_input, ...). The checks of the others ask the solution's own code, which gets full
    marks under the same seeds (test_the_solutions_get_full_marks_under_every_seed): they need not run again,
    which makes this test 2-3 times faster. None (run everything) when anything but a function changed."""
    def parts(text):
        body = ast.parse(text).body
        defs = {node.name: node for node in body if isinstance(node, ast.FunctionDef)}  # the last def wins
        rest = [ast.dump(node) for node in body if not isinstance(node, ast.FunctionDef)]
        return defs, rest

    (mine, rest), (right, right_rest) = parts(source), parts(solution(exercise))
    if [r for r in rest if r not in right_rest]:
        return None
    changed = {name for name, node in mine.items() if name not in right or ast.dump(node) != ast.dump(right[name])}
    uses = {name: {n.id for n in ast.walk(node) if isinstance(n, ast.Name)} for name, node in mine.items()}
    while True:
        more = {name for name, used in uses.items() if used & changed} - changed
        if not more:
            return changed & set(EXERCISE_FUNCTIONS[exercise])
        changed |= more


def full_marks(exercise):
    return sum(c.info.points for c in collect(exercise, include_hidden=True))


def unfair(graded):
    """The checks whose points differ between seeds, with the seeds that lost them."""
    by_check = {}
    for seed, outcomes in graded.items():
        for name, points in outcomes:
            by_check.setdefault(name, {})[seed] = points
    return {name: sorted(s for s, p in seeds.items() if p < max(seeds.values()))
            for name, seeds in by_check.items() if len(set(seeds.values())) > 1}
