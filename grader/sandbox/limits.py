"""What a learner's code may use: deadlines, memory, and how a call that gave no answer failed."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """Deadlines in seconds and the memory cap in MiB."""

    startup: float = 120.0
    call: float = 10.0
    memory_mb: int = 2048
    work_mb: int = 256  # the child's scratch tmpfs
    processes: int = 512  # processes and threads of the child's uid (TensorFlow starts dozens of threads)
    budget: float = 240.0  # learner time for all of one submission's other calls, shared by its files
    submission: float = 3600.0  # the whole of one submission, in its trusted worker (a grader hang)


class CallFailed(Exception):
    """A call that produced no answer; `status` says which kind of failure."""

    def __init__(self, status: str, message: str):
        super().__init__(message)
        self.status = status  # not_submitted | not_started | syntax_error | import_error |
        # missing_function | raised | timeout | memory | crashed | protocol


class Budget:
    """The learner time of one submission, shared fairly by its exercise files.

    Files are served one after another. A file not served yet gets its share
    (total / files); the time a file leaves unused flows on to the next one. A
    child restart that a file's failure forced is charged to that file; when
    the file is already finished, that debt is repaid first from time that
    flows on, else spread evenly over the shares of the files still to come
    (a little each), so the total never passes the budget and no single slow
    file can take the time of the files after it.
    """

    def __init__(self, total: float, modules: list[str]):
        self.total, self.modules = total, list(modules)
        self.share = total / max(1, len(self.modules))
        self.spent: dict[str, float] = {}
        self._current: str | None = None
        self._served: set[str] = set()  # files that had their turn (and their share)
        self._grant = self._used = self._pool = 0.0  # the current file's grant and use; what flows on

    def _serve(self, module: str) -> None:
        if module == self._current:
            return
        self._pool += self._grant - self._used  # unused time flows on; an overdraft is a debt
        fresh = [m for m in self.modules if m not in self._served]
        self._served.add(module)
        if module in fresh:
            portion = self._pool if self._pool >= 0 else self._pool / len(fresh)  # a debt: shared by the rest
            self._grant, self._pool = self.share + portion, self._pool - portion
        else:  # served before: only what flows on
            self._grant, self._pool = max(0.0, self._pool), min(0.0, self._pool)
        self._current, self._used = module, 0.0

    def allowance(self, module: str) -> float:
        """Seconds `module` may still use now (it becomes the file being served)."""
        self._serve(module)
        return max(0.0, self._grant - self._used)

    def charge(self, module: str, seconds: float) -> None:
        seconds = max(0.0, seconds)
        self.spent[module] = self.spent.get(module, 0.0) + seconds
        if module == self._current:
            self._used += seconds
        else:
            self._pool -= seconds

    def used_up(self, module: str) -> str:
        """The words for a call that is not run because the time is spent."""
        return (f"not run: the time budget is used up ({module}.py used {self.spent.get(module, 0.0):.0f} s of "
                f"the {self.total:g} s of learner time that this submission's {len(self.modules)} files share)")
