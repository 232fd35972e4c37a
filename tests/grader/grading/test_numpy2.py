"""numpy2_hint: the real NumPy errors of the running version where the API is gone, fixed messages otherwise."""

import warnings

import numpy as np
import pytest

from grader.grading import numpy2
from grader.grading.numpy2 import numpy2_hint


def _raised(action, expected=Exception):
    """Run action; the (type name, message) of what it raises, or None when it succeeds."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # deprecated-but-present names warn on access
        try:
            action()
        except expected as e:
            return type(e).__name__, str(e)
    return None


def _exec(statement):
    return lambda: exec(statement, {})


def _is_one_line(hint):
    return hint is not None and "\n" not in hint and hint.startswith("NumPy")


@pytest.mark.parametrize("name", sorted(numpy2._NP))
def test_removed_numpy_name(name):
    wanted = numpy2._NP[name]
    live = _raised(lambda: getattr(np, name), AttributeError)
    if live is None:  # still in this NumPy: the wording NumPy 2.4 uses for a name it does not know
        live = ("AttributeError", f"module 'numpy' has no attribute '{name}'")
    hint = numpy2_hint(*live)
    assert _is_one_line(hint) and wanted in hint and f"`np.{name}`" in hint
    assert hint.startswith("NumPy 2 ") or name == "bool"
    imported = _raised(_exec(f"from numpy import {name}"), ImportError)
    if imported is None:
        imported = ("ImportError", f"cannot import name '{name}' from 'numpy' (/site-packages/numpy/__init__.py)")
    assert numpy2_hint(*imported) == hint


@pytest.mark.parametrize("name", sorted(numpy2._LIB_SAME | set(numpy2._LIB)))
def test_names_that_left_numpy_lib(name):
    wanted = numpy2._LIB.get(name, f"`np.{name}`")
    live = _raised(lambda: getattr(np.lib, name), AttributeError)
    if live is None:  # NumPy 1.x still has it
        live = ("AttributeError", f"module 'numpy.lib' has no attribute '{name}'")
    hint = numpy2_hint(*live)
    assert _is_one_line(hint) and hint.startswith(f"NumPy 2 removed `np.lib.{name}`") and wanted in hint
    imported = _raised(_exec(f"from numpy.lib import {name}"), ImportError)
    if imported is None:
        imported = ("ImportError", f"cannot import name '{name}' from 'numpy.lib' (/numpy/lib/__init__.py)")
    assert numpy2_hint(*imported) == hint


def test_same_name_replacements_exist_in_the_main_namespace():
    assert all(hasattr(np, name) for name in numpy2._LIB_SAME)


@pytest.mark.parametrize("name", sorted(numpy2._LIB_PRIVATE))
def test_private_numpy_lib_submodules(name):
    live = _raised(lambda: getattr(np.lib, name), AttributeError)
    if live is None:
        live = ("AttributeError", f"numpy.lib.{name} is now private. If you are using a public function, it "
                                  "should be available in the main numpy namespace, otherwise check the NumPy 2.0 "
                                  "migration guide.")
    hint = numpy2_hint(*live)
    assert _is_one_line(hint) and f"`np.lib.{name}` private" in hint and "main namespace" in hint
    imported = _raised(_exec(f"import numpy.lib.{name}"), ImportError)
    if imported is None:
        imported = ("ModuleNotFoundError", f"No module named 'numpy.lib.{name}'")
    assert numpy2_hint(*imported) == hint


@pytest.mark.parametrize("name", sorted(numpy2._METHODS))
def test_removed_ndarray_methods(name):
    wanted = numpy2._METHODS[name]
    live = _raised(lambda: getattr(np.zeros(3), name), AttributeError)
    if live is None:
        live = ("AttributeError", f"'numpy.ndarray' object has no attribute '{name}'")
    hint = numpy2_hint(*live)
    assert _is_one_line(hint) and f"`np.ndarray.{name}`" in hint and wanted in hint
    # NumPy 2.0-2.2's own wording
    numpy20 = f"`{name}` was removed from the ndarray class in NumPy 2.0. Use something else instead."
    assert wanted in numpy2_hint("AttributeError", numpy20)


def test_numpy2_messages_as_printed():
    removed = "`np.float_` was removed in the NumPy 2.0 release. Use `np.float64` instead."
    float_ = numpy2_hint("AttributeError", removed)
    assert float_ == "NumPy 2 removed `np.float_`; use `np.float64`"
    ninf = numpy2_hint("AttributeError", "`np.NINF` was removed in the NumPy 2.0 release. Use `-np.inf` instead.")
    assert "`-np.inf`" in ninf
    plain = (
        "module 'numpy' has no attribute 'float'.\n`np.float` was a deprecated alias for the builtin `float`. "
        "To avoid this error in existing code, use `float` by itself."
    )
    float_alias = "NumPy 2 has no `np.float` (NumPy 1.24 removed it); use `float` (or `np.float64`)"
    assert numpy2_hint("AttributeError", plain) == float_alias
    pad = numpy2_hint("AttributeError", "module 'numpy.lib' has no attribute 'pad'")
    assert pad == "NumPy 2 removed `np.lib.pad`; use `np.pad`"
    emath = "numpy.lib.emath was an alias for emath module that was removed in NumPy 2.0. Replace usages of ..."
    assert "`np.emath`" in numpy2_hint("AttributeError", emath)
    itemset = numpy2_hint("AttributeError", "'numpy.ndarray' object has no attribute 'itemset'")
    assert itemset == "NumPy 2 removed `np.ndarray.itemset`; use `a[index] = value`"
    assert "`a.tobytes()`" in numpy2_hint("AttributeError", "'numpy.ndarray' object has no attribute 'tostring'")
    assert "`np.pad`" not in numpy2_hint("builtins.AttributeError", "module 'numpy' has no attribute 'trapz'")


def test_numpy1_messages():
    bool_ = numpy2_hint("AttributeError", "module 'numpy' has no attribute 'bool'.\n`np.bool` was a deprecated alias")
    assert bool_ == "NumPy 1.24-1.26 have no `np.bool` (NumPy 2 brought it back); use `bool` (or `np.bool_`)"
    length1 = numpy2_hint("TypeError", "only length-1 arrays can be converted to Python scalars")
    assert "`a[0]`" in length1 and "NumPy" not in length1 and "\n" not in length1


def test_int_of_an_array():
    zero_d = numpy2_hint("TypeError", "only 0-dimensional arrays can be converted to Python scalars")
    assert _is_one_line(zero_d) and zero_d.startswith("NumPy 2.4+ ") and "`a.item()`" in zero_d and "`a[0]`" in zero_d
    one = _raised(lambda: float(np.array([1.5])), TypeError)  # NumPy < 2.4 only warns
    one = one or ("TypeError", "only 0-dimensional arrays can be converted to Python scalars")
    assert numpy2_hint(*one) == zero_d
    several = _raised(lambda: int(np.array([1, 2])), TypeError)  # fails under every NumPy
    assert several is not None and "`a[0]`" in numpy2_hint(*several)


@pytest.mark.parametrize(
    "exc_type, message",
    [
        ("IndexError", "index 5 is out of bounds for axis 0 with size 3"),
        ("ValueError", "operands could not be broadcast together with shapes (2,3) (3,2)"),
        ("AttributeError", "module 'numpy' has no attribute 'foo'"),
        ("AttributeError", "module 'numpy' has no attribute 'pad'"),
        ("AttributeError", "module 'numpy.lib' has no attribute 'stride_tricks'"),
        ("AttributeError", "module 'numpy.lib' has no attribute 'as_strided'"),
        ("AttributeError", "`np.who` was removed in the NumPy 2.0 release. Use an IDE variable explorer instead."),
        ("AttributeError", "module 'numpy.linalg' has no attribute 'float'"),
        ("AttributeError", "'numpy.ndarray' object has no attribute 'foo'"),
        ("AttributeError", "'list' object has no attribute 'ptp'"),
        ("AttributeError", "'numpy.float64' object has no attribute 'itemset'"),  # a scalar: a[index] = value is wrong
        ("AttributeError", "`itemset` was removed from scalar types in NumPy 2.0 because scalars are immutable."),
        ("AttributeError", "numpy.lib.arrayterator submodule is now private. To access Arrayterator class use ..."),
        ("ModuleNotFoundError", "No module named 'numpy.lib.stride_tricks'"),
        ("ImportError", "cannot import name 'pad' from 'numpy' (/numpy/__init__.py)"),
        ("TypeError", "module 'numpy' has no attribute 'float_'"),
        ("ValueError", "only 0-dimensional arrays can be converted to Python scalars"),
        ("TypeError", "unsupported operand type(s) for +: 'int' and 'str'"),
        ("AttributeError", ""),
    ],
)
def test_no_hint_for_anything_else(exc_type, message):
    assert numpy2_hint(exc_type, message) is None


def test_no_hint_for_what_the_running_numpy_still_has():
    present = [name for name in ("stride_tricks", "NumpyVersion", "add_docstring", "npyio") if hasattr(np.lib, name)]
    assert present  # every NumPy >= 1.24 has these
    for name in present:
        assert numpy2_hint("AttributeError", f"module 'numpy.lib' has no attribute '{name}'") is None
    for name in ("prod", "float64", "inf", "nan", "isin", "vstack", "asarray", "sort"):
        assert hasattr(np, name) and numpy2_hint("AttributeError", f"module 'numpy' has no attribute '{name}'") is None
