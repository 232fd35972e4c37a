"""Fairness of exercise 7 (DESIGN.md, "How a grade is made"): the same mistake earns the same score under every
seed, below full marks; the solution gets full marks under every seed. The mistakes are those of
/work/staging/exercise7/MISTAKES.md, each written as the solution with one line (or one function) changed;
grading runs only the checks of the functions a mistake touches (tests/grader/exercises/fairness.py).
"""

import pytest

from fairness import edit, full_marks, grade, override, solution, touched, unfair

EX = "exercise7"
NARROW = "return correlate(x[None, None], w[::-1, ::-1][None, None])[0, 0]"
WIDE = "return narrow_convolve(np.pad(x, ((u - 1, u - 1), (v - 1, v - 1))), w)"
UNITS = "units = np.eye(c * h * wd).reshape(c * h * wd, c, h, wd)"
PADDED = "padded = np.pad(units, ((0, 0), (0, 0), (padding, padding), (padding, padding)))"
OUTPUTS = "outputs = correlate(padded, w)[:, :, ::stride, ::stride]"
MATRIX = "return outputs.reshape(c * h * wd, -1).T"
ZEROS = "dilated = np.zeros((n, c_in, (h - 1) * s + 1, (wd - 1) * s + 1))\n    dilated[:, :, ::s, ::s] = x"
FULL = "full = correlate(padded, w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3))"
CROP = "return full[:, :, p : full.shape[2] - p, p : full.shape[3] - p]"
SPREAD = ("kernel = np.zeros((f, c, dilation * (kh - 1) + 1, dilation * (kw - 1) + 1))\n"
          "    kernel[:, :, ::dilation, ::dilation] = w")
DILATED = "return correlate(np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding))), kernel)"
SHRINK = "shrink = (int(kernel_size) - 1) * int(dilation)"
WINDOW = "window = x_pad[:, :, p * d : p * d + ho, q * d : q * d + wo]"
DW_SUM = 'dw[:, :, p, q] = np.einsum("nfij,ncij->fc", delta, window)'
X_PAD = "x_pad = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))"
DW = "    return dw\n    # END SOLUTION"
ONE = 'return np.einsum("fc,nchw->nfhw", w, x)'

