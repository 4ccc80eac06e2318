"""Benchmark `layerlab progress` against `pytest exercises`, all figures measured in this one run.

    LAYERLAB_DATA=../shared/data/mnist .venv/bin/python bench/progress.py [--repeats 3]

For the stubs (exercises/) and for --target solutions, each repeat times, one
after the other:
  - `python -m pytest exercises -q -p no:cacheprovider`, as a learner types it;
  - `layerlab progress --fresh` (the tests run in the command's process);
  - `layerlab progress` again, nothing changed (the last results).
Prints each median and its ratio to pytest's (issue 15's goal: progress <= 1.2x),
and the load average before and after. Its cache folder is a scratch one, never
yours. This is a script, not a test: the machines are shared and timings are noisy.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _measure import load_average, timed  # noqa: E402

TARGETS = ("exercises", "solutions")
BASELINE = "pytest exercises"  # exits 1 on the stubs; the progress commands must exit 0


def commands(target: str) -> dict[str, list[str]]:
    """label -> command line, for one target folder."""
    python, chosen = sys.executable, ["--target", target]
    return {
        BASELINE: [python, "-m", "pytest", "exercises", "-q", "-p", "no:cacheprovider", *chosen],
        "layerlab progress --fresh": [python, "-m", "layerlab.cli", "progress", "--fresh", *chosen],
        "layerlab progress (cached)": [python, "-m", "layerlab.cli", "progress", *chosen],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="runs of each command per target (default 3)")
    arguments = parser.parse_args()
    environment = {**os.environ, "XDG_CACHE_HOME": tempfile.mkdtemp(prefix="layerlab-bench-cache-"),
                   "TF_CPP_MIN_LOG_LEVEL": "3"}
    print(f"load average at the start: {load_average()}", flush=True)
    for target in TARGETS:
        seconds: dict[str, list[float]] = {label: [] for label in commands(target)}
        for _ in range(arguments.repeats):  # interleaved: a change of load falls on every command alike
            for label, command in commands(target).items():
                elapsed, _, _ = timed(command, check=label != BASELINE, env=environment)
                seconds[label].append(elapsed)
        baseline = statistics.median(seconds[BASELINE])
        print(f"\n--target {target} ({arguments.repeats} runs each; median, ratio to {BASELINE}, all runs)")
        for label, runs in seconds.items():
            middle = statistics.median(runs)
            print(f"  {label:<28} {middle:7.2f} s   {middle / baseline:5.2f}x   "
                  f"[{', '.join(f'{run:.2f}' for run in runs)}]", flush=True)
    print(f"\nload average at the end: {load_average()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
