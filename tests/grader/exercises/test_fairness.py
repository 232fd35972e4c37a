"""Fairness (DESIGN.md, "How a grade is made"): the same mistake earns the same score under every seed.

Every wrong answer the grader knows by name (grader/exercises/conv_mistakes.py, grader/exercises/exercise2/truth.py,
grader/exercises/exercise1/truth.py) and the typical mistakes of issue #10 are written here as small wrong
submissions: the instructor's solution with one line changed, or one function written with the mistake. Each is
graded with every check, hidden ones included, under SEEDS; its score must be the same under every seed, and
below full marks (the mistake is seen). The solutions get full marks under the same seeds.

A check draws values and sizes from its seed but never the structure it is about (a batch of at least 2 where
the batch is summed, C != F where channel axes matter, a remainder s-1 where unread rows are tested, ...): a
seed that draws a batch of one would hide "only the first example counts", and the score would depend on luck.

To keep this fast, one sandbox grades a source under all its seeds (run_one per check, as run_checks does).
"""

import pytest

from fairness import edit, full_marks, grade, override, solution, touched, unfair

# ---------------------------------------------------------------- exercise 1
OUT = "return (size + 2 * padding - kernel) // stride + 1"
PARAMS = "return sum(kh * kw * n + 1 for n in reads)"
LINKS = "return conv_params(in_maps, out_maps, (kh, kw), connections) * oh * ow"
MACS = "return oh * ow * out_maps * kh * kw * in_maps"
SUB_LINKS = "return (sh * sw + 1) * maps * oh * ow"

EXERCISE1 = {
    "output size: padding ignored": [(OUT, "return (size - kernel) // stride + 1")],
    "output size: stride ignored": [(OUT, "return (size + 2 * padding - kernel) + 1")],
    "output size: padding on one side only": [(OUT, "return (size + padding - kernel) // stride + 1")],
    "output size: the + 1 missing": [(OUT, "return (size + 2 * padding - kernel) // stride")],
    "output size: rounded up": [(OUT, "return -(-(size + 2 * padding - kernel) // stride) + 1")],
    "output size: round() instead of //": [(OUT, "return round((size + 2 * padding - kernel) / stride) + 1")],
    "conv params without bias": [(PARAMS, "return sum(kh * kw * n for n in reads)")],
    "conv params: connection table ignored": [
        ("reads = [in_maps] * out_maps if connections is None else", "reads = [in_maps] * out_maps if True else")],
    "conv params: kernel counted as kh * kh": [(PARAMS, "return sum(kh * kh * n + 1 for n in reads)")],
    "conv params: kernel counted as kw * kw": [(PARAMS, "return sum(kw * kw * n + 1 for n in reads)")],
    "conv params: a bias per kernel": [(PARAMS, "return sum(kh * kw * n + n for n in reads)")],
    "connections without bias": [(LINKS, "return (conv_params(in_maps, out_maps, (kh, kw), connections) - out_maps)"
                                         " * oh * ow")],
    "connections: not multiplied by the output size": [(LINKS, "return conv_params(in_maps, out_maps, (kh, kw), "
                                                               "connections)")],
    "connections: output size on one axis only": [(LINKS, "return conv_params(in_maps, out_maps, (kh, kw), "
                                                          "connections) * oh")],
    "S-layer params: bias forgotten": [("return 2 * maps", "return maps")],
    "S-layer params: parameter-free pooling": [("return 2 * maps", "return 0")],
    "S-layer connections: bias forgotten": [(SUB_LINKS, "return sh * sw * maps * oh * ow")],
    "S-layer connections: window not squared": [(SUB_LINKS, "return (sh + 1) * maps * oh * ow")],
    "S-layer connections: not multiplied by the output size": [(SUB_LINKS, "return (sh * sw + 1) * maps")],
    "dense params: bias forgotten": [("return (n_in + 1) * n_out", "return n_in * n_out")],
    "dense params: a bias per input": [("return (n_in + 1) * n_out", "return (n_out + 1) * n_in")],
    "RBF params counted as a dense layer": [("return n_in * n_classes", "return (n_in + 1) * n_classes")],
    "LeNet-5 C3 fully connected": [
        ('("C3", conv_params(6, 16, 5, LENET5_C3_TABLE), conv_connections(6, 16, 5, c3, LENET5_C3_TABLE)),',
         '("C3", conv_params(6, 16, 5), conv_connections(6, 16, 5, c3)),')],
    "LeNet-5 OUTPUT counted as a dense layer": [
        ('("OUTPUT", rbf_params(84, 10), rbf_params(84, 10)),', '("OUTPUT", dense_params(84, 10), '
                                                               'dense_params(84, 10)),')],
    "modern LeNet C3 with LeNet-5's table": [
        ('("C3", conv_params(6, 16, 5)),', '("C3", conv_params(6, 16, 5, LENET5_C3_TABLE)),')],
    "modern LeNet OUTPUT counted as an RBF": [
        ('("OUTPUT", dense_params(84, 10)),', '("OUTPUT", rbf_params(84, 10)),')],
    "MACs: the bias counted": [(MACS, "return oh * ow * out_maps * (kh * kw * in_maps + 1)")],
    "MACs: input maps not counted": [(MACS, "return oh * ow * out_maps * kh * kw")],
    "MACs: kernel counted as kh * kh": [(MACS, "return oh * ow * out_maps * kh * kh * in_maps")],
    "MACs: output size on one axis only": [(MACS, "return oh * out_maps * kh * kw * in_maps")],
    "memory: one map only": [("return maps * oh * ow", "return oh * ow")],
    "memory: output size on one axis only": [("return maps * oh * ow", "return maps * oh")],
}

