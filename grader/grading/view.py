"""A result as a notebook shows it: `CheckResult` has the text table of `grade` (`str`, IPython's pretty printer)
and an HTML table (`_repr_html_`): per check its status, points, name and first line of feedback, the rest of the
feedback folded, and for a wrong array a picture of expected and got (grader/grading/picture.py). No JavaScript;
every text a submission could control is escaped."""

from __future__ import annotations

import html

from grader.grading.lang import N_, _, shown, speaking
from grader.grading.picture import svg
from grader.grading.report import STATUS, result_table, score_line

STYLE = ("<style>.cnnkit td,.cnnkit th{text-align:left;vertical-align:top;padding:2px 8px}"
         ".cnnkit .ok{color:#1a7f37}.cnnkit .fail{color:#cf222e;font-weight:bold}"
         ".cnnkit pre{white-space:pre-wrap;margin:2px 0}</style>")


class CheckResult:
    """The result of grader.check: `.result` is the result object `grade` writes (score, max_score, tests ...)."""

    def __init__(self, result: dict, lang: str = "en"):
        self.result = result
        self.lang = lang  # the language it was graded in, and is shown in

    @property
    def score(self) -> float:
        return self.result["score"]

    @property
    def max_score(self) -> float:
        return self.result["max_score"]

    def __str__(self) -> str:
        with speaking(self.lang):
            return result_table(self.result)

    def __repr__(self) -> str:
        with speaking(self.lang):
            return f"<CheckResult {self.result['exercise']}: {score_line(self.result)}>"

    def _repr_pretty_(self, printer, cycle):
        printer.text(str(self))

    def _repr_html_(self) -> str:
        with speaking(self.lang):
            return self._html()

    def _html(self) -> str:
        result = self.result
        small = _("(seed {seed}; {submission})").format(seed=_e(result["seed"]), submission=_e(result["submission"]))
        head = f"<p><b>{_e(result['exercise'])}</b>: {_e(score_line(result))} <small>{small}</small></p>"
        if result.get("error"):
            error = _e(_("could not be graded: {error}").format(error=result["error"]))
            return STYLE + f'<div class="cnnkit">{head}<p class="fail">{error}</p></div>'
        rows = "".join(_row(test) for test in result["tests"])
        notes = f"<pre>{_e(result['output'])}</pre>" if result.get("output", "").strip() else ""
        heads = "".join(f"<th>{_e(_(word))}</th>" for word in (N_("points"), N_("check"), N_("what is wrong")))
        table = f"<table><thead><tr><th></th>{heads}</tr></thead><tbody>{rows}</tbody></table>"
        return STYLE + f'<div class="cnnkit">{head}{table}{notes}</div>'


def _row(test: dict) -> str:
    passed = test["status"] == "passed"
    status = (f'<span class="ok">{_e(_(STATUS["passed"]))}</span>' if passed
              else f'<span class="fail">{_e(_(STATUS["failed"]))}</span>')
    points = f"{test['score']:g}/{test['max_score']:g}"
    feedback = "" if passed else _feedback(test)
    return f"<tr><td>{status}</td><td>{points}</td><td>{_e(shown(test['name']))}</td><td>{feedback}</td></tr>"


def _feedback(test: dict) -> str:
    """The first line of the feedback; the rest and the picture in a <details> below it."""
    first, __, rest = (test.get("output") or "").partition("\n")
    picture = test.get("picture")
    drawn = ""
    if isinstance(picture, dict):
        try:
            drawn = f"<div>{svg(picture)}</div>"
        except (KeyError, TypeError, ValueError):
            drawn = ""
    more = f"<pre>{_e(rest)}</pre>" if rest.strip() else ""
    if not (more or drawn):
        return _e(first)
    return f"{_e(first)}<details open><summary>{_e(_('details'))}</summary>{drawn}{more}</details>"


def _e(value) -> str:
    return html.escape(str(value))
