"""`grade autograder OUT.zip`: a Gradescope bundle, run in a simulated /autograder layout in a temporary folder
(AUTOGRADER_ROOT), with setup.sh installing the grader into a fresh virtual environment (AUTOGRADER_PYTHON)."""

import base64
import hashlib
import importlib.metadata
import io
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import nbformat
import pytest

from grader.release import autograder_run
from grader.release.autograder import AutograderError, bundle_config, make_bundle
from grader.grading.checking import collect
from grader.release.build import exercise_files
from grader import registry

ROOT = Path(__file__).resolve().parents[3]
GRADESCOPE_TEST_KEYS = {"name", "number", "score", "max_score", "status", "output", "visibility", "output_format",
                        "name_format"}


def fresh_venv(folder: Path) -> Path:
    """A new virtual environment whose own site-packages comes first, this one's after it; returns its python."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder)], check=True)
    python = folder / "bin" / "python"
    purelib = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    Path(purelib, "parent_site.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return python


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    return make_bundle(tmp_path_factory.mktemp("bundle") / "autograder.zip", project=ROOT).path


def full_marks(exercise):
    return sum(c.info.points for c in collect(exercise))


def answered_notebook(exercise) -> str:
    """The release's notebook of `exercise` with the solution's functions in its answer cells."""
    import ast

    solution = (ROOT / "solutions" / f"{exercise}.py").read_text()
    functions = {n.name: ast.get_source_segment(solution, n) for n in ast.parse(solution).body
                 if isinstance(n, ast.FunctionDef)}
    nb = nbformat.reads(exercise_files(ROOT)[f"exercises/{exercise}.ipynb"], as_version=4)
    for cell in nb.cells:
        if cell.metadata["cnnkit"].get("role") == "answer":
            cell.source = functions[cell.metadata["cnnkit"]["function"]]
    return nbformat.writes(nb)


def test_the_bundle_holds_the_scripts_the_config_and_a_wheel_with_the_hidden_checks(bundle):
    with zipfile.ZipFile(bundle) as archive:
        names = archive.namelist()
        modes = {i.filename: i.external_attr >> 16 for i in archive.infolist()}
        config = json.loads(archive.read("autograder.json"))
        [wheel_name] = [n for n in names if n.startswith("dist/") and n.endswith("-py3-none-any.whl")]
        wheel = zipfile.ZipFile(io.BytesIO(archive.read(wheel_name)))
        setup = archive.read("setup.sh").decode()
    assert {"setup.sh", "run_autograder", "autograder.json", "README.md"} <= set(names)
    assert modes["setup.sh"] & 0o111 and modes["run_autograder"] & 0o111  # executable, as Gradescope needs
    assert config["exercises"] == list(registry.names())
    assert config["hidden_visibility"] == "after_published"
    assert config["memory"] == 384 * 2**20 and config["timeout"] == 10  # fit Gradescope's 768 MB, half a CPU
    assert "numpy" in setup and "nbformat" in setup and "pytest" in setup and "dist/*.whl" in setup
    for name in ("numpy", "click", "nbformat", "pytest"):  # pinned to the versions installed here
        assert f'"{name}=={importlib.metadata.version(name)}' in setup, name
    assert "apt-get update" in setup and "(3, 10)" in setup
    readme = zipfile.ZipFile(bundle).read("README.md").decode()
    assert "Ubuntu 22.04" in readme and "768 MB" in readme and "384 MiB" in readme
    assert "no\ntotal score until you publish the grades" in readme
    total = sum(full_marks(e) for e in config["exercises"])
    assert f"Total points: **{total:g}**" in readme and f"set the assignment's points to {total:g}." in readme
    inside = set(wheel.namelist())
    assert {"grader/exercises/exercise3/checks.py", "grader/exercises/exercise1/truth.py", "reference/count.py",
            "reference/conv.py"} <= inside
    assert not any(n.startswith(("solutions/", "exercises/")) for n in inside)
    assert "hidden=True" in wheel.read("grader/exercises/exercise3/checks.py").decode()
    record = wheel.read(next(n for n in inside if n.endswith("/RECORD"))).decode().splitlines()
    for line in record[:-1]:  # every file's hash and size, as pip checks them
        name, digest, size = line.rsplit(",", 2)
        data = wheel.read(name)
        expected = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        assert digest == f"sha256={expected}" and int(size) == len(data), name
    assert len(record) == len(inside)


PEEK = """import os as _os, numpy as _np
_site = _os.path.dirname(_os.path.dirname(_np.__file__))  # where setup.sh installed the grader too
for _path in ("grader/exercises/exercise3/checks.py", "reference/conv.py", "grader/release/autograder_run.py"):
    try:
        print("READ", _path, open(_os.path.join(_site, _path)).read()[:60].replace(chr(10), " "))
    except OSError as _exc:
        print("REFUSED", _path, type(_exc).__name__)
