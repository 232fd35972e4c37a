"""The `grade` command through Click's CliRunner: scores, output, result files, exit codes."""

import inspect
import json
import math
import os
import shutil
import time
from pathlib import Path

import nbformat
import pytest
from click.testing import CliRunner

from grader.cli.common import Threshold, parse_size, under_threshold
from grader.cli.main import main
from grader.grading.project import MANIFEST
from grader.release.build import course_files, exercise_files
from grader import registry

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A student's project: exercises/ with the generated stubs, cwd inside it."""
    shutil.copytree(ROOT / "exercises", tmp_path / "exercises")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_solution_scores_full_marks_and_writes_a_result(project):
    result = run("exercise3", "--submission", str(ROOT / "solutions" / "exercise3.py"), "--seed", "11")
    assert result.exit_code == 0, result.output
    saved = json.loads((project / ".grade" / "results" / "exercise3.json").read_text())
    assert saved["score"] == saved["max_score"] > 0
    assert saved["seed"] == 11 and saved["exercise"] == "exercise3"
    assert f"Score: {saved['score']:g} / {saved['max_score']:g}" in result.output
    assert {t["visibility"] for t in saved["tests"]} == {"visible"}  # hidden checks need --hidden


def test_stub_scores_zero_with_not_implemented(project):
    result = run("exercise4", "--seed", "3")
    assert result.exit_code == 0
    assert "Score: 0 /" in result.output
    assert result.output.count("not implemented yet") >= 2
    assert "Traceback" not in result.output


def test_json_output_is_the_result_object(project):
    result = run("exercise2", "--json", "--seed", "5")
    data = json.loads(result.output)
    assert set(data) >= {"score", "max_score", "execution_time", "tests", "exercise", "seed",
                         "submission_sha256", "grader_version"}
    assert all(set(t) >= {"name", "score", "max_score", "status", "output", "visibility"} for t in data["tests"])
    assert data["seed"] == 5 and data["score"] == 0


def test_hidden_checks_run_with_hidden_flag(project):
    result = run("exercise4", "--submission", str(ROOT / "solutions" / "exercise4.py"), "--hidden", "--json")
    data = json.loads(result.output)
    assert {t["visibility"] for t in data["tests"]} == {"visible", "hidden"}
    assert data["score"] == data["max_score"]


def test_missing_submission_is_a_clear_error_with_a_zero_result(project):
    result = run("exercise3", "--submission", "nowhere.py")
    assert result.exit_code == 1
    assert "submission not found: nowhere.py" in result.output
    saved = json.loads((project / ".grade" / "results" / "exercise3.json").read_text())
    assert saved["score"] == 0 and "not found" in saved["error"]


def test_submission_of_another_exercise_is_refused(project):
    result = run("exercise3", "--submission", str(ROOT / "solutions" / "exercise4.py"))
    assert result.exit_code == 1
    assert "looks like exercise4" in result.output


def test_fail_under(project):
    assert run("exercise4", "--fail-under", "1").exit_code == 2
    solution = str(ROOT / "solutions" / "exercise4.py")
    assert run("exercise4", "--submission", solution, "--fail-under", "1").exit_code == 0


def test_all_grades_every_exercise(project):
    result = run("all", "--seed", "1")
    assert result.exit_code == 0
    assert result.output.count("Score: 0 /") == len(registry.names()) and "Total: 0 /" in result.output


def test_list_shows_points_and_last_score(project):
    run("exercise4", "--submission", str(ROOT / "solutions" / "exercise4.py"))
    result = run("list")
    line = next(line for line in result.output.splitlines() if line.startswith("exercise4"))
    public, hidden, last = line.split()[1:4]
    assert float(public) > 0 and float(hidden) > 0
    assert last == f"{float(public):g}/{float(public):g}"


def test_outside_a_project_without_submission(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["exercise3"])
    assert result.exit_code == 1 and "no exercises/ folder" in result.output


def test_parse_size():
    assert parse_size("1G") == 2**30 and parse_size("512M") == 512 * 2**20 and parse_size("2GiB") == 2**31
    with pytest.raises(Exception, match="not a size"):
        parse_size("lots")