# ---------------------------------------------------------------- exercise 2
UP = "return delta.repeat(size, axis=2).repeat(size, axis=3)"
AVG = "return upsample(delta, size) / size**2"
WINNER = "winner = blocks.reshape(n, c, ho, wo, k * k).argmax(axis=-1)"
ONEHOT = "onehot = np.arange(k * k) == winner[..., None]"
SUB_DX = "dx = upsample(delta, size) * coef[None, :, None, None]"
DCOEF = "dcoef = (delta * window_sum).sum(axis=(0, 2, 3))"
DBIAS = "dbias = delta.sum(axis=(0, 2, 3))"
SIGMOID = "return da * s * (1.0 - s)"
TANH = "return da * (1.0 - np.tanh(z) ** 2)"
RELU = "return da * (z > 0)"
LENET = "return da * LENET_A * LENET_S * (1.0 - t**2)"

EXERCISE2 = {
    "upsample: np.repeat along the rows only": [(UP, "return delta.repeat(size, axis=2)")],
    "upsample: np.repeat along the columns only": [(UP, "return delta.repeat(size, axis=3)")],
    "upsample: np.tile instead of np.repeat": [(UP, "return np.tile(delta, (1, 1, size, size))")],
    "upsample: repeat rows, tile columns": [(UP, "return np.tile(delta.repeat(size, axis=2), (1, 1, 1, size))")],
    "upsample: tile rows, repeat columns": [(UP, "return np.tile(delta.repeat(size, axis=3), (1, 1, size, 1))")],
    "upsample: divided by size^2": [(UP, "return delta.repeat(size, axis=2).repeat(size, axis=3) / size**2")],
    "avg pool: not divided by size^2": [(AVG, "return upsample(delta, size)")],
    "avg pool: divided by size": [(AVG, "return upsample(delta, size) / size")],
    "avg pool: np.tile": [(AVG, "return np.tile(delta, (1, 1, size, size)) / size**2")],
    "avg pool: np.repeat along one axis": [(AVG, "return delta.repeat(size, axis=2) / size**2")],
    "max pool: ties routed to the last maximum": [
        (WINNER, "winner = k * k - 1 - blocks.reshape(n, c, ho, wo, k * k)[..., ::-1].argmax(axis=-1)")],
    "max pool: ties routed to the first maximum in column-major order": [
        (WINNER, "col = blocks.transpose(0, 1, 2, 3, 5, 4).reshape(n, c, ho, wo, k * k).argmax(axis=-1)\n"
                 "    winner = (col % k) * k + col // k")],
    "max pool: row and column of the maximum swapped (divmod the wrong way round)": [
        (WINNER, WINNER + "\n    winner = (winner % k) * k + winner // k")],
    "max pool: gradient to every tied maximum": [
        (ONEHOT, "flat = blocks.reshape(n, c, ho, wo, k * k)\n"
                 "    onehot = flat == flat.max(axis=-1, keepdims=True)")],
    "max pool: gradient split between tied maxima": [
        (ONEHOT, "flat = blocks.reshape(n, c, ho, wo, k * k)\n"
                 "    onehot = flat == flat.max(axis=-1, keepdims=True)\n"
                 "    onehot = onehot / onehot.sum(axis=-1, keepdims=True)")],
    "max pool: delta copied to every position": [(ONEHOT, "onehot = np.ones(k * k, dtype=bool)")],
    "max pool: the average-pooling gradient": [(ONEHOT, "onehot = np.ones(k * k) / (k * k)")],
    "max pool: remainder rows and columns dropped": [
        ("    return dx\n    # END SOLUTION", "    return dx[:, :, : ho * k, : wo * k]\n    # END SOLUTION")],
    "S-layer dx: not multiplied by coef": [(SUB_DX, "dx = upsample(delta, size)")],
    "S-layer dx: divided by size^2": [(SUB_DX, "dx = upsample(delta, size) * coef[None, :, None, None] / size**2")],
    "S-layer dx: np.tile": [(SUB_DX, "dx = np.tile(delta, (1, 1, size, size)) * coef[None, :, None, None]")],
    "S-layer dcoef: no window sums": [(DCOEF, "dcoef = delta.sum(axis=(0, 2, 3))")],
    "S-layer dcoef: window mean": [(DCOEF, "dcoef = (delta * window_sum).sum(axis=(0, 2, 3)) / size**2")],
    "S-layer dcoef: not summed over the batch": [(DCOEF, "dcoef = (delta * window_sum).sum(axis=(2, 3))")],
    "S-layer dcoef: not summed over positions": [(DCOEF, "dcoef = (delta * window_sum).sum(axis=0)")],
    "S-layer dcoef: averaged over the batch": [(DCOEF, "dcoef = (delta * window_sum).sum(axis=(0, 2, 3)) / n")],
    "S-layer dcoef: from z, not the window sum": [
        (DCOEF, "dcoef = (delta * window_sum * coef[None, :, None, None]).sum(axis=(0, 2, 3))")],
    "S-layer dbias: not summed over the batch": [(DBIAS, "dbias = delta.sum(axis=(2, 3))")],
    "S-layer dbias: summed only over positions of the first example": [(DBIAS, "dbias = delta[0].sum(axis=(1, 2))")],
    "S-layer dbias: not summed over positions": [(DBIAS, "dbias = delta.sum(axis=0)")],
    "S-layer dbias: averaged": [(DBIAS, "dbias = delta.mean(axis=(0, 2, 3))")],
    "S-layer dbias: averaged over the batch": [(DBIAS, "dbias = delta.sum(axis=(0, 2, 3)) / n")],
    "S-layer dbias: multiplied by coef": [(DBIAS, "dbias = delta.sum(axis=(0, 2, 3)) * coef")],
    "sigmoid: a(1 - a) applied to z": [(SIGMOID, "return da * z * (1.0 - z)")],
    "sigmoid: da * a": [(SIGMOID, "return da * s")],
    "sigmoid: sigma' of a instead of z": [(SIGMOID, "s = 0.5 * (1.0 + np.tanh(0.5 * s))\n        " + SIGMOID)],
    "sigmoid: not multiplied by da": [(SIGMOID, "return s * (1.0 - s)")],
    "tanh: 1 - z^2 (z, not tanh(z))": [(TANH, "return da * (1.0 - z ** 2)")],
    "tanh: 1 - tanh(z)": [(TANH, "return da * (1.0 - np.tanh(z))")],
    "tanh: tanh' of a instead of z": [(TANH, "return da * (1.0 - np.tanh(np.tanh(z)) ** 2)")],
    "relu: derivative 1 everywhere": [(RELU, "return da * 1.0")],
    "relu: multiplied by relu(z)": [(RELU, "return da * np.maximum(z, 0.0)")],
    "relu: relu'(0) = 1": [(RELU, "return da * (z >= 0)")],
    "lenet_tanh: missing 1.7159 and 2/3": [(LENET, "return da * (1.0 - t**2)")],
    "lenet_tanh: missing the 2/3 factor": [(LENET, "return da * LENET_A * (1.0 - t**2)")],
    "lenet_tanh: missing 1.7159": [(LENET, "return da * LENET_S * (1.0 - t**2)")],
    "lenet_tanh: 1 - a^2 with a = lenet_tanh(z)": [(LENET, "return da * (1.0 - (LENET_A * t) ** 2)")],
    "lenet_tanh: the derivative of tanh(z)": [(LENET, "return da * (1.0 - np.tanh(z) ** 2)")],
}

