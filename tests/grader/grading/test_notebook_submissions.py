"""`grade exercise3 --submission exercise3.ipynb`: a notebook of the student release, answered, gets full marks;
IPython magics and shell lines are skipped with a note; a broken notebook or another exercise's gets a clear
error, a 0 result on disk and exit status 1, never a traceback."""

import ast
import json
from pathlib import Path

import nbformat
import pytest
from click.testing import CliRunner

from grader.grading.checking import collect
from grader.cli.main import main
from grader.release.build import exercise_files

ROOT = Path(__file__).resolve().parents[3]


def flat(text: str) -> str:
    """Text with its white space folded: the table wraps long lines at the terminal's width."""
    return " ".join(text.split())


@pytest.fixture(scope="module")
def release_notebooks():
    """{exercise: notebook text}, made exactly as `grade release` makes them."""
    files = exercise_files(ROOT)
    return {Path(path).stem: text for path, text in files.items() if path.endswith(".ipynb")}


def answered(notebook_text: str, exercise: str):
    """The release's notebook with every answer cell replaced by the solution's function."""
    solution = (ROOT / "solutions" / f"{exercise}.py").read_text()
    functions = {n.name: ast.get_source_segment(solution, n) for n in ast.parse(solution).body
                 if isinstance(n, ast.FunctionDef)}
    nb = nbformat.reads(notebook_text, as_version=4)
    for cell in nb.cells:
        if cell.metadata.get("cnnkit", {}).get("role") == "answer":
            cell.source = functions[cell.metadata["cnnkit"]["function"]]
    return nb


def grade(tmp_path, exercise, notebook, *options):
    path = tmp_path / f"{exercise}.ipynb"
    if isinstance(notebook, str):
        path.write_text(notebook, encoding="utf-8")
    else:
        nbformat.write(notebook, path)
    result = CliRunner().invoke(main, [exercise, "--submission", str(path), "--results", str(tmp_path / "results"),
                                       "--seed", "11", *options])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    saved = json.loads((tmp_path / "results" / f"{exercise}.json").read_text())
    return result, saved


@pytest.mark.parametrize("exercise", ["exercise2", "exercise3"])
def test_an_answered_release_notebook_gets_full_marks(tmp_path, release_notebooks, exercise):
    result, saved = grade(tmp_path, exercise, answered(release_notebooks[exercise], exercise), "--json")
    assert result.exit_code == 0, result.output
    public = sum(c.info.points for c in collect(exercise, include_hidden=False))
    assert saved["score"] == saved["max_score"] == public
    assert json.loads(result.output)["score"] == public
    assert "cell" not in saved["output"]  # the check cell (grader.check) is ours: left out, without a note


def test_the_stub_notebook_scores_zero(tmp_path, release_notebooks):
    result, saved = grade(tmp_path, "exercise3", release_notebooks["exercise3"])
    assert result.exit_code == 0 and saved["score"] == 0 and "not implemented yet" in result.output


def test_magics_and_shell_lines_are_skipped_with_a_note(tmp_path, release_notebooks):
    nb = answered(release_notebooks["exercise3"], "exercise3")
    nb.cells.insert(0, nbformat.v4.new_code_cell("%%time\nthis is not python at all"))
    nb.cells.insert(1, nbformat.v4.new_code_cell("%matplotlib inline\n!pip install nothing\nimport numpy as np"))
    for cell in nb.cells:
        if cell.metadata.get("cnnkit", {}).get("function") == "rot180":
            cell.source = cell.source.replace("    return", "    %time x = 1\n    return", 1)
    result, saved = grade(tmp_path, "exercise3", nb, "-v")
    assert result.exit_code == 0, result.output
    assert saved["score"] == saved["max_score"]
    [note] = [line for line in saved["output"].splitlines() if "skipped" in line]  # one line for them all
    assert note.startswith("skipped IPython lines (they run only in Jupyter): cell 1 '%%time' (a cell magic")
    assert "cell 2 '%matplotlib inline', cell 2 '!pip install nothing' and 1 more" in note  # (the check cell: none)
    assert note in result.output  # shown to the student


