"""out/summary.html: the batch summary as a static page that works offline (grader/course/summary.py has the figures).

Sections, in order: files that need the instructor (ambiguous Canvas names); per exercise its figures, score
distribution, the named mistakes ranked by students, the functions students did not start, and the failed checks
(the top TOP_CHECKS, the rest folded in a <details>); the student table (sortable by a click on a column's
header: one small inline script, no external asset); the rows worth 0 and why.

Every text a student can influence goes through `_esc` (`one_line`, then `html.escape`), attribute values too.
"""

from __future__ import annotations

import html

from grader.course.gradebook import format_number
from grader.course.neutral import one_line
from grader.course.summary import (AMBIGUOUS_TITLE, BIN_LABELS, MISSING, TOP_CHECKS, CheckFailures, ExerciseStats,
                            StudentRow, _ambiguous_rows, _headline, _zero_rows, cell_flags, exercise_stats,
                            student_rows, students_word, stub_line, with_missing,
                            zero_why)
from grader.course.summary_mistakes import LOOKS_LIKE


def _esc(text) -> str:
    """HTML-escaped (quotes too, so it is safe in an attribute), and on one plain line (see `one_line`)."""
    return html.escape(one_line(text), quote=True)


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


def share_bar_svg(share: float, *, width: int = 120, height: int = 12) -> str:
    """A small horizontal bar for a table cell: `share` (0..1) of its width filled."""
    filled = width * min(max(share, 0.0), 1.0)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
            f'aria-label="{100 * share:.0f}%"><rect x="0" y="0" width="{width}" height="{height}" fill="#eee"/>'
            f'<rect x="0" y="0" width="{filled:.1f}" height="{height}" fill="#c0504d"/></svg>')


_STYLE = ("body{font-family:system-ui,sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;color:#222}"
          "table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:.25em .6em;"
          "text-align:left;vertical-align:top}th{background:#f3f3f3}.num{text-align:right;white-space:nowrap}"
          "section{margin-bottom:2.5em}h2{border-bottom:2px solid #4a7ab8;padding-bottom:.2em}"
          ".hidden{color:#777;font-size:.85em}.msg{font-size:.85em;color:#444;overflow-wrap:anywhere}"
          ".mistake{font-weight:600}.stubs li{margin:.15em 0}summary{cursor:pointer;color:#245;margin:.4em 0}"
          ".tag{display:inline-block;font-size:.75em;padding:0 .4em;border-radius:.6em;margin-left:.3em;"
          "white-space:nowrap}.late{background:#fde2b8}.resub{background:#dbe8f7}.missing{background:#f6c9c9}"
          "td.ex{text-align:right;min-width:9em}.why{display:block;font-size:.8em;color:#8a1c1c;max-width:24em;"
          "white-space:normal;text-align:left;overflow-wrap:anywhere}.msg b{color:#222}"
          "table.sortable th{cursor:pointer;user-select:none}table.sortable th::after{content:' \\2195';"
          "color:#aaa}table.sortable th[data-dir=asc]::after{content:' \\25B2';color:#222}"
          "table.sortable th[data-dir=desc]::after{content:' \\25BC';color:#222}"
          "tr.zero td.total{color:#8a1c1c}")

# Sorts a table.sortable's body by the clicked column: each cell's data-sort (a number, or text), again for the
# other direction. No external asset, no network: the page works from a file.
_SCRIPT = ("document.querySelectorAll('table.sortable').forEach(function(t){"
           "t.querySelectorAll('thead th').forEach(function(th,i){th.addEventListener('click',function(){"
           "var asc=th.getAttribute('data-dir')!=='asc',b=t.tBodies[0],rows=Array.prototype.slice.call(b.rows);"
           "t.querySelectorAll('thead th').forEach(function(h){h.removeAttribute('data-dir')});"
           "th.setAttribute('data-dir',asc?'asc':'desc');"
           "rows.sort(function(x,y){var a=x.cells[i].getAttribute('data-sort'),c=y.cells[i].getAttribute('data-sort'),"
           "p=parseFloat(a),q=parseFloat(c),d=(isNaN(p)||isNaN(q))?a.localeCompare(c):p-q;return asc?d:-d});"
           "rows.forEach(function(r){b.appendChild(r)})})})});")


