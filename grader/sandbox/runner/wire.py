"""Plain data on the wire between the trusted grader and the untrusted child.

Both sides use this file (the child gets a copy of it). Frames are a 4-byte
length and a JSON body. Only these types cross, each tagged so that a decoder
never runs code: None, bool, int, float (NaN and infinity too), str, list,
tuple, dict with str keys, numpy arrays of numeric dtype (base64), and
descriptions of Keras objects and matplotlib figures made of those. The
encoder checks *exact* types: a subclass of tuple or int with rigged operators
arrives as an "unsupported" marker naming its type, never as a tuple or int.

Self-contained on purpose (stdlib and numpy only; Keras and matplotlib are
imported only when an object of theirs is encoded or decoded).
"""

from __future__ import annotations

import base64
import json
import math
import os
import struct

import numpy as np

try:
    from . import describe  # in the grader: grader.sandbox.runner.describe
except ImportError:
    import describe  # in the child: describe.py beside this file

MAX_FRAME = 256 * 1024 * 1024  # a frame larger than this is refused, not read
ARRAY_DTYPES = {"bool", "uint8", "int8", "uint16", "int16", "uint32", "int32", "int64", "uint64",
                "float16", "float32", "float64"}
MAX_DEPTH = 64


class WireError(ValueError):
    """A frame that is not well-formed plain data."""


# ------------------------------------------------------------------ frames


def write_frame(fd: int, message: dict) -> None:
    body = json.dumps(message, allow_nan=False, separators=(",", ":")).encode()
    data = struct.pack(">I", len(body)) + body
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def read_exactly(fd: int, size: int) -> bytes:
    chunks, remaining = [], size
    while remaining:
        chunk = os.read(fd, min(remaining, 1 << 20))
        if not chunk:
            raise EOFError("the other side closed the pipe")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def read_frame(fd: int) -> dict:
    (size,) = struct.unpack(">I", read_exactly(fd, 4))
    if size > MAX_FRAME:
        raise WireError(f"frame of {size} bytes is larger than the limit")
    try:
        message = json.loads(read_exactly(fd, size))
    except json.JSONDecodeError as error:
        raise WireError(f"frame is not JSON: {error}") from None
    if type(message) is not dict:
        raise WireError("frame is not an object")
    return message


# ---------------------------------------------------------------- encoding


def _type_name(value) -> str:
    kind = type(value)
    return kind.__name__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__name__}"


def _array(value: np.ndarray, origin: str) -> dict:
    if value.dtype.name not in ARRAY_DTYPES:
        return {"t": "unsupported", "type": f"numpy array of dtype {value.dtype}"}
    contiguous = np.ascontiguousarray(value)
    return {
        "t": "array",
        "dtype": contiguous.dtype.name,
        "shape": list(contiguous.shape),
        "data": base64.b64encode(contiguous.tobytes()).decode(),
        "origin": origin,
    }


def _float(value: float) -> dict | float:
    if math.isfinite(value):
        return value
    return {"t": "float", "v": "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")}


def encode(value, depth: int = 0):
    """Plain data for `value`; anything else becomes an 'unsupported' marker."""
    if depth > MAX_DEPTH:
        return {"t": "unsupported", "type": "structure nested too deeply"}
    kind = type(value)
    if value is None or kind is bool or kind is str:
        return value
    if kind is int:
        return value if abs(value) < 2**63 else {"t": "unsupported", "type": "int too large"}
    if kind is float:
        return _float(value)
    if kind is list:
        return [encode(item, depth + 1) for item in value]
    if kind is tuple:
        return {"t": "tuple", "v": [encode(item, depth + 1) for item in value]}
    if kind is dict:
        if not all(type(key) is str for key in value):
            return {"t": "unsupported", "type": "dict with non-str keys"}
        return {"t": "dict", "v": {key: encode(item, depth + 1) for key, item in value.items()}}
    if kind is np.ndarray:
        return _array(value, "numpy")
    if isinstance(value, np.generic) and kind.__module__ == "numpy":
        return {"t": "scalar", "v": encode(value.item(), depth + 1), "dtype": value.dtype.name}
    module = kind.__module__ or ""
    if module.startswith(("tensorflow", "keras", "tf_keras")):
        return _encode_framework(value, depth)
    if module.startswith("matplotlib") and kind.__name__ == "Figure":
        return describe.figure(value, encode)
    if module.startswith("pathlib") and kind.__name__ in ("PosixPath", "Path", "WindowsPath"):
        return describe.path(value, encode)
    return {"t": "unsupported", "type": _type_name(value)}


