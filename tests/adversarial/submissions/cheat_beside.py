"""Cheat: files beside the submission that pytest or Python would pick up if the grader ran pytest in its
folder or put that folder on sys.path: conftest.py, pytest.ini, test_exercise4.py, numpy.py,
sitecustomize.py and a grader/ package. The test writes them next to a copy of this file (as files in the
repository they would hijack the project's own test run); each leaves a *.ran file if it ever runs.
Wrong weights. Honest part: conv_backward_bias."""
import numpy as np


def conv_backward_weights(delta, a_prev, kernel_size, stride=1, padding=0):
    return np.zeros((1,))


def conv_backward_bias(delta):
    return np.asarray(delta, dtype=np.float64).sum(axis=(0, 2, 3))
