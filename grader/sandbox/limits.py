"""What a learner's code may use: deadlines, memory, and how a call that gave no answer failed."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """Deadlines in seconds and the memory cap in MiB."""

    startup: float = 120.0
    call: float = 30.0
    train: float = 300.0
    memory_mb: int = 2048
    work_mb: int = 256  # the child's scratch tmpfs
    processes: int = 512  # processes and threads of the child's uid (TensorFlow starts dozens of threads)
    submission: float = 3600.0  # the whole of one submission, in its trusted worker (a grader hang)


class CallFailed(Exception):
    """A call that produced no answer; `status` says which kind of failure."""

    def __init__(self, status: str, message: str):
        super().__init__(message)
        self.status = status  # not_submitted | not_started | syntax_error | import_error |
        # missing_function | raised | timeout | memory | crashed | protocol