def _encode_framework(value, depth: int):
    import keras
    import tensorflow as tf

    kind = type(value)
    if kind.__name__ == "TensorShape":
        return {"t": "tuple", "v": [encode(n, depth + 1) for n in value.as_list()]}
    if isinstance(value, tf.Variable) or isinstance(value, keras.Variable):
        return _array(np.asarray(value.numpy()), "variable")
    if isinstance(value, tf.Tensor) and kind.__module__.startswith("tensorflow"):
        return _array(np.asarray(value.numpy()), "tensor")
    if isinstance(value, keras.layers.Layer):
        return describe.keras(value, encode)
    if kind.__name__ == "KerasTensor":  # a symbolic tensor (keras.Input and what layers make of it)
        return {"t": "symbolic", "shape": encode(tuple(value.shape), depth + 1), "dtype": str(value.dtype)}
    if kind.__name__ == "History":
        # params ({'epochs', 'steps', 'verbose'}) is set by fit() alone: the checks read the budget from it
        # (a History made by hand has none; before Keras 3.4 not even the attribute).
        params, history = getattr(value, "params", None), getattr(value, "history", None)
        params = params if type(params) is dict else {}
        if type(history) is not dict:
            return {"t": "unsupported", "type": _type_name(value)}
        return {"t": "history", "history": encode({k: [float(v) for v in vs] for k, vs in history.items()}),
                "params": encode({str(k): v for k, v in params.items() if type(v) in (int, bool, str)})}
    return {"t": "unsupported", "type": _type_name(value)}


# ---------------------------------------------------------------- decoding


class Unsupported:
    """A value the child could not send as plain data (its type name is kept)."""

    __slots__ = ("type_name",)

    def __init__(self, type_name: str):
        self.type_name = type_name

    def __repr__(self) -> str:
        return f"<unsupported {self.type_name}>"


class Described(dict):
    """A tagged description (keras object, figure, path, history, symbolic tensor): a dict with .kind."""

    @property
    def kind(self) -> str:
        return self["t"]


def _decode_array(tagged: dict) -> np.ndarray:
    dtype = tagged.get("dtype")
    if type(dtype) is not str or dtype not in ARRAY_DTYPES:
        raise WireError(f"array dtype {dtype!r} is not allowed")
    shape = tagged.get("shape")
    if type(shape) is not list or len(shape) > MAX_DEPTH or not all(type(n) is int and n >= 0 for n in shape):
        raise WireError("array shape is not a list of sizes")
    data = tagged.get("data", "")
    if type(data) is not str:
        raise WireError("array data is not base64 text")
    raw = base64.b64decode(data, validate=True)
    expected = math.prod(shape) * np.dtype(dtype).itemsize
    if len(raw) != expected:
        raise WireError("array data does not match its shape")
    return np.frombuffer(raw, dtype=dtype).reshape(shape).copy()


def decode(value, depth: int = 0):
    """Plain values from `encode`'s output, never running code; anything else is a WireError."""
    try:
        return _decode(value, depth)
    except WireError:
        raise
    except (KeyError, TypeError, ValueError, OverflowError, AttributeError, RecursionError) as error:
        raise WireError(f"malformed value ({type(error).__name__}: {str(error)[:200]})") from None


def _tagged(value: dict, key: str, kind: type):
    item = value.get(key)
    if type(item) is not kind:
        raise WireError(f"tag {value.get('t')!r} needs a {kind.__name__} under {key!r}")
    return item


def _decode(value, depth: int):
    if depth > MAX_DEPTH:
        raise WireError("structure nested too deeply")
    kind = type(value)
    if kind is int and not -2**63 <= value < 2**64:
        raise WireError("an int beyond 64 bits")
    if value is None or kind in (bool, int, float, str):
        return value
    if kind is list:
        return [_decode(item, depth + 1) for item in value]
    if kind is not dict:
        raise WireError(f"unexpected JSON value of type {kind.__name__}")
    tag = value.get("t")
    if tag == "tuple":
        return tuple(_decode(item, depth + 1) for item in _tagged(value, "v", list))
    if tag == "dict":
        return {key: _decode(item, depth + 1) for key, item in _tagged(value, "v", dict).items()}
    if tag == "float":
        return {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}[_tagged(value, "v", str)]
    if tag == "array":
        return _decode_array(value)
    if tag == "scalar":
        dtype = _tagged(value, "dtype", str)
        if dtype not in ARRAY_DTYPES:
            return Unsupported(f"numpy scalar {dtype}")
        if type(value.get("v")) not in (bool, int, float, dict):
            raise WireError("a numpy scalar that is not a number")
        return np.dtype(dtype).type(_decode(value["v"], depth + 1))
    if tag == "unsupported":
        return Unsupported(str(value.get("type"))[:200])
    if tag in ("keras", "figure", "path", "history", "symbolic"):
        if any(type(value.get(key, "")) is not str for key in ("class_name", "module")):
            raise WireError("a description's class_name or module is not a str")
        return Described({key: (item if key in ("t", "class_name", "module") else _decode(item, depth + 1))
                          for key, item in value.items()})
    raise WireError(f"unknown tag {str(tag)[:50]!r}")


def origin(tagged) -> str | None:
    """For an encoded array: 'numpy', 'tensor' or 'variable'."""
    return tagged.get("origin") if type(tagged) is dict and tagged.get("t") == "array" else None
