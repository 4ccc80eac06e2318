"""The parent's side of the wire: frames moved without blocking, under the call's deadline.

The child controls every byte it sends and when it sends it. So the parent
never waits on a read or a write past the deadline (a child that sends one
byte of a header and sleeps is stopped like any other slow call), and it
checks a frame's size, encoding, nesting and number of values *before*
`json.loads`, so that no answer can make the parent raise, recurse or grow
past a small multiple of the answer's own size. Every problem is a
`wire.WireError`: the learner's protocol failure, never the grader's.
"""

from __future__ import annotations

import json
import os
import select
import struct
import time

import numpy as np

from grader.sandbox.runner import wire

HEADER_BYTES = 4
READ_CHUNK = 1 << 20
# wire.encode nests at most MAX_DEPTH Python levels; each can take two JSON levels ({"t": "dict", "v": {...}}).
# Brackets inside strings count too, so this over-estimates a frame's depth and never under-estimates it.
MAX_JSON_DEPTH = 2 * wire.MAX_DEPTH + 16
# What one decoded JSON value (a list, dict, float, short str) may cost in the parent, and the bound on
# the parent's memory for one answer: MEMORY_FACTOR x the frame's size, plus a floor for small frames.
VALUE_BYTES = 100
MEMORY_FACTOR = 4
MEMORY_FLOOR = 16 << 20
_BRACKET_STEP = np.zeros(256, dtype=np.int8)
_BRACKET_STEP[[ord("["), ord("{")]] = 1
_BRACKET_STEP[[ord("]"), ord("}")]] = -1


class FrameReader:
    """Whole frames out of bytes as they arrive; a header that announces too much is refused at once."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, data: bytes) -> None:
        self._buffer += data
        if len(self._buffer) >= HEADER_BYTES and self._size() > wire.MAX_FRAME:
            raise wire.WireError(f"a frame of {self._size()} bytes is larger than the limit of "
                                 f"{wire.MAX_FRAME} bytes")

    def _size(self) -> int:
        return struct.unpack(">I", self._buffer[:HEADER_BYTES])[0]

    def next_body(self) -> bytes | None:
        """The body of the next complete frame, or None while it is still arriving."""
        if len(self._buffer) < HEADER_BYTES or len(self._buffer) < HEADER_BYTES + self._size():
            return None
        end = HEADER_BYTES + self._size()
        body = bytes(self._buffer[HEADER_BYTES:end])
        del self._buffer[:end]
        return body

    @property
    def partial(self) -> bool:
        return bool(self._buffer)


def nesting_depth(body: bytes, limit: int = MAX_JSON_DEPTH) -> int:
    """How deep the brackets of `body` nest (an upper bound: brackets in strings count), scanned in chunks."""
    opens = body.count(b"[") + body.count(b"{")
    if opens <= limit:
        return opens  # a frame cannot nest deeper than it has brackets
    depth = peak = 0
    view = np.frombuffer(body, dtype=np.uint8)
    for start in range(0, len(view), READ_CHUNK):
        running = depth + np.cumsum(_BRACKET_STEP[view[start:start + READ_CHUNK]], dtype=np.int64)
        peak, depth = max(peak, int(running.max())), int(running[-1])
        if peak > limit:
            break
    return peak


def parse(body: bytes) -> dict:
    """A frame's body as a dict, after checking it is sane; any problem is a WireError."""
    values = body.count(b",") + body.count(b"[") + body.count(b"{") + 1
    allowed = (MEMORY_FACTOR * len(body) + MEMORY_FLOOR) // VALUE_BYTES
    if values > allowed:
        raise wire.WireError(f"an answer of {len(body)} bytes holds about {values} values "
                             f"(at most {allowed} for its size)")
    if nesting_depth(body) > MAX_JSON_DEPTH:
        raise wire.WireError(f"an answer nested deeper than {MAX_JSON_DEPTH} levels")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise wire.WireError(f"an answer that is not UTF-8 (byte {error.start})") from None
    try:
        message = json.loads(text)
    except (ValueError, RecursionError) as error:  # not JSON, or an int past Python's digit limit
        raise wire.WireError(f"an answer that is not JSON ({str(error)[:200]})") from None
    if type(message) is not dict:
        raise wire.WireError("an answer that is not a JSON object")
    return message


def send(fd: int, message: dict, until: float) -> None:
    """Write one frame by time.monotonic() `until`; TimeoutError if the child stops reading."""
    body = json.dumps(message, allow_nan=False, separators=(",", ":")).encode()
    view = memoryview(struct.pack(">I", len(body)) + body)
    os.set_blocking(fd, False)
    while view:
        remaining = until - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("the learner's process stopped reading requests")
        if not select.select([], [fd], [], min(0.25, remaining))[1]:
            continue
        try:
            view = view[os.write(fd, view):]
        except BlockingIOError:
            continue
