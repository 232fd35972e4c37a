"""GitHub Classroom and PrairieLearn: the reports `grade` writes for them, checked against each platform's format
(GitHub Classroom's autograding reporter reads {version, status, max_score, tests}; PrairieLearn's external
grader reads /grade/results/results.json), the Classroom workflow of `grade release --classroom`, and the
PrairieLearn bundle run as PrairieLearn runs it."""

import base64
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.release import prairielearn
from grader.release.autograder import bundle_config, make_bundle
from grader.grading.checking import collect
from grader.course.classroom import STATUSES, classroom_report
from grader.cli.main import main
from grader.grading.grade import grade_file
from grader.release.build import make_release
from grader.release.text import REPORTER, WORKFLOW_PATH
from grader import registry

EXERCISES = registry.names()

ROOT = Path(__file__).resolve().parents[3]
SYNTAX_ERROR = "def rot180(kernel:\n    return kernel\n"
UNROTATED = ("kernel = rot180(w).transpose(1, 0, 2, 3)", "kernel = w.transpose(1, 0, 2, 3)")


def public_marks(exercise):
    return sum(c.info.points for c in collect(exercise, include_hidden=False))


def check_reporter_format(report: dict) -> None:
    """What the autograding reporter reads: keys and types, statuses, and points that add up."""
    assert set(report) == {"version", "status", "max_score", "tests"} and report["version"] == 1
    assert report["status"] in STATUSES and isinstance(report["max_score"], (int, float))
    assert report["tests"] and isinstance(report["tests"], list)
    for test in report["tests"]:
        assert {"name", "status", "score", "message"} <= set(test), test
        assert isinstance(test["name"], str) and isinstance(test["message"], str) and test["message"]
        assert test["status"] in STATUSES and isinstance(test["score"], (int, float)) and test["score"] >= 0
        assert test["status"] != "pass" or test["score"] > 0
    statuses = {t["status"] for t in report["tests"]}
    assert report["status"] == ("error" if "error" in statuses else "fail" if "fail" in statuses else "pass")
    assert sum(t["score"] for t in report["tests"]) <= report["max_score"]


def grade(exercise, tmp_path, source=None, name=None):
    path = tmp_path / (name or f"{exercise}.py")
    path.write_text(source if source is not None else (ROOT / "solutions" / f"{exercise}.py").read_text())
    return grade_file(exercise, path, seed=11)


def test_classroom_reports_each_check_with_its_points(tmp_path):
    solved = classroom_report(grade("exercise3", tmp_path), command="grade exercise3")
    check_reporter_format(solved)
    assert solved["status"] == "pass" and solved["max_score"] == public_marks("exercise3")
    assert sum(t["score"] for t in solved["tests"]) == public_marks("exercise3")
    assert {t["score"] for t in solved["tests"]} == {1, 2, 3}  # the checks' own points, not an equal split
    wrong = (ROOT / "solutions" / "exercise3.py").read_text().replace(*UNROTATED)
    partial = classroom_report(grade("exercise3", tmp_path, wrong, "wrong.py"))
    check_reporter_format(partial)
    assert partial["status"] == "fail" and 0 < sum(t["score"] for t in partial["tests"]) < partial["max_score"]
    assert any("not rotated by 180" in t["message"] for t in partial["tests"] if t["status"] == "fail")
    stub = classroom_report(grade("exercise4", tmp_path, (ROOT / "exercises" / "exercise4.py").read_text()))
    check_reporter_format(stub)
    assert stub["status"] == "fail" and sum(t["score"] for t in stub["tests"]) == 0
    for source, name in ((SYNTAX_ERROR, "broken.py"), ((ROOT / "solutions" / "exercise4.py").read_text(), "x.py")):
        broken = classroom_report(grade("exercise3", tmp_path, source, name))  # cannot load; the wrong exercise
        check_reporter_format(broken)
        assert broken["status"] == "error" and broken["max_score"] == public_marks("exercise3")


