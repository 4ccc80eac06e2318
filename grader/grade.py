"""Grade: stage a submission, run the hidden checks against it, write its results.

`grade_one` is the trusted worker's whole job for one submission; `grade_many`
runs one worker process per submission (so a grader crash, or pytest's
module cache, never carries from one submission to the next) and collects
their results.json files.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable

from grader.paths import KIT_ROOT
from grader.sandbox import Limits, Submission, kill_tree, prepare_job, sandbox_layers, secret_paths
from grader.results import GradingResult, from_gradescope, write_results
from grader.stage import Refused, stage, submission_name

# Variables that would change how Python or pytest behave in the trusted worker.
UNTRUSTED_ENV_PREFIXES = ("PYTEST_", "PYTHON", "COV_", "TF_XLA")
DEFAULT_VISIBILITY = "after_published"  # Gradescope: students see the checks once grades are published


def worker_environment() -> dict[str, str]:
    """The grader's environment without anything that could steer Python or pytest."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(UNTRUSTED_ENV_PREFIXES)}
    env.update(PYTEST_DISABLE_PLUGIN_AUTOLOAD="1", TF_CPP_MIN_LOG_LEVEL="3", PYTHONHASHSEED="0",
               MPLBACKEND="Agg")
    return env


def grade_one(path: Path, out_dir: Path, limits: Limits, hide: list[Path] = (),
              visibility: str = DEFAULT_VISIBILITY, metadata: Path | None = None) -> GradingResult:
    """Grade one submission in this (trusted) process; the learner's code runs in a child.
    `metadata`: Gradescope's submission_metadata.json, for the learner's identity."""
    from grader.check import run_checks
    from layerlab.quiet import import_tensorflow

    started = time.monotonic()
    result = GradingResult(submission_name(path), isolation=list(sandbox_layers()))
    if metadata is not None:
        from grader.platforms.gradescope import learner_from_metadata

        result.learner = learner_from_metadata(metadata)
    try:
        staged = stage(path)
    except Refused as refusal:
        staged = None
        result.status = "refused"
        result.output = f"Submission refused: {refusal}"
    sources = staged.sources if staged else {}
    files = {module: "" for module in sources}
    if staged:
        files.update(staged.problems)
        result.events += staged.notes
        result.files = [staged.found[name] for name in sorted(staged.found)]
        if not staged.sources and not staged.problems:
            result.output = ("No exercise files found: submit the files themselves (ex01_image.py, "
                             "ex02_conv2d.py ...), or a folder or .zip that holds them (one copy of each).")
    else:
        from layerlab.table import load_table

        files = {e.module: ("not_submitted", result.output) for e in load_table()}
    job_dir = prepare_job(sources)
    submission = Submission(job_dir, files, limits, hidden=secret_paths([out_dir, *hide]))
    timings = {"stage": time.monotonic() - started}
    try:
        if sources:
            submission.prestart()  # the child imports TensorFlow while this process does
        clock = time.monotonic()
        import_tensorflow()
        timings["tensorflow_import"] = time.monotonic() - clock
        clock = time.monotonic()
        checks, errors = run_checks(submission)
        timings["checks"] = time.monotonic() - clock
    finally:
        submission.close()  # the child is gone before anything is written
        shutil.rmtree(job_dir, ignore_errors=True)
    clock = time.monotonic()
    timings.update(submission.timings)
    timings["training_gate"] = sum(c.details.get("seconds", 0.0) for c in checks)
    result.timings = timings
    result.checks = checks
    result.events += submission.events + errors
    result.versions = {"python": sys.version.split()[0], **_versions(), **{
        f"child_{k}": v for k, v in submission.versions.items() if k != "python"}}
    result.execution_time = time.monotonic() - started
    if not result.output:
        result.output = f"{result.submission}: {result.score:g} / {result.max_score:g} points"
    result.timings["report"] = time.monotonic() - clock  # scoring and the output text; writing follows
    write_results(result, out_dir, visibility)
    return result


def _versions() -> dict:
    import keras
    import tensorflow as tf

    return {"tensorflow": tf.__version__, "keras": keras.__version__}


