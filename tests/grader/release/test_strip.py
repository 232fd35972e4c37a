"""grader/release/strip.py: cutting hidden checks and backward passes out of modules, keeping everything else as it was."""

import textwrap

from grader.release.strip import answer_functions, cut, forward_only, imported_modules, public_checks

CHECKS = textwrap.dedent('''\
    """Checks of a toy exercise."""

    import numpy as np
    from grader.grading.checking import check
    from grader.grading.compare import expect_array, expect_int  # expect_int: hidden only
    from reference.count import count_model

    SIZES = (1, 2)  # public
    SECRET = 42     # hidden only


    def shared(x):
        return np.asarray(x)


    def hidden_helper():
        """Only the hidden check uses me."""
        return count_model(SECRET)


    # ------------------------------------------------ section
    @check("f: public", points=1)
    def test_public(submission, rng):
        expect_array(submission.call("f"), shared(SIZES), case="public")


    @check("f: hidden", points=2, hidden=True)
    def test_hidden(submission, rng):
        expect_int(hidden_helper(), 1, case="hidden")


    @check("f: public again", points=1, hidden=False)
    def test_public_again(submission, rng):
        shared(1)
    ''')


def test_public_checks_drop_hidden_checks_and_what_only_they_use():
    out = public_checks(CHECKS)
    assert "test_hidden" not in out and "hidden_helper" not in out and "SECRET" not in out
    assert "count_model" not in out and "reference.count" not in out
    assert "from grader.grading.compare import expect_array\n" in out  # the import keeps only the names still used
    for kept in ('"""Checks of a toy exercise."""', "SIZES = (1, 2)  # public", "def shared(x):",
                 "# ------------------------------------------------ section", '@check("f: public", points=1)',
                 "def test_public_again"):
        assert kept in out, kept
    assert "\n\n\n\n" not in out
    compile(out, "out", "exec")


def test_forward_only_drops_backward_passes_and_their_private_helpers():
    source = textwrap.dedent('''\
        import numpy as np
        from typing import NamedTuple


        class Cache(NamedTuple):
            x: np.ndarray


        def _shape(x):
            return np.asarray(x).shape


        def _grad_helper(d):
            return d * 2


        def op_forward(x):
            return x, Cache(x)


        def op_backward(dout, cache):
            return _grad_helper(dout)


        def op_derivative(z):
            return _shape(z)
        ''')
    out = forward_only(source)
    assert "op_backward" not in out and "_grad_helper" not in out and "op_derivative" not in out
    assert "def op_forward" in out and "class Cache" in out and "from typing import NamedTuple" in out
    assert "_shape" not in out  # a private helper only the cut functions used
    assert answer_functions([source]) == {"op_backward": "def op_backward(dout, cache):\n"
                                                         "    return _grad_helper(dout)",
                                          "op_derivative": "def op_derivative(z):\n    return _shape(z)"}


def test_long_imports_are_rewrapped():
    source = ("from grader.grading.compare import (alpha_function_name, beta_function_name, gamma_function_name,\n"
              "                            delta_function_name, epsilon_function_name, zeta_function_name)\n"
              "def keep():\n    return (alpha_function_name, beta_function_name, gamma_function_name,\n"
              "            delta_function_name, epsilon_function_name)\n")
    out = cut(source, lambda node: False, lambda node: getattr(node, "name", "") == "keep")
    assert "zeta_function_name" not in out and all(len(line) <= 116 for line in out.splitlines())
    compile(out, "out", "exec")


def test_imported_modules_sees_imports_anywhere():
    source = "import os\nfrom reference.conv import conv2d_forward\ndef f():\n    from grader import truth\n"
    assert imported_modules(source) == {"os", "reference.conv", "reference.conv.conv2d_forward", "grader",
                                        "grader.truth"}
