"""A student's Jupyter notebook made from an exercise stub: teaching text, one code cell per function, the checks.

Pure steps, in order: `docstring_markdown` (a docstring as Markdown: formulas and doctests as code blocks),
`split_module` (a stub module -> its docstring and its pieces: setup code and functions, in order),
`piece_cells` (a piece -> a Markdown cell teaching it and the code cell holding it), `extra_cells` (an exercise's
optional notebook_cells.py -> more cells: plots, experiments), `make_notebook` (all of it, plus the cells that run
the checks, validated with nbformat).

Cells say whose they are, in their metadata: `tags` ["student"] and `cnnkit` {"role": "answer", "function":
name} for the cells that hold an answer (a `raise NotImplementedError` of the stub), ["given"] and {"role":
"given"} for code to keep as it is (locked: editable false), {"role": "check"} for the cell that runs `grader.check`,
{"role": "text"} for Markdown, ["extra"] and {"role": "extra"} for the cells of notebook_cells.py (editable).
The notebook's metadata says which exercise it is: {"cnnkit": {"exercise": ...}}.
"""

from __future__ import annotations

import ast
import re
import textwrap
from typing import NamedTuple

import nbformat

from grader.grading.notebook import META_KEY

KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}
_SPECIAL = re.compile(r"([\\*_\[\]<>$#|])")  # Markdown (and MathJax's $) syntax, escaped in prose


class Piece(NamedTuple):
    """A run of top-level code: a function (name set) or setup statements (name None)."""

    name: str | None
    code: str  # the code without the function's docstring
    signature: str
    docstring: str | None
    answer: bool  # the stub raises NotImplementedError here: the student writes it


def _escape_prose(line: str) -> str:
    """Escape Markdown syntax outside `code spans`, keeping a leading "* " bullet."""
    bullet = re.match(r"(\s*[*-] )", line)
    head, rest = (bullet.group(1), line[bullet.end():]) if bullet else ("", line)
    parts = re.split(r"(`[^`]*`)", rest)
    return head + "".join(p if p.startswith("`") else _SPECIAL.sub(r"\\\1", p) for p in parts)


def _fence(lines: list[str]) -> list[str]:
    return ["```python", *textwrap.dedent("\n".join(lines)).splitlines(), "```"]


def docstring_markdown(text: str) -> str:
    """A docstring as Markdown: prose escaped, indented formula blocks and doctest blocks as fenced code."""
    out: list[str] = []
    lines = textwrap.dedent(text.strip("\n")).splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.lstrip().startswith(">>>") or line.startswith("    "):
            doctest = line.lstrip().startswith(">>>")
            j = i
            while j < len(lines) and lines[j].strip() and (doctest or lines[j].startswith("    ")):
                j += 1
            out += (["", *_fence(lines[i:j]), ""])
            i = j
        else:
            out.append(_escape_prose(line))
            i += 1
    return re.sub(r"\n{3,}", "\n\n", "\n".join(out)).strip() + "\n"


def _raises_not_implemented(node: ast.AST) -> bool:
    for sub in ast.walk(node):
        if isinstance(sub, ast.Raise) and sub.exc is not None:
            target = sub.exc.func if isinstance(sub.exc, ast.Call) else sub.exc
            if getattr(target, "id", None) == "NotImplementedError":
                return True
    return False


def _function_piece(node, lines: list[str], start: int) -> Piece:
    """A function from line `start` (comments above it included) to its end, its docstring left out."""
    body = lines[start: node.end_lineno]
    docstring = ast.get_docstring(node)
    if docstring is not None and len(node.body) > 1:
        first, last = node.body[0].lineno - 1 - start, node.body[0].end_lineno - start
        body = body[:first] + body[last:]
    return Piece(node.name, "".join(body).strip("\n"), ast.unparse(node.args), docstring,
                 _raises_not_implemented(node))


def split_module(source: str) -> tuple[str, list[Piece]]:
    """(module docstring, pieces): consecutive non-function statements form one setup piece; each function
    is a piece of its own, with the comment lines right above it."""
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    pieces: list[Piece] = []
    body = tree.body[1:] if ast.get_docstring(tree) is not None else tree.body
    setup: list[str] = []
    start = tree.body[0].end_lineno if body is not tree.body else 0
    for node in body:
        first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])]) - 1
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if "".join(setup).strip():
                pieces.append(Piece(None, "".join(setup).strip("\n"), "", None, False))
            setup = []
            comments = [k for k in range(start, first) if lines[k].strip()]  # comment lines above the def
            pieces.append(_function_piece(node, lines, comments[0] if comments else first))
        else:
            setup += lines[start: node.end_lineno]
        start = node.end_lineno
    if "".join(setup).strip():
        pieces.append(Piece(None, "".join(setup).strip("\n"), "", None, False))
    return ast.get_docstring(tree) or "", pieces


