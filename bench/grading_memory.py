"""Peak memory of one grading run: the command line, its trusted worker and the learner's child, together.

    .venv/bin/python bench/grading_memory.py [SUBMISSION]   (default: solutions/)

Polls the resident memory of the whole process tree every 0.1 s (the same
/proc walk the grader's memory cap uses) and prints the peak, in MiB. This is
the number to size a Gradescope container by: the tree is everything that runs.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

KIT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(KIT))

from grader.isolate import process_tree  # noqa: E402


def peak_memory(submission: Path) -> tuple[float, float, int]:
    """(peak MiB of the tree, seconds, exit status) of `python -m grader grade SUBMISSION`."""
    with tempfile.TemporaryDirectory() as out:
        command = [sys.executable, "-m", "grader", "grade", str(submission), "--out", out, "--jobs", "1"]
        started = time.monotonic()
        process = subprocess.Popen(command, cwd=KIT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        peak = 0.0
        while process.poll() is None:
            peak = max(peak, sum(process_tree(process.pid).values()) / 1024)
            time.sleep(0.1)
        return peak, time.monotonic() - started, process.returncode


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else KIT / "solutions"
    peak, seconds, status = peak_memory(target.resolve())
    print(f"{target}: peak {peak:.0f} MiB (command + worker + child) over {seconds:.0f} s, exit {status}")
