"""The instructor's summary: distributions, most failed checks, text and a static HTML page."""

import xml.etree.ElementTree as ET
from html.parser import HTMLParser

from grader.course.summary import (BIN_LABELS, TOP_CHECKS, check_failures, exercise_stats, histogram, student_rows,
                                   summary_text, with_missing)
from grader.course.summary_html import summary_page as summary_html
from grader.course.summary_html import histogram_svg
from grader.course.summary_mistakes import Mistake, Stub, merge_numbers, named_mistakes, not_started, shorten


def outcome(name, passed, visibility="visible", output="wrong"):
    return {"name": name, "score": 1.0 if passed else 0.0, "max_score": 1.0,
            "status": "passed" if passed else "failed", "output": "" if passed else output, "visibility": visibility}


def row(student, score, status="graded", exercise="exercise3", reason=""):
    return {"student_id": student, "name": "", "exercise": exercise, "score": score, "max_score": 4.0,
            "status": status, "late": False, "file": f"{student}/{exercise}.py", "reason": reason, "result": "r"}


ROWS = [row("a", 4.0), row("b", 2.0, reason="2 of 4 checks failed"), row("c", 0.0, reason="not implemented yet"),
        row("d", 0.0, "error", reason="d/exercise3.py is a binary <file>"),
        row("e", 0.0, "error", exercise="", reason="x.py matches no exercise")]
RESULTS = {
    ("a", "exercise3"): {"tests": [outcome("rot", True), outcome("full", True), outcome("conv s1", True),
                                   outcome("conv s2", True, "hidden")]},
    ("b", "exercise3"): {"tests": [outcome("rot", True), outcome("full", True),
                                   outcome("conv s1", False, output="off by 1"),
                                   outcome("conv s2", False, "hidden", "zeros between entries are missing")]},
    ("c", "exercise3"): {"tests": [outcome("rot", False, output="not implemented yet"),
                                   outcome("full", False, output="not implemented yet"),
                                   outcome("conv s1", False, output="not implemented yet"),
                                   outcome("conv s2", False, "hidden", "not implemented yet")]},
    ("d", "exercise3"): {"error": "binary", "tests": []},
}


def test_histogram_bins_tenths_with_full_marks_apart():
    counts = histogram([0.0, 0.05, 0.1, 0.5, 0.95, 0.999, 1.0, 1.0])
    assert len(counts) == len(BIN_LABELS) == 11
    assert counts == (2, 1, 0, 0, 0, 1, 0, 0, 0, 2, 2)


def test_check_failures_ranks_by_share_and_counts_stubs_apart():
    checks = check_failures(list(RESULTS.values()))
    # c's "not implemented yet" is not a failed check: it is counted apart (once per student, see not_started)
    assert [(c.name, c.failed, c.ran, c.stubs) for c in checks] == [("conv s1", 1, 2, 1), ("conv s2", 1, 2, 1)]
    assert checks[0].example == "off by 1"
    assert checks[1].visibility == "hidden"


def test_exercise_stats_count_every_row_of_the_exercise():
    (stats,) = exercise_stats(ROWS, RESULTS)
    assert (stats.exercise, stats.count, stats.errors, stats.max_score) == ("exercise3", 4, 1, 4.0)
    assert (stats.low, stats.median, stats.mean, stats.high) == (0.0, 1.0, 1.5, 4.0)
    assert stats.histogram == (2, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1)


def test_summary_text_has_distribution_failures_and_zero_rows():
    text = summary_text(ROWS, RESULTS, seed=9)
    # e handed in only a file that matched no exercise: its exercise3 is missing
    assert text.splitlines()[0] == ("Batch summary: 5 students, 4 submissions: 3 graded (1 of them scored 0), "
                                    "1 could not be graded; 1 files or folders matched no exercise; "
                                    "1 exercise not handed in (seed 9)")
    assert "  min 0   median 1   mean 1.5   max 4" in text
    assert "       1/2     50%  conv s2 [hidden]" in text
    assert "  d  d/exercise3.py: d/exercise3.py is a binary <file>" in text
    assert "  c  c/exercise3.py: did not start conv s1, conv s2, full, rot" in text