class _Workers:
    """The worker processes running now, so that an interrupt can end every one of them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running: set[subprocess.Popen] = set()
        self.stopping = False

    def start(self, command: list[str], scratch: Path) -> subprocess.Popen:
        with self._lock:
            if self.stopping:
                raise KeyboardInterrupt
            # A session of its own: the deadline below can end the worker and its child together.
            # Its temporary files (job folders) go under `scratch`, removed however the worker ends.
            env = {**worker_environment(), "TMPDIR": str(scratch)}
            process = subprocess.Popen(command, cwd=KIT_ROOT, env=env, stdin=subprocess.DEVNULL,
                                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                       start_new_session=True)
            self._running.add(process)
            return process

    def done(self, process: subprocess.Popen) -> None:
        with self._lock:
            self._running.discard(process)

    def stop_all(self) -> None:
        with self._lock:
            self.stopping = True
            running = list(self._running)
        for process in running:
            kill_tree(process.pid)


def run_worker(path: Path, out_dir: Path, limits: Limits, hide: list[Path] = (),
               visibility: str = DEFAULT_VISIBILITY, workers: _Workers | None = None,
               metadata: Path | None = None) -> GradingResult:
    """Grade one submission in a fresh trusted worker process; a worker crash becomes a result."""
    command = [sys.executable, "-E", "-s", "-m", "grader", "worker", str(path), "--out", str(out_dir),
               "--call-timeout", str(limits.call), "--train-timeout", str(limits.train),
               "--memory-mb", str(limits.memory_mb), "--visibility", visibility]
    for folder in hide:
        command += ["--hide", str(folder)]
    if metadata is not None:
        command += ["--metadata", str(metadata)]
    results = out_dir / "results.json"
    if results.exists():
        results.unlink()
    workers = workers or _Workers()
    scratch = Path(tempfile.mkdtemp(prefix="layerlab-worker-"))
    os.chmod(scratch, 0o711)  # a child running as nobody must reach its job folder inside (but not list this)
    try:
        process = workers.start(command, scratch)
        try:
            _, stderr = process.communicate(timeout=limits.submission)
            why = "the batch was interrupted" if workers.stopping else f"exit {process.returncode}"
        except subprocess.TimeoutExpired:
            kill_tree(process.pid)
            _, stderr = process.communicate()
            why = f"stopped after {limits.submission:g} s, the limit for one submission"
        finally:
            workers.done(process)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    if results.exists():  # written by the worker only once its child was gone
        try:
            return from_gradescope(json.loads(results.read_text(encoding="utf-8")))
        except (ValueError, KeyError):
            pass
    failed = GradingResult(submission_name(path), status="grader error",
                           output=f"the grader itself failed on this submission ({why}): "
                                  f"{(stderr or '').strip()[-1500:]}")
    write_results(failed, out_dir, visibility)
    return failed


def submission_folders(paths: list[Path]) -> list[Path]:
    """Folders the children must not see: every submission folder and the folders that hold them."""
    folders = set()
    for path in map(Path, paths):
        path = path.resolve()
        folders.add(path.parent)
        if path.is_dir():
            folders.add(path)
    return sorted(folders)


def grade_many(paths: list[Path], out_root: Path, limits: Limits, jobs: int = 1,
               progress: Callable[[str, GradingResult | None], None] | None = None,
               visibility: str = DEFAULT_VISIBILITY, metadata: Path | None = None) -> list[GradingResult]:
    """Grade submissions with `jobs` workers at a time; results come back in the order given.

    Each worker hides the whole output folder and every submission folder from
    its child, so one learner's code cannot read another's files or results.
    `metadata` (Gradescope's submission_metadata.json) names the learner of a single submission.
    """
    if metadata is not None and len(paths) != 1:
        raise ValueError("submission metadata names the learner of one submission, not of a batch")
    out_root.mkdir(parents=True, exist_ok=True)
    names = unique_names(paths)
    hide = [out_root.resolve(), *submission_folders(paths)]
    workers = _Workers()

    def one(index: int) -> GradingResult:
        if progress:
            progress(names[index], None)
        result = run_worker(paths[index], out_root / names[index], limits, hide, visibility, workers, metadata)
        if progress:
            progress(names[index], result)
        return result

    pool = ThreadPoolExecutor(max_workers=max(1, jobs))
    try:
        return list(pool.map(one, range(len(paths))))
    except KeyboardInterrupt:
        workers.stop_all()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def unique_names(paths: list[Path]) -> list[str]:
    """Output folder names: the submission's name, with -2, -3 ... when two share one."""
    names, seen = [], {}
    for path in paths:
        name = submission_name(path)
        seen[name] = seen.get(name, 0) + 1
        names.append(name if seen[name] == 1 else f"{name}-{seen[name]}")
    return names