# ---------------------------------------------------------------- exercise 3
ROT = "return kernel[..., ::-1, ::-1].copy()"
FULL_PAD = "padded = np.pad(delta, ((kh - 1, kh - 1), (kw - 1, kw - 1)))"
FULL_CORR = "return correlate(padded[None, None], rot180(kernel)[None, None])[0, 0]"
KERNEL = "kernel = rot180(w).transpose(1, 0, 2, 3)"
DILATED = ("dilated = np.zeros((n, f, (ho - 1) * s + 1, (wo - 1) * s + 1))\n"
           "    dilated[:, :, ::s, ::s] = delta  # s-1 zeros between residual entries")
DX_PAD = "padded = np.pad(dilated, ((0, 0), (0, 0), (kh - 1, kh - 1), (kw - 1, kw - 1)))"
CORR = "da_pad = correlate(padded, kernel)"
UNREAD = "unread = ((0, 0), (0, 0), (0, h + 2 * p - da_pad.shape[2]), (0, wd + 2 * p - da_pad.shape[3]))"
CROP = "return np.pad(da_pad, unread)[:, :, p : p + h, p : p + wd]"

EXERCISE3 = {
    "rot180: unchanged": [(ROT, "return kernel.copy()")],
    "rot180: rows flipped only": [(ROT, "return kernel[..., ::-1, :].copy()")],
    "rot180: columns flipped only": [(ROT, "return kernel[..., :, ::-1].copy()")],
    "rot180: transposed": [(ROT, "return np.swapaxes(kernel, -1, -2).copy()")],
    "rot180: rotated by 90": [(ROT, "return np.rot90(kernel, 1, axes=(-2, -1)).copy()")],
    "rot180: rotated by 270": [(ROT, "return np.rot90(kernel, -1, axes=(-2, -1)).copy()")],
    "rot180: np.flip without axes": [(ROT, "return np.flip(kernel).copy()")],
    "rot180: np.rot90 without axes": [(ROT, "return np.rot90(kernel, 2).copy()")],
    "full_convolve: kernel not rotated": [
        (FULL_CORR, "return correlate(padded[None, None], kernel[None, None])[0, 0]")],
    "full_convolve: rows flipped only": [
        (FULL_CORR, "return correlate(padded[None, None], kernel[::-1, :][None, None])[0, 0]")],
    "full_convolve: columns flipped only": [
        (FULL_CORR, "return correlate(padded[None, None], kernel[:, ::-1][None, None])[0, 0]")],
    "full_convolve: kernel transposed": [
        (FULL_CORR, "return correlate(padded[None, None], kernel.T[None, None])[0, 0]")],
    "full_convolve: padded with k zeros": [(FULL_PAD, "padded = np.pad(delta, ((kh, kh), (kw, kw)))")],
    "full_convolve: not padded": [(FULL_PAD, "padded = delta")],
    "dx: kernel not rotated": [(KERNEL, "kernel = w.transpose(1, 0, 2, 3)")],
    "dx: rows flipped only": [(KERNEL, "kernel = w[..., ::-1, :].transpose(1, 0, 2, 3)")],
    "dx: columns flipped only": [(KERNEL, "kernel = w[..., :, ::-1].transpose(1, 0, 2, 3)")],
    "dx: kernel transposed": [(KERNEL, "kernel = np.swapaxes(w, -1, -2).transpose(1, 0, 2, 3)")],
    "dx: rotated over the first two axes": [(KERNEL, "kernel = np.rot90(w, 2).transpose(1, 0, 2, 3)")],
    "dx: channel axes not swapped": [(KERNEL, "kernel = rot180(w)")],
    "dx: not summed over the kernels (first only)": [(CORR, "da_pad = correlate(padded[:, :1], kernel[:, :1])")],
    "dx: not summed over the kernels (overwritten, last counts)": [
        (CORR, "da_pad = correlate(padded[:, -1:], kernel[:, -1:])")],
    "dx: not summed over the kernels (input map c from kernel c only)": '''
_right = conv_backward_input

def conv_backward_input(delta, w, stride=1, padding=0, input_size=None):
    f = delta.shape[1]
    return np.concatenate([_right(delta[:, [c % f]], w[[c % f]][:, [c]], stride, padding, input_size)
                           for c in range(w.shape[1])], axis=1)
''',
    "dx: padded with k zeros": [(DX_PAD, "padded = np.pad(dilated, ((0, 0), (0, 0), (kh, kh), (kw, kw)))")],
    "dx: stride zeros missing": [(DILATED, "dilated = delta")],
    "dx: s zeros instead of s-1": [
        (DILATED, "dilated = np.zeros((n, f, (ho - 1) * (s + 1) + 1, (wo - 1) * (s + 1) + 1))\n"
                  "    dilated[:, :, :: s + 1, :: s + 1] = delta")],
    "dx: zeros after each entry": [
        (DILATED, "dilated = np.zeros((n, f, ho * s, wo * s))\n    dilated[:, :, ::s, ::s] = delta")],
    "dx: zeros before each entry": [
        (DILATED, "dilated = np.zeros((n, f, ho * s, wo * s))\n    dilated[:, :, s - 1 :: s, s - 1 :: s] = delta")],
    "dx: padding not cropped": [(CROP, "return np.pad(da_pad, unread)")],
    "dx: padding cropped at the top and left only": [(CROP, "return np.pad(da_pad, unread)[:, :, p:, p:]")],
    "dx: padding crop a[p:-p] (empty at padding 0)": [(CROP, "return np.pad(da_pad, unread)[:, :, p:-p, p:-p]")],
    "dx: padding crop hard-coded to 1": [(CROP, "return np.pad(da_pad, unread)[:, :, 1:-1, 1:-1]")],
    "dx: padding cropped at the bottom and right only": [(CROP, "return np.pad(da_pad, unread)[:, :, :h, :wd]")],
    "dx: stride applied to the kernel offset too": [
        ("    kh, kw = w.shape[2:]\n    s, p = stride, padding\n",
         "    s, p = stride, padding\n"
         "    wide = np.zeros(w.shape[:2] + ((w.shape[2] - 1) * s + 1, (w.shape[3] - 1) * s + 1))\n"
         "    wide[..., ::s, ::s] = w\n"
         "    w = wide\n"
         "    kh, kw = w.shape[2:]\n")],
    "dx: input_size ignored": [("    if input_size is None:  # the smallest", "    if True:  # the smallest")],
    "dx: unread rows at the top and left": [
        (UNREAD, "unread = ((0, 0), (0, 0), (h + 2 * p - da_pad.shape[2], 0), (wd + 2 * p - da_pad.shape[3], 0))")],
}