def _markdown(text: str, cell_id: str):
    return nbformat.v4.new_markdown_cell(text, id=cell_id, metadata={META_KEY: {"role": "text"}})


def _code(code: str, cell_id: str, function: str | None, answer: bool):
    role = {"role": "answer", "function": function} if answer else {"role": "given"}
    metadata = {"tags": ["student" if answer else "given"], META_KEY: role, "editable": answer,
                "deletable": False}
    return nbformat.v4.new_code_cell(code, id=cell_id, metadata=metadata)


def piece_cells(piece: Piece, cell_id: str) -> list:
    """A setup piece -> its code cell; a function -> a Markdown cell teaching it, then its code cell."""
    code = _code(piece.code, f"{cell_id}-code", piece.name, piece.answer)
    if piece.name is None or piece.name.startswith("_"):
        return [code]
    who = "Your answer goes in the cell below." if piece.answer else "Given: run the cell below as it is."
    text = f"## `{piece.name}({piece.signature})`\n\n{docstring_markdown(piece.docstring or '')}\n*{who}*\n"
    return [_markdown(text, f"{cell_id}-text"), code]


def _intro(exercise: str) -> str:
    return (f"## How to work\n\nWrite your answers in the code cells tagged `student` (the ones that "
            f"`raise NotImplementedError`); the other code cells are given. Run every cell from the top, "
            f"then the check cell at the end; **save the notebook**: the saved file is what you hand in (and "
            f"what `grade {exercise}` grades in a terminal, from the course folder).\n")


def _check_cells(exercise: str) -> list:
    text = ("## Check your work\n\n`grader.check` grades your functions as this notebook's kernel defines them "
            "(run the cells above first), in the grader's sandbox, on fresh random inputs, and says what is wrong, "
            "e.g. *the kernel was not rotated by 180°*, with a picture of expected and got. It tells you when the "
            "saved notebook differs from the kernel: save it (Ctrl+S), the saved file is what you hand in.\n")
    check = nbformat.v4.new_code_cell(f'import grader\n\ngrader.check("{exercise}")', id=f"{exercise}-check",
                                      metadata={"tags": ["check"], META_KEY: {"role": "check"},
                                                "editable": False, "deletable": False})
    return [_markdown(text, f"{exercise}-check-text"), check]


CELL_MARK = re.compile(r"^# %%( \[markdown\])?[ \t]*$", re.MULTILINE)


def extra_cells(text: str, exercise: str) -> list:
    """Cells from a file in the "percent" format (as jupytext and VS Code write it): a line `# %% [markdown]`
    starts a Markdown cell (its lines' leading "# " removed), a line `# %%` a code cell; what comes before the
    first marker (the file's docstring) is not a cell. Code cells are graded with the rest of the notebook:
    keep slow or plotting code under `if __name__ == "__main__":` (true in Jupyter, false in the grader)."""
    marks = list(CELL_MARK.finditer(text))
    cells = []
    for number, mark in enumerate(marks, start=1):
        body = text[mark.end(): marks[number].start() if number < len(marks) else len(text)].strip("\n")
        cell_id = f"{exercise}-extra-{number:02d}"
        if mark.group(1):
            lines = [re.sub(r"^# ?", "", line) for line in body.splitlines()]
            cells.append(_markdown("\n".join(lines).strip() + "\n", cell_id))
        else:
            cells.append(nbformat.v4.new_code_cell(body, id=cell_id, metadata={
                "tags": ["extra"], META_KEY: {"role": "extra"}, "editable": True, "deletable": True}))
    return cells


def make_notebook(stub_source: str, exercise: str, extra: str | None = None):
    """The notebook of `exercise` from its stub module, with the cells of `extra` (extra_cells' format) after
    the exercise's own; raises nbformat's ValidationError if it is invalid."""
    docstring, pieces = split_module(stub_source)
    title, _, rest = docstring.partition("\n")
    cells = [_markdown(f"# {_escape_prose(title.strip())}\n\n{docstring_markdown(rest) if rest.strip() else ''}",
                       f"{exercise}-intro"), _markdown(_intro(exercise), f"{exercise}-how")]
    for number, piece in enumerate(pieces, start=1):
        cells += piece_cells(piece, f"{exercise}-{number:02d}")
    cells += extra_cells(extra, exercise) if extra else []
    cells += _check_cells(exercise)
    metadata = {"kernelspec": KERNELSPEC, "language_info": {"name": "python"}, META_KEY: {"exercise": exercise}}
    notebook = nbformat.v4.new_notebook(cells=cells, metadata=metadata)
    nbformat.validate(notebook)
    return notebook
