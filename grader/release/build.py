"""The student release: `grade release OUT` builds a self-contained course folder with no answers in it.

Small pure steps, in order, each returning {path in the release: text} (bytes for data files such as the
training digits, reference/data/*.npz):
`exercise_files` (solutions -> stubs and notebooks), `grader_files` (the grader with the PUBLIC checks only, and
the grader.exercises modules they import), `reference_files` (the reference modules the grader imports, forward
passes only), `course_files` (pyproject.toml, README.md, .gitignore); then `check_imports` (every import of our
packages resolves inside the release) and `find_answers` (no solution body, no backward pass anywhere), and
only then `write_tree` (into a temporary folder beside OUT, renamed into place).

What a release leaves out: solutions/, the hidden checks and everything only they use (grader/release/strip.py cuts
them by syntax tree), the instructor's tools (LEFT_OUT: release, autograder, stubs ...), every reference
backward pass (`*_backward`, `*_derivative`) with the helpers only they use, the reference modules that hold
other answers (ANSWER_MODULES: reference/train.py's sgd_step and train), and each exercise's INSTRUCTOR_ONLY
files (its __init__.py names them: exercise 5's mistakes.py is the whole backward pass, its heldout.npz the
digits students never see); reference modules the grader does not import (count, model, residual, ...) are not
shipped at all. An exercise folder's optional `notebook_cells.py` adds cells to its notebook (release/notebook.py).
Grading in the release works from the forward passes and numerical gradients alone (grader/exercises/convolution.py
skips its second witness there; exercise 5 compares gradients along random directions).
"""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import NamedTuple

import nbformat

from grader import __version__
from grader import registry
from grader.grading.checking import collect
from grader.grading.project import MANIFEST, STUB_HASHES, graded_code, stub_hash
from grader.release.catalogues import catalogue_files
from grader.release.notebook import make_notebook
from grader.release.text import (CLASSROOM_README, WORKFLOW_PATH, classroom_workflow, course_readme, gitignore,
                                 pyproject)
from grader.release.stubs import make_stub, solution_bodies
from grader.release.strip import answer_functions, bound_names, forward_only, imported_modules, public_checks

PACKAGES = ("grader", "reference")
EXTRA_REFERENCE = ("reference.numgrad", "reference.digits")  # for students: check gradients, load the digits
REFERENCE_DATA = "reference/data"  # shipped whole: the training digits and their origin and licence (DIGITS.md)
ANSWER_MODULES = ("reference/train.py",)  # answers that forward_only would not cut (exercise 5's sgd_step, train)
NOTEBOOK_CELLS = "notebook_cells.py"  # optional, in an exercise's folder: more cells for its notebook
LEFT_OUT = ("grader/exercises/conftest.py",  # its default submission is solutions/
            "grader/release/")  # the instructor's tools: no use to students (stubs.py even shows an answer)
ANSWER_LINE = 40  # an answer's line of code this long is distinctive: it must not appear in a release


class ReleaseError(Exception):
    """The release cannot be built or written; the message says why and what to do."""


class Release(NamedTuple):
    out: Path
    files: tuple[str, ...]
    public_points: dict  # {exercise: points of its public checks}


def find_project(start: Path | None = None) -> Path:
    """The instructor's project: the nearest folder, from `start` (default: here) upwards, then the installed
    grader's own tree, that holds solutions/, grader/ and reference/."""
    here = Path(start or Path.cwd()).resolve()
    for folder in (*(here, *here.parents), Path(__file__).resolve().parents[2]):
        if all((folder / name).is_dir() for name in ("solutions", "grader", "reference")):
            return folder
    raise ReleaseError(f"no instructor project (a folder with solutions/, grader/ and reference/) at {here} or "
                       f"above: run `grade release` in the course's source tree, or pass --project DIR")


def _module_path(module: str) -> str:
    return module.replace(".", "/") + ".py"


