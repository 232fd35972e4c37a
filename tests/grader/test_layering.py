"""The rooms' imports run one way (DESIGN.md, grader/README.md): reference imports nothing of ours; the sandbox
nothing else of the grader; exercises use grading and the reference; course and release use grading and the
registry; the CLI is imported by nothing. Read from the syntax trees of every module, imports inside functions too."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

ALLOWED = {  # room -> the rooms it may import (besides itself, and the grader package's __version__)
    "reference": set(),
    "grader.registry": set(),
    "grader.sandbox": set(),
    "grader.grading": {"grader.sandbox", "grader.registry"},
    "grader.exercises": {"grader.grading", "grader.sandbox", "reference"},
    "grader.course": {"grader.grading", "grader.sandbox", "grader.registry"},
    "grader.release": {"grader.course", "grader.grading", "grader.sandbox", "grader.registry", "reference"},
    "grader.cli": {"grader.course", "grader.grading", "grader.sandbox", "grader.registry", "grader.release"},
}


def room(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] == "reference":
        return "reference"
    if parts[0] != "grader" or len(parts) == 1:
        return None  # another package, or `grader` itself (its __version__)
    return ".".join(parts[:2])


def imports(path: Path):
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
            if node.module == "grader":  # from grader import registry
                yield from (f"grader.{alias.name}" for alias in node.names if alias.name != "__version__")


def module_of(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


def edges():
    for package in ("grader", "reference"):
        for path in sorted((ROOT / package).rglob("*.py")):
            source = room(module_of(path))
            for target in map(room, imports(path)):
                if source is not None and target is not None and target != source:
                    yield source, target, path.relative_to(ROOT).as_posix()


def test_every_module_is_in_a_room():
    rooms = {room(module_of(p)) for p in (ROOT / "grader").rglob("*.py") if p.name != "__init__.py"}
    assert rooms <= set(ALLOWED), rooms - set(ALLOWED)


def test_imports_run_one_way():
    wrong = [f"{path}: {source} imports {target}" for source, target, path in edges()
             if target not in ALLOWED[source]]
    assert wrong == []


def test_the_allowed_imports_have_no_circle():
    done, visiting = set(), []

    def visit(node):
        assert node not in visiting, f"circle: {' -> '.join(visiting + [node])}"
        if node not in done:
            visiting.append(node)
            for target in ALLOWED[node]:
                visit(target)
            visiting.pop()
            done.add(node)

    for node in ALLOWED:
        visit(node)


def test_a_forbidden_import_is_found(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text("def f():\n    from grader.cli.main import main\n    from grader import registry\n")
    assert list(imports(probe)) == ["grader.cli.main", "grader", "grader.registry"]
    assert {room(m) for m in imports(probe)} == {"grader.cli", None, "grader.registry"}


def test_top_level_and_file_sizes():
    top = sorted(p.name for p in (ROOT / "grader").glob("*.py"))
    assert top == ["__init__.py", "registry.py"]
    long = {p.relative_to(ROOT).as_posix(): n for p in (ROOT / "grader").rglob("*.py")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > 350}
    assert long == {}
