"""Exercise 6: what it is and what the student writes (grader/registry.py reads these)."""

TITLE = "the shortcut: a residual block's backward pass, vanishing gradients, what a ResNet costs"
FUNCTIONS = ("residual_block_backward", "gradient_norms", "resnet_convs", "resnet_flops", "resnet_params")
PUBLIC_DATA = ("known.json",)  # the public count checks' literal answers (known.py)