def _read(project: Path, relpath: str) -> str:
    return (project / relpath).read_text(encoding="utf-8")


def exercise_files(project: Path) -> dict[str, str]:
    """exercises/exerciseN.py (the stub of solutions/exerciseN.py) and exercises/exerciseN.ipynb (with the cells
    of grader/exercises/exerciseN/notebook_cells.py, when there is one, after the exercise's own)."""
    files = {}
    for exercise in registry.names():
        path = project / "solutions" / f"{exercise}.py"
        if not path.is_file():
            raise ReleaseError(f"missing {path}: every exercise needs its solution")
        stub = make_stub(path.read_text(encoding="utf-8"), str(path))
        extra = project / "grader" / "exercises" / exercise / NOTEBOOK_CELLS
        cells = extra.read_text(encoding="utf-8") if extra.is_file() else None
        files[f"exercises/{exercise}.py"] = stub
        files[f"exercises/{exercise}.ipynb"] = nbformat.writes(make_notebook(stub, exercise, cells))
    return files


def instructor_only() -> set[str]:
    """Paths never shipped: ANSWER_MODULES and the files each exercise's __init__.py lists in INSTRUCTOR_ONLY."""
    return set(ANSWER_MODULES) | {f"grader/exercises/{e.name}/{name}" for e in registry.exercises()
                                  for name in e.instructor_only}


def _our_modules(source: str, package: str) -> set[str]:
    return {m for m in imported_modules(source) if m.split(".")[0] == package}


def _closure(start: dict[str, str], package: str, project: Path, prepare) -> dict[str, str]:
    """The modules of `package` that `start`'s sources import, directly or not: {path: prepare(source, path)}."""
    files, todo = {}, set().union(*(_our_modules(text, package) for text in start.values()))
    never = instructor_only()
    while todo:
        module = todo.pop()
        path = _module_path(module)
        if path in files or path in start or path.startswith(LEFT_OUT) or path in never \
                or not (project / path).is_file():
            continue  # `from a import b` lists a.b too: it is a module only when its file exists
        files[path] = prepare(_read(project, path), path)
        todo |= _our_modules(files[path], package)
    return files


def grader_files(project: Path) -> dict[str, str]:
    """grader/ as it is, but the instructor's tools (LEFT_OUT) and the exercises' folders; of each exercise: its
    __init__.py, its public checks and what they import, and its PUBLIC_DATA files."""
    files = {}
    for path in sorted((project / "grader").rglob("*.py")):
        relative = path.relative_to(project).as_posix()
        if "__pycache__" not in relative and not relative.startswith((*LEFT_OUT, "grader/exercises/")):
            files[relative] = path.read_text(encoding="utf-8")
    files["grader/exercises/__init__.py"] = _read(project, "grader/exercises/__init__.py")
    for exercise in registry.exercises():
        folder = f"grader/exercises/{exercise.name}"
        files[f"{folder}/__init__.py"] = _read(project, f"{folder}/__init__.py")
        files[f"{folder}/checks.py"] = public_checks(_read(project, f"{folder}/checks.py"), f"{folder}/checks.py")
        files.update({f"{folder}/{name}": _data(project / folder / name) for name in exercise.public_data})
    return {**files, **_closure(files, "grader", project, lambda text, path: text)}


