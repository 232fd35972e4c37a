"""The sandbox wire format: values as a JSON header plus raw array bytes, never pickle.

A frame is ``PREFIX`` (magic, header length, payload length), then a UTF-8 JSON header, then the payload:
the raw bytes of every array, back to back. The header is ``{"h": control, "v": value, "b": lengths}``:
``control`` is a plain JSON object (the message's fields), ``value`` an encoded value tree and ``lengths``
the byte length of each payload buffer. Value nodes are JSON scalars (None, bool, int, float, str) or
one-key objects: ``{"L": [...]}`` list, ``{"T": [...]}`` tuple, ``{"D": [[key, value], ...]}`` dict with
str keys, ``{"A": [dtype, shape, buffer]}`` array, ``{"S": [dtype, buffer]}`` numpy scalar,
``{"C": [re, im]}`` complex, ``{"O": [type_name, text]}`` :class:`Opaque`.

Decoding trusts nothing: dtypes come from a whitelist, shapes must match the byte lengths, every size and
the nesting depth are capped, and arrays are rebuilt with ``np.frombuffer(...).reshape(...).copy()``.
This module imports only the standard library and numpy: the sandbox worker loads it from its file path.
"""

import json
import math
import struct
import time
from typing import NamedTuple

import numpy as np

MAGIC = b"SBX1"
PREFIX = struct.Struct("<4sIQ")  # magic, header bytes, payload bytes
MAX_MESSAGE = 256 << 20  # bytes of header + payload in one frame
MAX_HEADER = 16 << 20  # bytes of JSON header (a huge Python list is sent as Opaque instead)
MAX_DEPTH = 32  # nesting of lists/tuples/dicts
MAX_NDIM = 32
MAX_TEXT = 2000  # characters kept of an Opaque's text
MAX_NAME = 200  # characters kept of an Opaque's type name
EXIT_CONNECTION_CLOSED = 75  # a worker's exit status when the submission closed (or replaced) its connection
EXIT_WORKER_BROKEN = 70  # ... when the worker's own code failed after the submission ran (grader/sandbox/_zygote.py)

DTYPES = {s: np.dtype(s) for s in (
    "|b1", "|i1", "|u1", "<i2", "<u2", "<i4", "<u4", "<i8", "<u8", "<f2", "<f4", "<f8", "<c8", "<c16")}


class Opaque(NamedTuple):
    """A returned value that is not plain data (an object, an object array, ...), kept for the message."""
    type_name: str  # e.g. "Foo" for an instance of class Foo
    text: str  # its repr, shortened


class ProtocolError(Exception):
    """A frame or value that breaks the wire format (from a broken or hostile worker)."""


def pack(control, value=None, *, strict=True):
    """Encode a message. Returns a list of bytes-like chunks to send in order.

    control: dict of JSON-able control fields. value: the value tree to carry.
    strict=True raises TypeError on unsupported values (the grader's inputs); strict=False turns them into
    Opaque (a submission's return value).
    """
    buffers = []
    budget = [MAX_MESSAGE]
    tree = _encode(value, buffers, budget, strict, 0)
    header = _dumps({"h": control, "v": tree, "b": [b.nbytes for b in buffers]})
    if len(header) > MAX_HEADER or len(header) + sum(b.nbytes for b in buffers) > MAX_MESSAGE:
        if strict:
            raise ValueError(f"message too large to send ({len(header)} bytes of header)")
        tree = _opaque(value, "too large to transfer", strict)
        buffers = []
        header = _dumps({"h": control, "v": tree, "b": []})
    payload = sum(b.nbytes for b in buffers)
    return [PREFIX.pack(MAGIC, len(header), payload), header, *buffers]


def parse_prefix(prefix):
    """(header_bytes, payload_bytes) of a frame prefix, checked against the caps."""
    magic, hlen, plen = PREFIX.unpack(prefix)
    if magic != MAGIC:
        raise ProtocolError("bad frame magic")
    if hlen > MAX_HEADER or hlen + plen > MAX_MESSAGE:
        raise ProtocolError(f"frame too large ({hlen} + {plen} bytes)")
    return hlen, plen


