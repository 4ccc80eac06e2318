"""Hostile: answers the grader with frames that are not plain data, or that never end (harmless: bounded)."""
import fcntl
import os
import stat
import struct
import sys
import time


def _answer_fd():
    """The pipe the child answers the grader on: the one write-only FIFO past stderr."""
    for fd in sorted(int(name) for name in os.listdir("/proc/self/fd")):
        try:
            if fd > 2 and stat.S_ISFIFO(os.fstat(fd).st_mode) and fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_ACCMODE == os.O_WRONLY:
                return fd
        except OSError:
            pass
    raise RuntimeError("no answer pipe")


def _request_id():
    """The id of the request being answered, read off the runner's stack (so the answer is not ignored)."""
    frame = sys._getframe(1)
    while frame is not None:
        request = frame.f_locals.get("request")
        if type(request) is dict and "id" in request:
            return request["id"]
        frame = frame.f_back
    return 0


def _send(body, sleep=20):
    """One frame (bounded: at most 28 MB, into a pipe), then a bounded sleep."""
    os.write(_answer_fd(), struct.pack(">I", len(body)) + body)
    time.sleep(sleep)


def conv_output_length(input_length, kernel_size, stride=1, padding="valid"):
    os.write(_answer_fd(), b"\x00")  # one byte of a header, then silence
    time.sleep(20)


def conv2d_output_shape(input_shape, filters, kernel_size, strides=1, padding="valid"):
    _send(b"[" * 100000 + b"]" * 100000)


def conv2d_param_count(kernel_size, in_channels, filters, use_bias=True):
    _send(b'{"id": %d, "ok": true, "value": "\xff\xfe"}' % _request_id())