# ---------------------------------------------------------------- exercise 4
MET = "met = a_pad[:, :, i : i + (ho - 1) * s + 1 : s, j : j + (wo - 1) * s + 1 : s]  # (N, C, Ho, Wo)"
DOT = "dw[:, :, i, j] = np.tensordot(delta, met, axes=([0, 2, 3], [0, 2, 3]))  # sum over n, u, v"
APAD = "a_pad = np.pad(a_prev, ((0, 0), (0, 0), (p, p), (p, p)))"
RETURN_DW = "    return dw\n    # END SOLUTION"
DB = "return delta.sum(axis=(0, 2, 3))  # dz[n,f,u,v]/db[f] = 1"
# dw as a correlation of the padded input with the dilated residual, before keeping the first KH x KW values
CORRELATION = '''
def _correlation(delta, a_prev, stride, padding, dilate=True):
    n, f, ho, wo = delta.shape
    s = stride if dilate else 1
    dd = np.zeros((n, f, (ho - 1) * s + 1, (wo - 1) * s + 1))
    dd[:, :, ::s, ::s] = delta
    a = np.pad(a_prev, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    rows, cols = a.shape[2] - dd.shape[2] + 1, a.shape[3] - dd.shape[3] + 1
    out = np.zeros((f, a.shape[1], rows, cols))
    for p in range(rows):
        for q in range(cols):
            out[:, :, p, q] = np.einsum("nfij,ncij->fc", dd, a[:, :, p:p + dd.shape[2], q:q + dd.shape[3]])
    return out
'''

