"""`grade release`: the student release holds no answer, and inside it (installed into a fresh virtual
environment) the stubs score 0 and the solutions, copied in, score full marks on the public checks.

The fresh environment sees this one's packages through a .pth line (numpy, click, nbformat, pip: no download) and
gets the release's grader installed as a wheel that our own builder makes (grader/release/autograder.py), so that the test
needs no build tool around it: setuptools differs between Pythons (3.12's venvs have none), and a test must not
lean on whatever happens to be installed. The release's pyproject.toml is checked on its own.
"""

import ast
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

import nbformat
import pytest

from grader.release.autograder import build_wheel, wheel_files
from grader.grading.checking import collect
from grader.release.build import ReleaseError, find_answers, make_release, searchable
from grader.release.stubs import solution_bodies
from grader.release.strip import answer_functions, imported_modules
from grader import registry

EXERCISES = registry.names()
EXERCISE_FUNCTIONS = registry.functions()

ROOT = Path(__file__).resolve().parents[3]


def fresh_venv(folder: Path) -> Path:
    """A new virtual environment whose own site-packages comes first, this one's after it; returns its python."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder)], check=True)
    python = folder / "bin" / "python"
    purelib = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    Path(purelib, "parent_site.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return python


def clean_env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    return {**env, "PIP_NO_INDEX": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1", **extra}


@pytest.fixture(scope="module")
def release(tmp_path_factory):
    out = tmp_path_factory.mktemp("course") / "release"
    made = make_release(out, project=ROOT)
    return made.out


def release_texts(out: Path) -> dict[str, str]:
    return {str(p.relative_to(out)): searchable(str(p), p.read_bytes() if p.suffix in (".npz", ".mo")  # data: no code
                                                else p.read_text(encoding="utf-8"))
            for p in sorted(out.rglob("*")) if p.is_file() and "__pycache__" not in p.parts}


def test_the_release_contains_no_answer(release):
    texts = release_texts(release)
    assert not (release / "solutions").exists() and not (release / "grader" / "exercises" / "conftest.py").exists()
    bodies = [b for ex in EXERCISES for b in solution_bodies((ROOT / "solutions" / f"{ex}.py").read_text())]
    markers = sum((ROOT / "solutions" / f"{ex}.py").read_text().count("# BEGIN SOLUTION") for ex in EXERCISES)
    assert len(bodies) == markers >= 21  # every answer found (exercises 1-4 alone have 21)
    for body in bodies:
        code_lines = [re.sub(r"\s+#.*$", "", line).strip() for line in body.splitlines()]
        for path, text in texts.items():
            assert body not in text, f"{path} holds an answer:\n{body}"
            for line in (c for c in code_lines if len(c) >= 40):
                assert line not in text, f"{path} holds a line of an answer: {line}"
    backward = answer_functions(p.read_text() for p in sorted((ROOT / "reference").glob("*.py")))
    assert {"conv2d_backward", "max_pool_backward", "activation_backward", "activation_derivative"} <= set(backward)
    for name, source in backward.items():
        body = source.split(":\n", 1)[1]
        for path, text in texts.items():
            assert body not in text, f"{path} holds the body of {name}"
            assert path.startswith("exercises/") or f"def {name}(" not in text, f"{path} defines {name}"


def test_the_release_ships_the_public_checks_only_and_the_forward_passes(release):
    assert sorted(p.name for p in (release / "reference").glob("*.py")) == [
        "__init__.py", "activation.py", "conv.py", "dense.py", "digits.py", "loss.py", "numgrad.py",
        "pool.py"]  # no count, model, residual, train (exercise 5's answers) ...
    for exercise in EXERCISES:
        source = (release / "grader" / "exercises" / exercise / "checks.py").read_text()
        checks = [n for n in ast.parse(source).body if isinstance(n, ast.FunctionDef) and n.decorator_list]
        public = [c.func.__name__ for c in collect(exercise, include_hidden=False)]
        assert [c.name for c in checks] == public
        assert "hidden=True" not in source
        assert not {m for m in imported_modules(source) if "exercise1_truth" in m or "reference.count" in m}
    assert not (release / "grader" / "exercises" / "exercise1" / "truth.py").exists()
    assert not (release / "grader" / "release").exists()  # the instructor's tools
    assert not (release / "grader" / "release.py").exists() and not (release / "grader" / "stubs.py").exists()


def test_the_guard_finds_an_answer_put_into_a_release():
    body = solution_bodies((ROOT / "solutions" / "exercise4.py").read_text())[1]
    found = find_answers({"grader/extra.py": "def f(delta):\n" + body, "README.md": "nothing"}, ROOT)
    assert found and all(f.startswith("grader/extra.py: ") for f in found)
    assert find_answers({"grader/x.py": "def conv2d_backward(dout, cache):\n    pass\n"}, ROOT) == [
        "grader/x.py: a definition of conv2d_backward"]


def test_notebooks_are_valid_and_say_whose_cells_they_are(release):
    for exercise in EXERCISES:
        nb = nbformat.read(release / "exercises" / f"{exercise}.ipynb", as_version=4)
        nbformat.validate(nb)
        assert nb.metadata["cnnkit"] == {"exercise": exercise} and nb.metadata["kernelspec"]["name"] == "python3"
        answers = [c for c in nb.cells if c.metadata.get("cnnkit", {}).get("role") == "answer"]
        graded = [c.metadata["cnnkit"]["function"] for c in answers]  # + helpers (exercise 5's paste-ins)
        assert [f for f in graded if f in EXERCISE_FUNCTIONS[exercise]] == list(EXERCISE_FUNCTIONS[exercise])
        for cell in answers:
            assert cell.cell_type == "code" and cell.metadata["tags"] == ["student"] and cell.metadata["editable"]
            assert "raise NotImplementedError" in cell.source and f"def {cell.metadata['cnnkit']['function']}(" \
                in cell.source
        given = [c for c in nb.cells if c.cell_type == "code" and c.metadata["cnnkit"]["role"] == "given"]
        assert given and all(c.metadata["editable"] is False and c.metadata["tags"] == ["given"] for c in given)
        assert nb.cells[-1].source == f'import grader\n\ngrader.check("{exercise}")'
        teaching = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
        assert teaching.startswith(f"# Exercise {exercise[-1]}") and "```python" in teaching
    text = "\n".join(c.source for c in nbformat.read(release / "exercises" / "exercise1.ipynb", 4).cells)
    assert "n_out = (n + 2p - k) // s + 1" in text  # the formulas of the module docstring are taught


def grade(python: Path, cwd: Path, *args) -> list:
    run = subprocess.run([python.parent / "grade", *args, "--json"], cwd=cwd, capture_output=True, text=True,
                         env=clean_env(), timeout=120)
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)
    return out if isinstance(out, list) else [out]


def test_inside_a_fresh_venv_stubs_score_zero_and_solutions_full_marks(release, tmp_path):
    python = fresh_venv(tmp_path / "venv")
    name, data = build_wheel(wheel_files(release))
    (tmp_path / name).write_bytes(data)
    install = subprocess.run([python, "-m", "pip", "install", "-q", "--no-deps", str(tmp_path / name)],
                             env=clean_env(), capture_output=True, text=True, timeout=300)
    assert install.returncode == 0, install.stdout + install.stderr  # pip's own words when it fails
    where = subprocess.run([python, "-c", "import grader, reference; print(grader.__file__, reference.__file__)"],
                           capture_output=True, text=True, check=True, cwd=tmp_path, env=clean_env()).stdout
    assert all(path.startswith(str(tmp_path / "venv")) for path in where.split()), where  # not this checkout
    assert not list((tmp_path / "venv").rglob("exercises/conftest.py"))
    public = json.loads((release / ".cnnkit-release.json").read_text())["public_points"]

    stubs = grade(python, release, "all")
    assert [(r["exercise"], r["score"], r["max_score"]) for r in stubs] == [(ex, 0, public[ex]) for ex in EXERCISES]

    later = time.time() + 5  # newer than the notebooks: `grade all` grades the file saved last
    for exercise in EXERCISES:
        target = release / "exercises" / f"{exercise}.py"
        shutil.copy(ROOT / "solutions" / f"{exercise}.py", target)
        os.utime(target, (later, later))
    solved = grade(python, release, "all", "--seed", "7")
    assert [(r["exercise"], r["score"], r["max_score"]) for r in solved] == [
        (ex, public[ex], public[ex]) for ex in EXERCISES]
    assert all(t["visibility"] == "visible" for r in solved for t in r["tests"])

    wrong = tmp_path / "wrong3.py"  # a diagnosis needs no backward pass: the variants work in the release
    wrong.write_text((ROOT / "solutions" / "exercise3.py").read_text().replace(
        "kernel = rot180(w).transpose(1, 0, 2, 3)", "kernel = w.transpose(1, 0, 2, 3)"))
    [result] = grade(python, release, "exercise3", "--submission", str(wrong), "--seed", "3")
    messages = [t["output"] for t in result["tests"] if t["name"].startswith("conv_backward_input")]
    assert messages and all("not rotated by 180" in m for m in messages), messages

    refused = subprocess.run([python.parent / "grade", "release", str(tmp_path / "again")], cwd=release,
                             capture_output=True, text=True, env=clean_env())
    assert refused.returncode == 1 and "instructor's command" in refused.stderr and "Traceback" not in refused.stderr


def test_release_refuses_a_project_without_solutions(tmp_path):
    with pytest.raises(ReleaseError, match="no solutions/ folder"):
        make_release(tmp_path / "out", project=tmp_path)


def test_the_release_pyproject_installs_the_grade_command_and_both_packages(release):
    if sys.version_info >= (3, 11):
        import tomllib
    else:
        tomllib = pytest.importorskip("tomli")  # pytest itself depends on tomli before 3.11
    meta = tomllib.loads((release / "pyproject.toml").read_text())
    assert meta["build-system"] == {"requires": ["setuptools>=64"], "build-backend": "setuptools.build_meta"}
    assert meta["project"]["scripts"] == {"grade": "grader.cli.main:main"}
    assert sorted(meta["tool"]["setuptools"]["packages"]["find"]["include"]) == ["grader*", "reference*"]
    assert {r.split(">")[0] for r in meta["project"]["dependencies"]} == {"numpy", "click", "nbformat"}
