"""What holds for every exercise's checks: the instructor's solution gets full marks on several seeds, and the
generated stub gets 0 with "not implemented yet" on every check. (That each function has public and hidden
checks is tested in tests/grader/test_checking.py.)"""

from pathlib import Path

import pytest

from grader.grading.checking import run_checks
from grader import registry

EXERCISES = registry.names()

ROOT = Path(__file__).resolve().parents[3]


def grade(folder, exercise, seed):
    source = (ROOT / folder / f"{exercise}.py").read_text(encoding="utf-8")
    outcomes, *_ = run_checks(exercise, source, "submission.py", seed=seed)
    return outcomes


SLOW = {"exercise5"}  # its hidden check trains a network for ~10 s: one seed here, its own fairness test has 20


@pytest.mark.parametrize("exercise, seed", [(ex, seed) for ex in EXERCISES for seed in ((0,) if ex in SLOW else (0, 1, 2))])
def test_solution_gets_full_marks(exercise, seed):
    outcomes = grade("solutions", exercise, seed)
    assert [o.message for o in outcomes if o.status != "passed"] == []
    assert sum(o.points for o in outcomes) == sum(o.max_points for o in outcomes) > 0


@pytest.mark.parametrize("exercise", EXERCISES)
def test_stub_gets_zero_and_says_not_implemented(exercise):
    outcomes = grade("exercises", exercise, 0)
    assert sum(o.points for o in outcomes) == 0
    assert all(o.status == "failed" and "not implemented yet" in o.message for o in outcomes)
