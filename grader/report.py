"""Report: the per-exercise table printed after grading, and the progress of a batch."""

from __future__ import annotations

import sys
import threading

from grader.results import GradingResult
from grader.sanitize import text


def table(result: GradingResult) -> str:
    """A plain-text table: one row per exercise, then the total and anything that went wrong."""
    rows = result.exercises()
    labels = [f"{row.number:02d} {row.title}" for row in rows]
    width = max([52, *map(len, labels)])  # the longest title keeps its column
    lines = [f"{result.submission}  ({result.status})", f"  {'exercise':<{width}} {'score':>11}  status"]
    for label, row in zip(labels, rows):
        lines.append(f"  {label:<{width}} {row.score:>5g} / {row.max_score:<3g}  {row.status}")
    lines.append(f"  {'total':<{width}} {result.score:>5g} / {result.max_score:<3g}")
    failing = [c for c in result.checks if c.status not in ("passed", "not started", "not submitted")]
    for check in failing[:12]:
        first = check.output.splitlines()[0] if check.output else check.status
        lines.append(f"    ✗ {check.name}: {first}")
    if len(failing) > 12:
        lines.append(f"    … and {len(failing) - 12} more failing checks (see results.json)")
    if result.status != "graded":
        lines.append(f"  {result.output}")
    lines += isolation_lines(result.isolation)
    return text("\n".join(lines))  # exception texts and names are the learner's: no terminal escapes


def isolation_lines(isolation: dict) -> list[str]:
    """The sandbox in one line, and a warning line for every layer that was missing or overridden."""
    if not isolation:
        return []
    lines = [f"  sandbox: {isolation.get('mode', '?')} ({len(isolation.get('layers', []))} layers)"]
    lines += [f"  warning: {missing}" for missing in isolation.get("missing", [])]
    if isolation.get("override"):
        lines.append(f"  warning: NOT AUTHORITATIVE: {isolation['override']}")
    return lines


class BatchProgress:
    """done/total and the submissions being graded now: a rich bar on a terminal, plain lines otherwise.

    Called from the grading threads as progress(name, None) when a submission
    starts and progress(name, result) when it is done.
    """

    def __init__(self, total: int, jobs: int, terminal: bool | None = None):
        self.total, self.done, self.current = total, 0, []
        self._lock = threading.Lock()
        self._bar = None
        if terminal if terminal is not None else sys.stdout.isatty():
            try:
                from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
            except ImportError:  # rich is optional: plain lines do the same job
                pass
            else:
                self._bar = Progress(TextColumn("grading"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                                     TextColumn("{task.description}"))
                self._task = self._bar.add_task("", total=total)
        if self._bar is None:
            plural = "submission" if total == 1 else "submissions"
            print(f"grading {total} {plural}, {min(jobs, total)} at a time", flush=True)

    def __enter__(self) -> "BatchProgress":
        if self._bar is not None:
            self._bar.start()
        return self

    def __exit__(self, *_) -> None:
        if self._bar is not None:
            self._bar.stop()

    def __call__(self, name: str, result: GradingResult | None) -> None:
        with self._lock:
            if result is None:
                self.current.append(name)
            else:
                self.current.remove(name)
                self.done += 1
                line = text(f"[{self.done}/{self.total}] {name}: {result.score:g} / {result.max_score:g} "
                            f"({result.status})")
                if self._bar is None:
                    print(line, flush=True)
                else:
                    self._bar.console.print(line, highlight=False, markup=False)
            if self._bar is not None:
                self._bar.update(self._task, completed=self.done, description=", ".join(self.current))
