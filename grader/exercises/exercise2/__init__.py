"""Exercise 2: what it is and what the student writes (grader/registry.py reads these)."""

TITLE = "the residual through pooling layers and activation functions"
FUNCTIONS = ("upsample", "avg_pool_backward", "max_pool_backward", "subsample_backward", "activation_backward")
