"""Comparing a submission's answer with the truth, and saying what is wrong with it.

Every function here raises `CheckFailed` with a message that names the case, or returns quietly.
`variants` maps a known mistake ("the kernel was not rotated by 180°") to the answer that mistake produces;
a wrong answer matching one of them is named.
"""

from __future__ import annotations

from typing import Mapping

import numpy as np

from grader.checking import CheckFailed, GraderBug
from grader.wire import Opaque

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


def expect_array(got, want: np.ndarray, *, case: str, variants: Mapping[str, np.ndarray] | None = None,
                 rtol: float = RTOL, atol: float = ATOL) -> None:
    """Fail unless `got` is a float array of `want`'s shape that matches it within tolerance."""
    variants = {} if variants is None else variants  # not `or`: that would build lazy Variants (len)
    if not isinstance(got, np.ndarray):
        raise CheckFailed(f"{case}: returned {describe(got)}; expected a NumPy array of shape {want.shape}")
    if got.dtype.kind not in "fiub":
        raise CheckFailed(f"{case}: returned an array of dtype {got.dtype}; expected float64")
    if got.shape != want.shape:
        mistake = match_variant(got, variants)  # only a wrong answer pays for building the variants
        hint = f" Looks like: {mistake}." if mistake else ""
        raise CheckFailed(f"{case}: returned shape {got.shape}, expected {want.shape}.{hint}")
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
    mistake = match_variant(got, variants)
    if mistake:
        message += f". Looks like: {mistake}."
    raise CheckFailed(message)


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
