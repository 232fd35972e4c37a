"""Hints for student code written for NumPy 1.x that fails under NumPy 2.

NumPy 2 removed many aliases (`np.float_`, `np.NaN`, `np.product`, ...), emptied `np.lib` and dropped a few ndarray
methods; the student then sees a bare AttributeError. When the grader reports a student's exception it asks
`numpy2_hint` for one more line that names the removed API and its replacement. It works on the exception's text
alone (no NumPy needed), and it is strict: it only hints for the names in the tables below.
"""

from __future__ import annotations

import re

from grader.grading.lang import _

# np.<name> that is gone -> what to write instead. Removed in NumPy 2.0 unless _REMOVED_BEFORE_2 or
# _DEPRECATED_IN_2 says otherwise.
_NP = {
    "float": "`float` (or `np.float64`)",
    "int": "`int` (or `np.int64`)",
    "bool": "`bool` (or `np.bool_`)",
    "object": "`object` (or `np.object_`)",
    "str": "`str` (or `np.str_`)",
    "complex": "`complex` (or `np.complex128`)",
    "asscalar": "`a.item()`",
    "alen": "`len(a)`",
    "float_": "`np.float64`",
    "complex_": "`np.complex128`",
    "cfloat": "`np.complex128`",
    "singlecomplex": "`np.complex64`",
    "longfloat": "`np.longdouble`",
    "longcomplex": "`np.clongdouble`",
    "clongfloat": "`np.clongdouble`",
    "unicode_": "`np.str_`",
    "string_": "`np.bytes_`",
    "int0": "`np.intp`",
    "uint0": "`np.uintp`",
    "bool8": "`np.bool_`",
    "object0": "`np.object_`",
    "str0": "`np.str_`",
    "bytes0": "`np.bytes_`",
    "void0": "`np.void`",
    "Inf": "`np.inf`",
    "Infinity": "`np.inf`",
    "infty": "`np.inf`",
    "PINF": "`np.inf`",
    "NINF": "`-np.inf`",
    "NaN": "`np.nan`",
    "NAN": "`np.nan`",
    "PZERO": "`0.0`",
    "NZERO": "`-0.0`",
    "math": "the standard library's `math`",
    "product": "`np.prod`",
    "cumproduct": "`np.cumprod`",
    "alltrue": "`np.all`",
    "sometrue": "`np.any`",
    "round_": "`np.round`",
    "asfarray": "`np.asarray(x, dtype=float)`",
    "msort": "`np.sort(a, axis=0)`",
    "cast": "`np.asarray(x, dtype=...)`",
    "mat": "`np.asmatrix`",
    "issubsctype": "`np.issubdtype`",
    "issubclass_": "`issubclass`",
    "find_common_type": "`np.result_type` (or `np.promote_types`)",
    "fastCopyAndTranspose": "`a.T.copy()`",
    "trapz": "`np.trapezoid`",
    "in1d": "`np.isin`",
    "row_stack": "`np.vstack`",
}
_REMOVED_BEFORE_2 = {  # name -> the NumPy 1.x release that removed it
    "float": "1.24", "int": "1.24", "object": "1.24", "str": "1.24", "complex": "1.24",
    "asscalar": "1.23", "alen": "1.23",
}
_DEPRECATED_IN_2 = {"trapz", "in1d", "row_stack"}  # deprecated in 2.0, removed in a later 2.x

# np.lib.<name> that NumPy 1.x exported and NumPy 2 only has in the main namespace, under the same name ...
_LIB_SAME = set(
    "pad tile kron flip fliplr flipud rot90 meshgrid mgrid ogrid ix_ r_ c_ s_ diag diagflat eye tri tril triu"
    " expand_dims split array_split hsplit vsplit dsplit column_stack dstack append insert delete unique isin"
    " apply_along_axis take_along_axis put_along_axis broadcast_to broadcast_arrays broadcast_shapes"
    " unravel_index ravel_multi_index ndindex ndenumerate fill_diagonal diff gradient interp average median"
    " percentile quantile histogram nan_to_num nanmean nanmax nanmin nansum nanargmax nanargmin nanstd nanvar"
    " vectorize copy real imag load save savez savez_compressed loadtxt savetxt genfromtxt".split()
)
# ... or under another name
_LIB = {"in1d": "`np.isin`", "trapz": "`np.trapezoid`", "msort": "`np.sort(a, axis=0)`",
        "row_stack": "`np.vstack`", "asfarray": "`np.asarray(x, dtype=float)`", "emath": "`np.emath`",
        "math": "the standard library's `math`"}