class _Checker(HTMLParser):
    """Checks that every element opened is closed in order (void elements aside)."""
    VOID = {"meta", "br", "img", "hr", "input", "link"}

    def __init__(self):
        super().__init__()
        self.stack, self.errors, self.tags = [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.tags.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack.pop() != tag:
            self.errors.append(tag)


def test_summary_html_is_well_formed_escaped_and_has_charts():
    page = summary_html(ROWS, RESULTS, seed=9)
    checker = _Checker()
    checker.feed(page)
    assert checker.errors == [] and checker.stack == []
    assert checker.tags.count("svg") == 1 + 2  # the histogram, and a bar for each of the 2 failed checks
    assert "binary &lt;file&gt;" in page and "<file>" not in page
    assert checker.tags.count("script") == 1  # the student table's sorter, inline: the page works offline
    assert "src=" not in page and "http" not in page.replace("http://www.w3.org/2000/svg", "")


def test_histogram_svg_is_valid_svg_with_one_bar_per_bin():
    svg = ET.fromstring(histogram_svg((3, 0, 1, 0, 0, 0, 0, 0, 0, 0, 5)))
    bars = svg.findall("{http://www.w3.org/2000/svg}rect")
    assert len(bars) == 11
    heights = [float(b.get("height")) for b in bars]
    assert heights[10] == max(heights) and heights[1] == 0.0
    assert abs(heights[0] / heights[10] - 3 / 5) < 1e-3  # bars are proportional to counts (to 1e-3)


def test_ambiguous_canvas_files_come_first_in_full_and_names_are_plain():
    flagged = dict(row("", 0.0, "ambiguous", reason="ambiguous Canvas file name: it reads as user 1 ..."),
                   file="m_1_2_3_4_exercise3.py")
    hostile = dict(row("f", 0.0, "error", reason="x\x1b[2J\ny.py matches no exercise"), file="f/x\x1b[2J\ny.py")
    text = summary_text(ROWS + [flagged, hostile], RESULTS, seed=9)
    lines = text.splitlines()
    assert lines[2] == "Not graded: whose file is it? (the Canvas file name reads as several students'):"
    assert lines[3] == "  m_1_2_3_4_exercise3.py: ambiguous Canvas file name: it reads as user 1 ..."
    assert "  f  f/x\\x1b[2J\\x0ay.py: x\\x1b[2J\\x0ay.py matches no exercise" in lines
    assert sum("m_1_2_3_4" in line for line in lines) == 1  # not again under "Score 0, and why"
    page = summary_html(ROWS + [flagged, hostile], RESULTS, seed=9)
    assert "whose file is it?" in page and "\x1b" not in page and "x\\x1b[2J\\x0ay.py" in page


# ---- for teaching: named mistakes, functions not started, capped checks, the student table ---------------------

def stub_output(function):
    return (f"not implemented yet\n  NotImplementedError: {function}: do it\n"
            f"  at exercise3.py, line 9, in {function}: raise NotImplementedError(")


def wrong(case, mistake=""):
    """A failure as grader/grading/compare.py words it: the case, the numbers, then the diagnosis."""
    message = f"{case}: wrong values; largest error 2.5 at index (0, 1) (got -1.5, expected 1)"
    return message + (f". Looks like: {mistake}." if mistake else "")


NOT_ROTATED = "the kernel was not rotated by 180°"
CHECKS = [f"conv_backward_input: case {i:02d}" for i in range(13)] + ["rot180: square", "rot180: bank"]


def class_result(failures: dict[str, str], **extra):
    """A result of exercise3 over CHECKS: each check failed with the output in `failures`, else passed."""
    tests = [outcome(name, name not in failures, output=failures.get(name, "")) for name in CHECKS]
    return {"score": float(sum(t["status"] == "passed" for t in tests)), "max_score": float(len(CHECKS)),
            "tests": tests, **extra}


def class_row(student, exercise, result, *, name="", late=False, status="graded", reason="", top=15.0):
    score = result["score"] if result else 0.0
    top = result["max_score"] if result else top
    return {"student_id": student, "name": name, "exercise": exercise, "score": score, "max_score": top,
            "status": status, "late": late, "file": f"{student}/{exercise}.py", "reason": reason,
            "result": f"results/{student}/{exercise}.json" if result else ""}


def fake_class():
    """Seven students: three made the rotation mistake (one in many checks), two the stride mistake (at stride 2
    and at 3), two left rot180 a stub (both its checks), one is late and resubmitted, one (u7) handed in no
    exercise4, one (u6) has a "missing" row as the batch writes them. Every conv check fails for someone."""
    rot = {name: wrong(f"delta (1, 1, 4, 3), {name}", NOT_ROTATED) for name in CHECKS[:13]}
    stride = {CHECKS[0]: wrong("w (2, 2), stride 2", "stride 2: the s-1 zeros between residual entries are missing"),
              CHECKS[1]: wrong("w (2, 2), stride 3", "stride 3: the s-1 zeros between residual entries are missing")}
    undecided = {CHECKS[2]: wrong("c", f"{NOT_ROTATED}, or: the kernel was flipped along one axis only")}
    stub = {"rot180: square": stub_output("rot180"), "rot180: bank": stub_output("rot180")}
    results = {
        ("u1", "exercise3"): class_result({**rot, **undecided}),  # the undecided one counts under "not rotated"
        ("u2", "exercise3"): class_result({CHECKS[5]: wrong("x", NOT_ROTATED)}, late=True,
                                          other_files=["u2/exercise3_v1.py", "u2/exercise3_v2.py"]),
        ("u3", "exercise3"): class_result({CHECKS[6]: wrong("y", NOT_ROTATED), **stub}),
        ("u4", "exercise3"): class_result(stride),
        ("u5", "exercise3"): class_result({CHECKS[3]: stride[CHECKS[1]], **stub}),
        ("u6", "exercise3"): class_result({}),
        ("u7", "exercise3"): class_result({CHECKS[12]: wrong("z")}),
    }
    ex4 = {"score": 5.0, "max_score": 5.0, "tests": [outcome("conv_backward_bias: one", True)]}
    for student in ("u1", "u2", "u3", "u4", "u5"):
        results[(student, "exercise4")] = ex4
    rows = [class_row(s, e, r, name=f"Student {s[1]}", late=(s == "u2")) for (s, e), r in results.items()]
    rows.append(class_row("u6", "exercise4", None, status="missing", reason="not handed in", top=5.0))
    return rows, results


def exercise3_stats(rows, results):
    return next(st for st in exercise_stats(with_missing(rows), results) if st.exercise == "exercise3")


def test_mistakes_are_ranked_by_distinct_students_with_one_example_each():
    rows, results = fake_class()
    st = exercise3_stats(rows, results)
    assert [(m.name, m.students) for m in st.mistakes] == [
        (NOT_ROTATED, 3),  # u1 named it in 13 checks: still one student
        ("stride N: the s-1 zeros between residual entries are missing", 2)]  # stride 2 and 3 are one mistake
    assert st.mistakes[0].checks == 12 + 1 + 1 and st.mistakes[0].functions == ("conv_backward_input",)
    assert st.mistakes[0].example == wrong("x", NOT_ROTATED)  # the shortest message that names it, whole
    text = summary_text(rows, results, seed=1)
    assert "       3  the kernel was not rotated by 180°  (in conv_backward_input)" in text
    page = summary_html(rows, results, seed=1)
    assert page.index("the kernel was not rotated by 180°</td>") < page.index("stride N: the s-1 zeros")


def test_an_undecided_mistake_counts_only_when_nothing_decides_it():
    undecided = {"tests": [outcome("f: a", False, output=wrong("a", "X, or: Y"))]}
    decided = {"tests": [outcome("f: a", False, output=wrong("a", "X, or: Y")),
                         outcome("f: b", False, output=wrong("b", "X"))]}
    mistakes = named_mistakes({"s1": undecided, "s2": decided})  # ties: the one more checks named first
    assert [(m.name, m.students, m.checks) for m in mistakes] == [("X, or: Y", 1, 2), ("X", 1, 1)]


def test_a_stub_counts_once_per_student_and_function_never_as_failed_checks():
    rows, results = fake_class()
    st = exercise3_stats(rows, results)
    assert st.stubs == (Stub("rot180", 2),)
    assert not any(c.name.startswith("rot180") for c in st.checks)  # only stubs failed them
    text = summary_text(rows, results, seed=1)
    assert text.count("2 students did not start rot180") == 1 and "not implemented yet" not in text
    page = summary_html(rows, results, seed=1)
    assert page.count("2 students did not start rot180") == 1 and "not implemented yet" not in page
    # the function is the innermost frame of the submission: a stub reached through another function is its own
    through = {"tests": [outcome("full_convolve: a", False, output=stub_output("rot180"))]}
    assert not_started({"s": through}) == (Stub("rot180", 1),)


def test_failed_checks_show_the_top_ten_and_fold_the_rest():
    rows, results = fake_class()
    st = exercise3_stats(rows, results)
    assert len(st.checks) == 13 and TOP_CHECKS == 10
    page = summary_html(rows, results, seed=1)
    section = page[page.index('<section id="exercise3">'):page.index('<section id="exercise4">')]
    shown, folded = section.split("<details", 1)
    assert shown.split("Checks most often failed", 1)[1].count("<tr>") == 1 + 10  # header and ten checks
    assert "<summary>3 more failed checks</summary>" in folded and folded.count("<tr>") == 1 + 3
    text = summary_text(rows, results, seed=1)
    assert "    ... and 8 more checks (see summary.html)" in text


def test_student_table_has_totals_late_resubmitted_missing_and_why():
    rows, results = fake_class()
    table = student_rows(with_missing(rows), results)
    assert [s.student_id for s in table] == ["u1", "u2", "u3", "u4", "u5", "u6", "u7"]  # by name, then id
    by_id = {s.student_id: s for s in table}
    assert (by_id["u6"].total, by_id["u6"].max_total) == (15.0, 20.0)
    assert [c.status for c in by_id["u6"].cells] == ["graded", "missing"]  # the batch's own "missing" row
    assert [c.status for c in by_id["u7"].cells] == ["graded", "missing"]  # no row at all: missing too
    u2 = by_id["u2"].cells[0]
    assert (u2.late, u2.resubmitted) == (True, 2)
    page = summary_html(rows, results, seed=1)
    body = page[page.index('<table class="sortable" id="student-table">'):]
    body = body[body.index("<tbody>"):body.index("</tbody>")]
    assert body.count("<tr") == 7 and body.count('class="tag missing"') == 2
    assert body.count('class="tag late"') == 2 and "resubmitted (2 earlier files)" in body
    assert '<td class="num total" data-sort="7">7/20</td>' in body  # u1: 2 of 15 and 5 of 5
    text = summary_text(rows, results, seed=1)
    assert "  u7 (Student 7)  14/20   exercise3 14; exercise4 missing" in text
    assert "  u2 (Student 2)  19/20   exercise3 14 (late, resubmitted (2 earlier files)); exercise4 5 (late)" in text


def test_a_zero_says_why_in_teaching_terms():
    rows = [class_row("z1", "exercise3", None, status="error", reason="the submission could not be loaded: x")]
    stubbed = {"score": 0.0, "max_score": 2.0, "tests": [outcome("rot180: a", False, output=stub_output("rot180")),
                                                         outcome("full: a", False, output=wrong("a", "M"))]}
    rows.append(class_row("z2", "exercise3", stubbed))
    table = student_rows(with_missing(rows), {("z2", "exercise3"): stubbed})
    assert [c.why for s in table for c in s.cells] == ["the submission could not be loaded: x",
                                                       "did not start rot180; looks like: M"]


def test_hostile_names_and_messages_are_escaped_and_on_one_line():
    rows, results = fake_class()
    evil = '<img src=x onerror=alert(1)>"\x1b[2J\u202e'
    rows = [dict(r, student_id=evil, name=evil + "\nfake row") if r["student_id"] == "u1" else r for r in rows]
    results = {(evil if s == "u1" else s, e): r for (s, e), r in results.items()}
    results[(evil, "exercise3")]["tests"][0]["output"] = wrong("<script>alert(1)</script>", "<b>bold</b>")
    page = summary_html(rows, results, seed=1)
    assert "<img" not in page and "<script>alert" not in page and "<b>bold" not in page
    assert "\x1b" not in page and "\u202e" not in page and "\nfake row" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;&quot;\\x1b[2J\\u202e" in page
    assert 'data-sort="&lt;img src=x onerror=alert(1)&gt;&quot;' in page  # attribute values too
    checker = _Checker()
    checker.feed(page)
    assert checker.errors == [] and checker.stack == []
    text = summary_text(rows, results, seed=1)
    assert "\x1b" not in text and "\u202e" not in text and "\\x0afake row" in text


def test_a_message_is_never_cut_before_its_diagnosis():
    long = wrong("delta (1, 2, 3, 4), w (4, 3, 2, 1), stride 3, padding 2, input_size (9, 9) " * 3, NOT_ROTATED)
    short = shorten(long, 100)
    assert short.endswith(f"Looks like: {NOT_ROTATED}.") and " … " in short and len(short) < len(long)
    assert shorten("a" * 300, 100) == "a" * 99 + "…"
    assert merge_numbers(["stride 2: s-1 zeros", "stride 3: s-1 zeros"]) == "stride N: s-1 zeros"
    rows = [class_row("u1", "exercise3", class_result({CHECKS[0]: long}))]
    page = summary_html(rows, {("u1", "exercise3"): class_result({CHECKS[0]: long})}, seed=1)
    assert long.replace("Looks like", "<b>Looks like").replace("°.", "°.</b>") in page  # whole, diagnosis in bold
    assert Mistake(NOT_ROTATED, 1, 1, long, ("conv_backward_input",)) in exercise3_stats(
        rows, {("u1", "exercise3"): class_result({CHECKS[0]: long})}).mistakes
