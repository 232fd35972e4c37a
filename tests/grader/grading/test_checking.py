"""The check registry and runner: every exercise's checks are well formed, outcomes are always produced."""

import pytest

from grader.grading.checking import Check, CheckFailed, CheckInfo, check, check_rng, collect, run_one
from grader.sandbox.runner import NotImplementedYet
from grader import registry

EXERCISES = registry.names()
EXERCISE_FUNCTIONS = registry.functions()


@pytest.mark.parametrize("exercise", EXERCISES)
def test_every_function_has_public_and_hidden_checks(exercise):
    checks = collect(exercise)
    names = [c.info.name for c in checks]
    assert len(names) == len(set(names)), "check names must be unique"
    for function in EXERCISE_FUNCTIONS[exercise]:
        mine = [c.info for c in checks if c.info.name.split(":")[0] == function]
        assert {i.visibility for i in mine} == {"visible", "hidden"}, function
    assert all(c.info.name.split(":")[0] in EXERCISE_FUNCTIONS[exercise] for c in checks)
    assert len(collect(exercise, include_hidden=False)) < len(checks)


def test_unknown_exercise_and_bad_points():
    with pytest.raises(ValueError, match="unknown exercise 'exercise99'"):
        collect("exercise99")
    with pytest.raises(ValueError, match="points must be positive"):
        check("f: x", points=0)


def make(func, points=2.0):
    return Check(func, CheckInfo("f: case", points, "visible"))


def test_run_one_turns_everything_into_an_outcome():
    def passes(sub, rng):
        pass

    def wrong(sub, rng):
        raise CheckFailed("f: wrong values")

    def stub(sub, rng):
        raise NotImplementedYet("not implemented yet")

    def buggy(sub, rng):
        raise KeyError("oops")

    assert run_one(make(passes), None, 1).points == 2.0
    assert run_one(make(wrong), None, 1)[3:5] == ("failed", "f: wrong values")
    assert run_one(make(stub), None, 1).message == "not implemented yet"
    assert run_one(make(buggy), None, 1).message.startswith("grader error (not your fault): KeyError")


def test_check_rng_depends_on_seed_and_name_only():
    a, b = check_rng(1, "f: a").random(3), check_rng(1, "f: a").random(3)
    assert (a == b).all()
    assert not (a == check_rng(2, "f: a").random(3)).all()
    assert not (a == check_rng(1, "f: b").random(3)).all()


def test_a_function_that_hung_is_not_run_again():
    import time

    from grader.grading.checking import run_checks
    from grader.sandbox.runner import Limits

    source = "def rot180(k):\n    while True:\n        pass\n"
    start = time.perf_counter()
    outcomes, *_ = run_checks("exercise3", source, "hang.py", seed=1, limits=Limits(timeout=0.5),
                                include_hidden=False)
    elapsed = time.perf_counter() - start
    rot = [o for o in outcomes if o.name.startswith("rot180")]
    assert rot[0].message == "timed out after 0.5 s"
    assert all("already timed out after 0.5 s in an earlier check" in o.message for o in rot[1:])
    assert elapsed < 0.5 + 3.0  # one time limit, not one per check