_LIB_PRIVATE = set(
    "arraypad arraysetops function_base histograms index_tricks nanfunctions polynomial"
    " shape_base twodim_base type_check ufunclike utils".split()
)

# ndarray methods NumPy 2 removed (NumPy scalars lost some too, but there the advice differs)
_METHODS = {
    "itemset": "`a[index] = value`",
    "newbyteorder": "`a.view(a.dtype.newbyteorder(order))`",
    "ptp": "`np.ptp(a)`",
    "tostring": "`a.tobytes()`",
}

_NP_ATTR = re.compile(r"module 'numpy' has no attribute '(\w+)'|`np\.(\w+)` was removed in the NumPy 2\.0 release")
_LIB_ATTR = re.compile(r"module 'numpy\.lib' has no attribute '(\w+)'|numpy\.lib\.(emath) was an alias")
_LIB_PRIVATE_ATTR = re.compile(r"numpy\.lib\.(\w+) (?:submodule )?is now private")
_METHOD_ATTR = re.compile(
    r"'numpy\.ndarray' object has no attribute '(\w+)'|`(\w+)` was removed from the ndarray class"
)
_IMPORT = re.compile(r"cannot import name '(\w+)' from '(numpy|numpy\.lib)'")
_NO_MODULE = re.compile(r"No module named 'numpy\.lib\.(\w+)'")


def _np_hint(name: str) -> str | None:
    if name not in _NP:
        return None
    if name == "bool":  # removed in 1.24, back (as the NumPy scalar type) in 2.0
        return _("NumPy 1.24-1.26 have no `np.bool` (NumPy 2 brought it back); use {use}").format(use=_NP[name])
    if name in _REMOVED_BEFORE_2:
        removed = _("NumPy 2 has no `np.{name}` (NumPy {version} removed it)").format(name=name,
                                                                               version=_REMOVED_BEFORE_2[name])
    elif name in _DEPRECATED_IN_2:
        removed = _("NumPy 2 deprecated and then removed `np.{name}`").format(name=name)
    else:
        removed = _("NumPy 2 removed `np.{name}`").format(name=name)
    return _("{removed}; use {use}").format(removed=removed, use=_NP[name])


def _lib_hint(name: str) -> str | None:
    if name in _LIB_SAME:
        return _("NumPy 2 removed `np.lib.{name}`; use `np.{name}`").format(name=name)
    if name in _LIB:
        return _("NumPy 2 removed `np.lib.{name}`; use {use}").format(name=name, use=_LIB[name])
    return None


def _private_hint(name: str) -> str | None:
    if name not in _LIB_PRIVATE:
        return None
    return _("NumPy 2 made `np.lib.{name}` private; use its functions from the main namespace (`np.<function>`)"
             ).format(name=name)


def numpy2_hint(exc_type: str, message: str) -> str | None:
    """A one-line hint when an exception (its type name and message, as the student's code raised it) comes from
    an API that NumPy 2 removed or changed; None otherwise."""
    kind = exc_type.rsplit(".", 1)[-1]
    if kind == "AttributeError":
        if m := _NP_ATTR.match(message):
            return _np_hint(m[1] or m[2])
        if m := _LIB_ATTR.match(message):
            return _lib_hint(m[1] or m[2])
        if m := _LIB_PRIVATE_ATTR.match(message):
            return _private_hint(m[1])
        if (m := _METHOD_ATTR.match(message)) and (m[1] or m[2]) in _METHODS:
            name = m[1] or m[2]
            return _("NumPy 2 removed `np.ndarray.{name}`; use {use}").format(name=name, use=_METHODS[name])
    elif kind == "ImportError" and (m := _IMPORT.match(message)):
        return _np_hint(m[1]) if m[2] == "numpy" else _lib_hint(m[1])
    elif kind == "ModuleNotFoundError" and (m := _NO_MODULE.match(message)):
        return _private_hint(m[1])
    elif kind == "TypeError":
        if message.startswith("only 0-dimensional arrays can be converted to Python scalars"):
            return _("NumPy 2.4+ no longer converts an array with int()/float() unless it is 0-dimensional (not "
                     "even a 1-element one); use `a.item()` or index it (`a[0]`)")
        if message.startswith("only length-1 arrays can be converted to Python scalars"):
            return _("int()/float() converts only a single value, not an array of several; index the element you "
                     "mean (`a[0]`) or reduce the array first (e.g. `a.sum()`)")
    return None
