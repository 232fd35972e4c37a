"""A picture of a wrong array: expected and got side by side, the wrong entries marked.

`map_picture` keeps, of a failing array check, the 2-D map that holds the largest error (a window of at most
MAX_SIDE x MAX_SIDE around it when the map is bigger) as plain data that a result can store:
{"where", "want", "got", "wrong"}. It is drawn three ways: `grid` for a terminal (`grade -v`), `svg` for a
notebook or a web page (inline SVG: no JavaScript, no matplotlib), and the entries themselves in the message for
maps up to 6 x 6 (grader/grading/compare.py).
"""

from __future__ import annotations

import html

import numpy as np

from grader.grading.lang import _

MAX_SIDE = 16  # a map up to 16 x 16 is drawn whole; a bigger one as the window around its largest error
CELL = 14  # pixels of one entry in the SVG


def map_picture(got: np.ndarray, want: np.ndarray, wrong: np.ndarray, idx: tuple) -> dict | None:
    """The map of `idx` (the index of the largest error) as {"where", "want", "got", "wrong"}; None for a 0-d
    answer. Arrays of the same shape; a 1-d one is one row."""
    if got.ndim == 0:
        return None
    if got.ndim == 1:
        got, want, wrong, idx = got[None], want[None], wrong[None], (0, *idx)
    lead = tuple(idx[:-2])
    g, w, bad = got[lead], want[lead], wrong[lead]
    (r0, r1), (c0, c1) = (_window(idx[-2], g.shape[0]), _window(idx[-1], g.shape[1]))
    where = f"map {lead}" if lead else "the array"
    if (r1 - r0, c1 - c0) != g.shape:
        where += f", rows {r0}..{r1 - 1}, columns {c0}..{c1 - 1}"
    return {"where": where, "want": np.round(w[r0:r1, c0:c1].astype(float), 6).tolist(),
            "got": np.round(g[r0:r1, c0:c1].astype(float), 6).tolist(),
            "wrong": bad[r0:r1, c0:c1].astype(bool).tolist()}


def _window(centre: int, length: int) -> tuple[int, int]:
    start = min(max(0, centre - MAX_SIDE // 2), max(0, length - MAX_SIDE))
    return start, min(length, start + MAX_SIDE)


def grid(picture: dict) -> str:
    """Expected and got as two small grids of signs (+ - 0), the wrong entries of got as X: the shape of the
    error at a glance in a terminal."""
    def row(values, marks=None):
        return " ".join("X" if marks and marks[k] else _sign(v) for k, v in enumerate(values))

    lines = [f"{picture['where']}: expected | got (X = wrong)"]
    for want, got, wrong in zip(picture["want"], picture["got"], picture["wrong"]):
        lines.append(f"  {row(want)} | {row(got, wrong)}")
    return "\n".join(lines)


def _sign(value: float) -> str:
    return "0" if abs(value) < 1e-12 else "+" if value > 0 else "-"


def svg(picture: dict) -> str:
    """An inline SVG: two heat maps (expected, got) on one colour scale (blue negative, red positive), the wrong
    entries of got outlined, each entry's value in its tooltip."""
    want, got = np.asarray(picture["want"], dtype=float), np.asarray(picture["got"], dtype=float)
    wrong = np.asarray(picture["wrong"], dtype=bool)
    rows, cols = want.shape
    scale = max(float(np.max(np.abs(want))) if want.size else 0.0, float(np.max(np.abs(got))) if got.size else 0.0)
    top, block = 18, max(cols * CELL, 64)  # a block is wide enough for its label
    right = block + 2 * CELL
    width, height = right + block, rows * CELL + top + 16
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" aria-label="expected and got: {html.escape(picture["where"])}">',
             f'<text x="0" y="12" font-size="11" font-family="sans-serif">{_e(_("expected"))}</text>',
             f'<text x="{right}" y="12" font-size="11" font-family="sans-serif">{_e(_("got"))}</text>',
             f'<text x="0" y="{height - 3}" font-size="10" font-family="sans-serif" fill="#d00000">'
             f'{_e(_("red border: wrong entry"))}</text>']
    for offset, values, marks in ((0, want, None), (right, got, wrong)):
        for r in range(rows):
            for c in range(cols):
                parts.append(_cell(offset + c * CELL, top + r * CELL, values[r, c], scale,
                                   bool(marks[r, c]) if marks is not None else False))
    parts.append("</svg>")
    return "".join(parts)


def _e(text: str) -> str:
    return html.escape(text)


def _cell(x: int, y: int, value: float, scale: float, wrong: bool) -> str:
    t = 0.0 if scale == 0 else max(-1.0, min(1.0, value / scale))
    fade = int(round(255 * (1 - abs(t))))
    colour = f"rgb(255,{fade},{fade})" if t > 0 else f"rgb({fade},{fade},255)"
    stroke = ' stroke="#d00000" stroke-width="2"' if wrong else ' stroke="#ffffff" stroke-width="0.5"'
    return (f'<rect x="{x}" y="{y}" width="{CELL}" height="{CELL}" fill="{colour}"{stroke}>'
            f'<title>{value:.6g}{" (wrong)" if wrong else ""}</title></rect>')