def _data(path: Path):
    """A data file's contents: text when it is UTF-8 (JSON, Markdown ...), else bytes (.npz, .mo ...)."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data


def reference_files(project: Path, grader: dict[str, str]) -> dict[str, str]:
    """The reference modules the release's grader imports (and EXTRA_REFERENCE), forward passes only, and the
    files of REFERENCE_DATA."""
    start = {**grader, "<extra>": "\n".join(f"import {m}" for m in EXTRA_REFERENCE)}
    files = _closure(start, "reference", project, forward_only)
    files["reference/__init__.py"] = _read(project, "reference/__init__.py")
    data = project / REFERENCE_DATA
    files.update({p.relative_to(project).as_posix(): _data(p) for p in sorted(data.glob("*")) if p.is_file()}
                 if data.is_dir() else {})
    return files


def course_files(project: Path, exercises: dict[str, str] | None = None) -> dict[str, str]:
    """pyproject.toml, README.md and .gitignore of the release, and the manifest: version, public points, and the
    hash of the code each exercise file ships with (so `grade` can tell a stub from a student's work)."""
    exercises = exercise_files(project) if exercises is None else exercises
    points = {ex: sum(c.info.points for c in collect(ex, include_hidden=False)) for ex in registry.names()}
    titles = {ex: (ast.get_docstring(ast.parse(_read(project, f"solutions/{ex}.py"))) or ex).splitlines()[0]
              for ex in registry.names()}
    manifest = {"grader_version": __version__, "public_points": points, STUB_HASHES: stub_hashes(exercises)}
    return {"pyproject.toml": pyproject(__version__), "README.md": course_readme(titles, points),
            ".gitignore": gitignore(), MANIFEST: json.dumps(manifest, indent=2) + "\n"}


def stub_hashes(exercises: dict[str, str]) -> dict[str, str]:
    """{"exercises/exercise3.py": hash, ...}: of the code grading would run for each file as shipped (a
    notebook's code cells, not its JSON)."""
    return {path: stub_hash(graded_code(text, Path(path).suffix, path)) for path, text in sorted(exercises.items())}


def _defined(source: str) -> set[str]:
    return set().union(*(_bound(node) for node in ast.parse(source).body))


def _bound(node: ast.stmt) -> set[str]:
    if isinstance(node, ast.Try):
        return set().union(*(_bound(n) for n in node.body + [s for h in node.handlers for s in h.body]))
    return bound_names(node)


def _required_imports(tree: ast.AST):
    """The `from X import names` of a module, except inside `try: ... except ImportError:` (optional ones)."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.Try) and any(getattr(h.type, "id", "") in ("ImportError", "ModuleNotFoundError")
                                             for h in node.handlers):
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node
        yield from _required_imports(node)


def check_imports(files: dict[str, str]) -> None:
    """ReleaseError unless every non-optional import of our packages names a shipped module and name."""
    for path, text in files.items():
        if not path.endswith(".py") or not isinstance(text, str):
            continue
        for node in _required_imports(ast.parse(text)):
            if node.module.split(".")[0] not in PACKAGES:
                continue
            target = _module_path(node.module)
            package = node.module.replace(".", "/") + "/__init__.py"
            if target not in files and package not in files:
                raise ReleaseError(f"{path} imports {node.module}, which the release does not contain")
            defined = _defined(files.get(target) or files[package])
            for alias in node.names:
                if alias.name not in defined and _module_path(f"{node.module}.{alias.name}") not in files:
                    raise ReleaseError(f"{path} imports {alias.name} from {node.module}, which the release cut")


def answer_lines(body: str, shortest: int = ANSWER_LINE) -> list[str]:
    """The distinctive lines of an answer: their code (comment and indentation dropped), when that is long."""
    codes = (re.sub(r"\s+#.*$", "", line).strip() for line in body.splitlines())
    return [code for code in codes if len(code) >= shortest and not code.startswith("#")]


def find_answers(files: dict[str, str], project: Path) -> list[str]:
    """Where a solution body or a reference backward pass appears in the release: ["path: what", ...]."""
    needles = {}
    for exercise in registry.names():
        for k, body in enumerate(solution_bodies(_read(project, f"solutions/{exercise}.py")), start=1):
            needles[body] = f"answer {k} of solutions/{exercise}.py"
            for line in answer_lines(body):
                needles[line] = f"a line of answer {k} of solutions/{exercise}.py: {line!r}"
    sources = [p.read_text(encoding="utf-8") for p in sorted((project / "reference").glob("*.py"))]
    for name, text in answer_functions(sources).items():
        needles[text] = f"the reference's {name}"
        needles[f"def {name}("] = f"a definition of {name}"
    exercises = {f"exercises/{ex}{ext}" for ex in registry.names() for ext in (".py", ".ipynb")}
    return [f"{path}: {what}" for path, text in sorted(files.items()) for needle, what in needles.items()
            if needle.strip() and needle in searchable(path, text)
            and not (path in exercises and needle.startswith("def "))]


def searchable(path: str, text: str) -> str:
    """A file's text as code reads: a notebook's cells joined (its JSON escapes every newline); "" for data
    in bytes (arrays of digits, no code)."""
    if isinstance(text, bytes):
        return ""
    if not path.endswith(".ipynb"):
        return text
    return "\n".join(cell.source for cell in nbformat.reads(text, as_version=4).cells) + "\n"


def classroom_files(files: dict[str, str]) -> dict[str, str]:
    """GitHub Classroom's autograding workflow, and a section of the README on it."""
    return {WORKFLOW_PATH: classroom_workflow(registry.names()), "README.md": files["README.md"] + CLASSROOM_README}


def build_files(project: Path, *, classroom: bool = False) -> dict[str, str]:
    """Every file of the release, {relative path: text or bytes}, checked: imports resolve, no answer is in it,
    no instructor-only file is in it. With `classroom`, also the GitHub Classroom workflow."""
    grader, exercises = grader_files(project), exercise_files(project)
    files = {**exercises, **grader, **reference_files(project, grader), **course_files(project, exercises),
             **catalogue_files(project, instructor_only())}
    files.update(classroom_files(files) if classroom else {})
    check_imports(files)
    found = find_answers(files, project) + [f"{path}: instructor only" for path in instructor_only()
                                             if path in files]
    if found:
        raise ReleaseError("refusing to write a release that contains answers:\n  " + "\n  ".join(found))
    return files


def check_out(out: Path, project: Path, *, force: bool) -> None:
    """ReleaseError when OUT cannot be (re)written: a file, non-empty without --force, or the project itself."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ReleaseError(f"{out} exists and is not a folder")
    if out.is_dir() and any(out.iterdir()) and not force:
        raise ReleaseError(f"{out} exists and is not empty; pass --force to replace it")
    resolved, root = out.resolve(), project.resolve()
    if resolved == root or resolved in root.parents or (out / "solutions").exists() or (out / ".git").exists():
        raise ReleaseError(f"refusing to replace {out}: it holds the course's sources (solutions/ or .git/)")


def write_tree(files: dict[str, str], out: Path) -> None:
    """Write the files into a temporary folder beside OUT, then put it in OUT's place (the old OUT is removed)."""
    out = Path(out).absolute()
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        for relpath, text in sorted(files.items()):
            target = staging / relpath
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(text, bytes):
                target.write_bytes(text)
            else:
                target.write_text(text, encoding="utf-8")
        os.chmod(staging, 0o755)
        old = None
        if out.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old.", dir=out.parent))
            out.rename(old / "tree")
        staging.rename(out)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def make_release(out: Path, *, project: Path | None = None, force: bool = False,
                 classroom: bool = False) -> Release:
    """Build the student release of `project` (default: found from here) into OUT; with `classroom`, with GitHub
    Classroom's autograding workflow."""
    project = find_project() if project is None else Path(project)
    if not (project / "solutions").is_dir():
        raise ReleaseError(f"{project} has no solutions/ folder: it is not an instructor's project")
    check_out(out, project, force=force)
    files = build_files(project, classroom=classroom)
    try:
        write_tree(files, out)
    except OSError as exc:
        raise ReleaseError(f"cannot write the release to {out}: {exc.strerror or exc}") from exc
    points = json.loads(files[MANIFEST])["public_points"]
    return Release(Path(out), tuple(sorted(files)), points)
