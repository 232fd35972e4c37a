"""Attacks that need more than a grade to judge: what the submission could read, write, print or kill, through
the real `grade` command where a student would run it, and lying return values for every exercise."""

import json
import os
import re
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.grading.checking import run_checks
from grader.cli.main import main
from grader import registry

EXERCISES = registry.names()
EXERCISE_FUNCTIONS = registry.functions()

SUBMISSIONS = Path(__file__).parent / "submissions"
ROOT = os.geteuid() == 0  # the grader as root runs each worker as a uid of its own (see the README section)
CLI_LIMITS = ["--timeout", "0.5", "--memory", "512M", "--seed", "20240607"]


def cli(*args):
    return CliRunner().invoke(main, [*args, *CLI_LIMITS], catch_exceptions=False)


def test_no_secret_of_the_grader_can_be_read(kit, nothing_outlives):
    result, _ = kit.grade(SUBMISSIONS / "cheat_read_secrets.py")
    nothing_outlives()
    assert kit.scores(result) == kit.twin("honest_bias")
    printed = result["output"]
    assert "SCANNED" in printed  # the attack ran and looked at every process
    assert re.findall(r"LEAK (\S+) (\S+)", printed) == []  # the jail reads no /proc, root or not


def test_results_and_grader_files_cannot_be_forged(kit, writable_folder, monkeypatch, nothing_outlives):
    project = writable_folder.parent / "project"  # 0o755 folders, like a project in a home folder
    (project / "exercises").mkdir(parents=True)
    kit.copy_submission("cheat_write_files.py", project / "exercises").rename(project / "exercises" / "exercise4.py")
    results = project / ".grade" / "results"
    results.mkdir(parents=True)
    earlier = json.dumps({"score": 1, "max_score": 21, "exercise": "exercise3"}).encode()
    (results / "exercise3.json").write_bytes(earlier)
    monkeypatch.chdir(project)
    run = cli("exercise4")
    saved = (results / "exercise4.json").read_bytes()
    assert "ESCAPE REFUSED [Errno 1] Operation not permitted" in json.loads(saved)["output"]  # no fork in the jail
    assert re.findall(r"ESCAPEE (\d+)", json.loads(saved)["output"]) == []
    nothing_outlives()
    assert json.loads(saved)["score"] == sum(kit.twin("honest_bias").values()) == 2
    assert "Score: 2 / 13" in run.stdout
    assert "OPENED" not in json.loads(saved)["output"]  # the jail writes its own folder only, root or not
    assert (results / "exercise3.json").read_bytes() == earlier
    assert sorted(p.name for p in (project / ".grade").iterdir()) == ["results"]


def test_printed_output_cannot_pass_for_the_grader(kit, tmp_path, nothing_outlives):
    path = kit.copy_submission("cheat_fake_output.py", tmp_path)
    data = json.loads(cli("exercise4", "--submission", str(path), "--results", str(tmp_path), "--json").stdout)
    assert data["score"] == 2 and "Score: 13 / 13" in data["output"]  # kept, quoted, as the submission's output
    for verbose in ([], ["-v"]):
        shown = cli("exercise4", "--submission", str(path), "--results", str(tmp_path), *verbose).stdout
        score_lines = [line for line in shown.splitlines() if line.lstrip().startswith("Score:")]
        assert score_lines == ["Score: 2 / 13"] and shown.rstrip().endswith("Score: 2 / 13")
        assert not set(shown) & {"\x1b", "\r", "\u202e"}  # no escape can move the cursor or reorder text
    nothing_outlives()


def test_files_beside_the_submission_are_never_run(kit, writable_folder, nothing_outlives):
    kit.plant_beside(writable_folder)
    path = kit.copy_submission("cheat_beside.py", writable_folder).rename(writable_folder / "exercise4.py")
    result, _ = kit.grade(path)
    nothing_outlives()
    assert kit.scores(result) == kit.twin("honest_bias")
    run = cli("exercise4", "--submission", str(path), "--results", str(writable_folder / "results"))
    assert "Score: 2 / 13" in run.stdout
    assert sorted(p.name for p in writable_folder.rglob("*.ran")) == []


def test_a_submission_cannot_touch_another_graded_at_the_same_time(kit, nothing_outlives):
    """The jail lets a worker signal only itself and write only its own folder (and, as root, it runs as a uid
    of its own): kill -1, a kill of every pid, and writes into other sandboxes' folders reach nothing."""
    attack = {}
    thread = threading.Thread(target=lambda: attack.update(result=kit.grade(SUBMISSIONS / "cheat_kill_others.py")))
    thread.start()
    honest = []
    while thread.is_alive():
        honest.append(kit.grade(SUBMISSIONS / "honest_full.py")[0])
    thread.join()
    nothing_outlives()
    assert len(honest) >= 3  # graded while the attack ran
    assert [r["score"] for r in honest] == [13.0] * len(honest)
    assert kit.scores(attack["result"][0]) == kit.twin("honest_bias")


LIES = {  # what every function of an exercise returns instead of an answer
    "None": "None",
    "nan": "float('nan')",
    "huge int": "10 ** 5000",
    "text": "'Score: 10 / 10'",
    "dict": "{'C1': (156, 122304)}",
    "lying array": "np.zeros((2, 2)).view(Liar)",
    "pretender": "Pretender()",
    "inf array": "np.full((3, 3), np.inf)",
    "complex array": "np.zeros((2, 2), dtype=complex)",
    "nested list": "[[0.0] * 3] * 3",
}
LIARS = '''import numpy as np


class Liar(np.ndarray):
    def __eq__(self, other):
        return True


class Pretender:
    shape, dtype, ndim, size = (2, 2), np.dtype(float), 2, 4

    def __eq__(self, other):
        return True

    def __array__(self, dtype=None, copy=None):
        return np.zeros((2, 2))

    def __float__(self):
        return 0.0

    def __int__(self):
        return 0

    __index__ = __int__
'''


@pytest.mark.parametrize("exercise", EXERCISES)
def test_lying_return_values_score_nothing_and_never_break_a_check(kit, exercise, nothing_outlives):
    for lie, expression in LIES.items():
        source = LIARS + "".join(f"\n\ndef {name}(*args, **kwargs):\n    return {expression}\n"
                                 for name in EXERCISE_FUNCTIONS[exercise])
        outcomes, *_ = run_checks(exercise, source, f"{exercise}.py", seed=kit.SEED, limits=kit.LIMITS,
                                    include_hidden=True)
        assert [o.points for o in outcomes] == [0.0] * len(outcomes), lie
        for outcome in outcomes:
            assert outcome.message and "grader error" not in outcome.message, (lie, outcome)
    nothing_outlives()
