"""Import TensorFlow without the C++ log lines it writes to stderr before absl starts.

TF_CPP_MIN_LOG_LEVEL does not reach the lines printed before absl::InitializeLog()
(measured with TF 2.21: "Could not find cuda drivers ..."), so stderr is pointed
at /dev/null, at the file-descriptor level, for the import alone.
"""

from __future__ import annotations

import contextlib
import os
import sys

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


def import_tensorflow():
    """`import tensorflow` with its start-up noise removed; returns the module."""
    if "tensorflow" in sys.modules:
        return sys.modules["tensorflow"]
    with silenced_stderr():
        import tensorflow

        tensorflow.get_logger().setLevel("ERROR")
    return tensorflow
