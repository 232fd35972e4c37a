"""The `grade` command through Click's CliRunner: scores, output, result files, exit codes."""

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import main, parse_size

ROOT = Path(__file__).resolve().parents[2]


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
    assert result.output.count("Score: 0 /") == 4 and "Total: 0 /" in result.output


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
