"""What the bench scripts share: a timed command and the machine's load.

One home for these helpers (bench/grading.py and bench/progress.py import them).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

KIT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(KIT))

from grader.sandbox.tree import PeakMemory  # noqa: E402

CPU_SECONDS: dict[str, float] = {}  # command label -> CPU seconds (user + system) of all its processes
PEAK_PSS: dict[str, float] = {}  # command label -> peak of its processes' Pss summed, MiB (physical memory)


def timed(command: list[str], label: str = "", check: bool = True,
          **options) -> tuple[float, float, subprocess.CompletedProcess]:
    """Wall time and peak RSS (MiB, the whole process tree, polled every 0.1 s) of a command; with a
    `label`, its CPU seconds and peak Pss go in CPU_SECONDS and PEAK_PSS."""
    started = time.monotonic()
    process = subprocess.Popen(command, cwd=KIT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               **options)
    memory = PeakMemory(process)
    stdout, stderr = process.communicate()
    elapsed = time.monotonic() - started
    peak = memory.result()
    if label:  # polled, not from rusage: a sandbox's processes are reaped by its namespace, never by us
        CPU_SECONDS[label], PEAK_PSS[label] = memory.cpu_seconds, memory.peak_pss
    completed = subprocess.CompletedProcess(command, process.returncode, stdout, stderr)
    if check and completed.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{stderr[-2000:]}")
    return elapsed, peak, completed


def load_average() -> str:
    """'1.93 2.10 2.05 (2 cores)': the load over 1, 5 and 15 minutes, beside the core count."""
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f} ({os.cpu_count()} cores)"
