"""Feedback that points at the student's own line: SourceMap and explain, then whole grades of a .py file whose
function raises (the line and its text; -v shows every frame of the student's; a NumPy-1 API gets a hint)."""

import json
from pathlib import Path

from click.testing import CliRunner

from grader.cli.main import main
from grader.sandbox.runner import NotImplementedYet, SubmissionRaised, TimedOut
from grader.grading.where import SourceMap, explain

ROOT = Path(__file__).resolve().parents[3]
NOTEBOOK = "# --- cell 2 ---\nimport numpy as np\n\n# --- cell 4 ---\ndef f(x):\n    return x[3]\n"


def test_places_are_lines_of_a_file_or_cells_and_lines_of_a_notebook():
    py = SourceMap.of("a = 1\nb = a[2]  \n", "/home/s/exercises/exercise3.py")
    assert py.place(2) == "exercise3.py, line 2" and py.text(2) == "b = a[2]" and py.text(9) == ""
    nb = SourceMap.of(NOTEBOOK, "exercise3.ipynb", ((1, 2), (4, 4)))
    assert [nb.place(line) for line in (2, 5, 6)] == [
        "exercise3.ipynb, cell 2, line 1", "exercise3.ipynb, cell 4, line 1", "exercise3.ipynb, cell 4, line 2"]
    assert nb.frame(6, "f") == "exercise3.ipynb, cell 4, line 2, in f: return x[3]"
    assert nb.frame(2, "<module>") == "exercise3.ipynb, cell 2, line 1: import numpy as np"


def test_explain_names_the_innermost_line_and_keeps_every_frame_for_verbose():
    where = SourceMap.of(NOTEBOOK, "exercise3.ipynb", ((1, 2), (4, 4)))
    error = SubmissionRaised("raised IndexError: index 3 is out of bounds", "", ((2, "<module>"), (6, "f")),
                             "IndexError")
    said = explain(error, where)
    assert said.message == ("raised IndexError: index 3 is out of bounds\n"
                            "  at exercise3.ipynb, cell 4, line 2, in f: return x[3]")
    assert said.traceback == ("  exercise3.ipynb, cell 2, line 1: import numpy as np\n"
                              "  exercise3.ipynb, cell 4, line 2, in f: return x[3]")
    assert explain(TimedOut("timed out after 5 s"), where) == ("timed out after 5 s", "")
    deep = SubmissionRaised("raised RecursionError: too deep", "", ((6, "f"),) * 20, "RecursionError")
    assert explain(deep, where).traceback.splitlines()[0] == "  ... 10 more frames of yours"


def test_explain_adds_a_numpy2_hint_and_keeps_a_students_not_implemented_message():
    where = SourceMap.of("import numpy as np\ny = np.float_(1)\n", "exercise3.py")
    error = SubmissionRaised("raised AttributeError: module 'numpy' has no attribute 'product'", "",
                             ((2, "<module>"),), "AttributeError")
    lines = explain(error, where).message.splitlines()
    assert lines[1] == "  at exercise3.py, line 2: y = np.float_(1)"
    assert lines[2].startswith("  hint: NumPy 2 removed `np.product`") and "`np.prod`" in lines[2]
    todo = NotImplementedYet("not implemented yet\n  NotImplementedError: stride 2 next week", "", ((2, "g"),),
                             "NotImplementedError")
    assert explain(todo, where).message.splitlines()[:2] == ["not implemented yet",
                                                              "  NotImplementedError: stride 2 next week"]


def grade(tmp_path, source: str, *options):
    path = tmp_path / "exercise3.py"
    path.write_text(source)
    result = CliRunner().invoke(main, ["exercise3", "--submission", str(path), "--results", str(tmp_path / "r"),
                                       "--seed", "5", *options])
    assert result.exit_code == 0 and "Traceback" not in result.output, result.output
    return result.output, json.loads((tmp_path / "r" / "exercise3.json").read_text())


def crashing_solution() -> tuple[str, int, int]:
    """The instructor's exercise 3 whose conv_backward_input calls a helper that indexes out of bounds:
    (source, line of the call, line of the helper's bad index)."""
    source = (ROOT / "solutions" / "exercise3.py").read_text().replace(
        "    kernel = rot180(w).transpose(1, 0, 2, 3)  #",
        "    kernel = rot180(w).transpose(1, 0, 2, 3)\n    print('kernel', kernel.shape)\n    first_row(kernel)\n    #")
    source += "\n\ndef first_row(k):\n    return k[:, :, 99]\n"
    lines = source.splitlines()
    return source, lines.index("    first_row(kernel)") + 1, lines.index("    return k[:, :, 99]") + 1


def test_a_crash_names_the_students_line_and_verbose_shows_the_whole_path(tmp_path):
    source, call, bad = crashing_solution()
    output, saved = grade(tmp_path, source)
    crashed = [t for t in saved["tests"] if t["name"].startswith("conv_backward_input")]
    at = f"  at exercise3.py, line {bad}, in first_row: return k[:, :, 99]"
    assert crashed and all(t["output"].splitlines()[1:] == [at] for t in crashed)
    assert all(t["output"].startswith("raised IndexError: index 99 is out of bounds for axis 2") for t in crashed)
    path = [f"  exercise3.py, line {call}, in conv_backward_input: first_row(kernel)", at.replace("  at ", "  ")]
    assert all(t["traceback"].splitlines() == path for t in crashed)
    assert at in output and path[0] not in output and "| kernel (" in output
    verbose, _ = grade(tmp_path, source, "-v")
    assert path[0] in verbose and path[1] in verbose and "your code, outermost call first:" in verbose


def test_printed_output_is_cut_without_verbose_and_whole_with_it(tmp_path):
    source = (ROOT / "solutions" / "exercise3.py").read_text().replace(
        "def rot180(kernel):", "def rot180(kernel):\n    print('rot180 called')", 1)
    short, saved = grade(tmp_path, source)
    assert saved["score"] == saved["max_score"] and short.count("| rot180 called") == 5
    assert "more lines (--verbose shows them)" in short
    whole, _ = grade(tmp_path, source, "-v")
    assert whole.count("| rot180 called") > 5 and "--verbose shows them" not in whole
