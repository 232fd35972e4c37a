"""The real-code corpus: student-style submissions in submissions/, each reproducing one mistake seen in public
course code (or none), and the verdict on each function it defines.

CORPUS: file -> {function: "correct" | "wrong: <mistake>"}; functions a file leaves out are not judged.
NAMES: the mistake -> words that a right diagnosis of it contains (any one of them); a feedback that names a
mistake ("Looks like: ...") for that function must contain one.
The verdicts are checked against PyTorch autograd by test_witness.py.
"""

from pathlib import Path

HERE = Path(__file__).resolve().parent / "submissions"
EX2 = ("upsample", "avg_pool_backward", "max_pool_backward", "subsample_backward", "activation_backward")
EX3 = ("rot180", "full_convolve", "conv_backward_input")
EX4 = ("conv_backward_weights", "conv_backward_bias")
OK = "correct"

CORPUS = {
    # exercise 2
    "ex2_cs231n_loops_correct.py": dict.fromkeys(EX2, OK),
    "ex2_upsample_col2im_correct.py": dict.fromkeys(EX2[:3], OK),
    "ex2_max_all_ties.py": {"max_pool_backward": "wrong: all tied maxima", "upsample": OK, "avg_pool_backward": OK},
    "ex2_argmax_divmod_swapped.py": {"max_pool_backward": "wrong: argmax divmod swapped", "upsample": OK},
    "ex2_upsample_col2im_hw_swapped.py": {"upsample": "wrong: H and W swapped before col2im",
                                          "avg_pool_backward": "wrong: H and W swapped before col2im"},
    "ex2_avg_size_not_squared.py": {"upsample": OK, "avg_pool_backward": "wrong: divided by size"},
    "ex2_pool_size_two.py": {"upsample": "wrong: pool size hard-coded to 2",
                             "avg_pool_backward": "wrong: pool size hard-coded to 2", "max_pool_backward": OK},
    "ex2_subsample_mistakes.py": {"subsample_backward": "wrong: S-layer as average pooling"},
    "ex2_activation_mistakes.py": {"activation_backward": "wrong: sigmoid of z, lenet 2/3"},
    "ex2_relu_ge.py": {"activation_backward": "wrong: relu'(0) = 1"},
    "ex2_upsample_tile.py": {"upsample": "wrong: np.tile", "avg_pool_backward": "wrong: np.tile"},
    # exercise 3
    "ex3_cs231n_loops_correct.py": dict.fromkeys(EX3, OK),
    "ex3_cs231n_adapter_correct.py": dict.fromkeys(EX3, OK),
    "ex3_einsum_correct.py": dict.fromkeys(EX3, OK),
    "ex3_col2im_correct.py": dict.fromkeys(EX3, OK),
    "ex3_cs231n_negative_crop.py": {"rot180": OK, "full_convolve": OK, "conv_backward_input": "wrong: crop p:-p"},
    "ex3_dlai_adapter_negative_crop.py": {"rot180": OK, "full_convolve": OK,
                                          "conv_backward_input": "wrong: crop p:-p"},
    "ex3_crop_one.py": {"rot180": OK, "full_convolve": OK, "conv_backward_input": "wrong: crop hard-coded to 1"},
    "ex3_crop_end_only.py": {"rot180": OK, "full_convolve": OK, "conv_backward_input": "wrong: crop bottom/right"},
    "ex3_stride_on_offset.py": {"rot180": OK, "full_convolve": OK,
                                "conv_backward_input": "wrong: stride on kernel offset"},
    "ex3_round_size.py": {"rot180": OK, "full_convolve": OK, "conv_backward_input": "wrong: round() output size"},
    "ex3_square_kernel_assumed.py": {"rot180": OK, "full_convolve": "wrong: square kernel assumed",
                                     "conv_backward_input": "wrong: square kernel assumed"},
    "ex3_hw_swapped.py": {"rot180": OK, "full_convolve": OK, "conv_backward_input": "wrong: H and W swapped"},
    "ex3_col2im_hw_swapped.py": {"rot180": OK, "full_convolve": OK,
                                 "conv_backward_input": "wrong: col2im positions scrambled"},
    "ex3_rot90_no_axes.py": {"rot180": "wrong: rot90 without axes", "full_convolve": OK,
                             "conv_backward_input": "wrong: rot90 without axes"},
    "ex3_npflip_no_axis.py": {"rot180": "wrong: np.flip without axis", "full_convolve": OK,
                              "conv_backward_input": OK},
    "ex3_double_flip.py": {"rot180": OK, "full_convolve": "wrong: kernel flipped twice",
                           "conv_backward_input": "wrong: kernel flipped twice"},
    "ex3_flip_first_axis.py": {"rot180": "wrong: flips the first axis only",
                               "full_convolve": "wrong: flips the first axis only",
                               "conv_backward_input": "wrong: flips the first axis only"},
    "ex3_zeros_after.py": {"rot180": OK, "full_convolve": OK, "conv_backward_input": "wrong: zeros after entries"},
    # exercise 4
    "ex4_cs231n_loops_correct.py": dict.fromkeys(EX4, OK),
    "ex4_im2col_correct.py": dict.fromkeys(EX4, OK),
    "ex4_einsum_correct.py": dict.fromkeys(EX4, OK),
    "ex4_no_padding.py": {"conv_backward_weights": "wrong: padding forgotten", "conv_backward_bias": OK},
    "ex4_pad_one.py": {"conv_backward_weights": "wrong: padding hard-coded to 1", "conv_backward_bias": OK},
    "ex4_db_mean.py": {"conv_backward_weights": OK, "conv_backward_bias": "wrong: db averaged"},
    "ex4_db_per_example.py": {"conv_backward_weights": OK, "conv_backward_bias": "wrong: db per example"},
    "ex4_im2col_no_transpose.py": {"conv_backward_weights": "wrong: im2col transpose missing",
                                   "conv_backward_bias": OK},
    "ex4_square_kernel_int.py": {"conv_backward_weights": "wrong: square kernel assumed", "conv_backward_bias": OK},
    "ex4_stride_on_offset.py": {"conv_backward_weights": "wrong: stride on kernel offset", "conv_backward_bias": OK},
    "ex4_rotated_dw.py": {"conv_backward_weights": "wrong: dw rotated", "conv_backward_bias": OK},
    "ex4_dlai_batch_overwrite.py": {"conv_backward_weights": "wrong: last example only",
                                    "conv_backward_bias": "wrong: last example only"},
}

