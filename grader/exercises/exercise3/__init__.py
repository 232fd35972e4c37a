"""Exercise 3: what it is and what the student writes (grader/registry.py reads these)."""

TITLE = "the residual of the layer before a convolution, by full convolution with the rotated kernel"
FUNCTIONS = ("rot180", "full_convolve", "conv_backward_input")
