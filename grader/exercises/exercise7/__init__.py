"""Exercise 7: what it is and what the student writes (grader/registry.py reads these)."""

TITLE = "the convolution family: narrow and wide, as a matrix, transposed, dilated and 1x1"
FUNCTIONS = ("narrow_convolve", "wide_convolve", "conv_as_matrix", "conv_transpose", "dilated_conv", "same_padding",
             "dilated_conv_backward_weights", "conv1x1")
