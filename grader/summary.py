"""What a batch tells the instructor: per exercise the score distribution and the checks most students fail.

`summary_text` is printed at the end of `grade batch` and written to out/summary.txt; `summary_html` is a static
page (out/summary.html) with inline SVG charts, no scripts and no dependencies. Both are computed from the
gradebook rows and the result files only, so they are the same after a resumed batch.

Every text shown (student ids, file names, reasons, check messages) goes through `one_line` first (and `_esc` in
the HTML page), so a file name cannot put terminal escapes, bidi overrides or a fake row into either. Files whose
Canvas name reads as several students' are listed in full, first: they need the instructor.
"""

from __future__ import annotations

import statistics
from collections import Counter
from pathlib import Path
from typing import NamedTuple

from grader.gradebook import EXERCISE_ORDER, format_number
from grader.neutral import one_line
from grader.results import ResultsError, read_json

BIN_LABELS = tuple(f"{10 * i}-{10 * i + 9}%" for i in range(10)) + ("100%",)
TOP_CHECKS = 5  # in the text summary; the HTML page lists every check that anyone failed
TEXT_PROBLEMS = 20


class CheckFailures(NamedTuple):
    name: str
    visibility: str
    failed: int
    ran: int  # results in which the check ran
    example: str  # the most common first line of its failure messages


class ExerciseStats(NamedTuple):
    exercise: str
    max_score: float
    count: int  # rows (graded or not)
    errors: int  # rows that could not be graded (score 0)
    low: float
    median: float
    mean: float
    high: float
    histogram: tuple[int, ...]  # counts per BIN_LABELS bin of score / max_score
    checks: tuple[CheckFailures, ...]  # most failed first; only checks that someone failed


def load_results(rows: list[dict], out: Path) -> dict[tuple[str, str], dict]:
    """The result file of every row that has one, keyed by (student id, exercise)."""
    results = {}
    for row in rows:
        if row.get("result"):
            try:
                result = read_json(Path(out) / row["result"])
            except ResultsError:
                result = None
            if isinstance(result, dict):
                results[(row["student_id"], row["exercise"])] = result
    return results


def histogram(fractions: list[float]) -> tuple[int, ...]:
    """Counts of score fractions in 10% bins, with a bin of its own for full marks."""
    counts = [0] * len(BIN_LABELS)
    for fraction in fractions:
        index = len(BIN_LABELS) - 1 if fraction >= 1 - 1e-9 else min(9, max(0, int(fraction * 10 + 1e-9)))
        counts[index] += 1
    return tuple(counts)


def check_failures(results: list[dict]) -> tuple[CheckFailures, ...]:
    """Per check: how many graded results failed it, most failed first (ties by name)."""
    ran, failed, messages, visibility = Counter(), Counter(), {}, {}
    for result in results:
        if result.get("error"):
            continue  # a file that could not be graded ran no check
        for test in result.get("tests", []):
            name = one_line(test.get("name", "?"))
            ran[name] += 1
            visibility[name] = test.get("visibility", "visible")
            if test.get("status") != "passed":
                failed[name] += 1
                line = next((s.strip() for s in str(test.get("output", "")).splitlines() if s.strip()), "")
                messages.setdefault(name, Counter())[one_line(line[:160])] += 1
    rows = [CheckFailures(name, visibility[name], failed[name], ran[name],
                          min(messages[name].items(), key=lambda kv: (-kv[1], kv[0]))[0]) for name in failed]
    return tuple(sorted(rows, key=lambda c: (-c.failed / c.ran, -c.failed, c.name)))


def exercise_stats(rows: list[dict], results: dict) -> list[ExerciseStats]:
    """The statistics of each exercise that has rows, in exercise order."""
    stats = []
    names = sorted({r["exercise"] for r in rows if r["exercise"]},
                   key=lambda e: (EXERCISE_ORDER.index(e) if e in EXERCISE_ORDER else 99, e))
    for exercise in names:
        mine = [r for r in rows if r["exercise"] == exercise]
        scores = [float(r["score"]) for r in mine]
        top = max(float(r["max_score"]) for r in mine) or 1.0
        graded = [results[(r["student_id"], exercise)] for r in mine if (r["student_id"], exercise) in results]
        stats.append(ExerciseStats(exercise, top, len(mine), sum(r["status"] != "graded" for r in mine),
                                   min(scores), statistics.median(scores), statistics.fmean(scores), max(scores),
                                   histogram([s / top for s in scores]), check_failures(graded)))
    return stats


