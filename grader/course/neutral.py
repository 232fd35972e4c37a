"""Text a student controls (file names, folder names, messages that quote them), made safe to show.

`one_line` is for anything shown on one line: a terminal progress line, summary.txt and summary.html, the
gradebook, batch.json and the exports. It writes as escapes every character that could redraw a terminal (escape
sequences, bell, backspace, carriage return), reorder what is shown (bidi overrides and isolates, invisible marks)
or start a new line that passes for the grader's own (newline, tab, line and paragraph separators), and lone
surrogates (file names that are not UTF-8), so the text is plain, printable and encodable. It never escapes a
backslash, so applying it twice changes nothing.

`csv_cell` keeps a spreadsheet from running a cell as a formula (OWASP "CSV injection"): see its docstring.
"""

from __future__ import annotations

import re

_CONTROLS = (*range(0x20), 0x7F, *range(0x80, 0xA0))  # C0 (newline and tab included), DEL, C1
_FORMAT = (0x061C, 0x180E, *range(0x200B, 0x2010), 0x2028, 0x2029, *range(0x202A, 0x202F), 0x2060,
           *range(0x2066, 0x206A), 0xFEFF)  # zero-width and bidi marks, overrides, isolates; line separators
_ESCAPES = {c: f"\\x{c:02x}" for c in _CONTROLS}
_ESCAPES.update({c: f"\\u{c:04x}" for c in (*_FORMAT, *range(0xD800, 0xE000))})

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def one_line(text) -> str:
    """`text` (any value, as str) with control, bidi and line-breaking characters written as escapes
    (``\\x1b``, ``\\u202e``, ``\\x0a``): what it shows is what it is, on a single line."""
    return str(text).translate(_ESCAPES)


def csv_cell(text: str) -> str:
    """A CSV cell that no spreadsheet runs as a formula.

    Rule: a cell that starts with ``= + - @``, a tab, a carriage return or a newline gets a leading single quote
    (the spreadsheet shows the text, not a formula's result), except a plain decimal number (``-1.5``), which
    is a value, never a formula. Apply it to every cell a student can influence (names, file names, reasons,
    feedback), never to the header, to scores (numbers) or to an LMS's identity column, whose value must reach
    the LMS exactly: check those with `exact_safe` and leave out a row that fails it.
    """
    if text.startswith(FORMULA_START) and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


def exact_safe(value: str) -> bool:
    """May `value` go into an identity column unchanged: no formula start (unless a number), nothing to escape."""
    return csv_cell(value) == value and one_line(value) == value
