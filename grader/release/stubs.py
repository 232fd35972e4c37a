"""Student stubs from the instructor's solutions: every marked answer becomes `raise NotImplementedError`.

A solution module marks each answer with two comment lines at the indentation of the enclosing function's body:

    def rot180(kernel):
        \"\"\"Rotate a kernel by 180 degrees.\"\"\"
        kernel = np.asarray(kernel)              # kept: code outside the markers is part of the stub
        # BEGIN SOLUTION
        # HINT: flip both of the last two axes   (optional HINT lines right after BEGIN are kept)
        return kernel[..., ::-1, ::-1].copy()
        # END SOLUTION

and the stub replaces the marked lines (markers included) by

        # HINT: flip both of the last two axes
        # YOUR CODE HERE
        raise NotImplementedError("rot180: flip both of the last two axes")

The message is the first HINT, else the first sentence of the function's docstring. Every other byte is kept
(line endings too). Pure steps, in order: `find_regions` (markers -> Region records; MarkerError when malformed),
`region_hints` and `region_pointer` (what the stub says), `stub_lines` (the replacement), `make_stub` (all that,
then compile() the result), `generate_exercises` (solutions/exerciseN.py -> exercises/exerciseN.py, atomically).
Markers are comments alone on their line (found with `tokenize`): a string that mentions one, like this
docstring, holds no marker. Standard library only.
"""

from __future__ import annotations

import ast
import io
import itertools
import os
import re
import sys
import tempfile
import tokenize
from pathlib import Path
from typing import NamedTuple

MARKER = re.compile(r"#+\s*(BEGIN|END)\s+SOLUTION\b")
HINT = re.compile(r"#+\s*HINT\s*:\s*(.*)$")
EXERCISE_NAME = re.compile(r"exercise(\d+)\.py")
POINTER_LIMIT = 160  # characters of the NotImplementedError message, function name included
LINE_LIMIT = 110  # a longer raise line is split into several string pieces


class MarkerError(ValueError):
    """A malformed BEGIN/END SOLUTION region: `filename`, 1-based `line` and `what` is wrong."""

    def __init__(self, filename: str, line: int, what: str):
        super().__init__(f"{filename}:{line}: {what}")
        self.filename, self.line, self.what = filename, line, what


class Region(NamedTuple):
    """One marked answer: the 1-based line numbers of its BEGIN and END marker lines and their indentation."""

    begin_line: int
    end_line: int
    indent: str


class _Function(NamedTuple):
    """A function definition's extent: header line, last line (trailing comments included), body indentation."""

    name: str
    first: int
    last: int
    body_indent: str
    docstring: str | None


def split_lines(source: str) -> list[str]:
    """The physical lines of `source` with their line endings (\\n, \\r\\n or \\r), so "".join() gives it back."""
    return re.findall(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z", source)


def _indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip(" \t\f"))]


def _comments(source: str, filename: str) -> dict[int, tuple[str, bool]]:
    """{1-based line: (comment text, alone on its line?)} for every comment of `source`."""
    comments = {}
    try:
        for token in tokenize.generate_tokens(io.StringIO(source, newline=None).readline):
            if token.type == tokenize.COMMENT:
                comments[token.start[0]] = (token.string, not token.line[: token.start[1]].strip())
    except (tokenize.TokenError, SyntaxError) as error:
        raise MarkerError(filename, getattr(error, "lineno", None) or 1, f"cannot tokenize: {error}") from None
    return comments


def _functions(tree: ast.AST, lines: list[str], comments: dict[int, tuple[str, bool]]) -> list[_Function]:
    """Every function with its extent; comment lines after its last statement, indented deeper than its
    `def`, still belong to it (an END marker usually sits there)."""
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        def_indent, last = len(_indent(lines[node.lineno - 1])), node.end_lineno
        for number in range(node.end_lineno + 1, len(lines) + 1):
            if comments.get(number, ("", False))[1] and len(_indent(lines[number - 1])) > def_indent:
                last = number
            elif lines[number - 1].strip():
                break
        body_indent = _indent(lines[node.body[0].lineno - 1])
        found.append(_Function(node.name, node.lineno, last, body_indent, ast.get_docstring(node)))
    return found


def _enclosing(functions: list[_Function], line: int) -> _Function | None:
    """The innermost function whose body holds `line`."""
    holding = [f for f in functions if f.first < line <= f.last]
    return max(holding, key=lambda f: f.first) if holding else None