def test_classroom_report_command_writes_the_step_output(tmp_path):
    (tmp_path / "answer.py").write_text((ROOT / "solutions" / "exercise2.py").read_text())
    output = tmp_path / "github_output"
    output.write_text("earlier=1\n")  # $GITHUB_OUTPUT collects every step's outputs: append
    run = CliRunner().invoke(main, ["classroom-report", "exercise2", "--submission", str(tmp_path / "answer.py"),
                                    "--github-output", str(output), "--seed", "3"])
    assert run.exit_code == 0, run.output
    first, line = output.read_text().splitlines()
    assert first == "earlier=1" and line.startswith("result=")
    report = json.loads(base64.b64decode(line.removeprefix("result=")))
    check_reporter_format(report)
    assert report["status"] == "pass" and report["max_score"] == public_marks("exercise2")
    (tmp_path / "bad.py").write_text(SYNTAX_ERROR)
    shown = CliRunner().invoke(main, ["classroom-report", "exercise3", "--submission", str(tmp_path / "bad.py"),
                                      "--json"])
    assert shown.exit_code == 0 and json.loads(shown.output)["status"] == "error"  # the reporter step still runs


def yaml_tree(text: str) -> list:
    """A minimal reading of block YAML: (indent, key or "- item", value) lines, checking indentation only."""
    lines = []
    for raw in text.splitlines():
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        assert "\t" not in raw, raw
        indent = len(raw) - len(raw.lstrip(" "))
        assert indent % 2 == 0, raw
        body = raw.strip()
        if body.startswith("- "):
            lines.append((indent, "-", body[2:]))
        else:
            key, sep, value = body.partition(":")
            assert sep, raw
            lines.append((indent, key.strip('"'), value.strip()))
    return lines


def test_release_with_classroom_has_a_workflow_that_reports_every_exercise(tmp_path):
    plain = make_release(tmp_path / "plain", project=ROOT)
    assert not (plain.out / ".github").exists()
    release = make_release(tmp_path / "course", project=ROOT, classroom=True)
    text = (release.out / WORKFLOW_PATH).read_text()
    tree = yaml_tree(text)
    top = {key: value for indent, key, value in tree if indent == 0}
    assert top["name"] == "Autograding Tests" and {"on", "permissions", "jobs"} <= set(top)
    assert [v for i, k, v in tree if i == 2 and k == "-"] == ["push", "repository_dispatch", "workflow_dispatch"]
    ids = [v for i, k, v in tree if k == "id"]
    runs = [v for i, k, v in tree if k == "run"]
    assert ids == list(EXERCISES)
    assert runs == ["python -m pip install -e ."] + [
        f'grade classroom-report {e} --github-output "$GITHUB_OUTPUT"' for e in EXERCISES]
    uses = [v for i, k, v in tree if k == "uses"]
    assert uses[0] == "actions/checkout@v4" and uses[-1] == REPORTER  # the reporter runs last
    env = {k: v for i, k, v in tree if k.endswith("_RESULTS")}
    assert env == {f"{e.upper()}_RESULTS": f'"${{{{ steps.{e}.outputs.result }}}}"' for e in EXERCISES}
    assert [v for i, k, v in tree if k == "runners"] == [",".join(EXERCISES)]
    assert "GitHub Classroom" in (release.out / "README.md").read_text()
    assert "grader/course/classroom.py" in release.files and "grader/release/prairielearn.py" not in release.files


def check_prairielearn(results: dict) -> None:
    """PrairieLearn's results.json: gradable; a score in [0, 1] with tests, or format_errors and no score."""
    assert isinstance(results["gradable"], bool) and isinstance(results["message"], str)
    if not results["gradable"]:
        assert "score" not in results and results["format_errors"]
        assert all(isinstance(e, str) and e for e in results["format_errors"])
        return
    assert 0.0 <= results["score"] <= 1.0 and "format_errors" not in results
    for test in results["tests"]:
        assert {"name", "points", "max_points", "output", "message"} <= set(test), test
        assert 0 <= test["points"] <= test["max_points"] and isinstance(test["output"], str)
    top = sum(t["max_points"] for t in results["tests"])
    assert results["score"] == pytest.approx(sum(t["points"] for t in results["tests"]) / top)


