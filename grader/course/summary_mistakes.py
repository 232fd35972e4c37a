"""Reading failed checks for teaching (grader/course/summary.py): which function a student did not start, which known
mistakes the checks named, counted once per student, and messages shortened without losing their diagnosis.

A check whose output starts with "not implemented yet" is a stub: the function is the innermost frame of the
submission its output names (else the check's name before ":"). Any other failure's first line, the grader's own,
may name a mistake after "Looks like: " (grader/grading/compare.py); a stub's output quotes the student's own
NotImplementedError message, so it is never read for mistakes. Mistake names that differ only in a number that
varies (the stride) are one mistake, shown with N for it.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from typing import NamedTuple

from grader.course.neutral import one_line

STUB = "not implemented yet"
LOOKS_LIKE = "Looks like: "


class Mistake(NamedTuple):
    name: str  # as the checks say it after "Looks like: " (a number that varies shown as N)
    students: int  # distinct students whose failures named it
    checks: int  # failed checks that named it, over all students
    example: str  # one full first line that names it (the shortest)
    functions: tuple[str, ...] = ()  # the functions whose checks named it (a check's name before ":")


class Stub(NamedTuple):
    function: str
    students: int  # distinct students whose function raised the stub's NotImplementedError


class Failure(NamedTuple):
    """What one failed check's output says, read by `read_failure`."""
    first_line: str
    stub: str | None  # the function not started, for a stub
    mistakes: tuple[str, ...]  # named mistakes (one entry "A, or: B" when the check could not tell)


def first_line(text) -> str:
    """The first non-blank line, stripped and on one plain line."""
    return one_line(next((s.strip() for s in str(text or "").splitlines() if s.strip()), ""))


_FRAME = re.compile(r"^\s*at .*, line \d+, in ([A-Za-z_]\w*)\b")


def read_failure(test: dict) -> Failure:
    """A failed check: its first line, the function left a stub (when it says "not implemented yet": the
    innermost frame of the submission named in its output, else the part of the check's name before ":"), and
    the mistakes its first line names (only the first line, which is the grader's own; never for a stub, whose
    output quotes the student's NotImplementedError message)."""
    return _read_failure(str(test.get("output", "") or ""), str(test.get("name", "?")))


@functools.lru_cache(maxsize=4096)  # a class repeats the same messages: each is read once per summary
def _read_failure(output: str, name: str) -> Failure:
    line = first_line(output)
    if line.startswith(STUB):
        frames = [m.group(1) for m in map(_FRAME.match, output.splitlines()[1:]) if m]
        return Failure(line, one_line(frames[-1]) if frames else function_of({"name": name}), ())
    mistake = line.split(LOOKS_LIKE, 1)[1].strip() if LOOKS_LIKE in line else ""
    return Failure(line, None, (mistake.rstrip(".").strip(),) if mistake.rstrip(".").strip() else ())


def function_of(test: dict) -> str:
    """The function a check tests: its name before ":" ("rot180: square 2-D kernel" -> "rot180")."""
    name = one_line(test.get("name", "?"))
    return name.split(":", 1)[0].strip() or name


def _failed_tests(result: dict) -> list[tuple[dict, Failure]]:
    if result.get("error"):
        return []  # a file that could not be graded ran no check
    return [(t, read_failure(t)) for t in result.get("tests", []) if isinstance(t, dict)
            and t.get("status") != "passed"]


def _skeleton(text: str) -> str:
    return re.sub(r"\d+", "#", text)


def merge_numbers(variants: list[str]) -> str:
    """One text for variants that differ only in numbers: a number they all share is kept, others read N."""
    parts = [re.split(r"(\d+)", v) for v in variants]
    return "".join(p if i % 2 == 0 or all(q[i] == p for q in parts) else "N" for i, p in enumerate(parts[0]))


def shorten(line: str, width: int) -> str:
    """`line` in at most about `width` characters, never cut before its diagnosis: a line that names a mistake
    loses the middle of what precedes "Looks like:", not the mistake."""
    if len(line) <= width:
        return line
    if LOOKS_LIKE in line:
        head, tail = line.split(LOOKS_LIKE, 1)
        tail = LOOKS_LIKE + tail
        room = max(width - len(tail) - 2, 60)
        return head[:room].rstrip() + " … " + tail if len(head) > room else line
    return line[:width - 1] + "…"


def student_mistakes(failures: list[Failure]) -> set[str]:
    """The mistakes one student's failures name; an undecided "A, or: B" only when neither A nor B is named
    on its own elsewhere."""
    named = {m for f in failures for m in f.mistakes}
    return {m for m in named if ", or: " not in m or not any(part in named for part in m.split(", or: "))}


def named_mistakes(results: dict[str, dict]) -> tuple[Mistake, ...]:
    """The mistakes of one exercise's results (by student id), most students first."""
    students, checks, examples, names, functions = {}, Counter(), {}, {}, {}
    for student, result in results.items():
        failures = [f for _, f in _failed_tests(result)]
        for mistake in student_mistakes(failures):
            key = _skeleton(mistake)
            students.setdefault(key, set()).add(student)
            names.setdefault(key, set()).add(mistake)
        for test, failure in _failed_tests(result):
            for mistake in failure.mistakes:
                key = _skeleton(mistake)
                checks[key] += 1
                examples.setdefault(key, []).append(failure.first_line)
                functions.setdefault(key, set()).add(function_of(test))
    found = [Mistake(merge_numbers(sorted(names[key])), len(students[key]), checks[key],
                     min(examples[key], key=lambda s: (len(s), s)), tuple(sorted(functions[key])))
             for key in students]
    return tuple(sorted(found, key=lambda m: (-m.students, -m.checks, m.name)))


def not_started(results: dict[str, dict]) -> tuple[Stub, ...]:
    """Per function: how many students left it an untouched stub, most first."""
    students = {}
    for student, result in results.items():
        for _, failure in _failed_tests(result):
            if failure.stub:
                students.setdefault(failure.stub, set()).add(student)
    return tuple(sorted((Stub(f, len(s)) for f, s in students.items()), key=lambda s: (-s.students, s.function)))