def unpack(header, payload):
    """Decode a frame's header bytes and payload into (control dict, value)."""
    try:
        doc = json.loads(bytes(header).decode("utf-8"))
    except (ValueError, RecursionError) as exc:  # bad UTF-8/JSON, too deep, int too long
        raise ProtocolError(f"bad header: {type(exc).__name__}") from None
    if type(doc) is not dict or set(doc) != {"h", "v", "b"} or type(doc["h"]) is not dict:
        raise ProtocolError("bad header layout")
    lengths = doc["b"]
    if type(lengths) is not list or any(type(n) is not int or n < 0 for n in lengths):
        raise ProtocolError("bad buffer lengths")
    if sum(lengths) != len(payload):
        raise ProtocolError("buffer lengths do not add up to the payload")
    view = memoryview(payload)
    offsets = [0]
    for n in lengths:
        offsets.append(offsets[-1] + n)
    bufs = [view[offsets[i]:offsets[i + 1]] for i in range(len(lengths))]
    used = set()
    try:
        value = _decode(doc["v"], bufs, used, 0)
    except RecursionError:
        raise ProtocolError("value nested too deeply") from None
    if len(used) != len(bufs):
        raise ProtocolError("unused payload buffer")
    return doc["h"], value


def send_frame(sock, chunks, deadline=None):
    """Send pack()'s chunks on a stream socket; deadline: a time.monotonic() value, or None to block."""
    if sum(len(memoryview(c)) for c in chunks) <= 1 << 16:
        chunks = [b"".join(chunks)]  # one syscall for the usual small message
    for chunk in chunks:
        if deadline is not None:
            sock.settimeout(max(deadline - time.monotonic(), 1e-6))
        sock.sendall(chunk)


def recv_frame(sock, deadline=None):
    """Receive one frame and unpack it -> (control, value). EOFError if the peer closed the socket first;
    TimeoutError past the deadline; ProtocolError for a frame breaking the format."""
    hlen, plen = parse_prefix(_recv_exact(sock, PREFIX.size, deadline))
    header = _recv_exact(sock, hlen, deadline)
    return unpack(header, _recv_exact(sock, plen, deadline))


def _recv_exact(sock, n, deadline):
    buf = bytearray(n)
    view = memoryview(buf)
    got = 0
    while got < n:
        if deadline is not None:
            sock.settimeout(max(deadline - time.monotonic(), 1e-6))
        k = sock.recv_into(view[got:])
        if k == 0:
            raise EOFError("connection closed")
        got += k
    return buf


def _dumps(doc):
    return json.dumps(doc, separators=(",", ":"), allow_nan=True).encode("utf-8")


# ---- encoding -------------------------------------------------------------------------------------------

def _encode(x, buffers, budget, strict, depth):
    t = type(x)
    if x is None or t is bool or t is str:
        return x
    if t is int:
        return x if x.bit_length() <= 4096 else _opaque(x, "integer too large", strict)
    if t is float:
        return x
    if t is complex:
        return {"C": [x.real, x.imag]}
    if t is Opaque:
        return {"O": [str(x.type_name)[:MAX_NAME], str(x.text)[:MAX_TEXT]]}
    if isinstance(x, np.ndarray):
        return _encode_array(x, buffers, budget, strict)
    if isinstance(x, np.generic):
        return _encode_npscalar(x, buffers, budget, strict)
    if isinstance(x, (list, tuple, dict)):  # subclasses (a NamedTuple of gradients) become the base type
        if depth >= MAX_DEPTH:
            return _opaque(x, "nested too deeply", strict)
        if isinstance(x, dict):
            items = list(dict.items(x))
            if any(type(k) is not str for k, _ in items):
                return _opaque(x, "dict with a key that is not a str", strict)
            return {"D": [[k, _encode(v, buffers, budget, strict, depth + 1)] for k, v in items]}
        tag = "L" if isinstance(x, list) else "T"
        items = list.__iter__(x) if tag == "L" else tuple.__iter__(x)
        return {tag: [_encode(v, buffers, budget, strict, depth + 1) for v in items]}
    return _opaque(x, None, strict)