def _figures(st: ExerciseStats) -> str:
    n = format_number
    values = (st.count, st.errors, st.missing, n(st.low), n(st.median), n(st.mean), n(st.high), n(st.max_score))
    return ("<table><tr><th>handed in</th><th>not graded</th><th>missing</th><th>min</th><th>median</th>"
            "<th>mean</th><th>max</th><th>points</th></tr><tr>"
            + "".join(f'<td class="num">{v}</td>' for v in values) + "</tr></table>")


def _message(line: str) -> str:
    """A check's message, escaped, with its diagnosis ("Looks like: ...") in bold."""
    line = one_line(line)
    if LOOKS_LIKE not in line:
        return _esc(line)
    head, tail = line.split(LOOKS_LIKE, 1)
    return f"{_esc(head)}<b>{_esc(LOOKS_LIKE + tail)}</b>"


def _mistakes(st: ExerciseStats) -> list[str]:
    if not st.mistakes:
        return []
    out = ["<h3>Mistakes, by how many students made them</h3><table><tr><th>mistake</th><th>students</th>"
           "<th>in</th><th>an example message</th></tr>"]
    out += [f'<tr><td class="mistake">{_esc(m.name)}</td><td class="num">{m.students}</td>'
            f'<td>{_esc(", ".join(m.functions))}</td><td class="msg">{_message(m.example)}</td></tr>'
            for m in st.mistakes]
    return out + ["</table>"]


def _stubs(st: ExerciseStats) -> list[str]:
    if not st.stubs:
        return []
    return (["<h3>Not started</h3><ul class=\"stubs\">"]
            + [f"<li>{_esc(stub_line(s))}</li>" for s in st.stubs] + ["</ul>"])


def _check_table(checks: tuple[CheckFailures, ...]) -> list[str]:
    out = ["<table><tr><th>check</th><th>failed / ran</th><th>share</th><th>most common message</th></tr>"]
    for chk in checks:
        tag = ' <span class="hidden">hidden</span>' if chk.visibility == "hidden" else ""
        share = chk.failed / chk.ran
        out.append(f'<tr><td>{_esc(chk.name)}{tag}</td><td class="num">{chk.failed}/{chk.ran}</td>'
                   f'<td class="num">{share_bar_svg(share)} {100 * share:.0f}%</td>'
                   f'<td class="msg">{_message(chk.example)}</td></tr>')
    return out + ["</table>"]


def _checks(st: ExerciseStats) -> list[str]:
    if not st.checks:
        return []
    out = ["<h3>Checks most often failed</h3><p class=\"hidden\">Students who did not start the function are left "
           "out of these counts (see Not started).</p>"] + _check_table(st.checks[:TOP_CHECKS])
    rest = st.checks[TOP_CHECKS:]
    if rest:
        out += [f'<details class="more"><summary>{len(rest)} more failed check{"s" if len(rest) > 1 else ""}'
                f"</summary>"] + _check_table(rest) + ["</details>"]
    return out


def _exercise(st: ExerciseStats) -> str:
    parts = [f'<section id="{_esc(st.exercise)}"><h2>{_esc(st.exercise)}</h2>', _figures(st)]
    if st.count:
        parts.append(f"<h3>Score distribution</h3>{histogram_svg(st.histogram)}")
    parts += _mistakes(st) + _stubs(st) + _checks(st) + ["</section>"]
    return "\n".join(parts)


