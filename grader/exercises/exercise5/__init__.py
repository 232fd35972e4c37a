"""Exercise 5: what it is and what the student writes (grader/registry.py reads these)."""

TITLE = "LeNet learns: the whole backward pass, the update rule, training on handwritten digits"
FUNCTIONS = ("lenet_backward", "sgd_step", "train")  # max_pool_backward, conv_backward: helpers, not graded alone
INSTRUCTOR_ONLY = ("mistakes.py", "heldout.npz")  # never in a student release (grader/release/build.py)
