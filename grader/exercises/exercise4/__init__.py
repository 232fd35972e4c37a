"""Exercise 4: what it is and what the student writes (grader/registry.py reads these)."""

TITLE = "the gradients of a convolution's kernels and biases"
FUNCTIONS = ("conv_backward_weights", "conv_backward_bias")
