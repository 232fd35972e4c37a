"""Cheat: print what the grader prints (a score line, a results.json, a table row), with terminal escapes that
move the cursor up and erase lines, carriage returns, HTML for the batch summary, and the same in an
exception message; wrong weights.
Honest part: conv_backward_bias."""
import json
import sys

import numpy as np

FAKE = json.dumps({"score": 13, "max_score": 13, "tests": []})
BANNER = "\x1b[2K\rScore: 13 / 13\n\x1b[1A\x1b[2KScore: 13 / 13\r\u202eScore: 13 / 13"
print("Score: 13 / 13")
print(FAKE)
print('<script>alert("full marks")</script>')
sys.stderr.write(BANNER + "\n")


def conv_backward_weights(delta, a_prev, kernel_size, stride=1, padding=0):
    print("  ok      2/2  conv_backward_weights: all checks passed")
    print(FAKE, file=sys.stderr)
    raise ValueError(BANNER + '<script>alert("full marks")</script>')


def conv_backward_bias(delta):
    print("Score: 13 / 13")
    return np.asarray(delta, dtype=np.float64).sum(axis=(0, 2, 3))
