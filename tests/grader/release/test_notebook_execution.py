"""Every notebook of a student release, executed top to bottom as Jupyter's "Run All" would (jupyter nbconvert
--execute), in a fresh environment where only the release is installed (`pip install RELEASE[notebook]`): no
cell fails, and the check cell (`grader.check(...)`) shows the HTML table; a wrong answer shows its picture.

It installs Jupyter into a new virtual environment (about half a minute with pip's cache, more without), so it
runs when CNNKIT_NOTEBOOK_TESTS=1: `.ci/run`'s third stage sets it and fails if these tests are skipped.
"""

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from grader import registry
from grader.release.build import make_release

ROOT = Path(__file__).resolve().parents[3]
ENABLED = os.environ.get("CNNKIT_NOTEBOOK_TESTS") == "1"


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    if not ENABLED:
        pytest.skip("set CNNKIT_NOTEBOOK_TESTS=1 to install Jupyter in a fresh environment and run the notebooks")
    base = tmp_path_factory.mktemp("notebooks")
    release = make_release(base / "release", project=ROOT).out
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = subprocess.run([venv / "bin" / "pip", "install", "-q", f"{release}[notebook]"], capture_output=True,
                         text=True)
    assert pip.returncode == 0, pip.stdout + pip.stderr
    return release, venv


def execute(installed, notebook: Path) -> nbformat.NotebookNode:
    release, venv = installed
    out = notebook.with_name(notebook.stem + ".executed.ipynb")
    run = subprocess.run([venv / "bin" / "jupyter", "nbconvert", "--to", "notebook", "--execute",
                          "--ExecutePreprocessor.timeout=600", "--output", out.name, str(notebook)],
                         cwd=notebook.parent, capture_output=True, text=True, timeout=900,
                         env={**os.environ, "PATH": f"{venv / 'bin'}:{os.environ['PATH']}"})
    assert run.returncode == 0, run.stderr[-3000:]
    return nbformat.read(out, as_version=4)


def check_html(executed: nbformat.NotebookNode) -> str:
    """The HTML that the check cell displayed."""
    cells = [c for c in executed.cells if c.get("metadata", {}).get("cnnkit", {}).get("role") == "check"]
    assert len(cells) == 1
    pages = [o["data"]["text/html"] for o in cells[0].outputs if "text/html" in o.get("data", {})]
    assert len(pages) == 1, cells[0].outputs
    return pages[0]


@pytest.mark.parametrize("exercise", registry.names())
def test_notebook_execution_each_release_notebook_runs_and_shows_the_check_table(installed, exercise):
    release, _ = installed
    page = check_html(execute(installed, release / "exercises" / f"{exercise}.ipynb"))
    assert "<table>" in page and "Score: 0 /" in page and "not implemented yet" in page


def answer(source: str, name: str) -> str:
    tree = ast.parse(source)
    node = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == name)
    return ast.get_source_segment(source, node)


def test_notebook_execution_a_wrong_answer_shows_its_picture(installed):
    release, _ = installed
    path = release / "exercises" / "exercise3.ipynb"
    nb = nbformat.read(path, as_version=4)
    solution = (ROOT / "solutions" / "exercise3.py").read_text(encoding="utf-8")
    for cell in nb.cells:
        function = cell.get("metadata", {}).get("cnnkit", {}).get("function")
        if function:
            cell.source = answer(solution, function)
            if function == "full_convolve":  # the classic mistake: a correlation, the kernel not rotated
                cell.source = cell.source.replace("rot180(kernel)[None, None]", "kernel[None, None]")
                assert "kernel[None, None]" in cell.source
    wrong = path.with_name("wrong3.ipynb")
    nbformat.write(nb, wrong)
    page = check_html(execute(installed, wrong))
    assert "<svg" in page and "Looks like: the kernel was not rotated by 180°" in page
    score, top = map(float, re.search(r"Score: ([0-9.]+) / ([0-9.]+)", page).groups())
    assert 0 < score < top == 21  # only full_convolve's checks fail
