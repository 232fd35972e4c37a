"""The sandbox wire format: exact round trips, Opaque for non-data, and strict validation of hostile frames."""

import json
import socket
import struct

import numpy as np
import pytest

from grader.sandbox import wire
from grader.sandbox.wire import Opaque, ProtocolError


def roundtrip(value, strict=False, control=None):
    data = b"".join(bytes(c) for c in wire.pack(control or {"k": 1}, value, strict=strict))
    hlen, plen = wire.parse_prefix(data[:wire.PREFIX.size])
    assert len(data) == wire.PREFIX.size + hlen + plen
    return wire.unpack(data[wire.PREFIX.size:wire.PREFIX.size + hlen], data[wire.PREFIX.size + hlen:])


def frame(header_doc, payload=b""):
    """(header bytes, payload) of a hand-made frame."""
    return json.dumps(header_doc).encode(), payload


@pytest.mark.parametrize("dtype", sorted(wire.DTYPES))
@pytest.mark.parametrize("shape", [(), (0,), (3, 0, 2), (5,), (2, 3), (1, 2, 4, 4)])
def test_arrays_round_trip_exactly(dtype, shape):
    rng = np.random.default_rng(0)
    x = np.asarray(rng.standard_normal(shape) * 100).astype(np.dtype(dtype))  # bits compared exactly (tolerance 0)
    control, y = roundtrip(x)
    assert control == {"k": 1}
    assert type(y) is np.ndarray and y.dtype == np.dtype(dtype) and y.shape == shape
    assert y.tobytes() == x.tobytes()
    assert y.flags.writeable and y.flags.owndata


def test_special_floats_and_layouts_round_trip():
    x = np.array([np.nan, np.inf, -np.inf, -0.0, 5e-324, 1.7976931348623157e308])
    assert roundtrip(x)[1].tobytes() == x.tobytes()
    strided = np.arange(20.0).reshape(4, 5)[::2, ::-2]
    np.testing.assert_array_equal(roundtrip(strided)[1], strided)  # non-contiguous: tolerance 0
    big_endian = np.arange(6, dtype=">i4").reshape(2, 3)
    y = roundtrip(big_endian)[1]
    assert y.dtype == np.dtype("<i4")
    np.testing.assert_array_equal(y, big_endian)


def test_scalars_and_containers_keep_their_types():
    value = [1, 2.5, True, None, "s\u00e9\ud800", 1 + 2j, (3, [4]), {"a": np.float32(1.5), "b": np.int64(-7)},
             np.bool_(True), 2 ** 200, float("nan")]
    y = roundtrip(value)[1]
    assert [type(v) for v in y] == [type(v) for v in value]
    assert y[:7] == value[:7] and y[9] == 2 ** 200 and np.isnan(y[10])
    assert y[7]["a"] == np.float32(1.5) and type(y[7]["a"]) is np.float32 and y[7]["b"] == -7
    assert y[8] is np.True_


@pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")  # np.matrix
def test_subclasses_become_plain_data():
    class Lying(np.ndarray):
        def __eq__(self, other):
            return True

    x = np.arange(4.0).view(Lying)
    y = roundtrip(x)[1]
    assert type(y) is np.ndarray
    np.testing.assert_array_equal(y, [0.0, 1.0, 2.0, 3.0])
    assert type(roundtrip(np.matrix([[1, 2]]))[1]) is np.ndarray
    from collections import namedtuple
    assert roundtrip(namedtuple("G", "dx dw")(1, 2))[1] == (1, 2)


def test_non_data_becomes_opaque():
    class Foo:
        def __repr__(self):
            return "<a Foo>"

    class BadRepr:
        def __repr__(self):
            raise RuntimeError

    y = roundtrip([Foo(), np.array([1, "a"], dtype=object), BadRepr(), {1: 2}, np.array(["a"]), 3])[1]
    assert y[0] == Opaque("Foo", "<a Foo>")
    assert y[1].type_name == "ndarray" and "object" in y[1].text
    assert y[2].type_name == "BadRepr"
    assert y[3].type_name == "dict" and y[4].type_name == "ndarray" and y[5] == 3


def test_cycles_and_deep_nesting_become_opaque():
    loop = []
    loop.append(loop)
    y = roundtrip(loop)[1]
    depth = 0
    while type(y) is list:
        y, depth = y[0], depth + 1
    assert isinstance(y, Opaque) and depth == wire.MAX_DEPTH


def test_strict_mode_rejects_unsupported_inputs():
    with pytest.raises(TypeError, match="object"):
        wire.pack({}, [object()], strict=True)
    with pytest.raises(TypeError, match="dtype"):
        wire.pack({}, np.array([None]), strict=True)