@pytest.mark.parametrize("damage, words", [
    (lambda text: text[: len(text) // 2], "is not a valid notebook: not JSON"),
    (lambda text: json.dumps({"metadata": {}}), "is not a valid notebook: no cells"),
    (lambda text: text.replace('"cell_type": "code"', '"cell_type": "kode"'), "is not a valid notebook"),
    (lambda text: "", "is not a valid notebook"),
], ids=["truncated", "no-cells", "schema", "empty"])
def test_a_broken_notebook_gets_a_clear_error_and_a_zero_result(tmp_path, release_notebooks, damage, words):
    result, saved = grade(tmp_path, "exercise3", damage(release_notebooks["exercise3"]))
    assert result.exit_code == 1
    assert words in flat(result.output) and words in saved["error"]
    assert saved["score"] == 0 and saved["tests"] == [] and saved["max_score"] > 0


def test_another_exercises_notebook_is_refused(tmp_path, release_notebooks):
    nb = answered(release_notebooks["exercise4"], "exercise4")
    result, saved = grade(tmp_path, "exercise3", nb)
    assert result.exit_code == 1
    assert "is the notebook of exercise4, not exercise3" in flat(result.output)
    assert saved["score"] == 0 and "exercise4" in saved["error"]
    nb.metadata.pop("cnnkit")  # without metadata, its functions give it away
    result, saved = grade(tmp_path, "exercise3", nb)
    assert result.exit_code == 1 and "looks like exercise4" in saved["error"]


def cell_of(nb, function: str) -> int:
    """The number of the answer cell of `function`, counting every cell from 1 as Jupyter shows them."""
    return next(k for k, c in enumerate(nb.cells, 1) if c.metadata.get("cnnkit", {}).get("function") == function)


def test_a_scratch_cell_that_raises_costs_nothing_and_is_named(tmp_path, release_notebooks):
    nb = answered(release_notebooks["exercise3"], "exercise3")
    scratch = len(nb.cells)  # after every answer, before the final `!grade` cell
    nb.cells.insert(scratch - 1, nbformat.v4.new_code_cell("x = 1\nprint(undefined_name)"))
    nb.cells.insert(scratch, nbformat.v4.new_code_cell("print('after the scratch cell')"))
    result, saved = grade(tmp_path, "exercise3", nb)
    assert result.exit_code == 0, result.output
    assert saved["score"] == saved["max_score"] > 0  # the functions of the other cells are graded
    note = (f"cell {scratch} raised NameError: name 'undefined_name' is not defined (the other cells still ran)\n"
            f"  at exercise3.ipynb, cell {scratch}, line 2: print(undefined_name)")
    assert note in saved["output"] and note in result.output
    assert "| after the scratch cell" in result.output  # the cells after it ran, and their output is shown


def test_a_crash_in_a_notebook_points_at_its_cell_and_line(tmp_path, release_notebooks):
    nb = answered(release_notebooks["exercise3"], "exercise3")
    number = cell_of(nb, "rot180")
    cell = nb.cells[number - 1]
    cell.source = cell.source.replace("    return", "    bad = kernel[..., 99]\n    return", 1)
    line = cell.source.splitlines().index("    bad = kernel[..., 99]") + 1
    result, saved = grade(tmp_path, "exercise3", nb)
    rot = [t for t in saved["tests"] if t["name"].startswith("rot180")]
    assert rot and all(t["score"] == 0 for t in rot)
    where = f"  at exercise3.ipynb, cell {number}, line {line}, in rot180: bad = kernel[..., 99]"
    assert all(t["output"].startswith("raised IndexError: index 99 is out of bounds") and where in t["output"]
               for t in rot), rot
    assert flat(where) in flat(result.output)


def test_a_stub_cell_left_alone_says_not_implemented_and_its_hint(tmp_path, release_notebooks):
    result, saved = grade(tmp_path, "exercise3", release_notebooks["exercise3"])
    [rot] = [t for t in saved["tests"] if t["name"] == "rot180: square 2-D kernel"]
    assert rot["output"].startswith("not implemented yet\n  NotImplementedError: rot180: ")
    number = cell_of(nbformat.reads(release_notebooks["exercise3"], as_version=4), "rot180")
    assert f"at exercise3.ipynb, cell {number}, line " in rot["output"] and "raise NotImplementedError" in rot["output"]
