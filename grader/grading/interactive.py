"""`grader.check("exercise3")` where a student works: in a Jupyter notebook, or a Python shell.

In a notebook, what is graded is what the kernel holds: the definitions of the cells this kernel ran, in the order
it ran them (so a function redefined in a later cell is graded as redefined), sent to the sandbox as source, as
`grade` sends a file. Only definitions travel: imports, `def`, `class` and assignments without calls (constants);
statements that do work (training a network, plotting, printing) are left out, since the checks call the
functions themselves. When the notebook saved on disk defines the exercise's functions differently, a note says
so: the grade is of the kernel's code, and the file handed in is the saved one. Outside IPython, the project's
file of the exercise is graded, as `grade exerciseN` would. The checks, the sandbox and the score are those of
`grade exerciseN`; the result is saved where `grade list` finds it.
"""

from __future__ import annotations

import ast
from pathlib import Path

from grader import registry
from grader.grading.grade import GradeError, grade_file, grade_source, new_seed
from grader.grading.lang import _, language, speaking
from grader.grading.project import RESULTS_DIR, default_submission, find_root, result_path
from grader.grading.results import ResultsError, write_json_atomic
from grader.grading.view import CheckResult

KEPT = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
KERNEL = "<this notebook's kernel>"


def _shell():
    """The running IPython shell, or None (plain Python, or IPython not installed)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    return get_ipython()


def kept(node: ast.stmt) -> bool:
    """A statement that defines something without doing work: imports, defs, classes, constants."""
    if isinstance(node, KEPT):
        return True
    if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
        return not any(isinstance(n, (ast.Call, ast.Await, ast.Yield, ast.YieldFrom)) for n in ast.walk(node.value))
    return False


def _imports_grader(node: ast.stmt) -> bool:
    """`import grader` and the like: the grader is not there in the sandbox, nor needed."""
    names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
        [node.module or ""] if isinstance(node, ast.ImportFrom) else []
    return any(name.split(".")[0] == "grader" for name in names)


def cell_definitions(code: str) -> list[str]:
    """The defining statements of one cell, as their own source text (decorators included); [] when the cell
    does not parse (it never ran cleanly either)."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return []
    lines = code.splitlines()
    parts = []
    for node in tree.body:
        if kept(node) and not _imports_grader(node):
            first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
            parts.append("\n".join(lines[first - 1:node.end_lineno]))
    return parts


def kernel_source(history: list[str]) -> tuple[str, tuple[tuple[int, int], ...]]:
    """(source, cells) of a kernel's input history (In[1:], as IPython transformed it), numbered as Jupyter
    numbers executions ([1], [2] ...); only cells that define something. The last entry, the running cell that
    called grader.check, is left out."""
    lines, cells = [], []
    for number, code in enumerate(history[:-1], start=1):
        parts = cell_definitions(code or "")
        if parts:
            cells.append((len(lines) + 1, number))
            lines += [f"# --- cell [{number}] ---", *"\n\n".join(parts).splitlines(), ""]
    return "\n".join(lines) + "\n", tuple(cells)


def _definitions(source: str, names: tuple[str, ...]) -> dict[str, str]:
    """{function name: ast dump of its last definition} of the exercise's functions in `source`."""
    found = {}
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return found
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name in names:
            found[node.name] = ast.dump(node)
    return found


def disk_note(root: Path | None, exercise: str, source: str) -> str | None:
    """A note when the saved notebook of `exercise` defines its functions differently from the kernel."""
    if root is None:
        return None
    path = default_submission(root, exercise).path
    if path.suffix != ".ipynb" or not path.is_file():
        return None
    from grader.grading.notebook import NotebookError, notebook_code

    try:
        saved = notebook_code(path.read_text(encoding="utf-8"), str(path)).source
    except (OSError, UnicodeDecodeError, NotebookError):
        return None
    names = registry.get(exercise).functions
    here, there = _definitions(source, names), _definitions(saved, names)
    differ = sorted(name for name in set(here) | set(there) if here.get(name) != there.get(name))
    if not differ:
        return None
    return _("the saved {file} defines {names} differently from this kernel: this grade is of the kernel's code; "
             "save the notebook (Ctrl-S) before handing it in").format(file=path.name, names=", ".join(differ))


def check(exercise: str, *, seed: int | None = None, lang: str | None = None) -> CheckResult:
    """Grade `exercise` on its public checks; see the module's docstring for what is graded. lang: "zh" or "en"
    (None: GRADE_LANG, else the locale, else English); the result is shown in it, the score is the same."""
    registry.get(exercise)  # an unknown name: UnknownExercise, which names the known ones
    with speaking(lang):
        return CheckResult(_check(exercise, new_seed() if seed is None else seed), lang=language())


def _check(exercise: str, seed: int) -> dict:
    """The result of grading `exercise` here, saved where `grade list` finds it."""
    root, shell = find_root(), _shell()
    history = list(shell.user_ns.get("In", [])[1:]) if shell is not None else None
    if history:
        source, cells = kernel_source(history)
        note = disk_note(root, exercise, source)
        result = grade_source(exercise, source, KERNEL, cells=cells, seed=seed, notes=(note,) if note else ())
    elif root is not None:
        result = grade_file(exercise, default_submission(root, exercise).path, seed=seed)
    else:
        raise GradeError(_("no exercises/ folder here or above, and not in a notebook: open the exercise's "
                           "notebook or run Python inside the course project"))
    if root is not None:
        try:
            write_json_atomic(result, result_path(root / RESULTS_DIR, exercise))
        except ResultsError:
            pass  # the grade is shown; `grade list` will not see it
    return result