"""


def simulated_root(tmp_path, bundle) -> Path:
    root = tmp_path / "autograder"
    (root / "source").mkdir(parents=True)
    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(root / "source")
    for name in ("setup.sh", "run_autograder"):
        (root / "source" / name).chmod(0o755)  # extractall does not restore modes
    shutil.copy(root / "source" / "run_autograder", root / "run_autograder")  # as Gradescope's image build does
    submission = root / "submission"
    submission.mkdir()
    (submission / "exercise3.py").write_text(PEEK + (ROOT / "solutions" / "exercise3.py").read_text())
    (submission / "homework.ipynb").write_text(answered_notebook("exercise2"))  # named by its metadata
    shutil.copy(ROOT / "exercises" / "exercise1.py", submission / "Exercise_1.py")  # the stub: scores 0
    return root


def set_up(tmp_path, root) -> tuple[Path, dict]:
    """Run the bundle's setup.sh into a fresh virtual environment, offline -> (its python, the environment)."""
    python = fresh_venv(tmp_path / "venv")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(AUTOGRADER_ROOT=str(root), AUTOGRADER_PYTHON=str(python), PIP_NO_INDEX="1")
    setup = subprocess.run(["bash", root / "source" / "setup.sh"], env=env, capture_output=True, text=True,
                           timeout=300)
    assert setup.returncode == 0, setup.stdout + setup.stderr
    return python, env


