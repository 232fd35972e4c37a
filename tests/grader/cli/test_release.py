"""The commands `grade release OUT` and `grade autograder OUT.zip` through Click: help with examples, clear
errors for a missing or wrong path (exit status 1 for a refused path, 2 for a bad option), --force."""

import json
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli.main import main

ROOT = Path(__file__).resolve().parents[3]


def invoke(*args):
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    return result


@pytest.mark.parametrize("command, example", [("release", "grade release ../course-2025"),
                                              ("autograder", "grade autograder autograder.zip")])
def test_help_shows_an_example(command, example):
    result = invoke(command, "--help")
    assert result.exit_code == 0 and "Examples:" in result.output and example in result.output


def test_release_writes_then_refuses_a_non_empty_out_unless_forced(tmp_path):
    out = tmp_path / "course"
    first = invoke("release", out, "--project", ROOT)
    assert first.exit_code == 0, first.output
    assert "Wrote the student release" in first.output and "exercise3 21" in first.output
    assert (out / "exercises" / "exercise3.ipynb").is_file() and (out / "pyproject.toml").is_file()
    (out / "stale.txt").write_text("from an older release")
    again = invoke("release", out, "--project", ROOT)
    assert again.exit_code == 1 and "exists and is not empty; pass --force" in again.output
    assert (out / "stale.txt").exists()
    forced = invoke("release", out, "--project", ROOT, "--force")
    assert forced.exit_code == 0 and not (out / "stale.txt").exists()
    assert (out / "exercises" / "exercise3.py").is_file()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".course.")]  # no staging folder left


def test_release_path_errors(tmp_path):
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    result = invoke("release", a_file, "--project", ROOT)
    assert result.exit_code == 1 and "exists and is not a folder" in result.output
    result = invoke("release", tmp_path / "out", "--project", tmp_path / "missing")
    assert result.exit_code == 2 and "is not a folder" in result.output
    result = invoke("release", tmp_path / "out", "--project", tmp_path)
    assert result.exit_code == 1 and "no solutions/ folder" in result.output
    project = tmp_path / "course-src"  # a stand-in for the instructor's tree: OUT must never replace it
    for name in ("solutions", "grader", "reference"):
        (project / name).mkdir(parents=True)
    (project / "solutions" / "exercise3.py").write_text("answers")
    for out in (project, tmp_path):  # the project itself, a folder holding it
        result = invoke("release", out, "--project", project, "--force")
        assert result.exit_code == 1 and "refusing to replace" in result.output
    assert (project / "solutions" / "exercise3.py").read_text() == "answers"
    result = invoke("release")
    assert result.exit_code == 2 and "Missing argument 'OUT'" in result.output


def test_autograder_writes_a_zip_and_checks_its_path_and_options(tmp_path):
    out = tmp_path / "ag.zip"
    made = invoke("autograder", out, "--project", ROOT, "--exercise", "exercise3", "--hidden-visibility", "hidden",
                  "--timeout", "3", "--memory", "512M")
    assert made.exit_code == 0, made.output
    assert "grades exercise3 on Gradescope" in made.output
    config = json.loads(zipfile.ZipFile(out).read("autograder.json"))
    assert config["exercises"] == ["exercise3"] and config["hidden_visibility"] == "hidden"
    assert config["timeout"] == 3.0 and config["memory"] == 512 * 2**20
    again = invoke("autograder", out, "--project", ROOT)
    assert again.exit_code == 1 and "exists; pass --force" in again.output
    assert invoke("autograder", out, "--project", ROOT, "--force").exit_code == 0
    assert json.loads(zipfile.ZipFile(out).read("autograder.json"))["exercises"][0] == "exercise1"
    for args, code, words in [
        ((tmp_path / "ag.tar",), 1, "must be a .zip file"),
        ((tmp_path / "nowhere" / "ag.zip",), 1, "no folder"),
        ((tmp_path,), 1, "must be a .zip file"),
        ((tmp_path / "x.zip", "--memory", "lots"), 2, "is not a size"),
        ((tmp_path / "x.zip", "--timeout", "0"), 2, "positive number of seconds"),
        ((tmp_path / "x.zip", "--exercise", "exercise99"), 2, "exercise99"),
        ((tmp_path / "x.zip", "--project", tmp_path / "missing"), 2, "is not a folder"),
    ]:
        result = invoke("autograder", *args, *(() if "--project" in args else ("--project", ROOT)))
        assert result.exit_code == code and words in result.output, (args, result.output)


def test_release_classroom_and_autograder_platform_options(tmp_path):
    out = tmp_path / "template"
    made = invoke("release", out, "--project", ROOT, "--classroom")
    assert made.exit_code == 0, made.output
    assert "GitHub Classroom" in made.output and (out / ".github" / "workflows" / "classroom.yml").is_file()
    pl = invoke("autograder", tmp_path / "pl.zip", "--project", ROOT, "--platform", "prairielearn",
                "--exercise", "exercise2", "--timeout", "4")
    assert pl.exit_code == 0 and "on PrairieLearn" in pl.output and "serverFilesCourse" in pl.output, pl.output
    config = json.loads(zipfile.ZipFile(tmp_path / "pl.zip").read("cnn_grader/autograder.json"))
    assert config["exercises"] == ["exercise2"] and config["timeout"] == 4 and config["memory"] == 384 * 2**20
    wrong = invoke("autograder", tmp_path / "x.zip", "--project", ROOT, "--platform", "moodle")
    assert wrong.exit_code == 2 and "moodle" in wrong.output
    assert "--platform prairielearn" in invoke("autograder", "--help").output
    assert "--classroom" in invoke("release", "--help").output
    assert "Examples:" in invoke("classroom-report", "--help").output
