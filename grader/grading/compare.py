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
from grader.grading.picture import map_picture
from grader.sandbox.wire import Opaque

RTOL = 1e-6  # relative to each expected entry
ATOL = 1e-7  # relative to the largest expected magnitude (numerical truth is good to ~1e-9 of it)


def describe(value) -> str:
    """A short description of what a submission returned, for messages."""
    if value is None:
        return "None (did the function forget to `return`?)"
    if isinstance(value, Opaque):
        return f"a {value.type_name} object"
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    return f"a {type(value).__name__} ({_short(value)})"


def _short(value, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def close_enough(got: np.ndarray, want: np.ndarray, rtol: float = RTOL, atol: float = ATOL) -> bool:
    """True when shapes agree and |got - want| <= atol*max|want| + rtol*|want| everywhere (NaN never close)."""
    if got.shape != want.shape:
        return False
    scale = max(1.0, float(np.max(np.abs(want)))) if want.size else 1.0
    with np.errstate(invalid="ignore", over="ignore"):
        err = np.abs(got.astype(np.float64) - want)
        return bool(np.all(err <= atol * scale + rtol * np.abs(want)))


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
                kept = [shown for kind, shown in case.matched.items()
                        if all(kind in other.matched for other in others if kind in other.applicable)]
                message = message.replace(case.named, _looks_like(kept) if kept else case.plain, 1)
            settled.append(outcome._replace(message=message) if message != outcome.message else outcome)
        return settled


def _looks_like(names) -> str:
    return f" Looks like: {', or: '.join(names)}." if names else ""


def _diagnose(got: np.ndarray, variants: Mapping[str, np.ndarray], plain: str) -> str:
    """The " Looks like: ..." text for a wrong answer ("" when no known mistake reproduces it), and a note of
    the case in the run's record when there is one."""
    mistake = match_variant(got, variants)
    causes = getattr(variants, "causes", None)
    matched = causes(mistake) if (mistake and causes) else ({mistake: mistake} if mistake else {})
    named = _looks_like([mistake]) if mistake else ""
    ledger = _LEDGER.get()
    if ledger is not None:
        applicable = variants.applicable() if hasattr(variants, "applicable") else set(variants)
        ledger.append(_Case({_kind(m) for m in applicable}, {_kind(k): v for k, v in matched.items()},
                            named, plain))
    return named


# ---------------------------------------------------------------- what kind of error, in words and pictures
MAX_SIDE = 6  # maps up to 6 x 6 are shown entry by entry
MAX_LINES = 12


def _spatial(a: np.ndarray) -> np.ndarray:
    """a viewed as (maps, rows, cols): the last two axes are a map's rows and columns."""
    if a.ndim == 0:
        return a.reshape(1, 1, 1)
    if a.ndim == 1:
        return a.reshape(1, 1, -1)
    return a.reshape((-1,) + a.shape[-2:])


def describe_shape(got_shape: tuple, want_shape: tuple) -> str:
    """What a wrong shape has in common with the right one, in words (no cause named)."""
    notes = []
    if len(got_shape) != len(want_shape):
        return f"it has {len(got_shape)} axes, expected {len(want_shape)}"
    if 0 in got_shape and 0 not in want_shape:
        axes = [i for i, d in enumerate(got_shape) if d == 0]
        notes.append(f"it is empty (axis {', '.join(map(str, axes))} has length 0); note that a slice a[p:-p] "
                     f"is empty when p == 0")
    elif len(got_shape) >= 2 and got_shape[:-2] == want_shape[:-2] and got_shape[-2:] == want_shape[-2:][::-1]:
        notes.append("its last two axes (height and width) are swapped")
    else:
        diffs = [(i, g - w) for i, (g, w) in enumerate(zip(got_shape, want_shape)) if g != w]
        if diffs:
            notes.append("; ".join(f"axis {i} has {abs(d)} {'more' if d > 0 else 'fewer'} entries than expected"
                                   for i, d in diffs))
            ratios = {g / w for g, w in zip(got_shape, want_shape) if g != w and w}
            if len(ratios) == 1 and len(diffs) > 1:
                notes.append(f"each differing axis is {ratios.pop():.3g} times the expected length")
    return "; ".join(notes)


def _positions(wrong: np.ndarray) -> str:
    """Where the wrong entries of (maps, rows, cols) are, in words."""
    rows, cols = wrong.any(axis=(0, 2)), wrong.any(axis=(0, 1))
    count, total = int(wrong.sum()), wrong.size
    parts = [f"{count} of {total} entries are wrong"]
    if wrong.shape[1] > 1 and wrong.shape[2] > 1:
        border = np.zeros(wrong.shape[1:], dtype=bool)
        border[[0, -1], :] = border[:, [0, -1]] = True
        if not (wrong & ~border).any():
            parts.append("all on the border of the map")
        elif rows.sum() < len(rows) or cols.sum() < len(cols):
            where = []
            if rows.sum() < len(rows):
                where.append(_index_set("row", np.flatnonzero(rows), len(rows)))
            if cols.sum() < len(cols):
                where.append(_index_set("column", np.flatnonzero(cols), len(cols)))
            parts.append("only in " + " and ".join(where))
    elif wrong.shape[2] > 1 and cols.sum() < len(cols):
        parts.append("only at " + _index_set("index", np.flatnonzero(cols), len(cols)))
    bad_maps = wrong.any(axis=(1, 2))
    if wrong.shape[0] > 1 and bad_maps.sum() < len(bad_maps):
        parts.append(f"in {int(bad_maps.sum())} of {len(bad_maps)} maps")
    return ", ".join(parts)


def _index_set(word: str, idx: np.ndarray, length: int) -> str:
    if len(idx) > 1:
        step = np.diff(idx)
        if np.all(step == step[0]) and step[0] > 1:
            return f"every {step[0]}th {word} from {word} {idx[0]}"
    if len(idx) == 1:
        return f"{word} {idx[0]}"
    if np.array_equal(idx, np.arange(idx[0], idx[-1] + 1)):
        return f"{word}s {idx[0]}..{idx[-1]}"
    shown = ", ".join(map(str, idx[:8])) + (", ..." if len(idx) > 8 else "")
    return f"{word}s {shown}"


def describe_values(got: np.ndarray, want: np.ndarray, wrong: np.ndarray) -> str:
    """What kind of error a wrong answer of the right shape has, in words (no cause named)."""
    g, w = got.astype(np.float64), want
    scale = max(1.0, float(np.max(np.abs(w)))) if w.size else 1.0
    if np.any(np.abs(w) > 1e-9 * scale) and np.any(np.abs(g) > 1e-9 * scale):
        k = float(np.vdot(w, g) / np.vdot(w, w))
        if abs(k - 1) > 1e-6 and close_enough(g, k * w):
            return f"every value is the expected one times the same factor {k:.6g}"
    g3, w3 = _spatial(g), _spatial(w)
    if g3.shape[1] == g3.shape[2] > 1 and close_enough(g3, w3.swapaxes(1, 2)):
        return "each map is transposed (rows and columns swapped)"
    if g3.shape[1] > 1 or g3.shape[2] > 1:
        for dy in range(-2, 3):
            for dx in range(-2, 3):
                if (dy or dx) and _shifted_match(g3, w3, dy, dx):
                    return (f"the values are the expected ones shifted by {dy} row{'s' if abs(dy) != 1 else ''} "
                            f"and {dx} column{'s' if abs(dx) != 1 else ''} (down/right when positive)")
    if close_enough(np.sort(g.ravel()), np.sort(w.ravel())):
        return "the right values in the wrong places (the entries are scrambled)"
    return _positions(_spatial(wrong))


def _shifted_match(g3, w3, dy, dx) -> bool:
    """g3 == w3 moved by (dy, dx), where both are defined, and zero where w3 moved in nothing."""
    h, wd = w3.shape[1:]
    if abs(dy) >= h or abs(dx) >= wd:
        return False
    moved = np.zeros_like(w3)
    moved[:, max(dy, 0):h + min(dy, 0), max(dx, 0):wd + min(dx, 0)] = \
        w3[:, max(-dy, 0):h - max(dy, 0), max(-dx, 0):wd - max(dx, 0)]
    return not close_enough(w3, moved) and close_enough(g3, moved)


def picture(got: np.ndarray, want: np.ndarray, wrong: np.ndarray, idx: tuple) -> str:
    """Expected and got side by side for the map holding the largest error (when it is at most 6 x 6), the
    wrong entries marked with *; "" for bigger maps."""
    if got.ndim == 0:
        return ""
    lead = idx[:-2] if got.ndim >= 2 else ()
    g = got[lead] if got.ndim >= 2 else got.reshape(1, -1)
    w = want[lead] if want.ndim >= 2 else want.reshape(1, -1)
    bad = wrong[lead] if wrong.ndim >= 2 else wrong.reshape(1, -1)
    if g.shape[0] > MAX_SIDE or g.shape[1] > (MAX_SIDE if got.ndim >= 2 else 2 * MAX_SIDE):
        return ""

    def cell(v, mark):
        return f"{v:8.3g}{'*' if mark else ' '}"

    width = 9 * g.shape[1]
    where = f"map {lead}" if lead else "the array"
    lines = [f"{where} (* = wrong):", f"{'expected':>{width}} | got"]
    for r in range(g.shape[0]):
        lines.append("".join(cell(v, False) for v in w[r]) + " |" + "".join(cell(v, m) for v, m in zip(g[r], bad[r])))
    return "\n".join(lines[:MAX_LINES])


def expect_array(got, want: np.ndarray, *, case: str, variants: Mapping[str, np.ndarray] | None = None,
                 rtol: float = RTOL, atol: float = ATOL) -> None:
    """Fail unless `got` is a float array of `want`'s shape that matches it within tolerance.

    A wrong answer's message says where it is wrong and what kind of error it is, shows a small map entry by
    entry, and names a known mistake when that mistake's answer reproduces it (strictly: see Diagnoses)."""
    variants = {} if variants is None else variants  # not `or`: that would build lazy Variants (len)
    if not isinstance(got, np.ndarray):
        raise CheckFailed(f"{case}: returned {describe(got)}; expected a NumPy array of shape {want.shape}")
    if got.dtype.kind not in "fiub":
        raise CheckFailed(f"{case}: returned an array of dtype {got.dtype}; expected float64")
    if got.shape != want.shape:
        rule = describe_shape(got.shape, want.shape)
        plain = f" The shape: {rule}." if rule else ""
        hint = _diagnose(got, variants, plain)  # only a wrong answer pays for building the variants
        raise CheckFailed(f"{case}: returned shape {got.shape}, expected {want.shape}.{hint or plain}")
    if got.dtype.kind == "f" and not np.all(np.isfinite(got)):
        bad = np.argwhere(~np.isfinite(got))[0]
        raise CheckFailed(f"{case}: the result contains NaN or inf (first at index {tuple(int(i) for i in bad)})")
    if close_enough(got, want, rtol, atol):
        if got.dtype != np.float64:
            raise CheckFailed(f"{case}: values are right but the dtype is {got.dtype}; return float64")
        return
    err = np.abs(got.astype(np.float64) - want)
    idx = tuple(int(i) for i in np.unravel_index(int(np.argmax(err)), err.shape))
    message = (f"{case}: wrong values; largest error {err[idx]:.3g} at index {idx} "
               f"(got {got[idx]:.6g}, expected {want[idx]:.6g})")
    scale = max(1.0, float(np.max(np.abs(want)))) if want.size else 1.0
    wrong = err > atol * scale + rtol * np.abs(want)
    plain = f" What is wrong: {describe_values(got, want, wrong)}."
    hint = _diagnose(got, variants, plain)
    message += "." + (hint or plain)
    shown = picture(got, want, wrong, idx)
    raise CheckFailed(message + ("\n" + shown if shown else ""), picture=map_picture(got, want, wrong, idx))


def expect_tuple(got, length: int, *, case: str, names: str) -> tuple:
    """Fail unless `got` is a tuple/list of `length` items (e.g. (dx, dcoef, dbias)); return it as a tuple."""
    if not isinstance(got, (tuple, list)) or len(got) != length:
        raise CheckFailed(f"{case}: returned {describe(got)}; expected a tuple ({names})")
    return tuple(got)


def expect_int(got, want: int, *, case: str, variants: Mapping[str, int] | None = None) -> None:
    """Fail unless `got` is an integer equal to `want`; name a known slip when `got` matches one."""
    is_integral = isinstance(got, (int, np.integer)) and not isinstance(got, bool)
    if isinstance(got, float) and got.is_integer():
        is_integral, got = True, int(got)
    if not is_integral:
        raise CheckFailed(f"{case}: returned {describe(got)}; expected an integer")
    if int(got) == want:
        return
    message = f"{case}: got {int(got):,}, expected {want:,}"
    for mistake, value in (variants or {}).items():
        if value == int(got) and value != want:
            message += f". Looks like: {mistake}."
            break
    raise CheckFailed(message)
