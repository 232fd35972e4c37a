"""The feedback text an export gives a student for one exercise (Moodle's feedback columns).

Built from the result's failing checks, never from the gradebook's one-line reason (cut at 200 characters):
per public check ``Failed <name>: <first line of its message>. Looks like: <diagnosis>.``; hidden checks are only
counted. A check's own text is shortened at a word, never through the diagnosis ("Looks like: ..."), which is
always kept whole; when the whole is over the limit, whole checks are dropped from the end and
``(+N more checks)`` says how many.
"""

from __future__ import annotations

from grader.course.gradebook import format_number

FEEDBACK_LIMIT = 1500  # characters of one feedback cell
CHECK_LIMIT = 400  # characters of one check's message, diagnosis included
DIAGNOSIS = "Looks like:"


def shorten(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters at a word boundary, with an ellipsis; never mid-word."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: max(limit - 1, 1)]
    if " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:.") + "…"


def check_message(output: str, limit: int = CHECK_LIMIT) -> str:
    """A check's message: its first line (shortened at a word) and its whole diagnosis, without a final '.'."""
    lines = [line.strip() for line in str(output or "").splitlines() if line.strip()]
    if not lines:
        return ""
    first, diagnosis = lines[0], ""
    for line in lines:
        at = line.find(DIAGNOSIS)
        if at >= 0:
            diagnosis = " ".join(line[at:].split()).rstrip(" .")
            if line is lines[0]:
                first = first[:at]
            break
    first = first.strip().rstrip(" .;")
    room = max(limit - len(diagnosis) - 2, 40)
    body = shorten(first, room).rstrip(" .") if first else ""
    return ". ".join(p for p in (body, diagnosis) if p)


def feedback_text(row: dict, result: dict | None, limit: int = FEEDBACK_LIMIT) -> str:
    """Feedback for a student: the score, and what failed (public checks by name, hidden ones counted)."""
    n = format_number
    head = f"{n(row['score'])}/{n(row['max_score'])} points" + (" (late)" if row.get("late") else "") + "."
    if row.get("status") != "graded" or result is None:
        why = check_message((result or {}).get("error") or row.get("reason", "")) or "no result"
        return f"{head} Not graded: {why}"
    tests = result.get("tests", [])
    failed = [t for t in tests if t.get("status") != "passed"]
    public = [t for t in failed if t.get("visibility") != "hidden"]
    hidden = len(failed) - len(public)
    messages = {check_message(t.get("output", "")) for t in failed}
    if public and len(failed) == len(tests) and len(messages) == 1 and "" not in messages:
        return f"{head} Every check failed: {messages.pop()}"
    checks = []
    for test in public:
        message = check_message(test.get("output", ""))
        checks.append(f"Failed {test.get('name', '?')}" + (f": {message}." if message else "."))
    tail = [f"{hidden} hidden check{'s' if hidden > 1 else ''} failed."] if hidden else []
    dropped = 0
    while True:
        more = [f"(+{dropped} more check{'s' if dropped > 1 else ''})"] if dropped else []
        text = " ".join([head, *checks, *more, *tail])
        if len(text) <= limit or not checks:
            return text
        checks.pop()
        dropped += 1