EXERCISE4 = {
    "dw: result rotated": [(RETURN_DW, "    return dw[:, :, ::-1, ::-1]\n    # END SOLUTION")],
    "dw: residual rotated": [(DOT, "dw[:, :, i, j] = np.tensordot(delta[:, :, ::-1, ::-1], met, "
                                   "axes=([0, 2, 3], [0, 2, 3]))")],
    "dw: stride ignored": [(MET, "met = a_pad[:, :, i : i + ho, j : j + wo]")],
    "dw: residual not dilated (whole correlation)": CORRELATION + '''
def conv_backward_weights(delta, a_prev, kernel_size, stride=1, padding=0):
    return _correlation(delta, a_prev, stride, padding, dilate=False)
''',
    "dw: all the correlation kept (not only KH x KW)": CORRELATION + '''
def conv_backward_weights(delta, a_prev, kernel_size, stride=1, padding=0):
    return _correlation(delta, a_prev, stride, padding)
''',
    "dw: padding forgotten (whole correlation)": CORRELATION + '''
def conv_backward_weights(delta, a_prev, kernel_size, stride=1, padding=0):
    return _correlation(delta, a_prev, stride, 0)
''',
    "dw: padding at the bottom and right only": [
        (APAD, "a_pad = np.pad(a_prev, ((0, 0), (0, 0), (0, 2 * p), (0, 2 * p)))")],
    "dw: padding hard-coded to 1": [(APAD, "a_pad = np.pad(a_prev, ((0, 0), (0, 0), (1, 1), (1, 1)))")],
    "dw: stride applied to the kernel offset too": [
        (MET, "met = a_pad[:, :, i * s : i * s + (ho - 1) * s + 1 : s, j * s : j * s + (wo - 1) * s + 1 : s]")],
    "dw: one gradient per example": [
        ("dw = np.zeros((delta.shape[1], a_prev.shape[1], kh, kw))",
         "dw = np.zeros((n, delta.shape[1], a_prev.shape[1], kh, kw))"),
        (DOT, "dw[..., i, j] = np.einsum('nfuv,ncuv->nfc', delta, met)")],
    "dw: only the first example of the batch": [
        (DOT, "dw[:, :, i, j] = np.tensordot(delta[:1], met[:1], axes=([0, 2, 3], [0, 2, 3]))")],
    "dw: only the last example of the batch": [
        (DOT, "dw[:, :, i, j] = np.tensordot(delta[-1:], met[-1:], axes=([0, 2, 3], [0, 2, 3]))")],
    "dw: averaged over the batch": [(RETURN_DW, "    return dw / n\n    # END SOLUTION")],
    "dw: F and C swapped": [(RETURN_DW, "    return dw.transpose(1, 0, 2, 3)\n    # END SOLUTION")],
    "dw: a square kernel assumed (KW taken as KH)": [("    s, p = stride, padding\n",
                                                      "    s, p = stride, padding\n    kw = kh\n")],
    "dw: kernel_size taken as an int only": [('kh, kw = _pair(kernel_size, "kernel_size")',
                                              "kh = kw = kernel_size")],
    "db: one row per example": [(DB, "return delta.sum(axis=(2, 3))  #")],
    "db: summed only over positions (first example)": [(DB, "return delta[0].sum(axis=(1, 2))  #")],
    "db: only the last example of the batch": [(DB, "return delta[-1].sum(axis=(1, 2))  #")],
    "db: averaged over the batch": [(DB, "return delta.sum(axis=(0, 2, 3)) / delta.shape[0]  #")],
    "db: not summed over positions": [(DB, "return delta.sum(axis=0)  #")],
    "db: averaged over positions": [(DB, "return delta.sum(axis=(0, 2, 3)) / (delta.shape[2] * delta.shape[3])  #")],
    "db: averaged over batch and positions": [(DB, "return delta.mean(axis=(0, 2, 3))  #")],
    "db: summed over the kernels, not the batch": [(DB, "return delta.sum(axis=(1, 2, 3))  #")],
    "db: summed over batch and kernels": [(DB, "return delta.sum(axis=(0, 1))  #")],
}

