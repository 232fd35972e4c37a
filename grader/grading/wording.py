"""What kind of error a wrong array has, in words and in a small picture, without naming a cause: its shape
(`describe_shape`), its values (`describe_values`), and expected and got side by side (`picture`). Used by
compare.expect_array; every text is in the language of grader/grading/lang.py."""

from __future__ import annotations

import unicodedata

import numpy as np

from grader.grading.lang import N_, _

RTOL = 1e-6  # relative to each expected entry
ATOL = 1e-7  # relative to the largest expected magnitude (numerical truth is good to ~1e-9 of it)
MAX_SIDE = 6  # maps up to 6 x 6 are shown entry by entry
MAX_LINES = 12

# the words of _index_set, in each form: {word: (one, a range, a list, every k-th)}
_INDEX_FORMS = {
    "row": (N_("row {first}"), N_("rows {first}..{last}"), N_("rows {listed}"),
            N_("every {step}th row from row {first}")),
    "column": (N_("column {first}"), N_("columns {first}..{last}"), N_("columns {listed}"),
               N_("every {step}th column from column {first}")),
    "index": (N_("index {first}"), N_("indexs {first}..{last}"), N_("indexs {listed}"),
              N_("every {step}th index from index {first}")),
}


def close_enough(got: np.ndarray, want: np.ndarray, rtol: float = RTOL, atol: float = ATOL) -> bool:
    """True when shapes agree and |got - want| <= atol*max|want| + rtol*|want| everywhere (NaN never close)."""
    if got.shape != want.shape:
        return False
    scale = max(1.0, float(np.max(np.abs(want)))) if want.size else 1.0
    with np.errstate(invalid="ignore", over="ignore"):
        err = np.abs(got.astype(np.float64) - want)
        return bool(np.all(err <= atol * scale + rtol * np.abs(want)))


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
        return _("it has {got} axes, expected {want}").format(got=len(got_shape), want=len(want_shape))
    if 0 in got_shape and 0 not in want_shape:
        axes = [i for i, d in enumerate(got_shape) if d == 0]
        notes.append(_("it is empty (axis {axes} has length 0); note that a slice a[p:-p] is empty when p == 0")
                     .format(axes=", ".join(map(str, axes))))
    elif len(got_shape) >= 2 and got_shape[:-2] == want_shape[:-2] and got_shape[-2:] == want_shape[-2:][::-1]:
        notes.append(_("its last two axes (height and width) are swapped"))
    else:
        diffs = [(i, g - w) for i, (g, w) in enumerate(zip(got_shape, want_shape)) if g != w]
        if diffs:
            more, fewer = _("axis {axis} has {count} more entries than expected"), \
                _("axis {axis} has {count} fewer entries than expected")
            notes.append(_("; ").join((more if d > 0 else fewer).format(axis=i, count=abs(d)) for i, d in diffs))
            ratios = {g / w for g, w in zip(got_shape, want_shape) if g != w and w}
            if len(ratios) == 1 and len(diffs) > 1:
                notes.append(_("each differing axis is {ratio:.3g} times the expected length")
                             .format(ratio=ratios.pop()))
    return _("; ").join(notes)


def _positions(wrong: np.ndarray) -> str:
    """Where the wrong entries of (maps, rows, cols) are, in words."""
    rows, cols = wrong.any(axis=(0, 2)), wrong.any(axis=(0, 1))
    count, total = int(wrong.sum()), wrong.size
    parts = [_("{count} of {total} entries are wrong").format(count=count, total=total)]
    if wrong.shape[1] > 1 and wrong.shape[2] > 1:
        border = np.zeros(wrong.shape[1:], dtype=bool)
        border[[0, -1], :] = border[:, [0, -1]] = True
        if not (wrong & ~border).any():
            parts.append(_("all on the border of the map"))
        elif rows.sum() < len(rows) or cols.sum() < len(cols):
            where = []
            if rows.sum() < len(rows):
                where.append(_index_set("row", np.flatnonzero(rows), len(rows)))
            if cols.sum() < len(cols):
                where.append(_index_set("column", np.flatnonzero(cols), len(cols)))
            parts.append(_("only in {where}").format(where=_(" and ").join(where)))
    elif wrong.shape[2] > 1 and cols.sum() < len(cols):
        parts.append(_("only at {where}").format(where=_index_set("index", np.flatnonzero(cols), len(cols))))
    bad_maps = wrong.any(axis=(1, 2))
    if wrong.shape[0] > 1 and bad_maps.sum() < len(bad_maps):
        parts.append(_("in {bad} of {maps} maps").format(bad=int(bad_maps.sum()), maps=len(bad_maps)))
    return _(", ").join(parts)


def _index_set(word: str, idx: np.ndarray, length: int) -> str:
    one, span, listed, every = (_(form) for form in _INDEX_FORMS[word])
    if len(idx) > 1:
        step = np.diff(idx)
        if np.all(step == step[0]) and step[0] > 1:
            return every.format(step=step[0], first=idx[0])
    if len(idx) == 1:
        return one.format(first=idx[0])
    if np.array_equal(idx, np.arange(idx[0], idx[-1] + 1)):
        return span.format(first=idx[0], last=idx[-1])
    return listed.format(listed=", ".join(map(str, idx[:8])) + (", ..." if len(idx) > 8 else ""))


def describe_values(got: np.ndarray, want: np.ndarray, wrong: np.ndarray) -> str:
    """What kind of error a wrong answer of the right shape has, in words (no cause named)."""
    g, w = got.astype(np.float64), want
    scale = max(1.0, float(np.max(np.abs(w)))) if w.size else 1.0
    if np.any(np.abs(w) > 1e-9 * scale) and np.any(np.abs(g) > 1e-9 * scale):
        k = float(np.vdot(w, g) / np.vdot(w, w))
        if abs(k - 1) > 1e-6 and close_enough(g, k * w):
            return _("every value is the expected one times the same factor {factor:.6g}").format(factor=k)
    g3, w3 = _spatial(g), _spatial(w)
    if g3.shape[1] == g3.shape[2] > 1 and close_enough(g3, w3.swapaxes(1, 2)):
        return _("each map is transposed (rows and columns swapped)")
    if g3.shape[1] > 1 or g3.shape[2] > 1:
        for dy in range(-2, 3):
            for dx in range(-2, 3):
                if (dy or dx) and _shifted_match(g3, w3, dy, dx):
                    return _("the values are the expected ones shifted by {dy} {rows} and {dx} {columns} "
                             "(down/right when positive)").format(
                        dy=dy, dx=dx, rows=_("row") if abs(dy) == 1 else _("rows"),
                        columns=_("column") if abs(dx) == 1 else _("columns"))
    if close_enough(np.sort(g.ravel()), np.sort(w.ravel())):
        return _("the right values in the wrong places (the entries are scrambled)")
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


def fit(text: str, width: int, *, right: bool = False) -> str:
    """`text` padded to `width` columns of a terminal (a Chinese character takes two), on the left when right."""
    pad = " " * max(0, width - len(text) - sum(unicodedata.east_asian_width(c) in "WF" for c in text))
    return pad + text if right else text + pad


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
    where = _("map {index}").format(index=lead) if lead else _("the array")
    lines = [_("{where} (* = wrong):").format(where=where),
             f"{fit(_('expected'), width, right=True)} | {_('got')}"]
    for r in range(g.shape[0]):
        lines.append("".join(cell(v, False) for v in w[r]) + " |" + "".join(cell(v, m) for v, m in zip(g[r], bad[r])))
    return "\n".join(lines[:MAX_LINES])