def _headline(rows: list[dict], seed: int) -> str:
    students = len({r["student_id"] for r in rows if r["student_id"]})
    graded = sum(1 for r in rows if r["exercise"] and r["status"] == "graded")
    errors = sum(1 for r in rows if r["exercise"] and r["status"] != "graded")
    unmatched = sum(1 for r in rows if not r["exercise"])
    zero = sum(1 for r in rows if r["exercise"] and r["status"] == "graded" and float(r["score"]) == 0)
    return (f"{students} students, {graded + errors} submissions: {graded} graded ({zero} of them scored 0), "
            f"{errors} could not be graded; {unmatched} files or folders matched no exercise (seed {seed})")


def _zero_rows(rows: list[dict]) -> list[dict]:
    """Rows that earned nothing: files that could not be graded or used, and submissions that passed no check
    (but the ambiguous ones, which have a section of their own)."""
    return [r for r in rows if r["status"] != "ambiguous" and (r["status"] != "graded" or float(r["score"]) == 0)]


def _ambiguous_rows(rows: list[dict]) -> list[dict]:
    """Files filed under nobody because their Canvas name reads as several students'."""
    return [r for r in rows if r["status"] == "ambiguous"]


AMBIGUOUS_TITLE = "Not graded: whose file is it? (the Canvas file name reads as several students')"


def summary_text(rows: list[dict], results: dict, *, seed: int) -> str:
    """The plain-text summary; see the module docstring."""
    n = format_number
    lines = [f"Batch summary: {_headline(rows, seed)}"]
    unsure = _ambiguous_rows(rows)
    if unsure:
        lines += ["", f"{AMBIGUOUS_TITLE}:"] + [f"  {one_line(r['file'])}: {one_line(r['reason'])}" for r in unsure]
    for st in exercise_stats(rows, results):
        lines += ["", f"{st.exercise}: {st.count} submissions, {st.errors} could not be graded, "
                      f"max {n(st.max_score)} points",
                  f"  min {n(st.low)}   median {n(st.median)}   mean {n(st.mean)}   max {n(st.high)}"]
        widest = max(st.histogram) or 1
        for label, count in zip(BIN_LABELS, st.histogram):
            lines.append(f"  {label:>7} {'#' * round(30 * count / widest):<30} {count}")
        if st.checks:
            lines.append("  checks most often failed:")
        for chk in st.checks[:TOP_CHECKS]:
            hidden = " [hidden]" if chk.visibility == "hidden" else ""
            lines.append(f"    {chk.failed:>4}/{chk.ran:<4} {100 * chk.failed / chk.ran:3.0f}%  {chk.name}{hidden}")
            if chk.example:
                lines.append(f"                     e.g. {chk.example[:100]}")
    problems = _zero_rows(rows)
    if problems:
        lines += ["", "Score 0, and why:"]
        for row in problems[:TEXT_PROBLEMS]:
            lines.append(f"  {one_line(row['student_id'] or '?')}  {one_line(row['file'])}: {one_line(row['reason'])}")
        if len(problems) > TEXT_PROBLEMS:
            lines.append(f"  ... and {len(problems) - TEXT_PROBLEMS} more (see gradebook.csv)")
    return "\n".join(lines)


