"""The strict rule (grader/grading/compare.py, Diagnoses): a mistake is named only when it reproduces every failing
case of the same function where it can show. Until run_checks opens a Diagnoses around its checks, this test
runs the checks the way run_checks would with it (the proposed three lines)."""

from grader.grading.checking import HangGuard, collect, run_one
from grader.grading.compare import Diagnoses
from grader.sandbox.runner import Sandbox
from grader.grading.where import SourceMap
from tests.realcode.corpus import HERE


def grade_strictly(exercise, file, seed):
    source = (HERE / file).read_text(encoding="utf-8")
    diagnoses, outcomes = Diagnoses(), []
    with Sandbox(source, file) as sandbox:
        guarded = HangGuard(sandbox)
        for chk in collect(exercise):
            with diagnoses.during(chk.info.name):
                outcomes.append(run_one(chk, guarded, seed, SourceMap.of(source, file, ())))
    return diagnoses.settle(outcomes)


def test_a_coincidence_on_one_case_is_not_named():
    """Cropping only at the bottom/right equals "k zeros instead of k-1" at padding 1, and equals other mistakes
    on other cases; only mistakes that explain every failing case are left. (Zeros put before each entry shift
    by s-1 exactly as this crop shifts by p: when p == s-1 on every strided case, both stay, as alternatives.)"""
    for seed in (11, 12):
        failed = [o for o in grade_strictly("exercise3", "ex3_crop_end_only.py", seed) if o.status == "failed"]
        assert failed
        for o in failed:
            assert "k zeros instead of k-1" not in o.message
            assert "cropped only at the bottom/right" in o.message, o.message


def test_a_name_that_fails_elsewhere_gives_way_to_what_kind_of_error():
    """np.rot90 without axes leaves a 1x1 bank unrotated ("not rotated" matches there) but not a C == F bank:
    the strict rule drops "not rotated" and says what is wrong instead."""
    outcomes = grade_strictly("exercise3", "ex3_rot90_no_axes.py", 11)
    for o in outcomes:
        if o.name.startswith("conv_backward_input") and o.status == "failed":
            assert "not rotated by 180°" not in o.message, o.message
            assert "Looks like: the kernel was rotated over its first two axes" in o.message or \
                   "What is wrong:" in o.message, o.message
