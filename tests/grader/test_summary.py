"""The instructor's summary: distributions, most failed checks, text and a static HTML page."""

import xml.etree.ElementTree as ET
from html.parser import HTMLParser

from grader.summary import (BIN_LABELS, check_failures, exercise_stats, histogram, histogram_svg, summary_html,
                            summary_text)


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


def test_check_failures_ranks_by_share_and_keeps_the_common_message():
    checks = check_failures(list(RESULTS.values()))
    assert [(c.name, c.failed, c.ran) for c in checks] == [("conv s1", 2, 3), ("conv s2", 2, 3), ("full", 1, 3),
                                                          ("rot", 1, 3)]
    assert checks[0].example == "not implemented yet"  # tied with "off by 1": alphabetical order decides
    assert checks[1].visibility == "hidden"


def test_exercise_stats_count_every_row_of_the_exercise():
    (stats,) = exercise_stats(ROWS, RESULTS)
    assert (stats.exercise, stats.count, stats.errors, stats.max_score) == ("exercise3", 4, 1, 4.0)
    assert (stats.low, stats.median, stats.mean, stats.high) == (0.0, 1.0, 1.5, 4.0)
    assert stats.histogram == (2, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1)


def test_summary_text_has_distribution_failures_and_zero_rows():
    text = summary_text(ROWS, RESULTS, seed=9)
    assert text.splitlines()[0] == ("Batch summary: 5 students, 4 submissions: 3 graded (1 of them scored 0), "
                                    "1 could not be graded; 1 files or folders matched no exercise (seed 9)")
    assert "  min 0   median 1   mean 1.5   max 4" in text
    assert "       2/3     67%  conv s2 [hidden]" in text
    assert "  d  d/exercise3.py: d/exercise3.py is a binary <file>" in text
    assert "  c  c/exercise3.py: not implemented yet" in text


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
    assert checker.tags.count("svg") == 1 + 4  # the histogram, and a bar for each of the 4 failed checks
    assert "binary &lt;file&gt;" in page and "<file>" not in page
    assert "<script" not in page


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
