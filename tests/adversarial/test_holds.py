"""Every attack earns what its honest part earns, every fault costs only its own checks and says what happened,
no run outlasts its time limits by more than a small constant, and nothing of a run outlives it.

Each case is a file in submissions/ graded through the real path (grade_file: read, sandbox, checks, scores).
"""

import re
from pathlib import Path

import pytest

SUBMISSIONS = Path(__file__).parent / "submissions"

WEIGHTS, BIAS = "conv_backward_weights", "conv_backward_bias"
TIMED_OUT = r"timed out after 0\.5 s"  # the first call says "timed out after 0.5 s", later checks "not run: ..."
LOAD = "^the submission could not be loaded: "

# case file: (honest twin, the function the attack or fault is in, what its checks must say; None: anything
# but a grader error[, a longer time limit]). The twin None means nothing in the file is honest: every check
# scores 0. Filling 512 MiB one touched MiB at a time can take more than 0.5 s on a busy machine.
CASES = {
    "cheat_patch_numpy.py": ("honest_bias", WEIGHTS, r"wrong values"),
    "cheat_patch_builtins.py": ("honest_bias", WEIGHTS, r"returned shape \(1, 1, 1, 1\)"),
    "cheat_patch_pytest.py": ("honest_bias", WEIGHTS, r"returned a _Anything object"),
    "cheat_crafted_objects.py": ("honest_bias", WEIGHTS, None),
    "cheat_forge_reply.py": ("honest_bias", WEIGHTS, r"returned shape"),
    "cheat_lazy_alias.py": ("honest_bias", WEIGHTS, r"wrong values"),
    "cheat_read_secrets.py": ("honest_bias", WEIGHTS, r"wrong values"),
    "cheat_write_files.py": ("honest_bias", WEIGHTS, r"returned shape \(3,\)"),
    "cheat_fake_output.py": ("honest_bias", WEIGHTS, r"^raised ValueError: "),
    "cheat_kill_others.py": ("honest_bias", WEIGHTS, r"returned shape \(4,\)"),
    "cheat_wrapped.py": ("honest_full", None, None),
    "notebook_magics.ipynb": ("honest_bias", WEIGHTS, r"returned shape \(1, 1, 1, 1\)"),
    "fault_loop.py": ("honest_weights", BIAS, TIMED_OUT),
    "fault_generator.py": ("honest_weights", BIAS, TIMED_OUT),
    "fault_sleep.py": ("honest_weights", BIAS, TIMED_OUT),
    "fault_ignore_signals.py": ("honest_weights", BIAS, TIMED_OUT),
    "fault_fork_bomb.py": ("honest_weights", BIAS, TIMED_OUT),
    "fault_memory_numpy.py": ("honest_weights", BIAS, r"^used more than 512 MiB of memory$"),
    "fault_memory_list.py": ("honest_weights", BIAS, r"^used more than 512 MiB of memory$", 3.0),
    "fault_recursion.py": ("honest_weights", BIAS, r"^raised RecursionError: maximum recursion depth exceeded"),
    # Python 3.12 and later guard the C stack and raise RecursionError where 3.10 and 3.11 overflow it
    "fault_stack_overflow.py": ("honest_weights", BIAS, r"^(the worker crashed \(signal SIGSEGV\)$|raised RecursionError)"),
    "fault_sys_exit.py": ("honest_weights", BIAS, r"^the submission called sys\.exit\(0\)$"),
    "fault_os_exit.py": ("honest_weights", BIAS, r"^the submission called os\._exit\(0\)$"),
    "fault_kill_self.py": ("honest_weights", BIAS, r"^the worker crashed \(signal SIGKILL\)$"),
    "fault_segfault.py": ("honest_weights", BIAS, r"^the worker crashed \(signal SIGSEGV\)$"),
    "fault_close_streams.py": ("honest_weights", BIAS, r"^the worker crashed \(the submission closed its connection"),
    "fault_thread.py": ("honest_full", None, None),
    "fault_big_output.py": ("honest_full", None, None),
    "notebook_v3.ipynb": ("honest_full", None, None),
    "fault_loop_import.py": (None, "", LOAD + r"timed out after 0\.5 s while loading$"),
    "fault_syntax_error.py": (None, "", LOAD + r"raised SyntaxError: .*line 6\)$"),
    "fault_import_error.py": (None, "", LOAD + r"raised ModuleNotFoundError: No module named 'numpy_but_faster'$"),
    "fault_empty.py": (None, "", r"^the submission has no function `conv_backward_(weights|bias)`$"),
}


def test_every_submission_file_is_a_case():
    files = {p.name for p in SUBMISSIONS.iterdir() if p.is_file() and not p.name.startswith("honest_")}
    others = {"cheat_beside.py", "notebook_not_json.ipynb", "notebook_no_code.ipynb"}  # test_files.py
    assert files == set(CASES) | others


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_grade_is_the_honest_part(case, kit, writable_folder, nothing_outlives):
    honest, function, message, *timeout = CASES[case]
    limits = kit.LIMITS._replace(timeout=timeout[0]) if timeout else kit.LIMITS
    result, seconds = kit.grade(kit.copy_submission(case, writable_folder), limits=limits)
    nothing_outlives(case)
    assert "error" not in result
    assert kit.scores(result) == kit.twin(honest), f"{case} earned more or less than its honest part"
    for test in result["tests"]:
        assert "grader error" not in test["output"]
        if function is not None and test["name"].startswith(function):
            assert test["score"] == 0
            if message is not None:
                assert re.search(message, test["output"], re.MULTILINE), f"{test['name']}: {test['output']}"
    assert seconds <= kit.time_limits_used(result, limits) + kit.SLACK, f"{case} took {seconds:.2f} s"


@pytest.mark.parametrize("case", ["fault_loop.py", "fault_memory_numpy.py", "fault_kill_self.py"])
def test_hidden_checks_hold_too(case, kit, nothing_outlives):
    honest, function, message = CASES[case]
    result, seconds = kit.grade(SUBMISSIONS / case, hidden=True)
    nothing_outlives()
    assert kit.scores(result) == kit.twin(honest, hidden=True)
    assert [re.search(message, t["output"]) is not None for t in result["tests"]] == [
        t["name"].startswith(function) for t in result["tests"]]
    assert seconds <= kit.time_limits_used(result) + kit.SLACK


def test_a_fault_costs_one_time_limit_per_function_not_per_check(kit, nothing_outlives):
    result, seconds = kit.grade(SUBMISSIONS / "fault_sleep.py", hidden=True)
    nothing_outlives()
    hung = [t["output"] for t in result["tests"] if t["name"].startswith(BIAS)]
    assert len(hung) == 3 and hung[0] == "timed out after 0.5 s"
    assert all(o == "not run: `conv_backward_bias` already timed out after 0.5 s in an earlier check" for o in hung[1:])
    assert seconds <= kit.LIMITS.timeout + kit.SLACK


def test_enormous_output_is_cut_and_marked(kit, nothing_outlives):
    result, _ = kit.grade(SUBMISSIONS / "fault_big_output.py")
    nothing_outlives()
    printed = result["output"].split("the submission printed:\n", 1)[1]
    assert printed.startswith("| yyyy") and printed.endswith("| [... truncated]\n")
    assert kit.LIMITS.output < len(printed) < kit.LIMITS.output + 200  # the first 64 KiB, each line behind "| "
