"""Hostile: frames the parent must refuse before decoding them (harmless: bounded sizes and sleeps)."""
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


def build_conv2d(filters, kernel_size, strides=1, padding="same", activation=None):
    _send(b'{"id": %d, "ok": true, "value": ' % _request_id() + b"9" * 6000 + b"}")


def apply_conv2d(layer, images):
    _send(b"[" + b",".join([b"[[],[]]"] * 4000000) + b"]")


def predict_output_shape():
    os.write(_answer_fd(), struct.pack(">I", 2**32 - 1))
    time.sleep(20)


def predict_kernel_shape():
    _send(b'{"id": %d, "ok": true, "value": {"t": "array", "dtype": "float32", "shape": [2], "data": "!!"}}' % _request_id())


def predict_bias_shape():
    _send(b'{"id": %d, "ok": false, "error": [1, 2, 3]}' % _request_id())


def predict_param_count():
    _send(b'{"id": %d, "ok": true, "value": {"t": "tuple", "v": {"not": "a list"}}}' % _request_id())
