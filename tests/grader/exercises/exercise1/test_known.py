"""The literal cases of exercise 1's public checks (grader/exercises/exercise1/known.json) are the counts of built
reference models, and every public check that asks one has its cases. Exact integer comparisons."""

from grader.grading.checking import collect
from grader.exercises.exercise1 import known as exercise1_known
from grader.exercises.exercise1.cases import known_json
from grader import registry

TABLE_CHECKS = {"test_lenet5_layers", "test_lenet5_c1_s2", "test_lenet5_c3", "test_lenet5_s4_c5_f6",
                "test_lenet5_output", "test_modern_layers", "test_modern_c1_c5_f6", "test_modern_c3_output"}


def test_the_literal_cases_are_the_counts_of_built_models():
    fresh = exercise1_known.load(known_json())
    for name in ("KNOWN", "LENET5_KNOWN", "MODERN_KNOWN"):
        assert getattr(exercise1_known, name) == fresh[name], (
            f"grader/exercises/exercise1/known.json is out of date ({name}): run python -m grader.exercises.exercise1.cases")


def test_every_public_check_has_literal_cases_and_only_public_checks_do():
    public = {c.func.__name__ for c in collect("exercise1") if c.info.visibility == "visible"}
    assert set(exercise1_known.KNOWN) == public - TABLE_CHECKS
    for name, cases in exercise1_known.KNOWN.items():
        assert cases and all(len(case) == 5 and case[0] in registry.get("exercise1").functions for case in cases), name
        assert len({repr(case[1]) for case in cases}) == len(cases), f"{name}: two cases ask the same question"


def test_literal_slips_differ_from_the_answer():
    for name, cases in exercise1_known.KNOWN.items():
        for function, calls, text, want, slips in cases:
            assert isinstance(want, int) and all(v != want for v in slips.values()), (name, text)