def test_the_bundle_runs_in_a_simulated_autograder_folder(tmp_path, bundle):
    root = simulated_root(tmp_path, bundle)
    python, env = set_up(tmp_path, root)
    run = subprocess.run([root / "run_autograder"], env=env, capture_output=True, text=True, timeout=300,
                         cwd=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    results = json.loads((root / "results" / "results.json").read_text())
    assert {"score", "execution_time", "output", "tests", "visibility", "stdout_visibility"} <= set(results)
    assert all(set(t) == GRADESCOPE_TEST_KEYS for t in results["tests"])
    assert results["output_format"] == "text"  # Gradescope renders the top-level output as HTML otherwise
    assert all(t["output_format"] == t["name_format"] == "text" for t in results["tests"])
    by_exercise = {}
    for test in results["tests"]:
        by_exercise.setdefault(test["name"][1:10], []).append(test)
    assert sum(t["score"] for t in by_exercise["exercise3"]) == full_marks("exercise3")
    assert sum(t["score"] for t in by_exercise["exercise2"]) == full_marks("exercise2")
    assert sum(t["score"] for t in by_exercise["exercise1"]) == 0
    assert sum(t["max_score"] for t in by_exercise["exercise1"]) == full_marks("exercise1")
    [missing] = by_exercise["exercise4"]
    assert missing["score"] == 0 and missing["max_score"] == full_marks("exercise4")
    assert "no file for exercise4" in missing["output"] and missing["visibility"] == "visible"
    hidden = {f"[exercise3] {c.info.name}" for c in collect("exercise3") if c.info.visibility == "hidden"}
    shown = {t["name"]: t["visibility"] for t in by_exercise["exercise3"]}
    assert hidden and all(shown[name] == "after_published" for name in hidden)
    assert {v for n, v in shown.items() if n not in hidden} == {"visible"}
    assert results["score"] == full_marks("exercise3") + full_marks("exercise2")
    assert "homework.ipynb" in results["output"] and "cell" not in results["output"]  # the check cell is ours: left out
    # the hidden checks and the reference are beyond the student's code, though installed beside NumPy
    assert "READ" not in results["output"] and results["output"].count("REFUSED") == 3, results["output"]
    installed = subprocess.run([python, "-c", "import grader; print(grader.__file__)"], capture_output=True,
                               text=True, env=env, cwd=tmp_path).stdout
    assert str(tmp_path / "venv") in installed  # setup.sh installed the bundle's wheel, not this checkout


def test_run_finds_each_exercise_by_metadata_name_or_functions(tmp_path):
    submission = tmp_path / "submission"
    (submission / "work" / ".ipynb_checkpoints").mkdir(parents=True)
    shutil.copy(ROOT / "solutions" / "exercise4.py", submission / "work" / "answers.py")  # by its functions
    shutil.copy(ROOT / "exercises" / "exercise4.py", submission / "work" / ".ipynb_checkpoints" / "exercise4.py")
    shutil.copy(ROOT / "exercises" / "exercise3.py", submission / "ex3_draft.py")
    shutil.copy(ROOT / "solutions" / "exercise3.py", submission / "exercise3.py")  # the exact name wins
    (submission / "grader" / "exercises" / "exercise3").mkdir(parents=True)  # a whole course folder uploaded: its grader is no answer
    shutil.copy(ROOT / "grader" / "exercises" / "exercise3" / "checks.py", submission / "grader" / "exercises" / "exercise3" / "checks.py")
    config = bundle_config(["exercise3", "exercise4"], hidden_visibility="hidden")
    results = autograder_run.run(tmp_path, config, seed=5)
    assert results["score"] == full_marks("exercise3") + full_marks("exercise4")
    assert {t["visibility"] for t in results["tests"]} == {"visible", "hidden"}
    assert "ex3_draft.py is also exercise3: not graded (graded: exercise3.py)" in results["output"]
    assert results["extra_data"]["files"]["exercise4"]["file"] == "work/answers.py"
    assert json.loads((tmp_path / "results" / "results.json").read_text()) == results


def test_a_wrong_exercise_file_and_a_broken_config_still_give_a_results_file(tmp_path, capsys):
    (tmp_path / "submission").mkdir()
    nb = answered_notebook("exercise4").replace('"exercise": "exercise4"', '"exercise": "exercise3"')
    (tmp_path / "submission" / "exercise3.ipynb").write_text(nb)  # says exercise3, defines exercise 4's functions
    results = autograder_run.run(tmp_path, bundle_config(["exercise3"]), seed=1)
    [row] = results["tests"]
    assert row["score"] == 0 and "looks like exercise4" in row["output"] and results["score"] == 0
    assert autograder_run.main(["--root", str(tmp_path), "--config", str(tmp_path / "missing.json")]) == 1
    failed = json.loads((tmp_path / "results" / "results.json").read_text())
    assert failed["score"] == 0 and "The autograder failed, not because of your code" in failed["output"]
    assert failed["output_format"] == "text"


def test_bundle_options_are_checked():
    with pytest.raises(AutograderError, match="unknown exercise exercise99"):
        bundle_config(["exercise99"])
    with pytest.raises(AutograderError, match="hidden visibility must be one of"):
        bundle_config(hidden_visibility="sometimes")


SLOW_EXERCISE3 = '''"""Exercise 3 the slow way: plain Python loops over every entry (correct, and ~100x slower)."""
import numpy as np


def rot180(kernel):
    kernel = np.asarray(kernel, dtype=float)
    out = np.empty_like(kernel)
    kh, kw = kernel.shape[-2:]
    for p in range(kh):
        for q in range(kw):
            out[..., p, q] = kernel[..., kh - 1 - p, kw - 1 - q]
    return out


def full_convolve(delta, kernel):
    delta, kernel = np.asarray(delta, dtype=float), np.asarray(kernel, dtype=float)
    (h, w), (kh, kw) = delta.shape, kernel.shape
    out = np.zeros((h + kh - 1, w + kw - 1))
    for u in range(h):
        for v in range(w):
            for p in range(kh):
                for q in range(kw):
                    out[u + p, v + q] += delta[u, v] * kernel[p, q]
    return out


def conv_backward_input(delta, w, stride=1, padding=0, input_size=None):
    delta, w = np.asarray(delta, dtype=float), np.asarray(w, dtype=float)
    (n, f, ho, wo), (_, c, kh, kw) = delta.shape, w.shape
    if input_size is None:
        input_size = ((ho - 1) * stride + kh - 2 * padding, (wo - 1) * stride + kw - 2 * padding)
    h, wd = input_size
    if ((h + 2 * padding - kh) // stride + 1, (wd + 2 * padding - kw) // stride + 1) != (ho, wo):
        raise ValueError("input_size does not match")
    dx = np.zeros((n, c, h + 2 * padding, wd + 2 * padding))
    for b in range(n):
        for k in range(f):
            for u in range(ho):
                for v in range(wo):
                    for ch in range(c):
                        for p in range(kh):
                            for q in range(kw):
                                dx[b, ch, u * stride + p, v * stride + q] += delta[b, k, u, v] * w[k, ch, p, q]
    return dx[:, :, padding:padding + h, padding:padding + wd]
'''


def busy_sibling(cpu: int) -> subprocess.Popen:
    """A process that keeps `cpu` busy: whatever else runs there gets half of it."""
    return subprocess.Popen([sys.executable, "-c", f"import os\nos.sched_setaffinity(0, {{{cpu}}})\nwhile True: pass"])


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="needs CPU affinity (Linux)")
def test_at_half_a_cpu_no_correct_answer_times_out_under_the_bundles_default_limits(tmp_path, bundle):
    """Gradescope's default container: half a virtual CPU. The run and a busy sibling share one CPU; correct
    answers, the instructor's and a slow one of plain loops, get every point under the bundle's limits."""
    root = simulated_root(tmp_path, bundle)
    for path in (root / "submission").iterdir():
        path.unlink()
    for exercise in registry.names():
        if exercise != "exercise3":
            shutil.copy(ROOT / "solutions" / f"{exercise}.py", root / "submission" / f"{exercise}.py")
    (root / "submission" / "exercise3.py").write_text(SLOW_EXERCISE3)
    python, env = set_up(tmp_path, root)
    cpu = min(os.sched_getaffinity(0))
    sibling = busy_sibling(cpu)
    try:
        run = subprocess.run([root / "run_autograder"], env=env, capture_output=True, text=True, timeout=600,
                             cwd=tmp_path, preexec_fn=lambda: os.sched_setaffinity(0, {cpu}))
    finally:
        sibling.kill()
        sibling.wait()
    assert run.returncode == 0, run.stdout + run.stderr
    results = json.loads((root / "results" / "results.json").read_text())
    config = json.loads((root / "source" / "autograder.json").read_text())
    assert config["timeout"] == 10 and config["memory"] == 384 * 2**20  # the defaults, as shipped
    missed = [(t["name"], t["output"]) for t in results["tests"] if t["score"] < t["max_score"]]
    assert not missed, missed
    assert results["score"] == sum(full_marks(e) for e in registry.names())
    print(f"graded at half a CPU in {results['execution_time']} s (per-call limit {config['timeout']} s)")
