"""Run a command; print its wall time and the peak resident memory of its whole process tree.
    python .ci/peak_rss.py LABEL -- COMMAND ...     (grader.sandbox.tree.PeakMemory, as bench/ uses)
The command's output goes to this one's; the exit status is the command's."""

import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from grader.sandbox.tree import PeakMemory  # noqa: E402


def main(label: str, separator: str, *command: str) -> int:
    assert separator == "--", "usage: peak_rss.py LABEL -- COMMAND ..."
    started = time.monotonic()
    process = subprocess.Popen(command)
    memory = PeakMemory(process)
    code = process.wait()
    peak = memory.result()
    print(f"{label}: {time.monotonic() - started:.0f} s, peak memory {peak:.0f} MiB (exit {code})", flush=True)
    return code


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
