"""Benchmark the grader against its floor, all figures measured in this one run.

    LAYERLAB_DATA=../shared/data/mnist .venv/bin/python bench/grading.py [--batch 8] [--write]

Prints (and with --write, records in docs/PERFORMANCE.md):
  - the floor: a fresh process that imports TensorFlow, loads MNIST and trains the
    reference model with the grading budget, evaluating it once;
  - one correct submission graded end to end, its ratio to the floor, and where
    the time went (from results.json's timings);
  - a batch of N submissions with --jobs 1 and --jobs 2, and the speed-up; --jobs 2 again without
    the zygote (LAYERLAB_NO_ZYGOTE=1: every worker and every child a fresh interpreter, each
    importing TensorFlow), the baseline the zygote is measured on;
  - peak memory of one grading, every process of the grader together: resident
    (shared libraries counted once per process) and Pss (physical memory);
  - `pytest exercises/<one exercise>` against the solutions, and its ratio to a
    bare `python -c "import tensorflow"` (the median of four: two at the start, two at the end).
This is a script, not a test: the machines are shared and timings are noisy.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import resource
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _measure import CPU_SECONDS, KIT, PEAK_PSS, load_average, timed  # noqa: E402
from grader.sandbox.confine import TENSORFLOW_ENV  # noqa: E402

FLOOR = """
import time
started = time.monotonic()
from layerlab.quiet import import_tensorflow
import_tensorflow()
import importlib.util, keras, numpy as np
from layerlab.data import load_mnist, prepare_images
from layerlab.table import training_exercise
budget = training_exercise().training
spec = importlib.util.spec_from_file_location("reference", "solutions/ex11_train.py")
reference = importlib.util.module_from_spec(spec); spec.loader.exec_module(reference)
mnist = load_mnist()
x, y = prepare_images(mnist.x_train[:budget.train_images]), mnist.y_train[:budget.train_images]
keras.utils.set_random_seed(budget.seed)
model = reference.compile_model(reference.build_trainable_model())
reference.train_model(model, x, y, budget.epochs, budget.batch_size)
held_out = prepare_images(mnist.x_test[:budget.heldout_images])
accuracy = float(np.mean(np.argmax(model.predict(held_out, verbose=0), axis=1) == mnist.y_test[:budget.heldout_images]))
print(accuracy)
"""


def grade(paths: list[Path], jobs: int, label: str = "", **env: str) -> tuple[float, float, Path]:
    out = Path(tempfile.mkdtemp(prefix="layerlab-bench-"))
    elapsed, peak, _ = timed([sys.executable, "-m", "grader", "grade", *map(str, paths), "--out", str(out),
                              "--jobs", str(jobs)], label, env={**os.environ, **env})
    return elapsed, peak, out


def bare_import() -> float:
    return timed([sys.executable, "-c", "import tensorflow"], env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=8, help="submissions in the batch run (at least 8)")
    parser.add_argument("--write", action="store_true", help="record the run in docs/PERFORMANCE.md")
    arguments = parser.parse_args()
    python = sys.executable
    lines = []

    def say(text: str = "") -> None:
        print(text, flush=True)
        lines.append(text)

    bare_import()  # not timed: the first import after a while reads TensorFlow's libraries from disk
    imports = [bare_import(), bare_import()]
    # The floor's TensorFlow runs as the grader's does (oneDNN on), or it would be slower than the grader's.
    floor, floor_peak, floor_run = timed([python, "-c", FLOOR], env={**os.environ, **TENSORFLOW_ENV})
    one, one_peak, out = grade([KIT / "solutions"], jobs=1, label="one")
    document = json.loads((out / "solutions" / "results.json").read_text())
    assert document["score"] == document["extra_data"]["max_score"], "the solutions must get full marks"
    timings = document["extra_data"]["timings"]

    batch_folder = Path(tempfile.mkdtemp(prefix="layerlab-bench-batch-"))
    batch = []
    for number in range(max(arguments.batch, 8)):
        copy = batch_folder / f"learner-{number:02d}"
        shutil.copytree(KIT / "solutions", copy, ignore=shutil.ignore_patterns("__pycache__"))
        batch.append(copy)
    serial, _, _ = grade(batch, jobs=1, label="serial")
    parallel, _, _ = grade(batch, jobs=2, label="parallel")
    fresh, _, _ = grade(batch, jobs=2, label="fresh", LAYERLAB_NO_ZYGOTE="1")
    pytest_one, _, _ = timed([python, "-m", "pytest", "exercises/test_ex02_conv2d.py", "--target", "solutions",
                              "-q", "-p", "no:cacheprovider"])
    pytest_all, _, _ = timed([python, "-m", "pytest", "exercises", "-q"], check=False)
    progress, _, _ = timed([python, "-m", "layerlab.cli", "progress", "--fresh"], check=False)
    progress_again, _, _ = timed([python, "-m", "layerlab.cli", "progress"], check=False)
    imports += [bare_import(), bare_import()]  # the machine's speed at the end, too
    bare = statistics.median(imports)

    say(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{platform.platform()}")
    say(f"date: {datetime.date.today().isoformat()}; data: {os.environ.get('LAYERLAB_DATA', 'Keras cache')}")
    say(f"versions: {document['extra_data']['versions']}")
    say()
    say(f"python -c 'import tensorflow'             {bare:7.2f} s   median of "
        f"{', '.join(f'{seconds:.2f}' for seconds in imports)} (two at the start, two at the end)")
    say(f"floor (import, load, train, evaluate)      {floor:7.2f} s   peak {floor_peak:6.0f} MiB   "
        f"accuracy {float(floor_run.stdout.strip().splitlines()[-1]):.4f}")
    say(f"grade one correct submission               {one:7.2f} s   peak {one_peak:6.0f} MiB   "
        f"ratio to floor {one / floor:.2f}x")
    say(f"    {'peak Pss of all its processes':<38} {PEAK_PSS['one']:7.0f} MiB   "
        f"{CPU_SECONDS['one']:.0f} CPU-s")
    for key in ("stage", "tensorflow_import", "child_startup", "checks", "training_gate", "report"):
        say(f"    {key:<38} {timings.get(key, 0.0):7.2f} s")
    say(f"    {'worker execution_time (all of the above)':<38} {document['execution_time']:7.2f} s")
    cores_used = CPU_SECONDS["serial"] / serial  # how many cores one job keeps busy on average
    say(f"batch of {len(batch)}, --jobs 1                        {serial:7.2f} s   "
        f"{CPU_SECONDS['serial']:.0f} CPU-s, {cores_used:.2f} cores busy on average")
    say(f"batch of {len(batch)}, --jobs 2                        {parallel:7.2f} s   speed-up {serial / parallel:.2f}x   "
        f"{CPU_SECONDS['parallel']:.0f} CPU-s; the most 2 cores allow: {min(2.0, os.cpu_count() or 2) / cores_used:.2f}x")
    say(f"    {'peak Pss, --jobs 2':<38} {PEAK_PSS['parallel']:7.0f} MiB (two gradings at a time, each readying its next)")
    say(f"    {'the same, nothing forked':<38} {fresh:7.2f} s   the zygote's speed-up {fresh / parallel:.2f}x   "
        f"{CPU_SECONDS['fresh']:.0f} CPU-s (LAYERLAB_NO_ZYGOTE=1: a TensorFlow import per worker and child)")
    say(f"pytest exercises/test_ex02_conv2d.py        {pytest_one:7.2f} s   ratio to bare import "
        f"{pytest_one / bare:.2f}x")
    per_submission = parallel / len(batch)
    say()
    say("issue 15's ratios (goals: batch <= 1.2x, one <= 2.5x, progress <= 1.2x)")
    say(f"batch of {len(batch)} with --jobs 2, per submission   {per_submission:7.2f} s   "
        f"{per_submission / bare:.2f}x the import; {CPU_SECONDS['parallel'] / len(batch):.1f} CPU-s each")
    say(f"one submission end to end                  {one:7.2f} s   {one / bare:.2f}x the import")
    say(f"layerlab progress / pytest exercises       {progress:7.2f} s / {pytest_all:.2f} s = "
        f"{progress / pytest_all:.2f}x; again with nothing changed {progress_again:.2f} s")
    own = resource.getrusage(resource.RUSAGE_SELF)
    say(f"load average at the end: {load_average()}; this script's own polling: "
        f"{own.ru_utime + own.ru_stime:.0f} CPU-s")
    if arguments.write:
        path = KIT / "docs" / "PERFORMANCE.md"
        text = path.read_text(encoding="utf-8") if path.exists() else ""
        marker = "<!-- bench runs below -->"
        if marker not in text:
            text += f"\n{marker}\n"
        text += "\n```\n" + "\n".join(lines) + "\n```\n"
        path.write_text(text, encoding="utf-8")
        print(f"recorded in {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
