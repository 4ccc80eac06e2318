"""Hostile frames: whatever bytes the child sends, and however slowly, the parent neither hangs nor raises.

Unit cases feed the parent's frame parser directly; the end-to-end cases run a
real child whose learner module writes raw bytes to the answer pipe (harmless:
each writes at most a few dozen MB to a pipe and sleeps at most 30 s).
"""

from __future__ import annotations

import json
import struct
import time
import tracemalloc

import pytest

from grader.sandbox import CallFailed, Limits, Submission
from grader.sandbox import frames
from grader.sandbox.limits import Budget
from grader.sandbox.runner import wire


def frame_body(text: str | bytes) -> bytes:
    return text if isinstance(text, bytes) else text.encode()


@pytest.mark.parametrize("body, words", [
    ("[" * 100_000 + "]" * 100_000, "nested deeper"),
    ('{"id": 1, "value": ' + "[" * 200 + "]" * 200 + "}", "nested deeper"),
    (b'{"id": 1, "value": "\xff\xfe"}', "not UTF-8"),
    ('{"id": 1, "value": ' + "7" * 6000 + "}", "not JSON"),
    ('{"id": 1, "value": [1, 2', "not JSON"),
    ("[1, 2, 3]", "not a JSON object"),
    ('"just a string"', "not a JSON object"),
    ("[" + ",".join(["[]"] * 300_000) + "]", "values"),
])
def test_absurd_frames_are_refused_before_they_are_decoded(body, words):
    with pytest.raises(wire.WireError, match=words):
        frames.parse(frame_body(body))


def test_a_frame_of_nested_empty_lists_stays_within_a_small_multiple_of_its_size():
    body = ("[" + ",".join(["[[],[]]"] * 4_000_000) + "]").encode()  # 28 MB of empty lists
    tracemalloc.start()
    with pytest.raises(wire.WireError):
        frames.parse(body)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 4 * len(body)


def test_honest_answers_still_parse():
    value = wire.encode({"kernel": __import__("numpy").ones((3, 3, 1, 8), "float32"), "shape": (1, 28, 28, 8),
                         "text": "[[[ brackets in a string ]]]", "hangul": "합성곱"})
    body = json.dumps({"id": 3, "ok": True, "value": value}).encode()
    answer = frames.parse(body)
    assert wire.decode(answer["value"])["shape"] == (1, 28, 28, 8)


@pytest.mark.parametrize("value", [
    {"t": "tuple", "v": {"not": "a list"}},
    {"t": "dict", "v": [1, 2]},
    {"t": "float", "v": "zero"},
    {"t": "float", "v": []},
    {"t": "array", "dtype": "float32", "shape": [2], "data": "!!not base64!!"},
    {"t": "array", "dtype": "float32", "shape": [2], "data": 12},
    {"t": "array", "dtype": "object", "shape": [1], "data": ""},
    {"t": "array", "dtype": "uint8", "shape": [10**30], "data": ""},
    {"t": "array", "dtype": "uint8", "shape": [1] * 100, "data": "AA=="},
    {"t": "scalar", "dtype": "uint8", "v": 300},
    {"t": "scalar", "dtype": "float32", "v": [1]},
    {"t": "scalar", "dtype": ["float32"], "v": 1},
    {"t": "keras", "class_name": ["Conv2D"], "config": {}},
    {"t": "no such tag"},
    {"t": ["unhashable"]},
    2**70,
    -(2**64),
])
def test_malformed_values_are_wire_errors(value):
    with pytest.raises(wire.WireError):
        wire.decode(value)


def test_a_header_larger_than_the_limit_is_refused_at_once():
    reader = frames.FrameReader()
    with pytest.raises(wire.WireError, match="larger than the limit"):
        reader.feed(struct.pack(">I", wire.MAX_FRAME + 1))


def test_frames_arrive_in_pieces():
    reader = frames.FrameReader()
    data = struct.pack(">I", 9) + b'{"id": 1}' + struct.pack(">I", 2)
    for byte in data[:7]:
        reader.feed(bytes([byte]))
        assert reader.next_body() is None
    reader.feed(data[7:])
    assert reader.next_body() == b'{"id": 1}' and reader.partial and reader.next_body() is None


