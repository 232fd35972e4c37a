"""Exercise 1: what it is and what the student writes (grader/registry.py reads these)."""

TITLE = "how big is a CNN: output sizes, parameters, connections, time and space"
FUNCTIONS = ("conv_output_size", "conv_params", "conv_connections", "subsample_params", "subsample_connections",
             "dense_params", "rbf_params", "lenet5_counts", "modern_lenet_params", "conv_macs", "activation_memory")
PUBLIC_DATA = ("known.json",)  # the public checks' literal cases
