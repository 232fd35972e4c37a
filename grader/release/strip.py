"""Cutting answers out of Python modules by their syntax tree, for the student release.

Two cuts, each: drop some top-level statements, then keep only what the rest still reaches (a function, class,
assignment or import is kept when a kept statement uses a name it binds; statements that bind nothing, like a
`try:` block, always stay). Everything kept is byte-identical to the original (comments included), except
imports of which only some names are still used: those are rewritten with just those names.

- `public_checks(source)`: a check module without its hidden checks (`@check(..., hidden=True)`) and without
  the helpers, constants and imports only they used.
- `forward_only(source)`: a reference module without its backward passes (functions named `*_backward`, and
  `*_derivative`: sigma' is what exercise 2 asks) and without the helpers only they used.

`imported_modules(source)` lists the modules a source imports (anywhere in it), so a release can ship exactly the
modules its code needs. Standard library only.
"""

from __future__ import annotations

import ast
import re
from typing import Callable, Iterable

ANSWER_SUFFIXES = ("_backward", "_derivative")
LINE_LIMIT = 116


def bound_names(node: ast.stmt) -> set[str]:
    """The names a top-level statement binds (functions, classes, assignment targets, imports)."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {node.name}
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return {(a.asname or a.name).split(".")[0] for a in node.names}
    targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(
        node, (ast.AnnAssign, ast.AugAssign)) else []
    return {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}


def used_names(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _is_future(node: ast.stmt) -> bool:
    return isinstance(node, ast.ImportFrom) and node.module == "__future__"


def reachable(body: list[ast.stmt], root: Callable[[ast.stmt], bool]) -> tuple[list[ast.stmt], set[str]]:
    """The statements of `body` kept from the roots (plus every statement that binds nothing), and the names
    the kept statements use."""
    kept = [n for n in body if root(n) or _is_future(n) or not bound_names(n)]
    used = set().union(*(used_names(n) for n in kept))
    grew = True
    while grew:
        grew = False
        for node in body:
            if node not in kept and bound_names(node) & used:
                kept.append(node)
                used |= used_names(node)
                grew = True
    return [n for n in body if n in kept], used


def _import_text(node: ast.ImportFrom | ast.Import, names: list[ast.alias]) -> str:
    """An import of just `names`, wrapped in parentheses when longer than LINE_LIMIT."""
    text = ast.unparse(type(node)(**{**{f: getattr(node, f) for f in node._fields}, "names": names}))
    if len(text) <= LINE_LIMIT or isinstance(node, ast.Import):
        return text + "\n"
    head = text[: text.index(" import ") + len(" import ")] + "("
    lines, line = [], head
    for alias in (ast.unparse(a) for a in names):
        if len(line) + len(alias) + 2 > LINE_LIMIT and line != head:
            lines.append(line.rstrip())
            line = " " * len(head)
        line += alias + ", "
    return "\n".join(lines + [line[:-2] + ")"]) + "\n"


def _first_line(node: ast.stmt) -> int:
    decorators = getattr(node, "decorator_list", [])
    return min([node.lineno] + [d.lineno for d in decorators])


def cut(source: str, drop: Callable[[ast.stmt], bool], root: Callable[[ast.stmt], bool],
        filename: str = "<string>") -> str:
    """`source` without the top-level statements `drop` selects and without what the rest no longer reaches."""
    tree = ast.parse(source, filename)
    body = [n for n in tree.body if not drop(n)]
    kept, used = reachable(body, root)
    lines = source.splitlines(keepends=True)
    edits = {}  # first line -> (last line, replacement text)
    for node in tree.body:
        if node not in kept:
            edits[_first_line(node)] = (node.end_lineno, "")
        elif isinstance(node, (ast.Import, ast.ImportFrom)) and not _is_future(node):
            names = [a for a in node.names if (a.asname or a.name).split(".")[0] in used]
            if len(names) < len(node.names):
                edits[node.lineno] = (node.end_lineno, _import_text(node, names))
    out, number = [], 1
    while number <= len(lines):
        if number in edits:
            last, text = edits[number]
            out.append(text)
            number = last + 1
        else:
            out.append(lines[number - 1])
            number += 1
    text = re.sub(r"\n{4,}", "\n\n\n", "".join(out)).rstrip("\n") + "\n"
    compile(text, filename, "exec", dont_inherit=True)  # a cut that breaks the module is a bug: say so here
    return text


def is_check(node: ast.stmt, *, hidden: bool | None = None) -> bool:
    """True for a function decorated with @check(...) (and hidden=True, or not, when `hidden` is given)."""
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return False
    for decorator in node.decorator_list:
        if isinstance(decorator, ast.Call) and getattr(decorator.func, "id", getattr(decorator.func, "attr", "")) \
                == "check":
            flags = [k.value for k in decorator.keywords if k.arg == "hidden"]
            is_hidden = bool(flags) and isinstance(flags[0], ast.Constant) and flags[0].value is True
            return hidden is None or is_hidden == hidden
    return False


def public_checks(source: str, filename: str = "<string>") -> str:
    """A check module with its public checks only (and what they use)."""
    return cut(source, lambda n: is_check(n, hidden=True), lambda n: is_check(n, hidden=False), filename)


def is_answer(node: ast.stmt) -> bool:
    return isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.endswith(ANSWER_SUFFIXES)


def forward_only(source: str, filename: str = "<string>") -> str:
    """A reference module without its backward passes; its other public names (and what they use) stay."""
    def public(node):
        return any(not name.startswith("_") for name in bound_names(node)) and not isinstance(
            node, (ast.Import, ast.ImportFrom))

    return cut(source, is_answer, public, filename)


def imported_modules(source: str, filename: str = "<string>") -> set[str]:
    """Every module `source` imports, anywhere (absolute names; `from a.b import c` gives a.b and a.b.c)."""
    found = set()
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
    return found


def answer_functions(sources: Iterable[str]) -> dict[str, str]:
    """{name: source text} of every backward pass (`*_backward`, `*_derivative`) defined in `sources`."""
    found = {}
    for source in sources:
        for node in ast.parse(source).body:
            if is_answer(node):
                found[node.name] = ast.get_source_segment(source, node)
    return found
