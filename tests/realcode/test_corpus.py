"""Grades every submission of the real-code corpus (corpus.py) with all checks, as a batch would, and asserts:
no false alarm (a correct function passes every check), no miss (a wrong one fails at least one), no wrong
diagnosis (a named mistake is the manifest's). Prints, and asserts at least 80% for, the share of wrong functions
whose feedback names the mistake or points at the student's line that raised."""

import re

import pytest

from grader.grading.checking import run_checks
from tests.realcode.corpus import CORPUS, HERE, NAMES, exercise, mistake

SEEDS = (11, 12)
_graded: dict = {}


def graded(file, seed):
    if (file, seed) not in _graded:
        source = (HERE / file).read_text(encoding="utf-8")
        _graded[file, seed] = run_checks(exercise(file), source, file, seed=seed, include_hidden=True).outcomes
    return _graded[file, seed]


def failed(file, seed, function):
    return [o for o in graded(file, seed) if o.name.split(":")[0] == function and o.status != "passed"]


def diagnoses(message):
    return re.findall(r"Looks like: (.*?)\.(?:\n|$)", message, flags=re.S)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("file", sorted(CORPUS))
def test_each_verdict_holds_and_no_mistake_is_misnamed(file, seed):
    for function, verdict in CORPUS[file].items():
        lost = failed(file, seed, function)
        if mistake(verdict) is None:
            assert lost == [], f"false alarm: {file} {function}: {[o.message for o in lost]}"
            continue
        assert lost, f"miss: {file} {function} ({verdict}) passed every check"
        words = NAMES[mistake(verdict)]
        for outcome in lost:
            for named in diagnoses(outcome.message):
                assert any(w in named for w in words), f"wrong diagnosis: {file} {function}: {outcome.message}"


def test_most_wrong_functions_get_actionable_feedback():
    wrong = [(f, fn) for f, verdicts in CORPUS.items() for fn, v in verdicts.items() if mistake(v)]
    helped = [(f, fn) for f, fn in wrong
              if any("Looks like:" in o.message or re.search(r"\n?\s*at [^\n]*, line \d+", o.message)
                     for seed in SEEDS for o in failed(f, seed, fn))]
    share = len(helped) / len(wrong)
    print(f"\nreal-code corpus: {len(CORPUS)} files, {len(wrong)} wrong functions, "
          f"{len(helped)} named or pointed at the line that raised: {share:.0%}")
    print("not named:", sorted(set(wrong) - set(helped)))
    assert share >= 0.8