MISTAKES = {
    "narrow: kernel not flipped": [(NARROW, "return correlate(x[None, None], w[None, None])[0, 0]")],
    "narrow: rows flipped only": [(NARROW, "return correlate(x[None, None], w[::-1][None, None])[0, 0]")],
    "narrow: columns flipped only": [(NARROW, "return correlate(x[None, None], w[:, ::-1][None, None])[0, 0]")],
    "narrow: rotated by 90": [(NARROW, "return correlate(x[None, None], np.rot90(w)[None, None])[0, 0]")],
    "narrow: wide instead": [(NARROW, "u, v = w.shape\n    x = np.pad(x, ((u - 1, u - 1), (v - 1, v - 1)))\n    "
                                      "return correlate(x[None, None], w[::-1, ::-1][None, None])[0, 0]")],
    "wide: narrow instead": [(WIDE, "return narrow_convolve(x, w)")],
    "wide: padded with x's size": [("    u, v = w.shape\n", "    u, v = x.shape\n")],
    "wide: padded on one side": [(WIDE, "return narrow_convolve(np.pad(x, ((u - 1, 0), (v - 1, 0))), w)")],
    "wide: padded with U zeros": [(WIDE, "return narrow_convolve(np.pad(x, ((u, u), (v, v))), w)")],
    "wide: not flipped (correlation)": [
        (WIDE, "return correlate(np.pad(x, ((u - 1, u - 1), (v - 1, v - 1)))[None, None], w[None, None])[0, 0]")],
    "matrix: returns C.T": [(MATRIX, "return outputs.reshape(c * h * wd, -1)")],
    "matrix: column-major ravel": [
        (UNITS, "units = np.eye(c * h * wd).reshape(c * h * wd, wd, h, c).transpose(0, 3, 2, 1)"),
        (MATRIX, "return outputs.transpose(0, 3, 2, 1).reshape(c * h * wd, -1).T")],
    "matrix: channels-last x": [(UNITS, "units = np.eye(c * h * wd).reshape(c * h * wd, h, wd, c).transpose(0, 3, 1, 2)")],
    "matrix: kernel flipped": [(OUTPUTS, "outputs = correlate(padded, w[:, :, ::-1, ::-1])[:, :, ::stride, ::stride]")],
    "matrix: stride ignored": [(OUTPUTS, "outputs = correlate(padded, w)")],
    "matrix: padding ignored": [(PADDED, "padded = units")],
    "matrix: columns for the padded input": [
        ("    c, h, wd = input_shape\n", "    c, h, wd = input_shape\n    h, wd = h + 2 * padding, wd + 2 * padding\n"),
        (PADDED, "padded = units")],
    "transpose: kernel not rotated": [(FULL, "full = correlate(padded, w.transpose(1, 0, 2, 3))")],
    "transpose: flipped upside down only": [(FULL, "full = correlate(padded, w[:, :, ::-1].transpose(1, 0, 2, 3))")],
    "transpose: channel axes not swapped": [(FULL, "full = correlate(padded, w[:, :, ::-1, ::-1])")],
    "transpose: stride zeros missing": [(ZEROS, "dilated = x")],
    "transpose: s zeros instead of s-1": [(ZEROS, "dilated = np.zeros((n, c_in, (h - 1) * (s + 1) + 1, "
                                                  "(wd - 1) * (s + 1) + 1))\n    dilated[:, :, :: s + 1, :: s + 1] = x")],
    "transpose: zeros after each entry": [(ZEROS, "dilated = np.zeros((n, c_in, h * s, wd * s))\n"
                                                  "    dilated[:, :, ::s, ::s] = x")],
    "transpose: zeros before each entry": [(ZEROS, "dilated = np.zeros((n, c_in, h * s, wd * s))\n"
                                                   "    dilated[:, :, s - 1 :: s, s - 1 :: s] = x")],
    "transpose: not cropped": [(CROP, "return full")],
    "transpose: 2p cropped at the end": [(CROP, "return full[:, :, : full.shape[2] - 2 * p, : full.shape[3] - 2 * p]")],
    "transpose: 2p cropped at the start": [(CROP, "return full[:, :, 2 * p :, 2 * p :]")],
    "transpose: cropped at the top/left only": [(CROP, "return full[:, :, p:, p:]")],
    "transpose: crop p:-p": [(CROP, "return full[:, :, p:-p, p:-p]")],
    "transpose: padding added": [(CROP, "return np.pad(full, ((0, 0), (0, 0), (p, p), (p, p)))")],
    "dilated: dilation as stride": [(DILATED, "return correlate(np.pad(x, ((0, 0), (0, 0), (padding, padding), "
                                              "(padding, padding))), w)[:, :, ::dilation, ::dilation]")],
    "dilated: dilation ignored": [(DILATED, DILATED.replace("kernel)", "w)"))],
    "dilated: D zeros instead of D-1": [(SPREAD, SPREAD.replace("dilation", "(dilation + 1)"))],
    "dilated: rows only": [(SPREAD, "kernel = np.zeros((f, c, dilation * (kh - 1) + 1, kw))\n"
                                    "    kernel[:, :, ::dilation, :] = w")],
    "dilated: columns only": [(SPREAD, "kernel = np.zeros((f, c, kh, dilation * (kw - 1) + 1))\n"
                                       "    kernel[:, :, :, ::dilation] = w")],
    "dilated: kernel flipped": [(SPREAD, SPREAD.replace("= w", "= w[:, :, ::-1, ::-1]"))],
    "dilated: padding ignored": [(DILATED, "return correlate(x, kernel)")],
    "dilated: input dilated": [(DILATED, "big = np.zeros(x.shape[:2] + ((x.shape[2] - 1) * dilation + 1, "
                                         "(x.shape[3] - 1) * dilation + 1))\n    big[:, :, ::dilation, ::dilation] = x\n"
                                         "    " + DILATED.replace("np.pad(x,", "np.pad(big,").replace("kernel)", "w)"))],
    "same_padding: dilation ignored": [(SHRINK, "shrink = int(kernel_size) - 1")],
    "same_padding: K*D wide": [(SHRINK, "return (int(kernel_size) * int(dilation) - 1) // 2")],
    "same_padding: total": [("return shrink // 2", "return shrink")],
    "same_padding: float": [("return shrink // 2", "return shrink / 2")],
    "same_padding: no ValueError": [("    if shrink % 2:\n", "    if False:\n")],
    "same_padding: halved before multiplying": [(SHRINK, "return (int(kernel_size) - 1) // 2 * int(dilation)")],
    "dw: dilation ignored": [(WINDOW, "window = x_pad[:, :, p : p + ho, q : q + wo]")],
    "dw: rotated": [(DW, "    return dw[:, :, ::-1, ::-1]\n    # END SOLUTION")],
    "dw: F and C swapped": [(DW, "    return dw.transpose(1, 0, 2, 3)\n    # END SOLUTION")],
    "dw: averaged over the batch": [(DW, "    return dw / len(x)\n    # END SOLUTION")],
    "dw: first example only": [(DW_SUM, 'dw[:, :, p, q] = np.einsum("nfij,ncij->fc", delta[:1], window[:1])')],
    "dw: padded at the bottom/right": [(X_PAD, "x_pad = np.pad(x, ((0, 0), (0, 0), (0, 2 * padding), "
                                               "(0, 2 * padding)))")],
    "conv1x1: w transposed": [(ONE, 'return np.einsum("cf,nchw->nfhw", w, x)')],
    "conv1x1: reshaped, not transposed": [
        (ONE, "n, c, h, wd = x.shape\n    return (x.reshape(n, h * wd, c) @ w.T).reshape(n, len(w), h, wd)")],
}


def source_of(mistake):
    how = MISTAKES[mistake]
    return override(EX, how) if isinstance(how, str) else edit(EX, *how)


@pytest.mark.parametrize("mistake", list(MISTAKES))
def test_the_same_mistake_earns_the_same_score_under_every_seed(mistake):
    source = source_of(mistake)
    graded = grade(EX, source, only=touched(EX, source))
    scores = {seed: sum(p for _, p in outcomes) for seed, outcomes in graded.items()}
    assert len(set(scores.values())) == 1, f"{mistake}: scores {scores}; checks lost only under some seeds: " \
                                           f"{unfair(graded)}"
    assert scores[0] < full_marks(EX), f"{mistake}: full marks, the mistake is never seen"


def test_the_solution_gets_full_marks_under_every_seed():
    graded = grade(EX, solution(EX))
    lost = {seed: [name for name, p in outcomes if p == 0] for seed, outcomes in graded.items()}
    assert {seed: names for seed, names in lost.items() if names} == {}
