"""Import TensorFlow without the C++ log lines it writes to stderr before absl starts.

TF_CPP_MIN_LOG_LEVEL does not reach the lines printed before absl::InitializeLog()
(measured with TF 2.21: "Could not find cuda drivers ..."), so stderr is pointed
at /dev/null, at the file-descriptor level, for the import alone.
captured_output() keeps, rather than drops, what a block writes: a quiet
in-process pytest run whose lines are shown only when something went wrong.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
import threading
from collections.abc import Iterator

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


@contextlib.contextmanager
def silenced_stderr():
    """Point file descriptor 2 at /dev/null for the duration of the block."""
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


@contextlib.contextmanager
def captured_output() -> Iterator[list[str]]:
    """Point stdout and stderr (Python's and file descriptors 1 and 2) at one file; the list gets its text."""
    text: list[str] = []
    streams = sys.stdout, sys.stderr
    for stream in streams:
        stream.flush()
    saved = os.dup(1), os.dup(2)
    with tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace") as sink:
        os.dup2(sink.fileno(), 1)
        os.dup2(sink.fileno(), 2)
        try:
            with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
                yield text
        finally:
            for stream in (*streams, sys.__stdout__, sys.__stderr__):  # what was written to them is in the file
                if stream is not None:
                    stream.flush()
            sink.flush()
            for descriptor, original in zip((1, 2), saved):
                os.dup2(original, descriptor)
                os.close(original)
            sink.seek(0)
            text.append(sink.read())


_IMPORTING = threading.Lock()  # a second caller waits for the first one's import to finish


def import_tensorflow():
    """`import tensorflow` with its start-up noise removed; returns the module (safe from several threads)."""
    with _IMPORTING:
        if "tensorflow" in sys.modules:
            return sys.modules["tensorflow"]
        with silenced_stderr():
            import tensorflow

            tensorflow.get_logger().setLevel("ERROR")
        return tensorflow
