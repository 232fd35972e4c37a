"""grader/registry.py: an exercise is solutions/exerciseN.py plus grader/exercises/exerciseN/, and nothing else.

The newcomer's test: copy exercise 4's two places under a new name and every command knows the new exercise.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from grader import registry

ROOT = Path(__file__).resolve().parents[2]
GRADE = "import sys; sys.path.insert(0, '.'); from grader.cli.main import main; main()"


def test_the_exercises_are_the_folders_in_order_with_their_functions():
    names = registry.names()
    assert names[:4] == ("exercise1", "exercise2", "exercise3", "exercise4")
    assert [e.number for e in registry.exercises()] == sorted(e.number for e in registry.exercises())
    assert registry.get("exercise3").functions == ("rot180", "full_convolve", "conv_backward_input")
    assert registry.get("exercise1").public_data == ("known.json",)
    assert registry.checks_module("exercise4").__name__ == "grader.exercises.exercise4.checks"
    with pytest.raises(registry.UnknownExercise, match="unknown exercise 'exercise99'; known: exercise1, "):
        registry.get("exercise99")


def _copy_project(tmp_path: Path) -> Path:
    project = tmp_path / "course"
    for name in ("grader", "reference", "exercises"):
        shutil.copytree(ROOT / name, project / name, ignore=shutil.ignore_patterns("__pycache__"))
    (project / "solutions").mkdir()
    for name in registry.names():
        shutil.copy(ROOT / "solutions" / f"{name}.py", project / "solutions" / f"{name}.py")
    shutil.copy(ROOT / "solutions" / "__init__.py", project / "solutions" / "__init__.py")
    # the newcomer's two steps: exercise 4's solution and folder under a new name, the name replaced inside
    text = (ROOT / "solutions" / "exercise4.py").read_text(encoding="utf-8")
    (project / "solutions" / "exercise9.py").write_text(text.replace("exercise4", "exercise9"), encoding="utf-8")
    shutil.copytree(ROOT / "grader" / "exercises" / "exercise4", project / "grader" / "exercises" / "exercise9",
                    ignore=shutil.ignore_patterns("__pycache__"))
    for path in (project / "grader" / "exercises" / "exercise9").glob("*.py"):
        path.write_text(path.read_text(encoding="utf-8").replace("exercise4", "exercise9"), encoding="utf-8")
    return project


def _grade(project: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", GRADE, *args], cwd=project, capture_output=True, text=True,
                          timeout=300)


def test_an_exercise_copied_into_two_places_is_known_to_every_command(tmp_path):
    project = _copy_project(tmp_path)
    where = subprocess.run([sys.executable, "-c", "import sys; sys.path.insert(0, '.'); import grader; "
                            "print(grader.__file__)"], cwd=project, capture_output=True, text=True)
    assert Path(where.stdout.strip()).resolve() == project / "grader" / "__init__.py"  # the copy runs, not ours

    stubs = _grade(project, "stubs")
    assert stubs.returncode == 0, stubs.stderr
    assert (project / "exercises" / "exercise9.py").is_file()

    listed = _grade(project, "list")
    assert listed.returncode == 0, listed.stderr
    row = next(line for line in listed.stdout.splitlines() if line.startswith("exercise9"))
    assert row.split()[:3] == ["exercise9", "13", "7"]  # exercise 4's public and hidden points

    full = _grade(project, "exercise9", "--submission", "solutions/exercise9.py", "--seed", "3")
    assert full.returncode == 0, full.stderr
    assert "Score: 13 / 13" in full.stdout
    stub = _grade(project, "exercise9", "--seed", "3")
    assert "Score: 0 / 13" in stub.stdout and "not implemented yet" in stub.stdout

    release = _grade(project, "release", str(tmp_path / "release"))
    assert release.returncode == 0, release.stderr
    shipped = tmp_path / "release"
    assert (shipped / "exercises" / "exercise9.py").is_file() and (shipped / "exercises" / "exercise9.ipynb").is_file()
    checks = (shipped / "grader" / "exercises" / "exercise9" / "checks.py").read_text(encoding="utf-8")
    assert "hidden=True" not in checks and "def test_dw_single" in checks
    assert '"exercise9"' in (shipped / ".cnnkit-release.json").read_text(encoding="utf-8")