MISTAKES = {"exercise1": EXERCISE1, "exercise2": EXERCISE2, "exercise3": EXERCISE3, "exercise4": EXERCISE4}


def source_of(exercise, mistake):
    how = MISTAKES[exercise][mistake]
    return override(exercise, how) if isinstance(how, str) else edit(exercise, *how)


@pytest.mark.parametrize("exercise, mistake", [(ex, m) for ex in MISTAKES for m in MISTAKES[ex]])
def test_the_same_mistake_earns_the_same_score_under_every_seed(exercise, mistake):
    source = source_of(exercise, mistake)
    graded = grade(exercise, source, only=touched(exercise, source))
    scores = {seed: sum(p for _, p in outcomes) for seed, outcomes in graded.items()}
    assert len(set(scores.values())) == 1, f"{mistake}: scores {scores}; checks lost only under some seeds: " \
                                           f"{unfair(graded)}"
    assert scores[0] < full_marks(exercise), f"{mistake}: full marks, the mistake is never seen"


@pytest.mark.parametrize("exercise", list(MISTAKES))
def test_the_solutions_get_full_marks_under_every_seed(exercise):
    graded = grade(exercise, solution(exercise))
    lost = {seed: [name for name, p in outcomes if p == 0] for seed, outcomes in graded.items()}
    assert {seed: names for seed, names in lost.items() if names} == {}


