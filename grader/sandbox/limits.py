"""What a learner's code may use: deadlines, memory, and how a call that gave no answer failed."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """Deadlines in seconds and the memory cap in MiB."""

    startup: float = 120.0
    call: float = 10.0
    train: float = 120.0  # the training gate's one call (not part of `budget`)
    memory_mb: int = 2048
    work_mb: int = 256
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

    Each file that has not run yet keeps its share (total / files) in reserve;
    a file may use its own share and whatever is neither spent nor reserved, so
    time one file leaves unused flows on to the files after it, and a file that
    loops cannot take the time of the files still to run. Spending never passes
    the total (beyond the one call that crosses it).
    """

    def __init__(self, total: float, modules: list[str]):
        self.total, self.modules = total, list(modules)
        self.share = total / max(1, len(self.modules))
        self.spent: dict[str, float] = {}

    def allowance(self, module: str) -> float:
        """Seconds `module` may still use now."""
        left = self.total - sum(self.spent.values())
        untouched = [m for m in self.modules if m != module and m not in self.spent]
        own = self.share - self.spent.get(module, 0.0)
        return max(0.0, min(left, max(own, left - self.share * len(untouched))))

    def charge(self, module: str, seconds: float) -> None:
        self.spent[module] = self.spent.get(module, 0.0) + max(0.0, seconds)

    def used_up(self, module: str) -> str:
        """The words for a call that is not run because the time is spent."""
        return (f"not run: the time budget is used up ({module}.py used {self.spent.get(module, 0.0):.0f} s of "
                f"the {self.total:g} s of learner time that this submission's {len(self.modules)} files share)")