def test_too_large_header_is_sent_as_opaque(monkeypatch):
    monkeypatch.setattr(wire, "MAX_HEADER", 1000)
    y = roundtrip(list(range(1000)))[1]
    assert isinstance(y, Opaque) and y.type_name == "list"


@pytest.mark.parametrize("doc, payload, match", [
    ({"h": {}, "v": {"A": ["|O", [1], 0]}, "b": [8]}, b"\0" * 8, "dtype"),
    ({"h": {}, "v": {"A": ["<f8", [3], 0]}, "b": [16]}, b"\0" * 16, "does not fit"),
    ({"h": {}, "v": {"A": ["<f8", [-2], 0]}, "b": [16]}, b"\0" * 16, "shape"),
    ({"h": {}, "v": {"A": ["<f8", [2.0], 0]}, "b": [16]}, b"\0" * 16, "shape"),
    ({"h": {}, "v": {"A": ["<f8", [2**62, 2**62], 0]}, "b": [16]}, b"\0" * 16, "does not fit"),
    ({"h": {}, "v": {"A": ["|b1", [2], 0]}, "b": [2]}, b"\1\2", "bool"),
    ({"h": {}, "v": {"A": ["<f8", [1], 1]}, "b": [8]}, b"\0" * 8, "index"),
    ({"h": {}, "v": {"L": [{"A": ["<f8", [1], 0]}, {"A": ["<f8", [1], 0]}]}, "b": [8]}, b"\0" * 8, "index"),
    ({"h": {}, "v": None, "b": [8]}, b"\0" * 8, "unused"),
    ({"h": {}, "v": None, "b": [4]}, b"\0" * 8, "add up"),
    ({"h": {}, "v": {"X": 1}, "b": []}, b"", "node"),
    ({"h": {}, "v": {"L": [], "T": []}, "b": []}, b"", "node"),
    ({"h": {}, "v": {"D": [["a", 1], ["a", 2]]}, "b": []}, b"", "dict"),
    ({"h": {}, "v": {"D": [[1, 2]]}, "b": []}, b"", "dict"),
    ({"h": {}, "v": {"C": ["1", 2.0]}, "b": []}, b"", "node"),
    ({"h": {}, "v": {"O": ["x", 3]}, "b": []}, b"", "node"),
    ({"h": [], "v": None, "b": []}, b"", "layout"),
    ({"h": {}, "v": None}, b"", "layout"),
])
def test_hostile_frames_are_rejected(doc, payload, match):
    with pytest.raises(ProtocolError, match=match):
        wire.unpack(*frame(doc, payload))


def test_hostile_headers_are_rejected():
    deep = '{"h":{},"b":[],"v":' + '{"L":[' * 100_000 + ']}' * 100_000 + "}"
    for header in [b"\xff\xfe", b"{", deep.encode(), b'{"h":{},"b":[],"v":' + b"9" * 5000 + b"}"]:
        with pytest.raises(ProtocolError):
            wire.unpack(header, b"")
    with pytest.raises(ProtocolError, match="magic"):
        wire.parse_prefix(struct.pack("<4sIQ", b"EVIL", 1, 1))
    with pytest.raises(ProtocolError, match="too large"):
        wire.parse_prefix(wire.PREFIX.pack(wire.MAGIC, 16, wire.MAX_MESSAGE))
    with pytest.raises(ProtocolError, match="too large"):
        wire.parse_prefix(wire.PREFIX.pack(wire.MAGIC, wire.MAX_HEADER + 1, 0))


def test_opaque_text_is_capped_on_decode():
    doc = {"h": {}, "v": {"O": ["N" * 10_000, "t" * 100_000]}, "b": []}
    y = wire.unpack(*frame(doc))[1]
    assert len(y.type_name) == wire.MAX_NAME and len(y.text) == wire.MAX_TEXT


def test_frames_over_a_socket_pair():
    a, b = socket.socketpair()
    with a, b:
        x = np.arange(300_000.0)  # larger than a socket buffer: sent while the peer reads
        import threading
        t = threading.Thread(target=wire.send_frame, args=(a, wire.pack({"op": "x"}, [x, "s"])))
        t.start()
        control, value = wire.recv_frame(b, deadline=None)
        t.join()
        assert control == {"op": "x"} and value[1] == "s"
        np.testing.assert_array_equal(value[0], x)  # tolerance 0
        a.close()
        with pytest.raises(EOFError):
            wire.recv_frame(b)