def _student_cell(cell) -> str:
    n = format_number
    sort = -1 if cell.status == MISSING else cell.score
    if cell.status == MISSING:
        shown = '<span class="tag missing">missing</span>'
    else:
        shown = f"{n(cell.score)}/{n(cell.max_score)}"
        for flag in cell_flags(cell):
            kind = "late" if flag == "late" else "resub"
            shown += f' <span class="tag {kind}">{_esc(flag)}</span>'
        if cell.why:
            shown += f'<span class="why">0: {_esc(cell.why)}</span>'
    title = f' title="{_esc(cell.file)}"' if cell.file else ""
    return f'<td class="ex" data-sort="{sort:g}"{title}>{shown}</td>'


def _students(table: list[StudentRow], exercises: list[str]) -> str:
    n = format_number
    head = "".join(f"<th>{_esc(e)}</th>" for e in exercises)
    out = ['<section id="students"><h2>Students</h2><p class="hidden">Click a column\'s header to sort by it. '
           "A score of 0 says why; late, resubmitted and missing work is marked.</p>",
           f'<table class="sortable" id="student-table"><thead><tr><th>student</th><th>name</th><th>total</th>'
           f"{head}</tr></thead><tbody>"]
    for s in table:
        cells = {c.exercise: c for c in s.cells}
        zero = ' class="zero"' if s.total == 0 else ""
        out.append(f'<tr{zero}><td data-sort="{_esc(s.student_id)}">{_esc(s.student_id)}</td>'
                   f'<td data-sort="{_esc(s.name)}">{_esc(s.name)}</td>'
                   f'<td class="num total" data-sort="{s.total:g}">{n(s.total)}/{n(s.max_total)}</td>'
                   + "".join(_student_cell(cells[e]) if e in cells else '<td data-sort="-2"></td>'
                             for e in exercises) + "</tr>")
    return "\n".join(out + ["</tbody></table></section>"])


def _contents(stats: list[ExerciseStats]) -> str:
    links = []
    for st in stats:
        top = f": most common mistake {st.mistakes[0].name} ({students_word(st.mistakes[0].students)})" \
            if st.mistakes else ""
        links.append(f'<li><a href="#{_esc(st.exercise)}">{_esc(st.exercise)}</a>{_esc(top)}</li>')
    links.append('<li><a href="#students">Students</a></li>')
    return "<ul>" + "".join(links) + "</ul>"


def summary_page(rows: list[dict], results: dict, *, seed: int) -> str:
    """The static summary page; see the module docstring."""
    rows = with_missing(rows)
    stats = exercise_stats(rows, results)
    body = [f"<h1>Batch summary</h1><p>{_esc(_headline(rows, seed))}</p>", _contents(stats)]
    if _ambiguous_rows(rows):
        body.append(f"<section><h2>{_esc(AMBIGUOUS_TITLE)}</h2><table><tr><th>file</th><th>reason</th></tr>")
        body.extend(f"<tr><td>{_esc(r['file'])}</td><td>{_esc(r['reason'])}</td></tr>" for r in _ambiguous_rows(rows))
        body.append("</table></section>")
    body.extend(_exercise(st) for st in stats)
    table = student_rows(rows, results)
    if table:
        body.append(_students(table, [st.exercise for st in stats]))
    problems = _zero_rows(rows)
    if problems:
        body.append("<section><h2>Score 0, and why</h2><table><tr><th>student</th><th>file</th>"
                    "<th>reason</th></tr>")
        body.extend(f"<tr><td>{_esc(r['student_id'] or '?')}</td><td>{_esc(r['file'])}</td>"
                    f'<td class="msg">{_esc(zero_why(r, results.get((r["student_id"], r["exercise"]))))}</td></tr>'
                    for r in problems)
        body.append("</table></section>")
    script = f"<script>{_SCRIPT}</script>" if table else ""
    return ('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>Batch summary</title>'
            f"<style>{_STYLE}</style></head><body>\n" + "\n".join(body) + f"\n{script}\n</body></html>\n")