def pl_run(tmp_path, files: dict, exercises=("exercise3",)) -> dict:
    student = tmp_path / "grade" / "student"
    shutil.rmtree(student, ignore_errors=True)
    student.mkdir(parents=True)
    for name, text in files.items():
        (student / name).write_text(text)
    results = prairielearn.run(tmp_path / "grade", bundle_config(), exercises=list(exercises), seed=5)
    assert json.loads((tmp_path / "grade" / "results" / "results.json").read_text()) == results
    check_prairielearn(results)
    return results


def test_prairielearn_results_follow_its_format(tmp_path):
    solution = (ROOT / "solutions" / "exercise3.py").read_text()
    full = pl_run(tmp_path, {"exercise3.py": solution})
    assert full["gradable"] and full["score"] == 1.0
    hidden = [t for t in full["tests"] if "hidden checks" in t["name"]]
    assert len(hidden) == 1 and hidden[0]["output"] == ""  # the hidden cases stay unknown
    assert sum(t["max_points"] for t in full["tests"]) == sum(c.info.points for c in collect("exercise3"))
    partial = pl_run(tmp_path, {"exercise3.py": solution.replace(*UNROTATED)})
    assert partial["gradable"] and 0 < partial["score"] < 1
    stub = pl_run(tmp_path, {"exercise3.py": (ROOT / "exercises" / "exercise3.py").read_text()})
    assert stub["gradable"] and stub["score"] == 0
    for files, words in [({"exercise3.py": SYNTAX_ERROR}, "could not be loaded"),
                         ({"exercise3.ipynb": "{not json"}, "exercise3"),
                         ({"notes.txt": "hello"}, "no file for exercise3"),
                         ({"exercise3.py": (ROOT / "solutions" / "exercise4.py").read_text()}, "looks like exercise4")]:
        refused = pl_run(tmp_path, files)
        assert not refused["gradable"] and words in " ".join(refused["format_errors"]), (files, refused)
    assert prairielearn.main(["--root", str(tmp_path / "grade"), "--config", str(tmp_path / "missing.json")]) == 1
    failed = json.loads((tmp_path / "grade" / "results" / "results.json").read_text())
    check_prairielearn(failed)
    assert not failed["gradable"] and "not because of your code" in failed["message"]


def test_prairielearn_bundle_runs_as_its_entrypoint(tmp_path):
    made = make_bundle(tmp_path / "pl.zip", project=ROOT, platform="prairielearn")
    with zipfile.ZipFile(made.path) as archive:
        modes = {i.filename: i.external_attr >> 16 for i in archive.infolist()}
        archive.extractall(tmp_path / "serverFilesCourse")
        readme = archive.read("cnn_grader/README.md").decode()
    assert modes["cnn_grader/run.sh"] & 0o111
    assert "hidden=True" in (tmp_path / "serverFilesCourse/cnn_grader/lib/grader/exercises/exercise3/checks.py").read_text()
    info = re.search(r'"externalGradingOptions": (\{.*?\n    \})', readme, re.S)[1]
    assert json.loads(info)["entrypoint"] == "/grade/serverFilesCourse/cnn_grader/run.sh exercise1"
    (tmp_path / "grade" / "student").mkdir(parents=True)
    shutil.copy(ROOT / "solutions" / "exercise4.py", tmp_path / "grade" / "student" / "exercise4.py")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    run = subprocess.run(["sh", tmp_path / "serverFilesCourse/cnn_grader/run.sh", "exercise4"], cwd=tmp_path,
                         env={**env, "GRADE_ROOT": str(tmp_path / "grade"), "GRADE_PYTHON": sys.executable},
                         capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    results = json.loads((tmp_path / "grade" / "results" / "results.json").read_text())
    check_prairielearn(results)
    assert results["gradable"] and results["score"] == 1.0
