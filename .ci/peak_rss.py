"""Run a command; print its wall time and the peak resident memory of its whole process tree.
    python .ci/peak_rss.py LABEL -- COMMAND ...     (polled every 0.1 s, as bench/grading.py does)
The command's output goes to this one's; the exit status is the command's."""

import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from grader.sandbox.tree import tree_rss_mb  # noqa: E402


def main(label: str, separator: str, *command: str) -> int:
    assert separator == "--", "usage: peak_rss.py LABEL -- COMMAND ..."
    peak, started = [0.0], time.monotonic()
    process = subprocess.Popen(command)

    def watch() -> None:
        while process.poll() is None:
            peak[0] = max(peak[0], tree_rss_mb(process.pid))
            time.sleep(0.1)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    code = process.wait()
    watcher.join()
    print(f"{label}: {time.monotonic() - started:.0f} s, peak memory {peak[0]:.0f} MiB (exit {code})", flush=True)
    return code


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
