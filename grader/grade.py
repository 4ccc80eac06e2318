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
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable

from grader.isolate import KIT_ROOT, Limits, Submission, prepare_job, sandbox_layers, secret_paths
from grader.results import GradingResult, from_gradescope, write_results
from grader.stage import Refused, stage, submission_name

# Variables that would change how Python or pytest behave in the trusted worker.
UNTRUSTED_ENV_PREFIXES = ("PYTEST_", "PYTHON", "COV_", "TF_XLA")


def worker_environment() -> dict[str, str]:
    """The grader's environment without anything that could steer Python or pytest."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(UNTRUSTED_ENV_PREFIXES)}
    env.update(PYTEST_DISABLE_PLUGIN_AUTOLOAD="1", TF_CPP_MIN_LOG_LEVEL="3", PYTHONHASHSEED="0",
               MPLBACKEND="Agg")
    return env


def grade_one(path: Path, out_dir: Path, limits: Limits, hide: list[Path] = ()) -> GradingResult:
    """Grade one submission in this (trusted) process; the learner's code runs in a child."""
    from grader.check import run_checks

    started = time.monotonic()
    result = GradingResult(submission_name(path), isolation=list(sandbox_layers()))
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
    else:
        from layerlab.table import load_table

        files = {e.module: ("not_submitted", result.output) for e in load_table()}
    job_dir = prepare_job(sources)
    submission = Submission(job_dir, files, limits, hidden=secret_paths([out_dir, *hide]))
    try:
        checks, errors = run_checks(submission)
    finally:
        submission.close()  # the child is gone before anything is written
        shutil.rmtree(job_dir, ignore_errors=True)
    result.checks = checks
    result.events += submission.events + errors
    result.versions = {"python": sys.version.split()[0], **_versions(), **{
        f"child_{k}": v for k, v in submission.versions.items() if k != "python"}}
    result.execution_time = time.monotonic() - started
    if not result.output:
        result.output = f"{result.submission}: {result.score:g} / {result.max_score:g} points"
    write_results(result, out_dir)
    return result


def _versions() -> dict:
    import keras
    import tensorflow as tf

    return {"tensorflow": tf.__version__, "keras": keras.__version__}


def run_worker(path: Path, out_dir: Path, limits: Limits) -> GradingResult:
    """Grade one submission in a fresh trusted worker process; a worker crash becomes a result."""
    command = [sys.executable, "-E", "-s", "-m", "grader", "worker", str(path), "--out", str(out_dir),
               "--call-timeout", str(limits.call), "--train-timeout", str(limits.train),
               "--memory-mb", str(limits.memory_mb)]
    results = out_dir / "results.json"
    if results.exists():
        results.unlink()
    completed = subprocess.run(command, cwd=KIT_ROOT, env=worker_environment(), capture_output=True,
                               text=True, stdin=subprocess.DEVNULL)
    if results.exists():
        try:
            return from_gradescope(json.loads(results.read_text(encoding="utf-8")))
        except (ValueError, KeyError):
            pass
    failed = GradingResult(submission_name(path), status="grader error",
                           output=f"the grader itself failed on this submission (exit {completed.returncode}): "
                                  f"{completed.stderr.strip()[-1500:]}")
    write_results(failed, out_dir)
    return failed


def grade_many(paths: list[Path], out_root: Path, limits: Limits, jobs: int = 1,
               progress: Callable[[str, GradingResult | None], None] | None = None) -> list[GradingResult]:
    """Grade submissions with `jobs` workers at a time; results come back in the order given."""
    out_root.mkdir(parents=True, exist_ok=True)
    names = unique_names(paths)

    def one(index: int) -> GradingResult:
        if progress:
            progress(names[index], None)
        result = run_worker(paths[index], out_root / names[index], limits)
        if progress:
            progress(names[index], result)
        return result

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        return list(pool.map(one, range(len(paths))))


def unique_names(paths: list[Path]) -> list[str]:
    """Output folder names: the submission's name, with -2, -3 ... when two share one."""
    names, seen = [], {}
    for path in paths:
        name = submission_name(path)
        seen[name] = seen.get(name, 0) + 1
        names.append(name if seen[name] == 1 else f"{name}-{seen[name]}")
    return names