def test_stubs_command_regenerates_and_checks(tmp_path, monkeypatch):
    shutil.copytree(ROOT / "solutions", tmp_path / "solutions")
    shutil.copytree(ROOT / "exercises", tmp_path / "exercises")
    monkeypatch.chdir(tmp_path)
    assert run("stubs", "--check").output.strip() == "exercises/ is up to date"
    (tmp_path / "exercises" / "exercise2.py").write_text("# edited by hand\n")
    stale = CliRunner().invoke(main, ["stubs", "--check"])
    assert stale.exit_code == 1 and "out of date" in stale.output and "exercise2.py" in stale.output
    assert run("stubs").exit_code == 0
    assert (tmp_path / "exercises" / "exercise2.py").read_text() == (ROOT / "exercises" / "exercise2.py").read_text()
    source = (tmp_path / "solutions" / "exercise3.py").read_text()
    (tmp_path / "solutions" / "exercise3.py").write_text(source.replace("# END SOLUTION", "", 1))
    broken = CliRunner().invoke(main, ["stubs"])
    assert broken.exit_code == 1 and "exercise3.py:" in broken.output


def run_split(*args):
    """`run`, with the command's stderr apart in result.stderr (Click 8.1 needs mix_stderr=False for that)."""
    runner = CliRunner(mix_stderr=False) if "mix_stderr" in inspect.signature(CliRunner).parameters else CliRunner()
    return runner.invoke(main, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def release_texts():
    """exercises/ (stubs and notebooks) and the manifest of a student release, as `grade release` makes them."""
    files = exercise_files(ROOT)
    return {**files, MANIFEST: course_files(ROOT, files)[MANIFEST]}


@pytest.fixture
def release_project(tmp_path, monkeypatch, release_texts):
    """A student's copy of a release, cwd inside it."""
    for relpath, text in release_texts.items():
        (tmp_path / relpath).parent.mkdir(exist_ok=True)
        (tmp_path / relpath).write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def save_notebook_later(path: Path, edit) -> None:
    """Rewrite a notebook as Jupyter would, after `edit(nb)`, and make it the file saved last."""
    nb = nbformat.read(path, as_version=4)
    nb.metadata["language_info"] = {"name": "python", "version": "3.12.1"}
    for count, cell in enumerate((c for c in nb.cells if c.cell_type == "code"), start=1):
        cell.execution_count = count
    edit(nb)
    nbformat.write(nb, path)
    later = time.time() + 5
    os.utime(path, (later, later))


def test_an_autosaved_stub_notebook_does_not_take_grading_from_the_solved_py(release_project):
    exercises = release_project / "exercises"
    shutil.copy(ROOT / "solutions" / "exercise4.py", exercises / "exercise4.py")
    save_notebook_later(exercises / "exercise4.ipynb", lambda nb: None)
    result = run_split("exercise4", "--seed", "2")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    saved = json.loads((release_project / ".grade" / "results" / "exercise4.json").read_text())
    assert saved["score"] == saved["max_score"] > 0 and saved["submission"].endswith("exercise4.py")


def test_grading_says_in_one_line_which_file_when_both_were_changed(release_project):
    exercises = release_project / "exercises"
    shutil.copy(ROOT / "solutions" / "exercise4.py", exercises / "exercise4.py")
    save_notebook_later(exercises / "exercise4.ipynb", lambda nb: nb.cells.append(nbformat.v4.new_code_cell("x = 1")))
    result = run_split("exercise4", "--json", "--seed", "2")
    assert result.exit_code == 0, result.output
    [note] = result.stderr.splitlines()
    assert "exercises/exercise4.py and exercises/exercise4.ipynb both" in note
    assert "grading exercises/exercise4.ipynb" in note and "--submission exercises/exercise4.py" in note
    assert json.loads(result.stdout)["submission"].endswith("exercise4.ipynb")


def test_list_shows_whose_the_last_score_is(project):
    (project / "solutions").mkdir()
    shutil.copy(ROOT / "solutions" / "exercise3.py", project / "solutions" / "exercise3.py")
    assert run("exercise3", "--submission", "solutions/exercise3.py").exit_code == 0
    run("exercise4")  # the stub: its own 0
    run("exercise2")
    (project / "exercises" / "exercise2.py").write_text((ROOT / "solutions" / "exercise2.py").read_text())
    top = {ex: json.loads((project / ".grade" / "results" / f"{ex}.json").read_text())["max_score"]
           for ex in ("exercise2", "exercise3", "exercise4")}
    output = run("list").output.splitlines()
    lines = {line.split()[0]: line for line in output}
    assert f" {top['exercise3']:g}/{top['exercise3']:g} (solutions/exercise3.py) " in lines["exercise3"]
    assert f" 0/{top['exercise2']:g} (older version) " in lines["exercise2"]
    assert lines["exercise4"].split()[3:] == [f"0/{top['exercise4']:g}", "exercises/exercise4.py"]
    assert lines["exercise1"].split()[3:] == ["-", "exercises/exercise1.py"]
    column = output[0].index("submission")
    assert all(line.index("exercises/exercise") == column for line in output[1:])


def test_the_fail_under_line():
    assert under_threshold(Threshold(80, True), 30, 42) == (
        "score 30 / 42 (71%) is under the --fail-under threshold 80% (33.6 points)")
    assert under_threshold(Threshold(80, True), 33.6, 42) is None
    assert "(69%)" in under_threshold(Threshold(70, True), 20.9, 30)  # rounded down: never looks like 70%
    assert under_threshold(Threshold(40, False), 39.5, 42) == (
        "score 39.5 / 42 (94%) is under the --fail-under threshold 40 points")
    assert under_threshold(Threshold(40, False), 40, 42) is None


def test_fail_under_takes_points_or_a_percentage_of_the_maximum(project):
    solution = str(ROOT / "solutions" / "exercise4.py")
    stub = run_split("exercise4", "--fail-under", "80%", "--seed", "1")
    top = json.loads((project / ".grade" / "results" / "exercise4.json").read_text())["max_score"]
    assert stub.exit_code == 2
    assert stub.stderr.strip() == (
        f"score 0 / {top:g} (0%) is under the --fail-under threshold 80% ({80 * top / 100:g} points)")
    assert run_split("exercise4", "--submission", solution, "--fail-under", "100%").exit_code == 0
    assert run_split("exercise4", "--submission", solution, "--fail-under", f"{top:g}").exit_code == 0
    more = run_split("exercise4", "--submission", solution, "--fail-under", f"{top + 0.5:g}")
    assert more.exit_code == 2 and f"the --fail-under threshold {top + 0.5:g} points" in more.stderr


def test_all_fail_under_compares_the_total_with_the_sum_of_the_maxima(project):
    shutil.copy(ROOT / "solutions" / "exercise4.py", project / "exercises" / "exercise4.py")
    results = project / ".grade" / "results"
    passed = run_split("all", "--seed", "4", "--fail-under", "1")
    assert passed.exit_code == 0, passed.output
    saved = {ex: json.loads((results / f"{ex}.json").read_text()) for ex in registry.names()}
    total, top = sum(r["score"] for r in saved.values()), sum(r["max_score"] for r in saved.values())
    assert total == saved["exercise4"]["max_score"] and 15 * top / 100 > total  # exercise4's points only: under 15%
    assert run_split("all", "--seed", "4", "--fail-under", f"{total:g}").exit_code == 0
    missed = run_split("all", "--seed", "4", "--fail-under", "15%")
    assert missed.exit_code == 2
    assert missed.stderr.strip() == (f"score {total:g} / {top:g} ({math.floor(100 * total / top)}%) is under the "
                                     f"--fail-under threshold 15% ({15 * top / 100:g} points)")


@pytest.mark.parametrize("value, why", [("abc", "'abc' is not a number of points or a percentage"),
                                        ("120%", "'120%' is more than 100%"), ("-5", "'-5' is negative")])
def test_fail_under_refuses_bad_values_by_name(project, value, why):
    result = run_split("exercise4", "--fail-under", value)
    assert result.exit_code == 2
    assert "Invalid value for '--fail-under'" in result.stderr and why in result.stderr
    assert not (project / ".grade").exists()  # refused before anything was graded