# ----------------------------------------------------------------------------------------------- HTML page
def _esc(text) -> str:
    """HTML-escaped, and on one plain line (see `one_line`)."""
    return (one_line(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;").replace("'", "&#39;"))


def histogram_svg(counts: tuple[int, ...], *, width: int = 560, height: int = 200) -> str:
    """Vertical bars, one per score bin, with counts above and bin labels below."""
    top, left, bottom = 20, 10, 36
    slot = (width - 2 * left) / len(counts)
    tallest = max(counts) or 1
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
             f'aria-label="score histogram">']
    for i, (label, count) in enumerate(zip(BIN_LABELS, counts)):
        h = (height - top - bottom) * count / tallest
        x, y = left + i * slot + 3, height - bottom - h
        parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{slot - 6:.1f}" height="{h:.1f}" fill="#4a7ab8">'
                     f'<title>{_esc(label)}: {count}</title></rect>')
        parts.append(f'<text x="{x + (slot - 6) / 2:.1f}" y="{y - 4:.1f}" font-size="11" '
                     f'text-anchor="middle">{count}</text>')
        parts.append(f'<text x="{x + (slot - 6) / 2:.1f}" y="{height - bottom + 14:.1f}" font-size="10" '
                     f'text-anchor="middle">{_esc(label)}</text>')
    parts.append(f'<text x="{width / 2:.0f}" y="{height - 4}" font-size="11" text-anchor="middle">'
                 f'share of the maximum score</text></svg>')
    return "".join(parts)


def share_bar_svg(share: float, *, width: int = 160, height: int = 14) -> str:
    """A small horizontal bar for a table cell: `share` (0..1) of its width filled."""
    filled = width * min(max(share, 0.0), 1.0)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
            f'aria-label="{100 * share:.0f}%"><rect x="0" y="0" width="{width}" height="{height}" fill="#eee"/>'
            f'<rect x="0" y="0" width="{filled:.1f}" height="{height}" fill="#c0504d"/></svg>')


_STYLE = ("body{font-family:system-ui,sans-serif;max-width:980px;margin:2em auto;padding:0 1em;color:#222}"
          "table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:.25em .6em;"
          "text-align:left;vertical-align:top}th{background:#f3f3f3}.num{text-align:right}"
          "section{margin-bottom:2.5em}"
          ".hidden{color:#777;font-size:.85em}")


def summary_html(rows: list[dict], results: dict, *, seed: int) -> str:
    """The static summary page; see the module docstring."""
    n = format_number
    body = [f"<h1>Batch summary</h1><p>{_esc(_headline(rows, seed))}</p>"]
    if _ambiguous_rows(rows):
        body.append(f"<section><h2>{_esc(AMBIGUOUS_TITLE)}</h2><table><tr><th>file</th><th>reason</th></tr>")
        body.extend(f"<tr><td>{_esc(r['file'])}</td><td>{_esc(r['reason'])}</td></tr>" for r in _ambiguous_rows(rows))
        body.append("</table></section>")
    for st in exercise_stats(rows, results):
        body.append(f'<section><h2>{_esc(st.exercise)}</h2><table><tr><th>submissions</th><th>not graded</th>'
                    f'<th>min</th><th>median</th><th>mean</th><th>max</th><th>points</th></tr><tr>'
                    + "".join(f'<td class="num">{v}</td>' for v in (st.count, st.errors, n(st.low), n(st.median),
                                                                     n(st.mean), n(st.high), n(st.max_score)))
                    + f"</tr></table><h3>Score distribution</h3>{histogram_svg(st.histogram)}")
        if st.checks:
            body.append("<h3>Checks most often failed</h3><table><tr><th>check</th><th>failed</th>"
                        "<th>share of graded submissions</th><th>most common message</th></tr>")
            for chk in st.checks:
                tag = ' <span class="hidden">hidden</span>' if chk.visibility == "hidden" else ""
                body.append(f"<tr><td>{_esc(chk.name)}{tag}</td><td class=\"num\">{chk.failed}/{chk.ran}</td>"
                            f"<td>{share_bar_svg(chk.failed / chk.ran)} {100 * chk.failed / chk.ran:.0f}%</td>"
                            f"<td>{_esc(chk.example)}</td></tr>")
            body.append("</table>")
        body.append("</section>")
    problems = _zero_rows(rows)
    if problems:
        body.append("<section><h2>Score 0, and why</h2><table><tr><th>student</th><th>file</th>"
                    "<th>reason</th></tr>")
        body.extend(f"<tr><td>{_esc(r['student_id'] or '?')}</td><td>{_esc(r['file'])}</td>"
                    f"<td>{_esc(r['reason'])}</td></tr>" for r in problems)
        body.append("</table></section>")
    return ('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>Batch summary</title>'
            f"<style>{_STYLE}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n")