def _encode_array(x, buffers, budget, strict, shown=None):
    """An ndarray (or, via _encode_npscalar, a numpy scalar shown as `shown` if it is not plain data)."""
    shown = x if shown is None else shown
    try:
        a = x.view(np.ndarray)  # any subclass -> a plain ndarray over the same data
        dt = a.dtype
        if dt.kind not in "biufc" or dt.fields is not None or dt.subdtype is not None:
            return _opaque(shown, f"{type(shown).__name__} of dtype {dt}", strict)
        if dt.byteorder == ">":
            a = a.astype(dt.newbyteorder("<"))
        if a.dtype.str not in DTYPES:
            return _opaque(shown, f"{type(shown).__name__} of dtype {dt}", strict)
        if a.nbytes > budget[0]:
            return _opaque(shown, f"array of shape {a.shape} too large to transfer ({a.nbytes} bytes)", strict)
        if dt.kind == "b":
            a = np.asarray(a.view(np.uint8) != 0)  # canonical 0/1 bytes even for a bool view of other bytes
        buf = memoryview(np.ascontiguousarray(a).reshape(-1).view(np.uint8))
    except (TypeError, ValueError, AttributeError, MemoryError) as exc:
        if strict or isinstance(exc, MemoryError):
            raise
        return _opaque(shown, f"array that could not be converted ({type(exc).__name__})", strict)
    budget[0] -= buf.nbytes
    buffers.append(buf)
    return {"A": [a.dtype.str, list(a.shape), len(buffers) - 1]}


def _encode_npscalar(x, buffers, budget, strict):
    node = _encode_array(np.asarray(x), buffers, budget, strict, shown=x)
    if "A" not in node:
        return node
    dtype, _shape, index = node["A"]
    return {"S": [dtype, index]}


def _opaque(x, why, strict):
    if strict:
        raise TypeError(f"cannot send a {type(x).__name__} to the sandbox" + (f" ({why})" if why else ""))
    try:
        name = str(type(x).__name__)[:MAX_NAME]
    except Exception:  # a hostile metaclass
        name = "object"
    if why is None:
        try:
            why = repr(x)
        except Exception:
            why = f"<{name} object>"
    return {"O": [name, str(why)[:MAX_TEXT]]}


# ---- decoding -------------------------------------------------------------------------------------------

def _decode(node, bufs, used, depth):
    t = type(node)
    if node is None or t is bool or t is int or t is float or t is str:
        return node
    if t is not dict or len(node) != 1:
        raise ProtocolError(f"bad value node of type {t.__name__}")
    if depth >= MAX_DEPTH + 1:
        raise ProtocolError("value nested too deeply")
    (tag, body), = node.items()
    if tag in ("L", "T") and type(body) is list:
        items = [_decode(v, bufs, used, depth + 1) for v in body]
        return items if tag == "L" else tuple(items)
    if tag == "D" and type(body) is list:
        return _decode_dict(body, bufs, used, depth)
    if tag == "A" and type(body) is list and len(body) == 3:
        return _decode_array(body[0], body[1], body[2], bufs, used)
    if tag == "S" and type(body) is list and len(body) == 2:
        return _decode_array(body[0], [], body[1], bufs, used)[()]
    if tag == "C" and type(body) is list and len(body) == 2 and all(type(v) is float for v in body):
        return complex(body[0], body[1])
    if tag == "O" and type(body) is list and len(body) == 2 and all(type(v) is str for v in body):
        return Opaque(body[0][:MAX_NAME], body[1][:MAX_TEXT])
    raise ProtocolError(f"bad value node {tag!r}")


def _decode_dict(body, bufs, used, depth):
    out = {}
    for pair in body:
        if type(pair) is not list or len(pair) != 2 or type(pair[0]) is not str or pair[0] in out:
            raise ProtocolError("bad dict item")
        out[pair[0]] = _decode(pair[1], bufs, used, depth + 1)
    return out


def _decode_array(dtype, shape, index, bufs, used):
    if type(dtype) is not str or dtype not in DTYPES:
        raise ProtocolError(f"dtype {str(dtype)[:20]!r} not allowed")
    if type(shape) is not list or len(shape) > MAX_NDIM or any(type(d) is not int or d < 0 for d in shape):
        raise ProtocolError("bad array shape")
    if type(index) is not int or not 0 <= index < len(bufs) or index in used:
        raise ProtocolError("bad array buffer index")
    used.add(index)
    dt = DTYPES[dtype]
    buf = bufs[index]
    if math.prod(shape) * dt.itemsize != buf.nbytes:  # exact ints: no overflow
        raise ProtocolError(f"array of shape {tuple(shape)} and dtype {dtype} does not fit {buf.nbytes} bytes")
    if dt.kind == "b" and buf.nbytes and np.frombuffer(buf, np.uint8).max() > 1:
        raise ProtocolError("bool array with bytes other than 0 and 1")
    return np.frombuffer(buf, dt).reshape(shape).copy()