def test_the_drawn_conv_sizes_keep_their_structure():
    """conv_sizes (exercises 3 and 4) gives exact remainders, H != W where possible and >= 2 outputs per axis;
    remainder_size (exercise 1) a size on which a ceiling and round() both differ from //."""
    import numpy as np

    from grader.exercises.exercise1.truth import remainder_size
    from grader.exercises.convolution import conv_out, conv_sizes

    rng = np.random.default_rng(0)
    for _ in range(200):
        s, p, kernel = int(rng.integers(1, 4)), int(rng.integers(0, 3)), tuple(int(k) for k in rng.integers(2, 5, 2))
        rests = (s - 1, 0) if rng.integers(2) else (0, s - 1)
        h, w = conv_sizes(rng, kernel, s, p, remainders=rests, hi=11)
        assert ((h + 2 * p - kernel[0]) % s, (w + 2 * p - kernel[1]) % s) == rests
        assert min(conv_out(h, kernel[0], s, p), conv_out(w, kernel[1], s, p)) >= 2
        assert h != w or kernel[0] != kernel[1] or s > 1
        k, s = int(rng.integers(2, 8)), int(rng.integers(2, 4))
        n = remainder_size(rng, k, s, 0, 8, 40)
        assert -(-(n - k) // s) != (n - k) // s and round((n - k) / s) != (n - k) // s