def _markers(comments: dict[int, tuple[str, bool]], filename: str) -> list[tuple[int, str]]:
    """[(line, "BEGIN" | "END")] in line order; a marker must be a comment on a line of its own."""
    markers = []
    for number, (text, alone) in sorted(comments.items()):
        match = MARKER.match(text)
        if match and not alone:
            raise MarkerError(filename, number, f"{match.group(1)} SOLUTION must be on a line of its own")
        if match:
            markers.append((number, match.group(1)))
    return markers


def _scan(source: str, filename: str) -> tuple[list[str], list[tuple[Region, _Function]]]:
    """The lines of `source` and its regions, each with its enclosing function; MarkerError if malformed."""
    lines = split_lines(source)
    tree = ast.parse(source, filename)  # a SyntaxError names the file and line
    comments = _comments(source, filename)
    functions = _functions(tree, lines, comments)
    regions, open_at = [], None
    for number, kind in _markers(comments, filename):
        function = _enclosing(functions, number)
        if function is None:
            raise MarkerError(filename, number, f"{kind} SOLUTION outside a function body")
        if _indent(lines[number - 1]) != function.body_indent:
            raise MarkerError(filename, number, f"{kind} SOLUTION is not indented like the body of "
                                                f"{function.name}() ({len(function.body_indent)} columns)")
        if kind == "BEGIN":
            if open_at is not None:
                raise MarkerError(filename, number, f"BEGIN SOLUTION inside the region opened on line {open_at[0]}")
            open_at = (number, function)
        elif open_at is None:
            raise MarkerError(filename, number, "END SOLUTION without a BEGIN SOLUTION")
        elif open_at[1] is not function:
            raise MarkerError(filename, number, f"END SOLUTION in {function.name}() closes the region that "
                                                f"line {open_at[0]} opened in {open_at[1].name}()")
        else:
            regions.append((Region(open_at[0], number, function.body_indent), function))
            open_at = None
    if open_at is not None:
        raise MarkerError(filename, open_at[0], "BEGIN SOLUTION is never closed by an END SOLUTION")
    return lines, regions


def find_regions(source: str, filename: str = "<string>") -> list[Region]:
    """The marked regions of `source`, in order. MarkerError(filename, line, what) on: END without BEGIN,
    BEGIN inside a region, BEGIN never closed, a marker not indented like its function's body, a marker
    outside a function body, a marker after code on the same line."""
    return [region for region, _ in _scan(source, filename)[1]]


def region_hints(lines: list[str], region: Region) -> list[str]:
    """The `# HINT: ...` lines (with their line endings) right after the region's BEGIN line."""
    body = lines[region.begin_line : region.end_line - 1]
    return list(itertools.takewhile(lambda line: HINT.match(line.strip()), body))


def first_sentence(text: str | None) -> str:
    """The first sentence of a docstring's first paragraph, whitespace collapsed ("" for no docstring)."""
    paragraph = " ".join((text or "").strip().split("\n\n")[0].split())
    match = re.match(r"(.+?[.!?])(\s|$)", paragraph)
    return match.group(1) if match else paragraph


def region_pointer(function_name: str, docstring: str | None, hints: list[str]) -> str:
    """The NotImplementedError message: "name: <first HINT>" or "name: <docstring's first sentence>"."""
    text = " ".join(HINT.match(hints[0].strip()).group(1).split()) if hints else first_sentence(docstring)
    pointer = f"{function_name}: {text or 'write the body of this function'}"
    if len(pointer) <= POINTER_LIMIT:
        return pointer
    return pointer[: pointer.rfind(" ", 0, POINTER_LIMIT - 3)].rstrip(" ,;:") + "..."  # cut between words


def _string_literal(text: str) -> str:
    """`text` as a Python string literal, double-quoted when that needs no escapes."""
    plain = '"' not in text and "\\" not in text and text.isprintable()
    return f'"{text}"' if plain else repr(text)


def _raise_lines(indent: str, pointer: str, newline: str) -> list[str]:
    """`raise NotImplementedError("<pointer>")`, split into string pieces when longer than LINE_LIMIT."""
    line = f"{indent}raise NotImplementedError({_string_literal(pointer)})"
    if len(line) <= LINE_LIMIT:
        return [line + newline]
    pieces, width = [""], LINE_LIMIT - len(indent) - 8
    for word in pointer.split(" "):
        if pieces[-1] and len(pieces[-1]) + len(word) > width:
            pieces.append("")
        pieces[-1] += word + " "
    pieces[-1] = pieces[-1][:-1]  # the message keeps its single spaces and gains none at the end
    inner = [f"{indent}    {_string_literal(piece)}{newline}" for piece in pieces]
    return [f"{indent}raise NotImplementedError({newline}", *inner, f"{indent}){newline}"]