def test_the_budget_keeps_each_files_share_and_passes_on_what_is_unused():
    budget = Budget(120.0, ["a", "b", "c", "d"])
    assert budget.allowance("a") == pytest.approx(30)  # its share; the other three keep theirs
    budget.charge("a", 5)
    assert budget.allowance("b") == pytest.approx(55)  # its own 30 and a's unused 25
    budget.charge("b", 55)
    budget.charge("a", 20)  # a restart that a's last failure made necessary: a debt shared by c and d
    assert budget.allowance("c") == pytest.approx(20)
    budget.charge("c", 10)
    assert budget.allowance("d") == pytest.approx(30)  # c's unused 10 repaid the rest of the debt
    budget.charge("d", 30)
    assert budget.allowance("a") == 0 and "time budget is used up" in budget.used_up("a")
    assert sum(budget.spent.values()) == pytest.approx(120)


# ------------------------------------------------------------ through a real child

HOSTILE = r'''
"""Learner code that writes raw bytes to the grader's answer pipe (harmless: bounded sizes and sleeps)."""
import os
import stat
import struct
import sys
import time


def _answer_fd():
    for fd in sorted(int(name) for name in os.listdir("/proc/self/fd")):
        try:
            if fd > 2 and stat.S_ISFIFO(os.fstat(fd).st_mode) and os.get_blocking(fd) is not None \
                    and (__import__("fcntl").fcntl(fd, __import__("fcntl").F_GETFL) & os.O_ACCMODE) == os.O_WRONLY:
                return fd
        except OSError:
            pass
    raise RuntimeError("no answer pipe")


def _send(body):
    os.write(_answer_fd(), struct.pack(">I", len(body)) + body)
    time.sleep(300)


def honest():
    return 42


def one_header_byte():
    os.write(_answer_fd(), b"\x00")
    time.sleep(300)


def half_a_body():
    os.write(_answer_fd(), struct.pack(">I", 100) + b'{"id": ')
    time.sleep(300)


def deep():
    _send(b"[" * 100000 + b"]" * 100000)


def not_utf8():
    _send(b'{"id": 0, "ok": true, "value": "\xff"}')


def huge_int():
    _send(b'{"id": 0, "ok": true, "value": ' + b"9" * 6000 + b"}")


def empty_lists():
    _send(b"[" + b",".join([b"[[],[]]"] * 4000000) + b"]")


def huge_header():
    os.write(_answer_fd(), struct.pack(">I", 2**32 - 1))
    time.sleep(300)
'''


def hostile_submission(tmp_path, modules=("hostile",), **limits) -> Submission:
    return Submission({module: HOSTILE for module in modules}, {module: "" for module in modules},
                      Limits(**{"call": 4.0, **limits}))


@pytest.fixture
def hostile(tmp_path):
    submission = hostile_submission(tmp_path)
    yield submission
    submission.close()


@pytest.mark.parametrize("function, status", [
    ("deep", "protocol"), ("not_utf8", "protocol"), ("huge_int", "protocol"), ("empty_lists", "protocol"),
    ("huge_header", "protocol"), ("one_header_byte", "timeout"), ("half_a_body", "timeout"),
])
def test_a_hostile_frame_fails_only_its_call_and_the_child_is_replaced(hostile, function, status):
    assert hostile.call("hostile", "honest").value == 42  # the child is up: what follows is the call alone
    started = time.monotonic()
    with pytest.raises(CallFailed) as failure:
        hostile.call("hostile", function)
    assert failure.value.status == status, failure.value
    assert time.monotonic() - started < 150  # stopped at its 4 s deadline, never after the 300 s sleep
    assert hostile.call("hostile", "honest").value == 42  # a fresh child answers the next call


def test_a_file_that_spends_its_share_fails_fast_and_leaves_the_next_files_share(tmp_path):
    submission = hostile_submission(tmp_path, modules=("first", "second"), call=5.0, budget=8.0)
    try:
        assert submission.call("first", "honest").value == 42
        with pytest.raises(CallFailed) as failure:
            submission.call("first", "one_header_byte")  # stopped at what is left of its 4 s share
        assert failure.value.status == "timeout" and "time budget" in str(failure.value)
        started = time.monotonic()
        with pytest.raises(CallFailed, match="time budget is used up") as failure:
            submission.call("first", "honest")
        assert failure.value.status == "timeout" and time.monotonic() - started < 4  # not its 5 s deadline
        assert submission.call("second", "honest").value == 42  # its share was kept for it
    finally:
        submission.close()