NAMES = {
    "all tied maxima": ("every tied maximum",),
    "argmax divmod swapped": ("row and column of the maximum inside its window were swapped",),
    "H and W swapped before col2im": (),
    "divided by size": ("divided by size instead of size²",),
    "pool size hard-coded to 2": (),
    "S-layer as average pooling": ("divided by size² as in average pooling", "window mean instead of the window sum"),
    "sigmoid of z, lenet 2/3": ("a(1 - a) applied to z", "missing the factor 2/3"),
    "relu'(0) = 1": ("relu'(0) taken as 1",),
    "np.tile": ("np.tile instead of np.repeat",),
    "crop p:-p": ("p:-p, p:-p] is empty when padding is 0",),
    "crop hard-coded to 1": ("crop was hard-coded to 1",),
    "crop bottom/right": ("cropped only at the bottom/right",),
    "stride on kernel offset": ("stride was also applied to the kernel offset",),
    "round() output size": (),
    "square kernel assumed": (),
    "H and W swapped": (),
    "col2im positions scrambled": (),
    # on a bank with F = C = 1, np.rot90(w, 2) leaves w as it is: "not rotated" is then literally what happened
    "rot90 without axes": ("np.rot90 needs axes", "the kernel was not rotated by 180°"),
    "np.flip without axis": ("np.flip without axis",),
    "kernel flipped twice": ("not rotated by 180°",),
    "flips the first axis only": ("only the rows were flipped", "flipped along the rows only",
                                  "flipped along one axis only (rows)"),
    "zeros after entries": ("zeros were put after each residual entry",),
    "padding forgotten": ("of a_prev was forgotten",),
    "padding hard-coded to 1": ("padding was hard-coded to 1",),
    "db averaged": ("averaged over the batch and the positions",),
    "db per example": ("one row per example",),
    "im2col transpose missing": (),
    "dw rotated": ("the result is rotated by 180°",),
    "last example only": ("only the last example counts",),
}


def exercise(file: str) -> str:
    return {"ex2": "exercise2", "ex3": "exercise3", "ex4": "exercise4"}[file[:3]]


def mistake(verdict: str) -> str | None:
    return None if verdict == OK else verdict.split("wrong: ", 1)[1]