def stub_lines(region: Region, hints: list[str], pointer: str, newline: str) -> list[str]:
    """What replaces a region: its HINT lines as they are, a "YOUR CODE HERE" comment and the raise."""
    return [*hints, f"{region.indent}# YOUR CODE HERE{newline}", *_raise_lines(region.indent, pointer, newline)]


def _newline(line: str) -> str:
    return line[len(line.rstrip("\r\n")) :] or "\n"


def make_stub(source: str, filename: str = "<string>") -> str:
    """The student stub of a solution module: each marked region replaced, everything else byte-identical.
    MarkerError for malformed markers or when the stub would not compile (a region must hold whole
    statements); SyntaxError when the solution itself does not."""
    lines, regions = _scan(source, filename)
    out, origin, done = [], [], 0  # origin[i]: the solution line that stub line i + 1 comes from
    for region, function in regions:
        out += lines[done : region.begin_line - 1]
        origin += range(done + 1, region.begin_line)
        hints = region_hints(lines, region)
        pointer = region_pointer(function.name, function.docstring, hints)
        replacement = stub_lines(region, hints, pointer, _newline(lines[region.begin_line - 1]))
        out += replacement
        origin += [region.begin_line] * len(replacement)
        done = region.end_line
    out += lines[done:]
    origin += range(done + 1, len(lines) + 1)
    stub = "".join(out)
    try:
        compile(stub, filename, "exec", dont_inherit=True)
    except SyntaxError as error:
        line = origin[min(max(error.lineno or 1, 1), len(origin)) - 1] if origin else 1
        before = [r for r, _ in regions if r.begin_line <= line] or [regions[0][0]]
        raise MarkerError(filename, line, f"the stub does not compile ({error.msg}): the region on lines "
                                          f"{before[-1].begin_line}-{before[-1].end_line} must hold whole "
                                          f"statements") from None
    return stub


def solution_bodies(source: str, filename: str = "<string>") -> list[str]:
    """The answers: one string per region, its lines between BEGIN and END (HINT lines left out, since the
    stub shows them), exactly as written. Used to check that a release contains no answer."""
    lines, regions = _scan(source, filename)
    bodies = []
    for region, _ in regions:
        hints = region_hints(lines, region)
        bodies.append("".join(lines[region.begin_line + len(hints) : region.end_line - 1]))
    return bodies


def _write_atomically(path: Path, data: bytes) -> None:
    """Write `data` to a temporary file beside `path`, then rename it over `path` (keeping its mode, else 644)."""
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(handle, mode)
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _solution_files(solutions_dir: Path) -> list[Path]:
    named = [p for p in Path(solutions_dir).iterdir() if p.is_file() and EXERCISE_NAME.fullmatch(p.name)]
    return sorted(named, key=lambda p: int(EXERCISE_NAME.fullmatch(p.name).group(1)))


def generate_exercises(solutions_dir: Path, exercises_dir: Path, *, check: bool = False) -> list[Path]:
    """Make exercises_dir/exerciseN.py from every solutions_dir/exerciseN.py (N in numeric order).

    Returns the exercise files that were out of date (missing or different from the fresh stub). With
    check=False those are rewritten, each atomically, and up-to-date files are left untouched; with
    check=True nothing is written. Stubs are built for every file before anything is written, so a bad
    marker in one solution leaves the exercises as they were.
    """
    exercises_dir = Path(exercises_dir)
    stale = []
    for solution in _solution_files(Path(solutions_dir)):
        stub = make_stub(solution.read_bytes().decode("utf-8"), str(solution)).encode("utf-8")
        target = exercises_dir / solution.name
        if not target.is_file() or target.read_bytes() != stub:
            stale.append((target, stub))
    if not check:
        exercises_dir.mkdir(parents=True, exist_ok=True)
        for target, stub in stale:
            _write_atomically(target, stub)
    return [target for target, _ in stale]


def main(argv: list[str] | None = None) -> int:
    """`python -m grader.release.stubs [--check]`: regenerate (or check) this project's exercises/ from solutions/."""
    args = sys.argv[1:] if argv is None else argv
    if args not in ([], ["--check"]):
        print("usage: python -m grader.release.stubs [--check]", file=sys.stderr)
        return 2
    root = Path(__file__).resolve().parents[2]
    stale = generate_exercises(root / "solutions", root / "exercises", check=bool(args))
    print("\n".join(f"{'out of date' if args else 'wrote'}: {path}" for path in stale) or "up to date")
    return 1 if stale and args else 0


if __name__ == "__main__":
    sys.exit(main())
