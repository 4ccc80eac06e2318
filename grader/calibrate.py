"""Calibrate the training gate: train the reference model under the grading flags with several seeds.

    python -m grader.calibrate [--runs 5]

Runs exactly the gate the grader runs (child process, the table's budget,
op determinism), once per seed, and writes grader/calibration.json with every
accuracy and the threshold it supports: the worst run minus a margin, rounded
down. The table's threshold must not be above that (tests/test_calibration.py).
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import platform
import shutil
import sys
from pathlib import Path

from grader.gate import run_gate
from grader.paths import KIT_ROOT
from grader.sandbox import Limits, Submission, prepare_job, secret_paths
from layerlab.data import load_mnist
from layerlab.quiet import import_tensorflow
from layerlab.table import training_exercise

CALIBRATION_PATH = Path(__file__).with_name("calibration.json")
MARGIN = 0.02  # below the worst seeded run of the reference


def supported_threshold(accuracies: list[float], margin: float = MARGIN) -> float:
    return math.floor((min(accuracies) - margin) * 100) / 100


def calibrate(runs: int) -> dict:
    tf = import_tensorflow()
    import keras

    exercise = training_exercise()
    source = (KIT_ROOT / "solutions" / f"{exercise.module}.py").read_text(encoding="utf-8")
    mnist = load_mnist()
    seeds = [exercise.training.seed + offset for offset in range(runs)]
    accuracies = []
    for seed in seeds:
        job = prepare_job({exercise.module: source})
        submission = Submission(job, {exercise.module: ""}, Limits(), hidden=secret_paths([]))
        try:
            accuracies.append(round(run_gate(submission, mnist, seed=seed).accuracy, 4))
        finally:
            submission.close()
            shutil.rmtree(job, ignore_errors=True)
        print(f"seed {seed}: held-out accuracy {accuracies[-1]:.4f}", flush=True)
    return {
        "budget": exercise.training.__dict__,
        "seeds": seeds,
        "accuracies": accuracies,
        "worst": min(accuracies),
        "margin": MARGIN,
        "supported_threshold": supported_threshold(accuracies),
        "data": mnist.source,
        "versions": {"python": platform.python_version(), "tensorflow": tf.__version__, "keras": keras.__version__},
        "date": datetime.date.today().isoformat(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grader.calibrate", description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    arguments = parser.parse_args(argv)
    report = calibrate(arguments.runs)
    CALIBRATION_PATH.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    threshold = training_exercise().training.threshold
    print(f"worst {report['worst']:.4f}; supported threshold {report['supported_threshold']:.2f}; "
          f"table threshold {threshold:.2f}")
    if threshold > report["supported_threshold"]:
        print("the table's threshold is above what calibration supports: lower it in layerlab/exercises.toml")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
