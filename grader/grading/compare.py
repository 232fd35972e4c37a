"""Comparing a submission's answer with the truth, and saying what is wrong with it.

Every function here raises `CheckFailed` with a message that names the case, or returns quietly.
`variants` maps a known mistake ("the kernel was not rotated by 180°") to the answer that mistake produces;
a wrong answer matching one of them is named.
"""

from __future__ import annotations

import contextvars
import re
from contextlib import contextmanager
from typing import Mapping

import numpy as np

from grader.grading.checking import CheckFailed, GraderBug
from grader.grading.lang import _, shown
from grader.grading.picture import map_picture
from grader.grading.wording import (ATOL, MAX_SIDE, RTOL, close_enough, describe_shape, describe_values,  # noqa: F401
                                    picture)
from grader.sandbox.wire import Opaque


def describe(value) -> str:
    """A short description of what a submission returned, for messages."""
    if value is None:
        return _("None (did the function forget to `return`?)")
    if isinstance(value, Opaque):
        return _("a {type} object").format(type=value.type_name)
    if isinstance(value, np.ndarray):
        return _("an array of shape {shape} and dtype {dtype}").format(shape=value.shape, dtype=value.dtype)
    return _("a {type} ({value})").format(type=type(value).__name__, value=_short(value))


def _short(value, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def witnesses_agree(numeric: np.ndarray, analytic: np.ndarray, what: str) -> np.ndarray:
    """Check the reference backward against numerical differentiation; return the numerical truth."""
    if not close_enough(analytic, numeric, rtol=1e-5, atol=1e-6):
        raise GraderBug(f"the reference and numerical gradients disagree for {what}")
    return numeric


def match_variant(got: np.ndarray, variants: Mapping[str, np.ndarray]) -> str | None:
    """The name of the first known mistake whose answer `got` reproduces, if any."""
    for mistake, answer in variants.items():
        if answer is not None and close_enough(got, np.asarray(answer, dtype=np.float64)):
            return mistake
    return None


# ---------------------------------------------------------------- the strict diagnosis rule, across checks
# A mistake is named only when its answer reproduces the student's on EVERY failing case of the same function
# where it can show. One case is never proof: a hard-coded crop of 1 and "k zeros instead of k-1" give the same
# array at padding 1. Within one expect_array call this is the plain match; across the checks of a run it needs
# a record of the run: `Diagnoses`, which the runner opens around each check and settles at the end.

_LEDGER: contextvars.ContextVar = contextvars.ContextVar("grader_diagnoses", default=None)


def _kind(mistake: str) -> str:
    """A mistake's identity across cases: its name with the case's numbers left out ("stride 2: ..." and
    "stride 3: ..." are one mistake)."""
    return re.sub(r"\d+", "#", mistake)


class _Case:
    """What one failing expect_array call found: the mistakes that could show, those that reproduced the
    answer (kind -> name as shown), and the texts the message holds for either outcome."""

    def __init__(self, applicable, matched, named, plain):
        self.applicable, self.matched, self.named, self.plain = applicable, matched, named, plain


class Diagnoses:
    """The record of one graded run, for the strict rule. Use:

        diagnoses = Diagnoses()
        for each check:  with diagnoses.during(check_name): outcome = run the check
        outcomes = diagnoses.settle(outcomes)   # Outcome-like records with .name and .message

    Checks are grouped by function: the part of a check's name before ":" ("conv_backward_input: stride 2").
    """

    def __init__(self):
        self._cases: dict[str, list[_Case]] = {}  # check name -> its failing cases

    @contextmanager
    def during(self, check_name: str):
        cases = self._cases.setdefault(check_name, [])
        token = _LEDGER.set(cases)
        try:
            yield
        finally:
            _LEDGER.reset(token)

    def settle(self, outcomes):
        """`outcomes` with each "Looks like: X" kept only for the mistakes of X that reproduced every failing
        case of the same function where they could show; a message left with none says instead what kind of
        error it is (its text made when the case failed)."""
        by_function: dict[str, list[_Case]] = {}
        for name, cases in self._cases.items():
            by_function.setdefault(name.split(":")[0], []).extend(cases)
        settled = []
        for outcome in outcomes:
            message = outcome.message
            for case in self._cases.get(outcome.name, ()):
                if not case.named or case.named not in message:
                    continue
                others = by_function[outcome.name.split(":")[0]]
                kept = [name for kind, name in case.matched.items()
                        if all(kind in other.matched for other in others if kind in other.applicable)]
                message = message.replace(case.named, _looks_like(kept) if kept else case.plain, 1)
            settled.append(outcome._replace(message=message) if message != outcome.message else outcome)
        return settled


def looks_like(names) -> str:
    """" Looks like: X, or: Y." of mistakes' English names (each may be merged names "A, or: B"), in the language
    of the student; "" for no names."""
    names = [part for name in names for part in name.split(", or: ")]
    return _(" Looks like: {names}.").format(names=_(", or: ").join(map(shown, names))) if names else ""


_looks_like = looks_like


def _diagnose(got: np.ndarray, variants: Mapping[str, np.ndarray], plain: str) -> str:
    """The " Looks like: ..." text for a wrong answer ("" when no known mistake reproduces it), and a note of
    the case in the run's record when there is one."""
    mistake = match_variant(got, variants)
    causes = getattr(variants, "causes", None)
    matched = causes(mistake) if (mistake and causes) else ({mistake: mistake} if mistake else {})
    named = _looks_like(list(matched.values()) or [mistake]) if mistake else ""
    ledger = _LEDGER.get()
    if ledger is not None:
        applicable = variants.applicable() if hasattr(variants, "applicable") else set(variants)
        ledger.append(_Case({_kind(m) for m in applicable}, {_kind(k): v for k, v in matched.items()},
                            named, plain))
    return named


def expect_array(got, want: np.ndarray, *, case: str, variants: Mapping[str, np.ndarray] | None = None,
                 rtol: float = RTOL, atol: float = ATOL) -> None:
    """Fail unless `got` is a float array of `want`'s shape that matches it within tolerance.

    A wrong answer's message says where it is wrong and what kind of error it is, shows a small map entry by
    entry, and names a known mistake when that mistake's answer reproduces it (strictly: see Diagnoses)."""
    variants = {} if variants is None else variants  # not `or`: that would build lazy Variants (len)
    if not isinstance(got, np.ndarray):
        raise CheckFailed(_("{case}: returned {got}; expected a NumPy array of shape {shape}").format(
            case=case, got=describe(got), shape=want.shape))
    if got.dtype.kind not in "fiub":
        raise CheckFailed(_("{case}: returned an array of dtype {dtype}; expected float64").format(
            case=case, dtype=got.dtype))
    if got.shape != want.shape:
        rule = describe_shape(got.shape, want.shape)
        plain = _(" The shape: {rule}.").format(rule=rule) if rule else ""
        hint = _diagnose(got, variants, plain)  # only a wrong answer pays for building the variants
        raise CheckFailed(_("{case}: returned shape {got}, expected {want}.").format(
            case=case, got=got.shape, want=want.shape) + (hint or plain))
    if got.dtype.kind == "f" and not np.all(np.isfinite(got)):
        bad = np.argwhere(~np.isfinite(got))[0]
        raise CheckFailed(_("{case}: the result contains NaN or inf (first at index {index})").format(
            case=case, index=tuple(int(i) for i in bad)))
    if close_enough(got, want, rtol, atol):
        if got.dtype != np.float64:
            raise CheckFailed(_("{case}: values are right but the dtype is {dtype}; return float64").format(
                case=case, dtype=got.dtype))
        return
    err = np.abs(got.astype(np.float64) - want)
    idx = tuple(int(i) for i in np.unravel_index(int(np.argmax(err)), err.shape))
    message = _("{case}: wrong values; largest error {err:.3g} at index {index} (got {got:.6g}, expected "
                "{want:.6g})").format(case=case, err=err[idx], index=idx, got=got[idx], want=want[idx])
    scale = max(1.0, float(np.max(np.abs(want)))) if want.size else 1.0
    wrong = err > atol * scale + rtol * np.abs(want)
    plain = _(" What is wrong: {what}.").format(what=describe_values(got, want, wrong))
    hint = _diagnose(got, variants, plain)
    message += _(".") + (hint or plain)
    shown = picture(got, want, wrong, idx)
    raise CheckFailed(message + ("\n" + shown if shown else ""), picture=map_picture(got, want, wrong, idx))


def expect_tuple(got, length: int, *, case: str, names: str) -> tuple:
    """Fail unless `got` is a tuple/list of `length` items (e.g. (dx, dcoef, dbias)); return it as a tuple."""
    if not isinstance(got, (tuple, list)) or len(got) != length:
        raise CheckFailed(_("{case}: returned {got}; expected a tuple ({names})").format(
            case=case, got=describe(got), names=names))
    return tuple(got)


def expect_int(got, want: int, *, case: str, variants: Mapping[str, int] | None = None) -> None:
    """Fail unless `got` is an integer equal to `want`; name a known slip when `got` matches one."""
    is_integral = isinstance(got, (int, np.integer)) and not isinstance(got, bool)
    if isinstance(got, float) and got.is_integer():
        is_integral, got = True, int(got)
    if not is_integral:
        raise CheckFailed(_("{case}: returned {got}; expected an integer").format(case=case, got=describe(got)))
    if int(got) == want:
        return
    message = _("{case}: got {got:,}, expected {want:,}").format(case=case, got=int(got), want=want)
    for mistake, value in (variants or {}).items():
        if value == int(got) and value != want:
            message += _(".") + _looks_like([mistake])
            break
    raise CheckFailed(message)
